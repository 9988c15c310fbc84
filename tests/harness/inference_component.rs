//! Control helpers for the emulator's SageMaker inference components
//! (`tests/emulator/inference_components.py`): create one `InService`, read it without touching
//! the request log, force its status, finish an update, set its update delay.

use serde_json::{Value, json};

use crate::Emulator;

/// An inference component as DescribeInferenceComponent reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComponentState {
    pub desired_copy_count: i64,
    pub current_copy_count: i64,
    pub status: String,
}

impl Emulator {
    /// Creates inference component `name` with `copies` copies, `InService`, on `endpoint`'s
    /// first variant; the endpoint (one instance) is created first when it does not exist.
    pub fn create_inference_component(&self, name: &str, endpoint: &str, copies: i32) -> Value {
        if self
            .control("GET", &format!("endpoints/{endpoint}"), None)
            .is_err()
        {
            self.create_endpoint(endpoint, "AllTraffic", 1);
        }
        self.control_ok(
            "POST",
            "inference-components",
            Some(&json!({"name": name, "endpoint": endpoint, "copy_count": copies})),
        )
    }

    /// The component as DescribeInferenceComponent shows it (JSON), not logged.
    pub fn describe_inference_component(&self, name: &str) -> Value {
        self.control_ok("GET", &format!("inference-components/{name}"), None)
    }

    /// Copy counts and status of a component.
    pub fn inference_component_state(&self, name: &str) -> ComponentState {
        let c = self.describe_inference_component(name);
        let count = |key: &str| {
            c["RuntimeConfig"][key]
                .as_i64()
                .unwrap_or_else(|| panic!("{key} missing: {c}"))
        };
        ComponentState {
            desired_copy_count: count("DesiredCopyCount"),
            current_copy_count: count("CurrentCopyCount"),
            status: c["InferenceComponentStatus"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
        }
    }

    /// Forces the component's status (`InService`, `Creating`, `Updating`, `Failed`,
    /// `Deleting`) until changed; `InService` also sets the current count to the desired one.
    pub fn set_inference_component_status(&self, name: &str, status: &str) {
        self.control_ok(
            "POST",
            &format!("inference-components/{name}/status"),
            Some(&json!({"status": status})),
        );
    }

    /// Finishes the component's update in progress now, whatever the delay.
    pub fn complete_inference_component_update(&self, name: &str) {
        self.control_ok(
            "POST",
            &format!("inference-components/{name}/complete"),
            None,
        );
    }

    /// How long an update keeps this component `Updating` (overrides the global delay).
    pub fn set_inference_component_update_delay(&self, name: &str, secs: f64) {
        self.control_ok(
            "POST",
            "update-delay",
            Some(&json!({"inference_component": name, "seconds": secs})),
        );
    }
}
