//! Scheduled actions' schedules: AAS's `at()`, `rate()` and AWS `cron()` expressions, time
//! zones with EventBridge Scheduler's DST rules, and StartTime/EndTime windows.
//!
//! Pure: every question takes the time as a parameter. `Schedule::next_after` jumps field by
//! field rather than scanning minutes, because the Lambda asks on every tick and the
//! simulator asks over weeks of 10 s ticks.

mod cron;
mod days;
mod error;
mod expr;
mod field;
#[allow(clippy::module_inception)]
mod schedule;
mod zone;

pub use cron::CronExpr;
pub use error::ScheduleError;
pub use expr::{RateUnit, ScheduleExpr};
pub use schedule::{Schedule, parse_time_zone};
pub use zone::{Zone, ZoneOffset};
