//! The day part of a cron expression: day-of-month or day-of-week (AWS requires the other to
//! be `?`), including the calendar-dependent forms `L`, `L-n`, `nW`, `LW`, `n#k` and `nL`.
//! Each rule yields, for one month, the set of matching days as a bit mask.

use chrono::{Datelike, NaiveDate};

use super::field::{DAY_OF_MONTH, DAY_OF_WEEK, FieldSet};

/// Which days of a month a cron expression fires on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DayRule {
    /// Plain day-of-month values (`1,15`, `1-7`, `*/2`, `*`).
    MonthDays(FieldSet),
    /// `L` (offset 0) or `L-n`: the last day of the month, or n days before it.
    LastDay { offset: u32 },
    /// `15W`: the weekday (Mon-Fri) nearest to day 15, never leaving the month; no firing in
    /// a month shorter than that day.
    NearestWeekday(u32),
    /// `LW`: the last weekday (Mon-Fri) of the month.
    LastWeekday,
    /// Plain day-of-week values (`MON-FRI`, `1,7`, `*`), AWS numbering 1=SUN .. 7=SAT.
    WeekDays(FieldSet),
    /// `6#3`: the third Friday.
    NthWeekday { weekday: u32, nth: u32 },
    /// `6L`: the last Friday.
    LastOfWeekday(u32),
}

impl DayRule {
    /// Parses the pair of day fields; exactly one of them must be `?`.
    pub(crate) fn parse(day_of_month: &str, day_of_week: &str) -> Result<DayRule, String> {
        match (day_of_month == "?", day_of_week == "?") {
            (false, true) => parse_day_of_month(day_of_month),
            (true, false) => parse_day_of_week(day_of_week),
            _ => Err("day-of-month and day-of-week: exactly one must be '?'".to_string()),
        }
    }

    /// Matching days of `year`/`month` as a mask: bit d set means day d (1..=31) fires.
    pub(crate) fn days_in(&self, year: i32, month: u32) -> u64 {
        let len = month_len(year, month);
        let valid = ((1u64 << (len + 1)) - 1) & !1;
        // AWS weekday (1=SUN..7=SAT) of day 1.
        let first = weekday_of(year, month, 1);
        let bit = |d: u32| if (1..=len).contains(&d) { 1u64 << d } else { 0 };
        match *self {
            DayRule::MonthDays(set) => set.low_mask_by_value() & valid,
            DayRule::LastDay { offset } => len.checked_sub(offset).map_or(0, bit),
            DayRule::NearestWeekday(day) if day > len => 0,
            DayRule::NearestWeekday(day) => bit(nearest_weekday(day, len, first)),
            DayRule::LastWeekday => bit(nearest_weekday(len, len, first)),
            DayRule::WeekDays(set) => (1..=len)
                .filter(|&d| set.contains(weekday_at(first, d)))
                .fold(0, |mask, d| mask | bit(d)),
            DayRule::NthWeekday { weekday, nth } => {
                bit(first_day_with(weekday, first) + 7 * (nth - 1))
            }
            DayRule::LastOfWeekday(weekday) => {
                let d = first_day_with(weekday, first);
                bit(d + 7 * ((len - d) / 7))
            }
        }
    }
}

fn parse_day_of_month(original: &str) -> Result<DayRule, String> {
    let name = DAY_OF_MONTH.name;
    let text = &original.to_ascii_uppercase();
    match text.as_str() {
        "L" => return Ok(DayRule::LastDay { offset: 0 }),
        "LW" => return Ok(DayRule::LastWeekday),
        _ => {}
    }
    if let Some(offset) = text.strip_prefix("L-") {
        return match offset.parse::<u32>() {
            Ok(n) if n <= 30 => Ok(DayRule::LastDay { offset: n }),
            _ => Err(format!(
                "{name}: offset in '{original}' must be 0-30 (e.g. L-3)"
            )),
        };
    }
    if let Some(day) = text.strip_suffix('W') {
        return match day.parse::<u32>() {
            Ok(d) if (1..=31).contains(&d) => Ok(DayRule::NearestWeekday(d)),
            _ => Err(format!(
                "{name}: 'W' needs a single day 1-31 before it (e.g. 15W) or LW, found '{original}'"
            )),
        };
    }
    if text.contains(['L', 'W']) {
        return Err(format!(
            "{name}: 'L' and 'W' must stand alone (L, L-3, LW, 15W), not in '{original}'"
        ));
    }
    if text.contains('#') {
        return Err(DAY_OF_MONTH.misplaced('#'));
    }
    Ok(DayRule::MonthDays(DAY_OF_MONTH.parse(original)?))
}

fn parse_day_of_week(original: &str) -> Result<DayRule, String> {
    let name = DAY_OF_WEEK.name;
    let text = &original.to_ascii_uppercase();
    if text.as_str() == "L" {
        // Alone, L is the last day of the week: Saturday.
        return Ok(DayRule::WeekDays(DAY_OF_WEEK.parse("7")?));
    }
    if let Some((weekday, nth)) = text.split_once('#') {
        if text.contains(',') {
            return Err(format!(
                "{name}: '#' allows a single expression only (e.g. 6#3), not a list '{original}'"
            ));
        }
        let weekday = DAY_OF_WEEK.value(weekday)?;
        return match nth.parse::<u32>() {
            Ok(n) if (1..=5).contains(&n) => Ok(DayRule::NthWeekday { weekday, nth: n }),
            _ => Err(format!(
                "{name}: the week in '{original}' must be 1-5 (e.g. 6#3 is the third Friday)"
            )),
        };
    }
    if let Some(weekday) = text.strip_suffix('L') {
        if weekday.contains([',', '-']) {
            return Err(format!(
                "{name}: 'L' needs a single day before it (e.g. 6L), not '{original}'"
            ));
        }
        return Ok(DayRule::LastOfWeekday(DAY_OF_WEEK.value(weekday)?));
    }
    if text.contains('L') {
        return Err(format!(
            "{name}: 'L' must stand alone (L) or follow a single day (6L), not in '{original}'"
        ));
    }
    Ok(DayRule::WeekDays(DAY_OF_WEEK.parse(original)?))
}

pub(crate) fn month_len(year: i32, month: u32) -> u32 {
    let (ny, nm) = if month == 12 {
        (year + 1, 1)
    } else {
        (year, month + 1)
    };
    NaiveDate::from_ymd_opt(ny, nm, 1)
        .and_then(|d| d.pred_opt())
        .map_or(31, |d| d.day())
}

/// AWS weekday number (1=SUN .. 7=SAT) of a date.
fn weekday_of(year: i32, month: u32, day: u32) -> u32 {
    NaiveDate::from_ymd_opt(year, month, day).map_or(1, |d| d.weekday().num_days_from_sunday() + 1)
}

/// Weekday of day `d` given the weekday of day 1.
fn weekday_at(first: u32, d: u32) -> u32 {
    (first - 1 + d - 1) % 7 + 1
}

/// The first day of the month falling on `weekday`.
fn first_day_with(weekday: u32, first: u32) -> u32 {
    1 + (weekday + 7 - first) % 7
}

/// Quartz/AWS `W`: a Saturday moves to Friday, a Sunday to Monday, unless that would leave
/// the month, in which case it moves the other way (1st on a Saturday -> Monday the 3rd).
fn nearest_weekday(day: u32, len: u32, first: u32) -> u32 {
    match weekday_at(first, day) {
        7 if day == 1 => 3,
        7 => day - 1,
        1 if day == len => day - 2,
        1 => day + 1,
        _ => day,
    }
}
