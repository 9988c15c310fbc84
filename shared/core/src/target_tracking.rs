//! Target tracking: what one policy asks for, given its recent metric datapoints.
//! `decide` combines the policies of a target (the several-policies rule).
//!
//! AAS creates two CloudWatch alarms per target-tracking policy and does not document their
//! exact shape in the Application Auto Scaling guide; sagescale evaluates the metric itself with
//! the alarms AAS is known to create (DESIGN §5):
//!
//! - **High alarm (scale out)**: the last 3 one-minute datapoints are all above `TargetValue`
//!   (3 of 3). Proportional: desired = ceil(capacity x metric / target), with the most recent
//!   datapoint as the metric. AAS: *"To ensure application availability, Application Auto
//!   Scaling scales out proportionally to the metric as fast as it can, but scales in more
//!   gradually."*
//! - **Low alarm (scale in)**: the last 15 one-minute datapoints are all below 0.9 x
//!   `TargetValue` (15 of 15). Conservative: desired = ceil(capacity x max(those 15) / target),
//!   the smallest capacity at which even the busiest of those minutes stays at or under target,
//!   so the metric does not rise back above target. AAS: *"a target tracking scaling policy is
//!   more aggressive in adding capacity when utilization increases than it is in removing
//!   capacity when utilization decreases."*
//! - High-resolution metrics (10 s, e.g. `SageMakerVariantConcurrentRequestsPerModelHighResolution`):
//!   the same time windows, 3 minutes (18 datapoints) and 15 minutes (90 datapoints). AAS does
//!   not publish its high-resolution alarms; equal windows keep one policy's behaviour
//!   independent of the metric period. Customized metrics are taken as one-minute metrics.
//! - Fewer datapoints than a window, or a non-finite one inside it: that alarm is not in ALARM
//!   (INSUFFICIENT_DATA), so no action in that direction.
//! - `DisableScaleIn`: *"Indicates whether scale in by the target tracking scaling policy is
//!   disabled. If the value is true, scale in is disabled and the target tracking scaling policy
//!   won't remove capacity from the scalable target."*
//! - Capacity 0 (inference components): proportional scale-out from 0 is computed from 1 (the
//!   load one unit would carry), so a metric above target at zero copies asks for
//!   ceil(metric / target) copies. SageMaker emits no per-copy metric at zero copies, so in
//!   practice this only matters for customized metrics.

use crate::model::{
    ScalingPolicy, TargetTrackingEvaluation, TargetTrackingScalingPolicyConfiguration,
};

/// Ratio of the low alarm's threshold to the target value.
pub const SCALE_IN_THRESHOLD_RATIO: f64 = 0.9;
/// Time covered by the high alarm (3 x 60 s).
pub const SCALE_OUT_WINDOW_SECONDS: u32 = 180;
/// Time covered by the low alarm (15 x 60 s).
pub const SCALE_IN_WINDOW_SECONDS: u32 = 900;
/// Longest evaluation the extension accepts: one day of datapoints (CloudWatch alarms too
/// evaluate at most one day).
pub const MAX_EVALUATION_SECONDS: u32 = 86_400;

/// Seconds between datapoints of the policy's metric: 60, or 10 for the high-resolution
/// predefined metrics.
pub fn period_seconds(cfg: &TargetTrackingScalingPolicyConfiguration) -> u32 {
    cfg.predefined_metric_specification
        .as_ref()
        .map_or(60, |p| p.predefined_metric_type.period_seconds())
}

/// The two alarms of one target-tracking policy, resolved: AAS's fixed ones, or those the
/// `TargetTrackingEvaluation` extension asks for. A CloudWatch alarm's vocabulary: an alarm
/// is in ALARM when at least `*_datapoints` of the last `*_periods` datapoints breach.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AlarmRule {
    pub out_periods: usize,
    pub out_datapoints: usize,
    pub in_periods: usize,
    pub in_datapoints: usize,
    pub in_ratio: f64,
}

impl AlarmRule {
    /// AAS's alarms for a metric with datapoints every `period` seconds.
    pub fn aas(period: u32) -> Self {
        let out = window(SCALE_OUT_WINDOW_SECONDS, period);
        let inn = window(SCALE_IN_WINDOW_SECONDS, period);
        Self {
            out_periods: out,
            out_datapoints: out,
            in_periods: inn,
            in_datapoints: inn,
            in_ratio: SCALE_IN_THRESHOLD_RATIO,
        }
    }

    /// The rule of a configuration with an optional extension. Omitted datapoint counts
    /// default to their period counts (N of N, like AAS).
    pub fn new(
        cfg: &TargetTrackingScalingPolicyConfiguration,
        ext: Option<&TargetTrackingEvaluation>,
    ) -> Self {
        let mut r = Self::aas(period_seconds(cfg));
        if let Some(e) = ext {
            let n = |v: Option<i32>| v.map(|v| v.max(1) as usize);
            if let Some(p) = n(e.scale_out_evaluation_periods) {
                r.out_periods = p;
                r.out_datapoints = p;
            }
            if let Some(d) = n(e.scale_out_datapoints_to_alarm) {
                r.out_datapoints = d.min(r.out_periods);
            }
            if let Some(p) = n(e.scale_in_evaluation_periods) {
                r.in_periods = p;
                r.in_datapoints = p;
            }
            if let Some(d) = n(e.scale_in_datapoints_to_alarm) {
                r.in_datapoints = d.min(r.in_periods);
            }
            if let Some(ratio) = e.scale_in_threshold_ratio.filter(|v| *v > 0.0 && *v <= 1.0) {
                r.in_ratio = ratio;
            }
        }
        r
    }

    /// The rule of a target-tracking policy; AAS's when it has no configuration.
    pub fn of(policy: &ScalingPolicy) -> Self {
        match &policy.target_tracking_scaling_policy_configuration {
            Some(cfg) => Self::new(cfg, policy.target_tracking_evaluation.as_ref()),
            None => Self::aas(60),
        }
    }

    /// Datapoints the policy needs to see: the longer of the two windows.
    pub fn history(&self) -> usize {
        self.out_periods.max(self.in_periods)
    }
}

/// Datapoints in the scale-out window for this configuration under AAS's rule.
pub fn scale_out_window(cfg: &TargetTrackingScalingPolicyConfiguration) -> usize {
    AlarmRule::new(cfg, None).out_periods
}

/// Datapoints in the scale-in window for this configuration under AAS's rule.
pub fn scale_in_window(cfg: &TargetTrackingScalingPolicyConfiguration) -> usize {
    AlarmRule::new(cfg, None).in_periods
}

fn window(seconds: u32, period: u32) -> usize {
    (seconds / period.max(1)).max(1) as usize
}

/// The smallest capacity at which `metric`, measured at `capacity`, is at or below `target`:
/// ceil(capacity x metric / target). Float noise within 1e-9 of an integer is snapped to it,
/// so 10 x 77 / 70 = 11.000000000000002 gives 11, not 12.
pub fn capacity_for(capacity: i32, metric: f64, target: f64) -> i32 {
    if target.is_nan() || target <= 0.0 || !metric.is_finite() {
        return capacity;
    }
    let x = f64::from(capacity) * metric / target;
    let nearest = x.round();
    let v = if (x - nearest).abs() <= 1e-9 * nearest.abs().max(1.0) {
        nearest
    } else {
        x.ceil()
    };
    v.clamp(0.0, f64::from(i32::MAX)) as i32
}

/// What one policy's datapoints say at `current` capacity.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Evaluation {
    /// The high alarm condition holds: the last scale-out window is all above target.
    /// Carries the metric to scale by (the most recent datapoint).
    pub out_metric: Option<f64>,
    /// The low alarm condition holds: the last scale-in window is all below 0.9 x target.
    pub below_scale_in_threshold: bool,
    /// ceil(current x max(recent datapoints, up to the scale-in window) / target): the least
    /// capacity that keeps this policy's metric at or under target. `None` without data.
    /// When the low alarm holds this is the policy's scale-in proposal.
    pub keep: Option<i32>,
    /// The metric behind `keep` (max of the recent datapoints).
    pub keep_metric: f64,
    /// Whether this policy may vote for scale-in (`DisableScaleIn` not true).
    pub scale_in_enabled: bool,
    /// At least a full scale-out window of datapoints (else neither alarm can be in ALARM).
    pub enough_data: bool,
}

impl Evaluation {
    /// Whether this policy agrees to scale in (its low alarm is in ALARM and scale-in is on).
    pub fn wants_in(&self) -> bool {
        self.scale_in_enabled && self.below_scale_in_threshold
    }

    /// Scale-out proposal computed from `from` capacity (the capacity before the scale-out
    /// that started an active scale-out cooldown, or the current capacity).
    pub fn out_capacity(&self, from: i32, target: f64) -> Option<i32> {
        self.out_metric
            .map(|m| capacity_for(from.max(1), m, target))
    }
}

/// Evaluate one policy under AAS's alarms. `datapoints` oldest first, one per metric period;
/// a missing period is NaN.
pub fn evaluate(
    cfg: &TargetTrackingScalingPolicyConfiguration,
    datapoints: &[f64],
    current: i32,
) -> Evaluation {
    evaluate_with(cfg, &AlarmRule::new(cfg, None), datapoints, current)
}

/// Evaluate one policy under `rule`. A missing (NaN) datapoint never breaches, as a
/// CloudWatch alarm treats missing data by default ("missing"): it neither counts toward
/// the alarm nor is made up.
pub fn evaluate_with(
    cfg: &TargetTrackingScalingPolicyConfiguration,
    rule: &AlarmRule,
    datapoints: &[f64],
    current: i32,
) -> Evaluation {
    let target = cfg.target_value;
    let last = |n: usize| &datapoints[datapoints.len().saturating_sub(n)..];

    let out_window = last(rule.out_periods);
    let above = |v: &f64| v.is_finite() && *v > target;
    let out_metric = (out_window.len() == rule.out_periods
        && out_window.iter().filter(|v| above(v)).count() >= rule.out_datapoints)
        .then(|| out_window.iter().rev().copied().find(above))
        .flatten();

    let in_window = last(rule.in_periods);
    let threshold = rule.in_ratio * target;
    let below = in_window.len() == rule.in_periods
        && in_window
            .iter()
            .filter(|v| v.is_finite() && **v < threshold)
            .count()
            >= rule.in_datapoints;

    let recent_max = in_window
        .iter()
        .copied()
        .filter(|v| v.is_finite())
        .fold(None, |m: Option<f64>, v| Some(m.map_or(v, |m| m.max(v))));

    Evaluation {
        out_metric,
        below_scale_in_threshold: below,
        keep: recent_max.map(|m| capacity_for(current, m, target)),
        keep_metric: recent_max.unwrap_or(f64::NAN),
        scale_in_enabled: cfg.disable_scale_in != Some(true),
        enough_data: datapoints.iter().filter(|v| v.is_finite()).count()
            >= rule.out_datapoints.min(rule.in_datapoints),
    }
}
