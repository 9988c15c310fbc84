//! The configuration document: Application Auto Scaling's own field names and shapes, so a
//! policy that works in `put_scaling_policy` can be pasted in. One document per deployment.
//!
//! These types are the *typed* view. Structural checks (unknown fields, wrong types, missing
//! fields) and semantic checks (AAS's rules) live in `validate`, which reports every problem
//! with its path; deserialising straight into these types stops at the first problem.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

mod predictive;
pub use predictive::*;

/// The whole document: `ScalableTargets: [...]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct Document {
    pub scalable_targets: Vec<ScalableTarget>,
}

/// A scalable target (RegisterScalableTarget) plus the policies and scheduled actions on it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct ScalableTarget {
    pub service_namespace: ServiceNamespace,
    /// `endpoint/<endpoint>/variant/<variant>` or `inference-component/<name>`.
    pub resource_id: String,
    pub scalable_dimension: ScalableDimension,
    pub min_capacity: i32,
    pub max_capacity: i32,
    /// `None` when the document does not state it: applying it then keeps the suspension
    /// already in force (`sagescale suspend`), as RegisterScalableTarget changes only what is
    /// given. Read it with [`ScalableTarget::suspended`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suspended_state: Option<SuspendedState>,
    #[serde(default)]
    pub mode: Mode,
    #[serde(default)]
    pub scaling_policies: Vec<ScalingPolicy>,
    #[serde(default)]
    pub scheduled_actions: Vec<ScheduledAction>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ServiceNamespace {
    #[serde(rename = "sagemaker")]
    SageMaker,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ScalableDimension {
    #[serde(rename = "sagemaker:variant:DesiredInstanceCount")]
    VariantDesiredInstanceCount,
    #[serde(rename = "sagemaker:inference-component:DesiredCopyCount")]
    InferenceComponentDesiredCopyCount,
}

impl ScalableDimension {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::VariantDesiredInstanceCount => "sagemaker:variant:DesiredInstanceCount",
            Self::InferenceComponentDesiredCopyCount => {
                "sagemaker:inference-component:DesiredCopyCount"
            }
        }
    }

    /// The noun AAS uses in activity descriptions ("Setting desired instance count to 4.").
    pub fn unit_noun(self) -> &'static str {
        match self {
            Self::VariantDesiredInstanceCount => "instance count",
            Self::InferenceComponentDesiredCopyCount => "copy count",
        }
    }
}

/// AAS SuspendedState; all false by default.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct SuspendedState {
    #[serde(default)]
    pub dynamic_scaling_in_suspended: bool,
    #[serde(default)]
    pub dynamic_scaling_out_suspended: bool,
    #[serde(default)]
    pub scheduled_scaling_suspended: bool,
}

/// sagescale's addition: `dry-run` decides and records but never calls SageMaker.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Mode {
    #[default]
    #[serde(rename = "enforce")]
    Enforce,
    #[serde(rename = "dry-run")]
    DryRun,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct ScalingPolicy {
    pub policy_name: String,
    pub policy_type: PolicyType,
    /// sagescale's addition: the CloudWatch alarms whose state changes drive this step policy
    /// (in AAS the alarm's action names the policy ARN instead).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alarms: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step_scaling_policy_configuration: Option<StepScalingPolicyConfiguration>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_tracking_scaling_policy_configuration:
        Option<TargetTrackingScalingPolicyConfiguration>,
    /// sagescale's addition: how many datapoints the target-tracking "alarms" look at and the
    /// scale-in threshold, which AAS fixes (3 of 3 above target, 15 of 15 below 90%). Kept
    /// beside AAS's configuration, not inside it, so that a policy stripped of it is still a
    /// valid PutScalingPolicy body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_tracking_evaluation: Option<TargetTrackingEvaluation>,
    /// AAS `PredictiveScalingPolicyConfiguration`, as PutScalingPolicy takes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub predictive_scaling_policy_configuration: Option<PredictiveScalingPolicyConfiguration>,
    /// sagescale's addition: how the forecast is made (history, risk, granularity), which AAS
    /// fixes. Kept beside AAS's configuration, like `TargetTrackingEvaluation`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub predictive_scaling_forecast: Option<PredictiveScalingForecast>,
}

/// sagescale's tunable target-tracking evaluation (see [`crate::target_tracking::AlarmRule`]).
/// Counts are in periods of the policy's metric (one minute, or 10 s for the high-resolution
/// predefined metrics). Every field is optional; an omitted one keeps AAS's behaviour.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct TargetTrackingEvaluation {
    /// Periods the scale-out alarm looks at (AAS: 3 minutes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale_out_evaluation_periods: Option<i32>,
    /// How many of them must be above TargetValue (AAS: all).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale_out_datapoints_to_alarm: Option<i32>,
    /// Periods the scale-in alarm looks at (AAS: 15 minutes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale_in_evaluation_periods: Option<i32>,
    /// How many of them must be below the scale-in threshold (AAS: all).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale_in_datapoints_to_alarm: Option<i32>,
    /// The scale-in threshold as a fraction of TargetValue (AAS: 0.9).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale_in_threshold_ratio: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PolicyType {
    StepScaling,
    TargetTrackingScaling,
    PredictiveScaling,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct StepScalingPolicyConfiguration {
    pub adjustment_type: AdjustmentType,
    pub step_adjustments: Vec<StepAdjustment>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_adjustment_magnitude: Option<i32>,
    /// Seconds; AAS's default for SageMaker is 300.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cooldown: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric_aggregation_type: Option<MetricAggregationType>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AdjustmentType {
    ChangeInCapacity,
    ExactCapacity,
    PercentChangeInCapacity,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum MetricAggregationType {
    #[default]
    Average,
    Minimum,
    Maximum,
}

/// Bounds are relative to the alarm threshold; `None` lower is -inf, `None` upper is +inf.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct StepAdjustment {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric_interval_lower_bound: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric_interval_upper_bound: Option<f64>,
    pub scaling_adjustment: i32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct TargetTrackingScalingPolicyConfiguration {
    pub target_value: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub predefined_metric_specification: Option<PredefinedMetricSpecification>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customized_metric_specification: Option<CustomizedMetricSpecification>,
    /// Seconds; default 300.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale_out_cooldown: Option<i32>,
    /// Seconds; default 300.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale_in_cooldown: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disable_scale_in: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct PredefinedMetricSpecification {
    pub predefined_metric_type: PredefinedMetricType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_label: Option<String>,
}

/// The SageMaker predefined metrics AAS accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PredefinedMetricType {
    SageMakerVariantInvocationsPerInstance,
    SageMakerVariantProvisionedConcurrencyUtilization,
    SageMakerVariantConcurrentRequestsPerModelHighResolution,
    SageMakerInferenceComponentInvocationsPerCopy,
    SageMakerInferenceComponentConcurrentRequestsPerCopyHighResolution,
}

impl PredefinedMetricType {
    /// Seconds between datapoints of the underlying CloudWatch metric.
    pub fn period_seconds(self) -> u32 {
        match self {
            Self::SageMakerVariantConcurrentRequestsPerModelHighResolution
            | Self::SageMakerInferenceComponentConcurrentRequestsPerCopyHighResolution => 10,
            _ => 60,
        }
    }

    pub fn for_inference_component(self) -> bool {
        matches!(
            self,
            Self::SageMakerInferenceComponentInvocationsPerCopy
                | Self::SageMakerInferenceComponentConcurrentRequestsPerCopyHighResolution
        )
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct CustomizedMetricSpecification {
    /// The single-metric form: MetricName, Namespace, Dimensions, Statistic, Unit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dimensions: Vec<MetricDimension>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub statistic: Option<MetricStatistic>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// The metric-math form (AAS `TargetTrackingMetricDataQuery`): exactly one query returns
    /// data, the time series the policy tracks.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub metrics: Vec<TargetTrackingMetricDataQuery>,
}

/// AAS `TargetTrackingMetricDataQuery`: a metric (`MetricStat`) or an expression over others.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct TargetTrackingMetricDataQuery {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expression: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric_stat: Option<TargetTrackingMetricStat>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub return_data: Option<bool>,
}

/// AAS `TargetTrackingMetricStat`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct TargetTrackingMetricStat {
    pub metric: TargetTrackingMetric,
    /// Average, Minimum, Maximum, SampleCount, Sum (or a percentile, which CloudWatch accepts).
    pub stat: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
}

/// AAS `TargetTrackingMetric`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct TargetTrackingMetric {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dimensions: Vec<MetricDimension>,
    pub metric_name: String,
    pub namespace: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct MetricDimension {
    pub name: String,
    pub value: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum MetricStatistic {
    Average,
    Minimum,
    Maximum,
    SampleCount,
    Sum,
}

impl MetricStatistic {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Average => "Average",
            Self::Minimum => "Minimum",
            Self::Maximum => "Maximum",
            Self::SampleCount => "SampleCount",
            Self::Sum => "Sum",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct ScheduledAction {
    pub scheduled_action_name: String,
    /// `at(...)`, `rate(...)` or `cron(...)`, parsed by `schedule::ScheduleExpr`.
    pub schedule: String,
    /// IANA zone name; UTC when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_time: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_time: Option<DateTime<Utc>>,
    pub scalable_target_action: ScalableTargetAction,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct ScalableTargetAction {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_capacity: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_capacity: Option<i32>,
}

/// AAS's default cooldown for SageMaker targets, in seconds.
pub const DEFAULT_COOLDOWN_SECONDS: i32 = 300;

impl ScalableTarget {
    /// The suspension in force: as stated, else nothing suspended.
    pub fn suspended(&self) -> SuspendedState {
        self.suspended_state.unwrap_or_default()
    }

    pub fn policy(&self, name: &str) -> Option<&ScalingPolicy> {
        self.scaling_policies.iter().find(|p| p.policy_name == name)
    }

    pub fn scheduled_action(&self, name: &str) -> Option<&ScheduledAction> {
        self.scheduled_actions
            .iter()
            .find(|a| a.scheduled_action_name == name)
    }

    /// The step policies an alarm drives.
    pub fn policies_for_alarm<'a>(
        &'a self,
        alarm: &'a str,
    ) -> impl Iterator<Item = &'a ScalingPolicy> + 'a {
        self.scaling_policies
            .iter()
            .filter(move |p| p.alarms.iter().any(|a| a == alarm))
    }

    /// For an endpoint variant: (endpoint name, variant name).
    pub fn endpoint_variant(&self) -> Option<(&str, &str)> {
        let rest = self.resource_id.strip_prefix("endpoint/")?;
        let (endpoint, variant) = rest.split_once("/variant/")?;
        Some((endpoint, variant))
    }
}
