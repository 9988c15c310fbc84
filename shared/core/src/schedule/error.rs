//! Errors a user sees when a schedule, time zone or time window is rejected.

use chrono::{DateTime, Utc};

/// Why a `Schedule`/`Timezone`/`StartTime`/`EndTime` was rejected. Messages quote the user's
/// own text and say how to fix it, because they surface verbatim in `sagescale validate`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    /// Not `at(...)`, `rate(...)` or `cron(...)` at all.
    #[error("'{0}': expected at(yyyy-mm-ddThh:mm:ss), rate(value unit) or cron(fields)")]
    UnknownKind(String),
    /// The right kind of expression, but a part of it is wrong.
    #[error("{expr}: {reason}")]
    Invalid { expr: String, reason: String },
    #[error("unknown time zone '{0}' (use an IANA name such as America/New_York)")]
    UnknownTimeZone(String),
    #[error("StartTime {start} is after EndTime {end}")]
    StartAfterEnd {
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    },
}

impl ScheduleError {
    pub(crate) fn invalid(expr: &str, reason: impl Into<String>) -> Self {
        ScheduleError::Invalid {
            expr: expr.to_string(),
            reason: reason.into(),
        }
    }
}
