//! The rules pass: AAS's rules for a typed scalable target, its policies and its scheduled
//! actions. Paths continue the structure pass's, so both passes read alike.

use std::collections::HashMap;

use crate::model::{
    CustomizedMetricSpecification, PolicyType, ScalableDimension, ScalableTarget,
    ScalableTargetAction, ScalingPolicy, ScheduledAction, StepScalingPolicyConfiguration,
    TargetTrackingEvaluation, TargetTrackingMetricDataQuery,
    TargetTrackingScalingPolicyConfiguration,
};
use crate::schedule::{ScheduleExpr, parse_time_zone};
use crate::step::check_step_configuration;

use super::names::{
    check_alarm_name, check_policy_name, check_sagemaker_name, check_scheduled_action_name,
};
use super::{Path, Problems};

/// The two kinds of SageMaker scalable resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ResourceKind {
    Variant,
    InferenceComponent,
}

impl ResourceKind {
    pub(super) fn dimension(self) -> ScalableDimension {
        match self {
            Self::Variant => ScalableDimension::VariantDesiredInstanceCount,
            Self::InferenceComponent => ScalableDimension::InferenceComponentDesiredCopyCount,
        }
    }

    pub(super) fn noun(self) -> &'static str {
        match self {
            Self::Variant => "an endpoint variant",
            Self::InferenceComponent => "an inference component",
        }
    }
}

/// AAS's upper limit on TargetValue ("in the range of -2^360 to 2^360").
const MAX_TARGET_VALUE: f64 = 2.348_542_582_773_833_3e108;

pub(super) fn check_target(path: &Path, target: &ScalableTarget, out: &mut Problems) {
    let kind = check_resource(path, target, out);
    check_capacities(path, target, kind, out);

    let policies = named_elements(
        path,
        "ScalingPolicies",
        target
            .scaling_policies
            .iter()
            .map(|p| p.policy_name.as_str()),
        "PolicyName",
        out,
    );
    for (path, policy) in policies.iter().zip(&target.scaling_policies) {
        check_policy(path, policy, kind, out);
    }
    super::predictive::check_target(path, target, out);

    let actions = named_elements(
        path,
        "ScheduledActions",
        target
            .scheduled_actions
            .iter()
            .map(|a| a.scheduled_action_name.as_str()),
        "ScheduledActionName",
        out,
    );
    for (path, action) in actions.iter().zip(&target.scheduled_actions) {
        check_scheduled_action(path, action, kind, out);
    }
}

/// The paths of a list of named elements (policies, actions), reporting repeated names: AAS
/// identifies a policy or action by its name within the target.
fn named_elements<'a>(
    target: &Path,
    list: &str,
    names: impl Iterator<Item = &'a str>,
    name_field: &str,
    out: &mut Problems,
) -> Vec<Path> {
    let names: Vec<&str> = names.collect();
    let paths: Vec<Path> = names
        .iter()
        .enumerate()
        .map(|(index, name)| target.field(list).index(index).scope(Some(name)))
        .collect();
    for (index, earlier) in duplicates(names.into_iter()) {
        out.error(
            &paths[index].field(name_field),
            format!("duplicate {name_field}; {list}[{earlier}] has the same name"),
        );
    }
    paths
}

/// A ResourceId names one scalable target; two entries for it would fight each other.
pub(super) fn check_unique_resource_ids(targets: &[(usize, &ScalableTarget)], out: &mut Problems) {
    let ids = targets.iter().map(|(_, t)| t.resource_id.as_str());
    for (position, earlier) in duplicates(ids) {
        let (index, target) = targets[position];
        out.error(
            &super::target_path(index, target).field("ResourceId"),
            format!(
                "duplicate ResourceId; ScalableTargets[{}] already configures it",
                targets[earlier].0
            ),
        );
    }
}

/// (index, index of the first occurrence) for every repeated name.
fn duplicates<'a>(names: impl Iterator<Item = &'a str>) -> Vec<(usize, usize)> {
    let mut first: HashMap<&str, usize> = HashMap::new();
    let mut repeated = Vec::new();
    for (index, name) in names.enumerate() {
        match first.get(name) {
            Some(&earlier) => repeated.push((index, earlier)),
            None => {
                first.insert(name, index);
            }
        }
    }
    repeated
}

/// ResourceId format and names, and the dimension that goes with it. `None` when the kind
/// can't be told, so kind-dependent rules are skipped rather than guessed.
fn check_resource(
    path: &Path,
    target: &ScalableTarget,
    out: &mut Problems,
) -> Option<ResourceKind> {
    let id_path = path.field("ResourceId");
    let id = target.resource_id.as_str();
    let parts: Vec<&str> = id.split('/').collect();
    let (kind, names) = match parts.as_slice() {
        ["endpoint", endpoint, "variant", variant] => (
            ResourceKind::Variant,
            vec![("endpoint", *endpoint), ("variant", *variant)],
        ),
        ["inference-component", component] => (
            ResourceKind::InferenceComponent,
            vec![("inference component", *component)],
        ),
        _ => {
            out.error(
                &id_path,
                format!(
                    "'{id}' is not a SageMaker scalable resource; expected \
                     endpoint/<endpoint-name>/variant/<variant-name> or \
                     inference-component/<component-name>"
                ),
            );
            return None;
        }
    };
    for (what, name) in names {
        if let Err(message) = check_sagemaker_name(name) {
            out.error(&id_path, format!("{what} name {message}"));
        }
    }
    if target.scalable_dimension != kind.dimension() {
        out.error(
            &path.field("ScalableDimension"),
            format!(
                "{} does not apply to {}; use {}",
                target.scalable_dimension.as_str(),
                kind.noun(),
                kind.dimension().as_str()
            ),
        );
    }
    Some(kind)
}

fn check_capacities(
    path: &Path,
    target: &ScalableTarget,
    kind: Option<ResourceKind>,
    out: &mut Problems,
) {
    check_bounds(path, target.min_capacity, target.max_capacity, kind, out);
}

/// MinCapacity/MaxCapacity of a target, or of a scheduled action's ScalableTargetAction.
fn check_bounds(
    path: &Path,
    min: impl Into<Option<i32>>,
    max: impl Into<Option<i32>>,
    kind: Option<ResourceKind>,
    out: &mut Problems,
) {
    let (min, max) = (min.into(), max.into());
    for (field, value) in [("MinCapacity", min), ("MaxCapacity", max)] {
        if let Some(value) = value.filter(|v| *v < 0) {
            out.error(&path.field(field), format!("{value} is negative"));
        }
    }
    if let (Some(min), Some(max)) = (min, max)
        && min > max
    {
        out.error(
            &path.field("MinCapacity"),
            format!("{min} is greater than MaxCapacity {max}"),
        );
    }
    if min == Some(0) && kind == Some(ResourceKind::Variant) {
        out.warning(
            &path.field("MinCapacity"),
            "0 on an endpoint variant: only asynchronous inference endpoints can run a \
             variant at zero instances",
        );
    }
}

fn check_policy(
    path: &Path,
    policy: &ScalingPolicy,
    kind: Option<ResourceKind>,
    out: &mut Problems,
) {
    if let Err(message) = check_policy_name(&policy.policy_name) {
        out.error(&path.field("PolicyName"), message);
    }
    let step = &policy.step_scaling_policy_configuration;
    let tracking = &policy.target_tracking_scaling_policy_configuration;
    match policy.policy_type {
        PolicyType::StepScaling => {
            match step {
                Some(config) => check_step_policy_configuration(
                    &path.field("StepScalingPolicyConfiguration"),
                    config,
                    out,
                ),
                None => out.error(
                    path,
                    "PolicyType StepScaling requires StepScalingPolicyConfiguration",
                ),
            }
            if tracking.is_some() {
                out.error(
                    &path.field("TargetTrackingScalingPolicyConfiguration"),
                    "not allowed with PolicyType StepScaling",
                );
            }
            check_alarms(path, &policy.alarms, out);
        }
        PolicyType::TargetTrackingScaling => {
            match tracking {
                Some(config) => check_target_tracking(
                    &path.field("TargetTrackingScalingPolicyConfiguration"),
                    config,
                    kind,
                    out,
                ),
                None => out.error(
                    path,
                    "PolicyType TargetTrackingScaling requires \
                     TargetTrackingScalingPolicyConfiguration",
                ),
            }
            if step.is_some() {
                out.error(
                    &path.field("StepScalingPolicyConfiguration"),
                    "not allowed with PolicyType TargetTrackingScaling",
                );
            }
            if !policy.alarms.is_empty() {
                out.error(
                    &path.field("Alarms"),
                    "only StepScaling policies take Alarms; target tracking watches its metric itself",
                );
            }
            if let (Some(ext), Some(config)) = (&policy.target_tracking_evaluation, tracking) {
                check_tracking_evaluation(
                    &path.field("TargetTrackingEvaluation"),
                    ext,
                    crate::target_tracking::period_seconds(config),
                    out,
                );
            }
        }
        PolicyType::PredictiveScaling => {
            super::predictive::check_policy(path, policy, kind, out);
            for (present, field) in [
                (step.is_some(), "StepScalingPolicyConfiguration"),
                (
                    tracking.is_some(),
                    "TargetTrackingScalingPolicyConfiguration",
                ),
            ] {
                if present {
                    out.error(
                        &path.field(field),
                        "not allowed with PolicyType PredictiveScaling",
                    );
                }
            }
            if !policy.alarms.is_empty() {
                out.error(
                    &path.field("Alarms"),
                    "only StepScaling policies take Alarms; predictive scaling reads its load metric itself",
                );
            }
        }
    }
    if policy.policy_type != PolicyType::TargetTrackingScaling
        && policy.target_tracking_evaluation.is_some()
    {
        out.error(
            &path.field("TargetTrackingEvaluation"),
            "only TargetTrackingScaling policies take TargetTrackingEvaluation",
        );
    }
    if policy.policy_type != PolicyType::PredictiveScaling {
        for (present, field) in [
            (
                policy.predictive_scaling_policy_configuration.is_some(),
                "PredictiveScalingPolicyConfiguration",
            ),
            (
                policy.predictive_scaling_forecast.is_some(),
                "PredictiveScalingForecast",
            ),
        ] {
            if present {
                out.error(
                    &path.field(field),
                    format!("only PredictiveScaling policies take {field}"),
                );
            }
        }
    }
}

/// sagescale's extension: each alarm needs at least one period and at most a day of them,
/// and cannot ask for more breaching datapoints than it looks at.
fn check_tracking_evaluation(
    path: &Path,
    ext: &TargetTrackingEvaluation,
    period: u32,
    out: &mut Problems,
) {
    let max_periods = (crate::target_tracking::MAX_EVALUATION_SECONDS / period.max(1)) as i32;
    for (side, periods, datapoints) in [
        (
            "ScaleOut",
            ext.scale_out_evaluation_periods,
            ext.scale_out_datapoints_to_alarm,
        ),
        (
            "ScaleIn",
            ext.scale_in_evaluation_periods,
            ext.scale_in_datapoints_to_alarm,
        ),
    ] {
        if let Some(p) = periods
            && !(1..=max_periods).contains(&p)
        {
            out.error(
                &path.field(&format!("{side}EvaluationPeriods")),
                format!(
                    "{p} must be between 1 and {max_periods} (one day of {period}-second datapoints)"
                ),
            );
        }
        let default_periods = if side == "ScaleOut" {
            crate::target_tracking::SCALE_OUT_WINDOW_SECONDS
        } else {
            crate::target_tracking::SCALE_IN_WINDOW_SECONDS
        } / period.max(1);
        let of = periods.unwrap_or(default_periods as i32);
        if let Some(d) = datapoints
            && !(1..=of.max(1)).contains(&d)
        {
            out.error(
                &path.field(&format!("{side}DatapointsToAlarm")),
                format!("{d} must be between 1 and {side}EvaluationPeriods ({of})"),
            );
        }
    }
    if let Some(r) = ext.scale_in_threshold_ratio
        && !(r > 0.0 && r <= 1.0)
    {
        out.error(
            &path.field("ScaleInThresholdRatio"),
            format!("{r} must be greater than 0 and at most 1 (a fraction of TargetValue)"),
        );
    }
}

/// A step policy does nothing unless an alarm drives it.
fn check_alarms(path: &Path, alarms: &[String], out: &mut Problems) {
    let path = path.field("Alarms");
    if alarms.is_empty() {
        out.error(
            &path,
            "a StepScaling policy needs at least one CloudWatch alarm to drive it",
        );
    }
    for (index, alarm) in alarms.iter().enumerate() {
        if let Err(message) = check_alarm_name(alarm) {
            out.error(&path.index(index), message);
        }
    }
    for (index, earlier) in duplicates(alarms.iter().map(String::as_str)) {
        out.warning(
            &path.index(index),
            format!(
                "alarm '{}' is already listed at Alarms[{earlier}]",
                alarms[index]
            ),
        );
    }
}

/// Cooldown here; everything about the steps is the engine's `check_step_configuration`,
/// whose fields are relative to this configuration.
fn check_step_policy_configuration(
    path: &Path,
    config: &StepScalingPolicyConfiguration,
    out: &mut Problems,
) {
    check_cooldown(&path.field("Cooldown"), config.cooldown, out);
    for problem in check_step_configuration(config) {
        out.error(&path.field(&problem.field), problem.message);
    }
}

fn check_target_tracking(
    path: &Path,
    config: &TargetTrackingScalingPolicyConfiguration,
    kind: Option<ResourceKind>,
    out: &mut Problems,
) {
    check_target_value(&path.field("TargetValue"), config.target_value, out);
    check_cooldown(
        &path.field("ScaleOutCooldown"),
        config.scale_out_cooldown,
        out,
    );
    check_cooldown(
        &path.field("ScaleInCooldown"),
        config.scale_in_cooldown,
        out,
    );

    match (
        &config.predefined_metric_specification,
        &config.customized_metric_specification,
    ) {
        (Some(_), Some(_)) | (None, None) => out.error(
            path,
            "exactly one of PredefinedMetricSpecification and CustomizedMetricSpecification \
             is required",
        ),
        (Some(predefined), None) => {
            let spec = path.field("PredefinedMetricSpecification");
            let metric = predefined.predefined_metric_type;
            check_metric_kind(
                &spec.field("PredefinedMetricType"),
                &metric,
                metric.for_inference_component(),
                kind,
                out,
            );
            if predefined.resource_label.is_some() {
                out.error(
                    &spec.field("ResourceLabel"),
                    "AAS takes a ResourceLabel only for ALBRequestCountPerTarget; \
                     SageMaker metrics have none",
                );
            }
        }
        (None, Some(customized)) => check_customized_metric(
            &path.field("CustomizedMetricSpecification"),
            customized,
            out,
        ),
    }
}

/// A predefined metric of an inference component on a variant target, or the reverse.
pub(super) fn check_metric_kind(
    path: &Path,
    metric: &dyn std::fmt::Debug,
    for_component: bool,
    kind: Option<ResourceKind>,
    out: &mut Problems,
) {
    let expected = if for_component {
        ResourceKind::InferenceComponent
    } else {
        ResourceKind::Variant
    };
    if let Some(kind) = kind.filter(|k| *k != expected) {
        out.error(
            path,
            format!(
                "{metric:?} is a metric of {}, but this target is {}",
                expected.noun(),
                kind.noun()
            ),
        );
    }
}

/// AAS accepts any value within ±2^360, but capacity is the metric divided by the target:
/// zero or a negative target has no meaning for SageMaker's per-instance metrics.
pub(super) fn check_target_value(path: &Path, value: f64, out: &mut Problems) {
    if !(value > 0.0 && value <= MAX_TARGET_VALUE) {
        out.error(
            path,
            format!("{value} must be greater than 0 (and at most 2^360)"),
        );
    }
}

/// AAS: the single-metric form (MetricName, Namespace, Statistic; Dimensions and Unit
/// optional) or `Metrics`, never both. In `Metrics`, Ids are unique, start with a lowercase
/// letter and hold letters, digits and underscores; each query has exactly one of Expression
/// and MetricStat; exactly one query returns data (ReturnData defaults to true).
fn check_customized_metric(path: &Path, spec: &CustomizedMetricSpecification, out: &mut Problems) {
    let single = spec.metric_name.is_some()
        || spec.namespace.is_some()
        || spec.statistic.is_some()
        || !spec.dimensions.is_empty()
        || spec.unit.is_some();
    if spec.metrics.is_empty() {
        for (field, value) in [
            ("MetricName", spec.metric_name.as_deref()),
            ("Namespace", spec.namespace.as_deref()),
        ] {
            match value {
                None => out.error(
                    &path.field(field),
                    "is required (or give Metrics for a metric-math specification)",
                ),
                Some(v) if v.trim().is_empty() => {
                    out.error(&path.field(field), "must not be empty")
                }
                Some(_) => {}
            }
        }
        if spec.statistic.is_none() {
            out.error(
                &path.field("Statistic"),
                "is required (or give Metrics for a metric-math specification)",
            );
        }
        return;
    }
    if single {
        out.error(
            path,
            "give either MetricName/Namespace/Dimensions/Statistic/Unit or Metrics, not both",
        );
    }
    check_metric_queries(&path.field("Metrics"), &spec.metrics, out);
}

/// A metric-math query list (AAS `TargetTrackingMetricDataQuery` and
/// `PredictiveScalingMetricDataQuery` alike): Ids unique, starting with a lowercase letter, of
/// letters, digits and underscores; exactly one of Expression and MetricStat per query; exactly
/// one query returns data.
pub(super) fn check_metric_queries(
    list: &Path,
    queries: &[TargetTrackingMetricDataQuery],
    out: &mut Problems,
) {
    let mut ids: Vec<&str> = Vec::new();
    let mut returning = 0;
    for (i, q) in queries.iter().enumerate() {
        let at = list.index(i);
        let valid_id = q.id.chars().next().is_some_and(|c| c.is_ascii_lowercase())
            && q.id.len() <= 255
            && q.id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid_id {
            out.error(
                &at.field("Id"),
                format!(
                    "{:?} must start with a lowercase letter and hold only letters, digits and underscores",
                    q.id
                ),
            );
        }
        if ids.contains(&q.id.as_str()) {
            out.error(&at.field("Id"), format!("{:?} is used twice", q.id));
        }
        ids.push(&q.id);
        match (&q.expression, &q.metric_stat) {
            (Some(_), Some(_)) | (None, None) => {
                out.error(&at, "exactly one of Expression and MetricStat is required")
            }
            (Some(e), None) if e.trim().is_empty() => {
                out.error(&at.field("Expression"), "must not be empty")
            }
            (None, Some(stat)) => {
                for (field, value) in [
                    ("MetricName", &stat.metric.metric_name),
                    ("Namespace", &stat.metric.namespace),
                ] {
                    if value.trim().is_empty() {
                        out.error(
                            &at.field("MetricStat").field("Metric").field(field),
                            "must not be empty",
                        );
                    }
                }
                if stat.stat.trim().is_empty() {
                    out.error(&at.field("MetricStat").field("Stat"), "must not be empty");
                }
            }
            _ => {}
        }
        returning += usize::from(q.return_data != Some(false));
    }
    if returning != 1 {
        out.error(
            list,
            format!(
                "exactly one query must return data (ReturnData true or omitted); {returning} do: \
                 set ReturnData: false on the metrics the expression reads"
            ),
        );
    }
}

fn check_cooldown(path: &Path, seconds: Option<i32>, out: &mut Problems) {
    if let Some(seconds) = seconds.filter(|s| *s < 0) {
        out.error(
            path,
            format!("{seconds} is negative; cooldowns are seconds >= 0"),
        );
    }
}

fn check_scheduled_action(
    path: &Path,
    action: &ScheduledAction,
    kind: Option<ResourceKind>,
    out: &mut Problems,
) {
    if let Err(message) = check_scheduled_action_name(&action.scheduled_action_name) {
        out.error(&path.field("ScheduledActionName"), message);
    }
    if let Err(e) = ScheduleExpr::parse(&action.schedule) {
        out.error(&path.field("Schedule"), e.to_string());
    }
    if let Some(zone) = &action.timezone
        && let Err(e) = parse_time_zone(zone)
    {
        out.error(&path.field("Timezone"), e.to_string());
    }
    if let (Some(start), Some(end)) = (action.start_time, action.end_time)
        && start >= end
    {
        out.error(
            &path.field("EndTime"),
            format!("{end} must be after StartTime {start}"),
        );
    }
    check_target_action(
        &path.field("ScalableTargetAction"),
        &action.scalable_target_action,
        kind,
        out,
    );
}

fn check_target_action(
    path: &Path,
    action: &ScalableTargetAction,
    kind: Option<ResourceKind>,
    out: &mut Problems,
) {
    if action.min_capacity.is_none() && action.max_capacity.is_none() {
        out.error(path, "set MinCapacity, MaxCapacity or both");
    }
    check_bounds(path, action.min_capacity, action.max_capacity, kind, out);
}
