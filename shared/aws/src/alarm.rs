//! Alarm-driven step scaling: what an alarm state change does to one target. Shared by the
//! alarm-scaler (on the event) and the reconcile pass (re-firing alarms still in ALARM, as AAS
//! re-invokes a step policy every minute its alarm stays in ALARM).

use chrono::{DateTime, Utc};
use serde_json::Value;

use sagescale_core::activity::{NotScaledCode, NotScaledReason};
use sagescale_core::decide::{Bounds, Cause, Snapshot, Trigger, decide};
use sagescale_core::model::{PolicyType, ScalableTarget};
use sagescale_core::state::{AlarmRecord, AlarmSource, TargetState};

use crate::events::{AlarmStateChange, AlarmStateValue, EventError, Origin, parse_alarm_event};
use crate::sagemaker::{EndpointView, Endpoints};
use crate::scaler::{Outcome, OwnedDecision, Plan, Scaler, ScalerError, Screen};

#[derive(Debug, thiserror::Error)]
pub enum HandlerError {
    #[error("rejected: {0}")]
    Event(#[from] EventError),
    #[error(transparent)]
    Scaler(#[from] ScalerError),
    /// Some targets failed; `done` were decided and recorded all the same. The invocation
    /// still fails, so Lambda retries it, and the retry repeats only what failed: the others
    /// recognise the delivery by its key.
    #[error("{}", targets_failed(.done, .failed))]
    Targets {
        done: Vec<TargetOutcome>,
        failed: Vec<TargetFailure>,
    },
}

/// One target an alarm state change could not be handled on.
#[derive(Debug)]
pub struct TargetFailure {
    pub resource_id: String,
    pub alarm: String,
    pub error: ScalerError,
}

impl std::fmt::Display for TargetFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "alarm {}: ", self.alarm)?;
        if self.error.names_target() {
            write!(f, "{}", self.error)
        } else {
            write!(f, "target {}: {}", self.resource_id, self.error)
        }
    }
}

fn targets_failed(done: &[TargetOutcome], failed: &[TargetFailure]) -> String {
    let list: Vec<String> = failed.iter().map(ToString::to_string).collect();
    format!(
        "{} of {} targets failed (the others were handled; a retry repeats only what failed): {}",
        failed.len(),
        failed.len() + done.len(),
        list.join("; ")
    )
}

impl crate::lambda::ErrorType for HandlerError {
    /// Rejected events are not worth retrying; scaling errors may be.
    fn error_type(&self) -> &'static str {
        match self {
            HandlerError::Event(_) => "RejectedEvent",
            HandlerError::Scaler(_) | HandlerError::Targets { .. } => "ScalingError",
        }
    }
}

/// The outcome for one target touched by an event.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct TargetOutcome {
    pub resource_id: String,
    pub alarm: String,
    #[serde(flatten)]
    pub outcome: Outcome,
}

/// The snapshot the engine sees for a target.
pub fn snapshot(
    target: &ScalableTarget,
    state: &TargetState,
    view: &EndpointView,
    now: DateTime<Utc>,
) -> Snapshot {
    Snapshot {
        now,
        desired: view.desired,
        bounds: state.effective_bounds(Bounds {
            min: target.min_capacity,
            max: target.max_capacity,
        }),
        suspended: target.suspended(),
        cooldown: state.cooldown,
        dimension: target.scalable_dimension,
        // The ForecastAndScale policies' floor from the stored forecasts (no call).
        forecast: sagescale_core::predictive_policy::floor(target, state, now).map(|(f, _)| f),
    }
}

/// Decide what the step policies bound to `alarm` do, given the alarm's last threshold and
/// datapoints. Several step policies on one alarm: the largest resulting capacity wins (AAS
/// runs each; the largest is what survives). `None` when no step policy uses the alarm.
pub fn decide_alarm(
    target: &ScalableTarget,
    state: &TargetState,
    view: &EndpointView,
    alarm: &str,
    record: &AlarmRecord,
    now: DateTime<Utc>,
) -> Option<OwnedDecision> {
    let snap = snapshot(target, state, view, now);
    let mut best: Option<OwnedDecision> = None;
    for policy in target
        .policies_for_alarm(alarm)
        .filter(|p| p.policy_type == PolicyType::StepScaling)
    {
        let d = match record.threshold {
            Some(threshold) if !record.datapoints.is_empty() => OwnedDecision::from_decision(
                &decide(
                    &snap,
                    Trigger::Alarm {
                        policy,
                        alarm,
                        threshold,
                        datapoints: &record.datapoints,
                    },
                ),
                target,
            ),
            // Composite alarms and alarms without reasonData: recorded, not scaled.
            _ => OwnedDecision {
                previous: snap.desired,
                desired: snap.desired,
                bounds: snap.bounds,
                cooldown: snap.cooldown,
                not_scaled: vec![NotScaledReason {
                    code: NotScaledCode::NoDatapoints,
                    max_capacity: Some(snap.bounds.max),
                    min_capacity: Some(snap.bounds.min),
                    current_capacity: Some(snap.desired),
                }],
                cause: Cause::Alarm {
                    alarm,
                    policy: &policy.policy_name,
                }
                .to_string(),
                description: format!(
                    "Setting desired {} to {}.",
                    target.scalable_dimension.unit_noun(),
                    snap.desired
                ),
            },
        };
        best = match best {
            Some(b) if b.desired >= d.desired => Some(b),
            _ => Some(d),
        };
    }
    best
}

/// The part of an alarm state change that needs no endpoint: a duplicate delivery changes
/// nothing; an older state than the one recorded, or a state other than ALARM, is only
/// recorded. `Screen::Decide` leaves the decision to [`plan_alarm_change`].
pub fn screen_alarm_change(state: &mut TargetState, change: &AlarmStateChange) -> Screen {
    let key = change.dedup_key();
    if state.has_seen(&key) {
        return Screen::Unchanged;
    }
    state.remember(key);
    // Deliveries can arrive out of order (EventBridge and SNS both retry): an older state
    // change never overwrites a newer one.
    if let Some(existing) = state.alarms.get(&change.alarm_name)
        && existing.state_timestamp > change.state_timestamp
    {
        return Screen::StateOnly;
    }
    if change.state != AlarmStateValue::Alarm {
        let source = state
            .alarms
            .get(&change.alarm_name)
            .and_then(|r| r.source.clone());
        state
            .alarms
            .insert(change.alarm_name.clone(), record_of(change, None, source));
        return Screen::StateOnly;
    }
    Screen::Decide
}

fn record_of(
    change: &AlarmStateChange,
    last_fired: Option<DateTime<Utc>>,
    source: Option<sagescale_core::state::AlarmSource>,
) -> AlarmRecord {
    AlarmRecord {
        source,
        state: change.state.as_str().to_string(),
        state_timestamp: change.state_timestamp,
        threshold: change.threshold,
        datapoints: change.datapoints.clone(),
        last_fired,
    }
}

/// Decide on an ALARM state change that [`screen_alarm_change`] let through, and record it.
pub fn plan_alarm_change(
    target: &ScalableTarget,
    state: &mut TargetState,
    view: &EndpointView,
    change: &AlarmStateChange,
    now: DateTime<Utc>,
) -> Plan {
    let source = state
        .alarms
        .get(&change.alarm_name)
        .and_then(|r| r.source.clone());
    let record = record_of(change, Some(now), source);
    let decision = decide_alarm(target, state, view, &change.alarm_name, &record, now);
    state.alarms.insert(change.alarm_name.clone(), record);
    match decision {
        Some(d) => Plan::Decide(d),
        None => Plan::StateOnly,
    }
}

pub struct AlarmHandler<'a, E> {
    pub scaler: &'a Scaler<E>,
    pub origin: Origin,
}

impl<E: Endpoints> AlarmHandler<'_, E> {
    /// The change with the alarm metric's latest datapoints and threshold, from the metric
    /// cached in a target's state or else described once (DescribeAlarms); with the targets'
    /// reads (one BatchGetItem), which their decisions start from.
    async fn fresh_change(
        &self,
        change: &AlarmStateChange,
        targets: &[String],
        now: DateTime<Utc>,
    ) -> Result<
        (
            Vec<Option<crate::store::Loaded>>,
            Option<(AlarmStateChange, AlarmSource)>,
        ),
        String,
    > {
        let store = &self.scaler.store;
        let mut by_id: std::collections::HashMap<String, crate::store::Loaded> = store
            .load_many(targets)
            .await
            .map_err(|e| e.to_string())?
            .into_iter()
            .map(|l| (l.config.resource_id.clone(), l))
            .collect();
        // A duplicate delivery is settled from the state alone (no CloudWatch call).
        let key = change.dedup_key();
        if by_id.values().all(|l| l.state.has_seen(&key)) {
            let loaded = targets.iter().map(|t| by_id.remove(t)).collect();
            return Ok((loaded, None));
        }
        let cached = by_id.values().find_map(|l| {
            l.state
                .alarms
                .get(&change.alarm_name)
                .and_then(|r| r.source.clone())
        });
        let source = match cached {
            Some(s) => s,
            None => self
                .scaler
                .metrics
                .describe_alarms(std::slice::from_ref(&change.alarm_name))
                .await
                .map_err(|e| e.to_string())?
                .remove(&change.alarm_name)
                .unwrap_or_else(|| AlarmSource::Unavailable("not described".into())),
        };
        let loaded = targets.iter().map(|t| by_id.remove(t)).collect();
        let AlarmSource::Metric(m) = &source else {
            return Ok((loaded, None));
        };
        let mut batch = crate::metrics::Batch::default();
        batch.add(m.spec.clone(), m.evaluation_periods as usize);
        let series = self
            .scaler
            .metrics
            .read(&batch, now)
            .await
            .map_err(|e| e.to_string())?;
        let mut fresh = change.clone();
        fresh.threshold = Some(m.threshold);
        fresh.datapoints = series
            .first()
            .map(|s| s.iter().copied().filter(|v| v.is_finite()).collect())
            .unwrap_or_default();
        Ok((loaded, Some((fresh, source))))
    }

    /// Handle one invocation's payload. Every state change in it is parsed and checked before
    /// anything is written, so a bad or foreign event changes nothing.
    ///
    /// Each target is handled on its own: one that fails (its endpoint is gone, a throttled
    /// table) does not stop the others, which are decided and recorded; the failures are
    /// reported together in [`HandlerError::Targets`].
    pub async fn handle(
        &self,
        payload: &Value,
        now: DateTime<Utc>,
    ) -> Result<Vec<TargetOutcome>, HandlerError> {
        let changes = parse_alarm_event(payload)?;
        for c in &changes {
            self.origin.check_alarm(c)?;
        }
        let mut out = Vec::new();
        let mut failed = Vec::new();
        for change in &changes {
            let targets = self
                .scaler
                .store
                .targets_for_alarm(&change.alarm_name)
                .await
                .map_err(ScalerError::from)?;
            if targets.is_empty() {
                tracing::warn!(alarm = %change.alarm_name, "no scalable target uses this alarm");
            }
            // An ALARM without datapoints (composite alarm, SNS or reasonData without them) is
            // evaluated on the alarm metric's latest datapoints, read once for all its targets.
            let mut loaded: Vec<Option<crate::store::Loaded>> = vec![None; targets.len()];
            let mut fresh: Option<(AlarmStateChange, AlarmSource)> = None;
            if change.state == AlarmStateValue::Alarm
                && change.datapoints.is_empty()
                && !targets.is_empty()
            {
                match self.fresh_change(change, &targets, now).await {
                    Ok((l, f)) => {
                        loaded = l;
                        fresh = f;
                    }
                    Err(e) => {
                        tracing::warn!(alarm = %change.alarm_name, error = %e, "reading the alarm's metric failed; recorded without datapoints")
                    }
                }
            }
            let (change, source) = match &fresh {
                Some((c, s)) => (c, Some(s)),
                None => (change, None),
            };
            for (rid, first) in targets.into_iter().zip(loaded) {
                let result = self
                    .scaler
                    .run_screened(
                        &rid,
                        now,
                        first,
                        |_, state| screen_alarm_change(state, change),
                        |target, state, view| {
                            let plan = plan_alarm_change(target, state, view, change, now);
                            if let (Some(source @ AlarmSource::Metric(_)), Some(r)) =
                                (source, state.alarms.get_mut(&change.alarm_name))
                            {
                                r.source.get_or_insert_with(|| source.clone());
                            }
                            plan
                        },
                    )
                    .await;
                match result {
                    Ok(outcome) => out.push(TargetOutcome {
                        resource_id: rid,
                        alarm: change.alarm_name.clone(),
                        outcome,
                    }),
                    Err(error) => failed.push(TargetFailure {
                        resource_id: rid,
                        alarm: change.alarm_name.clone(),
                        error,
                    }),
                }
            }
        }
        if failed.is_empty() {
            Ok(out)
        } else {
            Err(HandlerError::Targets { done: out, failed })
        }
    }
}
