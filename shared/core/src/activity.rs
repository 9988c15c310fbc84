//! Scaling activities, shaped like AAS's `DescribeScalingActivities` output so that
//! `sagescale activities --output json` reads like `aws application-autoscaling
//! describe-scaling-activities`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::model::{ScalableDimension, ServiceNamespace};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum StatusCode {
    Pending,
    InProgress,
    Successful,
    Overridden,
    Unfulfilled,
    Failed,
}

impl StatusCode {
    pub fn is_final(self) -> bool {
        !matches!(self, Self::Pending | Self::InProgress)
    }
}

/// Why a decision did not change capacity. The first three are AAS's own codes; the others are
/// sagescale's, for blocks AAS does not record (it records nothing at all for them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum NotScaledCode {
    AlreadyAtMaxCapacity,
    AlreadyAtMinCapacity,
    AlreadyAtDesiredCapacity,
    ScaleInCooldown,
    ScaleOutCooldown,
    DynamicScalingInSuspended,
    DynamicScalingOutSuspended,
    ScheduledScalingSuspended,
    ScaleInDisabled,
    /// The breach matched no step (e.g. the alarm's datapoints are back on the OK side).
    NoStepMatched,
    /// Composite alarm or missing reasonData: nothing to compute a breach from.
    NoDatapoints,
}

impl NotScaledCode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AlreadyAtMaxCapacity => "AlreadyAtMaxCapacity",
            Self::AlreadyAtMinCapacity => "AlreadyAtMinCapacity",
            Self::AlreadyAtDesiredCapacity => "AlreadyAtDesiredCapacity",
            Self::ScaleInCooldown => "ScaleInCooldown",
            Self::ScaleOutCooldown => "ScaleOutCooldown",
            Self::DynamicScalingInSuspended => "DynamicScalingInSuspended",
            Self::DynamicScalingOutSuspended => "DynamicScalingOutSuspended",
            Self::ScheduledScalingSuspended => "ScheduledScalingSuspended",
            Self::ScaleInDisabled => "ScaleInDisabled",
            Self::NoStepMatched => "NoStepMatched",
            Self::NoDatapoints => "NoDatapoints",
        }
    }
}

impl std::fmt::Display for NotScaledCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// AAS `NotScaledReason`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct NotScaledReason {
    pub code: NotScaledCode,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_capacity: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_capacity: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_capacity: Option<i32>,
}

/// AAS `ScalingActivity`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ScalingActivity {
    pub activity_id: String,
    pub service_namespace: ServiceNamespace,
    pub resource_id: String,
    pub scalable_dimension: ScalableDimension,
    pub description: String,
    pub cause: String,
    pub start_time: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_time: Option<DateTime<Utc>>,
    pub status_code: StatusCode,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_scaled_reasons: Vec<NotScaledReason>,
}
