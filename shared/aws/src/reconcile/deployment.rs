//! Step 0 of the pass: deployment safety. SageMaker `UpdateEndpoint` (a new endpoint
//! configuration: a new model, container or instance type) resets every variant's desired
//! instance count to the new configuration's `InitialInstanceCount` unless the caller sets
//! `RetainAllVariantProperties` (aws/sagemaker-python-sdk#3126): a fleet scaled to 40 drops to
//! 2 in the middle of the day. AAS does not notice; this step does.
//!
//! The target's state keeps the endpoint configuration the endpoint was last seen running
//! (`TargetState::endpoint_config`) and the count sagescale last set on it, or found on it
//! (`TargetState::last_set`). Each pass describes the endpoint and compares:
//!
//! - **First sight** (no configuration recorded: a new target, or state written before this
//!   step existed): the configuration and the endpoint's desired count are recorded, nothing
//!   else.
//! - **Same configuration**: nothing, unless the desired count differs from `last_set` with no
//!   claim of sagescale's pending (someone else set it): `last_set` follows the endpoint.
//! - **New configuration, count kept** (`RetainAllVariantProperties`, or a configuration whose
//!   InitialInstanceCount happens to equal the count): the new name is recorded, no activity.
//! - **New configuration, claim pending**: the claim explains the difference and the pending
//!   step sets its absolute count; the new name is recorded.
//! - **New configuration, count reset**: once the endpoint is `InService` (while it is
//!   `Updating` SageMaker still reports the old configuration, and a busy or failed endpoint
//!   waits for a later pass), the count sagescale would hold now, `last_set` within the
//!   effective bounds, is restored through the scaler's claim (so concurrent passes and the
//!   alarm function stay safe), with an activity whose cause says "endpoint configuration
//!   changed from X to Y and reset the desired instance count to N; restoring M". Cooldowns
//!   are neither checked nor spent: the restore undoes a change sagescale did not decide.
//! - **Variant gone** (the new configuration removed or renamed it): reported once with an
//!   `Unfulfilled` activity, a warning in the logs and `TargetState::missing_variant` (shown by
//!   `sagescale status`); nothing is scaled. The other steps fail to describe the variant, so
//!   they do not scale it either. When the variant is back the report is cleared.
//!
//! Inference components are not checked: an endpoint update does not reset a component's copy
//! count.
//!
//! **Cost.** Detecting a deployment needs the endpoint's EndpointConfigName, which only
//! DescribeEndpoint gives. Any update of an endpoint (a deployment, or a count set by
//! sagescale or anyone) changes its `LastModifiedTime`, which ListEndpoints returns for 100
//! endpoints a call. So the pass lists the endpoints once (ceil(endpoints / 100) calls) and
//! this step describes only the endpoints whose LastModifiedTime differs from the one the
//! check last saw with the endpoint InService (`TargetState::endpoint_modified`), and records
//! the new time (one state write). An idle fleet costs no DescribeEndpoint; a deployment is
//! still seen on the next pass, within a minute. Without a listing (it failed), every
//! variant target's endpoint is described, as a fallback. An endpoint that ListEndpoints does
//! not show (deleted) is not checked. A step that acts afterwards describes the endpoint
//! again: the steps each decide on a fresh read.

use chrono::{DateTime, Utc};

use sagescale_core::activity::StatusCode;
use sagescale_core::decide::Bounds;
use sagescale_core::model::ScalableTarget;
use sagescale_core::state::{MissingVariant, TargetState};

use super::TargetOutcome;
use super::record::ended;
use crate::sagemaker::{EndpointError, EndpointView, Endpoints, Readiness, Resource};
use crate::scaler::{MAX_ATTEMPTS, OwnedDecision, Plan, Scaler, ScalerError};
use crate::store::{Loaded, StoreError};

/// What ListEndpoints said of the target's endpoint this pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Modified {
    /// Not listed (the listing failed, or no variant): check by describing.
    Unknown,
    /// The endpoint does not exist: no deployment to check (the steps that need the endpoint
    /// report it).
    NotListed,
    /// Its LastModifiedTime.
    At(DateTime<Utc>),
}

/// Whether the pass checks this target for a deployment: a variant target whose endpoint was
/// modified since the check last found it InService (or never checked, or a missing variant
/// being watched for its return).
pub(super) fn deployment_due(loaded: &Loaded, modified: Modified) -> bool {
    let variant = matches!(
        Resource::parse(&loaded.config.resource_id),
        Some(Resource::Variant { .. })
    );
    let state = &loaded.state;
    variant
        && match modified {
            Modified::Unknown => true,
            Modified::NotListed => false,
            Modified::At(t) => {
                state.endpoint_modified != Some(t)
                    || state.endpoint_config.is_none()
                    || state.missing_variant.is_some()
            }
        }
}

/// What the check decided on one read of the state and the endpoint.
#[derive(Debug, PartialEq)]
enum Assessment {
    /// Nothing to write.
    Nothing,
    /// The state changed (configuration or count recorded); no activity.
    Record,
    /// The state changed and the count is restored with this decision.
    Restore(OwnedDecision),
}

/// The pure part: compare the endpoint with the state, and change the state accordingly.
fn assess(target: &ScalableTarget, state: &mut TargetState, view: &EndpointView) -> Assessment {
    let Some(config) = view.endpoint_config.clone() else {
        return Assessment::Nothing;
    };
    let mut changed = false;
    if state.missing_variant.take().is_some() {
        tracing::info!(resource_id = %target.resource_id, endpoint_config = %config, "the target's variant is back");
        changed = true;
    }
    let recorded = match state.endpoint_config.clone() {
        None => {
            // First sight: the count on the endpoint is the one to hold.
            state.endpoint_config = Some(config);
            state.last_set.get_or_insert(view.desired);
            return Assessment::Record;
        }
        Some(recorded) => recorded,
    };
    if recorded == config {
        if state.pending.is_none()
            && view.readiness == Readiness::Ready
            && state.last_set != Some(view.desired)
        {
            state.last_set = Some(view.desired);
            changed = true;
        }
        return if changed {
            Assessment::Record
        } else {
            Assessment::Nothing
        };
    }
    let reset = match state.last_set {
        Some(last) if state.pending.is_none() && last != view.desired => last,
        // Count kept, or a pending claim carries the count sagescale wants.
        _ => {
            state.endpoint_config = Some(config);
            return Assessment::Record;
        }
    };
    if view.readiness != Readiness::Ready {
        // Updating/SystemUpdating, or Failed: decided once the endpoint is InService again.
        return if changed {
            Assessment::Record
        } else {
            Assessment::Nothing
        };
    }
    let bounds = state.effective_bounds(Bounds {
        min: target.min_capacity,
        max: target.max_capacity,
    });
    let restore = reset.clamp(bounds.min, bounds.max);
    let noun = target.scalable_dimension.unit_noun();
    state.endpoint_config = Some(config.clone());
    state.last_set = Some(restore);
    let cause = format!(
        "endpoint configuration changed from {recorded} to {config} and reset the desired {noun} to {}; restoring {restore}",
        view.desired
    );
    tracing::warn!(resource_id = %target.resource_id, %cause, "deployment reset the desired count");
    Assessment::Restore(OwnedDecision {
        previous: view.desired,
        desired: restore,
        bounds,
        cooldown: state.cooldown,
        not_scaled: Vec::new(),
        cause,
        description: format!("Setting desired {noun} to {restore}."),
    })
}

/// Check the target's endpoint for a deployment. Returns the snapshot `first` when nothing
/// was written, so the next step can still start from it; a failure is reported in `out` and
/// does not stop the other steps.
pub(super) async fn check_deployment<E: Endpoints>(
    scaler: &Scaler<E>,
    rid: &str,
    now: DateTime<Utc>,
    modified: Modified,
    first: Option<Loaded>,
    out: &mut Vec<TargetOutcome>,
) -> Option<Loaded> {
    let mut wrote = false;
    let result = scaler
        .run_from(rid, now, first.clone(), |target, state, view| {
            wrote = false;
            let assessment = assess(target, state, view);
            // Seen InService at this modification time: not described again until the
            // endpoint changes (a check while it is busy must look again once it is done).
            let seen = match modified {
                Modified::At(t)
                    if view.readiness == Readiness::Ready
                        && state.endpoint_modified != Some(t)
                        && !matches!(assessment, Assessment::Restore(_)) =>
                {
                    state.endpoint_modified = Some(t);
                    true
                }
                _ => false,
            };
            match assessment {
                Assessment::Nothing if seen => {
                    wrote = true;
                    Plan::StateOnly
                }
                Assessment::Nothing => Plan::Nothing,
                Assessment::Record => {
                    wrote = true;
                    Plan::StateOnly
                }
                Assessment::Restore(d) => {
                    wrote = true;
                    Plan::Decide(d)
                }
            }
        })
        .await;
    match result {
        Ok(outcome) => {
            if !wrote {
                return first;
            }
            if !matches!(outcome, crate::scaler::Outcome::StateRecorded) {
                out.push(TargetOutcome::ok(rid, "deployment".into(), outcome));
            }
            None
        }
        Err(ScalerError::Describe {
            source:
                EndpointError::VariantMissing {
                    endpoint,
                    variant,
                    endpoint_config,
                    variants,
                },
            ..
        }) => {
            let missing = MissingVariant {
                endpoint_config,
                variants,
                since: now,
            };
            match report_missing(
                scaler,
                rid,
                now,
                first.clone(),
                &endpoint,
                &variant,
                missing,
            )
            .await
            {
                Ok(None) => first,
                Ok(Some(outcome)) => {
                    out.push(TargetOutcome::ok(rid, "deployment".into(), outcome));
                    None
                }
                Err(e) => {
                    out.push(TargetOutcome::failed(
                        rid,
                        "deployment".into(),
                        e.to_string(),
                    ));
                    None
                }
            }
        }
        Err(e) => {
            tracing::warn!(resource_id = %rid, error = %e, "checking for a deployment failed");
            out.push(TargetOutcome::failed(
                rid,
                "deployment".into(),
                e.to_string(),
            ));
            first
        }
    }
}

/// Record, once per configuration, that the target's variant is gone: state, activity, log.
async fn report_missing<E: Endpoints>(
    scaler: &Scaler<E>,
    rid: &str,
    now: DateTime<Utc>,
    mut first: Option<Loaded>,
    endpoint: &str,
    variant: &str,
    missing: MissingVariant,
) -> Result<Option<crate::scaler::Outcome>, ScalerError> {
    for _ in 0..MAX_ATTEMPTS {
        let loaded = match first.take() {
            Some(l) => l,
            None => scaler
                .store
                .load(rid)
                .await?
                .ok_or_else(|| ScalerError::UnknownTarget(rid.to_string()))?,
        };
        let mut state = loaded.state.clone();
        let known = state.missing_variant.as_ref().is_some_and(|m| {
            m.endpoint_config == missing.endpoint_config && m.variants == missing.variants
        });
        if known {
            return Ok(None);
        }
        let config = missing.endpoint_config.as_deref().unwrap_or("unknown");
        let from = match state.endpoint_config.as_deref() {
            Some(old) if old != config => {
                format!("endpoint configuration changed from {old} to {config}")
            }
            _ => format!("endpoint configuration {config}"),
        };
        let reason = format!(
            "Variant {variant} is not on endpoint {endpoint} any more (its variants: [{}]); sagescale does not scale it. Point the target at the variant to scale.",
            missing.variants.join(", ")
        );
        tracing::warn!(resource_id = %rid, %reason, "{from} removed the target's variant");
        let target = &loaded.config;
        let a = ended(
            target,
            now,
            StatusCode::Unfulfilled,
            format!("Variant {variant} not found; no change made."),
            format!("{from} and the variant {variant} is gone"),
            reason.clone(),
            Vec::new(),
        );
        state.endpoint_config = missing.endpoint_config.clone();
        state.missing_variant = Some(missing.clone());
        match scaler
            .store
            .commit(rid, loaded.version, &state, &[&a])
            .await
        {
            Err(StoreError::Conflict(_)) => continue,
            Err(e) => return Err(e.into()),
            Ok(_) => {
                return Ok(Some(crate::scaler::Outcome::Unfulfilled {
                    activity_id: a.activity_id,
                    reason,
                }));
            }
        }
    }
    Err(ScalerError::Contention(rid.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use sagescale_core::validate::{Format, validate_str};

    fn target() -> ScalableTarget {
        let yaml = r#"
ScalableTargets:
  - ServiceNamespace: sagemaker
    ResourceId: endpoint/ep/variant/AllTraffic
    ScalableDimension: sagemaker:variant:DesiredInstanceCount
    MinCapacity: 1
    MaxCapacity: 8
"#;
        validate_str(yaml, Format::Yaml)
            .document
            .expect("valid")
            .scalable_targets
            .remove(0)
    }

    fn view(config: &str, desired: i32, ready: bool) -> EndpointView {
        EndpointView {
            status: if ready { "InService" } else { "Updating" }.into(),
            readiness: if ready {
                Readiness::Ready
            } else {
                Readiness::Busy("Updating".into())
            },
            desired,
            reported_desired: desired,
            current: desired,
            endpoint_config: Some(config.into()),
        }
    }

    #[test]
    fn first_sight_records_the_configuration_and_the_count() {
        let mut s = TargetState::default();
        assert_eq!(
            assess(&target(), &mut s, &view("v1", 3, true)),
            Assessment::Record
        );
        assert_eq!(s.endpoint_config.as_deref(), Some("v1"));
        assert_eq!(s.last_set, Some(3));
        assert_eq!(
            assess(&target(), &mut s, &view("v1", 3, true)),
            Assessment::Nothing
        );
    }

    #[test]
    fn a_reset_is_restored_within_bounds_once_in_service() {
        let mut s = TargetState {
            endpoint_config: Some("v1".into()),
            last_set: Some(12),
            ..TargetState::default()
        };
        assert_eq!(
            assess(&target(), &mut s, &view("v2", 2, false)),
            Assessment::Nothing
        );
        let Assessment::Restore(d) = assess(&target(), &mut s, &view("v2", 2, true)) else {
            panic!("no restore");
        };
        assert_eq!((d.previous, d.desired), (2, 8));
        assert!(d.cause.contains("from v1 to v2"), "{}", d.cause);
        assert_eq!(s.endpoint_config.as_deref(), Some("v2"));
    }

    #[test]
    fn a_kept_count_or_a_pending_claim_only_records_the_name() {
        let mut s = TargetState {
            endpoint_config: Some("v1".into()),
            last_set: Some(6),
            ..TargetState::default()
        };
        assert_eq!(
            assess(&target(), &mut s, &view("v2", 6, true)),
            Assessment::Record
        );
        assert_eq!(s.endpoint_config.as_deref(), Some("v2"));

        // A claim of sagescale's explains the difference: its absolute count is carried out
        // by the pending step, so only the name is recorded.
        s.pending = Some(sagescale_core::state::PendingChange {
            activity_id: "a".into(),
            activity_sk: "ACT#a".into(),
            desired: 7,
            previous: 6,
            cause: "test".into(),
            decided_at: Utc::now(),
            cooldown: Default::default(),
            prior_cooldown: Default::default(),
            deferred: true,
            attempts: 1,
        });
        assert_eq!(
            assess(&target(), &mut s, &view("v3", 2, true)),
            Assessment::Record
        );
        assert_eq!(s.endpoint_config.as_deref(), Some("v3"));
        assert_eq!(s.last_set, Some(6));
    }

    #[test]
    fn a_count_someone_else_set_is_followed_without_a_deployment() {
        let mut s = TargetState {
            endpoint_config: Some("v1".into()),
            last_set: Some(6),
            ..TargetState::default()
        };
        assert_eq!(
            assess(&target(), &mut s, &view("v1", 9, false)),
            Assessment::Nothing
        );
        assert_eq!(
            assess(&target(), &mut s, &view("v1", 9, true)),
            Assessment::Record
        );
        assert_eq!(s.last_set, Some(9));
    }

    #[test]
    fn an_inference_component_is_not_checked() {
        let mut s = TargetState::default();
        let mut v = view("v1", 3, true);
        v.endpoint_config = None;
        assert_eq!(assess(&target(), &mut s, &v), Assessment::Nothing);
        assert_eq!(s, TargetState::default());
    }
}
