//! Predictive scaling live in the one-minute pass, against the emulated AWS through the real SDK
//! clients: two weeks of one-minute `Invocations` written with PutMetricData (a daily burst of
//! 1,000 a minute from 10:00 to 10:20 over 100 a minute), read back by the pass's batched
//! GetMetricData, forecast, stored in the target's state and applied. Every pass is given an
//! explicit `now` on 2026-12-07 (day 14 of the history).

use chrono::{DateTime, Duration, TimeZone, Timelike, Utc};

use sagescale_aws::alarm::AlarmHandler;
use sagescale_aws::metrics::CloudWatch;
use sagescale_aws::reconcile::{TargetOutcome, run_pass};
use sagescale_aws::sagemaker::SageMaker;
use sagescale_aws::scaler::{Outcome, Scaler};
use sagescale_aws::store::Store;
use sagescale_core::activity::{NotScaledCode, ScalingActivity};
use sagescale_core::model::ScalableTarget;
use sagescale_core::state::TargetState;
use sagescale_core::validate::{Format, validate_str};
use sagescale_tests::cloudwatch::put_metric_series;
use sagescale_tests::{ACCOUNT_ID, Emulator, REGION};

const TABLE: &str = "sagescale-predictive-test";
const VARIANT: &str = "AllTraffic";
const LOW_ALARM: &str = "sagescale-pred-low";

fn rid(endpoint: &str) -> String {
    format!("endpoint/{endpoint}/variant/{VARIANT}")
}

/// The history starts on Monday 2026-11-23 00:00 UTC.
fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 0, 0, 0).unwrap()
}

/// `h:m:05` on 2026-12-07, day 14: a pass 5 s into the minute.
fn at(h: u32, m: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 7, h, m, 5).unwrap()
}

/// Invocations per minute: 1,000 from 10:00 to 10:20 every day, 100 otherwise.
fn load_at(t: DateTime<Utc>) -> f64 {
    let m = t.hour() * 60 + t.minute();
    if (600..620).contains(&m) {
        1000.0
    } else {
        100.0
    }
}

struct Env {
    emu: Emulator,
    store: Store,
    scaler: Scaler<SageMaker>,
    cw: aws_sdk_cloudwatch::Client,
}

impl Env {
    /// An emulator with the table, each endpoint at one instance, and `yaml` applied.
    async fn new(yaml: &str, endpoints: &[&str]) -> Env {
        let emu = Emulator::start();
        let sdk = emu.sdk_config().await;
        let store = Store::new(aws_sdk_dynamodb::Client::new(&sdk), TABLE);
        store.create_table().await.expect("create table");
        for e in endpoints {
            emu.create_endpoint(e, VARIANT, 1);
        }
        let cw = aws_sdk_cloudwatch::Client::new(&sdk);
        let scaler = Scaler::new(
            store.clone(),
            SageMaker::new(aws_sdk_sagemaker::Client::new(&sdk)),
        )
        .with_metrics(CloudWatch::new(cw.clone()));
        let report = validate_str(yaml, Format::Yaml);
        let problems: Vec<String> = report.errors().map(|p| p.to_string()).collect();
        let targets: Vec<ScalableTarget> = report
            .document
            .unwrap_or_else(|| panic!("test configuration invalid: {problems:?}"))
            .scalable_targets;
        for t in &targets {
            store.put_config(t, &[], t0()).await.expect("put config");
        }
        Env {
            emu,
            store,
            scaler,
            cw,
        }
    }

    /// The variant's one-minute Invocations from `from` to 09:00 on day 14.
    async fn history(&self, endpoint: &str, from: DateTime<Utc>) {
        let end = at(9, 0) - Duration::seconds(5);
        let n = (end - from).num_minutes();
        let values: Vec<f64> = (0..n)
            .map(|i| load_at(from + Duration::minutes(i)))
            .collect();
        let dims = [("EndpointName", endpoint), ("VariantName", VARIANT)];
        put_metric_series(
            &self.cw,
            "AWS/SageMaker",
            "Invocations",
            &dims,
            from,
            60,
            &values,
        )
        .await
        .expect("put metric data");
    }

    async fn pass(&self, now: DateTime<Utc>) -> Vec<TargetOutcome> {
        run_pass(&self.scaler, now).await.expect("pass")
    }

    async fn state(&self, endpoint: &str) -> TargetState {
        sagescale_tests::target::target_state(&self.store, &rid(endpoint)).await
    }

    async fn activities(&self, endpoint: &str) -> Vec<ScalingActivity> {
        self.store
            .activities(&rid(endpoint), 100)
            .await
            .expect("activities")
    }

    fn desired(&self, endpoint: &str) -> i64 {
        self.emu.describe_variant(endpoint, VARIANT).0
    }

    fn count(&self, service: &str, op: &str) -> usize {
        self.emu.requests_for(service, op).len()
    }

    fn metric_reads(&self) -> usize {
        self.count("cloudwatch", "GetMetricData")
    }

    fn updates(&self) -> usize {
        self.count("sagemaker", "UpdateEndpointWeightsAndCapacities")
    }
}

/// A target on `endpoint` with a predictive policy `burst` (TargetValue 100 invocations per
/// instance per minute, 5-minute intervals, no jitter, SchedulingBufferTime 300) and a step
/// scale-in policy on `LOW_ALARM`; `predictive` adds keys to its configuration.
fn target(endpoint: &str, max: i32, predictive: &str) -> String {
    format!(
        r#"
  - ServiceNamespace: sagemaker
    ResourceId: {rid}
    ScalableDimension: sagemaker:variant:DesiredInstanceCount
    MinCapacity: 1
    MaxCapacity: {max}
    ScalingPolicies:
      - PolicyName: burst
        PolicyType: PredictiveScaling
        PredictiveScalingPolicyConfiguration:
          SchedulingBufferTime: 300
          MetricSpecifications:
            - TargetValue: 100
              PredefinedMetricPairSpecification:
                PredefinedMetricType: SageMakerVariantInvocationsPerInstance
{predictive}
        PredictiveScalingForecast: {{JitterMinutes: 0}}
      - PolicyName: in
        PolicyType: StepScaling
        Alarms: [{LOW_ALARM}]
        StepScalingPolicyConfiguration:
          AdjustmentType: ChangeInCapacity
          Cooldown: 0
          StepAdjustments:
            - {{MetricIntervalUpperBound: 0, ScalingAdjustment: -1}}
"#,
        rid = rid(endpoint)
    )
}

fn document(targets: &[String]) -> String {
    format!("ScalableTargets:{}", targets.concat())
}

const SCALE: &str = "          Mode: ForecastAndScale";

fn scaled(out: &[TargetOutcome], from: i32, to: i32) -> bool {
    out.len() == 1
        && out[0].trigger == "predictive"
        && matches!(
            out[0].outcome,
            Some(Outcome::Scaled { previous, desired, .. }) if previous == from && desired == to
        )
}

async fn low_alarm(env: &Env, now: DateTime<Utc>) -> Vec<Outcome> {
    let handler = AlarmHandler {
        scaler: &env.scaler,
        origin: sagescale_aws::events::Origin {
            account: ACCOUNT_ID.to_string(),
            region: REGION.to_string(),
            alarm_prefix: None,
        },
    };
    let ts = now.format("%Y-%m-%dT%H:%M:%S%.3f+0000").to_string();
    let event = sagescale_tests::events::alarm_action(LOW_ALARM, "ALARM", 100.0, &[50.0], &ts);
    handler
        .handle(&event, now)
        .await
        .expect("alarm handled")
        .into_iter()
        .map(|o| o.outcome)
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn forecast_and_scale_raises_capacity_scheduling_buffer_time_ahead_of_the_burst() {
    let env = Env::new(&document(&[target("ep", 20, SCALE)]), &["ep"]).await;
    env.history("ep", t0()).await;

    // 09:00: the forecast is made from 14 days read in one GetMetricData call; the floor is 1.
    let out = env.pass(at(9, 0)).await;
    assert!(out.is_empty(), "{out:?}");
    assert_eq!(env.metric_reads(), 1);
    let state = env.state("ep").await;
    let f = state.forecasts["burst"]
        .forecast
        .as_ref()
        .expect("forecast made");
    assert_eq!(f.made_at, at(9, 0));
    assert_eq!(f.days_used, 14);
    assert_eq!(f.capacity.interval_seconds, 300);
    assert_eq!(f.capacity.capacity_at(at(10, 0)), Some(10));
    assert_eq!(f.capacity.capacity_at(at(9, 55)), Some(1));
    assert_eq!(f.load_at(at(10, 10)), Some(1000.0));
    let item = serde_json::to_string(&state).unwrap().len();
    let own = serde_json::to_string(&state.forecasts["burst"])
        .unwrap()
        .len();
    println!(
        "state item {item} bytes, of which the forecast {own} ({} intervals)",
        f.capacity.capacity.len()
    );
    assert!(item < 8 * 1024, "state item {item} bytes");

    // 09:54: the buffer reaches 09:59, before the burst: nothing, and no CloudWatch call.
    let out = env.pass(at(9, 54)).await;
    assert!(out.is_empty(), "{out:?}");
    assert_eq!(env.metric_reads(), 1);
    assert_eq!(env.desired("ep"), 1);

    // 09:55: the buffer reaches the 10:00 interval: capacity for the burst, now.
    let out = env.pass(at(9, 55)).await;
    assert!(scaled(&out, 1, 10), "{out:?}");
    assert_eq!(env.desired("ep"), 10);
    assert_eq!(env.updates(), 1);
    assert_eq!(
        env.metric_reads(),
        1,
        "the floor comes from the stored forecast"
    );
    let acts = env.activities("ep").await;
    assert_eq!(acts.len(), 1, "{acts:?}");
    assert_eq!(acts[0].description, "Setting desired instance count to 10.");
    assert_eq!(
        acts[0].cause,
        "predictive scaling policy burst forecast capacity 10 for the interval from \
         2026-12-07T10:00Z"
    );

    // Later passes in the burst change nothing and call nothing more.
    for m in [56, 57] {
        let out = env.pass(at(9, m)).await;
        assert!(out.is_empty(), "09:{m}: {out:?}");
    }
    assert_eq!(env.updates(), 1);
    assert_eq!(env.metric_reads(), 1);

    // The alarm function sees the floor too: a scale-in step during the burst is held.
    let out = low_alarm(&env, at(10, 5)).await;
    assert!(
        matches!(out[..], [Outcome::NotScaled { previous: 10, .. }]),
        "{out:?}"
    );
    assert_eq!(env.desired("ep"), 10);
    let held = &env.activities("ep").await[0];
    assert_eq!(
        held.not_scaled_reasons[0].code,
        NotScaledCode::AlreadyAtMinCapacity
    );
    assert_eq!(held.not_scaled_reasons[0].min_capacity, Some(10));
}

#[tokio::test(flavor = "multi_thread")]
async fn forecast_only_changes_nothing_and_records_once_per_interval() {
    let env = Env::new(&document(&[target("ep", 20, "")]), &["ep"]).await;
    env.history("ep", t0()).await;
    assert!(env.pass(at(9, 0)).await.is_empty());
    assert!(env.state("ep").await.forecasts["burst"].forecast.is_some());

    let out = env.pass(at(9, 55)).await;
    assert_eq!(out.len(), 1, "{out:?}");
    assert!(
        matches!(out[0].outcome, Some(Outcome::NotScaled { previous: 1, .. })),
        "{out:?}"
    );
    // Same interval (10:00) at 09:56 and 10:00: not recorded again.
    assert!(env.pass(at(9, 56)).await.is_empty());
    assert!(env.pass(at(10, 0)).await.is_empty());
    let acts = env.activities("ep").await;
    assert_eq!(acts.len(), 1, "{acts:?}");
    assert_eq!(
        acts[0].description,
        "ForecastOnly: would set desired instance count to 10."
    );
    assert!(acts[0].cause.contains("policy burst forecast capacity 10"));
    assert_eq!(env.desired("ep"), 1);
    assert_eq!(env.updates(), 0);
    // The alarm function's decisions see no floor from a ForecastOnly policy.
    let out = low_alarm(&env, at(10, 1)).await;
    assert!(
        matches!(out[..], [Outcome::NotScaled { previous: 1, .. }]),
        "{out:?}"
    );
    assert_eq!(
        env.activities("ep").await[0].not_scaled_reasons[0].min_capacity,
        Some(1)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn less_than_a_day_of_history_records_insufficient_data_once_and_applies_no_floor() {
    let env = Env::new(&document(&[target("ep", 20, SCALE)]), &["ep"]).await;
    // 12 hours, from 21:00 on day 13: the 10:00 burst is not in it anyway.
    env.history("ep", at(9, 0) - Duration::hours(12) - Duration::seconds(5))
        .await;
    let out = env.pass(at(9, 0)).await;
    assert_eq!(out.len(), 1, "{out:?}");
    assert!(matches!(
        out[0].outcome,
        Some(Outcome::NotScaled { previous: 1, .. })
    ));
    let entry = env.state("ep").await.forecasts["burst"].clone();
    assert!(entry.forecast.is_none());
    let short = entry.insufficient.expect("episode");
    assert_eq!((short.since, short.have_seconds), (at(9, 0), 12 * 3600));
    // Not read again before a refresh interval (24 h are 12 h away).
    assert_eq!(entry.next_check, at(10, 0));
    assert!(env.pass(at(9, 55)).await.is_empty());
    assert_eq!(env.metric_reads(), 1);
    // Read again at 10:00, still short: the episode goes on, not recorded again.
    assert!(env.pass(at(10, 0)).await.is_empty());
    assert_eq!(env.metric_reads(), 2);
    let acts = env.activities("ep").await;
    assert_eq!(acts.len(), 1, "{acts:?}");
    assert_eq!(
        acts[0].not_scaled_reasons[0].code,
        NotScaledCode::NoDatapoints
    );
    assert!(
        acts[0]
            .status_message
            .as_deref()
            .unwrap()
            .contains("12.0 hours"),
        "{acts:?}"
    );
    assert_eq!(env.desired("ep"), 1);
    assert_eq!(env.updates(), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn honor_max_capacity_caps_the_floor_and_increase_max_capacity_goes_above_it() {
    let increase = format!(
        "{SCALE}\n          MaxCapacityBreachBehavior: IncreaseMaxCapacity\n          MaxCapacityBuffer: 10"
    );
    let doc = document(&[target("honor", 5, SCALE), target("increase", 5, &increase)]);
    let env = Env::new(&doc, &["honor", "increase"]).await;
    env.history("honor", t0()).await;
    env.history("increase", t0()).await;
    assert!(env.pass(at(9, 0)).await.is_empty());
    // Both targets' histories in one call (two of five 14-day histories a call).
    assert_eq!(env.metric_reads(), 1);

    let mut out = env.pass(at(9, 55)).await;
    out.sort_by(|a, b| a.resource_id.cmp(&b.resource_id));
    assert_eq!(out.len(), 2, "{out:?}");
    assert!(scaled(&out[..1], 1, 5), "honor: {out:?}");
    assert!(scaled(&out[1..], 1, 10), "increase: {out:?}");
    assert_eq!(env.desired("honor"), 5);
    assert_eq!(env.desired("increase"), 10);
    // The configured maximum stays the document's.
    let s = env.state("increase").await;
    assert!(s.bounds.is_none_or(|b| b.max == 5), "{:?}", s.bounds);
}
