//! The engine on scheduled actions. AAS: "If current capacity is less than the specified minimum
//! capacity, Application Auto Scaling scales out (increases capacity) to the specified minimum
//! capacity. If current capacity is greater than the specified maximum capacity, Application
//! Auto Scaling scales in (decreases capacity) to the specified maximum capacity."

mod engine_support;

use engine_support::*;
use sagescale_core::activity::NotScaledCode;
use sagescale_core::decide::{Bounds, CooldownState, ScaleOutCooldown, Snapshot, Trigger, decide};
use sagescale_core::model::ScalableDimension;

fn cooling(desired: i32, min: i32, max: i32) -> Snapshot {
    let mut s = snapshot(desired, min, max);
    s.cooldown = CooldownState {
        scale_out: Some(ScaleOutCooldown {
            until: t0() + secs(120),
            base_capacity: desired - 1,
        }),
        scale_in_until: Some(t0() + secs(200)),
    };
    s
}

#[test]
fn a_scheduled_action_sets_the_bounds_and_scales_out_to_the_new_minimum_ignoring_cooldowns() {
    let action = scheduled("friday-peak", Some(50), Some(60));
    let s = cooling(4, 2, 10);
    let d = decide(&s, Trigger::Scheduled { action: &action });
    assert_eq!(d.desired, 50);
    assert_eq!(d.bounds, Bounds { min: 50, max: 60 });
    assert!(d.not_scaled.is_empty());
    // Scheduled actions neither start nor end cooldowns.
    assert_eq!(d.cooldown, s.cooldown);
    assert_eq!(
        d.cause.to_string(),
        "scheduled action name friday-peak was triggered"
    );
}

#[test]
fn a_scheduled_action_scales_in_to_the_new_maximum_during_the_scale_in_cooldown() {
    let action = scheduled("monday-calm", Some(2), Some(4));
    let d = decide(&cooling(50, 50, 60), Trigger::Scheduled { action: &action });
    assert_eq!(d.desired, 4);
    assert_eq!(d.bounds, Bounds { min: 2, max: 4 });
}

#[test]
fn a_capacity_inside_the_new_bounds_stays_and_only_the_bounds_change() {
    let action = scheduled("widen", Some(1), Some(20));
    let s = snapshot(6, 2, 10);
    let d = decide(&s, Trigger::Scheduled { action: &action });
    assert!(!d.scaled());
    assert!(d.not_scaled.is_empty());
    assert_eq!(d.bounds, Bounds { min: 1, max: 20 });
    // The activity says the new bounds, not the unchanged capacity (AAS's wording).
    assert_eq!(
        d.description(ScalableDimension::VariantDesiredInstanceCount),
        "Setting min capacity to 1 and max capacity to 20."
    );
}

#[test]
fn a_scheduled_action_that_scales_says_the_new_capacity() {
    let action = scheduled("friday-peak", Some(50), Some(60));
    let d = decide(&snapshot(4, 2, 10), Trigger::Scheduled { action: &action });
    assert_eq!(
        d.description(ScalableDimension::VariantDesiredInstanceCount),
        "Setting desired instance count to 50."
    );
}

#[test]
fn an_action_that_changes_nothing_is_already_at_desired_capacity() {
    let action = scheduled("same", Some(2), Some(10));
    let d = decide(&snapshot(6, 2, 10), Trigger::Scheduled { action: &action });
    assert_eq!(code(&d), NotScaledCode::AlreadyAtDesiredCapacity);
}

#[test]
fn an_action_may_set_only_one_bound() {
    let min_only = scheduled("min-only", Some(8), None);
    let d = decide(
        &snapshot(3, 2, 10),
        Trigger::Scheduled { action: &min_only },
    );
    assert_eq!((d.desired, d.bounds), (8, Bounds { min: 8, max: 10 }));
    let max_only = scheduled("max-only", None, Some(5));
    let d = decide(
        &snapshot(7, 2, 10),
        Trigger::Scheduled { action: &max_only },
    );
    assert_eq!((d.desired, d.bounds), (5, Bounds { min: 2, max: 5 }));
}

/// sagescale's choice: a lone bound beyond the other one moves the other one along.
#[test]
fn a_lone_minimum_above_the_maximum_raises_the_maximum() {
    let action = scheduled("min-only", Some(15), None);
    let d = decide(&snapshot(3, 2, 10), Trigger::Scheduled { action: &action });
    assert_eq!((d.desired, d.bounds), (15, Bounds { min: 15, max: 15 }));
    let action = scheduled("max-only", None, Some(1));
    let d = decide(&snapshot(3, 2, 10), Trigger::Scheduled { action: &action });
    assert_eq!((d.desired, d.bounds), (1, Bounds { min: 1, max: 1 }));
}

#[test]
fn scheduled_scaling_suspended_blocks_the_action() {
    let action = scheduled("friday-peak", Some(50), Some(60));
    let mut s = snapshot(4, 2, 10);
    s.suspended.scheduled_scaling_suspended = true;
    let d = decide(&s, Trigger::Scheduled { action: &action });
    assert_eq!(code(&d), NotScaledCode::ScheduledScalingSuspended);
    assert_eq!(d.bounds, s.bounds);
    // Suspended: no bounds are set, so the activity does not claim any.
    assert!(
        !d.description(ScalableDimension::VariantDesiredInstanceCount)
            .contains("min capacity"),
    );
}

#[test]
fn dynamic_scaling_suspension_does_not_block_scheduled_actions() {
    let action = scheduled("friday-peak", Some(50), Some(60));
    let mut s = snapshot(4, 2, 10);
    s.suspended.dynamic_scaling_in_suspended = true;
    s.suspended.dynamic_scaling_out_suspended = true;
    assert_eq!(
        decide(&s, Trigger::Scheduled { action: &action }).desired,
        50
    );
}

#[test]
fn an_inference_component_can_be_scheduled_to_zero_copies() {
    let action = scheduled("night", Some(0), Some(0));
    let d = decide(&snapshot(2, 1, 4), Trigger::Scheduled { action: &action });
    assert_eq!((d.desired, d.bounds), (0, Bounds { min: 0, max: 0 }));
}
