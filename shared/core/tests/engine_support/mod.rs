//! Builders shared by the engine and step tests: AAS-shaped policies, snapshots at a fixed
//! instant, and carrying out a decision the way the handlers do.
#![allow(dead_code)]

use chrono::{DateTime, Duration, TimeZone, Utc};
use sagescale_core::activity::NotScaledCode;
use sagescale_core::decide::{Bounds, CooldownState, Decision, Snapshot, Trigger};
use sagescale_core::model::{
    AdjustmentType, PolicyType, PredefinedMetricSpecification, PredefinedMetricType,
    ScalableDimension, ScalableTargetAction, ScalingPolicy, ScheduledAction, StepAdjustment,
    StepScalingPolicyConfiguration, SuspendedState, TargetTrackingScalingPolicyConfiguration,
};

pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 27, 18, 0, 0).unwrap()
}

pub fn secs(s: i64) -> Duration {
    Duration::seconds(s)
}

pub fn snapshot(desired: i32, min: i32, max: i32) -> Snapshot {
    Snapshot {
        now: t0(),
        desired,
        bounds: Bounds { min, max },
        suspended: SuspendedState::default(),
        cooldown: CooldownState::default(),
        dimension: ScalableDimension::VariantDesiredInstanceCount,
        forecast: None,
    }
}

/// A step as `(lower, upper, adjustment)`, bounds relative to the alarm threshold.
pub type Row = (Option<f64>, Option<f64>, i32);

pub fn steps(rows: &[Row]) -> Vec<StepAdjustment> {
    rows.iter()
        .map(|&(lo, hi, n)| StepAdjustment {
            metric_interval_lower_bound: lo,
            metric_interval_upper_bound: hi,
            scaling_adjustment: n,
        })
        .collect()
}

pub fn step_config(
    adjustment_type: AdjustmentType,
    rows: &[Row],
) -> StepScalingPolicyConfiguration {
    StepScalingPolicyConfiguration {
        adjustment_type,
        step_adjustments: steps(rows),
        min_adjustment_magnitude: None,
        cooldown: None,
        metric_aggregation_type: None,
    }
}

pub fn step_policy(name: &str, cfg: StepScalingPolicyConfiguration) -> ScalingPolicy {
    ScalingPolicy {
        policy_name: name.into(),
        policy_type: PolicyType::StepScaling,
        alarms: vec![format!("{name}-alarm")],
        step_scaling_policy_configuration: Some(cfg),
        target_tracking_scaling_policy_configuration: None,
        target_tracking_evaluation: None,
        predictive_scaling_policy_configuration: None,
        predictive_scaling_forecast: None,
    }
}

pub fn tt_config(target: f64) -> TargetTrackingScalingPolicyConfiguration {
    TargetTrackingScalingPolicyConfiguration {
        target_value: target,
        predefined_metric_specification: Some(PredefinedMetricSpecification {
            predefined_metric_type: PredefinedMetricType::SageMakerVariantInvocationsPerInstance,
            resource_label: None,
        }),
        customized_metric_specification: None,
        scale_out_cooldown: None,
        scale_in_cooldown: None,
        disable_scale_in: None,
    }
}

pub fn tt_policy(name: &str, cfg: TargetTrackingScalingPolicyConfiguration) -> ScalingPolicy {
    ScalingPolicy {
        policy_name: name.into(),
        policy_type: PolicyType::TargetTrackingScaling,
        alarms: vec![],
        step_scaling_policy_configuration: None,
        target_tracking_scaling_policy_configuration: Some(cfg),
        target_tracking_evaluation: None,
        predictive_scaling_policy_configuration: None,
        predictive_scaling_forecast: None,
    }
}

pub fn scheduled(name: &str, min: Option<i32>, max: Option<i32>) -> ScheduledAction {
    ScheduledAction {
        scheduled_action_name: name.into(),
        schedule: "cron(0 18 ? * FRI *)".into(),
        timezone: None,
        start_time: None,
        end_time: None,
        scalable_target_action: ScalableTargetAction {
            min_capacity: min,
            max_capacity: max,
        },
    }
}

/// The trigger for `policy`'s alarm with one datapoint `metric` against `threshold`.
pub fn alarm<'a>(policy: &'a ScalingPolicy, threshold: f64, metric: &'a [f64]) -> Trigger<'a> {
    Trigger::Alarm {
        policy,
        alarm: &policy.alarms[0],
        threshold,
        datapoints: metric,
    }
}

/// The snapshot after `d` is carried out `elapsed` later (capacity, bounds and clocks).
pub fn after(s: &Snapshot, d: &Decision<'_>, elapsed: Duration) -> Snapshot {
    Snapshot {
        now: s.now + elapsed,
        desired: d.desired,
        bounds: d.bounds,
        cooldown: d.cooldown,
        ..*s
    }
}

/// The single not-scaled code of a decision (panics if it scaled).
pub fn code(d: &Decision<'_>) -> NotScaledCode {
    assert!(
        !d.scaled(),
        "expected no change, got {} -> {}",
        d.previous,
        d.desired
    );
    assert_eq!(d.not_scaled.len(), 1, "{:?}", d.not_scaled);
    d.not_scaled.first().unwrap().code
}
