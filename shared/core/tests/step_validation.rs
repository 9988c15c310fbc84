//! The step-list rules of AAS, one bad fixture per rule with the problem it reports.
//! AAS StepAdjustment: "The ranges of your step adjustments can't overlap or have a gap. At most
//! one step adjustment can have a null lower bound. If one step adjustment has a negative lower
//! bound, then there must be a step adjustment with a null lower bound. At most one step
//! adjustment can have a null upper bound. If one step adjustment has a positive upper bound,
//! then there must be a step adjustment with a null upper bound. The upper and lower bound
//! can't be null in the same step adjustment." User guide: "You can create 20 step adjustments
//! per scaling policy."

mod engine_support;

use engine_support::{Row, step_config, steps};
use sagescale_core::model::AdjustmentType;
use sagescale_core::step::{StepProblem, check_step_adjustments, check_step_configuration};

const INF: Option<f64> = None;

fn problems(rows: &[Row]) -> Vec<StepProblem> {
    check_step_adjustments(&steps(rows))
}

fn assert_one(found: &[StepProblem], field: &str, fragment: &str) {
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].field, field);
    assert!(
        found[0].message.contains(fragment),
        "message {:?} lacks {fragment:?}",
        found[0].message
    );
}

#[test]
fn documented_valid_lists_have_no_problems() {
    let lists: [&[Row]; 4] = [
        &[(Some(0.0), Some(10.0), 1), (Some(10.0), INF, 3)],
        &[(INF, Some(-10.0), -2), (Some(-10.0), Some(0.0), -1)],
        &[(INF, Some(0.0), -1), (Some(0.0), INF, 1)],
        &[(Some(0.0), INF, 1)],
    ];
    for rows in lists {
        assert_eq!(problems(rows), vec![], "{rows:?}");
    }
}

#[test]
fn overlapping_ranges_are_rejected() {
    let found = problems(&[(Some(0.0), Some(15.0), 1), (Some(10.0), INF, 3)]);
    assert_one(
        &found,
        "StepAdjustments[1].MetricIntervalLowerBound",
        "overlap",
    );
}

#[test]
fn a_gap_between_ranges_is_rejected() {
    let found = problems(&[(Some(0.0), Some(10.0), 1), (Some(12.0), INF, 3)]);
    assert_one(&found, "StepAdjustments[1].MetricIntervalLowerBound", "gap");
}

#[test]
fn a_step_with_both_bounds_null_is_rejected() {
    let found = problems(&[(INF, INF, 1)]);
    assert_one(&found, "StepAdjustments[0]", "can't both be null");
}

#[test]
fn only_one_step_may_have_a_null_lower_bound() {
    let found = problems(&[
        (INF, Some(-5.0), -1),
        (INF, Some(0.0), -2),
        (Some(0.0), INF, 1),
    ]);
    assert!(
        found
            .iter()
            .any(|p| p.field == "StepAdjustments[1].MetricIntervalLowerBound"
                && p.message.contains("at most one")),
        "{found:#?}"
    );
}

#[test]
fn only_one_step_may_have_a_null_upper_bound() {
    let found = problems(&[(Some(0.0), INF, 1), (Some(5.0), INF, 2)]);
    assert!(
        found
            .iter()
            .any(|p| p.field == "StepAdjustments[1].MetricIntervalUpperBound"
                && p.message.contains("at most one")),
        "{found:#?}"
    );
}

#[test]
fn a_negative_lower_bound_needs_a_step_with_a_null_lower_bound() {
    let found = problems(&[(Some(-10.0), Some(0.0), -1)]);
    assert_one(
        &found,
        "StepAdjustments[0].MetricIntervalLowerBound",
        "null MetricIntervalLowerBound is required",
    );
}

#[test]
fn a_positive_upper_bound_needs_a_step_with_a_null_upper_bound() {
    let found = problems(&[(Some(0.0), Some(10.0), 1)]);
    assert_one(
        &found,
        "StepAdjustments[0].MetricIntervalUpperBound",
        "null MetricIntervalUpperBound is required",
    );
}

#[test]
fn the_upper_bound_must_exceed_the_lower_bound() {
    let found = problems(&[(Some(10.0), Some(10.0), 1), (Some(10.0), INF, 2)]);
    assert!(
        found
            .iter()
            .any(|p| p.field == "StepAdjustments[0].MetricIntervalUpperBound"
                && p.message.contains("greater than")),
        "{found:#?}"
    );
}

#[test]
fn at_most_twenty_steps() {
    let mut rows: Vec<Row> = (0..20)
        .map(|i| (Some(i as f64), Some(i as f64 + 1.0), 1))
        .collect();
    rows.push((Some(20.0), INF, 2));
    assert_one(&problems(&rows), "StepAdjustments", "at most 20");
    rows.pop();
    rows[19].1 = INF;
    assert_eq!(problems(&rows), vec![]);
}

#[test]
fn at_least_one_step() {
    assert_one(&problems(&[]), "StepAdjustments", "at least one");
}

#[test]
fn non_finite_bounds_are_rejected() {
    let found = problems(&[(Some(f64::NAN), INF, 1)]);
    assert!(
        found
            .iter()
            .any(|p| p.field == "StepAdjustments[0].MetricIntervalLowerBound"
                && p.message.contains("finite")),
        "{found:#?}"
    );
}

/// AAS: "For exact capacity, you must specify a non-negative value."
#[test]
fn exact_capacity_adjustments_must_be_non_negative() {
    let cfg = step_config(
        AdjustmentType::ExactCapacity,
        &[(INF, Some(0.0), -1), (Some(0.0), INF, 4)],
    );
    assert_one(
        &check_step_configuration(&cfg),
        "StepAdjustments[0].ScalingAdjustment",
        "non-negative",
    );
}

/// AAS: "The minimum value to scale by when the adjustment type is PercentChangeInCapacity."
#[test]
fn min_adjustment_magnitude_only_with_percent_change() {
    let mut cfg = step_config(AdjustmentType::ChangeInCapacity, &[(Some(0.0), INF, 1)]);
    cfg.min_adjustment_magnitude = Some(2);
    assert_one(
        &check_step_configuration(&cfg),
        "MinAdjustmentMagnitude",
        "PercentChangeInCapacity",
    );
    cfg.adjustment_type = AdjustmentType::PercentChangeInCapacity;
    assert_eq!(check_step_configuration(&cfg), vec![]);
}
