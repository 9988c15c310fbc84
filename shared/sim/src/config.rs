//! The simulator's configuration: a normal sagescale document (validated exactly as
//! `sagescale validate` does) plus an optional top-level `Simulation:` section with what the
//! document cannot say: instance capacity, price, provisioning delay, metric lag and the
//! CloudWatch alarms that drive step policies, in PutMetricAlarm's own shape.

use serde::{Deserialize, Serialize};
use serde_yaml_ng::Value;

use sagescale_core::model::{Document, ScalableTarget};
use sagescale_core::validate::{self, Format};

use crate::SimError;

/// The `Simulation:` section. Every field has a default; flags override them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields, default)]
pub struct Settings {
    /// Which target of the document to simulate; the first when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_id: Option<String>,
    /// Requests per second one instance serves within its SLO.
    pub capacity_per_instance: f64,
    /// Price of one instance-hour (any currency).
    pub price_per_instance_hour: f64,
    /// Seconds from a scale-out until the new instances serve (AWS measured 346-525 s
    /// without container caching, 134-258 s with it).
    pub provisioning_delay_seconds: u32,
    /// Seconds after the end of a one-minute period until its CloudWatch datapoint can be
    /// read by alarms and target tracking.
    pub metric_lag_seconds: u32,
    /// Which requests the endpoint metrics count: `Served` (default: capped at the capacity in
    /// service) or `Offered` (every request that arrived, as if SageMaker counted requests
    /// that queued or timed out too).
    pub metric_traffic: MetricTraffic,
    /// SageMaker rejects an update while the endpoint is `Updating`; a decision taken then is
    /// not carried out (sagescale defers it and decides again on the next one-minute pass;
    /// AAS's activity fails and its alarm re-invokes the policy a minute later).
    pub updating_blocks_changes: bool,
    /// How long the endpoint stays `Updating` after a scale-in (a scale-out keeps it
    /// `Updating` for the provisioning delay).
    pub scale_in_update_seconds: u32,
    /// Instances in service when the trace starts; `None`: enough for the first provisioning
    /// delay's peak (what the oracle starts with), within the target's bounds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub initial_capacity: Option<i32>,
    /// Alarms that drive the document's step policies (by `AlarmName` in `Alarms:`).
    pub alarms: Vec<AlarmDefinition>,
    /// The AAS target-tracking baseline.
    pub aas: AasSettings,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            resource_id: None,
            capacity_per_instance: 10.0,
            price_per_instance_hour: 1.0,
            provisioning_delay_seconds: 360,
            metric_lag_seconds: 60,
            metric_traffic: MetricTraffic::Served,
            updating_blocks_changes: true,
            scale_in_update_seconds: 60,
            initial_capacity: None,
            alarms: Vec::new(),
            aas: AasSettings::default(),
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum MetricTraffic {
    #[default]
    Served,
    Offered,
}

/// The AAS target-tracking baseline's policy (InvocationsPerInstance).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields, default)]
pub struct AasSettings {
    /// Invocations per instance per minute. `None`: the document's first target-tracking
    /// policy on InvocationsPerInstance, else 70% of an instance's capacity.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_value: Option<f64>,
    pub scale_out_cooldown: u32,
    pub scale_in_cooldown: u32,
}

impl Default for AasSettings {
    fn default() -> Self {
        AasSettings {
            target_value: None,
            scale_out_cooldown: 300,
            scale_in_cooldown: 300,
        }
    }
}

/// A CloudWatch metric alarm in PutMetricAlarm's shape (the fields the simulator uses;
/// `Namespace`, `Dimensions` and `AlarmActions` are accepted and ignored: the metric is the
/// simulated endpoint's).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct AlarmDefinition {
    pub alarm_name: String,
    pub metric_name: MetricName,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dimensions: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alarm_actions: Option<Value>,
    pub statistic: Statistic,
    /// Seconds, a multiple of 60.
    pub period: u32,
    pub evaluation_periods: u32,
    /// Defaults to EvaluationPeriods (CloudWatch's default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub datapoints_to_alarm: Option<u32>,
    pub threshold: f64,
    pub comparison_operator: ComparisonOperator,
}

/// The endpoint metrics the simulator derives from served traffic, one value per minute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum MetricName {
    /// Requests served in the minute, each counted 1/N of the N instances in service then.
    InvocationsPerInstance,
    /// Requests served in the minute.
    Invocations,
    /// Served / capacity in the minute, in percent: a utilisation proxy for CPU/GPU metrics.
    CPUUtilization,
}

impl MetricName {
    pub fn as_str(self) -> &'static str {
        match self {
            MetricName::InvocationsPerInstance => "InvocationsPerInstance",
            MetricName::Invocations => "Invocations",
            MetricName::CPUUtilization => "CPUUtilization",
        }
    }

    pub fn parse(name: &str) -> Option<MetricName> {
        [
            MetricName::InvocationsPerInstance,
            MetricName::Invocations,
            MetricName::CPUUtilization,
        ]
        .into_iter()
        .find(|m| m.as_str() == name)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Statistic {
    Average,
    Sum,
    Minimum,
    Maximum,
    SampleCount,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ComparisonOperator {
    GreaterThanThreshold,
    GreaterThanOrEqualToThreshold,
    LessThanThreshold,
    LessThanOrEqualToThreshold,
}

impl ComparisonOperator {
    pub fn breaches(self, value: f64, threshold: f64) -> bool {
        match self {
            ComparisonOperator::GreaterThanThreshold => value > threshold,
            ComparisonOperator::GreaterThanOrEqualToThreshold => value >= threshold,
            ComparisonOperator::LessThanThreshold => value < threshold,
            ComparisonOperator::LessThanOrEqualToThreshold => value <= threshold,
        }
    }
}

/// A document and its simulation settings, both checked.
#[derive(Debug, Clone)]
pub struct SimConfig {
    pub document: Document,
    pub settings: Settings,
}

impl SimConfig {
    /// Reads YAML or JSON: the document's problems are reported as `sagescale validate`
    /// reports them, the `Simulation:` section's by serde.
    pub fn parse(text: &str, format: Format) -> Result<SimConfig, SimError> {
        let mut value: Value = match format {
            Format::Yaml => {
                serde_yaml_ng::from_str(text).map_err(|e| SimError::Config(e.to_string()))?
            }
            Format::Json => {
                let json: serde_json::Value =
                    serde_json::from_str(text).map_err(|e| SimError::Config(e.to_string()))?;
                serde_yaml_ng::to_value(json).map_err(|e| SimError::Config(e.to_string()))?
            }
        };
        let section = value
            .as_mapping_mut()
            .and_then(|m| m.remove("Simulation"))
            .unwrap_or(Value::Null);
        let settings: Settings = if section.is_null() {
            Settings::default()
        } else {
            serde_yaml_ng::from_value(section)
                .map_err(|e| SimError::Config(format!("Simulation: {e}")))?
        };
        let rest = serde_yaml_ng::to_string(&value).map_err(|e| SimError::Config(e.to_string()))?;
        let report = validate::validate_str(&rest, Format::Yaml);
        let Some(document) = report.document else {
            let problems: Vec<String> = report.errors().map(|p| p.to_string()).collect();
            return Err(SimError::Config(format!(
                "invalid document:\n  {}",
                problems.join("\n  ")
            )));
        };
        let config = SimConfig { document, settings };
        config.check()?;
        Ok(config)
    }

    pub fn load(path: &std::path::Path) -> Result<SimConfig, SimError> {
        let text = std::fs::read_to_string(path).map_err(|e| SimError::io(path, e))?;
        SimConfig::parse(&text, Format::from_path(path))
    }

    /// The target to simulate.
    pub fn target(&self) -> Result<&ScalableTarget, SimError> {
        let targets = &self.document.scalable_targets;
        match &self.settings.resource_id {
            None => targets
                .first()
                .ok_or_else(|| SimError::Config("the document has no scalable target".into())),
            Some(id) => targets
                .iter()
                .find(|t| &t.resource_id == id)
                .ok_or_else(|| SimError::Config(format!("no scalable target {id:?}"))),
        }
    }

    /// Settings the simulator cannot run with, and alarms that policies name but the
    /// `Simulation:` section does not define.
    pub fn check(&self) -> Result<(), SimError> {
        let s = &self.settings;
        if s.capacity_per_instance.is_nan() || s.capacity_per_instance <= 0.0 {
            return Err(SimError::Config(
                "Simulation.CapacityPerInstance must be > 0".into(),
            ));
        }
        for a in &s.alarms {
            if a.period == 0 || a.period % 60 != 0 {
                return Err(SimError::Config(format!(
                    "alarm {}: Period must be a positive multiple of 60 (got {})",
                    a.alarm_name, a.period
                )));
            }
            let m = a.datapoints_to_alarm.unwrap_or(a.evaluation_periods);
            if a.evaluation_periods == 0 || m == 0 || m > a.evaluation_periods {
                return Err(SimError::Config(format!(
                    "alarm {}: need 1 <= DatapointsToAlarm <= EvaluationPeriods",
                    a.alarm_name
                )));
            }
        }
        let target = self.target()?;
        for policy in &target.scaling_policies {
            for alarm in &policy.alarms {
                if !s.alarms.iter().any(|a| &a.alarm_name == alarm) {
                    return Err(SimError::Config(format!(
                        "policy {} names alarm {alarm:?}, which Simulation.Alarms does not define",
                        policy.policy_name
                    )));
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONFIG: &str = r#"
ScalableTargets:
  - ServiceNamespace: sagemaker
    ResourceId: endpoint/m/variant/AllTraffic
    ScalableDimension: sagemaker:variant:DesiredInstanceCount
    MinCapacity: 1
    MaxCapacity: 10
    ScalingPolicies:
      - PolicyName: steps
        PolicyType: StepScaling
        Alarms: [high]
        StepScalingPolicyConfiguration:
          AdjustmentType: ChangeInCapacity
          StepAdjustments:
            - {MetricIntervalLowerBound: 0, ScalingAdjustment: 1}
Simulation:
  CapacityPerInstance: 20
  Alarms:
    - AlarmName: high
      MetricName: InvocationsPerInstance
      Statistic: Sum
      Period: 60
      EvaluationPeriods: 3
      Threshold: 900
      ComparisonOperator: GreaterThanThreshold
"#;

    #[test]
    fn the_simulation_section_is_split_from_the_document() {
        let c = SimConfig::parse(CONFIG, Format::Yaml).unwrap();
        assert_eq!(c.settings.capacity_per_instance, 20.0);
        assert_eq!(c.settings.provisioning_delay_seconds, 360);
        assert_eq!(c.settings.alarms[0].datapoints_to_alarm, None);
        assert_eq!(c.target().unwrap().max_capacity, 10);
    }

    #[test]
    fn an_alarm_a_policy_names_must_be_defined() {
        let text = CONFIG.replace("Alarms: [high]", "Alarms: [other]");
        let err = SimConfig::parse(&text, Format::Yaml)
            .unwrap_err()
            .to_string();
        assert!(err.contains("\"other\""), "{err}");
    }

    #[test]
    fn document_problems_are_reported_like_validate() {
        let text = CONFIG.replace("MaxCapacity: 10", "MaxCapacity: 0");
        let err = SimConfig::parse(&text, Format::Yaml)
            .unwrap_err()
            .to_string();
        assert!(err.contains("invalid document"), "{err}");
    }
}
