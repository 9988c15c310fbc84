//! Which clock the schedule-scaler's pass runs at: the time an event says, or the function's.
//!
//! A tick's `time` is when the `rate(1 minute)` rule was due, so a delivery a little late is
//! judged by when it was due. But the event is only a claim: a stale one (a replay, a fixture)
//! or one dated in the future would move every schedule cursor there, and a cursor past the
//! real time silently swallows the firings in between. So:
//!
//! - a time within [`MAX_EVENT_AGE`] before the function's clock and [`MAX_SKEW`] after it is
//!   trusted, but never past the function's clock: a tick a few seconds ahead runs at `now`;
//! - a time outside that window is not trusted: a warning is logged and the pass runs at
//!   `now`, as if the tick had been delivered on time.
//!
//! EventBridge gives up on a delivery after the rule target's maximum event age, 24 hours by
//! default and at most, so no genuine tick is older. To replay time (demos, tests), shift the
//! function's own clock with `SAGESCALE_CLOCK_*` ([`crate::lambda::Clock`]), not the event.
//!
//! An EventBridge Scheduler `ScheduledTime` is held to the same upper bound (never past the
//! function's clock); an old one is left as it is, because the action's cursor and the
//! catch-up window already decide what an old firing does.

use chrono::{DateTime, Duration, Utc};

/// EventBridge's default and largest maximum event age of a rule target.
pub const MAX_EVENT_AGE: Duration = Duration::hours(24);
/// How far ahead of the function's clock an event's time may be (clock skew between AWS
/// services and the function's host).
pub const MAX_SKEW: Duration = Duration::minutes(5);

/// The time a tick's pass runs at: the tick's `time` when it is within the window around
/// `now`, never after `now`; otherwise `now`, with a warning.
pub fn pass_time(tick: DateTime<Utc>, now: DateTime<Utc>) -> DateTime<Utc> {
    if tick < now - MAX_EVENT_AGE || tick > now + MAX_SKEW {
        tracing::warn!(
            tick = %tick,
            now = %now,
            "tick time is outside the window of {} hours before to {} minutes after the \
             function's clock; the pass runs at the function's clock",
            MAX_EVENT_AGE.num_hours(),
            MAX_SKEW.num_minutes()
        );
        return now;
    }
    tick.min(now)
}

/// When a Scheduler-invoked action is taken to be due: its `ScheduledTime`, never after
/// `now` (a time beyond [`MAX_SKEW`] ahead is logged); `now` without one.
pub fn scheduled_time(scheduled: Option<DateTime<Utc>>, now: DateTime<Utc>) -> DateTime<Utc> {
    match scheduled {
        Some(t) if t > now + MAX_SKEW => {
            tracing::warn!(
                scheduled_time = %t,
                now = %now,
                "ScheduledTime is more than {} minutes after the function's clock; the action \
                 is taken to be due now",
                MAX_SKEW.num_minutes()
            );
            now
        }
        Some(t) => t.min(now),
        None => now,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 4, 23, 0, 30).unwrap()
    }

    #[test]
    fn a_tick_delivered_late_within_the_maximum_event_age_runs_at_its_own_time() {
        for late in [Duration::seconds(25), Duration::hours(3), MAX_EVENT_AGE] {
            assert_eq!(pass_time(now() - late, now()), now() - late);
        }
    }

    #[test]
    fn a_tick_older_than_the_maximum_event_age_runs_at_the_function_clock() {
        let stale = now() - MAX_EVENT_AGE - Duration::seconds(1);
        assert_eq!(pass_time(stale, now()), now());
        assert_eq!(pass_time(now() - Duration::days(7), now()), now());
    }

    #[test]
    fn a_tick_ahead_of_the_function_clock_never_moves_the_pass_past_it() {
        // Within the skew: trusted, but capped at now.
        assert_eq!(pass_time(now() + Duration::seconds(20), now()), now());
        assert_eq!(pass_time(now() + MAX_SKEW, now()), now());
        // Beyond it (a tick dated 2028): not trusted.
        let future = Utc.with_ymd_and_hms(2028, 2, 29, 23, 0, 0).unwrap();
        assert_eq!(pass_time(future, now()), now());
    }

    #[test]
    fn a_scheduled_time_is_never_after_the_function_clock() {
        let future = Utc.with_ymd_and_hms(2028, 2, 29, 23, 0, 0).unwrap();
        assert_eq!(scheduled_time(Some(future), now()), now());
        assert_eq!(
            scheduled_time(Some(now() + Duration::seconds(3)), now()),
            now()
        );
        let old = now() - Duration::days(3);
        assert_eq!(scheduled_time(Some(old), now()), old);
        assert_eq!(scheduled_time(None, now()), now());
    }
}
