//! Step 2 of the pass: scheduled actions, and their direct invocation by EventBridge
//! Scheduler ([`fire_action`]). Each action has a cursor in `TargetState::schedule_cursors`
//! (the module docs of [`super`] give the rules).

use chrono::{DateTime, Utc};

use sagescale_core::activity::{ScalingActivity, StatusCode};
use sagescale_core::decide::{Trigger, decide};
use sagescale_core::model::{ScalableTarget, ScheduledAction};
use sagescale_core::schedule::Schedule;
use sagescale_core::state::TargetState;

use super::record::ended;
use super::{CATCH_UP, MAX_FIRINGS_COUNTED, MAX_ROUNDS, ScheduleError, TargetOutcome};
use crate::alarm::snapshot;
use crate::sagemaker::{EndpointView, Endpoints};
use crate::scaler::{Outcome, OwnedDecision, Plan, Scaler, ScalerError};
use crate::store::Loaded;

/// How many firings of a schedule fall in `(from, to]`, up to [`MAX_FIRINGS_COUNTED`].
fn count_firings(schedule: &Schedule, from: DateTime<Utc>, to: DateTime<Utc>) -> usize {
    schedule
        .firings_in(from, to)
        .take(MAX_FIRINGS_COUNTED)
        .count()
}

pub(super) fn schedule_of(target: &ScalableTarget, action: &ScheduledAction) -> Option<Schedule> {
    match Schedule::for_action(action) {
        Ok(s) => Some(s),
        Err(e) => {
            // Validation parses every schedule before a configuration reaches the table.
            tracing::error!(resource_id = %target.resource_id, action = %action.scheduled_action_name, error = %e, "unreadable schedule; action skipped");
            None
        }
    }
}

/// Where a new action's cursor starts: the configuration's apply time, within the catch-up
/// window, never after `now`.
pub(super) fn initial_cursor(
    applied_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> DateTime<Utc> {
    applied_at.unwrap_or(now).clamp(now - CATCH_UP, now)
}

/// "its firing", "3 firings", "at least 100000 firings".
fn firings_phrase(count: usize) -> String {
    match count {
        1 => "its firing".to_string(),
        n if n >= MAX_FIRINGS_COUNTED => format!("at least {n} firings"),
        n => format!("{n} firings"),
    }
}

/// The activity recording firings missed beyond the catch-up window.
pub(super) fn missed_activity(
    target: &ScalableTarget,
    action: &ScheduledAction,
    latest: DateTime<Utc>,
    count: usize,
    now: DateTime<Utc>,
) -> ScalingActivity {
    let late = (now - latest).num_minutes();
    let firings = firings_phrase(count);
    ended(
        target,
        now,
        StatusCode::Unfulfilled,
        format!(
            "Skipping scheduled action {} due at {}.",
            action.scheduled_action_name,
            latest.format("%Y-%m-%dT%H:%M:%SZ")
        ),
        format!(
            "scheduled action name {} was triggered",
            action.scheduled_action_name
        ),
        format!(
            "Scheduled action {} missed {firings}, the latest due at {} ({late} minutes ago), \
             beyond the catch-up window of {} minutes; not replayed.",
            action.scheduled_action_name,
            latest.format("%Y-%m-%dT%H:%M:%SZ"),
            CATCH_UP.num_minutes()
        ),
        Vec::new(),
    )
}

/// The activity recording firings that a later firing overtook: the pass came too late for
/// them (the function was down, its ticks failed), and only the latest firing is carried out,
/// since an action sets absolute bounds. Recorded, so that every firing is accounted for.
pub(super) fn overtaken_activity(
    target: &ScalableTarget,
    action: &ScheduledAction,
    latest: DateTime<Utc>,
    count: usize,
    fired: DateTime<Utc>,
    now: DateTime<Utc>,
) -> ScalingActivity {
    let mut a = missed_activity(target, action, latest, count, now);
    let firings = firings_phrase(count);
    a.status_message = Some(format!(
        "Scheduled action {} missed {firings}, the latest due at {}, overtaken by its firing due \
         at {}; not replayed.",
        action.scheduled_action_name,
        latest.format("%Y-%m-%dT%H:%M:%SZ"),
        fired.format("%Y-%m-%dT%H:%M:%SZ")
    ));
    a
}

/// Firings after `cursor` that the firing due at `at` overtakes: the latest of them and how
/// many there are.
pub(super) fn overtaken(
    schedule: &Schedule,
    cursor: DateTime<Utc>,
    at: DateTime<Utc>,
) -> Option<(DateTime<Utc>, usize)> {
    let before = schedule
        .latest_at_or_before(at - chrono::Duration::milliseconds(1))
        .filter(|&t| t > cursor)?;
    Some((before, count_firings(schedule, cursor, before)))
}

/// The decision of one scheduled action on the target as it is now.
pub(super) fn decide_action(
    target: &ScalableTarget,
    state: &TargetState,
    view: &EndpointView,
    action: &ScheduledAction,
    now: DateTime<Utc>,
) -> OwnedDecision {
    let snap = snapshot(target, state, view, now);
    OwnedDecision::from_decision(&decide(&snap, Trigger::Scheduled { action }), target)
}

/// What is due for a scheduled action at `now`, given its cursor.
pub(super) enum Due {
    /// Nothing came due since the cursor.
    Nothing,
    /// The latest firing is within the catch-up window.
    Fire(DateTime<Utc>),
    /// Every firing since the cursor is older than the catch-up window.
    Missed(DateTime<Utc>, usize),
}

pub(super) fn due(schedule: &Schedule, cursor: DateTime<Utc>, now: DateTime<Utc>) -> Due {
    // The latest firing is found directly: counting forward from an old cursor would stop
    // short of it after a long gap.
    match schedule.latest_at_or_before(now).filter(|&f| f > cursor) {
        None => Due::Nothing,
        Some(latest) if now - latest <= CATCH_UP => Due::Fire(latest),
        Some(latest) => Due::Missed(latest, count_firings(schedule, cursor, latest)),
    }
}

/// Whether a scheduled step has anything to do (no write otherwise).
pub(super) fn schedules_due(loaded: &Loaded, now: DateTime<Utc>) -> bool {
    let target = &loaded.config;
    let cursors = &loaded.state.schedule_cursors;
    cursors
        .keys()
        .any(|name| target.scheduled_action(name).is_none())
        || target
            .scheduled_actions
            .iter()
            .any(|a| match cursors.get(&a.scheduled_action_name) {
                None => true,
                Some(&c) => {
                    schedule_of(target, a).is_some_and(|s| !matches!(due(&s, c, now), Due::Nothing))
                }
            })
}

/// What one round of the scheduled step did, for the pass's report.
#[derive(Default)]
pub(super) struct Round {
    /// `scheduled:<action>` of the action fired or recorded missed.
    trigger: Option<String>,
    /// Another round may find more to fire.
    more: bool,
}

/// One round of the scheduled step: bring new cursors in, drop old ones, record missed
/// firings, and fire the action whose due time is earliest (one decision per write).
pub(super) fn plan_schedules(
    target: &ScalableTarget,
    state: &mut TargetState,
    view: &EndpointView,
    applied_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    round: &mut Round,
) -> Plan {
    *round = Round::default();
    let before = state.schedule_cursors.len();
    state
        .schedule_cursors
        .retain(|name, _| target.scheduled_action(name).is_some());
    let mut changed = state.schedule_cursors.len() != before;

    let suspended = target.suspended().scheduled_scaling_suspended;
    let mut missed = Vec::new();
    let mut next: Option<(DateTime<Utc>, &ScheduledAction)> = None;
    let mut firing = 0;
    for action in &target.scheduled_actions {
        let name = &action.scheduled_action_name;
        let Some(schedule) = schedule_of(target, action) else {
            continue;
        };
        let cursor = *state
            .schedule_cursors
            .entry(name.clone())
            .or_insert_with(|| {
                changed = true;
                initial_cursor(applied_at, now)
            });
        match due(&schedule, cursor, now) {
            Due::Nothing => {}
            // Suspended: the cursor passes the firing, so a resume does not replay it.
            Due::Fire(_) | Due::Missed(..) if suspended => {
                state.schedule_cursors.insert(name.clone(), now);
                changed = true;
            }
            Due::Missed(latest, count) => {
                missed.push(missed_activity(target, action, latest, count, now));
                round
                    .trigger
                    .get_or_insert_with(|| format!("scheduled:{name}"));
                state.schedule_cursors.insert(name.clone(), now);
                changed = true;
            }
            Due::Fire(at) => {
                // Earlier firings since the cursor are recorded first, in their own write, and
                // the cursor moves to the latest of them; the next round fires `at`.
                if let Some((before, count)) = overtaken(&schedule, cursor, at) {
                    missed.push(overtaken_activity(target, action, before, count, at, now));
                    round
                        .trigger
                        .get_or_insert_with(|| format!("scheduled:{name}"));
                    state.schedule_cursors.insert(name.clone(), before);
                    changed = true;
                }
                firing += 1;
                if next.is_none_or(|(t, _)| at < t) {
                    next = Some((at, action));
                }
            }
        }
    }
    if let Some(first) = missed.first() {
        // Recorded in a write of their own; the next round fires what is due.
        let outcome = Outcome::Unfulfilled {
            activity_id: first.activity_id.clone(),
            reason: first.status_message.clone().unwrap_or_default(),
        };
        round.more = next.is_some();
        return Plan::Record {
            activities: missed,
            outcome,
        };
    }
    if let Some((_, action)) = next {
        let name = &action.scheduled_action_name;
        state.schedule_cursors.insert(name.clone(), now);
        round.trigger = Some(format!("scheduled:{name}"));
        // Due-ness depends on cursors only, so no other action becomes due by firing this one:
        // without a second one due now, no further round (and no further read) is needed.
        round.more = firing > 1;
        return Plan::Decide(decide_action(target, state, view, action, now));
    }
    if changed {
        Plan::StateOnly
    } else {
        Plan::Nothing
    }
}

pub(super) async fn fire_schedules<E: Endpoints>(
    scaler: &Scaler<E>,
    rid: &str,
    applied_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    mut first: Option<Loaded>,
    out: &mut Vec<TargetOutcome>,
) -> Result<(), ScalerError> {
    for _ in 0..MAX_ROUNDS {
        let mut round = Round::default();
        let outcome = scaler
            .run_from(rid, now, first.take(), |target, state, view| {
                plan_schedules(target, state, view, applied_at, now, &mut round)
            })
            .await?;
        if let (Some(trigger), false) = (
            round.trigger,
            matches!(outcome, Outcome::Unchanged | Outcome::StateRecorded),
        ) {
            out.push(TargetOutcome::ok(rid, trigger, outcome));
        }
        if !round.more {
            break;
        }
    }
    Ok(())
}

/// A named scheduled action fired by EventBridge Scheduler: exactly once per scheduled time,
/// sharing the cursor with the pass.
pub async fn fire_action<E: Endpoints>(
    scaler: &Scaler<E>,
    rid: &str,
    action_name: &str,
    scheduled_time: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<TargetOutcome, ScheduleError> {
    let due_at = crate::tick_clock::scheduled_time(scheduled_time, now);
    let mut unknown = false;
    // Earlier firings since the cursor that this one overtakes are recorded first, in a write
    // of their own (the cursor moves to the latest of them); a second round then fires.
    let mut recorded_overtaken = false;
    let mut outcome = Outcome::Unchanged;
    for _ in 0..2 {
        outcome = scaler
            .run(rid, now, |target, state, view| {
                plan_direct(
                    target,
                    state,
                    view,
                    action_name,
                    due_at,
                    now,
                    &mut unknown,
                    &mut recorded_overtaken,
                )
            })
            .await?;
        if !std::mem::take(&mut recorded_overtaken) {
            break;
        }
    }
    if unknown {
        return Err(ScheduleError::UnknownAction {
            resource_id: rid.to_string(),
            action: action_name.to_string(),
        });
    }
    Ok(TargetOutcome::ok(
        rid,
        format!("scheduled:{action_name}"),
        outcome,
    ))
}

/// One write of a direct Scheduler invocation (see [`fire_action`]).
#[allow(clippy::too_many_arguments)]
fn plan_direct(
    target: &ScalableTarget,
    state: &mut TargetState,
    view: &EndpointView,
    action_name: &str,
    due_at: DateTime<Utc>,
    now: DateTime<Utc>,
    unknown: &mut bool,
    recorded_overtaken: &mut bool,
) -> Plan {
    *unknown = false;
    *recorded_overtaken = false;
    let Some(action) = target.scheduled_action(action_name) else {
        *unknown = true;
        return Plan::Nothing;
    };
    let cursor = state.schedule_cursors.get(action_name).copied();
    if cursor.is_some_and(|c| c >= due_at) {
        return Plan::Nothing; // already handled: a duplicate delivery, or the pass
    }
    if !target.suspended().scheduled_scaling_suspended
        && let Some(cursor) = cursor
        && let Some(schedule) = schedule_of(target, action)
        && let Some((before, count)) = overtaken(&schedule, cursor, due_at)
    {
        let a = overtaken_activity(target, action, before, count, due_at, now);
        state
            .schedule_cursors
            .insert(action_name.to_string(), before);
        *recorded_overtaken = true;
        return Plan::Record {
            outcome: Outcome::Unfulfilled {
                activity_id: a.activity_id.clone(),
                reason: a.status_message.clone().unwrap_or_default(),
            },
            activities: vec![a],
        };
    }
    state
        .schedule_cursors
        .insert(action_name.to_string(), due_at);
    if target.suspended().scheduled_scaling_suspended {
        return Plan::StateOnly;
    }
    if now - due_at > CATCH_UP {
        let a = missed_activity(target, action, due_at, 1, now);
        return Plan::Record {
            outcome: Outcome::Unfulfilled {
                activity_id: a.activity_id.clone(),
                reason: a.status_message.clone().unwrap_or_default(),
            },
            activities: vec![a],
        };
    }
    Plan::Decide(decide_action(target, state, view, action, now))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(h: u32, m: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 27, h, m, s).unwrap()
    }

    #[test]
    fn new_cursor_starts_at_apply_time_within_the_catch_up_window() {
        let now = t(18, 0, 5);
        assert_eq!(initial_cursor(Some(t(17, 59, 59)), now), t(17, 59, 59));
        assert_eq!(initial_cursor(Some(t(10, 0, 0)), now), now - CATCH_UP);
        assert_eq!(initial_cursor(Some(t(19, 0, 0)), now), now);
        assert_eq!(initial_cursor(None, now), now);
    }

    #[test]
    fn count_firings_counts_the_gap() {
        let s = Schedule::parse("rate(1 minute)", None, None, None).unwrap();
        assert_eq!(count_firings(&s, t(18, 0, 0), t(18, 10, 30)), 10);
        assert_eq!(count_firings(&s, t(18, 0, 0), t(18, 0, 30)), 0);
    }

    #[test]
    fn overtaken_counts_the_firings_between_the_cursor_and_the_one_due() {
        let s = Schedule::parse("rate(10 minutes)", None, None, None).unwrap();
        assert_eq!(overtaken(&s, t(18, 0, 0), t(18, 10, 0)), None);
        assert_eq!(
            overtaken(&s, t(18, 0, 0), t(18, 20, 0)),
            Some((t(18, 10, 0), 1))
        );
        assert_eq!(
            overtaken(&s, t(17, 55, 0), t(18, 30, 0)),
            Some((t(18, 20, 0), 3))
        );
        // After a gap longer than the count cap: the latest overtaken firing, the count capped.
        let s = Schedule::parse("rate(1 minute)", None, None, None).unwrap();
        let later = t(18, 0, 0) + chrono::Duration::days(70);
        assert_eq!(
            overtaken(&s, t(18, 0, 5), later),
            Some((later - chrono::Duration::minutes(1), MAX_FIRINGS_COUNTED))
        );
    }

    #[test]
    fn due_is_fire_within_the_window_and_missed_beyond() {
        let s = Schedule::parse("cron(0 18 * * ? *)", Some("UTC"), None, None).unwrap();
        assert!(matches!(due(&s, t(17, 0, 0), t(18, 3, 0)), Due::Fire(f) if f == t(18, 0, 0)));
        assert!(matches!(due(&s, t(17, 0, 0), t(18, 15, 0)), Due::Fire(_)));
        assert!(
            matches!(due(&s, t(17, 0, 0), t(18, 15, 1)), Due::Missed(f, 1) if f == t(18, 0, 0))
        );
        assert!(matches!(due(&s, t(18, 0, 0), t(18, 15, 1)), Due::Nothing));
    }
}
