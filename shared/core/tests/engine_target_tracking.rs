//! The engine on target-tracking policies: proportional scale-out on AAS's high alarm (3 of 3
//! one-minute datapoints above target), conservative scale-in on its low alarm (15 of 15 below
//! 0.9 x target), DisableScaleIn, cooldowns and the several-policies rule.

mod engine_support;

use engine_support::*;
use sagescale_core::activity::NotScaledCode;
use sagescale_core::decide::{
    Cause, CooldownState, NotScaledReasons, ScaleOutCooldown, Snapshot, TargetTrackingInput,
    Trigger, decide,
};
use sagescale_core::model::{
    CustomizedMetricSpecification, MetricStatistic, PredefinedMetricSpecification,
    PredefinedMetricType, ScalingPolicy,
};
use sagescale_core::target_tracking::capacity_for;

/// The decision, owned: a `Decision` borrows the inputs slice, which the tests build inline.
struct Outcome {
    desired: i32,
    scaled: bool,
    cooldown: CooldownState,
    not_scaled: NotScaledReasons,
    policy: String,
    metric: f64,
    target: f64,
}

impl Outcome {
    fn code(&self) -> NotScaledCode {
        assert!(!self.scaled, "expected no change, got {}", self.desired);
        self.not_scaled.first().expect("a reason").code
    }
}

fn track(s: &Snapshot, inputs: &[TargetTrackingInput<'_>]) -> Outcome {
    let d = decide(s, Trigger::TargetTracking { inputs });
    let Cause::TargetTracking {
        policy,
        metric,
        target,
    } = d.cause
    else {
        panic!("cause {:?}", d.cause)
    };
    Outcome {
        desired: d.desired,
        scaled: d.scaled(),
        cooldown: d.cooldown,
        not_scaled: d.not_scaled,
        policy: policy.to_string(),
        metric,
        target,
    }
}

/// Carry out a target-tracking outcome `elapsed` later.
fn after_tt(s: &Snapshot, o: &Outcome, elapsed: chrono::Duration) -> Snapshot {
    Snapshot {
        now: s.now + elapsed,
        desired: o.desired,
        cooldown: o.cooldown,
        ..*s
    }
}

fn input<'a>(policy: &'a ScalingPolicy, datapoints: &'a [f64]) -> TargetTrackingInput<'a> {
    TargetTrackingInput { policy, datapoints }
}

fn policy(target: f64) -> ScalingPolicy {
    tt_policy("invocations", tt_config(target))
}

fn no_scale_in(target: f64) -> ScalingPolicy {
    let mut cfg = tt_config(target);
    cfg.disable_scale_in = Some(true);
    tt_policy("no-scale-in", cfg)
}

const LOW_15: [f64; 15] = [40.0; 15];

#[test]
fn scale_out_is_proportional_to_the_latest_datapoint() {
    let p = policy(70.0);
    let d = track(&snapshot(4, 1, 20), &[input(&p, &[80.0, 90.0, 140.0])]);
    assert_eq!(d.desired, 8); // ceil(4 x 140 / 70)
    let d = track(&snapshot(4, 1, 20), &[input(&p, &[71.0, 71.0, 71.0])]);
    assert_eq!(d.desired, 5); // ceil(4 x 71 / 70) = ceil(4.06)
    assert_eq!(
        (d.policy.as_str(), d.metric, d.target),
        ("invocations", 71.0, 70.0)
    );
}

#[test]
fn scale_out_needs_three_of_three_datapoints_above_target() {
    let p = policy(70.0);
    for points in [
        &[60.0, 90.0, 140.0][..],
        &[90.0, 140.0, 70.0],
        &[140.0, 140.0],
    ] {
        let d = track(&snapshot(4, 1, 20), &[input(&p, points)]);
        assert!(!d.scaled, "{points:?}");
    }
}

#[test]
fn too_few_datapoints_is_no_action_with_no_datapoints() {
    let p = policy(70.0);
    let d = track(&snapshot(4, 1, 20), &[input(&p, &[500.0, 500.0])]);
    assert_eq!(d.code(), NotScaledCode::NoDatapoints);
}

#[test]
fn a_metric_near_target_changes_nothing() {
    let p = policy(70.0);
    let d = track(&snapshot(4, 1, 20), &[input(&p, &[65.0; 15])]);
    assert_eq!(d.code(), NotScaledCode::AlreadyAtDesiredCapacity);
}

#[test]
fn float_noise_does_not_add_a_unit() {
    assert_eq!(capacity_for(10, 77.0, 70.0), 11);
    assert_eq!(capacity_for(3, 0.7, 0.7), 3);
}

#[test]
fn scale_in_needs_fifteen_of_fifteen_datapoints_below_ninety_percent_of_target() {
    let p = policy(70.0);
    let d = track(&snapshot(10, 1, 20), &[input(&p, &LOW_15)]);
    assert!(d.scaled);
    let d = track(&snapshot(10, 1, 20), &[input(&p, &LOW_15[..14])]);
    assert!(!d.scaled);
    let mut one_at_threshold = LOW_15;
    one_at_threshold[7] = 63.0; // 0.9 x 70 is not below 0.9 x 70
    let d = track(&snapshot(10, 1, 20), &[input(&p, &one_at_threshold)]);
    assert!(!d.scaled);
}

#[test]
fn scale_in_is_conservative_so_the_busiest_minute_stays_under_target() {
    let p = policy(70.0);
    let mut points = LOW_15;
    points[3] = 62.0;
    let d = track(&snapshot(10, 1, 20), &[input(&p, &points)]);
    assert_eq!(d.desired, 9); // ceil(10 x 62 / 70) = ceil(8.86); 10 x 62 / 9 = 68.9 <= 70
    let d = track(&snapshot(10, 1, 20), &[input(&p, &LOW_15)]);
    assert_eq!(d.desired, 6); // ceil(10 x 40 / 70) = ceil(5.71)
}

#[test]
fn scale_in_stops_at_min_capacity() {
    let p = policy(70.0);
    let d = track(&snapshot(10, 8, 20), &[input(&p, &[0.0; 15])]);
    assert_eq!(d.desired, 8);
    let d = track(&snapshot(8, 8, 20), &[input(&p, &[0.0; 15])]);
    assert_eq!(d.code(), NotScaledCode::AlreadyAtMinCapacity);
}

#[test]
fn scale_out_stops_at_max_capacity() {
    let p = policy(70.0);
    let d = track(&snapshot(10, 1, 12), &[input(&p, &[700.0; 3])]);
    assert_eq!(d.desired, 12);
    let d = track(&snapshot(12, 1, 12), &[input(&p, &[700.0; 3])]);
    assert_eq!(d.code(), NotScaledCode::AlreadyAtMaxCapacity);
}

#[test]
fn disable_scale_in_never_scales_in() {
    let p = no_scale_in(70.0);
    let d = track(&snapshot(10, 1, 20), &[input(&p, &[0.0; 15])]);
    assert_eq!(d.code(), NotScaledCode::ScaleInDisabled);
    // ... but still scales out.
    assert_eq!(
        track(&snapshot(10, 1, 20), &[input(&p, &[140.0; 3])]).desired,
        20
    );
}

#[test]
fn cooldowns_come_from_scale_out_cooldown_and_scale_in_cooldown_default_300() {
    let mut cfg = tt_config(70.0);
    cfg.scale_out_cooldown = Some(60);
    let p = tt_policy("p", cfg);
    let d = track(&snapshot(4, 1, 20), &[input(&p, &[140.0; 3])]);
    assert_eq!(d.cooldown.scale_out.unwrap().until, t0() + secs(60));
    let d = track(&snapshot(10, 1, 20), &[input(&p, &LOW_15)]);
    assert_eq!(d.cooldown.scale_in_until, Some(t0() + secs(300)));
}

/// During the scale-out cooldown the proposal is computed from the capacity before the
/// initiating scale-out: a metric that stays high (measured on the old capacity) adds nothing
/// more, a higher one adds the difference.
#[test]
fn during_the_scale_out_cooldown_the_proposal_counts_the_capacity_already_added() {
    let p = policy(70.0);
    let s = snapshot(4, 1, 20);
    let first = track(&s, &[input(&p, &[140.0; 3])]);
    assert_eq!(first.desired, 8);
    let s = after_tt(&s, &first, secs(60));
    let again = track(&s, &[input(&p, &[140.0; 3])]);
    assert_eq!(again.code(), NotScaledCode::ScaleOutCooldown);
    let higher = track(&s, &[input(&p, &[140.0, 140.0, 210.0])]);
    assert_eq!(higher.desired, 12); // ceil(4 x 210 / 70)
}

#[test]
fn scale_in_waits_for_the_scale_in_cooldown() {
    let p = policy(70.0);
    let mut s = snapshot(10, 1, 20);
    s.cooldown = CooldownState {
        scale_out: None,
        scale_in_until: Some(t0() + secs(10)),
    };
    assert_eq!(
        track(&s, &[input(&p, &LOW_15)]).code(),
        NotScaledCode::ScaleInCooldown
    );
    s.now = t0() + secs(10);
    assert!(track(&s, &[input(&p, &LOW_15)]).scaled);
}

#[test]
fn a_scale_out_during_the_scale_in_cooldown_ends_it() {
    let p = policy(70.0);
    let mut s = snapshot(4, 1, 20);
    s.cooldown.scale_in_until = Some(t0() + secs(200));
    let d = track(&s, &[input(&p, &[140.0; 3])]);
    assert_eq!(d.desired, 8);
    assert_eq!(d.cooldown.scale_in_until, None);
}

/// AAS PutScalingPolicy: "Application Auto Scaling gives precedence to the policy that provides
/// the largest capacity for both scale out and scale in."
#[test]
fn several_policies_scale_out_if_any_asks_and_the_largest_capacity_wins() {
    let a = tt_policy("a", tt_config(70.0));
    let b = tt_policy("b", tt_config(50.0));
    let d = track(
        &snapshot(4, 1, 40),
        &[input(&a, &[105.0; 3]), input(&b, &[100.0; 3])],
    );
    assert_eq!(d.desired, 8); // a: 6, b: 8
    assert_eq!(d.policy, "b");
    // One asks out while the other would scale in: out wins.
    let d = track(
        &snapshot(4, 1, 40),
        &[input(&a, &LOW_15), input(&b, &[100.0; 15])],
    );
    assert_eq!(d.desired, 8);
}

#[test]
fn several_policies_scale_in_only_when_every_scale_in_enabled_policy_agrees() {
    let a = tt_policy("a", tt_config(70.0));
    let b = tt_policy("b", tt_config(100.0));
    // Both low: the largest proposal wins (a: ceil(10 x 40/70) = 6, b: ceil(10 x 70/100) = 7).
    let d = track(
        &snapshot(10, 1, 20),
        &[input(&a, &LOW_15), input(&b, &[70.0; 15])],
    );
    assert_eq!(d.desired, 7);
    assert_eq!(d.policy, "b");
    // b near its target: no scale-in.
    let d = track(
        &snapshot(10, 1, 20),
        &[input(&a, &LOW_15), input(&b, &[95.0; 15])],
    );
    assert_eq!(d.code(), NotScaledCode::AlreadyAtDesiredCapacity);
    // b without data: no agreement, no scale-in.
    let d = track(&snapshot(10, 1, 20), &[input(&a, &LOW_15), input(&b, &[])]);
    assert!(!d.scaled);
}

/// A policy with DisableScaleIn does not vote on scale-in, but a scale-in driven by the others
/// stops where its own metric would rise above its target (sagescale's choice, AAS is silent).
#[test]
fn a_disable_scale_in_policy_does_not_vote_but_bounds_the_scale_in() {
    let a = tt_policy("a", tt_config(70.0));
    let b = no_scale_in(100.0);
    let d = track(
        &snapshot(10, 1, 20),
        &[input(&a, &LOW_15), input(&b, &[95.0; 15])],
    );
    assert_eq!(d.desired, 10); // b needs ceil(10 x 95/100) = 10
    let d = track(
        &snapshot(10, 1, 20),
        &[input(&a, &LOW_15), input(&b, &[80.0; 15])],
    );
    assert_eq!(d.desired, 8);
    let d = track(&snapshot(10, 1, 20), &[input(&a, &LOW_15), input(&b, &[])]);
    assert_eq!(d.desired, 6);
}

#[test]
fn high_resolution_metrics_use_the_same_time_windows() {
    let mut cfg = tt_config(5.0);
    cfg.predefined_metric_specification = Some(PredefinedMetricSpecification {
        predefined_metric_type:
            PredefinedMetricType::SageMakerVariantConcurrentRequestsPerModelHighResolution,
        resource_label: None,
    });
    let p = tt_policy("concurrency", cfg);
    // 3 minutes of 10 s datapoints: 18.
    assert!(!track(&snapshot(2, 1, 20), &[input(&p, &[10.0; 17])]).scaled);
    assert_eq!(
        track(&snapshot(2, 1, 20), &[input(&p, &[10.0; 18])]).desired,
        4
    );
    // 15 minutes: 90.
    assert!(!track(&snapshot(8, 1, 20), &[input(&p, &[1.0; 89])]).scaled);
    assert_eq!(
        track(&snapshot(8, 1, 20), &[input(&p, &[1.0; 90])]).desired,
        2
    );
}

#[test]
fn suspension_blocks_target_tracking_in_that_direction() {
    let p = policy(70.0);
    let mut s = snapshot(10, 1, 20);
    s.suspended.dynamic_scaling_out_suspended = true;
    assert_eq!(
        track(&s, &[input(&p, &[140.0; 3])]).code(),
        NotScaledCode::DynamicScalingOutSuspended
    );
    s.suspended.dynamic_scaling_in_suspended = true;
    assert_eq!(
        track(&s, &[input(&p, &LOW_15)]).code(),
        NotScaledCode::DynamicScalingInSuspended
    );
}

/// A customized metric above target at zero capacity asks for ceil(metric / target) units.
#[test]
fn a_customized_metric_scales_up_from_zero() {
    let mut cfg = tt_config(10.0);
    cfg.predefined_metric_specification = None;
    cfg.customized_metric_specification = Some(CustomizedMetricSpecification {
        metric_name: Some("BacklogPerCopy".into()),
        namespace: Some("Custom".into()),
        dimensions: vec![],
        statistic: Some(MetricStatistic::Average),
        unit: None,
        metrics: vec![],
    });
    let p = tt_policy("backlog", cfg);
    let d = track(&snapshot(0, 0, 8), &[input(&p, &[25.0; 3])]);
    assert_eq!(d.desired, 3);
    assert_eq!(
        d.cooldown.scale_out,
        Some(ScaleOutCooldown {
            until: t0() + secs(300),
            base_capacity: 0
        })
    );
}

/// sagescale's `TargetTrackingEvaluation`: 2 of the last 3 minutes above target scale out,
/// where AAS's 3 of 3 does not; the scale-in side takes its own count and threshold.
#[test]
fn the_evaluation_extension_changes_when_scale_out_and_scale_in_happen() {
    use sagescale_core::model::TargetTrackingEvaluation;
    let aas = tt_policy("aas", tt_config(70.0));
    let mut tuned = tt_policy("tuned", tt_config(70.0));
    tuned.target_tracking_evaluation = Some(TargetTrackingEvaluation {
        scale_out_evaluation_periods: Some(3),
        scale_out_datapoints_to_alarm: Some(2),
        scale_in_evaluation_periods: Some(5),
        scale_in_threshold_ratio: Some(0.5),
        ..Default::default()
    });
    // One dip below target in the last three minutes: AAS waits, 2-of-3 scales out on the
    // latest breaching minute (140 at 4 instances -> 8).
    let dip = [140.0, 60.0, 140.0];
    assert!(!track(&snapshot(4, 1, 20), &[input(&aas, &dip)]).scaled);
    let out = track(&snapshot(4, 1, 20), &[input(&tuned, &dip)]);
    assert_eq!(out.desired, 8);

    // Five quiet minutes at 30 (below 0.5 x 70 = 35): the tuned policy scales in after 5,
    // AAS needs 15 minutes below 63.
    let quiet = [30.0; 5];
    let inn = track(&snapshot(10, 1, 20), &[input(&tuned, &quiet)]);
    assert_eq!(inn.desired, capacity_for(10, 30.0, 70.0));
    assert!(!track(&snapshot(10, 1, 20), &[input(&aas, &quiet)]).scaled);
    // At 40 (below AAS's 63 but above the tuned 35) the tuned policy keeps its capacity.
    assert!(!track(&snapshot(10, 1, 20), &[input(&tuned, &[40.0; 5])]).scaled);
}

/// A missing minute (NaN) never counts toward either alarm.
#[test]
fn a_missing_datapoint_breaches_nothing() {
    let p = tt_policy("p", tt_config(70.0));
    assert!(!track(&snapshot(4, 1, 20), &[input(&p, &[140.0, f64::NAN, 140.0])]).scaled);
    let mut quiet = [10.0; 15];
    quiet[7] = f64::NAN;
    assert!(!track(&snapshot(10, 1, 20), &[input(&p, &quiet)]).scaled);
}
