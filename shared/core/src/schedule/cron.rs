//! AWS cron expressions: `cron(minutes hours day-of-month month day-of-week year)`, and the
//! search for the next matching local wall-clock minute.
//!
//! The search works field by field (year, month, day, hour, minute) on bit sets, so finding
//! the next firing costs a handful of steps however far away it is; nothing scans minutes.

use std::fmt;

use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike};

use super::days::DayRule;
use super::error::ScheduleError;
use super::field::{FieldSet, HOURS, MINUTES, MONTH, YEAR, YearSet};

/// A parsed AWS cron expression. Times it matches are local wall-clock times; the time zone
/// and DST are applied by [`super::Schedule`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CronExpr {
    /// The six fields as given, upper-cased and single-spaced, for `Display`.
    fields: String,
    minutes: FieldSet,
    hours: FieldSet,
    days: DayRule,
    months: FieldSet,
    years: YearSet,
}

impl CronExpr {
    /// Parses the text between `cron(` and `)`. `expr` is the whole expression, for messages.
    pub(crate) fn parse(fields: &str, expr: &str) -> Result<CronExpr, ScheduleError> {
        let parts: Vec<&str> = fields.split_whitespace().collect();
        let [minutes, hours, dom, month, dow, year] = parts[..] else {
            return Err(ScheduleError::invalid(
                expr,
                format!(
                    "expected 6 fields (minutes hours day-of-month month day-of-week year), found {}",
                    parts.len()
                ),
            ));
        };
        let invalid = |reason: String| ScheduleError::invalid(expr, reason);
        Ok(CronExpr {
            minutes: MINUTES.parse(minutes).map_err(invalid)?,
            hours: HOURS.parse(hours).map_err(invalid)?,
            months: MONTH.parse(month).map_err(invalid)?,
            days: DayRule::parse(dom, dow).map_err(invalid)?,
            years: YEAR.parse(year).map_err(invalid)?,
            // Names and L/W are case-insensitive (as in Quartz, whose syntax AWS follows).
            fields: parts.join(" ").to_ascii_uppercase(),
        })
    }

    /// The first matching local minute at or after `from` (seconds ignored), before 2200.
    pub fn next_local_from(&self, from: NaiveDateTime) -> Option<NaiveDateTime> {
        let mut at = Cursor {
            year: u32::try_from(from.year()).unwrap_or(0),
            month: from.month(),
            day: from.day(),
            hour: from.hour(),
            minute: from.minute(),
        };
        // Each pass either returns or moves the cursor to the start of a later unit, so the
        // loop ends after at most a few steps per (year, month) of the 1970-2199 range.
        loop {
            let year = self.years.next_from(at.year)?;
            if year != at.year {
                at = Cursor::year_start(year);
            }
            let Some(month) = self.months.next_from(at.month) else {
                at = Cursor::year_start(at.year + 1);
                continue;
            };
            if month != at.month {
                at.start_month(month);
            }
            let later_days = self.days.days_in(at.year as i32, at.month) >> at.day;
            if later_days == 0 {
                at.start_month(at.month + 1);
                continue;
            }
            let day = at.day + later_days.trailing_zeros();
            if day != at.day {
                at.start_day(day);
            }
            let Some(hour) = self.hours.next_from(at.hour) else {
                at.start_day(at.day + 1);
                continue;
            };
            if hour != at.hour {
                at.start_hour(hour);
            }
            let Some(minute) = self.minutes.next_from(at.minute) else {
                at.start_hour(at.hour + 1);
                continue;
            };
            return NaiveDate::from_ymd_opt(at.year as i32, at.month, at.day)?
                .and_hms_opt(at.hour, minute, 0);
        }
    }
}

impl CronExpr {
    /// The last matching local minute at or before `from` (seconds ignored), from 1970: the
    /// mirror of [`CronExpr::next_local_from`], so a long gap costs no more than a short one.
    pub fn prev_local_at_or_before(&self, from: NaiveDateTime) -> Option<NaiveDateTime> {
        let mut at = Back {
            year: from.year(),
            month: from.month(),
            day: from.day(),
            hour: from.hour() as i32,
            minute: from.minute() as i32,
        };
        // Each pass either returns or moves the cursor to the end of an earlier unit; a unit
        // that underflows (month 0, day 0, hour -1) finds nothing and borrows from the larger.
        loop {
            let year = self.years.prev_from(u32::try_from(at.year).ok()?)? as i32;
            if year != at.year {
                at = Back::year_end(year);
            }
            let Some(month) = self.months.prev_from(at.month) else {
                at = Back::year_end(at.year - 1);
                continue;
            };
            if month != at.month {
                at.end_month(month);
            }
            let earlier_days = self.days.days_in(at.year, at.month) & ((2u64 << at.day) - 1);
            if earlier_days == 0 {
                at.end_month(at.month - 1);
                continue;
            }
            let day = 63 - earlier_days.leading_zeros();
            if day != at.day {
                at.end_day(day);
            }
            let Some(hour) = prev_signed(&self.hours, at.hour) else {
                at.end_day(at.day - 1);
                continue;
            };
            if hour != at.hour {
                at.end_hour(hour);
            }
            let Some(minute) = prev_signed(&self.minutes, at.minute) else {
                at.end_hour(at.hour - 1);
                continue;
            };
            return NaiveDate::from_ymd_opt(at.year, at.month, at.day)?.and_hms_opt(
                at.hour as u32,
                minute as u32,
                0,
            );
        }
    }
}

fn prev_signed(set: &FieldSet, value: i32) -> Option<i32> {
    set.prev_from(u32::try_from(value).ok()?).map(|v| v as i32)
}

/// A calendar position for the backward search. Days are at most 31 and masked by the
/// month's real length, so the end of a month can be written as day 31.
#[derive(Clone, Copy)]
struct Back {
    year: i32,
    month: u32,
    day: u32,
    hour: i32,
    minute: i32,
}

impl Back {
    fn year_end(year: i32) -> Back {
        Back {
            year,
            month: 12,
            day: 31,
            hour: 23,
            minute: 59,
        }
    }
    fn end_month(&mut self, month: u32) {
        (self.month, self.day, self.hour, self.minute) = (month, 31, 23, 59);
    }
    fn end_day(&mut self, day: u32) {
        (self.day, self.hour, self.minute) = (day, 23, 59);
    }
    fn end_hour(&mut self, hour: i32) {
        (self.hour, self.minute) = (hour, 59);
    }
}

/// A position in the calendar that may overflow its unit (day 32, hour 24): the next lookup
/// of that unit then finds nothing and the search carries into the larger unit.
#[derive(Clone, Copy)]
struct Cursor {
    year: u32,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
}

impl Cursor {
    fn year_start(year: u32) -> Cursor {
        Cursor {
            year,
            month: 1,
            day: 1,
            hour: 0,
            minute: 0,
        }
    }
    fn start_month(&mut self, month: u32) {
        (self.month, self.day, self.hour, self.minute) = (month, 1, 0, 0);
    }
    fn start_day(&mut self, day: u32) {
        (self.day, self.hour, self.minute) = (day, 0, 0);
    }
    fn start_hour(&mut self, hour: u32) {
        (self.hour, self.minute) = (hour, 0);
    }
}

impl fmt::Display for CronExpr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cron({})", self.fields)
    }
}
