//! The decision loop both functions share: load -> describe -> decide (pure) -> claim
//! (conditional write) -> act (SageMaker) -> record. The conditional write is the
//! linearization point: of two concurrent or duplicate events one wins, the other re-reads and
//! decides again (bounded retries). A claim not carried out stays in the state as `pending`
//! for the reconcile pass; SageMaker is always given an absolute count, so a retry is
//! idempotent.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use sagescale_core::activity::{NotScaledReason, ScalingActivity, StatusCode};
use sagescale_core::decide::{Bounds, CooldownState, Decision};
use sagescale_core::model::{Mode, ScalableTarget};
use sagescale_core::state::{PendingChange, TargetState};

use crate::sagemaker::{EndpointError, EndpointView, Endpoints, Readiness, Resource};
use crate::store::{Loaded, Store, StoreError, activity_sk};

/// Attempts at the conditional write before giving up (the event is then retried by Lambda).
pub const MAX_ATTEMPTS: u32 = 8;

/// A decision detached from the borrowed configuration, ready to persist.
#[derive(Debug, Clone, PartialEq)]
pub struct OwnedDecision {
    pub previous: i32,
    pub desired: i32,
    pub bounds: Bounds,
    pub cooldown: CooldownState,
    pub not_scaled: Vec<NotScaledReason>,
    pub cause: String,
    pub description: String,
}

impl OwnedDecision {
    pub fn from_decision(d: &Decision<'_>, target: &ScalableTarget) -> Self {
        Self {
            previous: d.previous,
            desired: d.desired,
            bounds: d.bounds,
            cooldown: d.cooldown,
            not_scaled: d.not_scaled.to_vec(),
            cause: d.cause.to_string(),
            description: d.description(target.scalable_dimension),
        }
    }
}

/// What a planner wants done after looking at a target.
#[derive(Debug, Clone, PartialEq)]
pub enum Plan {
    /// Nothing changed (e.g. a duplicate delivery).
    Nothing,
    /// Only the state changed (alarm recorded, cursor moved): write it.
    StateOnly,
    /// A decision to record, and to carry out if it changes capacity.
    Decide(OwnedDecision),
    /// The state changed and these activities (new, or rewritten with the same sort key)
    /// record why; no capacity change. `outcome` is what `run` reports once it is written.
    Record {
        activities: Vec<ScalingActivity>,
        outcome: Outcome,
    },
}

/// What [`Scaler::run_screened`]'s screen decided before the endpoint is described.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    /// Nothing to write.
    Unchanged,
    /// Write the state as the screen left it.
    StateOnly,
    /// Describe the endpoint and call the plan.
    Decide,
}

/// How one target's handling ended.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(tag = "Outcome")]
pub enum Outcome {
    Unchanged,
    StateRecorded,
    NotScaled {
        #[serde(rename = "ActivityId")]
        activity_id: String,
        #[serde(rename = "Capacity")]
        previous: i32,
    },
    Scaled {
        #[serde(rename = "ActivityId")]
        activity_id: String,
        #[serde(rename = "PreviousCapacity")]
        previous: i32,
        #[serde(rename = "DesiredCapacity")]
        desired: i32,
    },
    DryRun {
        #[serde(rename = "ActivityId")]
        activity_id: String,
        #[serde(rename = "PreviousCapacity")]
        previous: i32,
        #[serde(rename = "DesiredCapacity")]
        desired: i32,
    },
    Deferred {
        #[serde(rename = "ActivityId")]
        activity_id: String,
        #[serde(rename = "Reason")]
        reason: String,
    },
    Unfulfilled {
        #[serde(rename = "ActivityId")]
        activity_id: String,
        #[serde(rename = "Reason")]
        reason: String,
    },
    Failed {
        #[serde(rename = "ActivityId")]
        activity_id: String,
        #[serde(rename = "Reason")]
        reason: String,
    },
}

impl Outcome {
    /// Capacity before the decision, when one was taken.
    pub fn previous(&self) -> Option<i32> {
        match self {
            Self::NotScaled { previous, .. }
            | Self::Scaled { previous, .. }
            | Self::DryRun { previous, .. } => Some(*previous),
            _ => None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ScalerError {
    #[error("target {0} is not configured")]
    UnknownTarget(String),
    #[error("target {0}: ResourceId names no SageMaker resource")]
    BadResource(String),
    #[error("target {0}: gave up after {MAX_ATTEMPTS} concurrent updates")]
    Contention(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("describing {resource}: {source}")]
    Describe {
        resource: String,
        source: EndpointError,
    },
}

impl ScalerError {
    /// Whether the message already names the target (all but a store error do).
    pub fn names_target(&self) -> bool {
        !matches!(self, ScalerError::Store(_))
    }
}

pub struct Scaler<E> {
    pub store: Store,
    pub endpoints: E,
    /// CloudWatch: target-tracking metrics and alarm definitions.
    pub metrics: Box<dyn crate::metrics::Metrics>,
}

fn new_activity(
    target: &ScalableTarget,
    d: &OwnedDecision,
    now: DateTime<Utc>,
    status: StatusCode,
    message: Option<String>,
) -> ScalingActivity {
    ScalingActivity {
        activity_id: Uuid::new_v4().to_string(),
        service_namespace: target.service_namespace,
        resource_id: target.resource_id.clone(),
        scalable_dimension: target.scalable_dimension,
        description: d.description.clone(),
        cause: d.cause.clone(),
        start_time: now,
        end_time: status.is_final().then_some(now),
        status_code: status,
        status_message: message,
        details: None,
        not_scaled_reasons: d.not_scaled.clone(),
    }
}

fn finish(a: &mut ScalingActivity, status: StatusCode, message: String, now: DateTime<Utc>) {
    a.status_code = status;
    a.status_message = Some(message);
    if status.is_final() {
        a.end_time = Some(now);
    }
}

impl<E: Endpoints> Scaler<E> {
    /// A scaler that reads no metrics ([`crate::metrics::NoMetrics`]); see [`Self::with_metrics`].
    pub fn new(store: Store, endpoints: E) -> Self {
        Self {
            store,
            endpoints,
            metrics: Box::new(crate::metrics::NoMetrics),
        }
    }

    pub fn with_metrics(mut self, metrics: impl crate::metrics::Metrics + 'static) -> Self {
        self.metrics = Box::new(metrics);
        self
    }

    /// Run `plan` on a target until its outcome is committed. `plan` sees the configuration,
    /// a copy of the state to change, and the endpoint (with a pending claim counted as done);
    /// it is called again after each lost race, on fresh data.
    pub async fn run<F>(
        &self,
        resource_id: &str,
        now: DateTime<Utc>,
        plan: F,
    ) -> Result<Outcome, ScalerError>
    where
        F: FnMut(&ScalableTarget, &mut TargetState, &EndpointView) -> Plan + Send,
    {
        self.run_from(resource_id, now, None, plan).await
    }

    /// [`Scaler::run`] whose first attempt starts from `first`, a snapshot the caller just read.
    pub async fn run_from<F>(
        &self,
        resource_id: &str,
        now: DateTime<Utc>,
        first: Option<Loaded>,
        plan: F,
    ) -> Result<Outcome, ScalerError>
    where
        F: FnMut(&ScalableTarget, &mut TargetState, &EndpointView) -> Plan + Send,
    {
        self.run_screened(resource_id, now, first, |_, _| Screen::Decide, plan)
            .await
    }

    /// [`Scaler::run`] with two savings on AWS round trips. `first`, a snapshot the caller just
    /// read, is used for the first attempt instead of reading again. `screen` sees the state
    /// before the endpoint is described and may settle the event without it (a duplicate, an
    /// out-of-order or OK alarm state): DescribeEndpoint is only called when `plan` needs it.
    /// What `screen` changes in the state is kept for `plan` and for the write.
    pub async fn run_screened<S, F>(
        &self,
        resource_id: &str,
        now: DateTime<Utc>,
        mut first: Option<Loaded>,
        mut screen: S,
        mut plan: F,
    ) -> Result<Outcome, ScalerError>
    where
        S: FnMut(&ScalableTarget, &mut TargetState) -> Screen + Send,
        F: FnMut(&ScalableTarget, &mut TargetState, &EndpointView) -> Plan + Send,
    {
        let resource = Resource::parse(resource_id)
            .ok_or_else(|| ScalerError::BadResource(resource_id.to_string()))?;
        for _ in 0..MAX_ATTEMPTS {
            let loaded = match first.take() {
                Some(loaded) => loaded,
                None => self
                    .store
                    .load(resource_id)
                    .await?
                    .ok_or_else(|| ScalerError::UnknownTarget(resource_id.to_string()))?,
            };
            let mut state = loaded.state.clone();
            let mut view = None;
            let planned = match screen(&loaded.config, &mut state) {
                Screen::Unchanged => Plan::Nothing,
                Screen::StateOnly => Plan::StateOnly,
                Screen::Decide => {
                    let mut v = self.endpoints.describe(&resource).await.map_err(|source| {
                        ScalerError::Describe {
                            resource: resource_id.to_string(),
                            source,
                        }
                    })?;
                    if let Some(p) = &loaded.state.pending {
                        v.desired = p.desired;
                    }
                    let planned = plan(&loaded.config, &mut state, &v);
                    view = Some(v);
                    planned
                }
            };
            let result = match planned {
                Plan::Nothing => return Ok(Outcome::Unchanged),
                Plan::StateOnly => self
                    .store
                    .commit(resource_id, loaded.version, &state, &[])
                    .await
                    .map(|_| Outcome::StateRecorded),
                Plan::Record {
                    activities,
                    outcome,
                } => {
                    let acts: Vec<&ScalingActivity> = activities.iter().collect();
                    self.store
                        .commit(resource_id, loaded.version, &state, &acts)
                        .await
                        .map(|_| outcome)
                }
                Plan::Decide(d) => {
                    let view = view
                        .as_ref()
                        .expect("plan ran, so the endpoint was described");
                    self.carry_out(&loaded, &resource, state, view, d, now)
                        .await
                }
            };
            match result {
                Err(StoreError::Conflict(_)) => continue,
                other => return other.map_err(ScalerError::from),
            }
        }
        Err(ScalerError::Contention(resource_id.to_string()))
    }

    async fn carry_out(
        &self,
        loaded: &Loaded,
        resource: &Resource,
        mut state: TargetState,
        view: &EndpointView,
        d: OwnedDecision,
        now: DateTime<Utc>,
    ) -> Result<Outcome, StoreError> {
        let target = &loaded.config;
        let rid = target.resource_id.as_str();
        let configured = Bounds {
            min: target.min_capacity,
            max: target.max_capacity,
        };
        state.set_bounds(d.bounds, configured);

        if d.desired == d.previous {
            let a = new_activity(target, &d, now, StatusCode::Successful, None);
            self.store
                .commit(rid, loaded.version, &state, &[&a])
                .await?;
            return Ok(Outcome::NotScaled {
                activity_id: a.activity_id,
                previous: d.previous,
            });
        }

        // A claim that this decision supersedes is recorded as Overridden.
        let mut superseded = None;
        if let Some(old) = state.pending.take() {
            let mut a = self.stub_activity(target, &old, now);
            finish(
                &mut a,
                StatusCode::Overridden,
                format!("Superseded by a newer decision to set {}.", d.desired),
                now,
            );
            superseded = Some(a);
        }
        let prior = state.cooldown;

        if let Readiness::Unavailable(status) = &view.readiness {
            let msg = format!("Endpoint status is {status}; no change made.");
            let a = new_activity(target, &d, now, StatusCode::Unfulfilled, Some(msg.clone()));
            let acts: Vec<&ScalingActivity> = std::iter::once(&a).chain(&superseded).collect();
            self.store
                .commit(rid, loaded.version, &state, &acts)
                .await?;
            return Ok(Outcome::Unfulfilled {
                activity_id: a.activity_id,
                reason: msg,
            });
        }

        let busy = match &view.readiness {
            Readiness::Busy(s) => Some(s.clone()),
            _ => None,
        };
        let (status, msg) = match &busy {
            Some(s) => (
                StatusCode::Pending,
                Some(format!(
                    "Deferred: endpoint is {s}; the reconcile pass applies it once InService."
                )),
            ),
            None => (StatusCode::InProgress, None),
        };
        let a = new_activity(target, &d, now, status, msg.clone());
        let sk = activity_sk(&a);
        state.pending = Some(PendingChange {
            activity_id: a.activity_id.clone(),
            activity_sk: sk,
            desired: d.desired,
            previous: d.previous,
            cause: d.cause.clone(),
            decided_at: now,
            cooldown: d.cooldown,
            prior_cooldown: prior,
            deferred: busy.is_some(),
            attempts: 0,
        });
        // A deferred change does not spend the cooldown; a claimed one does at once, so that
        // a concurrent event sees it.
        state.cooldown = if busy.is_some() { prior } else { d.cooldown };
        let acts: Vec<&ScalingActivity> = std::iter::once(&a).chain(&superseded).collect();
        let version = self
            .store
            .commit(rid, loaded.version, &state, &acts)
            .await?;
        if let Some(reason) = busy {
            return Ok(Outcome::Deferred {
                activity_id: a.activity_id,
                reason,
            });
        }
        let pending = state.pending.clone().expect("just set");
        Ok(self
            .act_on_claim(target, resource, Some((version, state)), pending, now)
            .await)
    }

    /// Carry out a claimed change and record its outcome. Used right after a claim, and by the
    /// reconcile pass for deferred and crash-left claims. Never fails: problems are recorded.
    /// `written`: the state version and state the claim was just committed as, if known; the
    /// outcome is then recorded without reading the state again (unless someone wrote since).
    pub async fn act_on_claim(
        &self,
        target: &ScalableTarget,
        resource: &Resource,
        written: Option<(i64, TargetState)>,
        pending: PendingChange,
        now: DateTime<Utc>,
    ) -> Outcome {
        let applied = if target.mode == Mode::DryRun {
            Applied::DryRun
        } else {
            Applied::Called(self.endpoints.set_desired(resource, pending.desired).await)
        };
        self.conclude(target, resource, written, pending, applied, now)
            .await
    }

    /// Record as carried out a claim whose count the endpoint already shows, without calling
    /// SageMaker again: its call took effect and the invocation ended (a crash, a lost answer)
    /// before the outcome was written. Used by the reconcile pass for crash-left claims.
    pub async fn confirm_claim(
        &self,
        target: &ScalableTarget,
        resource: &Resource,
        pending: PendingChange,
        now: DateTime<Utc>,
    ) -> Outcome {
        self.conclude(target, resource, None, pending, Applied::Found, now)
            .await
    }

    async fn conclude(
        &self,
        target: &ScalableTarget,
        resource: &Resource,
        written: Option<(i64, TargetState)>,
        pending: PendingChange,
        applied: Applied,
        now: DateTime<Utc>,
    ) -> Outcome {
        let outcome = match &applied {
            Applied::DryRun => Outcome::DryRun {
                activity_id: pending.activity_id.clone(),
                previous: pending.previous,
                desired: pending.desired,
            },
            Applied::Called(Ok(())) | Applied::Found => Outcome::Scaled {
                activity_id: pending.activity_id.clone(),
                previous: pending.previous,
                desired: pending.desired,
            },
            Applied::Called(Err(e)) if e.is_transient() => Outcome::Deferred {
                activity_id: pending.activity_id.clone(),
                reason: e.to_string(),
            },
            Applied::Called(Err(e)) => Outcome::Failed {
                activity_id: pending.activity_id.clone(),
                reason: e.to_string(),
            },
        };
        if let Err(e) = self
            .record(target, resource, written, &pending, &applied, now)
            .await
        {
            tracing::error!(resource_id = %target.resource_id, error = %e, "recording the outcome failed; the reconcile pass will retry the claim");
        }
        outcome
    }

    /// Write the outcome of a claim: clear it (success, failure) or mark it deferred, and
    /// update its activity. Re-reads on conflict; if a newer decision replaced the claim
    /// meanwhile, makes sure the endpoint ends at the newer value.
    async fn record(
        &self,
        target: &ScalableTarget,
        resource: &Resource,
        mut written: Option<(i64, TargetState)>,
        claim: &PendingChange,
        applied: &Applied,
        now: DateTime<Utc>,
    ) -> Result<(), ScalerError> {
        let rid = target.resource_id.as_str();
        for _ in 0..MAX_ATTEMPTS {
            let (version, mut state) = match written.take() {
                Some(known) => known,
                None => {
                    let loaded = self
                        .store
                        .load(rid)
                        .await?
                        .ok_or_else(|| ScalerError::UnknownTarget(rid.to_string()))?;
                    (loaded.version, loaded.state)
                }
            };
            let ours = state
                .pending
                .as_ref()
                .is_some_and(|p| p.activity_id == claim.activity_id);
            if !ours {
                // Superseded while we were calling SageMaker. If our call landed, the change
                // was made (the newer decision started from it): the activity the newer claim
                // marked Overridden says Successful instead, so the log matches the calls.
                if let Applied::Called(Ok(())) = applied {
                    let mut a = self.stub_activity(target, claim, now);
                    finish(
                        &mut a,
                        StatusCode::Successful,
                        format!(
                            "Successfully set desired {} to {}. Change successfully fulfilled by sagemaker; a newer decision superseded it since.",
                            target.scalable_dimension.unit_noun(),
                            claim.desired
                        ),
                        now,
                    );
                    self.store.put_activity(&a).await?;
                    // Our call may have landed after the newer one: converge on the newer
                    // value (an absolute, idempotent set).
                    if let Some(newer) = &state.pending
                        && !newer.deferred
                        && newer.desired != claim.desired
                    {
                        let _ = self.endpoints.set_desired(resource, newer.desired).await;
                    }
                }
                return Ok(());
            }
            let mut a = self.stub_activity(target, claim, now);
            let noun = target.scalable_dimension.unit_noun();
            match applied {
                Applied::DryRun | Applied::Called(Ok(())) | Applied::Found => {
                    state.pending = None;
                    state.cooldown = claim.cooldown_applied_at(now);
                    let msg = match applied {
                        Applied::DryRun => format!(
                            "Dry run: would set desired {noun} to {}; SageMaker was not called.",
                            claim.desired
                        ),
                        Applied::Found => format!(
                            "Successfully set desired {noun} to {}. The endpoint already showed it when \
                             the change was retried (an earlier call took effect before its outcome \
                             was recorded), so SageMaker was not called again.",
                            claim.desired
                        ),
                        Applied::Called(_) => format!(
                            "Successfully set desired {noun} to {}. Change successfully fulfilled by sagemaker.",
                            claim.desired
                        ),
                    };
                    if !matches!(applied, Applied::DryRun) {
                        state.last_set = Some(claim.desired);
                    }
                    finish(&mut a, StatusCode::Successful, msg, now);
                }
                Applied::Called(Err(e)) if e.is_transient() => {
                    let p = state.pending.as_mut().expect("ours");
                    p.deferred = true;
                    p.attempts += 1;
                    state.cooldown = claim.prior_cooldown;
                    finish(
                        &mut a,
                        StatusCode::Pending,
                        format!("Deferred ({e}); the reconcile pass retries it."),
                        now,
                    );
                }
                Applied::Called(Err(e)) => {
                    state.pending = None;
                    state.cooldown = claim.prior_cooldown;
                    finish(&mut a, StatusCode::Failed, e.to_string(), now);
                }
            }
            match self.store.commit(rid, version, &state, &[&a]).await {
                Err(StoreError::Conflict(_)) => continue,
                other => return other.map(|_| ()).map_err(ScalerError::from),
            }
        }
        Err(ScalerError::Contention(rid.to_string()))
    }

    fn stub_activity(
        &self,
        target: &ScalableTarget,
        claim: &PendingChange,
        _now: DateTime<Utc>,
    ) -> ScalingActivity {
        claim_activity(target, claim)
    }
}

/// How a claim's change was carried out.
enum Applied {
    /// Dry-run mode: SageMaker is never called.
    DryRun,
    /// SageMaker was called, with this result.
    Called(Result<(), EndpointError>),
    /// The endpoint already showed the claimed count: an earlier call took effect.
    Found,
}

/// The activity of a claim, rebuilt from the claim (same id and sort key, so a write
/// replaces the stored one); status InProgress until the caller sets the outcome.
pub fn claim_activity(target: &ScalableTarget, claim: &PendingChange) -> ScalingActivity {
    ScalingActivity {
        activity_id: claim.activity_id.clone(),
        service_namespace: target.service_namespace,
        resource_id: target.resource_id.clone(),
        scalable_dimension: target.scalable_dimension,
        description: format!(
            "Setting desired {} to {}.",
            target.scalable_dimension.unit_noun(),
            claim.desired
        ),
        cause: claim.cause.clone(),
        start_time: claim.decided_at,
        end_time: None,
        status_code: StatusCode::InProgress,
        status_message: None,
        details: None,
        not_scaled_reasons: Vec::new(),
    }
}
