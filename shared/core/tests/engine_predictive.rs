//! The forecast floor in the decision engine: `Trigger::Forecast` scales out to it, every other
//! decision sees the minimum raised by it, and the floor never becomes stored bounds.

mod engine_support;

use chrono::TimeZone;
use engine_support::*;
use sagescale_core::activity::NotScaledCode;
use sagescale_core::decide::{Bounds, Cause, Trigger, decide};
use sagescale_core::model::SuspendedState;
use sagescale_core::predictive::ForecastFloor;

fn floor(capacity: i32, max: Option<i32>) -> Option<ForecastFloor> {
    Some(ForecastFloor {
        capacity,
        max,
        interval: chrono::Utc
            .with_ymd_and_hms(2026, 11, 27, 18, 5, 0)
            .unwrap(),
    })
}

#[test]
fn the_forecast_scales_out_to_its_floor_without_touching_cooldowns_or_stored_bounds() {
    let mut s = snapshot(3, 1, 20);
    s.forecast = floor(8, None);
    let d = decide(&s, Trigger::Forecast { policy: "forecast" });
    assert_eq!(d.desired, 8);
    assert_eq!(d.bounds, Bounds { min: 1, max: 20 });
    assert_eq!(d.cooldown, s.cooldown);
    assert!(matches!(
        d.cause,
        Cause::Forecast {
            policy: "forecast",
            capacity: 8,
            ..
        }
    ));
    assert!(
        d.cause
            .to_string()
            .contains("forecast capacity 8 for the interval from 2026-11-27T18:05Z")
    );
}

#[test]
fn honor_max_capacity_stops_at_the_maximum() {
    let mut s = snapshot(3, 1, 6);
    s.forecast = floor(8, None);
    assert_eq!(decide(&s, Trigger::Forecast { policy: "f" }).desired, 6);
    // IncreaseMaxCapacity (buffer 10%): the maximum rises to 9 and the floor is met.
    s.forecast = floor(8, Some(9));
    let d = decide(&s, Trigger::Forecast { policy: "f" });
    assert_eq!(d.desired, 8);
    assert_eq!(d.bounds, Bounds { min: 1, max: 6 });
}

#[test]
fn at_or_above_the_floor_nothing_changes_and_suspension_blocks_it() {
    let mut s = snapshot(9, 1, 20);
    s.forecast = floor(8, None);
    let d = decide(&s, Trigger::Forecast { policy: "f" });
    assert!(!d.scaled());
    assert!(
        d.not_scaled
            .contains(NotScaledCode::AlreadyAtDesiredCapacity)
    );
    let mut s = snapshot(3, 1, 20);
    s.forecast = floor(8, None);
    s.suspended = SuspendedState {
        dynamic_scaling_out_suspended: true,
        ..SuspendedState::default()
    };
    let d = decide(&s, Trigger::Forecast { policy: "f" });
    assert!(
        d.not_scaled
            .contains(NotScaledCode::DynamicScalingOutSuspended)
    );
    let mut s = snapshot(3, 1, 20);
    s.forecast = None;
    assert!(!decide(&s, Trigger::Forecast { policy: "f" }).scaled());
}

#[test]
fn target_tracking_scale_in_stops_at_the_floor() {
    // Low metric: target tracking would scale in to 1; the floor holds 5.
    let policy = tt_policy("tt", tt_config(100.0));
    let inputs = [sagescale_core::decide::TargetTrackingInput {
        policy: &policy,
        datapoints: &[10.0; 15],
    }];
    let mut s = snapshot(10, 1, 20);
    s.forecast = floor(5, None);
    let d = decide(&s, Trigger::TargetTracking { inputs: &inputs });
    assert_eq!(d.desired, 5);
    assert_eq!(
        d.bounds,
        Bounds { min: 1, max: 20 },
        "the floor is not stored"
    );
    s.forecast = None;
    assert!(decide(&s, Trigger::TargetTracking { inputs: &inputs }).desired < 5);
}

#[test]
fn a_scheduled_action_sets_stored_bounds_and_capacity_stays_at_the_floor() {
    let action = scheduled("night", Some(1), Some(12));
    let mut s = snapshot(10, 4, 20);
    s.forecast = floor(7, None);
    let d = decide(&s, Trigger::Scheduled { action: &action });
    assert_eq!(d.bounds, Bounds { min: 1, max: 12 });
    assert_eq!(d.desired, 10);
    // A maximum below the floor wins under HonorMaxCapacity.
    let low = scheduled("cap", None, Some(3));
    let d = decide(&s, Trigger::Scheduled { action: &low });
    assert_eq!(d.desired, 3);
}
