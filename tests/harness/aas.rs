//! Application Auto Scaling scaling activities, which moto does not record: tests seed them
//! (`POST /_sagescale/aas-activities`, `tests/emulator/aas.py`) and the emulator answers
//! `DescribeScalingActivities` from them in AAS's shape, newest first, paged.
//!
//! ```no_run
//! use chrono::Utc;
//! use sagescale_tests::Emulator;
//! use sagescale_tests::aas::AasActivity;
//! let emu = Emulator::start();
//! emu.seed_aas_activities(&[AasActivity::scaled(
//!     "endpoint/ep/variant/AllTraffic",
//!     "sagemaker:variant:DesiredInstanceCount",
//!     Utc::now(),
//!     4,
//! )]);
//! ```

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Value, json};

use crate::Emulator;

/// One activity to seed; fields left `None` take AAS-like defaults (a fresh ActivityId,
/// `sagemaker`, `Successful`, an EndTime 30 s after StartTime).
#[derive(Debug, Clone)]
pub struct AasActivity {
    pub resource_id: String,
    pub scalable_dimension: String,
    pub start_time: DateTime<Utc>,
    pub description: String,
    pub cause: String,
    pub status_code: String,
    pub status_message: Option<String>,
    /// `[{"Code": "AlreadyAtMaxCapacity", ...}]`: a not-scaled activity.
    pub not_scaled_reasons: Option<Value>,
}

impl AasActivity {
    /// A successful activity that set the capacity to `capacity`, described as AAS does
    /// ("Setting desired instance count to 4.").
    pub fn scaled(
        resource_id: &str,
        scalable_dimension: &str,
        start_time: DateTime<Utc>,
        capacity: i32,
    ) -> Self {
        let noun = if scalable_dimension.contains("inference-component") {
            "copy count"
        } else {
            "instance count"
        };
        AasActivity {
            resource_id: resource_id.to_string(),
            scalable_dimension: scalable_dimension.to_string(),
            start_time,
            description: format!("Setting desired {noun} to {capacity}."),
            cause: "monitor alarm TargetTracking-AlarmHigh in state ALARM triggered policy aas-tt"
                .to_string(),
            status_code: "Successful".to_string(),
            status_message: Some(format!(
                "Successfully set desired {noun} to {capacity}. Change successfully fulfilled by sagemaker."
            )),
            not_scaled_reasons: None,
        }
    }

    fn to_json(&self) -> Value {
        let mut v = json!({
            "ResourceId": self.resource_id,
            "ScalableDimension": self.scalable_dimension,
            "StartTime": self.start_time.to_rfc3339_opts(SecondsFormat::Millis, true),
            "Description": self.description,
            "Cause": self.cause,
            "StatusCode": self.status_code,
        });
        if let Some(m) = &self.status_message {
            v["StatusMessage"] = json!(m);
        }
        if let Some(r) = &self.not_scaled_reasons {
            v["NotScaledReasons"] = r.clone();
        }
        v
    }
}

impl Emulator {
    /// Records activities that `DescribeScalingActivities` then returns.
    pub fn seed_aas_activities(&self, activities: &[AasActivity]) {
        let body = json!({ "activities": activities.iter().map(AasActivity::to_json).collect::<Vec<_>>() });
        self.control("POST", "aas-activities", Some(&body))
            .unwrap_or_else(|err| panic!("{err}"));
    }
}
