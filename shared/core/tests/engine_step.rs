//! The engine on step scaling policies: AAS's documented examples, cooldowns, bounds and
//! suspension, one behaviour per test.

mod engine_support;

use engine_support::*;
use sagescale_core::activity::{NotScaledCode, NotScaledReason};
use sagescale_core::decide::{CooldownState, ScaleOutCooldown, Trigger, decide};
use sagescale_core::model::{AdjustmentType, DEFAULT_COOLDOWN_SECONDS};

const INF: Option<f64> = None;

fn change_policy(rows: &[Row], cooldown: i32) -> sagescale_core::model::ScalingPolicy {
    let mut cfg = step_config(AdjustmentType::ChangeInCapacity, rows);
    cfg.cooldown = Some(cooldown);
    step_policy("steps", cfg)
}

/// Scale-out +2 for a breach in [0, 20), +3 from 20; scale-in -1 below the threshold.
fn two_and_three() -> sagescale_core::model::ScalingPolicy {
    change_policy(
        &[
            (INF, Some(0.0), -1),
            (Some(0.0), Some(20.0), 2),
            (Some(20.0), INF, 3),
        ],
        300,
    )
}

/// AAS user guide (step adjustments for PercentChangeInCapacity): with a current capacity of 10,
/// steps +10% / +30% above the threshold and -10% / -30% below it move capacity
/// 10 -> 11 -> 14 -> 13 -> 10 (11 x 30% = 3.3 -> 3; 14 x -10% = -1.4 -> -1; 13 x -30% = -3.9 -> -3).
/// Each alarm comes after the previous cooldown has ended, as in the documented walk-through.
#[test]
fn documented_percent_example_moves_10_11_14_13_10() {
    let cfg = step_config(
        AdjustmentType::PercentChangeInCapacity,
        &[
            (INF, Some(-10.0), -30),
            (Some(-10.0), Some(0.0), -10),
            (Some(0.0), Some(10.0), 10),
            (Some(10.0), INF, 30),
        ],
    );
    let policy = step_policy("percent", cfg);
    let mut s = snapshot(10, 1, 100);
    let mut seen = vec![s.desired];
    for metric in [55.0, 65.0, 45.0, 35.0] {
        let points = [metric];
        let d = decide(&s, alarm(&policy, 50.0, &points));
        assert!(d.scaled(), "metric {metric}: {:?}", d.not_scaled);
        s = after(&s, &d, secs(i64::from(DEFAULT_COOLDOWN_SECONDS)));
        seen.push(s.desired);
    }
    assert_eq!(seen, [10, 11, 14, 13, 10]);
}

/// AAS StepScalingPolicyConfiguration.Cooldown: "when an alarm triggers a step scaling policy to
/// increase the capacity by 2, ... If the alarm triggers again during the cooldown period but at
/// a more aggressive step adjustment of 3, the previous increase of 2 is considered part of the
/// current capacity. Therefore, only 1 is added to the capacity."
#[test]
fn a_larger_step_during_the_scale_out_cooldown_adds_only_the_difference() {
    let policy = two_and_three();
    let s = snapshot(10, 1, 100);
    let first = decide(&s, alarm(&policy, 50.0, &[55.0]));
    assert_eq!(first.desired, 12);
    assert_eq!(
        first.cooldown.scale_out,
        Some(ScaleOutCooldown {
            until: t0() + secs(300),
            base_capacity: 10
        })
    );
    let s = after(&s, &first, secs(60));
    let second = decide(&s, alarm(&policy, 50.0, &[75.0]));
    assert_eq!(second.desired - second.previous, 1);
    assert_eq!(second.desired, 13);
}

#[test]
fn the_same_step_again_during_the_scale_out_cooldown_does_nothing() {
    let policy = two_and_three();
    let s = snapshot(10, 1, 100);
    let s = after(&s, &decide(&s, alarm(&policy, 50.0, &[55.0])), secs(60));
    let again = decide(&s, alarm(&policy, 50.0, &[55.0]));
    assert_eq!(code(&again), NotScaledCode::ScaleOutCooldown);
    assert_eq!(again.desired, 12);
}

/// sagescale's choice: a larger step extends the cooldown but keeps the original base, so the
/// +3 step re-fired every minute does not compound.
#[test]
fn a_larger_step_extends_the_cooldown_and_keeps_the_original_base() {
    let policy = two_and_three();
    let s = snapshot(10, 1, 100);
    let s = after(&s, &decide(&s, alarm(&policy, 50.0, &[55.0])), secs(60));
    let second = decide(&s, alarm(&policy, 50.0, &[75.0]));
    let c = second.cooldown.scale_out.unwrap();
    assert_eq!(c.base_capacity, 10);
    assert_eq!(c.until, t0() + secs(60 + 300));
    let s = after(&s, &second, secs(60));
    assert_eq!(
        code(&decide(&s, alarm(&policy, 50.0, &[75.0]))),
        NotScaledCode::ScaleOutCooldown
    );
}

#[test]
fn after_the_scale_out_cooldown_the_step_applies_in_full_again() {
    let policy = two_and_three();
    let s = snapshot(10, 1, 100);
    let s = after(&s, &decide(&s, alarm(&policy, 50.0, &[55.0])), secs(300));
    assert_eq!(decide(&s, alarm(&policy, 50.0, &[55.0])).desired, 14);
}

/// AAS: "With scale-in policies, ... scale-in activities are blocked until the cooldown period
/// has expired."
#[test]
fn scale_in_is_blocked_until_the_scale_in_cooldown_expires() {
    let policy = two_and_three();
    let s = snapshot(10, 1, 100);
    let first = decide(&s, alarm(&policy, 50.0, &[45.0]));
    assert_eq!(first.desired, 9);
    assert_eq!(first.cooldown.scale_in_until, Some(t0() + secs(300)));

    let s = after(&s, &first, secs(299));
    let blocked = decide(&s, alarm(&policy, 50.0, &[45.0]));
    assert_eq!(code(&blocked), NotScaledCode::ScaleInCooldown);

    let s = snapshot_at(&s, t0() + secs(300));
    assert_eq!(decide(&s, alarm(&policy, 50.0, &[45.0])).desired, 8);
}

fn snapshot_at(
    s: &sagescale_core::decide::Snapshot,
    now: chrono::DateTime<chrono::Utc>,
) -> sagescale_core::decide::Snapshot {
    sagescale_core::decide::Snapshot { now, ..*s }
}

/// AAS: "if another alarm triggers a scale-out activity during the cooldown period after a
/// scale-in activity, Application Auto Scaling scales out the target immediately. In this case,
/// the cooldown period for the scale-in activity stops and doesn't complete."
#[test]
fn a_scale_out_during_the_scale_in_cooldown_happens_at_once_and_ends_it() {
    let policy = two_and_three();
    let s = snapshot(10, 1, 100);
    let s = after(&s, &decide(&s, alarm(&policy, 50.0, &[45.0])), secs(30));
    assert!(s.cooldown.scale_in_until.is_some());
    let out = decide(&s, alarm(&policy, 50.0, &[55.0]));
    assert_eq!(out.desired, 11);
    assert_eq!(out.cooldown.scale_in_until, None);
    // ... so an immediate scale-in is no longer blocked by the old scale-in cooldown.
    let s = after(&s, &out, secs(1));
    assert_eq!(decide(&s, alarm(&policy, 50.0, &[45.0])).desired, 10);
}

/// sagescale's choice: a scale-in ends the scale-out cooldown (the capacity it protected is gone).
#[test]
fn a_scale_in_ends_the_scale_out_cooldown() {
    let policy = two_and_three();
    let s = snapshot(10, 1, 100);
    let s = after(&s, &decide(&s, alarm(&policy, 50.0, &[55.0])), secs(30));
    let d = decide(&s, alarm(&policy, 50.0, &[45.0]));
    assert_eq!(d.desired, 11);
    assert_eq!(d.cooldown.scale_out, None);
}

#[test]
fn the_step_cooldown_defaults_to_300_seconds_for_both_directions() {
    let policy = step_policy(
        "default-cooldown",
        step_config(
            AdjustmentType::ChangeInCapacity,
            &[(INF, Some(0.0), -1), (Some(0.0), INF, 1)],
        ),
    );
    let s = snapshot(5, 1, 10);
    let out = decide(&s, alarm(&policy, 50.0, &[60.0]));
    assert_eq!(out.cooldown.scale_out.unwrap().until, t0() + secs(300));
    let inn = decide(&s, alarm(&policy, 50.0, &[40.0]));
    assert_eq!(inn.cooldown.scale_in_until, Some(t0() + secs(300)));
}

/// AAS NotScaledReason: {"Code": "AlreadyAtMaxCapacity", "MaxCapacity": .., "CurrentCapacity": ..}
#[test]
fn a_scale_out_at_max_capacity_is_not_scaled_already_at_max() {
    let policy = two_and_three();
    let d = decide(&snapshot(10, 1, 10), alarm(&policy, 50.0, &[55.0]));
    assert_eq!(
        d.not_scaled.first(),
        Some(&NotScaledReason {
            code: NotScaledCode::AlreadyAtMaxCapacity,
            max_capacity: Some(10),
            min_capacity: None,
            current_capacity: Some(10),
        })
    );
}

#[test]
fn a_scale_out_past_max_capacity_stops_at_max() {
    let policy = two_and_three();
    let d = decide(&snapshot(9, 1, 10), alarm(&policy, 50.0, &[75.0]));
    assert_eq!(d.desired, 10);
}

#[test]
fn a_scale_in_at_min_capacity_is_not_scaled_already_at_min() {
    let policy = two_and_three();
    let d = decide(&snapshot(2, 2, 10), alarm(&policy, 50.0, &[45.0]));
    assert_eq!(
        d.not_scaled.first(),
        Some(&NotScaledReason {
            code: NotScaledCode::AlreadyAtMinCapacity,
            max_capacity: None,
            min_capacity: Some(2),
            current_capacity: Some(2),
        })
    );
}

#[test]
fn exact_capacity_equal_to_the_current_capacity_is_already_at_desired() {
    let cfg = step_config(AdjustmentType::ExactCapacity, &[(Some(0.0), INF, 4)]);
    let policy = step_policy("exact", cfg);
    let d = decide(&snapshot(4, 1, 10), alarm(&policy, 50.0, &[60.0]));
    assert_eq!(
        d.not_scaled.first(),
        Some(&NotScaledReason {
            code: NotScaledCode::AlreadyAtDesiredCapacity,
            max_capacity: None,
            min_capacity: None,
            current_capacity: Some(4),
        })
    );
    assert_eq!(
        decide(&snapshot(7, 1, 10), alarm(&policy, 50.0, &[60.0])).desired,
        4
    );
    assert_eq!(
        decide(&snapshot(2, 1, 10), alarm(&policy, 50.0, &[60.0])).desired,
        4
    );
}

#[test]
fn a_breach_that_matches_no_step_is_not_scaled() {
    let policy = change_policy(&[(Some(0.0), INF, 2)], 60);
    let d = decide(&snapshot(4, 1, 10), alarm(&policy, 50.0, &[40.0]));
    assert_eq!(code(&d), NotScaledCode::NoStepMatched);
}

#[test]
fn an_alarm_without_datapoints_is_not_scaled() {
    let policy = two_and_three();
    let d = decide(&snapshot(4, 1, 10), alarm(&policy, 50.0, &[]));
    assert_eq!(code(&d), NotScaledCode::NoDatapoints);
}

#[test]
fn metric_aggregation_type_picks_the_step() {
    let mut cfg = step_config(
        AdjustmentType::ChangeInCapacity,
        &[(Some(0.0), Some(20.0), 1), (Some(20.0), INF, 5)],
    );
    let points = [40.0, 60.0, 75.0]; // average 58.3 (breach 8.3), maximum 75 (breach 25)
    let policy = step_policy("avg", cfg.clone());
    assert_eq!(
        decide(&snapshot(4, 1, 20), alarm(&policy, 50.0, &points)).desired,
        5
    );
    cfg.metric_aggregation_type = Some(sagescale_core::model::MetricAggregationType::Maximum);
    let policy = step_policy("max", cfg);
    assert_eq!(
        decide(&snapshot(4, 1, 20), alarm(&policy, 50.0, &points)).desired,
        9
    );
}

#[test]
fn dynamic_scaling_out_suspended_blocks_scale_out_only() {
    let policy = two_and_three();
    let mut s = snapshot(5, 1, 10);
    s.suspended.dynamic_scaling_out_suspended = true;
    assert_eq!(
        code(&decide(&s, alarm(&policy, 50.0, &[55.0]))),
        NotScaledCode::DynamicScalingOutSuspended
    );
    assert_eq!(decide(&s, alarm(&policy, 50.0, &[45.0])).desired, 4);
}

#[test]
fn dynamic_scaling_in_suspended_blocks_scale_in_only() {
    let policy = two_and_three();
    let mut s = snapshot(5, 1, 10);
    s.suspended.dynamic_scaling_in_suspended = true;
    assert_eq!(
        code(&decide(&s, alarm(&policy, 50.0, &[45.0]))),
        NotScaledCode::DynamicScalingInSuspended
    );
    assert_eq!(decide(&s, alarm(&policy, 50.0, &[55.0])).desired, 7);
}

/// AAS concepts: "anytime a scaling policy is invoked ... If [the current capacity] falls outside
/// of the minimum-maximum range, then the capacity is updated to comply with the set minimum
/// and maximum."
#[test]
fn a_policy_invocation_brings_capacity_outside_the_bounds_back_inside() {
    let policy = two_and_three();
    // Above max: a scale-out alarm cannot add, but the invocation still lowers to max.
    let d = decide(&snapshot(14, 1, 10), alarm(&policy, 50.0, &[55.0]));
    assert_eq!(d.desired, 10);
    // Below min: a scale-in alarm still raises to min.
    let d = decide(&snapshot(1, 3, 10), alarm(&policy, 50.0, &[45.0]));
    assert_eq!(d.desired, 3);
    // ... even when the scale-in cooldown would block a scale-in.
    let mut s = snapshot(14, 1, 10);
    s.cooldown = CooldownState {
        scale_out: None,
        scale_in_until: Some(t0() + secs(100)),
    };
    assert_eq!(decide(&s, alarm(&policy, 50.0, &[45.0])).desired, 10);
}

#[test]
fn a_step_policy_works_at_zero_capacity_for_inference_components() {
    let policy = two_and_three();
    let mut s = snapshot(0, 0, 4);
    s.dimension = sagescale_core::model::ScalableDimension::InferenceComponentDesiredCopyCount;
    let d = decide(&s, alarm(&policy, 50.0, &[51.0]));
    assert_eq!(d.desired, 2);
    assert_eq!(
        d.description(s.dimension),
        "Setting desired copy count to 2."
    );
    let d = decide(&snapshot(0, 0, 4), alarm(&policy, 50.0, &[45.0]));
    assert_eq!(code(&d), NotScaledCode::AlreadyAtMinCapacity);
}

#[test]
fn the_cause_names_the_alarm_and_the_policy_like_aas() {
    let policy = two_and_three();
    let d = decide(&snapshot(4, 1, 10), alarm(&policy, 50.0, &[55.0]));
    assert_eq!(
        d.cause.to_string(),
        "monitor alarm steps-alarm in state ALARM triggered policy steps"
    );
    assert_eq!(
        d.description(sagescale_core::model::ScalableDimension::VariantDesiredInstanceCount),
        "Setting desired instance count to 6."
    );
}

#[test]
fn a_target_tracking_policy_on_an_alarm_trigger_proposes_nothing() {
    let policy = tt_policy("tt", tt_config(70.0));
    let d = decide(
        &snapshot(4, 1, 10),
        Trigger::Alarm {
            policy: &policy,
            alarm: "a",
            threshold: 50.0,
            datapoints: &[60.0],
        },
    );
    assert_eq!(code(&d), NotScaledCode::NoStepMatched);
}
