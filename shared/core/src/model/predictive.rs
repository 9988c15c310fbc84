//! Predictive scaling: Application Auto Scaling's `PredictiveScalingPolicyConfiguration`, in
//! AAS's own names (API reference, *PredictiveScalingPolicyConfiguration*,
//! *PredictiveScalingMetricSpecification*, *PredictiveScalingPredefinedMetricPairSpecification*),
//! plus sagescale's [`PredictiveScalingForecast`] kept beside it.
//!
//! AAS offers predictive scaling only for ECS services, with the metric pairs `ALBRequestCount`,
//! `ECSServiceCPUUtilization`, ... ("there are two different types of metrics for each metric
//! type: one is a load metric and one is a scaling metric"). sagescale names the SageMaker ones
//! in the same style:
//!
//! | pair | load metric (total) | scaling metric (per unit of capacity) |
//! |---|---|---|
//! | `SageMakerVariantInvocationsPerInstance` | `SageMakerVariantTotalInvocations` (`AWS/SageMaker` `Invocations`, Sum per minute) | `SageMakerVariantInvocationsPerInstance` (`InvocationsPerInstance`) |
//! | `SageMakerInferenceComponentInvocationsPerCopy` | `SageMakerInferenceComponentTotalInvocations` (`Invocations` of the component, Sum per minute) | `SageMakerInferenceComponentInvocationsPerCopy` (`InvocationsPerCopy`) |
//!
//! `TargetValue` is the scaling metric's value per unit of capacity (invocations per instance,
//! or per copy, per minute), as for target tracking on the same metric.

use serde::{Deserialize, Serialize};

use super::TargetTrackingMetricDataQuery;

/// AAS `PredictiveScalingPolicyConfiguration`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct PredictiveScalingPolicyConfiguration {
    /// *"This is an array, but we currently only support a single metric specification."*
    pub metric_specifications: Vec<PredictiveScalingMetricSpecification>,
    /// *"Defaults to ForecastOnly if not specified."*
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<PredictiveScalingMode>,
    /// Seconds by which capacity is put in place ahead of each forecast interval; 0-3600, AAS's
    /// default 300.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheduling_buffer_time: Option<i32>,
    /// *"Defaults to HonorMaxCapacity if not specified."*
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_capacity_breach_behavior: Option<PredictiveScalingMaxCapacityBreachBehavior>,
    /// Percent (0-100) relative to the forecast capacity: *"if the buffer is 10, ... if the
    /// forecast capacity is 50, and the maximum capacity is 40, then the effective maximum
    /// capacity is 55"*. Only with `IncreaseMaxCapacity`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_capacity_buffer: Option<i32>,
}

/// AAS's default `SchedulingBufferTime`, seconds.
pub const DEFAULT_SCHEDULING_BUFFER_SECONDS: i32 = 300;

impl PredictiveScalingPolicyConfiguration {
    pub fn mode(&self) -> PredictiveScalingMode {
        self.mode.unwrap_or_default()
    }

    pub fn scheduling_buffer_seconds(&self) -> i32 {
        self.scheduling_buffer_time
            .unwrap_or(DEFAULT_SCHEDULING_BUFFER_SECONDS)
    }

    pub fn breach_behavior(&self) -> PredictiveScalingMaxCapacityBreachBehavior {
        self.max_capacity_breach_behavior.unwrap_or_default()
    }

    /// The one metric specification (validation guarantees exactly one).
    pub fn metric(&self) -> Option<&PredictiveScalingMetricSpecification> {
        self.metric_specifications.first()
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum PredictiveScalingMode {
    /// Forecasts are made and recorded with what they would have done; nothing changes.
    #[default]
    ForecastOnly,
    /// The capacity forecast raises the target's effective minimum.
    ForecastAndScale,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum PredictiveScalingMaxCapacityBreachBehavior {
    #[default]
    HonorMaxCapacity,
    IncreaseMaxCapacity,
}

/// AAS `PredictiveScalingMetricSpecification`: a pair, or one load and one scaling metric
/// (each predefined or customized), optionally a customized capacity metric.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct PredictiveScalingMetricSpecification {
    pub target_value: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub predefined_metric_pair_specification:
        Option<PredictivePredefinedMetric<PredictiveMetricPairType>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub predefined_scaling_metric_specification:
        Option<PredictivePredefinedMetric<PredictiveScalingMetricType>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub predefined_load_metric_specification:
        Option<PredictivePredefinedMetric<PredictiveLoadMetricType>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customized_scaling_metric_specification: Option<PredictiveScalingCustomizedMetric>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customized_load_metric_specification: Option<PredictiveScalingCustomizedMetric>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customized_capacity_metric_specification: Option<PredictiveScalingCustomizedMetric>,
}

/// The three AAS predefined-metric structures share this shape.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct PredictivePredefinedMetric<T> {
    pub predefined_metric_type: T,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_label: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PredictiveMetricPairType {
    SageMakerVariantInvocationsPerInstance,
    SageMakerInferenceComponentInvocationsPerCopy,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PredictiveLoadMetricType {
    SageMakerVariantTotalInvocations,
    SageMakerInferenceComponentTotalInvocations,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PredictiveScalingMetricType {
    SageMakerVariantInvocationsPerInstance,
    SageMakerInferenceComponentInvocationsPerCopy,
}

impl PredictiveMetricPairType {
    pub fn load(self) -> PredictiveLoadMetricType {
        match self {
            Self::SageMakerVariantInvocationsPerInstance => {
                PredictiveLoadMetricType::SageMakerVariantTotalInvocations
            }
            Self::SageMakerInferenceComponentInvocationsPerCopy => {
                PredictiveLoadMetricType::SageMakerInferenceComponentTotalInvocations
            }
        }
    }

    pub fn for_inference_component(self) -> bool {
        self == Self::SageMakerInferenceComponentInvocationsPerCopy
    }
}

impl PredictiveLoadMetricType {
    pub fn for_inference_component(self) -> bool {
        self == Self::SageMakerInferenceComponentTotalInvocations
    }
}

impl PredictiveScalingMetricType {
    pub fn for_inference_component(self) -> bool {
        self == Self::SageMakerInferenceComponentInvocationsPerCopy
    }
}

/// AAS `PredictiveScalingCustomizedMetricSpecification`: metric data queries, exactly one of
/// which returns data. The query shape (`PredictiveScalingMetricDataQuery`) is the same as
/// target tracking's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct PredictiveScalingCustomizedMetric {
    pub metric_data_queries: Vec<TargetTrackingMetricDataQuery>,
}

/// sagescale's addition beside the configuration: how the forecast is made. Every field is
/// optional; see the defaults below.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct PredictiveScalingForecast {
    /// Days of history learned from, 1-14 (CloudWatch keeps one-minute data for 15 days).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lookback_days: Option<i32>,
    /// The risk knob: the quantile, across past days, of the load at the same time of day
    /// (or week) that is forecast. 0.5 = a typical day, 1 = the worst day seen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantile: Option<f64>,
    /// Minutes either side of a time whose peak each past day contributes, so that a burst
    /// that comes a little earlier or later than the day before is still covered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jitter_minutes: Option<i32>,
    /// Width of a forecast interval, seconds (60-3600, dividing an hour): capacity is held for
    /// the peak of each interval. AAS's is an hour.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub granularity_seconds: Option<i32>,
    /// How old a forecast may grow before the pass makes a new one, seconds (300-86400).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_interval_seconds: Option<i32>,
}

pub const DEFAULT_LOOKBACK_DAYS: i32 = 14;
pub const MAX_LOOKBACK_DAYS: i32 = 14;
pub const DEFAULT_QUANTILE: f64 = 0.9;
pub const DEFAULT_JITTER_MINUTES: i32 = 2;
pub const MAX_JITTER_MINUTES: i32 = 30;
pub const DEFAULT_GRANULARITY_SECONDS: i32 = 300;
pub const DEFAULT_REFRESH_INTERVAL_SECONDS: i32 = 3600;

impl PredictiveScalingForecast {
    pub fn lookback_days(&self) -> i32 {
        self.lookback_days.unwrap_or(DEFAULT_LOOKBACK_DAYS)
    }
    pub fn quantile(&self) -> f64 {
        self.quantile.unwrap_or(DEFAULT_QUANTILE)
    }
    pub fn jitter_minutes(&self) -> i32 {
        self.jitter_minutes.unwrap_or(DEFAULT_JITTER_MINUTES)
    }
    pub fn granularity_seconds(&self) -> i32 {
        self.granularity_seconds
            .unwrap_or(DEFAULT_GRANULARITY_SECONDS)
    }
    pub fn refresh_interval_seconds(&self) -> i32 {
        self.refresh_interval_seconds
            .unwrap_or(DEFAULT_REFRESH_INTERVAL_SECONDS)
    }
}
