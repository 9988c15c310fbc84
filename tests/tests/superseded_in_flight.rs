//! A claim that a newer decision supersedes while its SageMaker call is in flight. Found by the
//! soak (`make soak`, invariant "activity log = SageMaker calls"): the call landed, yet its
//! activity stayed `Overridden`, so the log showed no activity for a count the endpoint had.
//! The superseded claim's outcome now rewrites its activity as `Successful` when its call
//! landed, and the endpoint still converges on the newer decision.

mod support;

use std::sync::atomic::{AtomicBool, Ordering};

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use sagescale_aws::alarm::AlarmHandler;
use sagescale_aws::sagemaker::{EndpointError, EndpointView, Endpoints, Resource, SageMaker};
use sagescale_aws::scaler::{Outcome, Scaler, claim_activity};
use sagescale_aws::store::{Store, activity_sk};
use sagescale_core::activity::StatusCode;
use sagescale_core::state::PendingChange;
use support::*;

/// SageMaker, except that the first update is followed, before it returns, by a newer claim
/// to `desired + 1` committed by "another invocation", which marks the first one Overridden.
struct Interleaved {
    inner: SageMaker,
    store: Store,
    done: AtomicBool,
}

#[async_trait]
impl Endpoints for Interleaved {
    async fn describe(&self, resource: &Resource) -> Result<EndpointView, EndpointError> {
        self.inner.describe(resource).await
    }

    async fn set_desired(&self, resource: &Resource, desired: i32) -> Result<(), EndpointError> {
        let result = self.inner.set_desired(resource, desired).await;
        if !self.done.swap(true, Ordering::SeqCst) {
            supersede(&self.store, desired + 1).await;
        }
        result
    }
}

async fn supersede(store: &Store, desired: i32) {
    let loaded = store.load(RID).await.unwrap().unwrap();
    let first = loaded
        .state
        .pending
        .clone()
        .expect("the first claim is pending");
    let newer = PendingChange {
        activity_id: "newer-claim".into(),
        activity_sk: String::new(),
        desired,
        previous: first.desired,
        cause: first.cause.clone(),
        decided_at: first.decided_at,
        cooldown: first.cooldown,
        prior_cooldown: first.cooldown,
        deferred: false,
        attempts: 0,
    };
    let newer_activity = claim_activity(&loaded.config, &newer);
    let mut overridden = claim_activity(&loaded.config, &first);
    overridden.status_code = StatusCode::Overridden;
    overridden.status_message = Some(format!("Superseded by a newer decision to set {desired}."));
    let mut state = loaded.state.clone();
    state.pending = Some(PendingChange {
        activity_sk: activity_sk(&newer_activity),
        ..newer
    });
    store
        .commit(RID, loaded.version, &state, &[&newer_activity, &overridden])
        .await
        .expect("newer claim");
}

fn t0() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-27T18:02:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_superseded_claim_whose_call_landed_is_recorded_successful() {
    let env = env_with(&step_config("enforce"), 2).await;
    let scaler = Scaler::new(
        env.store.clone(),
        Interleaved {
            inner: SageMaker::new(aws_sdk_sagemaker::Client::new(&env.config)),
            store: env.store.clone(),
            done: AtomicBool::new(false),
        },
    );
    let handler = AlarmHandler {
        scaler: &scaler,
        origin: origin(),
    };
    let at = t0().format("%Y-%m-%dT%H:%M:%S%.3f+0000").to_string();
    // breach 50 -> +2: 2 -> 4; the newer claim (5) supersedes it during the call.
    let event = alarm_event("sagescale-demo-latency-high", "ALARM", 500.0, &[550.0], &at);
    let out = handler.handle(&event, t0()).await.expect("handled");
    let Outcome::Scaled { activity_id, .. } = &out[0].outcome else {
        panic!("{out:?}");
    };

    let acts = activities(&env).await;
    let first = acts.iter().find(|a| a.activity_id == *activity_id).unwrap();
    assert_eq!(first.status_code, StatusCode::Successful, "{first:?}");
    assert_eq!(first.description, "Setting desired instance count to 4.");
    assert!(
        first
            .status_message
            .as_deref()
            .unwrap()
            .contains("a newer decision superseded it since"),
        "{first:?}"
    );
    // The endpoint converges on the newer claim's count.
    let counts: Vec<i64> = env
        .emu
        .requests_for("sagemaker", "UpdateEndpointWeightsAndCapacities")
        .iter()
        .filter(|r| r.status == 200)
        .map(|r| {
            r.params.as_ref().unwrap()["DesiredWeightsAndCapacities"][0]["DesiredInstanceCount"]
                .as_i64()
                .unwrap()
        })
        .collect();
    assert_eq!(counts, vec![4, 5]);
    assert_eq!(desired(&env), 5);
    assert_eq!(
        state(&env).await.pending.unwrap().activity_id,
        "newer-claim"
    );
}
