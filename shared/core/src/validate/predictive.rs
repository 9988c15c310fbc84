//! AAS's rules for a `PredictiveScaling` policy (API reference,
//! *PredictiveScalingPolicyConfiguration* and *PredictiveScalingMetricSpecification*), and the
//! ranges of sagescale's `PredictiveScalingForecast`:
//! - `MetricSpecifications`: *"This is an array, but we currently only support a single metric
//!   specification. That is, you can specify a target value and a single metric pair, or a
//!   target value and one scaling metric and one load metric."*
//! - *"You must specify either a metric pair, or a load metric and a scaling metric
//!   individually."* A capacity metric is optional and only customized.
//! - `SchedulingBufferTime`: 0-3600 seconds. `MaxCapacityBuffer`: 0-100, *"required if
//!   MaxCapacityBreachBehavior is IncreaseMaxCapacity, and cannot be used otherwise"* (the EC2
//!   Auto Scaling reference words it so; AAS's points to the same behaviour).
//! - SageMaker metrics have no `ResourceLabel` (AAS uses it for ALB target groups only).

use crate::model::{
    MAX_JITTER_MINUTES, MAX_LOOKBACK_DAYS, PolicyType, PredictivePredefinedMetric,
    PredictiveScalingCustomizedMetric, PredictiveScalingForecast,
    PredictiveScalingMaxCapacityBreachBehavior, PredictiveScalingMetricSpecification,
    PredictiveScalingMode, ScalableTarget, ScalingPolicy,
};

/// Predictive policies on one target: each keeps up to
/// [`crate::state::MAX_STORED_FORECAST_BYTES`] in the target's state item.
pub const MAX_PREDICTIVE_POLICIES: usize = 5;

use super::rules::{ResourceKind, check_metric_kind, check_metric_queries, check_target_value};
use super::{Path, Problems};

pub(super) fn check_policy(
    path: &Path,
    policy: &ScalingPolicy,
    kind: Option<ResourceKind>,
    out: &mut Problems,
) {
    let Some(config) = &policy.predictive_scaling_policy_configuration else {
        out.error(
            path,
            "PolicyType PredictiveScaling requires PredictiveScalingPolicyConfiguration",
        );
        return;
    };
    let path_config = path.field("PredictiveScalingPolicyConfiguration");
    let specs = path_config.field("MetricSpecifications");
    match config.metric_specifications.len() {
        1 => {}
        n => out.error(
            &specs,
            format!("exactly one metric specification is supported (as in AAS); found {n}"),
        ),
    }
    for (i, spec) in config.metric_specifications.iter().enumerate() {
        check_metric_specification(&specs.index(i), spec, kind, out);
    }
    if let Some(buffer) = config.scheduling_buffer_time
        && !(0..=3600).contains(&buffer)
    {
        out.error(
            &path_config.field("SchedulingBufferTime"),
            format!("{buffer} must be 0-3600 seconds"),
        );
    }
    let increase =
        config.breach_behavior() == PredictiveScalingMaxCapacityBreachBehavior::IncreaseMaxCapacity;
    match config.max_capacity_buffer {
        Some(b) if !(0..=100).contains(&b) => out.error(
            &path_config.field("MaxCapacityBuffer"),
            format!("{b} must be 0-100 (percent of the forecast capacity)"),
        ),
        Some(_) if !increase => out.error(
            &path_config.field("MaxCapacityBuffer"),
            "is used only with MaxCapacityBreachBehavior: IncreaseMaxCapacity",
        ),
        None if increase => out.error(
            &path_config.field("MaxCapacityBuffer"),
            "is required with MaxCapacityBreachBehavior: IncreaseMaxCapacity",
        ),
        _ => {}
    }
    if let Some(forecast) = &policy.predictive_scaling_forecast {
        check_forecast(&path.field("PredictiveScalingForecast"), forecast, out);
    }
}

fn check_metric_specification(
    path: &Path,
    spec: &PredictiveScalingMetricSpecification,
    kind: Option<ResourceKind>,
    out: &mut Problems,
) {
    check_target_value(&path.field("TargetValue"), spec.target_value, out);
    let pair = spec.predefined_metric_pair_specification.is_some();
    let load = (
        spec.predefined_load_metric_specification.is_some(),
        spec.customized_load_metric_specification.is_some(),
    );
    let scaling = (
        spec.predefined_scaling_metric_specification.is_some(),
        spec.customized_scaling_metric_specification.is_some(),
    );
    if pair && (load.0 || load.1 || scaling.0 || scaling.1) {
        out.error(
            path,
            "give PredefinedMetricPairSpecification or a load metric and a scaling metric, not both",
        );
    }
    if !pair {
        for ((predefined, customized), what) in [(load, "load"), (scaling, "scaling")] {
            let cap = capitalised(what);
            match (predefined, customized) {
                (true, true) => out.error(
                    path,
                    format!(
                        "give one {what} metric: Predefined{cap}MetricSpecification or \
                         Customized{cap}MetricSpecification, not both"
                    ),
                ),
                (false, false) => out.error(
                    path,
                    format!(
                        "a {what} metric is required (Predefined{cap}MetricSpecification or \
                         Customized{cap}MetricSpecification), or give \
                         PredefinedMetricPairSpecification"
                    ),
                ),
                _ => {}
            }
        }
    }
    if let Some(m) = &spec.predefined_metric_pair_specification {
        let field = path.field("PredefinedMetricPairSpecification");
        check_predefined(
            &field,
            m,
            m.predefined_metric_type.for_inference_component(),
            kind,
            out,
        );
    }
    if let Some(m) = &spec.predefined_load_metric_specification {
        let field = path.field("PredefinedLoadMetricSpecification");
        check_predefined(
            &field,
            m,
            m.predefined_metric_type.for_inference_component(),
            kind,
            out,
        );
    }
    if let Some(m) = &spec.predefined_scaling_metric_specification {
        let field = path.field("PredefinedScalingMetricSpecification");
        check_predefined(
            &field,
            m,
            m.predefined_metric_type.for_inference_component(),
            kind,
            out,
        );
    }
    for (metric, field) in [
        (
            &spec.customized_load_metric_specification,
            "CustomizedLoadMetricSpecification",
        ),
        (
            &spec.customized_scaling_metric_specification,
            "CustomizedScalingMetricSpecification",
        ),
        (
            &spec.customized_capacity_metric_specification,
            "CustomizedCapacityMetricSpecification",
        ),
    ] {
        if let Some(metric) = metric {
            check_customized(&path.field(field), metric, out);
        }
    }
}

fn capitalised(what: &str) -> &'static str {
    if what == "load" { "Load" } else { "Scaling" }
}

fn check_predefined<T: std::fmt::Debug>(
    path: &Path,
    metric: &PredictivePredefinedMetric<T>,
    for_component: bool,
    kind: Option<ResourceKind>,
    out: &mut Problems,
) {
    check_metric_kind(
        &path.field("PredefinedMetricType"),
        &metric.predefined_metric_type,
        for_component,
        kind,
        out,
    );
    if metric.resource_label.is_some() {
        out.error(
            &path.field("ResourceLabel"),
            "AAS takes a ResourceLabel only for ALB request counts; SageMaker metrics have none",
        );
    }
}

fn check_customized(path: &Path, metric: &PredictiveScalingCustomizedMetric, out: &mut Problems) {
    let list = path.field("MetricDataQueries");
    if metric.metric_data_queries.is_empty() {
        out.error(&list, "at least one query is required");
        return;
    }
    check_metric_queries(&list, &metric.metric_data_queries, out);
}

fn check_forecast(path: &Path, f: &PredictiveScalingForecast, out: &mut Problems) {
    if let Some(days) = f.lookback_days
        && !(1..=MAX_LOOKBACK_DAYS).contains(&days)
    {
        out.error(
            &path.field("LookbackDays"),
            format!(
                "{days} must be 1-{MAX_LOOKBACK_DAYS} (CloudWatch keeps one-minute data for 15 days)"
            ),
        );
    }
    if let Some(q) = f.quantile
        && !(0.0..=1.0).contains(&q)
    {
        out.error(&path.field("Quantile"), format!("{q} must be within 0-1"));
    }
    if let Some(j) = f.jitter_minutes
        && !(0..=MAX_JITTER_MINUTES).contains(&j)
    {
        out.error(
            &path.field("JitterMinutes"),
            format!("{j} must be 0-{MAX_JITTER_MINUTES}"),
        );
    }
    if let Some(g) = f.granularity_seconds
        && !((60..=3600).contains(&g) && g % 60 == 0 && 3600 % g == 0)
    {
        out.error(
            &path.field("GranularitySeconds"),
            format!("{g} must be whole minutes from 60 to 3600 that divide an hour (60, 120, 180, 240, 300, 360, 600, 720, 900, 1200, 1800, 3600)"),
        );
    }
    if let Some(r) = f.refresh_interval_seconds
        && !(300..=86_400).contains(&r)
    {
        out.error(
            &path.field("RefreshIntervalSeconds"),
            format!("{r} must be 300-86400 seconds"),
        );
    }
}

/// At most [`MAX_PREDICTIVE_POLICIES`] predictive policies. Target-level warnings: a predictive policy that scales only raises the minimum; with no
/// reactive policy nothing scales the target in again when the forecast falls.
pub(super) fn check_target(path: &Path, target: &ScalableTarget, out: &mut Problems) {
    let count = target
        .scaling_policies
        .iter()
        .filter(|p| p.policy_type == PolicyType::PredictiveScaling)
        .count();
    if count > MAX_PREDICTIVE_POLICIES {
        out.error(
            &path.field("ScalingPolicies"),
            format!(
                "{count} PredictiveScaling policies; at most {MAX_PREDICTIVE_POLICIES} per target \
                 (each keeps its forecast in the target's DynamoDB state item, 400 KB at most)"
            ),
        );
    }
    let scaling = target.scaling_policies.iter().any(|p| {
        p.policy_type == PolicyType::PredictiveScaling
            && p.predictive_scaling_policy_configuration
                .as_ref()
                .is_some_and(|c| c.mode() == PredictiveScalingMode::ForecastAndScale)
    });
    let reactive = target
        .scaling_policies
        .iter()
        .any(|p| p.policy_type != PolicyType::PredictiveScaling);
    if scaling && !reactive {
        out.warning(
            &path.field("ScalingPolicies"),
            "a ForecastAndScale policy only raises the minimum capacity: without a target-tracking \
             or step policy, nothing scales the target in again when the forecast falls",
        );
    }
}
