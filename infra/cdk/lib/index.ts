export * from './sagescale';
