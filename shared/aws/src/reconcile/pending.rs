//! Step 1 of the pass: pending claims. A claim the endpoint deferred (it was `Updating`), or
//! one a crash left behind (not deferred, decided more than [`STALE_CLAIM`] ago): when the
//! endpoint is `InService` it is carried out ([`Scaler::act_on_claim`], an absolute and so
//! idempotent count); `Failed`/`OutOfService`/`Deleting` record it `Unfulfilled`; still busy,
//! it waits.
//!
//! An `InService` endpoint that already shows the claimed count got it from the claim's own
//! call, which took effect before the invocation that made it could record the outcome (a
//! crash or a lost answer between the two): the claim is recorded `Successful` without calling
//! SageMaker again ([`Scaler::confirm_claim`]), so a decision leads to exactly one
//! UpdateEndpointWeightsAndCapacities (a second one with the same count would put the endpoint
//! through another `Updating` cycle; `tests/tests/crash_points.rs` checks it at every call).

use chrono::{DateTime, Utc};

use sagescale_core::activity::StatusCode;
use sagescale_core::model::{Mode, ScalableTarget};
use sagescale_core::state::{PendingChange, TargetState};

use super::{STALE_CLAIM, TargetOutcome};
use crate::sagemaker::{Endpoints, Readiness, Resource};
use crate::scaler::{Outcome, Plan, Scaler, ScalerError, claim_activity};
use crate::store::Loaded;

/// Whether the claim in `state` is for the pass to finish.
pub(super) fn claim_due(state: &TargetState, now: DateTime<Utc>) -> Option<&PendingChange> {
    state
        .pending
        .as_ref()
        .filter(|p| p.deferred || now - p.decided_at >= STALE_CLAIM)
}

pub(super) async fn finish_claim<E: Endpoints>(
    scaler: &Scaler<E>,
    rid: &str,
    now: DateTime<Utc>,
    mut first: Option<Loaded>,
    out: &mut Vec<TargetOutcome>,
) -> Result<(), ScalerError> {
    // The claim to carry out, and whether the endpoint already shows its count.
    let mut ready: Option<(ScalableTarget, PendingChange, bool)> = None;
    let outcome = scaler
        .run_from(rid, now, first.take(), |target, state, view| {
            ready = None;
            let Some(claim) = claim_due(state, now).cloned() else {
                return Plan::Nothing;
            };
            match &view.readiness {
                Readiness::Busy(_) => Plan::Nothing,
                Readiness::Ready => {
                    let landed =
                        target.mode != Mode::DryRun && view.reported_desired == claim.desired;
                    ready = Some((target.clone(), claim, landed));
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
        Some((target, claim, landed)) => {
            let resource =
                Resource::parse(rid).ok_or_else(|| ScalerError::BadResource(rid.to_string()))?;
            if landed {
                scaler.confirm_claim(&target, &resource, claim, now).await
            } else {
                scaler
                    .act_on_claim(&target, &resource, None, claim, now)
                    .await
            }
        }
        None => outcome,
    };
    if outcome != Outcome::Unchanged {
        out.push(TargetOutcome::ok(rid, "pending".into(), outcome));
    }
    Ok(())
}
