//! The schedule-scaler's work: the one-minute reconcile pass, and a named scheduled action
//! fired directly by EventBridge Scheduler.
//!
//! Per configured target, the pass runs up to three steps, each through [`Scaler::run`] (load,
//! describe, decide, one conditional write), so that concurrent or duplicate passes are safe:
//!
//! 1. **Pending claims.** A claim the endpoint deferred (it was `Updating`), or one a crash left
//!    behind (not deferred, decided more than [`STALE_CLAIM`] ago): when the endpoint is
//!    `InService` it is carried out ([`Scaler::act_on_claim`], an absolute and so idempotent
//!    count); `Failed`/`OutOfService`/`Deleting` record it `Unfulfilled`; still busy, it waits.
//! 2. **Scheduled actions.** Each action has a cursor in `TargetState::schedule_cursors`: the
//!    instant up to which its firings are handled. Firings in `(cursor, now]`: the most recent
//!    one fires if it is at most [`CATCH_UP`] old; when even the most recent is older, nothing
//!    fires and one `Unfulfilled` activity records the missed firings (AAS does not replay missed
//!    actions). Earlier firings overtaken by a later one are not replayed: an action sets
//!    absolute bounds, so its latest firing is the one that matters. The cursor moves to `now` in
//!    the same conditional write as the decision, so each firing is decided exactly once. When
//!    several actions are due, they fire in the order of their due times (the latest wins). A
//!    scheduled decision ignores cooldowns and moves capacity into the new bounds at once (the
//!    engine's rules). With `ScheduledScalingSuspended`, cursors advance and nothing fires, so a
//!    resume does not replay the actions passed meanwhile.
//!
//!    A new action (no cursor yet) starts at the time its configuration was applied, but never
//!    more than [`CATCH_UP`] in the past: an action applied at 17:59:59 and due at 18:00 fires on
//!    the first pass after 18:00, and history is not replayed. Cursors of actions no longer
//!    configured are dropped. A `rate()` without StartTime counts from the Unix epoch (whole
//!    minutes, hours, UTC days), as `sagescale plan` and `sagescale status` show it, so that
//!    re-applying a configuration does not shift its phase.
//! 3. **Alarms still in ALARM.** AAS re-invokes a step policy every minute its alarm stays in
//!    ALARM, while a Lambda alarm action or EventBridge rule fires once per state change. An
//!    alarm in ALARM whose policies last fired at least [`ALARM_REFIRE`] ago is decided again
//!    from its last datapoints, under the cooldown rules. Not while a change is pending: a
//!    deferred change has not started its cooldown, and re-firing on top of it would add the
//!    step again every minute until the endpoint is `InService`. A re-fire that changes capacity is
//!    recorded like any decision (and moves `last_fired`); one that does not (cooldown, already
//!    at the maximum) writes nothing, so an alarm that stays in ALARM for hours does not add an
//!    identical not-scaled activity every minute.
//!
//! A claim that a newer decision replaces is recorded `Overridden` by the scaler.
//!
//! A pass reads each target once first and skips the steps that have nothing to do, so an idle
//! target costs one DynamoDB query per minute and no SageMaker call.
//!
//! **Direct invocation** ([`fire_action`]): EventBridge Scheduler invokes the function with a
//! named action and its scheduled time. It shares the action's cursor with the pass: when the
//! cursor is at or after the scheduled time, the firing was already handled (by the pass or an
//! earlier delivery) and nothing happens. Otherwise it fires (or, beyond [`CATCH_UP`], is
//! recorded as missed) and the cursor moves to the scheduled time, in one conditional write.
//! Either wiring, or both, fires each occurrence once. Without a scheduled time (a manual
//! invocation) the firing is taken to be due `now`.

use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

use sagescale_core::activity::{ScalingActivity, StatusCode};
use sagescale_core::decide::{Trigger, decide};
use sagescale_core::model::{ScalableTarget, ScheduledAction};
use sagescale_core::schedule::Schedule;
use sagescale_core::state::{PendingChange, TargetState};

use crate::alarm::{decide_alarm, snapshot};
use crate::events::{EventError, Origin, ScheduleEvent, parse_schedule_event};
use crate::sagemaker::{EndpointView, Endpoints, Readiness, Resource};
use crate::scaler::{Outcome, OwnedDecision, Plan, Scaler, ScalerError, claim_activity};
use crate::store::Loaded;
use crate::tick_clock;

/// How late a scheduled action may still fire. A pass that runs at most this long after an
/// action came due fires it; older firings are skipped and recorded. Fifteen minutes covers a
/// throttled or briefly failing function (EventBridge retries) without letting a long outage
/// replay a stale peak.
pub const CATCH_UP: Duration = Duration::minutes(15);
/// An alarm in ALARM re-fires its step policies at this interval (AAS: every minute).
pub const ALARM_REFIRE: Duration = Duration::seconds(60);
/// A claim neither deferred nor finished after this long was left by a crashed invocation.
pub const STALE_CLAIM: Duration = Duration::seconds(60);
/// Most firings counted for the record of missed firings (a `rate(1 minute)` action over a
/// month-long outage); beyond it the count is reported as a lower bound.
const MAX_FIRINGS_COUNTED: usize = 100_000;

/// What one step of the pass (or a direct invocation) did to one target.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct TargetOutcome {
    pub resource_id: String,
    /// `pending`, `scheduled:<action>`, `alarm:<alarm>`, or `pass` for a failure of the target.
    pub trigger: String,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<Outcome>,
    /// Why this target could not be handled (the pass goes on with the other targets).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl TargetOutcome {
    fn ok(resource_id: &str, trigger: String, outcome: Outcome) -> Self {
        Self {
            resource_id: resource_id.to_string(),
            trigger,
            outcome: Some(outcome),
            error: None,
        }
    }

    fn failed(resource_id: &str, trigger: String, error: String) -> Self {
        Self {
            resource_id: resource_id.to_string(),
            trigger,
            outcome: None,
            error: Some(error),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ScheduleError {
    #[error("rejected: {0}")]
    Event(#[from] EventError),
    #[error("target {resource_id} has no scheduled action named {action}")]
    UnknownAction { resource_id: String, action: String },
    #[error(transparent)]
    Scaler(#[from] ScalerError),
}

impl crate::lambda::ErrorType for ScheduleError {
    fn error_type(&self) -> &'static str {
        match self {
            ScheduleError::Event(_) => "RejectedEvent",
            ScheduleError::UnknownAction { .. } => "UnknownScheduledAction",
            ScheduleError::Scaler(_) => "ScalingError",
        }
    }
}

/// How many firings of a schedule fall in `(from, to]`, up to [`MAX_FIRINGS_COUNTED`].
fn count_firings(schedule: &Schedule, from: DateTime<Utc>, to: DateTime<Utc>) -> usize {
    schedule
        .firings_in(from, to)
        .take(MAX_FIRINGS_COUNTED)
        .count()
}

fn schedule_of(target: &ScalableTarget, action: &ScheduledAction) -> Option<Schedule> {
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
fn initial_cursor(applied_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> DateTime<Utc> {
    applied_at.unwrap_or(now).clamp(now - CATCH_UP, now)
}

/// The activity recording firings missed beyond the catch-up window.
fn missed_activity(
    target: &ScalableTarget,
    action: &ScheduledAction,
    latest: DateTime<Utc>,
    count: usize,
    now: DateTime<Utc>,
) -> ScalingActivity {
    let late = (now - latest).num_minutes();
    let firings = match count {
        1 => "its firing".to_string(),
        n if n >= MAX_FIRINGS_COUNTED => format!("at least {n} firings"),
        n => format!("{n} firings"),
    };
    ScalingActivity {
        activity_id: Uuid::new_v4().to_string(),
        service_namespace: target.service_namespace,
        resource_id: target.resource_id.clone(),
        scalable_dimension: target.scalable_dimension,
        description: format!(
            "Skipping scheduled action {} due at {}.",
            action.scheduled_action_name,
            latest.format("%Y-%m-%dT%H:%M:%SZ")
        ),
        cause: format!(
            "scheduled action name {} was triggered",
            action.scheduled_action_name
        ),
        start_time: now,
        end_time: Some(now),
        status_code: StatusCode::Unfulfilled,
        status_message: Some(format!(
            "Scheduled action {} missed {firings}, the latest due at {} ({late} minutes ago), \
             beyond the catch-up window of {} minutes; not replayed.",
            action.scheduled_action_name,
            latest.format("%Y-%m-%dT%H:%M:%SZ"),
            CATCH_UP.num_minutes()
        )),
        details: None,
        not_scaled_reasons: Vec::new(),
    }
}

/// The decision of one scheduled action on the target as it is now.
fn decide_action(
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
enum Due {
    /// Nothing came due since the cursor.
    Nothing,
    /// The latest firing is within the catch-up window.
    Fire(DateTime<Utc>),
    /// Every firing since the cursor is older than the catch-up window.
    Missed(DateTime<Utc>, usize),
}

fn due(schedule: &Schedule, cursor: DateTime<Utc>, now: DateTime<Utc>) -> Due {
    // The latest firing is found directly: counting forward from an old cursor would stop
    // short of it after a long gap.
    match schedule.latest_at_or_before(now).filter(|&f| f > cursor) {
        None => Due::Nothing,
        Some(latest) if now - latest <= CATCH_UP => Due::Fire(latest),
        Some(latest) => Due::Missed(latest, count_firings(schedule, cursor, latest)),
    }
}

/// Whether a scheduled step has anything to do (no write otherwise).
fn schedules_due(loaded: &Loaded, now: DateTime<Utc>) -> bool {
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
struct Round {
    /// `scheduled:<action>` of the action fired or recorded missed.
    trigger: Option<String>,
    /// Another round may find more to fire.
    more: bool,
}

/// One round of the scheduled step: bring new cursors in, drop old ones, record missed
/// firings, and fire the action whose due time is earliest (one decision per write).
fn plan_schedules(
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

/// Whether the claim in `state` is for the pass to finish.
fn claim_due(state: &TargetState, now: DateTime<Utc>) -> Option<&PendingChange> {
    state
        .pending
        .as_ref()
        .filter(|p| p.deferred || now - p.decided_at >= STALE_CLAIM)
}

/// The first alarm whose policies are due to fire again. None while a change is pending: it
/// is the alarm's answer already, and a deferred change has not started its cooldown, so a
/// re-fire would add its step on top of it every minute.
fn alarm_due<'a>(
    state: &'a TargetState,
    now: DateTime<Utc>,
    after: Option<&str>,
) -> Option<&'a str> {
    if state.pending.is_some() {
        return None;
    }
    state
        .alarms
        .iter()
        .filter(|(name, _)| after.is_none_or(|a| name.as_str() > a))
        .find(|(_, r)| r.in_alarm() && r.last_fired.is_none_or(|t| now - t >= ALARM_REFIRE))
        .map(|(name, _)| name.as_str())
}

/// The one-minute reconcile pass over every configured target. Fails only when the targets
/// cannot be listed; a target that fails is reported in its outcome and the others go on.
pub async fn run_pass<E: Endpoints>(
    scaler: &Scaler<E>,
    now: DateTime<Utc>,
) -> Result<Vec<TargetOutcome>, ScalerError> {
    let mut out = Vec::new();
    for rid in scaler.store.list_targets().await? {
        if let Err(e) = reconcile_target(scaler, &rid, now, &mut out).await {
            tracing::error!(resource_id = %rid, error = %e, "reconcile pass failed for target");
            out.push(TargetOutcome::failed(&rid, "pass".into(), e.to_string()));
        }
    }
    Ok(out)
}

/// The pass's three steps on one target; outcomes of the steps that did something.
pub async fn reconcile_target<E: Endpoints>(
    scaler: &Scaler<E>,
    rid: &str,
    now: DateTime<Utc>,
    out: &mut Vec<TargetOutcome>,
) -> Result<(), ScalerError> {
    let Some(loaded) = scaler.store.load(rid).await? else {
        return Ok(());
    };
    let claim = claim_due(&loaded.state, now).is_some();
    let schedules = schedules_due(&loaded, now);
    let alarms = alarm_due(&loaded.state, now, None).is_some();
    let applied_at = loaded.applied_at;
    // The first step that runs starts from this read instead of reading again.
    let mut first = Some(loaded);
    if claim {
        finish_claim(scaler, rid, now, first.take(), out).await?;
    }
    if schedules {
        fire_schedules(scaler, rid, applied_at, now, first.take(), out).await?;
    }
    if alarms {
        refire_alarms(scaler, rid, now, first.take(), out).await?;
    }
    Ok(())
}

async fn finish_claim<E: Endpoints>(
    scaler: &Scaler<E>,
    rid: &str,
    now: DateTime<Utc>,
    mut first: Option<Loaded>,
    out: &mut Vec<TargetOutcome>,
) -> Result<(), ScalerError> {
    let mut ready: Option<(ScalableTarget, PendingChange)> = None;
    let outcome = scaler
        .run_from(rid, now, first.take(), |target, state, view| {
            ready = None;
            let Some(claim) = claim_due(state, now).cloned() else {
                return Plan::Nothing;
            };
            match &view.readiness {
                Readiness::Busy(_) => Plan::Nothing,
                Readiness::Ready => {
                    ready = Some((target.clone(), claim));
                    Plan::Nothing
                }
                Readiness::Unavailable(status) => {
                    let reason = format!("Endpoint status is {status}; no change made.");
                    let mut a = claim_activity(target, &claim);
                    a.status_code = StatusCode::Unfulfilled;
                    a.status_message = Some(reason.clone());
                    a.end_time = Some(now);
                    state.pending = None;
                    state.cooldown = claim.prior_cooldown;
                    Plan::Record {
                        activities: vec![a],
                        outcome: Outcome::Unfulfilled {
                            activity_id: claim.activity_id,
                            reason,
                        },
                    }
                }
            }
        })
        .await?;
    let outcome = match ready {
        Some((target, claim)) => {
            let resource =
                Resource::parse(rid).ok_or_else(|| ScalerError::BadResource(rid.to_string()))?;
            scaler
                .act_on_claim(&target, &resource, None, claim, now)
                .await
        }
        None => outcome,
    };
    if outcome != Outcome::Unchanged {
        out.push(TargetOutcome::ok(rid, "pending".into(), outcome));
    }
    Ok(())
}

async fn fire_schedules<E: Endpoints>(
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

/// Upper bound on write rounds of one step (each round handles one action or alarm).
const MAX_ROUNDS: usize = 64;

async fn refire_alarms<E: Endpoints>(
    scaler: &Scaler<E>,
    rid: &str,
    now: DateTime<Utc>,
    mut first: Option<Loaded>,
    out: &mut Vec<TargetOutcome>,
) -> Result<(), ScalerError> {
    // Alarms are visited in name order; `after` is the last one decided.
    let mut after: Option<String> = None;
    for _ in 0..MAX_ROUNDS {
        let mut decided: Option<String> = None;
        let outcome = scaler
            .run_from(rid, now, first.take(), |target, state, view| {
                decided = None;
                let mut from = after.clone();
                while let Some(name) = alarm_due(state, now, from.as_deref()).map(str::to_string) {
                    from = Some(name.clone());
                    let record = state.alarms[&name].clone();
                    let Some(d) = decide_alarm(target, state, view, &name, &record, now) else {
                        continue;
                    };
                    if d.desired == d.previous {
                        // Not scaled: nothing to record (see the module docs).
                        continue;
                    }
                    if let Some(r) = state.alarms.get_mut(&name) {
                        r.last_fired = Some(now);
                    }
                    decided = Some(name);
                    return Plan::Decide(d);
                }
                Plan::Nothing
            })
            .await?;
        let Some(name) = decided else {
            return Ok(());
        };
        out.push(TargetOutcome::ok(rid, format!("alarm:{name}"), outcome));
        after = Some(name);
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
    let due_at = tick_clock::scheduled_time(scheduled_time, now);
    let mut unknown = false;
    let outcome = scaler
        .run(rid, now, |target, state, view| {
            unknown = false;
            let Some(action) = target.scheduled_action(action_name) else {
                unknown = true;
                return Plan::Nothing;
            };
            if state
                .schedule_cursors
                .get(action_name)
                .is_some_and(|&c| c >= due_at)
            {
                return Plan::Nothing; // already handled: a duplicate delivery, or the pass
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
        })
        .await?;
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

/// The schedule-scaler's handler: a tick runs the pass, a Scheduler invocation fires its action.
pub struct ScheduleHandler<'a, E> {
    pub scaler: &'a Scaler<E>,
    pub origin: Origin,
}

impl<E: Endpoints> ScheduleHandler<'_, E> {
    /// Handle one invocation. A tick runs the pass as of the tick's own `time` (when the rule
    /// was due), so a late delivery is judged by when it was due, within the window
    /// [`tick_clock`] trusts; cursors never move back, so a replayed tick changes nothing. A
    /// Scheduler invocation is judged at `now`.
    pub async fn handle(
        &self,
        payload: &serde_json::Value,
        now: DateTime<Utc>,
    ) -> Result<Vec<TargetOutcome>, ScheduleError> {
        let event = parse_schedule_event(payload)?;
        self.origin.check_schedule(&event)?;
        match event {
            ScheduleEvent::Tick { time, .. } => {
                Ok(run_pass(self.scaler, tick_clock::pass_time(time, now)).await?)
            }
            ScheduleEvent::Action {
                resource_id,
                action_name,
                scheduled_time,
            } => Ok(vec![
                fire_action(self.scaler, &resource_id, &action_name, scheduled_time, now).await?,
            ]),
        }
    }
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
