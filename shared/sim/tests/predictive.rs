//! The predictive policy in the simulator: capacity in service before a recurring burst, a
//! forecaster that sees only what was readable before the current minute (no look-ahead), and
//! a history no longer than the live pass reads (`LookbackDays`).

mod common;

use common::*;
use sagescale_sim::simulate::run_sagescale;
use sagescale_sim::trace::Trace;

const BASE_RPS: f32 = 20.0;
const BURST_RPS: f32 = 100.0;
const DAY: usize = 1440;

/// Target tracking at 90% of an instance (10 req/s), with or without the predictive policy
/// (forecast capacity at 80% of an instance, launched 7 minutes ahead of each interval).
fn config(predictive: bool, lookback_days: u32) -> String {
    let mut body = String::from(
        "    ScalingPolicies:\n      - PolicyName: tt\n        PolicyType: TargetTrackingScaling\n        TargetTrackingScalingPolicyConfiguration:\n          TargetValue: 540\n          PredefinedMetricSpecification: {PredefinedMetricType: SageMakerVariantInvocationsPerInstance}",
    );
    if predictive {
        body.push_str(&format!(
            "\n      - PolicyName: forecast\n        PolicyType: PredictiveScaling\n        PredictiveScalingPolicyConfiguration:\n          MetricSpecifications:\n            - TargetValue: 480\n              PredefinedMetricPairSpecification: {{PredefinedMetricType: SageMakerVariantInvocationsPerInstance}}\n          Mode: ForecastAndScale\n          SchedulingBufferTime: 420\n        PredictiveScalingForecast: {{LookbackDays: {lookback_days}}}"
        ));
    }
    target_yaml(
        1,
        100,
        &body,
        "  CapacityPerInstance: 10\n  ProvisioningDelaySeconds: 360\n  MetricLagSeconds: 60",
    )
}

/// Per-minute demand: the base load, and the burst in `[from, to)` minutes of each listed day.
fn days_with_burst(days: usize, burst_days: &[usize], from: usize, to: usize) -> Vec<f32> {
    let mut rps = vec![BASE_RPS; days * DAY];
    for &d in burst_days {
        rps[d * DAY + from..d * DAY + to].fill(BURST_RPS);
    }
    rps
}

fn run(trace: &Trace, predictive: bool, lookback_days: u32) -> sagescale_sim::run::Outcome {
    let config = common::config(&config(predictive, lookback_days));
    run_sagescale(
        "s",
        config.target().unwrap(),
        &config.settings,
        trace,
        2,
        true,
    )
    .unwrap()
}

fn above(outcome: &sagescale_sim::run::Outcome, minutes: std::ops::Range<usize>) -> f32 {
    outcome.series.as_ref().unwrap().above[minutes].iter().sum()
}

#[test]
fn a_daily_burst_finds_capacity_in_service_once_the_forecast_has_learnt_it() {
    // 10:00-10:20 every day for 5 days.
    let (from, to) = (600, 620);
    let trace = per_minute(
        "2024-01-01T00:00:00Z",
        &days_with_burst(5, &[0, 1, 2, 3, 4], from, to),
    );
    let predictive = run(&trace, true, 14);
    let reactive = run(&trace, false, 14);
    let series = predictive.series.as_ref().unwrap();

    // Day 1: less than 24 hours of history, so no forecast and the same miss as target tracking.
    assert!(series.forecast_rps[..DAY].iter().all(|f| f.is_nan()));
    let day1 = above(&predictive, from..to);
    assert!(day1 > 0.0);
    assert_eq!(day1, above(&reactive, from..to));

    // The last day: the burst is forecast, the capacity for it is in service at its first
    // minute, and no request is above capacity; target tracking alone still misses it.
    // It learns from served invocations, so a burst the endpoint could not serve is learnt up
    // to the capacity it had: the miss shrinks from day to day (README: what it does not promise).
    let per_day: Vec<f32> = (0..5)
        .map(|d| above(&predictive, d * DAY + from..d * DAY + to))
        .collect();
    assert!(per_day.windows(2).all(|w| w[1] <= w[0]), "{per_day:?}");
    assert!(per_day[1] < per_day[0], "{per_day:?}");

    let last = 4 * DAY;
    assert!(series.forecast_rps[last + from] > 3.0 * BASE_RPS);
    assert!(series.capacity_rps[last + from] >= BURST_RPS);
    assert_eq!(above(&predictive, last + from..last + to), 0.0);
    assert!(above(&reactive, last + from..last + to) > 0.0);
}

#[test]
fn a_burst_the_history_never_had_is_not_forecast_on_the_day_it_first_comes() {
    // Only on the third day, at 16:00: the forecast for that minute is made from days 1 and 2.
    let (from, to) = (960, 980);
    let trace = per_minute("2024-01-01T00:00:00Z", &days_with_burst(3, &[2], from, to));
    let outcome = run(&trace, true, 14);
    let series = outcome.series.as_ref().unwrap();
    let at = 2 * DAY + from;
    assert!(
        series.forecast_rps[at] < 1.5 * BASE_RPS,
        "{}",
        series.forecast_rps[at]
    );
    assert!(above(&outcome, at..2 * DAY + to) > 0.0);
}

#[test]
fn history_older_than_the_lookback_window_is_not_learnt_from() {
    // A later part of a longer trace (as with --from): 20 days of prior history, then one day.
    // The burst at 15:00 was on 6 of the prior days: either the 6 oldest (beyond a 14-day
    // lookback, which is all the live pass can read) or the 6 most recent.
    let (from, to) = (900, 920);
    let per_minute_requests = |burst_days: &[usize]| -> Vec<f64> {
        days_with_burst(20, burst_days, from, to)
            .iter()
            .map(|&rps| f64::from(rps) * 60.0)
            .collect()
    };
    let forecast_at_burst = |burst_days: &[usize], lookback: u32| {
        let mut trace = per_minute("2024-01-21T00:00:00Z", &vec![BASE_RPS; DAY]);
        trace.prior = per_minute_requests(burst_days);
        let outcome = run(&trace, true, lookback);
        outcome.series.unwrap().forecast_rps[from]
    };
    let old = [0, 1, 2, 3, 4, 5];
    let recent = [14, 15, 16, 17, 18, 19];
    assert!(forecast_at_burst(&recent, 14) >= 0.9 * BURST_RPS);
    assert!(forecast_at_burst(&old, 14) < 1.5 * BASE_RPS);
    // With a shorter lookback the recent burst days are still within it.
    assert!(forecast_at_burst(&recent, 7) >= 0.9 * BURST_RPS);
}
