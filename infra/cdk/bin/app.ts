#!/usr/bin/env node
// Example app: one sagescale deployment per stack.
//
//   npx cdk synth -c endpointNamePrefix=my-model -c alarmNamePrefix=sagescale-
//   npx cdk deploy -c endpointNamePrefix=my-model
//
// Context keys: endpointNamePrefix (default "sagescale-"), alarmNamePrefix (default
// "sagescale-"), memorySize (MB, default 256), logRetentionDays (default 30),
// alarmEventRule ("false" disables the EventBridge alarm rule when alarm actions are used),
// stackName (default "sagescale"), dashboard ("false": no CloudWatch dashboard), and
// sagescale:prebuiltDir: a directory holding <binary>/bootstrap.zip from `make build`
// (cargo-lambda's target/lambda), to reuse those zips instead of compiling the functions again
// while synthesizing.
import { App, CfnOutput, Stack } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import { SageScale } from '../lib';

const app = new App();
const ctx = (key: string): string | undefined => {
  const value = app.node.tryGetContext(key);
  return value === undefined || value === '' ? undefined : String(value);
};
const num = (key: string): number | undefined => {
  const value = ctx(key);
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n)) throw new Error(`context ${key}=${value} is not a number`);
  return n;
};

const retentionDays = num('logRetentionDays');
if (retentionDays !== undefined && !Object.values(logs.RetentionDays).includes(retentionDays)) {
  throw new Error(`context logRetentionDays=${retentionDays} is not a CloudWatch Logs retention period`);
}
const stack = new Stack(app, ctx('stackName') ?? 'sagescale', {
  description: 'sagescale: event-driven autoscaling for SageMaker endpoints',
  // Environment-agnostic: synth needs no credentials and no network.
});
const sagescale = new SageScale(stack, 'SageScale', {
  endpointNamePrefix: ctx('endpointNamePrefix') ?? 'sagescale-',
  alarmNamePrefix: ctx('alarmNamePrefix'),
  memorySize: num('memorySize'),
  logRetention: retentionDays === undefined ? undefined : (retentionDays as logs.RetentionDays),
  prebuiltAssetDir: ctx('sagescale:prebuiltDir'),
  alarmEventRule: ctx('alarmEventRule') !== 'false',
  dashboard: ctx('dashboard') !== 'false',
});

const outputs: [id: string, description: string, value: string][] = [
  ['AlarmScalerFunctionArn', 'Use as a CloudWatch alarm action for alarms named with the alarm prefix', sagescale.alarmScaler.functionArn],
  ['ScheduleScalerFunctionArn', 'Target of EventBridge Scheduler schedules for named scheduled actions', sagescale.scheduleScaler.functionArn],
  ['SchedulerInvokeRoleArn', 'Role EventBridge Scheduler assumes to invoke schedule-scaler', sagescale.schedulerRole.roleArn],
  ['StateTableName', 'DynamoDB table holding configuration, state and activities', sagescale.table.tableName],
  ['DeadLetterQueueUrl', 'SQS queue receiving failed asynchronous invocations and undeliverable events', sagescale.deadLetterQueue.queueUrl],
];
if (sagescale.dashboard) {
  const name = sagescale.dashboard.dashboardName;
  outputs.push(
    ['DashboardName', 'CloudWatch dashboard of this deployment', name],
    ['DashboardUrl', 'The dashboard in the CloudWatch console', `https://console.aws.amazon.com/cloudwatch/home?region=${stack.region}#dashboards:name=${name}`],
  );
}
for (const [id, description, value] of outputs) {
  new CfnOutput(stack, id, { description, value });
}
