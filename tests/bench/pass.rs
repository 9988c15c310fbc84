//! `make bench-pass`: the one-minute pass over 1, 100 and 1,000 targets, in-process against
//! the emulator, next to the per-target read loop it replaced, measured in the same run.
//!
//! Every target has one target-tracking policy (`InvocationsPerInstance`, target 70) and its
//! metric sits at 70 for the policy's whole window (15 one-minute datapoints): neither alarm
//! holds, so nothing scales and the pass is its reads. What is timed:
//!
//! - **pass**: `sagescale_aws::reconcile::run_pass` with a `Scaler` reading CloudWatch
//!   (`with_metrics(CloudWatch::new(..))`): one Query lists the targets, BatchGetItem loads
//!   them 50 at a time, one GetMetricData per 500 metric queries, then each target is decided
//!   (here: nothing to do, no SageMaker call).
//! - **baseline**: the read loop of the pass before batching, `Store::list_targets` then
//!   `Store::load(rid)` for one target after another (one Query each). It reads no metric and
//!   decides nothing, so it is a lower bound for the old pass with target tracking.
//!
//! Wall time is the median of several passes on a warm client; AWS calls are counted by
//! operation from the emulator's request log. The emulator (moto, Python) answers every
//! call, so the figures are round trips to a local server, not AWS latency. Nothing is
//! asserted about time; the pass must decide nothing (else the figures would measure
//! something else).

use std::time::Instant;

use chrono::{DateTime, Duration, DurationRound, Utc};

use sagescale_aws::metrics::CloudWatch;
use sagescale_aws::reconcile::run_pass;
use sagescale_aws::sagemaker::SageMaker;
use sagescale_aws::scaler::Scaler;
use sagescale_aws::store::Store;
use sagescale_core::validate::{Format, validate_str};
use sagescale_tests::Emulator;
use sagescale_tests::cloudwatch::put_metric_series;

const TABLE: &str = "sagescale-bench-pass";
const SIZES: [usize; 3] = [1, 100, 1000];
const TARGET_VALUE: f64 = 70.0;

fn config(endpoint: &str) -> String {
    format!(
        r#"
ScalableTargets:
  - ServiceNamespace: sagemaker
    ResourceId: endpoint/{endpoint}/variant/AllTraffic
    ScalableDimension: sagemaker:variant:DesiredInstanceCount
    MinCapacity: 2
    MaxCapacity: 10
    ScalingPolicies:
      - PolicyName: invocations-target
        PolicyType: TargetTrackingScaling
        TargetTrackingScalingPolicyConfiguration:
          TargetValue: {TARGET_VALUE}
          PredefinedMetricSpecification: {{PredefinedMetricType: SageMakerVariantInvocationsPerInstance}}
"#
    )
}

struct Measured {
    ms: f64,
    calls: Vec<(String, usize)>,
}

impl Measured {
    fn total(&self) -> usize {
        self.calls.iter().map(|(_, n)| n).sum()
    }

    fn detail(&self) -> String {
        self.calls
            .iter()
            .map(|(k, n)| format!("{} {n}", k.split_once(':').map_or(k.as_str(), |(_, op)| op)))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    match v.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

/// Runs `f` `runs` times after one warm-up; median wall time, calls of the last run.
fn measure<F, Fut>(emu: &Emulator, rt: &tokio::runtime::Runtime, runs: usize, f: F) -> Measured
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    rt.block_on(f());
    let mut times = Vec::with_capacity(runs);
    let mut calls = Vec::new();
    for _ in 0..runs {
        emu.clear_requests();
        let started = Instant::now();
        rt.block_on(f());
        times.push(started.elapsed().as_secs_f64() * 1e3);
        calls = emu.request_counts();
    }
    Measured {
        ms: median(times),
        calls,
    }
}

/// Configures `n` targets with their metric at target for the 15 minutes before `now`.
fn set_up(emu: &Emulator, rt: &tokio::runtime::Runtime, n: usize, now: DateTime<Utc>) -> Store {
    emu.reset();
    rt.block_on(async {
        let sdk = emu.sdk_config().await;
        let store = Store::new(aws_sdk_dynamodb::Client::new(&sdk), TABLE);
        store.create_table().await.expect("create table");
        let cw = aws_sdk_cloudwatch::Client::new(&sdk);
        let minute = now.duration_trunc(Duration::minutes(1)).unwrap();
        let start = minute - Duration::minutes(15);
        for i in 0..n {
            let endpoint = format!("bench-pass-{i:04}");
            let doc = validate_str(&config(&endpoint), Format::Yaml)
                .document
                .expect("bench configuration is valid");
            for t in &doc.scalable_targets {
                store
                    .put_config(t, &[], now - Duration::hours(1))
                    .await
                    .expect("put config");
            }
            let dims = [
                ("EndpointName", endpoint.as_str()),
                ("VariantName", "AllTraffic"),
            ];
            put_metric_series(
                &cw,
                "AWS/SageMaker",
                "InvocationsPerInstance",
                &dims,
                start,
                60,
                &[TARGET_VALUE; 15],
            )
            .await
            .expect("put metric data");
        }
        store
    })
}

/// Prints the table; `runs` passes per size (fewer at 1,000 targets).
pub fn run() {
    println!(
        "one-minute pass, in-process against the emulator: target tracking with its metric at target (nothing scales)"
    );
    println!(
        "pass = run_pass (Query + BatchGetItem per 50 targets + GetMetricData per 500 queries);\nbaseline = list_targets + load(rid) per target, one after another (reads only)\n"
    );
    println!(
        "{:>7}  {:<9} {:>10} {:>12} {:>7}  {:<44} {:>15}",
        "targets",
        "read path",
        "wall ms",
        "ms / target",
        "calls",
        "by operation",
        "baseline / pass"
    );
    let emu = Emulator::start();
    let rt = tokio::runtime::Runtime::new().unwrap();
    for n in SIZES {
        let now = Utc::now();
        let store = set_up(&emu, &rt, n, now);
        let (scaler, sdk) = rt.block_on(async {
            let sdk = emu.sdk_config().await;
            let scaler = Scaler::new(
                store.clone(),
                SageMaker::new(aws_sdk_sagemaker::Client::new(&sdk)),
            )
            .with_metrics(CloudWatch::new(aws_sdk_cloudwatch::Client::new(&sdk)));
            (scaler, sdk)
        });
        drop(sdk);
        let runs = if n >= 1000 { 3 } else { 7 };
        let pass = measure(&emu, &rt, runs, || async {
            let outcomes = run_pass(&scaler, now).await.expect("pass");
            assert!(
                outcomes.is_empty(),
                "the benchmark's pass must decide nothing: {outcomes:?}"
            );
        });
        let baseline = measure(&emu, &rt, runs, || async {
            let ids = store.list_targets().await.expect("list targets");
            assert_eq!(ids.len(), n);
            for rid in &ids {
                store.load(rid).await.expect("load").expect("configured");
            }
        });
        for (label, m, ratio) in [
            ("pass", &pass, format!("{:.2}x", baseline.ms / pass.ms)),
            ("baseline", &baseline, String::new()),
        ] {
            println!(
                "{:>7}  {:<9} {:>10.1} {:>12.2} {:>7}  {:<44} {:>15}",
                n,
                label,
                m.ms,
                m.ms / n as f64,
                m.total(),
                m.detail(),
                ratio
            );
        }
    }
    println!(
        "\nwall: median of 7 runs (3 at 1,000 targets) after a warm-up; calls: emulator request log of one run"
    );
}
