//! Shared setup for the integration tests: an emulator with a table, a configured target and
//! an endpoint, plus builders for literal event payloads.
#![allow(dead_code)]

use sagescale_aws::events::Origin;
use sagescale_aws::sagemaker::SageMaker;
use sagescale_aws::scaler::Scaler;
use sagescale_aws::store::Store;
use sagescale_core::activity::ScalingActivity;
use sagescale_core::state::TargetState;
use sagescale_core::validate::{Format, validate_str};
use sagescale_tests::{ACCOUNT_ID, Emulator, REGION};

pub const TABLE: &str = "sagescale-test";
pub const ENDPOINT: &str = "demo-endpoint";
pub const VARIANT: &str = "AllTraffic";
pub const RID: &str = "endpoint/demo-endpoint/variant/AllTraffic";

pub struct Env {
    pub emu: Emulator,
    pub store: Store,
    pub scaler: Scaler<SageMaker>,
    pub config: aws_config::SdkConfig,
}

/// An emulator with the table, the endpoint at `instances`, and `yaml` applied.
pub async fn env_with(yaml: &str, instances: i32) -> Env {
    let emu = Emulator::start();
    let config = emu.sdk_config().await;
    let store = Store::new(aws_sdk_dynamodb::Client::new(&config), TABLE);
    store.create_table().await.expect("create table");
    emu.create_endpoint(ENDPOINT, VARIANT, instances);
    apply(&store, yaml).await;
    let scaler = Scaler::new(
        store.clone(),
        SageMaker::new(aws_sdk_sagemaker::Client::new(&config)),
    );
    Env {
        emu,
        store,
        scaler,
        config,
    }
}

/// Validate (the tests only use valid documents) and write every target.
pub async fn apply(store: &Store, yaml: &str) {
    let report = validate_str(yaml, Format::Yaml);
    let problems: Vec<String> = report.errors().map(|p| p.to_string()).collect();
    let doc = report
        .document
        .unwrap_or_else(|| panic!("test configuration invalid: {problems:?}"));
    for t in &doc.scalable_targets {
        store
            .put_config(t, &[], chrono::Utc::now())
            .await
            .expect("put config");
    }
}

pub fn origin() -> Origin {
    Origin {
        account: ACCOUNT_ID.to_string(),
        region: REGION.to_string(),
        alarm_prefix: Some("sagescale-".to_string()),
    }
}

/// A direct CloudWatch alarm action payload, as CloudWatch sends it to Lambda.
#[allow(unused_imports)]
pub use sagescale_tests::events::alarm_action as alarm_event;

pub async fn state(env: &Env) -> TargetState {
    sagescale_tests::target::target_state(&env.store, RID).await
}

pub async fn activities(env: &Env) -> Vec<ScalingActivity> {
    env.store.activities(RID, 100).await.expect("activities")
}

pub fn desired(env: &Env) -> i64 {
    env.emu.describe_variant(ENDPOINT, VARIANT).0
}

/// A target with a step policy on `sagescale-demo-latency-high` (steps: breach in [0, 100):
/// +2, [100, inf): +3, cooldown 300 s) and a scale-in policy on `sagescale-demo-latency-low`
/// (breach <= 0: -1), bounds 1..=8.
pub fn step_config(mode: &str) -> String {
    format!(
        r#"
ScalableTargets:
  - ServiceNamespace: sagemaker
    ResourceId: {RID}
    ScalableDimension: sagemaker:variant:DesiredInstanceCount
    MinCapacity: 1
    MaxCapacity: 8
    Mode: {mode}
    ScalingPolicies:
      - PolicyName: latency-out
        PolicyType: StepScaling
        Alarms: [sagescale-demo-latency-high]
        StepScalingPolicyConfiguration:
          AdjustmentType: ChangeInCapacity
          Cooldown: 300
          StepAdjustments:
            - {{MetricIntervalLowerBound: 0, MetricIntervalUpperBound: 100, ScalingAdjustment: 2}}
            - {{MetricIntervalLowerBound: 100, ScalingAdjustment: 3}}
      - PolicyName: latency-in
        PolicyType: StepScaling
        Alarms: [sagescale-demo-latency-low]
        StepScalingPolicyConfiguration:
          AdjustmentType: ChangeInCapacity
          Cooldown: 300
          StepAdjustments:
            - {{MetricIntervalUpperBound: 0, ScalingAdjustment: -1}}
"#
    )
}
