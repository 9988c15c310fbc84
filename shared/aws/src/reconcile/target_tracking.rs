//! Step 5 of the pass: target tracking. Every target-tracking policy of the target is
//! evaluated on its metric's latest completed periods (read in the pass's batched
//! GetMetricData) and the engine combines them (`Trigger::TargetTracking`: scale out if any
//! policy's high alarm holds, scale in only when every scale-in-enabled policy's low alarm
//! holds; cooldowns, `DisableScaleIn`, suspension), see `sagescale_core::decide` and
//! `sagescale_core::target_tracking`.
//!
//! - **Nothing to do, no call.** When no policy's alarm holds, the step ends before the
//!   endpoint is described. A decision that changes nothing (cooldown, at a bound) writes
//!   nothing, so a policy held at its maximum does not add an activity every minute.
//! - **Missing data means no change, recorded once per episode.** AAS: *"If a metric is missing
//!   data points, this causes the CloudWatch alarm state to change to INSUFFICIENT_DATA. When
//!   this happens, Application Auto Scaling cannot scale your scalable target until new data
//!   points are found"* (AAS user guide, target tracking considerations). A policy whose
//!   scale-out window holds fewer datapoints than it needs starts an episode: one activity
//!   (not scaled, `NoDatapoints`) and a mark in the state; when data returns the mark is
//!   cleared. The other policies still decide.
//! - **Not while a change is pending**, as for alarms: the metric was measured before the
//!   pending change, so deciding on top of it would count the same load twice.

use chrono::{DateTime, Utc};

use sagescale_core::activity::{NotScaledCode, NotScaledReason, ScalingActivity, StatusCode};
use sagescale_core::decide::{TargetTrackingInput, Trigger, decide};
use sagescale_core::model::{PolicyType, ScalableTarget};
use sagescale_core::state::TargetState;
use sagescale_core::target_tracking::{AlarmRule, evaluate_with};

use super::TargetOutcome;
use super::record::ended;
use crate::alarm::snapshot;
use crate::metrics::Series;
use crate::sagemaker::Endpoints;
use crate::scaler::{Outcome, OwnedDecision, Plan, Scaler, ScalerError, Screen};
use crate::store::Loaded;

/// The series of each target-tracking policy of a target (`None` inside: the metric could not
/// be mapped; `None` outside: the metrics could not be read this pass).
#[derive(Debug, Default, Clone)]
pub(crate) struct TrackingInputs {
    pub series: Option<Vec<(String, Option<Series>)>>,
}

impl TrackingInputs {
    fn series_of(&self, policy: &str) -> &[f64] {
        self.series
            .as_ref()
            .and_then(|s| s.iter().find(|(p, _)| p == policy))
            .and_then(|(_, s)| s.as_deref())
            .unwrap_or(&[])
    }
}

/// What the policies' alarms say, before the endpoint is known.
struct Votes {
    out: bool,
    /// Every scale-in-enabled policy's low alarm holds (and there is one).
    all_in: bool,
    /// Policies without enough data now.
    starved: Vec<String>,
}

fn votes(target: &ScalableTarget, inputs: &TrackingInputs) -> Votes {
    let mut v = Votes {
        out: false,
        all_in: true,
        starved: Vec::new(),
    };
    let mut enabled = 0;
    for p in policies(target) {
        let Some(cfg) = &p.target_tracking_scaling_policy_configuration else {
            continue;
        };
        let rule = AlarmRule::of(p);
        let series = inputs.series_of(&p.policy_name);
        // Capacity does not change whether an alarm holds; 1 stands in for it.
        let e = evaluate_with(cfg, &rule, series, 1);
        let window = &series[series.len().saturating_sub(rule.out_periods)..];
        if window.iter().filter(|x| x.is_finite()).count() < rule.out_datapoints {
            v.starved.push(p.policy_name.clone());
        }
        v.out |= e.out_metric.is_some();
        if e.scale_in_enabled {
            enabled += 1;
            v.all_in &= e.wants_in();
        }
    }
    v.all_in &= enabled > 0;
    v
}

fn policies(
    target: &ScalableTarget,
) -> impl Iterator<Item = &sagescale_core::model::ScalingPolicy> {
    target
        .scaling_policies
        .iter()
        .filter(|p| p.policy_type == PolicyType::TargetTrackingScaling)
}

/// Whether the insufficient-data marks in `state` differ from what the data says now.
fn episodes_change(state: &TargetState, starved: &[String]) -> bool {
    starved.len() != state.insufficient_data.len()
        || starved
            .iter()
            .any(|p| !state.insufficient_data.contains_key(p))
}

/// Whether the step has anything to do for this target (read in the batched pass).
pub(super) fn tracking_due(loaded: &Loaded, inputs: &TrackingInputs) -> bool {
    if inputs.series.is_none() || loaded.state.pending.is_some() {
        return false;
    }
    if policies(&loaded.config).next().is_none() {
        return !loaded.state.insufficient_data.is_empty();
    }
    let v = votes(&loaded.config, inputs);
    v.out || v.all_in || episodes_change(&loaded.state, &v.starved)
}

/// Start and end insufficient-data episodes; the activities of those that start.
fn record_episodes(
    target: &ScalableTarget,
    state: &mut TargetState,
    starved: &[String],
    inputs: &TrackingInputs,
    now: DateTime<Utc>,
) -> Vec<ScalingActivity> {
    state.insufficient_data.retain(|p, _| starved.contains(p));
    let mut out = Vec::new();
    for p in starved {
        if state.insufficient_data.contains_key(p) {
            continue;
        }
        state.insufficient_data.insert(p.clone(), now);
        let rule = target.policy(p).map_or(AlarmRule::aas(60), AlarmRule::of);
        let series = inputs.series_of(p);
        let window = &series[series.len().saturating_sub(rule.out_periods)..];
        let seen = window.iter().filter(|v| v.is_finite()).count();
        let noun = target.scalable_dimension.unit_noun();
        out.push(ended(
            target,
            now,
            StatusCode::Successful,
            format!("Keeping desired {noun}: target tracking policy {p} has insufficient data."),
            format!("target tracking policy {p}: metric has insufficient data"),
            format!(
                "Not scaled by {p}: {seen} of the last {} datapoints present, {} needed; no \
                 change until the metric has data (recorded once until it does).",
                rule.out_periods, rule.out_datapoints
            ),
            vec![NotScaledReason {
                code: NotScaledCode::NoDatapoints,
                max_capacity: None,
                min_capacity: None,
                current_capacity: None,
            }],
        ));
    }
    out
}

pub(super) async fn track<E: Endpoints>(
    scaler: &Scaler<E>,
    rid: &str,
    now: DateTime<Utc>,
    first: Option<Loaded>,
    inputs: &TrackingInputs,
    out: &mut Vec<TargetOutcome>,
) -> Result<(), ScalerError> {
    let outcome = scaler
        .run_screened(
            rid,
            now,
            first,
            |target, state| {
                if state.pending.is_some() {
                    return Screen::Unchanged;
                }
                let v = votes(target, inputs);
                if v.out || v.all_in || episodes_change(state, &v.starved) {
                    Screen::Decide
                } else {
                    Screen::Unchanged
                }
            },
            |target, state, view| {
                let tracked: Vec<TargetTrackingInput<'_>> = policies(target)
                    .map(|p| TargetTrackingInput {
                        policy: p,
                        datapoints: inputs.series_of(&p.policy_name),
                    })
                    .collect();
                let snap = snapshot(target, state, view, now);
                let d = decide(&snap, Trigger::TargetTracking { inputs: &tracked });
                if d.desired != d.previous {
                    // Episodes that start now are recorded by the next pass.
                    return Plan::Decide(OwnedDecision::from_decision(&d, target));
                }
                let starved = votes(target, inputs).starved;
                if !episodes_change(state, &starved) {
                    // Not scaled (cooldown, bounds, suspension): nothing to record.
                    return Plan::Nothing;
                }
                let activities = record_episodes(target, state, &starved, inputs, now);
                match activities.first() {
                    None => Plan::StateOnly,
                    Some(a) => Plan::Record {
                        outcome: Outcome::NotScaled {
                            activity_id: a.activity_id.clone(),
                            previous: view.desired,
                        },
                        activities,
                    },
                }
            },
        )
        .await?;
    if !matches!(outcome, Outcome::Unchanged | Outcome::StateRecorded) {
        out.push(TargetOutcome::ok(rid, "target-tracking".into(), outcome));
    }
    Ok(())
}
