//! Inference components (`inference-component/NAME`,
//! `sagemaker:inference-component:DesiredCopyCount`) end to end, against the emulated AWS
//! through the real SDK clients: the alarm handler and the one-minute pass scale a component's
//! copies with DescribeInferenceComponent and UpdateInferenceComponentRuntimeConfig
//! (`tests/emulator/inference_components.py`), reading its metrics under the
//! `InferenceComponentName` dimension. Step scaling on an alarm, target tracking on
//! `SageMakerInferenceComponentInvocationsPerCopy`, and predictive scaling with that pair and
//! with a customized load metric.

mod support;

use chrono::{DateTime, Duration, TimeZone, Timelike, Utc};
use serde_json::json;

use sagescale_aws::alarm::AlarmHandler;
use sagescale_aws::metrics::CloudWatch;
use sagescale_aws::reconcile::{TargetOutcome, run_pass};
use sagescale_aws::sagemaker::SageMaker;
use sagescale_aws::scaler::{Outcome, Scaler};
use sagescale_aws::store::Store;
use sagescale_core::activity::{ScalingActivity, StatusCode};
use sagescale_core::state::TargetState;
use sagescale_tests::cloudwatch::put_metric_series;
use sagescale_tests::inference_component::ComponentState;
use sagescale_tests::{ACCOUNT_ID, Emulator, REGION};
use support::{apply, origin};

const TABLE: &str = "sagescale-ic-test";
const IC: &str = "ic";
const ENDPOINT: &str = "ic-endpoint";
const RID: &str = "inference-component/ic";
const UPDATE: &str = "UpdateInferenceComponentRuntimeConfig";
const HIGH: &str = "sagescale-ic-latency-high";
const LOW: &str = "sagescale-ic-latency-low";

struct Env {
    emu: Emulator,
    store: Store,
    scaler: Scaler<SageMaker>,
    cw: aws_sdk_cloudwatch::Client,
}

impl Env {
    /// An emulator with the table, component `ic` at `copies` copies on `ic-endpoint`, and
    /// `policies` applied to it (bounds `min..=max`); the pass reads CloudWatch.
    async fn new(min: i32, max: i32, copies: i32, policies: &str) -> Env {
        let emu = Emulator::start();
        let sdk = emu.sdk_config().await;
        let store = Store::new(aws_sdk_dynamodb::Client::new(&sdk), TABLE);
        store.create_table().await.expect("create table");
        emu.create_inference_component(IC, ENDPOINT, copies);
        apply(&store, &target(min, max, policies)).await;
        let cw = aws_sdk_cloudwatch::Client::new(&sdk);
        let scaler = Scaler::new(
            store.clone(),
            SageMaker::new(aws_sdk_sagemaker::Client::new(&sdk)),
        )
        .with_metrics(CloudWatch::new(cw.clone()));
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

    /// A CloudWatch alarm action for `alarm` in ALARM (threshold 500, `datapoints`).
    async fn fire(&self, alarm: &str, datapoints: &[f64], at: DateTime<Utc>) -> Outcome {
        let handler = AlarmHandler {
            scaler: &self.scaler,
            origin: origin(),
        };
        let ts = at.format("%Y-%m-%dT%H:%M:%S%.3f+0000").to_string();
        let event = sagescale_tests::events::alarm_action(alarm, "ALARM", 500.0, datapoints, &ts);
        let out = handler.handle(&event, at).await.expect("handled");
        assert_eq!(out.len(), 1, "one target bound to {alarm}: {out:?}");
        out.into_iter().next().unwrap().outcome
    }

    /// One-minute values of `name` under `dims` from `from` on.
    async fn put(
        &self,
        namespace: &str,
        name: &str,
        dims: &[(&str, &str)],
        from: DateTime<Utc>,
        values: &[f64],
    ) {
        put_metric_series(&self.cw, namespace, name, dims, from, 60, values)
            .await
            .expect("put metric data");
    }

    async fn state(&self) -> TargetState {
        sagescale_tests::target::target_state(&self.store, RID).await
    }

    async fn activities(&self) -> Vec<ScalingActivity> {
        self.store.activities(RID, 100).await.expect("activities")
    }

    fn component(&self) -> ComponentState {
        self.emu.inference_component_state(IC)
    }

    /// The copy counts UpdateInferenceComponentRuntimeConfig was asked for, with the answer's
    /// status, in order.
    fn updates(&self) -> Vec<(u16, i64)> {
        self.emu
            .requests_for("sagemaker", UPDATE)
            .iter()
            .map(|e| {
                let p = e.params.as_ref().expect("params logged");
                assert_eq!(p["InferenceComponentName"], IC, "{p}");
                let copies = p["DesiredRuntimeConfig"]["CopyCount"].as_i64();
                (e.status, copies.expect("CopyCount"))
            })
            .collect()
    }

    /// Checks that exactly one update set `copies`, the component serves them, and one
    /// activity records it as Successful; returns that activity.
    async fn one_successful_update(&self, copies: i64) -> ScalingActivity {
        assert_eq!(self.updates(), [(200, copies)]);
        assert_eq!(self.component(), in_service(copies));
        let mut acts = self.activities().await;
        assert_eq!(acts.len(), 1, "{acts:?}");
        assert_eq!(acts[0].status_code, StatusCode::Successful);
        assert_eq!(
            acts[0].description,
            format!("Setting desired copy count to {copies}.")
        );
        acts.remove(0)
    }

    fn metric_reads(&self) -> usize {
        self.emu.requests_for("cloudwatch", "GetMetricData").len()
    }
}

/// The configuration of the one target, component `ic`.
fn target(min: i32, max: i32, policies: &str) -> String {
    format!(
        r#"
ScalableTargets:
  - ServiceNamespace: sagemaker
    ResourceId: {RID}
    ScalableDimension: sagemaker:inference-component:DesiredCopyCount
    MinCapacity: {min}
    MaxCapacity: {max}
    ScalingPolicies:
{policies}"#
    )
}

fn scaled(out: &[TargetOutcome], trigger: &str, from: i32, to: i32) -> bool {
    out.len() == 1
        && out[0].resource_id == RID
        && out[0].trigger == trigger
        && matches!(
            out[0].outcome,
            Some(Outcome::Scaled { previous, desired, .. }) if previous == from && desired == to
        )
}

fn in_service(copies: i64) -> ComponentState {
    ComponentState {
        desired_copy_count: copies,
        current_copy_count: copies,
        status: "InService".into(),
    }
}

// ---- Step scaling on an alarm ----

/// Scale-out steps on `HIGH` (breach [0, 100): +2, [100, inf): +3, cooldown 300 s) and a
/// scale-in step on `LOW` (-1, no cooldown).
const STEPS: &str = r#"      - PolicyName: latency-out
        PolicyType: StepScaling
        Alarms: [sagescale-ic-latency-high]
        StepScalingPolicyConfiguration:
          AdjustmentType: ChangeInCapacity
          Cooldown: 300
          StepAdjustments:
            - {MetricIntervalLowerBound: 0, MetricIntervalUpperBound: 100, ScalingAdjustment: 2}
            - {MetricIntervalLowerBound: 100, ScalingAdjustment: 3}
      - PolicyName: latency-in
        PolicyType: StepScaling
        Alarms: [sagescale-ic-latency-low]
        StepScalingPolicyConfiguration:
          AdjustmentType: ChangeInCapacity
          Cooldown: 0
          StepAdjustments:
            - {MetricIntervalUpperBound: 0, ScalingAdjustment: -1}
"#;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 27, 18, 2, 0).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_alarm_scales_the_copies_with_one_update_and_a_successful_activity() {
    let env = Env::new(1, 8, 2, STEPS).await;
    // breach = avg(640, 660) - 500 = 150 -> the [100, inf) step: +3.
    let out = env.fire(HIGH, &[640.0, 660.0], t0()).await;
    assert!(
        matches!(
            out,
            Outcome::Scaled {
                previous: 2,
                desired: 5,
                ..
            }
        ),
        "{out:?}"
    );
    let act = env.one_successful_update(5).await;
    assert_eq!(
        act.cause,
        format!("monitor alarm {HIGH} in state ALARM triggered policy latency-out")
    );
    let s = env.state().await;
    assert!(s.pending.is_none(), "{:?}", s.pending);
    assert_eq!(
        s.cooldown.scale_out.unwrap().until,
        t0() + Duration::seconds(300)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_updating_component_defers_the_decision_until_the_pass_finds_it_in_service() {
    let env = Env::new(1, 8, 2, STEPS).await;
    // The first scale-out keeps the component Updating for an hour.
    env.emu.set_inference_component_update_delay(IC, 3600.0);
    let out = env.fire(HIGH, &[550.0], t0()).await;
    assert!(matches!(out, Outcome::Scaled { desired: 4, .. }), "{out:?}");
    let c = env.component();
    assert_eq!((c.desired_copy_count, c.current_copy_count), (4, 2));
    assert_eq!(c.status, "Updating");

    // A scale-in meanwhile is decided from the desired count (4 -> 3) and waits: no call is
    // made to a component that would refuse it.
    let out = env.fire(LOW, &[100.0], t0() + Duration::seconds(30)).await;
    assert!(matches!(out, Outcome::Deferred { .. }), "{out:?}");
    let p = env.state().await.pending.expect("deferred change kept");
    assert!(p.deferred);
    assert_eq!(p.desired, 3);
    assert_eq!(env.updates(), [(200, 4)]);
    let acts = env.activities().await;
    assert_eq!(acts[0].status_code, StatusCode::Pending);
    assert_eq!(acts[0].description, "Setting desired copy count to 3.");

    // Still Updating at the next pass: nothing is called.
    assert!(env.pass(t0() + Duration::seconds(60)).await.is_empty());
    assert_eq!(env.updates().len(), 1);

    // Once InService, the pass applies the deferred change exactly once.
    env.emu.complete_inference_component_update(IC);
    env.emu.set_inference_component_update_delay(IC, 0.0);
    let out = env.pass(t0() + Duration::seconds(120)).await;
    assert_eq!(out.len(), 1, "{out:?}");
    assert_eq!(env.updates(), [(200, 4), (200, 3)]);
    assert_eq!(env.component(), in_service(3));
    assert!(env.state().await.pending.is_none());
    let acts = env.activities().await;
    assert_eq!(acts[0].status_code, StatusCode::Successful, "{acts:?}");
    assert_eq!(acts[0].description, "Setting desired copy count to 3.");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_update_refused_as_in_progress_is_deferred_like_a_busy_endpoint() {
    let env = Env::new(1, 8, 2, STEPS).await;
    // DescribeInferenceComponent says InService, but another writer's update starts before
    // ours lands: SageMaker refuses it with the component's in-progress state.
    let refusal = format!(
        "Cannot update inference component \"arn:aws:sagemaker:{REGION}:{ACCOUNT_ID}:\
         inference-component/{IC}\" while it is in state UPDATE_RC_IN_PROGRESS."
    );
    env.emu
        .control(
            "POST",
            "faults",
            Some(
                &json!({"service": "sagemaker", "operation": UPDATE, "kind": "throttle",
                "code": "ValidationException", "message": refusal, "count": 1}),
            ),
        )
        .expect("fault");
    let out = env.fire(HIGH, &[550.0], t0()).await;
    assert!(matches!(out, Outcome::Deferred { .. }), "{out:?}");
    let s = env.state().await;
    let p = s.pending.expect("kept for the reconcile pass");
    assert!(p.deferred);
    assert_eq!(p.desired, 4);
    assert_eq!(s.cooldown, Default::default(), "cooldown not spent");
    assert_eq!(env.activities().await[0].status_code, StatusCode::Pending);

    let out = env.pass(t0() + Duration::seconds(60)).await;
    assert_eq!(out.len(), 1, "{out:?}");
    assert_eq!(env.updates(), [(400, 4), (200, 4)]);
    assert_eq!(env.component(), in_service(4));
    assert_eq!(
        env.activities().await[0].status_code,
        StatusCode::Successful
    );
}

// ---- Target tracking on SageMakerInferenceComponentInvocationsPerCopy ----

#[tokio::test(flavor = "multi_thread")]
async fn target_tracking_reads_invocations_per_copy_of_the_component_and_scales_its_copies() {
    let policy = r#"      - PolicyName: per-copy
        PolicyType: TargetTrackingScaling
        TargetTrackingScalingPolicyConfiguration:
          TargetValue: 100
          PredefinedMetricSpecification: {PredefinedMetricType: SageMakerInferenceComponentInvocationsPerCopy}
"#;
    let env = Env::new(1, 20, 2, policy).await;
    let start = Utc.with_ymd_and_hms(2026, 11, 27, 18, 0, 0).unwrap();
    let pass_at = |k: i64| start + Duration::minutes(k) + Duration::seconds(5);
    // The component: 13 minutes at target, then 3 at 300. Another component of the same
    // endpoint, and the endpoint's variant, stay low: only the InferenceComponentName series
    // of `ic` may drive the decision.
    let mut v = vec![100.0; 13];
    v.extend([300.0; 3]);
    let ic = [("InferenceComponentName", IC)];
    env.put("AWS/SageMaker", "InvocationsPerCopy", &ic, start, &v)
        .await;
    let other = [("InferenceComponentName", "ic-other")];
    env.put(
        "AWS/SageMaker",
        "InvocationsPerCopy",
        &other,
        start,
        &[5.0; 16],
    )
    .await;
    let variant = [("EndpointName", ENDPOINT), ("VariantName", "AllTraffic")];
    env.put(
        "AWS/SageMaker",
        "InvocationsPerInstance",
        &variant,
        start,
        &[5.0; 16],
    )
    .await;

    // Two complete minutes above target: nothing yet.
    assert!(env.pass(pass_at(15)).await.is_empty());
    assert_eq!(env.component(), in_service(2));
    // Three of three: ceil(2 x 300 / 100) = 6 copies.
    let out = env.pass(pass_at(16)).await;
    assert!(scaled(&out, "target-tracking", 2, 6), "{out:?}");
    let act = env.one_successful_update(6).await;
    assert_eq!(
        act.cause,
        "target tracking policy per-copy: metric 300.00 against target 100.00"
    );
}

// ---- Predictive scaling ----

/// The history starts on Monday 2026-11-23 00:00 UTC; passes run on 2026-12-07 (day 14).
fn history_start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 0, 0, 0).unwrap()
}

/// `h:m:05` on day 14.
fn day14(h: u32, m: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 7, h, m, 5).unwrap()
}

/// Invocations a minute: 800 from 14:00 to 14:30 every day, 50 otherwise.
fn daily_burst(t: DateTime<Utc>) -> f64 {
    if t.hour() == 14 && t.minute() < 30 {
        800.0
    } else {
        50.0
    }
}

/// Two weeks of one-minute values of `daily_burst` (times `share`) up to 13:00 on day 14.
fn two_weeks(share: f64) -> Vec<f64> {
    let n = (day14(13, 0) - history_start()).num_minutes();
    (0..n)
        .map(|i| share * daily_burst(history_start() + Duration::minutes(i)))
        .collect()
}

/// A ForecastAndScale policy `forecast` (TargetValue 100 invocations per copy per minute,
/// 5-minute intervals, SchedulingBufferTime 300) with `metrics` as its metric specification.
fn predictive(metrics: &str) -> String {
    format!(
        r#"      - PolicyName: forecast
        PolicyType: PredictiveScaling
        PredictiveScalingPolicyConfiguration:
          Mode: ForecastAndScale
          SchedulingBufferTime: 300
          MetricSpecifications:
            - TargetValue: 100
{metrics}
        PredictiveScalingForecast: {{JitterMinutes: 0}}
"#
    )
}

/// The forecast is made at 13:00 from one read; at 13:54 the buffer still ends before the
/// burst; at 13:55 the 14:00 interval's capacity, 800 / 100 = 8 copies, is applied as a floor
/// with one update; later passes in the burst change nothing.
async fn check_floor_before_the_burst(env: &Env) {
    assert!(env.pass(day14(13, 0)).await.is_empty());
    assert_eq!(env.metric_reads(), 1);
    let state = env.state().await;
    let f = state.forecasts["forecast"]
        .forecast
        .as_ref()
        .expect("forecast made");
    assert_eq!(f.days_used, 14);
    assert_eq!(f.capacity.capacity_at(day14(14, 0)), Some(8));
    assert_eq!(f.capacity.capacity_at(day14(13, 55)), Some(1));

    assert!(env.pass(day14(13, 54)).await.is_empty());
    assert_eq!(env.component(), in_service(1));
    let out = env.pass(day14(13, 55)).await;
    assert!(scaled(&out, "predictive", 1, 8), "{out:?}");
    let act = env.one_successful_update(8).await;
    assert_eq!(
        act.cause,
        "predictive scaling policy forecast forecast capacity 8 for the interval from \
         2026-12-07T14:00Z"
    );
    for m in [56, 57] {
        assert!(env.pass(day14(13, m)).await.is_empty(), "13:{m}");
    }
    assert_eq!(env.updates().len(), 1);
    assert_eq!(
        env.metric_reads(),
        1,
        "the floor comes from the stored forecast"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn predictive_pair_invocations_per_copy_learns_the_component_invocations_and_applies_the_floor()
 {
    let pair = r#"              PredefinedMetricPairSpecification:
                PredefinedMetricType: SageMakerInferenceComponentInvocationsPerCopy"#;
    let env = Env::new(1, 20, 1, &predictive(pair)).await;
    // The load metric: the component's Invocations. The endpoint's variant carries ten times
    // the load under its own dimensions; it must not be what is learnt.
    let ic = [("InferenceComponentName", IC)];
    env.put(
        "AWS/SageMaker",
        "Invocations",
        &ic,
        history_start(),
        &two_weeks(1.0),
    )
    .await;
    let variant = [("EndpointName", ENDPOINT), ("VariantName", "AllTraffic")];
    env.put(
        "AWS/SageMaker",
        "Invocations",
        &variant,
        history_start(),
        &two_weeks(10.0),
    )
    .await;
    check_floor_before_the_burst(&env).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn predictive_customized_load_metric_queries_apply_the_floor_from_their_sum() {
    // Load: the sum of two zones' Requests in a custom namespace (metric math); scaling: the
    // component's invocations per copy.
    let metrics = r#"              CustomizedLoadMetricSpecification:
                MetricDataQueries:
                  - Id: zone_a
                    MetricStat:
                      Metric:
                        Namespace: Custom/Serving
                        MetricName: Requests
                        Dimensions: [{Name: Component, Value: ic}, {Name: Zone, Value: a}]
                      Stat: Sum
                    ReturnData: false
                  - Id: zone_b
                    MetricStat:
                      Metric:
                        Namespace: Custom/Serving
                        MetricName: Requests
                        Dimensions: [{Name: Component, Value: ic}, {Name: Zone, Value: b}]
                      Stat: Sum
                    ReturnData: false
                  - Id: load
                    Expression: zone_a + zone_b
                    ReturnData: true
              PredefinedScalingMetricSpecification:
                PredefinedMetricType: SageMakerInferenceComponentInvocationsPerCopy"#;
    let env = Env::new(1, 20, 1, &predictive(metrics)).await;
    // A quarter of the load in zone a, three quarters in zone b: only their sum is 800 in the
    // burst. The component's own Invocations (a tenth) must not be what is learnt.
    for (zone, share) in [("a", 0.25), ("b", 0.75)] {
        let dims = [("Component", IC), ("Zone", zone)];
        env.put(
            "Custom/Serving",
            "Requests",
            &dims,
            history_start(),
            &two_weeks(share),
        )
        .await;
    }
    let ic = [("InferenceComponentName", IC)];
    env.put(
        "AWS/SageMaker",
        "Invocations",
        &ic,
        history_start(),
        &two_weeks(0.1),
    )
    .await;
    check_floor_before_the_burst(&env).await;
}
