//! Step scaling: the breach, step selection, the adjustment arithmetic (AAS rounding) and the
//! step-list rules. Pure functions shared by the engine, validation and the simulator.
//!
//! AAS sources (API reference `StepAdjustment`, `StepScalingPolicyConfiguration`; user guide
//! "Step scaling policies"):
//!
//! - *"MetricIntervalLowerBound: The lower bound for the difference between the alarm threshold
//!   and the CloudWatch metric. If the metric value is above the breach threshold, the lower
//!   bound is inclusive (the metric must be greater than or equal to the threshold plus the lower
//!   bound). Otherwise, it is exclusive (the metric must be greater than the threshold plus the
//!   lower bound). A null value indicates negative infinity."* The upper bound mirrors it:
//!   exclusive above the threshold, inclusive below, null is positive infinity.
//! - *"MetricAggregationType: ... Valid values are Minimum, Maximum, and Average. If the
//!   aggregation type is null, the value is treated as Average."*
//! - Rounding of `PercentChangeInCapacity` (user guide): values greater than 1 are rounded down
//!   (12.7 -> 12), values between 0 and 1 become 1 (0.67 -> 1), values between 0 and -1 become
//!   -1 (-0.58 -> -1), values less than -1 are rounded up, toward zero (-6.67 -> -6).
//! - *"MinAdjustmentMagnitude: The minimum value to scale by when the adjustment type is
//!   PercentChangeInCapacity. ... 25 percent of 4 is 1. However, because you specified a
//!   MinAdjustmentMagnitude of 2, Application Auto Scaling scales out the service by 2 tasks."*
//! - Step rules: *"The ranges of your step adjustments can't overlap or have a gap. At most one
//!   step adjustment can have a null lower bound. If one step adjustment has a negative lower
//!   bound, then there must be a step adjustment with a null lower bound. At most one step
//!   adjustment can have a null upper bound. If one step adjustment has a positive upper bound,
//!   then there must be a step adjustment with a null upper bound. The upper and lower bound
//!   can't be null in the same step adjustment."* *"You can create 20 step adjustments per
//!   scaling policy."* *"For exact capacity, you must specify a non-negative value."*
//!
//! Where AAS is silent: a percent change of a zero capacity is 0; with `MinAdjustmentMagnitude`
//! it becomes that magnitude in the direction of the step's sign, so a percent policy can scale
//! an inference component up from zero copies. Non-finite datapoints (NaN, inf) are ignored.

use crate::model::{
    AdjustmentType, MetricAggregationType, StepAdjustment, StepScalingPolicyConfiguration,
};

/// AAS: "You can create 20 step adjustments per scaling policy."
pub const MAX_STEP_ADJUSTMENTS: usize = 20;

/// Aggregate an alarm's recent datapoints (any order). `None` when there is no finite one.
pub fn aggregate(kind: MetricAggregationType, datapoints: &[f64]) -> Option<f64> {
    let mut finite = datapoints.iter().copied().filter(|v| v.is_finite());
    let first = finite.next()?;
    Some(match kind {
        MetricAggregationType::Average => {
            let (sum, n) = finite.fold((first, 1u32), |(s, n), v| (s + v, n + 1));
            sum / f64::from(n)
        }
        MetricAggregationType::Minimum => finite.fold(first, f64::min),
        MetricAggregationType::Maximum => finite.fold(first, f64::max),
    })
}

/// breach = aggregate(datapoints) - threshold, with the policy's aggregation (default Average).
pub fn breach(
    aggregation: Option<MetricAggregationType>,
    threshold: f64,
    datapoints: &[f64],
) -> Option<f64> {
    aggregate(aggregation.unwrap_or_default(), datapoints).map(|v| v - threshold)
}

/// Whether `step` covers `breach`: at or above the threshold (breach >= 0) the range is
/// `lower <= breach < upper`; below it, `lower < breach <= upper`. Null bounds are infinite.
pub fn step_matches(step: &StepAdjustment, breach: f64) -> bool {
    let lower = step
        .metric_interval_lower_bound
        .unwrap_or(f64::NEG_INFINITY);
    let upper = step.metric_interval_upper_bound.unwrap_or(f64::INFINITY);
    if breach >= 0.0 {
        lower <= breach && breach < upper
    } else {
        lower < breach && breach <= upper
    }
}

/// The step that covers `breach`, with its index. On an invalid (overlapping) list the first
/// match wins; a valid list has at most one.
pub fn select_step(steps: &[StepAdjustment], breach: f64) -> Option<(usize, &StepAdjustment)> {
    steps
        .iter()
        .enumerate()
        .find(|(_, s)| step_matches(s, breach))
}

/// The change of `PercentChangeInCapacity` for `percent` % of `current`, with AAS rounding:
/// toward zero, but a non-zero fraction is at least 1 in magnitude. Exact integer arithmetic.
pub fn percent_change(current: i32, percent: i32) -> i32 {
    let product = i64::from(current) * i64::from(percent);
    let whole = product / 100; // truncates toward zero: floor above 1, ceil below -1
    let change = if whole == 0 && product % 100 != 0 {
        product.signum() // (0, 1) -> 1 and (-1, 0) -> -1
    } else {
        whole
    };
    saturate(change)
}

/// The capacity one step asks for from `current`, before bounds.
/// `min_adjustment_magnitude` applies to `PercentChangeInCapacity` only (as in AAS).
pub fn adjusted_capacity(
    adjustment_type: AdjustmentType,
    scaling_adjustment: i32,
    current: i32,
    min_adjustment_magnitude: Option<i32>,
) -> i32 {
    match adjustment_type {
        AdjustmentType::ChangeInCapacity => current.saturating_add(scaling_adjustment),
        AdjustmentType::ExactCapacity => scaling_adjustment,
        AdjustmentType::PercentChangeInCapacity => {
            let mut change = percent_change(current, scaling_adjustment);
            if let Some(magnitude) = min_adjustment_magnitude.filter(|m| *m > 0)
                && scaling_adjustment != 0
                && change.unsigned_abs() < magnitude.unsigned_abs()
            {
                change = magnitude * scaling_adjustment.signum();
            }
            current.saturating_add(change)
        }
    }
}

fn saturate(v: i64) -> i32 {
    v.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32
}

/// One broken step rule. `field` is a path suffix relative to the
/// `StepScalingPolicyConfiguration`, e.g. `StepAdjustments[2].MetricIntervalLowerBound`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepProblem {
    pub field: String,
    pub message: String,
}

impl StepProblem {
    fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

impl std::fmt::Display for StepProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

/// Every rule of a step scaling configuration: the step-list rules of
/// [`check_step_adjustments`], ExactCapacity adjustments non-negative, and
/// `MinAdjustmentMagnitude` only with `PercentChangeInCapacity` (and not negative).
pub fn check_step_configuration(cfg: &StepScalingPolicyConfiguration) -> Vec<StepProblem> {
    let mut problems = check_step_adjustments(&cfg.step_adjustments);
    if cfg.adjustment_type == AdjustmentType::ExactCapacity {
        for (i, s) in cfg.step_adjustments.iter().enumerate() {
            if s.scaling_adjustment < 0 {
                problems.push(StepProblem::new(
                    format!("StepAdjustments[{i}].ScalingAdjustment"),
                    format!(
                        "ScalingAdjustment {} is negative; ExactCapacity adjustments must be non-negative",
                        s.scaling_adjustment
                    ),
                ));
            }
        }
    }
    if let Some(m) = cfg.min_adjustment_magnitude {
        if cfg.adjustment_type != AdjustmentType::PercentChangeInCapacity {
            problems.push(StepProblem::new(
                "MinAdjustmentMagnitude",
                "MinAdjustmentMagnitude is only valid with AdjustmentType PercentChangeInCapacity",
            ));
        }
        if m < 0 {
            problems.push(StepProblem::new(
                "MinAdjustmentMagnitude",
                format!("MinAdjustmentMagnitude {m} must not be negative"),
            ));
        }
    }
    problems
}

/// The step-list rules of AAS: at least one and at most 20 steps; bounds finite; no step with
/// both bounds null; upper > lower; at most one null lower and one null upper bound; a negative
/// lower bound needs a step with a null lower bound, a positive upper bound one with a null
/// upper bound; no overlap and no gap between the ranges. An empty result means valid.
pub fn check_step_adjustments(steps: &[StepAdjustment]) -> Vec<StepProblem> {
    let mut problems = Vec::new();
    if steps.is_empty() {
        problems.push(StepProblem::new(
            "StepAdjustments",
            "at least one step adjustment is required",
        ));
        return problems;
    }
    if steps.len() > MAX_STEP_ADJUSTMENTS {
        problems.push(StepProblem::new(
            "StepAdjustments",
            format!(
                "{} step adjustments; at most {MAX_STEP_ADJUSTMENTS} are allowed per policy",
                steps.len()
            ),
        ));
    }

    // Per-step shape. Only well-shaped steps take part in the overlap/gap check below.
    let mut shaped: Vec<(usize, f64, f64)> = Vec::with_capacity(steps.len());
    for (i, s) in steps.iter().enumerate() {
        let mut ok = true;
        for (name, bound) in [
            ("MetricIntervalLowerBound", s.metric_interval_lower_bound),
            ("MetricIntervalUpperBound", s.metric_interval_upper_bound),
        ] {
            if bound.is_some_and(|b| !b.is_finite()) {
                problems.push(StepProblem::new(
                    format!("StepAdjustments[{i}].{name}"),
                    format!("{name} must be a finite number (omit it for an infinite bound)"),
                ));
                ok = false;
            }
        }
        match (s.metric_interval_lower_bound, s.metric_interval_upper_bound) {
            (None, None) => {
                problems.push(StepProblem::new(
                    format!("StepAdjustments[{i}]"),
                    "MetricIntervalLowerBound and MetricIntervalUpperBound can't both be null in the same step adjustment",
                ));
                ok = false;
            }
            (Some(lo), Some(hi)) if ok && hi <= lo => {
                problems.push(StepProblem::new(
                    format!("StepAdjustments[{i}].MetricIntervalUpperBound"),
                    format!(
                        "MetricIntervalUpperBound {hi} must be greater than MetricIntervalLowerBound {lo}"
                    ),
                ));
                ok = false;
            }
            _ => {}
        }
        if ok {
            shaped.push((
                i,
                s.metric_interval_lower_bound.unwrap_or(f64::NEG_INFINITY),
                s.metric_interval_upper_bound.unwrap_or(f64::INFINITY),
            ));
        }
    }

    check_null_bounds(steps, &mut problems);

    // Overlap and gap: sorted by lower bound, each range must end where the next begins.
    shaped.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.2.total_cmp(&b.2)));
    for pair in shaped.windows(2) {
        let (i, lo_i, hi_i) = pair[0];
        let (j, lo_j, hi_j) = pair[1];
        if hi_i > lo_j {
            problems.push(StepProblem::new(
                format!("StepAdjustments[{j}].MetricIntervalLowerBound"),
                format!(
                    "range {} of StepAdjustments[{j}] overlaps range {} of StepAdjustments[{i}]; step ranges can't overlap",
                    range(lo_j, hi_j),
                    range(lo_i, hi_i)
                ),
            ));
        } else if hi_i < lo_j {
            problems.push(StepProblem::new(
                format!("StepAdjustments[{j}].MetricIntervalLowerBound"),
                format!(
                    "gap between StepAdjustments[{i}] (upper bound {hi_i}) and StepAdjustments[{j}] (lower bound {lo_j}); step ranges can't have a gap"
                ),
            ));
        }
    }
    problems
}

/// At most one null bound on each side, and negative lower / positive upper bounds need the
/// open-ended step on their side.
fn check_null_bounds(steps: &[StepAdjustment], problems: &mut Vec<StepProblem>) {
    check_open_end(steps, problems, OpenEnd::Lower);
    check_open_end(steps, problems, OpenEnd::Upper);
}

#[derive(Clone, Copy)]
enum OpenEnd {
    Lower,
    Upper,
}

fn check_open_end(steps: &[StepAdjustment], problems: &mut Vec<StepProblem>, side: OpenEnd) {
    let (name, sign) = match side {
        OpenEnd::Lower => ("MetricIntervalLowerBound", "negative"),
        OpenEnd::Upper => ("MetricIntervalUpperBound", "positive"),
    };
    let bound = |s: &StepAdjustment| match side {
        OpenEnd::Lower => s.metric_interval_lower_bound,
        OpenEnd::Upper => s.metric_interval_upper_bound,
    };
    let needs_open_end = |b: f64| match side {
        OpenEnd::Lower => b < 0.0,
        OpenEnd::Upper => b > 0.0,
    };
    let nulls: Vec<usize> = (0..steps.len())
        .filter(|&i| bound(&steps[i]).is_none())
        .collect();
    for &i in nulls.iter().skip(1) {
        problems.push(StepProblem::new(
            format!("StepAdjustments[{i}].{name}"),
            format!(
                "at most one step adjustment can have a null {name}; StepAdjustments[{}] already has one",
                nulls[0]
            ),
        ));
    }
    if nulls.is_empty() {
        for (i, s) in steps.iter().enumerate() {
            if let Some(b) = bound(s).filter(|b| b.is_finite() && needs_open_end(*b)) {
                problems.push(StepProblem::new(
                    format!("StepAdjustments[{i}].{name}"),
                    format!(
                        "{name} {b} is {sign}, so a step adjustment with a null {name} is required"
                    ),
                ));
            }
        }
    }
}

fn range(lo: f64, hi: f64) -> String {
    let end = |v: f64| {
        if v.is_infinite() {
            if v > 0.0 {
                "+inf".into()
            } else {
                "-inf".into()
            }
        } else {
            v.to_string()
        }
    };
    format!("[{}, {}]", end(lo), end(hi))
}
