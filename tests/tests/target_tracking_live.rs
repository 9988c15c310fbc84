//! Target tracking live in the one-minute pass, against the emulated AWS through the real SDK
//! clients: metrics written with PutMetricData, read back by the pass's batched GetMetricData,
//! decided by AAS's alarm rules (and the `TargetTrackingEvaluation` extension). Every pass is
//! given an explicit `now`; the pass reads completed periods only, so a pass at 18:10:05 sees
//! the one-minute datapoint of 18:09:00 last.

use chrono::{DateTime, Duration, TimeZone, Utc};

use aws_sdk_cloudwatch::types::{ComparisonOperator, Dimension, MetricDatum, Statistic};
use aws_sdk_dynamodb::types::{AttributeValue, PutRequest, WriteRequest};
use sagescale_aws::alarm::AlarmHandler;
use sagescale_aws::events::Origin;
use sagescale_aws::metrics::CloudWatch;
use sagescale_aws::reconcile::{TargetOutcome, run_pass};
use sagescale_aws::sagemaker::SageMaker;
use sagescale_aws::scaler::{Outcome, Scaler};
use sagescale_aws::store::Store;
use sagescale_core::activity::{NotScaledCode, ScalingActivity};
use sagescale_core::model::ScalableTarget;
use sagescale_core::state::TargetState;
use sagescale_core::validate::{Format, validate_str};
use sagescale_tests::cloudwatch::{dimensions, put_metric_series, sdk_time};
use sagescale_tests::{ACCOUNT_ID, Emulator, REGION};

const TABLE: &str = "sagescale-tt-test";
const ENDPOINT: &str = "tt-endpoint";
const VARIANT: &str = "AllTraffic";
const RID: &str = "endpoint/tt-endpoint/variant/AllTraffic";
const ALARM: &str = "sagescale-tt-latency-high";

/// 18:00:00 UTC on a fixed day; minute `k` of the test is `T0 + k min`.
fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 27, 18, 0, 0).unwrap()
}

/// The start of minute `k`.
fn minute(k: i64) -> DateTime<Utc> {
    t0() + Duration::minutes(k)
}

/// A pass 5 s into minute `k`: its latest one-minute datapoint is minute `k - 1`.
fn pass_at(k: i64) -> DateTime<Utc> {
    minute(k) + Duration::seconds(5)
}

fn invocation_dims() -> [(&'static str, &'static str); 2] {
    [("EndpointName", ENDPOINT), ("VariantName", VARIANT)]
}

struct Env {
    emu: Emulator,
    store: Store,
    scaler: Scaler<SageMaker>,
    cw: aws_sdk_cloudwatch::Client,
}

impl Env {
    /// An emulator with the table, the endpoint at `instances`, and `yaml` applied, the pass
    /// reading CloudWatch.
    async fn new(yaml: &str, instances: i32) -> Env {
        let emu = Emulator::start();
        let sdk = emu.sdk_config().await;
        let store = Store::new(aws_sdk_dynamodb::Client::new(&sdk), TABLE);
        store.create_table().await.expect("create table");
        emu.create_endpoint(ENDPOINT, VARIANT, instances);
        let cw = aws_sdk_cloudwatch::Client::new(&sdk);
        let scaler = Scaler::new(
            store.clone(),
            SageMaker::new(aws_sdk_sagemaker::Client::new(&sdk)),
        )
        .with_metrics(CloudWatch::new(cw.clone()));
        for t in targets(yaml) {
            store
                .put_config(&t, &[], t0() - Duration::hours(1))
                .await
                .expect("put config");
        }
        Env {
            emu,
            store,
            scaler,
            cw,
        }
    }

    async fn pass(&self, now: DateTime<Utc>) -> Vec<TargetOutcome> {
        run_pass(&self.scaler, now).await.expect("pass")
    }

    /// One-minute values of a metric from minute `from` on.
    async fn put(&self, namespace: &str, name: &str, dims: &[(&str, &str)], from: i64, v: &[f64]) {
        put_metric_series(&self.cw, namespace, name, dims, minute(from), 60, v)
            .await
            .expect("put metric data");
    }

    /// One-minute InvocationsPerInstance of the variant from minute `from` on.
    async fn invocations(&self, from: i64, values: &[f64]) {
        self.put(
            "AWS/SageMaker",
            "InvocationsPerInstance",
            &invocation_dims(),
            from,
            values,
        )
        .await;
    }

    async fn state(&self) -> TargetState {
        sagescale_tests::target::target_state(&self.store, RID).await
    }

    async fn activities(&self) -> Vec<ScalingActivity> {
        self.store.activities(RID, 100).await.expect("activities")
    }

    fn desired(&self) -> i64 {
        self.emu.describe_variant(ENDPOINT, VARIANT).0
    }

    /// A CloudWatch alarm action for `ALARM` in `state` (threshold 100, datapoint 150).
    async fn alarm(&self, state: &str, at: DateTime<Utc>) -> Vec<Outcome> {
        let handler = AlarmHandler {
            scaler: &self.scaler,
            origin: Origin {
                account: ACCOUNT_ID.to_string(),
                region: REGION.to_string(),
                alarm_prefix: None,
            },
        };
        let ts = at.format("%Y-%m-%dT%H:%M:%S%.3f+0000").to_string();
        let event = sagescale_tests::events::alarm_action(ALARM, state, 100.0, &[150.0], &ts);
        handler
            .handle(&event, at)
            .await
            .expect("alarm handled")
            .into_iter()
            .map(|o| o.outcome)
            .collect()
    }

    /// The real metric alarm behind `ALARM`: Custom/App Latency (Average, 60 s) above 100
    /// for 1 period.
    async fn put_latency_alarm(&self) {
        self.cw
            .put_metric_alarm()
            .alarm_name(ALARM)
            .namespace("Custom/App")
            .metric_name("Latency")
            .set_dimensions(Some(dimensions(&[("EndpointName", ENDPOINT)])))
            .statistic(Statistic::Average)
            .period(60)
            .evaluation_periods(1)
            .threshold(100.0)
            .comparison_operator(ComparisonOperator::GreaterThanThreshold)
            .send()
            .await
            .expect("put metric alarm");
    }

    async fn latency(&self, from: i64, values: &[f64]) {
        self.put(
            "Custom/App",
            "Latency",
            &[("EndpointName", ENDPOINT)],
            from,
            values,
        )
        .await;
    }

    fn count(&self, service: &str, op: &str) -> usize {
        self.emu.requests_for(service, op).len()
    }
}

/// The validated targets of a document (the tests only use valid documents).
fn targets(yaml: &str) -> Vec<ScalableTarget> {
    let report = validate_str(yaml, Format::Yaml);
    let problems: Vec<String> = report.errors().map(|p| p.to_string()).collect();
    report
        .document
        .unwrap_or_else(|| panic!("test configuration invalid: {problems:?}"))
        .scalable_targets
}

/// One target on the variant, bounds `min..=max`, with `policies` (YAML list items indented
/// for `ScalingPolicies`).
fn config(min: i32, max: i32, policies: &str) -> String {
    format!(
        r#"
ScalableTargets:
  - ServiceNamespace: sagemaker
    ResourceId: {RID}
    ScalableDimension: sagemaker:variant:DesiredInstanceCount
    MinCapacity: {min}
    MaxCapacity: {max}
    ScalingPolicies:
{policies}"#
    )
}

/// A target-tracking policy on InvocationsPerInstance at 70; `extra` adds configuration keys.
fn invocations_policy(extra: &str) -> String {
    format!(
        r#"      - PolicyName: invocations-target
        PolicyType: TargetTrackingScaling
        TargetTrackingScalingPolicyConfiguration:
          TargetValue: 70
          PredefinedMetricSpecification: {{PredefinedMetricType: SageMakerVariantInvocationsPerInstance}}
{extra}"#
    )
}

fn scaled(out: &[TargetOutcome], trigger: &str, from: i32, to: i32) -> bool {
    out.len() == 1
        && out[0].trigger == trigger
        && matches!(
            out[0].outcome,
            Some(Outcome::Scaled { previous, desired, .. }) if previous == from && desired == to
        )
}

#[tokio::test(flavor = "multi_thread")]
async fn scales_out_proportionally_after_three_minutes_above_target_not_two() {
    let env = Env::new(&config(1, 20, &invocations_policy("")), 4).await;
    // Minutes 0..=12 at target, 13 and 14 at 140, and 15 (still filling at 15:05) at 140.
    let mut v = vec![70.0; 13];
    v.extend([140.0; 3]);
    env.invocations(0, &v).await;
    // At 18:15:05 the window is minutes 0..=14: two minutes above target.
    let out = env.pass(pass_at(15)).await;
    assert!(out.is_empty(), "{out:?}");
    assert_eq!(env.desired(), 4);
    assert!(env.activities().await.is_empty());
    // Minute 15 completes: three of three above target, ceil(4 x 140 / 70) = 8.
    let out = env.pass(pass_at(16)).await;
    assert!(scaled(&out, "target-tracking", 4, 8), "{out:?}");
    assert_eq!(env.desired(), 8);
    let acts = env.activities().await;
    assert_eq!(acts.len(), 1);
    assert_eq!(acts[0].description, "Setting desired instance count to 8.");
}

#[tokio::test(flavor = "multi_thread")]
async fn scales_in_on_the_fifteenth_low_minute_to_the_busiest_minute_and_not_below_min() {
    let env = Env::new(&config(4, 20, &invocations_policy("")), 10).await;
    // Minute 0 at target, then 15 low minutes (below 0.9 x 70 = 63) whose busiest is 35.
    let mut v = vec![70.0];
    v.extend([20.0, 35.0, 25.0, 30.0, 20.0, 22.0, 28.0, 20.0]);
    v.extend([20.0, 21.0, 23.0, 26.0, 24.0, 20.0, 25.0]);
    assert_eq!(v.len(), 16);
    env.invocations(0, &v).await;
    // 14 low minutes (1..=14) and minute 0 at target: nothing.
    let out = env.pass(pass_at(15)).await;
    assert!(out.is_empty(), "{out:?}");
    assert_eq!(env.desired(), 10);
    // The 15th low minute: ceil(10 x 35 / 70) = 5.
    let out = env.pass(pass_at(16)).await;
    assert!(scaled(&out, "target-tracking", 10, 5), "{out:?}");
    assert_eq!(env.desired(), 5);
    // 15 more minutes at 10: ceil(5 x 10 / 70) = 1, held at MinCapacity 4.
    env.invocations(16, &[10.0; 15]).await;
    let out = env.pass(pass_at(31)).await;
    assert!(scaled(&out, "target-tracking", 5, 4), "{out:?}");
    assert_eq!(env.desired(), 4);
}

#[tokio::test(flavor = "multi_thread")]
async fn disable_scale_in_keeps_capacity_through_fifteen_low_minutes() {
    let policy = invocations_policy("          DisableScaleIn: true\n");
    let env = Env::new(&config(1, 20, &policy), 10).await;
    env.invocations(0, &[10.0; 20]).await;
    for k in 15..=20 {
        let out = env.pass(pass_at(k)).await;
        assert!(out.is_empty(), "minute {k}: {out:?}");
    }
    assert_eq!(env.desired(), 10);
    assert!(env.activities().await.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn missing_data_records_one_activity_per_episode_and_clears_when_data_returns() {
    let env = Env::new(&config(1, 20, &invocations_policy("")), 4).await;
    let first = env.pass(pass_at(15)).await;
    assert_eq!(first.len(), 1, "{first:?}");
    assert_eq!(first[0].trigger, "target-tracking");
    assert!(
        matches!(
            first[0].outcome,
            Some(Outcome::NotScaled { previous: 4, .. })
        ),
        "{first:?}"
    );
    for k in 16..=19 {
        let out = env.pass(pass_at(k)).await;
        assert!(out.is_empty(), "minute {k}: {out:?}");
    }
    let acts = env.activities().await;
    assert_eq!(acts.len(), 1, "{acts:?}");
    assert_eq!(acts[0].not_scaled_reasons.len(), 1);
    assert_eq!(
        acts[0].not_scaled_reasons[0].code,
        NotScaledCode::NoDatapoints
    );
    let s = env.state().await;
    assert_eq!(
        s.insufficient_data.keys().collect::<Vec<_>>(),
        ["invocations-target"]
    );
    assert_eq!(s.insufficient_data["invocations-target"], pass_at(15));
    assert_eq!(env.desired(), 4);

    // Data returns, at target: the mark is cleared, nothing scales, nothing is recorded.
    env.invocations(5, &[70.0; 15]).await;
    let out = env.pass(pass_at(20)).await;
    assert!(out.is_empty(), "{out:?}");
    assert!(env.state().await.insufficient_data.is_empty());
    assert_eq!(env.activities().await.len(), 1);
    assert_eq!(env.desired(), 4);
}

#[tokio::test(flavor = "multi_thread")]
async fn two_policies_scale_in_only_when_both_are_low_and_out_when_either_is_high() {
    let queue = format!(
        r#"      - PolicyName: queue-target
        PolicyType: TargetTrackingScaling
        TargetTrackingScalingPolicyConfiguration:
          TargetValue: 10
          CustomizedMetricSpecification:
            Namespace: Custom/App
            MetricName: QueueDepth
            Dimensions: [{{Name: EndpointName, Value: {ENDPOINT}}}]
            Statistic: Average
"#
    );
    let policies = format!("{}{queue}", invocations_policy(""));
    let env = Env::new(&config(1, 20, &policies), 10).await;
    // Invocations low (20) throughout; queue depth at target for minutes 0..=14, low (5)
    // for 15..=29, high (20) for 30..=32.
    env.invocations(0, &[20.0; 33]).await;
    let mut q = vec![10.0; 15];
    q.extend([5.0; 15]);
    q.extend([20.0; 3]);
    env.put(
        "Custom/App",
        "QueueDepth",
        &[("EndpointName", ENDPOINT)],
        0,
        &q,
    )
    .await;

    // Only the invocations policy is low: no scale-in.
    let out = env.pass(pass_at(15)).await;
    assert!(out.is_empty(), "{out:?}");
    assert_eq!(env.desired(), 10);
    // Both low: the larger proposal, max(ceil(10 x 20 / 70), ceil(10 x 5 / 10)) = max(3, 5).
    let out = env.pass(pass_at(30)).await;
    assert!(scaled(&out, "target-tracking", 10, 5), "{out:?}");
    // Queue depth high for three minutes, invocations still low: ceil(5 x 20 / 10) = 10.
    let out = env.pass(pass_at(33)).await;
    assert!(scaled(&out, "target-tracking", 5, 10), "{out:?}");
    assert_eq!(env.desired(), 10);
}

#[tokio::test(flavor = "multi_thread")]
async fn step_and_target_tracking_policies_act_through_their_own_triggers() {
    let step = format!(
        r#"      - PolicyName: latency-out
        PolicyType: StepScaling
        Alarms: [{ALARM}]
        StepScalingPolicyConfiguration:
          AdjustmentType: ChangeInCapacity
          Cooldown: 300
          StepAdjustments:
            - {{MetricIntervalLowerBound: 0, ScalingAdjustment: 2}}
"#
    );
    let policies = format!("{}{step}", invocations_policy(""));
    let env = Env::new(&config(1, 20, &policies), 4).await;
    env.put_latency_alarm().await;
    env.latency(0, &[150.0; 14]).await;
    env.invocations(0, &[70.0; 10]).await;
    env.invocations(10, &[140.0; 3]).await;

    // The alarm goes to ALARM at 18:12:30: +2, 4 -> 6, scale-out cooldown until 18:17:30
    // with base capacity 4.
    let out = env.alarm("ALARM", minute(12) + Duration::seconds(30)).await;
    assert!(
        matches!(
            out[..],
            [Outcome::Scaled {
                previous: 4,
                desired: 6,
                ..
            }]
        ),
        "{out:?}"
    );
    // At 18:13:35 the alarm is due to re-fire (65 s) and its metric still breaches, but +2
    // from the cooldown's base (4) is not above 6: nothing. Target tracking sees minutes
    // 10..=12 at 140: ceil(4 x 140 / 70) = 8 from the cooldown's base capacity, above 6, so
    // it scales out (the engine's documented scale-out-during-cooldown rule).
    env.emu.clear_requests();
    let out = env.pass(minute(13) + Duration::seconds(35)).await;
    assert!(scaled(&out, "target-tracking", 6, 8), "{out:?}");
    assert_eq!(env.desired(), 8);
    assert_eq!(env.count("cloudwatch", "DescribeAlarms"), 1);
    let acts = env.activities().await;
    assert_eq!(acts.len(), 2, "{acts:?}");
    assert_eq!(
        acts[1].cause,
        format!("monitor alarm {ALARM} in state ALARM triggered policy latency-out")
    );
    assert!(env.state().await.alarms[ALARM].in_alarm());
}

#[tokio::test(flavor = "multi_thread")]
async fn high_resolution_concurrency_scales_out_after_eighteen_ten_second_datapoints() {
    let policy = r#"      - PolicyName: concurrency-target
        PolicyType: TargetTrackingScaling
        TargetTrackingScalingPolicyConfiguration:
          TargetValue: 5
          PredefinedMetricSpecification: {PredefinedMetricType: SageMakerVariantConcurrentRequestsPerModelHighResolution}
"#;
    let env = Env::new(&config(1, 20, policy), 2).await;
    // Ten-second averages: 1.0 from 18:06:00 to 18:06:50, then 10.0 from 18:07:00 to 18:09:50
    // (18 datapoints).
    let mut v = vec![1.0; 6];
    v.extend([10.0; 18]);
    put_metric_series(
        &env.cw,
        "AWS/SageMaker",
        "ConcurrentRequestsPerModel",
        &invocation_dims(),
        minute(6),
        10,
        &v,
    )
    .await
    .expect("put metric data");
    // At 18:09:55 the last complete ten-second period is 18:09:40: 17 above target.
    let out = env.pass(minute(9) + Duration::seconds(55)).await;
    assert!(out.is_empty(), "{out:?}");
    assert_eq!(env.desired(), 2);
    // At 18:10:05 the 18th (18:09:50) completes: ceil(2 x 10 / 5) = 4. A one-minute period
    // would not have decided differently between these two passes.
    env.emu.clear_requests();
    let out = env.pass(pass_at(10)).await;
    assert!(scaled(&out, "target-tracking", 2, 4), "{out:?}");
    assert_eq!(env.count("cloudwatch", "GetMetricData"), 1);
    assert_eq!(env.desired(), 4);
}

#[tokio::test(flavor = "multi_thread")]
async fn metric_math_customized_metric_drives_a_scale_out() {
    let policy = format!(
        r#"      - PolicyName: per-worker-target
        PolicyType: TargetTrackingScaling
        TargetTrackingScalingPolicyConfiguration:
          TargetValue: 100
          CustomizedMetricSpecification:
            Metrics:
              - Id: m1
                MetricStat:
                  Metric:
                    Namespace: Custom/App
                    MetricName: Requests
                    Dimensions: [{{Name: EndpointName, Value: {ENDPOINT}}}]
                  Stat: Sum
                ReturnData: false
              - Id: m2
                MetricStat:
                  Metric:
                    Namespace: Custom/App
                    MetricName: Workers
                    Dimensions: [{{Name: EndpointName, Value: {ENDPOINT}}}]
                  Stat: Average
                ReturnData: false
              - Id: e1
                Expression: m1 / m2
                ReturnData: true
"#
    );
    let env = Env::new(&config(1, 20, &policy), 4).await;
    let dims = [("EndpointName", ENDPOINT)];
    // m1 / m2 = 400 / 4 = 100 (at target) for minutes 0..=11, then 800 / 4 = 200.
    let mut requests = vec![400.0; 12];
    requests.extend([800.0; 3]);
    env.put("Custom/App", "Requests", &dims, 0, &requests).await;
    env.put("Custom/App", "Workers", &dims, 0, &[4.0; 15]).await;
    let out = env.pass(pass_at(14)).await;
    assert!(out.is_empty(), "two minutes above target: {out:?}");
    // ceil(4 x 200 / 100) = 8.
    let out = env.pass(pass_at(15)).await;
    assert!(scaled(&out, "target-tracking", 4, 8), "{out:?}");
    assert_eq!(env.desired(), 8);
}

#[tokio::test(flavor = "multi_thread")]
async fn evaluation_extension_scales_out_on_two_of_three_where_aas_defaults_do_not() {
    const OTHER: &str = "tt-default-endpoint";
    let extended = invocations_policy(
        "        TargetTrackingEvaluation: {ScaleOutEvaluationPeriods: 3, ScaleOutDatapointsToAlarm: 2}\n",
    );
    let mut yaml = config(1, 20, &extended);
    yaml.push_str(&format!(
        r#"  - ServiceNamespace: sagemaker
    ResourceId: endpoint/{OTHER}/variant/{VARIANT}
    ScalableDimension: sagemaker:variant:DesiredInstanceCount
    MinCapacity: 1
    MaxCapacity: 20
    ScalingPolicies:
{}"#,
        invocations_policy("")
    ));
    let env = Env::new(&yaml, 4).await;
    env.emu.create_endpoint(OTHER, VARIANT, 4);
    // The same series on both variants: at target, then 140, a dip to 60, 140.
    let mut v = vec![70.0; 12];
    v.extend([140.0, 60.0, 140.0]);
    env.invocations(0, &v).await;
    env.put(
        "AWS/SageMaker",
        "InvocationsPerInstance",
        &[("EndpointName", OTHER), ("VariantName", VARIANT)],
        0,
        &v,
    )
    .await;
    // 2 of 3 above target: the extended policy scales out, ceil(4 x 140 / 70) = 8; AAS's
    // 3 of 3 does not.
    let out = env.pass(pass_at(15)).await;
    assert!(scaled(&out, "target-tracking", 4, 8), "{out:?}");
    assert_eq!(out[0].resource_id, RID);
    assert_eq!(env.desired(), 8);
    assert_eq!(env.emu.describe_variant(OTHER, VARIANT).0, 4);
}

#[tokio::test(flavor = "multi_thread")]
async fn alarm_refire_stops_when_the_alarm_metric_recovers() {
    let step = format!(
        r#"      - PolicyName: latency-out
        PolicyType: StepScaling
        Alarms: [{ALARM}]
        StepScalingPolicyConfiguration:
          AdjustmentType: ChangeInCapacity
          Cooldown: 60
          StepAdjustments:
            - {{MetricIntervalLowerBound: 0, ScalingAdjustment: 2}}
"#
    );
    let env = Env::new(&config(1, 20, &step), 4).await;
    env.put_latency_alarm().await;
    env.latency(0, &[150.0; 13]).await;
    // ALARM at 18:12:00: 4 -> 6.
    let out = env.alarm("ALARM", minute(12)).await;
    assert!(
        matches!(
            out[..],
            [Outcome::Scaled {
                previous: 4,
                desired: 6,
                ..
            }]
        ),
        "{out:?}"
    );
    // 18:13:05: still breaching (minute 12 at 150), cooldown over: re-fired, 6 -> 8. The
    // alarm's definition is described once.
    env.emu.clear_requests();
    let out = env.pass(pass_at(13)).await;
    assert!(scaled(&out, &format!("alarm:{ALARM}"), 6, 8), "{out:?}");
    assert_eq!(env.count("cloudwatch", "DescribeAlarms"), 1);
    assert!(env.state().await.alarms[ALARM].source.is_some());
    // Recovered datapoints (minute 13 at 50), the alarm still in ALARM in the state: no
    // re-fire, and the cached definition is not described again.
    env.latency(13, &[50.0; 3]).await;
    env.emu.clear_requests();
    for k in [14, 15, 16] {
        let out = env.pass(pass_at(k)).await;
        assert!(out.is_empty(), "minute {k}: {out:?}");
    }
    assert_eq!(env.count("cloudwatch", "DescribeAlarms"), 0);
    assert_eq!(
        env.count("sagemaker", "UpdateEndpointWeightsAndCapacities"),
        0
    );
    assert_eq!(env.desired(), 8);
    assert!(env.state().await.alarms[ALARM].in_alarm());
}

#[tokio::test(flavor = "multi_thread")]
async fn idle_pass_over_a_thousand_targets_makes_only_the_batched_reads() {
    const N: usize = 1000;
    let env = Env::new(&config(1, 20, &invocations_policy("")), 4).await;
    let template = targets(&config(1, 20, &invocations_policy("")))
        .pop()
        .unwrap();
    let endpoint = |i: usize| format!("fleet-{i:04}");
    // The Env's target was written by `Store::put_config`. Writing 999 more the same way
    // takes minutes against the emulator: moto deep-copies the whole table for every
    // TransactWriteItems (quadratic in the fleet). So the items `put_config` wrote for the
    // first target are copied, with its ResourceId replaced, in BatchWriteItem calls of 25;
    // the copies are checked below to load as the configuration `put_config` would write.
    let ddb = env.store.client();
    let written = ddb
        .scan()
        .table_name(TABLE)
        .send()
        .await
        .expect("scan")
        .items
        .unwrap_or_default();
    assert!(!written.is_empty());
    let mut copies = Vec::with_capacity(written.len() * (N - 1));
    for i in 1..N {
        let name = endpoint(i);
        for item in &written {
            let item: std::collections::HashMap<String, AttributeValue> = item
                .iter()
                .map(|(k, v)| {
                    let v = match v {
                        AttributeValue::S(text) => AttributeValue::S(text.replace(ENDPOINT, &name)),
                        other => other.clone(),
                    };
                    (k.clone(), v)
                })
                .collect();
            copies.push(
                WriteRequest::builder()
                    .put_request(PutRequest::builder().set_item(Some(item)).build().unwrap())
                    .build(),
            );
        }
    }
    for chunk in copies.chunks(25) {
        let out = ddb
            .batch_write_item()
            .request_items(TABLE, chunk.to_vec())
            .send()
            .await
            .expect("batch write");
        assert!(out.unprocessed_items.unwrap_or_default().is_empty());
    }
    let sample = format!("endpoint/{}/variant/{VARIANT}", endpoint(N - 1));
    let mut expected: ScalableTarget = template.clone();
    expected.resource_id = sample.clone();
    assert_eq!(
        sagescale_tests::target::loaded(&env.store, &sample)
            .await
            .config,
        expected
    );
    assert_eq!(env.store.list_targets().await.expect("list").len(), N);
    // Every target's InvocationsPerInstance at target (70) for minutes 0..=14, 1,000 datums
    // per PutMetricData call.
    let mut datums = Vec::with_capacity(N * 15);
    for i in 0..N {
        let ep = if i == 0 {
            ENDPOINT.to_string()
        } else {
            endpoint(i)
        };
        let dims: Vec<Dimension> = dimensions(&[("EndpointName", &ep), ("VariantName", VARIANT)]);
        for k in 0..15 {
            datums.push(
                MetricDatum::builder()
                    .metric_name("InvocationsPerInstance")
                    .set_dimensions(Some(dims.clone()))
                    .timestamp(sdk_time(minute(k)))
                    .value(70.0)
                    .build(),
            );
        }
    }
    for chunk in datums.chunks(1000) {
        env.cw
            .put_metric_data()
            .namespace("AWS/SageMaker")
            .set_metric_data(Some(chunk.to_vec()))
            .send()
            .await
            .expect("put metric data");
    }

    // The first pass sees the one existing endpoint for the first time: its deployment check
    // describes it and records what it runs (the other 999 endpoints do not exist, so
    // ListEndpoints does not show them and they are not checked).
    let out = env.pass(pass_at(14)).await;
    assert!(out.is_empty(), "{:?}", &out[..out.len().min(3)]);
    env.emu.clear_requests();
    let started = std::time::Instant::now();
    let out = env.pass(pass_at(15)).await;
    let took = started.elapsed();
    assert!(out.is_empty(), "{:?}", &out[..out.len().min(3)]);
    assert_eq!(
        env.emu.request_counts(),
        vec![
            ("cloudwatch:GetMetricData".to_string(), 2),
            ("dynamodb:BatchGetItem".to_string(), 20),
            ("dynamodb:Query".to_string(), 1),
            ("sagemaker:ListEndpoints".to_string(), 1),
        ]
    );
    eprintln!("idle pass over {N} targets: {took:?}");
}

/// CloudWatch failing for good (throttled beyond the SDK's retries) changes nothing and is
/// reported for the target-tracking target, once per pass; the next pass reads again.
#[tokio::test(flavor = "multi_thread")]
async fn an_unreadable_metric_is_reported_and_changes_nothing() {
    let env = Env::new(&config(1, 20, &invocations_policy("")), 4).await;
    env.invocations(0, &[140.0; 16]).await;
    env.emu.inject_fault(
        "cloudwatch",
        "GetMetricData",
        sagescale_tests::FaultKind::Throttle,
        10,
    );
    let out = env.pass(pass_at(16)).await;
    assert_eq!(out.len(), 1, "{out:?}");
    assert_eq!(out[0].trigger, "target-tracking");
    assert!(
        out[0]
            .error
            .as_deref()
            .is_some_and(|e| e.contains("could not be read")),
        "{out:?}"
    );
    assert_eq!(env.desired(), 4);
    assert!(env.activities().await.is_empty());
    // Faults cleared: the next pass reads and scales out.
    env.emu.clear_faults();
    let out = env.pass(pass_at(16) + Duration::seconds(20)).await;
    assert!(scaled(&out, "target-tracking", 4, 8), "{out:?}");
}
