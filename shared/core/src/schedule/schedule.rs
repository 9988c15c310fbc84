//! A schedule expression placed in time: its time zone, its StartTime/EndTime window and, for
//! `rate()`, its anchor. Answers "when does it fire next?" without reading a clock.
//!
//! Semantics (EventBridge Scheduler, which AAS's scheduled actions follow):
//! - `cron()` and `at()` are wall-clock times in `tz`. A local time skipped by a
//!   spring-forward change never fires; a local time repeated by a fall-back change fires
//!   once, at its first occurrence.
//! - `rate()` ignores `tz`: it fires every period (days are 24 h) from its anchor, which is
//!   StartTime when given, else the anchor the caller supplies (AAS starts a rate schedule
//!   when the action is created; pass that time), else the Unix epoch so periods are aligned
//!   to whole minutes/hours/UTC days and the result is still deterministic.
//! - The window is inclusive at both ends: AAS "performs the action at [StartTime]" and the
//!   action "stops repeating after [EndTime]". For `cron()` and `at()` StartTime only bounds
//!   firings (it is not itself a firing unless it matches).

use chrono::{DateTime, LocalResult, NaiveDateTime, TimeDelta, TimeZone, Timelike, Utc};

use super::cron::CronExpr;
use super::error::ScheduleError;
use super::expr::ScheduleExpr;
use super::zone::Zone;
use crate::model::ScheduledAction;

#[derive(Debug, Clone, PartialEq)]
pub struct Schedule {
    pub expr: ScheduleExpr,
    /// Where `cron()`/`at()` wall-clock times are read; UTC by default, as in AAS.
    pub tz: Zone,
    /// StartTime: no firing before it (inclusive); also the anchor of `rate()`.
    pub start: Option<DateTime<Utc>>,
    /// EndTime: no firing after it (inclusive).
    pub end: Option<DateTime<Utc>>,
    /// First firing of a `rate()` without StartTime (normally the action's creation time).
    pub anchor: Option<DateTime<Utc>>,
}

/// Parses an IANA time zone name as AAS's `Timezone` accepts it.
pub fn parse_time_zone(name: &str) -> Result<Zone, ScheduleError> {
    Zone::named(name).ok_or_else(|| ScheduleError::UnknownTimeZone(name.to_string()))
}

impl Schedule {
    /// `timezone` `None` means UTC. Rejects an unknown zone and StartTime after EndTime.
    pub fn new(
        expr: ScheduleExpr,
        timezone: Option<&str>,
        start: Option<DateTime<Utc>>,
        end: Option<DateTime<Utc>>,
    ) -> Result<Schedule, ScheduleError> {
        let tz = timezone.map_or(Ok(Zone::utc()), parse_time_zone)?;
        if let (Some(start), Some(end)) = (start, end)
            && start > end
        {
            return Err(ScheduleError::StartAfterEnd { start, end });
        }
        Ok(Schedule {
            expr,
            tz,
            start,
            end,
            anchor: None,
        })
    }

    /// Parses the `Schedule` string too.
    pub fn parse(
        schedule: &str,
        timezone: Option<&str>,
        start: Option<DateTime<Utc>>,
        end: Option<DateTime<Utc>>,
    ) -> Result<Schedule, ScheduleError> {
        Schedule::new(ScheduleExpr::parse(schedule)?, timezone, start, end)
    }

    /// The schedule of a configured scheduled action.
    pub fn for_action(action: &ScheduledAction) -> Result<Schedule, ScheduleError> {
        Schedule::parse(
            &action.schedule,
            action.timezone.as_deref(),
            action.start_time,
            action.end_time,
        )
    }

    /// Sets the anchor `rate()` counts from when there is no StartTime.
    pub fn with_anchor(mut self, anchor: DateTime<Utc>) -> Schedule {
        self.anchor = Some(anchor);
        self
    }

    /// The first firing strictly after `t`, or `None` when the schedule is over.
    pub fn next_after(&self, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
        // Firings at or after StartTime are the ones strictly after this instant.
        let t = match self.start {
            Some(start) if start - TimeDelta::nanoseconds(1) > t => {
                start - TimeDelta::nanoseconds(1)
            }
            _ => t,
        };
        let next = match &self.expr {
            ScheduleExpr::At(local) => self.resolve(*local).filter(|&at| at > t),
            ScheduleExpr::Rate { .. } => self.next_rate(t),
            ScheduleExpr::Cron(cron) => self.next_cron(cron, t),
        }?;
        match self.end {
            Some(end) if next > end => None,
            _ => Some(next),
        }
    }

    /// The next `n` firings after `t`.
    pub fn next_n(&self, t: DateTime<Utc>, n: usize) -> Vec<DateTime<Utc>> {
        std::iter::successors(self.next_after(t), |&f| self.next_after(f))
            .take(n)
            .collect()
    }

    /// Firings in the half-open interval `(t0, t1]`, lazily: a tick handler asks "did anything
    /// fire since my last tick?" without allocating.
    pub fn firings_in(
        &self,
        t0: DateTime<Utc>,
        t1: DateTime<Utc>,
    ) -> impl Iterator<Item = DateTime<Utc>> + '_ {
        std::iter::successors(self.next_after(t0), |&f| self.next_after(f))
            .take_while(move |&f| f <= t1)
    }

    /// The latest firing at or before `t`, or `None` when the schedule had not fired by then.
    /// Found directly (the mirror of [`Schedule::next_after`]), not by counting forward, so
    /// the answer after a gap of months costs what it costs after a minute.
    pub fn latest_at_or_before(&self, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let t = match self.end {
            Some(end) if end < t => end,
            _ => t,
        };
        let latest = match &self.expr {
            ScheduleExpr::At(local) => self.resolve(*local).filter(|&at| at <= t),
            ScheduleExpr::Rate { .. } => self.prev_rate(t),
            ScheduleExpr::Cron(cron) => self.prev_cron(cron, t),
        }?;
        match self.start {
            Some(start) if latest < start => None,
            _ => Some(latest),
        }
    }

    fn rate_anchor(&self) -> DateTime<Utc> {
        self.start
            .or(self.anchor)
            .unwrap_or(DateTime::<Utc>::UNIX_EPOCH)
    }

    fn prev_rate(&self, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let period = self.expr.period()?.num_seconds();
        let anchor = self.rate_anchor();
        if t < anchor {
            return None;
        }
        let elapsed = (t - anchor).num_seconds() / period;
        anchor.checked_add_signed(TimeDelta::seconds(elapsed * period))
    }

    fn prev_cron(&self, cron: &CronExpr, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
        // A firing before `t` reads a later local time than `t` when the clocks went back in
        // between, so the search starts that much later. Clocks change far less often than
        // hourly, so hourly samples of the last day find every such change.
        let offset = |at: DateTime<Utc>| at.with_timezone(&self.tz).naive_local() - at.naive_utc();
        let now_offset = offset(t);
        let back = (1..=25)
            .filter_map(|h| t.checked_sub_signed(TimeDelta::hours(h)))
            .map(|at| offset(at) - now_offset)
            .max()
            .unwrap_or_default()
            .max(TimeDelta::zero());
        let mut from = t.with_timezone(&self.tz).naive_local() + back;
        loop {
            let candidate = cron.prev_local_at_or_before(from)?;
            // Local times resolve in order (a gap time to nothing, a repeated one to its first
            // occurrence), so the first candidate at or before `t` is the latest.
            match self.resolve(candidate) {
                Some(at) if at <= t => return Some(at),
                _ => from = candidate - TimeDelta::minutes(1),
            }
        }
    }

    fn next_rate(&self, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let period = self.expr.period()?.num_seconds();
        let anchor = self.rate_anchor();
        if t < anchor {
            return Some(anchor);
        }
        // Whole periods elapsed; num_seconds truncates, which is floor for t >= anchor.
        let elapsed = (t - anchor).num_seconds() / period;
        anchor.checked_add_signed(TimeDelta::seconds((elapsed + 1) * period))
    }

    fn next_cron(&self, cron: &CronExpr, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let local = t.with_timezone(&self.tz).naive_local();
        let mut from = local.with_second(0)?.with_nanosecond(0)? + TimeDelta::minutes(1);
        loop {
            let candidate = cron.next_local_from(from)?;
            // A gap time resolves to nothing; a repeated time to its first occurrence, which
            // is before `t` when `t` is in the second pass: both are skipped.
            match self.resolve(candidate) {
                Some(at) if at > t => return Some(at),
                _ => from = candidate + TimeDelta::minutes(1),
            }
        }
    }

    /// The instant of a local wall-clock time: none in a DST gap, the first in a DST overlap.
    fn resolve(&self, local: NaiveDateTime) -> Option<DateTime<Utc>> {
        match self.tz.from_local_datetime(&local) {
            LocalResult::Single(at) | LocalResult::Ambiguous(at, _) => Some(at.to_utc()),
            LocalResult::None => None,
        }
    }
}
