//! The `Schedule` string of a scheduled action: `at(...)`, `rate(...)` or `cron(...)`.

use std::fmt;

use chrono::{NaiveDateTime, TimeDelta};

use super::cron::CronExpr;
use super::error::ScheduleError;

/// AAS's `at` format; no time zone suffix, the action's `Timezone` applies.
const AT_FORMAT: &str = "%Y-%m-%dT%H:%M:%S";

/// A parsed schedule expression, before a time zone or time window is attached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScheduleExpr {
    /// One firing at a local wall-clock time.
    At(NaiveDateTime),
    /// A fixed period, counted from an anchor (see [`super::Schedule`]).
    Rate {
        amount: u32,
        unit: RateUnit,
    },
    Cron(CronExpr),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateUnit {
    Minute,
    Hour,
    /// 24 hours, not a calendar day: EventBridge Scheduler counts rate days as 24 h even
    /// across DST changes.
    Day,
}

impl RateUnit {
    const ALL: [RateUnit; 3] = [RateUnit::Minute, RateUnit::Hour, RateUnit::Day];

    pub fn singular(self) -> &'static str {
        match self {
            RateUnit::Minute => "minute",
            RateUnit::Hour => "hour",
            RateUnit::Day => "day",
        }
    }

    pub fn plural(self) -> &'static str {
        match self {
            RateUnit::Minute => "minutes",
            RateUnit::Hour => "hours",
            RateUnit::Day => "days",
        }
    }

    pub fn seconds(self) -> i64 {
        match self {
            RateUnit::Minute => 60,
            RateUnit::Hour => 3_600,
            RateUnit::Day => 86_400,
        }
    }
}

impl ScheduleExpr {
    /// Parses AAS's `Schedule` syntax, rejecting what AAS rejects with a message naming the
    /// offending part.
    pub fn parse(text: &str) -> Result<ScheduleExpr, ScheduleError> {
        let expr = text.trim();
        let unknown = || ScheduleError::UnknownKind(expr.to_string());
        let (kind, rest) = expr.split_once('(').ok_or_else(unknown)?;
        let Some(body) = rest.strip_suffix(')') else {
            return Err(match kind {
                "at" | "rate" | "cron" => ScheduleError::invalid(expr, "missing closing ')'"),
                _ => unknown(),
            });
        };
        match kind {
            "at" => parse_at(body.trim(), expr),
            "rate" => parse_rate(body.trim(), expr),
            "cron" => CronExpr::parse(body, expr).map(ScheduleExpr::Cron),
            _ => Err(unknown()),
        }
    }

    /// The period of a `rate()` expression.
    pub fn period(&self) -> Option<TimeDelta> {
        match *self {
            ScheduleExpr::Rate { amount, unit } => {
                Some(TimeDelta::seconds(i64::from(amount) * unit.seconds()))
            }
            _ => None,
        }
    }
}

fn parse_at(body: &str, expr: &str) -> Result<ScheduleExpr, ScheduleError> {
    NaiveDateTime::parse_from_str(body, AT_FORMAT)
        .map(ScheduleExpr::At)
        .map_err(|_| {
            ScheduleError::invalid(
                expr,
                format!("'{body}' is not a date and time yyyy-mm-ddThh:mm:ss (e.g. at(2026-03-01T08:00:00))"),
            )
        })
}

fn parse_rate(body: &str, expr: &str) -> Result<ScheduleExpr, ScheduleError> {
    let invalid = |reason: String| ScheduleError::invalid(expr, reason);
    let parts: Vec<&str> = body.split_whitespace().collect();
    let [value, unit_text] = parts[..] else {
        return Err(invalid(
            "expected rate(value unit), e.g. rate(5 minutes)".to_string(),
        ));
    };
    let amount = match value.parse::<u32>() {
        Ok(n) if n >= 1 => n,
        _ => {
            return Err(invalid(format!(
                "value '{value}' must be a positive whole number"
            )));
        }
    };
    let Some((unit, plural)) = RateUnit::ALL.iter().find_map(|&u| {
        (unit_text == u.singular())
            .then_some((u, false))
            .or((unit_text == u.plural()).then_some((u, true)))
    }) else {
        return Err(invalid(format!(
            "unit '{unit_text}' must be one of minute, minutes, hour, hours, day, days"
        )));
    };
    match (amount, plural) {
        (1, true) => Err(invalid(format!(
            "use the singular unit '{}' for a value of 1",
            unit.singular()
        ))),
        (2.., false) => Err(invalid(format!(
            "use the plural unit '{}' for values above 1",
            unit.plural()
        ))),
        _ => Ok(ScheduleExpr::Rate { amount, unit }),
    }
}

impl fmt::Display for ScheduleExpr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScheduleExpr::At(at) => write!(f, "at({})", at.format(AT_FORMAT)),
            ScheduleExpr::Rate { amount: 1, unit } => write!(f, "rate(1 {})", unit.singular()),
            ScheduleExpr::Rate { amount, unit } => write!(f, "rate({amount} {})", unit.plural()),
            ScheduleExpr::Cron(cron) => cron.fmt(f),
        }
    }
}

impl std::str::FromStr for ScheduleExpr {
    type Err = ScheduleError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ScheduleExpr::parse(s)
    }
}
