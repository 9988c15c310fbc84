//! Offline simulator: replays request traces through sagescale's decision engine and, in the
//! same run, through a model of AWS Application Auto Scaling target tracking, static
//! provisioning at the trace's peak and an oracle that knows demand ahead.

mod error;
pub mod trace;

pub use error::SimError;
pub mod aas;
pub mod config;
pub mod endpoint;
pub mod engine;
pub mod metrics;
pub mod oracle;
pub mod predictive;
pub mod progress;
pub mod report;
pub mod run;
pub mod simulate;
pub mod svg;
pub mod tune;
