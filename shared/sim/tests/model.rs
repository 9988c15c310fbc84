//! The simulator's model: AAS baseline timing, provisioning delay, no action at target,
//! scheduled actions at local times.

mod common;

use common::*;
use sagescale_sim::aas::AasTargetTracking;
use sagescale_sim::config::Settings;
use sagescale_sim::run::{Outcome, run};
use sagescale_sim::simulate::run_sagescale;

fn invocations_target(value: u32) -> String {
    format!(
        "    ScalingPolicies:\n      - PolicyName: tt\n        PolicyType: TargetTrackingScaling\n        TargetTrackingScalingPolicyConfiguration:\n          TargetValue: {value}\n          PredefinedMetricSpecification: {{PredefinedMetricType: SageMakerVariantInvocationsPerInstance}}"
    )
}

fn settings(lag: u32) -> Settings {
    Settings {
        capacity_per_instance: 10.0,
        metric_lag_seconds: lag,
        ..Settings::default()
    }
}

fn aas(trace: &sagescale_sim::trace::Trace, lag: u32, target: f64, initial: i32) -> Outcome {
    let mut policy = AasTargetTracking::new(target, 300, 300, 1, 100);
    run(
        "aas",
        trace,
        &settings(lag).run_settings(true),
        initial,
        &mut policy,
    )
}

/// 10 instances; 80 req/s = 480 invocations/instance/minute, then 40 req/s = 240 from
/// minute 30. Target 500: the low alarm's threshold is 450.
fn drop_at_minute_30() -> sagescale_sim::trace::Trace {
    let mut rps = vec![80.0; 30];
    rps.extend([40.0; 40]);
    per_minute("2024-01-01T00:00:00Z", &rps)
}

#[test]
fn aas_model_scales_in_only_after_15_minutes_below_0_9_of_target() {
    for lag in [0u32, 60, 120] {
        let outcome = aas(&drop_at_minute_30(), lag, 500.0, 10);
        let first = outcome.actions.first().expect("a scale-in");
        // Minutes 30..=44 are the 15 low datapoints; minute 44 ends at 2700 s and is read
        // `lag` seconds later.
        assert_eq!(first.at, 2700 + i64::from(lag), "lag {lag}");
        assert!(first.to < first.from);
        // ceil(10 x 240 / 500) = 5: the busiest low minute stays at or under target.
        assert_eq!(first.to, 5);
    }
}

#[test]
fn aas_model_does_not_scale_in_when_one_of_15_minutes_is_not_low() {
    let mut rps = vec![80.0; 30];
    rps.extend([40.0; 14]);
    rps.push(80.0);
    rps.extend([40.0; 14]);
    let outcome = aas(&per_minute("2024-01-01T00:00:00Z", &rps), 0, 500.0, 10);
    assert!(outcome.actions.is_empty(), "{:?}", outcome.actions);
}

#[test]
fn aas_model_scales_out_after_3_minutes_above_target_proportionally() {
    let mut rps = vec![80.0; 10];
    rps.extend([100.0; 10]); // 600 per instance: 1.2 x target
    let outcome = aas(&per_minute("2024-01-01T00:00:00Z", &rps), 0, 500.0, 10);
    let first = outcome.actions.first().expect("a scale-out");
    assert_eq!((first.at, first.from, first.to), (780, 10, 12));
}

#[test]
fn provisioning_delay_holds_new_capacity_back() {
    let yaml = target_yaml(
        1,
        10,
        "    ScheduledActions:\n      - ScheduledActionName: up\n        Schedule: at(2024-01-01T00:10:00)\n        ScalableTargetAction: {MinCapacity: 5}",
        "  CapacityPerInstance: 10\n  InitialCapacity: 1",
    );
    let config = common::config(&yaml);
    let trace = constant("2024-01-01T00:00:00Z", 30, 5.0);
    let target = config.target().unwrap();
    let o = run_sagescale("s", target, &config.settings, &trace, 1, true).unwrap();
    let s = o.series.unwrap();
    assert_eq!(o.actions.len(), 1);
    assert_eq!(o.actions[0].at, 600);
    // Billed from the decision at 00:10; serving only from 00:16 (360 s later).
    assert_eq!(s.desired[9], 1);
    assert_eq!(s.desired[10], 5);
    assert_eq!(s.capacity_rps[15], 10.0);
    assert_eq!(s.capacity_rps[16], 50.0);
}

#[test]
fn a_constant_trace_at_the_target_causes_no_scaling_action() {
    // 10 instances x 300 invocations/minute = 50 req/s.
    let yaml = target_yaml(
        1,
        100,
        &invocations_target(300),
        "  CapacityPerInstance: 10\n  InitialCapacity: 10",
    );
    let config = common::config(&yaml);
    let trace = constant("2024-01-01T00:00:00Z", 24 * 60, 50.0);
    let report =
        sagescale_sim::simulate::simulate(&config, &trace, Default::default(), false, |_| {})
            .unwrap();
    for o in &report.outcomes {
        assert_eq!(o.scaling_actions, 0, "{}: {:?}", o.policy, o.actions);
        assert_eq!(o.requests_above_capacity, 0.0, "{}", o.policy);
    }
}

#[test]
fn sagescale_target_tracking_scales_in_after_15_low_minutes_like_the_aas_model() {
    let yaml = target_yaml(
        1,
        100,
        &invocations_target(500),
        "  CapacityPerInstance: 10\n  MetricLagSeconds: 60",
    );
    let config = common::config(&yaml);
    let trace = drop_at_minute_30();
    let ours = run_sagescale(
        "s",
        config.target().unwrap(),
        &config.settings,
        &trace,
        10,
        false,
    )
    .unwrap();
    let model = aas(&trace, 60, 500.0, 10);
    let times = |o: &Outcome| o.actions.iter().map(|a| (a.at, a.to)).collect::<Vec<_>>();
    assert_eq!(times(&ours), times(&model));
    assert_eq!(times(&ours)[0], (2760, 5));
}

/// The `TargetTrackingEvaluation` extension is replayed too: 5 low minutes instead of 15 move
/// the first scale-in 10 minutes earlier, so a user sees the effect before changing it live.
#[test]
fn the_simulator_honours_the_tunable_evaluation() {
    let tuned = format!(
        "{}\n        TargetTrackingEvaluation: {{ScaleInEvaluationPeriods: 5}}",
        invocations_target(500)
    );
    let yaml = target_yaml(
        1,
        100,
        &tuned,
        "  CapacityPerInstance: 10\n  MetricLagSeconds: 60",
    );
    let config = common::config(&yaml);
    let ours = run_sagescale(
        "s",
        config.target().unwrap(),
        &config.settings,
        &drop_at_minute_30(),
        10,
        false,
    )
    .unwrap();
    // Minutes 30..=34 are the 5 low datapoints: minute 34 ends at 2100 s, read 60 s later.
    assert_eq!(ours.actions[0].at, 2160);
    assert_eq!(ours.actions[0].to, 5);
}

#[test]
fn scheduled_actions_fire_at_local_times_across_a_dst_change() {
    // New York moves to daylight time on Sunday 2024-03-10.
    let yaml = target_yaml(
        1,
        10,
        "    ScheduledActions:\n      - ScheduledActionName: morning\n        Schedule: cron(0 9 * * ? *)\n        Timezone: America/New_York\n        ScalableTargetAction: {MinCapacity: 3, MaxCapacity: 10}\n      - ScheduledActionName: evening\n        Schedule: cron(0 17 * * ? *)\n        Timezone: America/New_York\n        ScalableTargetAction: {MinCapacity: 1, MaxCapacity: 1}",
        "  CapacityPerInstance: 10\n  InitialCapacity: 1",
    );
    let config = common::config(&yaml);
    let trace = constant("2024-03-08T00:00:00Z", 4 * 1440, 1.0);
    let o = run_sagescale(
        "s",
        config.target().unwrap(),
        &config.settings,
        &trace,
        1,
        false,
    )
    .unwrap();
    let fired: Vec<String> = o
        .actions
        .iter()
        .map(|a| {
            let t = trace.start + chrono::TimeDelta::seconds(a.at);
            format!("{} {}->{}", t.format("%m-%d %H:%M"), a.from, a.to)
        })
        .collect();
    assert_eq!(
        fired,
        [
            "03-08 14:00 1->3",
            "03-08 22:00 3->1",
            "03-09 14:00 1->3",
            "03-09 22:00 3->1",
            "03-10 13:00 1->3",
            "03-10 21:00 3->1",
            "03-11 13:00 1->3",
            "03-11 21:00 3->1",
        ]
    );
    assert!(
        o.actions
            .iter()
            .all(|a| a.cause.contains("scheduled action"))
    );
}

#[test]
fn served_metrics_saturate_at_capacity_and_offered_ones_do_not() {
    // 10 instances serve 100 req/s; 200 req/s arrive from minute 10.
    let mut rps = vec![80.0; 10];
    rps.extend([200.0; 10]);
    let trace = per_minute("2024-01-01T00:00:00Z", &rps);
    let first_step = |traffic| {
        let s = Settings {
            metric_traffic: traffic,
            ..settings(0)
        };
        let mut policy = AasTargetTracking::new(500.0, 300, 300, 1, 100);
        let o = run("aas", &trace, &s.run_settings(false), 10, &mut policy);
        o.actions[0].to
    };
    // Served: 600 per instance -> ceil(10 x 600 / 500); offered: 1200 -> ceil(10 x 1200 / 500).
    assert_eq!(first_step(sagescale_sim::config::MetricTraffic::Served), 12);
    assert_eq!(
        first_step(sagescale_sim::config::MetricTraffic::Offered),
        24
    );
}
