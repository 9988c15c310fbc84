//! Shared helpers of the simulator's integration tests.
#![allow(dead_code)]

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use sagescale_core::validate::Format;
use sagescale_sim::config::SimConfig;
use sagescale_sim::trace::{self, Trace};

pub fn config(yaml: &str) -> SimConfig {
    SimConfig::parse(yaml, Format::Yaml).unwrap_or_else(|e| panic!("{e}"))
}

pub fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

/// `minutes` of constant demand, in requests per second.
pub fn constant(start: &str, minutes: usize, rps: f32) -> Trace {
    trace::from_ticks("constant", at(start), vec![rps * 10.0; minutes * 6])
}

/// Demand in requests per second, one value per minute.
pub fn per_minute(start: &str, rps: &[f32]) -> Trace {
    let ticks = rps.iter().flat_map(|&r| [r * 10.0; 6]).collect();
    trace::from_ticks("per-minute", at(start), ticks)
}

/// `../shared/traces/<rel>` from the repository root, or `None` (with a notice) when the
/// traces are not next to the repository.
pub fn shared_trace(rel: &str) -> Option<PathBuf> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/traces")
        .join(rel);
    if path.exists() {
        Some(path)
    } else {
        eprintln!("skipped: {} not found", path.display());
        None
    }
}

/// A target with the given policies/actions YAML (indented under the target) and settings.
pub fn target_yaml(min: i32, max: i32, body: &str, simulation: &str) -> String {
    format!(
        "ScalableTargets:\n  - ServiceNamespace: sagemaker\n    ResourceId: endpoint/sim/variant/AllTraffic\n    ScalableDimension: sagemaker:variant:DesiredInstanceCount\n    MinCapacity: {min}\n    MaxCapacity: {max}\n{body}\nSimulation:\n{simulation}\n"
    )
}
