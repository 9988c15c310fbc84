//! The soak's world: one emulator, one table and four scalable targets on four endpoints, each
//! with its own kind of policy (ChangeInCapacity, PercentChangeInCapacity and ExactCapacity step
//! policies driven by alarms, one alarm shared by two targets, a target-tracking policy on
//! InvocationsPerInstance read from CloudWatch) and scheduled actions written with `cron`
//! (UTC and two IANA zones), `rate` and `at`. The handlers are the functions' own
//! (`AlarmHandler`, `ScheduleHandler`), called in-process through the real SDK clients.

use std::time::Duration as StdDuration;

use aws_config::retry::RetryConfig;
use chrono::{DateTime, TimeZone, Utc};
use serde_json::Value;

use sagescale_aws::alarm::AlarmHandler;
use sagescale_aws::events::Origin;
use sagescale_aws::metrics::CloudWatch;
use sagescale_aws::reconcile::ScheduleHandler;
use sagescale_aws::sagemaker::SageMaker;
use sagescale_aws::scaler::Scaler;
use sagescale_aws::store::Store;
use sagescale_core::model::ScalableTarget;
use sagescale_core::validate::{Format, validate_str};

use crate::{ACCOUNT_ID, Emulator, REGION};

pub const TABLE: &str = "sagescale-soak";
pub const VARIANT: &str = "AllTraffic";
/// Alarm names start with this; the origin check only admits them.
pub const ALARM_PREFIX: &str = "soak-";
/// The target-tracking target's TargetValue, and the largest InvocationsPerInstance the load
/// model writes (a bound for the cooldown check).
pub const TT_TARGET: f64 = 100.0;
pub const TT_MAX_LOAD: f64 = 400.0;

/// When the simulated clock starts and the configuration is applied: a Friday, 17:00 UTC.
pub fn start_time() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 27, 17, 0, 0).unwrap()
}

/// One endpoint and the target scaling its variant.
#[derive(Debug, Clone)]
pub struct TargetSpec {
    pub endpoint: &'static str,
    pub initial: i32,
    pub target: ScalableTarget,
}

impl TargetSpec {
    pub fn rid(&self) -> &str {
        &self.target.resource_id
    }
}

/// An alarm the generator flaps: `high` alarms are in ALARM above their threshold, the others
/// below it.
#[derive(Debug, Clone, Copy)]
pub struct AlarmSpec {
    pub name: &'static str,
    pub threshold: f64,
    pub high: bool,
}

pub const ALARMS: [AlarmSpec; 7] = [
    AlarmSpec {
        name: "soak-a-high",
        threshold: 100.0,
        high: true,
    },
    AlarmSpec {
        name: "soak-a-low",
        threshold: 30.0,
        high: false,
    },
    AlarmSpec {
        name: "soak-shared-high",
        threshold: 500.0,
        high: true,
    },
    AlarmSpec {
        name: "soak-b-high",
        threshold: 0.8,
        high: true,
    },
    AlarmSpec {
        name: "soak-b-low",
        threshold: 0.2,
        high: false,
    },
    AlarmSpec {
        name: "soak-d-high",
        threshold: 10.0,
        high: true,
    },
    AlarmSpec {
        name: "soak-d-low",
        threshold: 2.0,
        high: false,
    },
];

/// Scheduled actions that are also wired to EventBridge Scheduler (direct invocations), as
/// `(endpoint, action)`.
pub const SCHEDULER_WIRED: [(&str, &str); 3] = [
    ("soak-a", "a-peak"),
    ("soak-b", "b-rate"),
    ("soak-d", "d-rate"),
];

const CONFIG: &str = r#"
ScalableTargets:
  - ServiceNamespace: sagemaker
    ResourceId: endpoint/soak-a/variant/AllTraffic
    ScalableDimension: sagemaker:variant:DesiredInstanceCount
    MinCapacity: 1
    MaxCapacity: 12
    ScalingPolicies:
      - PolicyName: a-out
        PolicyType: StepScaling
        Alarms: [soak-a-high, soak-shared-high]
        StepScalingPolicyConfiguration:
          AdjustmentType: ChangeInCapacity
          Cooldown: 120
          StepAdjustments:
            - {MetricIntervalLowerBound: 0, MetricIntervalUpperBound: 50, ScalingAdjustment: 1}
            - {MetricIntervalLowerBound: 50, ScalingAdjustment: 3}
      - PolicyName: a-in
        PolicyType: StepScaling
        Alarms: [soak-a-low]
        StepScalingPolicyConfiguration:
          AdjustmentType: ChangeInCapacity
          Cooldown: 180
          StepAdjustments:
            - {MetricIntervalUpperBound: 0, ScalingAdjustment: -1}
    ScheduledActions:
      - ScheduledActionName: a-peak
        Schedule: cron(0/20 * * * ? *)
        ScalableTargetAction: {MinCapacity: 4, MaxCapacity: 12}
      - ScheduledActionName: a-offpeak
        Schedule: cron(10/20 * * * ? *)
        Timezone: America/New_York
        ScalableTargetAction: {MinCapacity: 1}
  - ServiceNamespace: sagemaker
    ResourceId: endpoint/soak-b/variant/AllTraffic
    ScalableDimension: sagemaker:variant:DesiredInstanceCount
    MinCapacity: 2
    MaxCapacity: 20
    ScalingPolicies:
      - PolicyName: b-out
        PolicyType: StepScaling
        Alarms: [soak-b-high, soak-shared-high]
        StepScalingPolicyConfiguration:
          AdjustmentType: PercentChangeInCapacity
          MinAdjustmentMagnitude: 2
          Cooldown: 90
          StepAdjustments:
            - {MetricIntervalLowerBound: 0, ScalingAdjustment: 50}
      - PolicyName: b-in
        PolicyType: StepScaling
        Alarms: [soak-b-low]
        StepScalingPolicyConfiguration:
          AdjustmentType: PercentChangeInCapacity
          Cooldown: 150
          StepAdjustments:
            - {MetricIntervalUpperBound: 0, ScalingAdjustment: -25}
    ScheduledActions:
      - ScheduledActionName: b-rate
        Schedule: rate(30 minutes)
        ScalableTargetAction: {MinCapacity: 3}
      - ScheduledActionName: b-cap
        Schedule: cron(45 0/2 * * ? *)
        ScalableTargetAction: {MaxCapacity: 8}
      - ScheduledActionName: b-uncap
        Schedule: cron(5 1/2 * * ? *)
        ScalableTargetAction: {MaxCapacity: 20}
      - ScheduledActionName: b-once
        Schedule: at(2026-11-27T18:07:00)
        ScalableTargetAction: {MinCapacity: 5, MaxCapacity: 15}
  - ServiceNamespace: sagemaker
    ResourceId: endpoint/soak-c/variant/AllTraffic
    ScalableDimension: sagemaker:variant:DesiredInstanceCount
    MinCapacity: 1
    MaxCapacity: 10
    ScalingPolicies:
      - PolicyName: c-invocations
        PolicyType: TargetTrackingScaling
        TargetTrackingScalingPolicyConfiguration:
          TargetValue: 100.0
          PredefinedMetricSpecification: {PredefinedMetricType: SageMakerVariantInvocationsPerInstance}
          ScaleOutCooldown: 60
          ScaleInCooldown: 300
    ScheduledActions:
      - ScheduledActionName: c-floor
        Schedule: cron(30 * * * ? *)
        Timezone: Europe/Berlin
        ScalableTargetAction: {MinCapacity: 2}
      - ScheduledActionName: c-free
        Schedule: cron(50 * * * ? *)
        ScalableTargetAction: {MinCapacity: 1}
  - ServiceNamespace: sagemaker
    ResourceId: endpoint/soak-d/variant/AllTraffic
    ScalableDimension: sagemaker:variant:DesiredInstanceCount
    MinCapacity: 1
    MaxCapacity: 6
    ScalingPolicies:
      - PolicyName: d-exact
        PolicyType: StepScaling
        Alarms: [soak-d-high]
        StepScalingPolicyConfiguration:
          AdjustmentType: ExactCapacity
          Cooldown: 60
          StepAdjustments:
            - {MetricIntervalLowerBound: 0, ScalingAdjustment: 5}
      - PolicyName: d-in
        PolicyType: StepScaling
        Alarms: [soak-d-low]
        StepScalingPolicyConfiguration:
          AdjustmentType: ExactCapacity
          Cooldown: 60
          StepAdjustments:
            - {MetricIntervalUpperBound: 0, ScalingAdjustment: 2}
    ScheduledActions:
      - ScheduledActionName: d-rate
        Schedule: rate(17 minutes)
        ScalableTargetAction: {MinCapacity: 3}
      - ScheduledActionName: d-low
        Schedule: cron(12/20 * * * ? *)
        ScalableTargetAction: {MinCapacity: 1}
"#;

/// The four targets, validated as `sagescale apply` would.
pub fn targets() -> Vec<TargetSpec> {
    let report = validate_str(CONFIG, Format::Yaml);
    let problems: Vec<String> = report.errors().map(|p| p.to_string()).collect();
    let doc = report
        .document
        .unwrap_or_else(|| panic!("soak configuration invalid: {problems:?}"));
    let endpoints = [("soak-a", 2), ("soak-b", 3), ("soak-c", 2), ("soak-d", 2)];
    doc.scalable_targets
        .into_iter()
        .zip(endpoints)
        .map(|(target, (endpoint, initial))| {
            assert!(target.resource_id.contains(endpoint));
            TargetSpec {
                endpoint,
                initial,
                target,
            }
        })
        .collect()
}

/// The emulator, the store and the scaler the handlers share.
pub struct World {
    pub emu: Emulator,
    pub store: Store,
    pub scaler: Scaler<SageMaker>,
    pub cloudwatch: aws_sdk_cloudwatch::Client,
    pub targets: Vec<TargetSpec>,
}

/// The SDK configuration of the emulator with the standard retry mode (3 attempts) and a
/// 10 ms initial backoff instead of 1 s, so that thousands of injected faults cost seconds,
/// not hours; the attempts and the retry quota are the SDK's own.
async fn sdk_config(emu: &Emulator) -> aws_config::SdkConfig {
    emu.sdk_config()
        .await
        .to_builder()
        .retry_config(RetryConfig::standard().with_initial_backoff(StdDuration::from_millis(10)))
        .build()
}

impl World {
    /// Starts an emulator, creates the table and the endpoints, applies the configuration at
    /// [`start_time`].
    pub async fn start() -> World {
        let emu = Emulator::start();
        let sdk = sdk_config(&emu).await;
        let store = Store::new(aws_sdk_dynamodb::Client::new(&sdk), TABLE);
        store.create_table().await.expect("create table");
        let cloudwatch = aws_sdk_cloudwatch::Client::new(&sdk);
        let scaler = Scaler::new(
            store.clone(),
            SageMaker::new(aws_sdk_sagemaker::Client::new(&sdk)),
        )
        .with_metrics(CloudWatch::new(cloudwatch.clone()));
        let targets = targets();
        for t in &targets {
            emu.create_endpoint(t.endpoint, VARIANT, t.initial);
            store
                .put_config(&t.target, &[], start_time())
                .await
                .expect("put config");
        }
        World {
            emu,
            store,
            scaler,
            cloudwatch,
            targets,
        }
    }

    fn origin() -> Origin {
        Origin {
            account: ACCOUNT_ID.to_string(),
            region: REGION.to_string(),
            alarm_prefix: Some(ALARM_PREFIX.to_string()),
        }
    }

    pub fn alarm_handler(&self) -> AlarmHandler<'_, SageMaker> {
        AlarmHandler {
            scaler: &self.scaler,
            origin: Self::origin(),
        }
    }

    pub fn schedule_handler(&self) -> ScheduleHandler<'_, SageMaker> {
        ScheduleHandler {
            scaler: &self.scaler,
            origin: Self::origin(),
        }
    }

    pub fn target_of_endpoint(&self, endpoint: &str) -> &TargetSpec {
        self.targets
            .iter()
            .find(|t| t.endpoint == endpoint)
            .expect("known endpoint")
    }

    /// The endpoint's desired count and status, read through the control route (not logged).
    pub fn endpoint(&self, endpoint: &str) -> (i64, String) {
        let (desired, _, status) = self.emu.describe_variant(endpoint, VARIANT);
        (desired, status)
    }
}

/// A Scheduler invocation's Input for a scheduled action due at `at`.
pub fn scheduler_input(rid: &str, action: &str, at: DateTime<Utc>) -> Value {
    serde_json::json!({
        "ScheduledActionName": action,
        "ResourceId": rid,
        "ScheduledTime": at.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
    })
}
