//! Step 3 of the pass: predictive scaling. Each predictive policy's forecast is made when it is
//! due and kept in the target's state; the `ForecastAndScale` policies' floor raises capacity
//! ahead of the load (`Trigger::Forecast`), and every other decision (this pass's, the alarm
//! function's) sees the same floor through the snapshot (`crate::alarm::snapshot`). The rules
//! of when a forecast is made and what it covers: `sagescale_core::predictive_policy`; of the
//! floor: `sagescale_core::predictive`.
//!
//! - **Reads only when due.** The pass reads the load history (GetMetricData, 14 days of
//!   one-minute datapoints by default) only for the policies whose forecast is due, batched
//!   across targets ([`crate::metrics::Batch`]: five 14-day histories fill one call's 100,800
//!   datapoints). A pass with no forecast due reads nothing from CloudWatch for them; the floor
//!   comes from the stored forecast.
//! - **Describes only when the floor may raise capacity.** The endpoint is described only when
//!   the floor's minimum is above the count sagescale holds (its pending claim, or the count it
//!   last set or found, `TargetState::last_set`) and that forecast interval was not handled
//!   yet. A floor at or under the count costs nothing.
//! - **ForecastAndScale.** When the capacity is under the raised minimum, the decision is
//!   carried out like any other (claim, activity, dry run, deferral while the endpoint is
//!   `Updating`); its activity's cause names the policy, the capacity and the interval.
//! - **ForecastOnly.** Nothing changes. Once per forecast interval in which the floor would
//!   have raised capacity, a not-scaled activity records it: "ForecastOnly: would set desired
//!   instance count to N." with the forecast as the cause.
//! - **Less than 24 hours of history.** No forecast and no floor; one activity when the
//!   episode starts ("insufficient data", `NoDatapoints`), none while it lasts. When a
//!   scale-out and an episode's start fall in the same pass, the episode is recorded by the
//!   next pass.
//! - **A history that could not be read** leaves the stored forecast in force (it covers a
//!   refresh interval and more); the read is tried again on the next pass.

use chrono::{DateTime, Utc};

use sagescale_core::activity::{NotScaledCode, NotScaledReason, StatusCode};
use sagescale_core::decide::{Snapshot, Trigger, decide};
use sagescale_core::forecast::ForecastError;
use sagescale_core::model::{PredictiveScalingMode, ScalableTarget};
use sagescale_core::predictive_policy::{PredictivePolicy, floor};
use sagescale_core::state::{StoredForecast, TargetState};

use super::TargetOutcome;
use super::record::ended;
use crate::alarm::snapshot;
use crate::sagemaker::{EndpointView, Endpoints};
use crate::scaler::{Outcome, OwnedDecision, Plan, Scaler, ScalerError, Screen};
use crate::store::Loaded;

/// What the pass's history read gave one target.
#[derive(Debug, Default)]
pub(crate) struct PredictiveInputs {
    /// The forecast attempts of the policies that were due, made from this pass's read.
    pub made: Vec<(String, Result<StoredForecast, ForecastError>)>,
    /// Policies that were due but whose history could not be read this pass.
    pub unread: Vec<String>,
}

/// The part that needs no endpoint: install this pass's forecasts, drop those of policies no
/// longer configured, and tell whether the floor may change capacity or an episode needs
/// recording.
fn screen(
    target: &ScalableTarget,
    state: &mut TargetState,
    inputs: &PredictiveInputs,
    now: DateTime<Utc>,
) -> Screen {
    let before = state.forecasts.clone();
    let policies: Vec<PredictivePolicy<'_>> = PredictivePolicy::all(target).collect();
    state
        .forecasts
        .retain(|name, _| policies.iter().any(|p| p.name() == name));
    for (name, made) in &inputs.made {
        let Some(p) = policies.iter().find(|p| p.name() == name) else {
            continue;
        };
        let entry = p.entry(state.forecasts.get(name), made.clone(), now);
        state.forecasts.insert(name.clone(), entry);
    }
    let episode = state
        .forecasts
        .values()
        .any(|e| e.insufficient.is_some_and(|i| !i.recorded));
    if episode || !floors_to_handle(target, state, now).is_empty() {
        Screen::Decide
    } else if state.forecasts != before {
        Screen::StateOnly
    } else {
        Screen::Unchanged
    }
}

/// The policies whose floor at `now` is above the count sagescale holds, in an interval not
/// handled yet: the combined `ForecastAndScale` floor's policy, and each `ForecastOnly` one.
fn floors_to_handle<'a>(
    target: &'a ScalableTarget,
    state: &TargetState,
    now: DateTime<Utc>,
) -> Vec<(
    PredictivePolicy<'a>,
    sagescale_core::predictive::ForecastFloor,
)> {
    let held = state
        .pending
        .as_ref()
        .map(|p| p.desired)
        .or(state.last_set)
        .unwrap_or(-1);
    let bounds = state.effective_bounds(sagescale_core::decide::Bounds {
        min: target.min_capacity,
        max: target.max_capacity,
    });
    let scaling = floor(target, state, now);
    let mut out = Vec::new();
    for p in PredictivePolicy::all(target) {
        let Some(entry) = state.forecasts.get(p.name()) else {
            continue;
        };
        let f = match p.mode() {
            PredictiveScalingMode::ForecastAndScale => match scaling {
                Some((f, name)) if name == p.name() => f,
                _ => continue,
            },
            PredictiveScalingMode::ForecastOnly => match p.floor(entry, now) {
                Some(f) => f,
                None => continue,
            },
        };
        if f.raise(bounds).min > held && entry.noted_interval != Some(f.interval) {
            out.push((p, f));
        }
    }
    out
}

/// Whether the step has anything to do for this target.
pub(super) fn predictive_due(
    loaded: &Loaded,
    inputs: &PredictiveInputs,
    now: DateTime<Utc>,
) -> bool {
    let mut state = loaded.state.clone();
    screen(&loaded.config, &mut state, inputs, now) != Screen::Unchanged
}

/// Decide on the floors [`floors_to_handle`] found, and record episodes.
fn plan(
    target: &ScalableTarget,
    state: &mut TargetState,
    view: &EndpointView,
    now: DateTime<Utc>,
) -> Plan {
    let before = state.clone();
    let snap = snapshot(target, state, view, now);
    let noun = target.scalable_dimension.unit_noun();
    let mut activities = Vec::new();
    let floors = floors_to_handle(target, state, now);
    for (p, f) in &floors {
        let name = p.name();
        if let Some(e) = state.forecasts.get_mut(name) {
            e.noted_interval = Some(f.interval);
        }
        if p.mode() == PredictiveScalingMode::ForecastAndScale {
            let d = decide(&snap, Trigger::Forecast { policy: name });
            if d.scaled() {
                // ForecastOnly records and episodes wait for the next pass.
                for (q, _) in floors.iter().filter(|(q, _)| q.name() != name) {
                    if let (Some(e), Some(b)) = (
                        state.forecasts.get_mut(q.name()),
                        before.forecasts.get(q.name()),
                    ) {
                        e.noted_interval = b.noted_interval;
                    }
                }
                return Plan::Decide(OwnedDecision::from_decision(&d, target));
            }
            continue;
        }
        // A ForecastOnly policy is decided as if its floor alone applied.
        let alone = Snapshot {
            forecast: Some(*f),
            ..snap
        };
        let d = decide(&alone, Trigger::Forecast { policy: name });
        if d.scaled() {
            activities.push(ended(
                target,
                now,
                StatusCode::Successful,
                format!("ForecastOnly: would set desired {noun} to {}.", d.desired),
                d.cause.to_string(),
                format!(
                    "Predictive scaling policy {name} is in ForecastOnly mode: no change made \
                     (desired {noun} {}).",
                    d.previous
                ),
                Vec::new(),
            ));
        }
    }
    for (name, e) in state.forecasts.iter_mut() {
        let Some(i) = e.insufficient.as_mut().filter(|i| !i.recorded) else {
            continue;
        };
        i.recorded = true;
        activities.push(ended(
            target,
            now,
            StatusCode::Successful,
            format!(
                "Keeping desired {noun}: predictive scaling policy {name} has insufficient data."
            ),
            format!("predictive scaling policy {name}: load metric has insufficient data"),
            format!(
                "Not forecast by {name}: {:.1} hours of load history, 24 needed; no forecast \
                 and no floor until there is (recorded once until there is).",
                i.have_seconds as f64 / 3600.0
            ),
            vec![NotScaledReason {
                code: NotScaledCode::NoDatapoints,
                max_capacity: None,
                min_capacity: None,
                current_capacity: None,
            }],
        ));
    }
    match activities.first() {
        Some(a) => Plan::Record {
            outcome: Outcome::NotScaled {
                activity_id: a.activity_id.clone(),
                previous: view.desired,
            },
            activities,
        },
        None if *state != before => Plan::StateOnly,
        None => Plan::Nothing,
    }
}

pub(super) async fn predict<E: Endpoints>(
    scaler: &Scaler<E>,
    rid: &str,
    now: DateTime<Utc>,
    first: Option<Loaded>,
    inputs: &PredictiveInputs,
    out: &mut Vec<TargetOutcome>,
) -> Result<(), ScalerError> {
    if !inputs.unread.is_empty() {
        out.push(TargetOutcome::failed(
            rid,
            "predictive".into(),
            format!(
                "the load history of {} could not be read this pass; the stored forecast stays \
                 in force",
                inputs.unread.join(", ")
            ),
        ));
    }
    let outcome = scaler
        .run_screened(
            rid,
            now,
            first,
            |target, state| screen(target, state, inputs, now),
            |target, state, view| plan(target, state, view, now),
        )
        .await?;
    if !matches!(outcome, Outcome::Unchanged | Outcome::StateRecorded) {
        out.push(TargetOutcome::ok(rid, "predictive".into(), outcome));
    }
    Ok(())
}
