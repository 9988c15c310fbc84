//! sagescale's pure core: Application Auto Scaling's configuration model and rules, the
//! decision engine and the schedules. No AWS SDK, no I/O, no clock: time is a parameter.

pub mod activity;
pub mod decide;
pub mod forecast;
pub mod metric_query;
pub mod model;
pub mod predictive;
pub mod predictive_policy;
pub mod schedule;
pub mod state;
pub mod step;
pub mod target_tracking;
pub mod validate;
