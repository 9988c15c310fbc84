//! Step selection and adjustment arithmetic, row by row from the AAS documentation
//! (API reference StepAdjustment / StepScalingPolicyConfiguration, user guide "Step scaling").

mod engine_support;

use engine_support::steps;
use sagescale_core::model::{AdjustmentType, MetricAggregationType};
use sagescale_core::step::{
    adjusted_capacity, aggregate, breach, percent_change, select_step, step_matches,
};

const INF: Option<f64> = None;

/// AAS StepAdjustment: "suppose that you have an alarm with a breach threshold of 50: To
/// initiate the adjustment when the metric is greater than or equal to 50 and less than 60,
/// specify a lower bound of 0 and an upper bound of 10. ... when the metric is greater than 40
/// and less than or equal to 50, specify a lower bound of -10 and an upper bound of 0."
#[test]
fn bounds_are_inclusive_toward_the_threshold_side_as_documented() {
    let above = &steps(&[(Some(0.0), Some(10.0), 1)])[0];
    let below = &steps(&[(Some(-10.0), Some(0.0), -1)])[0];
    let threshold = 50.0;
    // (metric, matches [0, 10), matches (-10, 0])
    let table = [
        (50.0, true, false),
        (55.0, true, false),
        (59.999, true, false),
        (60.0, false, false),
        (49.999, false, true),
        (45.0, false, true),
        (40.001, false, true),
        (40.0, false, false),
    ];
    for (metric, in_above, in_below) in table {
        let b = metric - threshold;
        assert_eq!(
            step_matches(above, b),
            in_above,
            "metric {metric} vs [0,10)"
        );
        assert_eq!(
            step_matches(below, b),
            in_below,
            "metric {metric} vs (-10,0]"
        );
    }
}

#[test]
fn null_bounds_are_infinite() {
    let s = steps(&[(INF, Some(-10.0), -3), (Some(20.0), INF, 4)]);
    assert!(step_matches(&s[0], -1e12));
    assert!(step_matches(&s[0], -10.0));
    assert!(!step_matches(&s[0], -9.0));
    assert!(step_matches(&s[1], 20.0));
    assert!(step_matches(&s[1], 1e12));
    assert!(!step_matches(&s[1], 19.99));
}

#[test]
fn a_breach_on_a_shared_bound_selects_the_step_away_from_the_threshold() {
    let s = steps(&[
        (INF, Some(-10.0), -2),
        (Some(-10.0), Some(0.0), -1),
        (Some(0.0), Some(10.0), 1),
        (Some(10.0), INF, 2),
    ]);
    let table = [
        (-10.0, -2),
        (-5.0, -1),
        (0.0, 1),
        (-0.0, 1),
        (10.0, 2),
        (9.0, 1),
    ];
    for (b, adjustment) in table {
        let (_, step) = select_step(&s, b).expect("a step");
        assert_eq!(step.scaling_adjustment, adjustment, "breach {b}");
    }
}

#[test]
fn a_breach_outside_every_step_selects_none() {
    let s = steps(&[(Some(0.0), Some(10.0), 1), (Some(10.0), INF, 2)]);
    assert!(select_step(&s, -0.5).is_none());
}

#[test]
fn datapoints_aggregate_by_metric_aggregation_type_default_average() {
    let d = [70.0, 40.0, 55.0, f64::NAN];
    assert_eq!(aggregate(MetricAggregationType::Average, &d), Some(55.0));
    assert_eq!(aggregate(MetricAggregationType::Minimum, &d), Some(40.0));
    assert_eq!(aggregate(MetricAggregationType::Maximum, &d), Some(70.0));
    assert_eq!(breach(None, 50.0, &d), Some(5.0));
    assert_eq!(
        breach(Some(MetricAggregationType::Maximum), 50.0, &d),
        Some(20.0)
    );
    assert_eq!(aggregate(MetricAggregationType::Average, &[]), None);
    assert_eq!(aggregate(MetricAggregationType::Maximum, &[f64::NAN]), None);
}

/// AAS user guide: "Values greater than 1 are rounded down. For example, 12.7 is rounded to 12.
/// Values between 0 and 1 are rounded to 1. For example, .67 is rounded to 1. Values between 0
/// and -1 are rounded to -1. For example, -.58 is rounded to -1. Values less than -1 are
/// rounded up. For example, -6.67 is rounded to -6."
#[test]
fn percent_change_rounds_as_documented() {
    // (current, percent, change): current * percent / 100 gives the documented fraction.
    let table = [
        (127, 10, 12), // 12.7 -> 12
        (67, 1, 1),    // 0.67 -> 1
        (58, -1, -1),  // -0.58 -> -1
        (667, -1, -6), // -6.67 -> -6
        (10, 10, 1),   // exactly 1
        (15, 10, 1),   // 1.5 -> 1
        (10, -10, -1), // exactly -1
        (19, -10, -1), // -1.9 -> -1
        (0, 50, 0),    // percent of nothing
        (10, 0, 0),
        (3, 100, 3),
        (3, -100, -3),
    ];
    for (current, percent, change) in table {
        assert_eq!(
            percent_change(current, percent),
            change,
            "{percent}% of {current}"
        );
    }
}

#[test]
fn change_in_capacity_adds_and_exact_capacity_sets() {
    use AdjustmentType::*;
    assert_eq!(adjusted_capacity(ChangeInCapacity, 5, 3, None), 8);
    assert_eq!(adjusted_capacity(ChangeInCapacity, -2, 3, None), 1);
    assert_eq!(adjusted_capacity(ExactCapacity, 5, 3, None), 5);
    assert_eq!(adjusted_capacity(ExactCapacity, 0, 3, None), 0);
    assert_eq!(
        adjusted_capacity(ChangeInCapacity, i32::MAX, 3, None),
        i32::MAX
    );
}

/// AAS: "suppose that you create a step scaling policy to scale out an Amazon ECS service by 25
/// percent and you specify a MinAdjustmentMagnitude of 2. If the service has 4 tasks ... 25
/// percent of 4 is 1. However, because you specified a MinAdjustmentMagnitude of 2, Application
/// Auto Scaling scales out the service by 2 tasks."
#[test]
fn min_adjustment_magnitude_raises_a_small_percent_change() {
    use AdjustmentType::*;
    assert_eq!(
        adjusted_capacity(PercentChangeInCapacity, 25, 4, Some(2)),
        6
    );
    assert_eq!(adjusted_capacity(PercentChangeInCapacity, 25, 4, None), 5);
    assert_eq!(
        adjusted_capacity(PercentChangeInCapacity, -25, 4, Some(2)),
        2
    );
    // A change already as large is kept.
    assert_eq!(
        adjusted_capacity(PercentChangeInCapacity, 50, 20, Some(2)),
        30
    );
    // Only for percent adjustments.
    assert_eq!(adjusted_capacity(ChangeInCapacity, 1, 4, Some(3)), 5);
}

/// sagescale's decision (AAS silent): percent of 0 is 0, and MinAdjustmentMagnitude then moves
/// in the step's direction, so an inference component can scale up from zero copies.
#[test]
fn percent_of_zero_capacity_moves_only_with_min_adjustment_magnitude() {
    use AdjustmentType::*;
    assert_eq!(adjusted_capacity(PercentChangeInCapacity, 50, 0, None), 0);
    assert_eq!(
        adjusted_capacity(PercentChangeInCapacity, 50, 0, Some(1)),
        1
    );
    assert_eq!(adjusted_capacity(PercentChangeInCapacity, 0, 5, Some(1)), 5);
}
