//! The schedule-scaler's work: the one-minute reconcile pass (this module drives it; one file
//! per step), and a named scheduled action fired directly by EventBridge Scheduler.
//!
//! The pass reads first, for the whole fleet, and then decides target by target:
//!
//! - **Reads, batched.** One Query lists the targets; BatchGetItem loads their configurations
//!   and states, 50 targets per call ([`crate::store::Store::load_many`]); alarms in ALARM whose
//!   metric is not cached yet are described once (DescribeAlarms, 100 names per call); one
//!   [`crate::metrics::Batch`] holds the metric of every target-tracking policy and of every
//!   alarm in ALARM of every target, read in ceil(queries / 500) GetMetricData calls. So a pass
//!   over N targets with Q metric queries costs 1 + ceil(N / 50) DynamoDB reads and
//!   ceil(Q / 500) CloudWatch reads before any decision. A second batch holds the load history
//!   of the predictive policies whose forecast is due (usually none: a forecast is made once
//!   per refresh interval), five 14-day histories per call ([`predictive`]).
//! - **Decisions, concurrently.** Targets are handled [`CONCURRENCY`] at a time (each target's
//!   steps in order, on its own state item, so targets never contend with each other).
//!
//! Per target, the pass runs up to six steps, one file each, each through [`Scaler::run`]
//! (describe, decide, one conditional write) starting from the batched read, so that
//! concurrent or duplicate passes are safe:
//!
//! 0. **Deployment safety** ([`deployment`]). An `UpdateEndpoint` that reset the variant's
//!    count to the new configuration's InitialInstanceCount is undone once the endpoint is
//!    `InService`; a variant a deployment removed is reported, never scaled. Only endpoints
//!    whose LastModifiedTime changed since the last check are described (one ListEndpoints
//!    walk per pass, 100 endpoints a call).
//! 1. **Pending claims** ([`pending`]). A claim the endpoint deferred (it was `Updating`), or one a crash left
//!    behind (not deferred, decided more than [`STALE_CLAIM`] ago): when the endpoint is
//!    `InService` it is carried out ([`Scaler::act_on_claim`], an absolute and so idempotent
//!    count); `Failed`/`OutOfService`/`Deleting` record it `Unfulfilled`; still busy, it waits.
//! 2. **Scheduled actions** ([`scheduled`]). Each action has a cursor in `TargetState::schedule_cursors`: the
//!    instant up to which its firings are handled. Firings in `(cursor, now]`: the most recent
//!    one fires if it is at most [`CATCH_UP`] old; when even the most recent is older, nothing
//!    fires and one `Unfulfilled` activity records the missed firings (AAS does not replay missed
//!    actions). Earlier firings overtaken by a later one are not replayed: an action sets
//!    absolute bounds, so its latest firing is the one that matters; they are recorded as one
//!    `Unfulfilled` activity ("overtaken by its firing due at ..."), in a write of their own
//!    before the latest fires, so every firing is accounted for. The cursor moves to `now` in
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
//! 3. **Predictive scaling** ([`predictive`]): forecasts made when due and stored; the
//!    `ForecastAndScale` floor raises capacity ahead of the load (every later decision, here
//!    and in the alarm function, sees the floor too).
//! 4. **Alarms still in ALARM** ([`alarms`]): step policies re-fired every minute, as AAS
//!    does, on the alarm metric's latest datapoints.
//! 5. **Target tracking** ([`target_tracking`]): every target-tracking policy of the target
//!    evaluated on its metric, combined by the engine's several-policies rule.
//!
//! A claim that a newer decision replaces is recorded `Overridden` by the scaler.
//!
//! Steps 1-5 that have nothing to do are skipped before the endpoint is described, so an idle
//! target costs its share of the batched reads (and ListEndpoints) and no SageMaker describe.
//!
//! **Direct invocation** ([`fire_action`]): EventBridge Scheduler invokes the function with a
//! named action and its scheduled time. It shares the action's cursor with the pass: when the
//! cursor is at or after the scheduled time, the firing was already handled (by the pass or an
//! earlier delivery) and nothing happens. Otherwise it fires (or, beyond [`CATCH_UP`], is
//! recorded as missed) and the cursor moves to the scheduled time, in one conditional write.
//! Either wiring, or both, fires each occurrence once. Without a scheduled time (a manual
//! invocation) the firing is taken to be due `now`.

mod alarms;
mod deployment;
mod handler;
mod pending;
mod predictive;
mod record;
mod scheduled;
mod target_tracking;

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Duration, Utc};
use futures::StreamExt;

use sagescale_core::forecast::ForecastError;
use sagescale_core::metric_query;
use sagescale_core::model::PolicyType;
use sagescale_core::predictive_policy::PredictivePolicy;
use sagescale_core::state::AlarmSource;
use sagescale_core::target_tracking::AlarmRule;

pub(crate) use deployment::Modified;
pub use handler::ScheduleHandler;
pub use scheduled::fire_action;

use self::alarms::{AlarmInputs, alarm_due, refire_alarms, undescribed};
use self::deployment::{check_deployment, deployment_due};
use self::pending::{claim_due, finish_claim};
use self::predictive::{PredictiveInputs, predict, predictive_due};
use self::scheduled::{fire_schedules, schedules_due};
use self::target_tracking::{TrackingInputs, track, tracking_due};
use crate::events::EventError;
use crate::metrics::Batch;
use crate::sagemaker::Endpoints;
use crate::scaler::{Outcome, Scaler, ScalerError};
use crate::store::Loaded;

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
pub(crate) const MAX_FIRINGS_COUNTED: usize = 100_000;
/// Targets decided at once. Each holds a DescribeEndpoint and a few writes in flight; 16
/// keeps a 1,000-target pass well inside the function's timeout without bursting the SageMaker
/// API rate.
pub const CONCURRENCY: usize = 16;
/// Upper bound on write rounds of one step (each round handles one action or alarm).
const MAX_ROUNDS: usize = 64;

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
    pub(crate) fn ok(resource_id: &str, trigger: String, outcome: Outcome) -> Self {
        Self {
            resource_id: resource_id.to_string(),
            trigger,
            outcome: Some(outcome),
            error: None,
        }
    }

    pub(crate) fn failed(resource_id: &str, trigger: String, error: String) -> Self {
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

/// What the batched reads found for one target.
#[derive(Debug, Default)]
struct Inputs {
    alarms: AlarmInputs,
    tracking: TrackingInputs,
    predictive: PredictiveInputs,
}

/// The one-minute reconcile pass over every configured target. Fails only when the targets
/// cannot be listed or loaded; a target that fails is reported in its outcome and the others
/// go on.
pub async fn run_pass<E: Endpoints>(
    scaler: &Scaler<E>,
    now: DateTime<Utc>,
) -> Result<Vec<TargetOutcome>, ScalerError> {
    let ids = scaler.store.list_targets().await?;
    let loaded = scaler.store.load_many(&ids).await?;
    let inputs = read_inputs(scaler, &loaded, now).await;
    // One ListEndpoints walk (100 a page) tells which endpoints changed since the deployment
    // check last looked; without it every variant target's endpoint is described.
    let listed = if loaded.iter().any(|l| l.config.endpoint_variant().is_some()) {
        match scaler.endpoints.list_modified().await {
            Ok(m) => Some(m),
            Err(e) => {
                tracing::warn!(error = %e, "listing endpoints failed; every endpoint is checked for a deployment");
                None
            }
        }
    } else {
        None
    };
    let listed = &listed;
    let outcomes: Vec<Vec<TargetOutcome>> =
        futures::stream::iter(loaded.into_iter().zip(inputs).map(|(l, i)| async move {
            let rid = l.config.resource_id.clone();
            let mut out = Vec::new();
            let modified = match (listed, l.config.endpoint_variant()) {
                (None, _) | (_, None) => Modified::Unknown,
                (Some(m), Some((endpoint, _))) => match m.get(endpoint) {
                    Some(t) => Modified::At(*t),
                    None => Modified::NotListed,
                },
            };
            if let Err(e) = reconcile_target(scaler, l, &i, modified, now, &mut out).await {
                tracing::error!(resource_id = %rid, error = %e, "reconcile pass failed for target");
                out.push(TargetOutcome::failed(&rid, "pass".into(), e.to_string()));
            }
            out
        }))
        .buffered(CONCURRENCY)
        .collect()
        .await;
    Ok(outcomes.into_iter().flatten().collect())
}

/// The batched reads: alarm definitions not cached yet, then every metric of every target.
async fn read_inputs<E: Endpoints>(
    scaler: &Scaler<E>,
    loaded: &[Loaded],
    now: DateTime<Utc>,
) -> Vec<Inputs> {
    let names: BTreeSet<String> = loaded
        .iter()
        .flat_map(|l| undescribed(&l.state).map(str::to_string))
        .collect();
    let described: HashMap<String, AlarmSource> = if names.is_empty() {
        HashMap::new()
    } else {
        let names: Vec<String> = names.into_iter().collect();
        match scaler.metrics.describe_alarms(&names).await {
            Ok(d) => d,
            Err(e) => {
                // Re-fires fall back to the datapoints of the state change; tried again next pass.
                tracing::warn!(error = %e, "describing alarms failed");
                HashMap::new()
            }
        }
    };

    let mut batch = Batch::default();
    // Per target: (policy, batch index) and (alarm, batch index).
    type Plan = (Vec<(String, Option<usize>)>, Vec<(String, usize)>);
    let mut plan: Vec<Plan> = Vec::with_capacity(loaded.len());
    for l in loaded {
        let target = &l.config;
        let mut tracking = Vec::new();
        for p in target
            .scaling_policies
            .iter()
            .filter(|p| p.policy_type == PolicyType::TargetTrackingScaling)
        {
            let index = p
                .target_tracking_scaling_policy_configuration
                .as_ref()
                .and_then(|cfg| metric_query::for_target_tracking(cfg, target))
                .map(|spec| batch.add(spec, AlarmRule::of(p).history()));
            tracking.push((p.policy_name.clone(), index));
        }
        let mut alarms = Vec::new();
        for (name, record) in l.state.alarms.iter().filter(|(_, r)| r.in_alarm()) {
            if let Some(AlarmSource::Metric(m)) = record.source.as_ref().or(described.get(name)) {
                let index = batch.add(m.spec.clone(), m.evaluation_periods as usize);
                alarms.push((name.clone(), index));
            }
        }
        plan.push((tracking, alarms));
    }
    let series = if batch.is_empty() {
        Some(Vec::new())
    } else {
        match scaler.metrics.read(&batch, now).await {
            Ok(s) => Some(s),
            Err(e) => {
                tracing::error!(error = %e, "reading metrics failed; target tracking waits for the next pass");
                None
            }
        }
    };
    let mut predictive = read_histories(scaler, loaded, now).await.into_iter();
    plan.into_iter()
        .zip(loaded)
        .map(|((tracking, alarms), l)| Inputs {
            predictive: predictive.next().unwrap_or_default(),
            alarms: AlarmInputs {
                series: match &series {
                    Some(s) => alarms.into_iter().map(|(n, i)| (n, s[i].clone())).collect(),
                    None => HashMap::new(),
                },
                described: l
                    .state
                    .alarms
                    .iter()
                    .filter(|(_, r)| r.source.is_none())
                    // Only a metric is cached: an alarm CloudWatch does not know (yet) is
                    // described again on a later pass.
                    .filter_map(|(n, _)| match described.get(n) {
                        Some(s @ AlarmSource::Metric(_)) => Some((n.clone(), s.clone())),
                        _ => None,
                    })
                    .collect(),
            },
            tracking: TrackingInputs {
                series: series.as_ref().map(|s| {
                    tracking
                        .into_iter()
                        .map(|(p, i)| (p, i.map(|i| s[i].clone())))
                        .collect()
                }),
            },
        })
        .collect()
}

/// The load history of every predictive policy whose forecast is due, in one batch (its own:
/// its window is days, the other metrics' minutes), and the forecasts made from it.
async fn read_histories<E: Endpoints>(
    scaler: &Scaler<E>,
    loaded: &[Loaded],
    now: DateTime<Utc>,
) -> Vec<PredictiveInputs> {
    let mut batch = Batch::default();
    let mut out: Vec<PredictiveInputs> = Vec::with_capacity(loaded.len());
    // Per target: (policy, batch index).
    let mut plan: Vec<Vec<(String, usize)>> = Vec::with_capacity(loaded.len());
    for l in loaded {
        let mut inputs = PredictiveInputs::default();
        let mut reads = Vec::new();
        for p in PredictivePolicy::all(&l.config) {
            if !p.due(l.state.forecasts.get(p.name()), now) {
                continue;
            }
            match p
                .config
                .metric()
                .and_then(|m| metric_query::for_predictive_load(m, &l.config))
            {
                Some(spec) => {
                    reads.push((p.name().to_string(), batch.add(spec, p.history_points())))
                }
                None => inputs.made.push((
                    p.name().to_string(),
                    Err(ForecastError::InvalidParams(
                        "the load metric does not fit the target's resource",
                    )),
                )),
            }
        }
        out.push(inputs);
        plan.push(reads);
    }
    if batch.is_empty() {
        return out;
    }
    let end = batch.window(now).1;
    let series = match scaler.metrics.read(&batch, now).await {
        Ok(s) => Some(s),
        Err(e) => {
            tracing::error!(error = %e, "reading load histories failed; forecasts are made on a later pass");
            None
        }
    };
    for ((inputs, reads), l) in out.iter_mut().zip(plan).zip(loaded) {
        for (name, index) in reads {
            let Some(s) = &series else {
                inputs.unread.push(name);
                continue;
            };
            let p = l
                .config
                .policy(&name)
                .and_then(PredictivePolicy::of)
                .expect("planned from this target's predictive policies");
            let made = p.forecast(&s[index], end, now);
            inputs.made.push((name, made));
        }
    }
    out
}

/// The pass's steps on one target, from its batched read; outcomes of the steps that did
/// something.
async fn reconcile_target<E: Endpoints>(
    scaler: &Scaler<E>,
    loaded: Loaded,
    inputs: &Inputs,
    modified: Modified,
    now: DateTime<Utc>,
    out: &mut Vec<TargetOutcome>,
) -> Result<(), ScalerError> {
    let rid = loaded.config.resource_id.clone();
    let rid = rid.as_str();
    let claim = claim_due(&loaded.state, now).is_some();
    let schedules = schedules_due(&loaded, now);
    let alarms =
        alarm_due(&loaded.state, now, None).is_some() || !inputs.alarms.described.is_empty();
    let tracking = tracking_due(&loaded, &inputs.tracking);
    let predictive = predictive_due(&loaded, &inputs.predictive, now);
    let tracks = loaded
        .config
        .scaling_policies
        .iter()
        .any(|p| p.policy_type == PolicyType::TargetTrackingScaling);
    if inputs.tracking.series.is_none() && tracks {
        // Said once per target and pass; the next pass reads again.
        out.push(TargetOutcome::failed(
            rid,
            "target-tracking".into(),
            "CloudWatch metrics could not be read this pass; no target-tracking decision".into(),
        ));
    }
    let applied_at = loaded.applied_at;
    let deployment = deployment_due(&loaded, modified);
    // The first step that writes starts from the batched read instead of reading again.
    let mut first = Some(loaded);
    if deployment {
        first = check_deployment(scaler, rid, now, modified, first.take(), out).await;
    }
    if claim {
        finish_claim(scaler, rid, now, first.take(), out).await?;
    }
    if schedules {
        fire_schedules(scaler, rid, applied_at, now, first.take(), out).await?;
    }
    if predictive {
        predict(scaler, rid, now, first.take(), &inputs.predictive, out).await?;
    }
    if alarms {
        refire_alarms(scaler, rid, now, first.take(), &inputs.alarms, out).await?;
    }
    if tracking {
        track(scaler, rid, now, first.take(), &inputs.tracking, out).await?;
    }
    Ok(())
}
