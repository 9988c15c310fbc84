//! `sagescale forecast` and the predictive lines of `status`: the built binary against the
//! emulator, after the pass made a forecast from two weeks of one-minute `Invocations` (a daily
//! burst of 1,000 a minute from 10:00 to 10:20 over 100 a minute).

use std::process::Command;

use chrono::{DateTime, Duration, TimeZone, Timelike, Utc};
use serde_json::Value;

use sagescale_aws::metrics::CloudWatch;
use sagescale_aws::reconcile::run_pass;
use sagescale_aws::sagemaker::SageMaker;
use sagescale_aws::scaler::Scaler;
use sagescale_aws::store::Store;
use sagescale_tests::Emulator;

const TABLE: &str = "sagescale-forecast-cli";
const ENDPOINT: &str = "fc-endpoint";
const RID: &str = "endpoint/fc-endpoint/variant/AllTraffic";

/// `sagescale ARGS... --endpoint-url <emulator> --table TABLE` at the clock `now`.
fn sagescale(emu: &Emulator, now: &str, args: &[&str]) -> (i32, String) {
    let url = emu.endpoint_url();
    let output = Command::new(env!("CARGO_BIN_EXE_sagescale"))
        .args(args)
        .args(["--endpoint-url", &url, "--table", TABLE])
        .envs(emu.aws_env())
        .env("SAGESCALE_CLOCK_START", now)
        .output()
        .expect("sagescale runs");
    let out = String::from_utf8(output.stdout).expect("utf-8");
    (output.status.code().expect("exit code"), out)
}

fn day14(h: u32, m: u32, s: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 7, h, m, s).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn forecast_shows_load_and_capacity_next_to_the_actuals_and_status_the_floor() {
    let emu = Emulator::start();
    emu.create_endpoint(ENDPOINT, "AllTraffic", 1);
    let yaml = format!(
        r#"
ScalableTargets:
  - ServiceNamespace: sagemaker
    ResourceId: {RID}
    ScalableDimension: sagemaker:variant:DesiredInstanceCount
    MinCapacity: 1
    MaxCapacity: 20
    ScalingPolicies:
      - PolicyName: burst
        PolicyType: PredictiveScaling
        PredictiveScalingPolicyConfiguration:
          Mode: ForecastAndScale
          MetricSpecifications:
            - TargetValue: 100
              PredefinedMetricPairSpecification: {{PredefinedMetricType: SageMakerVariantInvocationsPerInstance}}
        PredictiveScalingForecast: {{JitterMinutes: 0}}
"#
    );
    let dir = std::env::temp_dir().join(format!("sagescale-forecast-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("predictive.yaml");
    std::fs::write(&file, yaml).unwrap();
    let now = "2026-12-07T09:30:00Z";
    assert_eq!(sagescale(&emu, now, &["init"]).0, 0);
    let (code, out) = sagescale(&emu, now, &["apply", file.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}");

    // Before any pass: no forecast yet, said so.
    let (code, out) = sagescale(&emu, now, &["status", RID]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("predictive  burst ForecastAndScale: floor now none; no forecast yet"),
        "{out}"
    );

    let start = Utc.with_ymd_and_hms(2026, 11, 23, 0, 0, 0).unwrap();
    let n = (day14(9, 0, 0) - start).num_minutes();
    let values: Vec<f64> = (0..n)
        .map(|i| {
            let t = start + Duration::minutes(i);
            let m = t.hour() * 60 + t.minute();
            if (600..620).contains(&m) {
                1000.0
            } else {
                100.0
            }
        })
        .collect();
    let cw = emu.cloudwatch_client().await;
    sagescale_tests::cloudwatch::put_metric_series(
        &cw,
        "AWS/SageMaker",
        "Invocations",
        &[("EndpointName", ENDPOINT), ("VariantName", "AllTraffic")],
        start,
        60,
        &values,
    )
    .await
    .unwrap();
    let sdk = emu.sdk_config().await;
    let scaler = Scaler::new(
        Store::new(aws_sdk_dynamodb::Client::new(&sdk), TABLE),
        SageMaker::new(aws_sdk_sagemaker::Client::new(&sdk)),
    )
    .with_metrics(CloudWatch::new(cw));
    run_pass(&scaler, day14(9, 0, 5)).await.expect("pass");

    let svg = dir.join("forecast.svg");
    let (code, out) = sagescale(
        &emu,
        now,
        &[
            "forecast",
            RID,
            "--hours",
            "24",
            "--output",
            "json",
            "--svg",
            svg.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{out}");
    let json: Value = serde_json::from_str(&out).expect("json");
    let f = &json["Forecasts"][0];
    assert_eq!(f["PolicyName"], "burst");
    assert_eq!(f["Mode"], "ForecastAndScale");
    assert_eq!(f["UpdateTime"], "2026-12-07T09:00:05Z");
    assert_eq!(f["DaysUsed"], 14);
    let value_at = |series: &Value, at: &str| -> Value {
        let i = series["Timestamps"]
            .as_array()
            .unwrap()
            .iter()
            .position(|t| t == at)
            .unwrap_or_else(|| panic!("no {at} in {series}"));
        series["Values"][i].clone()
    };
    assert_eq!(value_at(&f["CapacityForecast"], "2026-12-07T10:00:00Z"), 10);
    assert_eq!(value_at(&f["CapacityForecast"], "2026-12-07T09:55:00Z"), 1);
    assert_eq!(
        value_at(&f["LoadForecast"][0], "2026-12-07T10:10:00Z"),
        1000.0
    );
    // Yesterday's burst among the actuals, and nothing forecast for it.
    assert_eq!(value_at(&f["ActualLoad"], "2026-12-06T10:00:00Z"), 1000.0);
    assert_eq!(value_at(&f["ActualLoad"], "2026-12-07T08:55:00Z"), 100.0);
    assert_eq!(f["FloorNow"]["Capacity"], 1);
    let chart = std::fs::read_to_string(&svg).expect("svg written");
    assert!(chart.starts_with("<svg"), "{chart}");
    assert!(chart.contains("policy burst (ForecastAndScale)"), "{chart}");
    assert_eq!(chart.matches("<path").count(), 3, "{chart}");

    // The table: the burst's interval with its capacity, and the current interval marked.
    let (code, out) = sagescale(&emu, now, &["forecast", RID]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("policy burst (ForecastAndScale, TargetValue 100): forecast made 2026-12-07 09:00:05 UTC (29 min ago)"),
        "{out}"
    );
    let burst = out
        .lines()
        .find(|l| l.contains("2026-12-07 10:00"))
        .unwrap_or_else(|| panic!("{out}"));
    assert_eq!(
        burst.split_whitespace().collect::<Vec<_>>(),
        ["2026-12-07", "10:00", "-", "1000.0", "10"]
    );
    let current = out
        .lines()
        .find(|l| l.contains("<- now"))
        .unwrap_or_else(|| panic!("{out}"));
    assert_eq!(
        current.split_whitespace().collect::<Vec<_>>(),
        ["2026-12-07", "09:30", "-", "100.0", "1", "<-", "now"]
    );

    // status at 09:56: the floor is the burst's capacity, for the 10:00 interval.
    let (code, out) = sagescale(&emu, "2026-12-07T09:56:00Z", &["status", RID]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("predictive  burst ForecastAndScale: floor now 10 (interval from 10:00 UTC); forecast made 2026-12-07 09:00:05 UTC (55 min ago), Daily pattern from 14 days"),
        "{out}"
    );

    // A target without a predictive policy is refused with a clear error.
    let (code, out) = sagescale(&emu, now, &["forecast", "endpoint/none/variant/AllTraffic"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("is not configured"), "{out}");
}
