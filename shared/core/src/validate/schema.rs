//! The structure pass: which keys each object allows, of which type, and which are required;
//! walked over the untyped document so that every unknown field, wrong type and missing field
//! is reported, not just the first one serde meets.
//!
//! This mirrors `model`; the tests at the bottom keep the two in step.

use serde_yaml_ng::Value;

use super::names::suggest;
use super::{Path, Problems};

#[derive(Debug)]
enum Shape {
    Str,
    /// An `i32`, as the model stores capacities, cooldowns and adjustments.
    Int,
    Number,
    Bool,
    /// RFC 3339, as chrono reads `DateTime<Utc>`.
    Timestamp,
    /// A string from a fixed set (the model's enums).
    OneOf(&'static [&'static str]),
    List(&'static Shape),
    Object(&'static Object),
}

#[derive(Debug)]
struct Object {
    fields: &'static [Field],
    /// The field naming a list element in paths (`ResourceId`, `PolicyName`, ...); objects
    /// that have one are scopes (see `Path::scope`).
    label: Option<&'static str>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Presence {
    Required,
    /// May be absent or null (an `Option` in the model).
    Optional,
    /// May be absent but not null (a `#[serde(default)]` collection or flag).
    Defaulted,
}

#[derive(Debug)]
struct Field {
    name: &'static str,
    shape: Shape,
    presence: Presence,
}

const fn required(name: &'static str, shape: Shape) -> Field {
    Field {
        name,
        shape,
        presence: Presence::Required,
    }
}

const fn optional(name: &'static str, shape: Shape) -> Field {
    Field {
        name,
        shape,
        presence: Presence::Optional,
    }
}

const fn defaulted(name: &'static str, shape: Shape) -> Field {
    Field {
        name,
        shape,
        presence: Presence::Defaulted,
    }
}

const SERVICE_NAMESPACES: &[&str] = &["sagemaker"];
const SCALABLE_DIMENSIONS: &[&str] = &[
    "sagemaker:variant:DesiredInstanceCount",
    "sagemaker:inference-component:DesiredCopyCount",
];
const MODES: &[&str] = &["enforce", "dry-run"];
const POLICY_TYPES: &[&str] = &["StepScaling", "TargetTrackingScaling", "PredictiveScaling"];
const ADJUSTMENT_TYPES: &[&str] = &[
    "ChangeInCapacity",
    "ExactCapacity",
    "PercentChangeInCapacity",
];
const AGGREGATION_TYPES: &[&str] = &["Average", "Minimum", "Maximum"];
const PREDEFINED_METRIC_TYPES: &[&str] = &[
    "SageMakerVariantInvocationsPerInstance",
    "SageMakerVariantProvisionedConcurrencyUtilization",
    "SageMakerVariantConcurrentRequestsPerModelHighResolution",
    "SageMakerInferenceComponentInvocationsPerCopy",
    "SageMakerInferenceComponentConcurrentRequestsPerCopyHighResolution",
];
const STATISTICS: &[&str] = &["Average", "Minimum", "Maximum", "SampleCount", "Sum"];

const STEP_ADJUSTMENT: Object = Object {
    label: None,
    fields: &[
        optional("MetricIntervalLowerBound", Shape::Number),
        optional("MetricIntervalUpperBound", Shape::Number),
        required("ScalingAdjustment", Shape::Int),
    ],
};

const STEP_CONFIGURATION: Object = Object {
    label: None,
    fields: &[
        required("AdjustmentType", Shape::OneOf(ADJUSTMENT_TYPES)),
        required(
            "StepAdjustments",
            Shape::List(&Shape::Object(&STEP_ADJUSTMENT)),
        ),
        optional("MinAdjustmentMagnitude", Shape::Int),
        optional("Cooldown", Shape::Int),
        optional("MetricAggregationType", Shape::OneOf(AGGREGATION_TYPES)),
    ],
};

const PREDEFINED_METRIC: Object = Object {
    label: None,
    fields: &[
        required(
            "PredefinedMetricType",
            Shape::OneOf(PREDEFINED_METRIC_TYPES),
        ),
        optional("ResourceLabel", Shape::Str),
    ],
};

const DIMENSION: Object = Object {
    label: None,
    fields: &[required("Name", Shape::Str), required("Value", Shape::Str)],
};

const TRACKING_METRIC: Object = Object {
    label: None,
    fields: &[
        defaulted("Dimensions", Shape::List(&Shape::Object(&DIMENSION))),
        required("MetricName", Shape::Str),
        required("Namespace", Shape::Str),
    ],
};

const TRACKING_METRIC_STAT: Object = Object {
    label: None,
    fields: &[
        required("Metric", Shape::Object(&TRACKING_METRIC)),
        required("Stat", Shape::Str),
        optional("Unit", Shape::Str),
    ],
};

const TRACKING_METRIC_QUERY: Object = Object {
    label: None,
    fields: &[
        required("Id", Shape::Str),
        optional("Expression", Shape::Str),
        optional("Label", Shape::Str),
        optional("MetricStat", Shape::Object(&TRACKING_METRIC_STAT)),
        optional("ReturnData", Shape::Bool),
    ],
};

/// Either the single-metric form (MetricName, Namespace, Statistic) or `Metrics`; which
/// fields go together is checked by the rules.
const CUSTOMIZED_METRIC: Object = Object {
    label: None,
    fields: &[
        optional("MetricName", Shape::Str),
        optional("Namespace", Shape::Str),
        defaulted("Dimensions", Shape::List(&Shape::Object(&DIMENSION))),
        optional("Statistic", Shape::OneOf(STATISTICS)),
        optional("Unit", Shape::Str),
        defaulted(
            "Metrics",
            Shape::List(&Shape::Object(&TRACKING_METRIC_QUERY)),
        ),
    ],
};

/// sagescale's extension beside TargetTrackingScalingPolicyConfiguration.
const TRACKING_EVALUATION: Object = Object {
    label: None,
    fields: &[
        optional("ScaleOutEvaluationPeriods", Shape::Int),
        optional("ScaleOutDatapointsToAlarm", Shape::Int),
        optional("ScaleInEvaluationPeriods", Shape::Int),
        optional("ScaleInDatapointsToAlarm", Shape::Int),
        optional("ScaleInThresholdRatio", Shape::Number),
    ],
};

const TARGET_TRACKING_CONFIGURATION: Object = Object {
    label: None,
    fields: &[
        required("TargetValue", Shape::Number),
        optional(
            "PredefinedMetricSpecification",
            Shape::Object(&PREDEFINED_METRIC),
        ),
        optional(
            "CustomizedMetricSpecification",
            Shape::Object(&CUSTOMIZED_METRIC),
        ),
        optional("ScaleOutCooldown", Shape::Int),
        optional("ScaleInCooldown", Shape::Int),
        optional("DisableScaleIn", Shape::Bool),
    ],
};

const PREDICTIVE_MODES: &[&str] = &["ForecastOnly", "ForecastAndScale"];
const PREDICTIVE_BREACH_BEHAVIORS: &[&str] = &["HonorMaxCapacity", "IncreaseMaxCapacity"];
const PREDICTIVE_PAIR_TYPES: &[&str] = &[
    "SageMakerVariantInvocationsPerInstance",
    "SageMakerInferenceComponentInvocationsPerCopy",
];
const PREDICTIVE_LOAD_TYPES: &[&str] = &[
    "SageMakerVariantTotalInvocations",
    "SageMakerInferenceComponentTotalInvocations",
];
const PREDICTIVE_SCALING_TYPES: &[&str] = PREDICTIVE_PAIR_TYPES;

/// AAS's three predictive predefined-metric structures: a type and an optional ResourceLabel.
macro_rules! predictive_predefined {
    ($name:ident, $types:expr) => {
        const $name: Object = Object {
            label: None,
            fields: &[
                required("PredefinedMetricType", Shape::OneOf($types)),
                optional("ResourceLabel", Shape::Str),
            ],
        };
    };
}
predictive_predefined!(PREDICTIVE_PAIR, PREDICTIVE_PAIR_TYPES);
predictive_predefined!(PREDICTIVE_LOAD, PREDICTIVE_LOAD_TYPES);
predictive_predefined!(PREDICTIVE_SCALING, PREDICTIVE_SCALING_TYPES);

const PREDICTIVE_CUSTOMIZED: Object = Object {
    label: None,
    fields: &[required(
        "MetricDataQueries",
        Shape::List(&Shape::Object(&TRACKING_METRIC_QUERY)),
    )],
};

const PREDICTIVE_METRIC_SPECIFICATION: Object = Object {
    label: None,
    fields: &[
        required("TargetValue", Shape::Number),
        optional(
            "PredefinedMetricPairSpecification",
            Shape::Object(&PREDICTIVE_PAIR),
        ),
        optional(
            "PredefinedScalingMetricSpecification",
            Shape::Object(&PREDICTIVE_SCALING),
        ),
        optional(
            "PredefinedLoadMetricSpecification",
            Shape::Object(&PREDICTIVE_LOAD),
        ),
        optional(
            "CustomizedScalingMetricSpecification",
            Shape::Object(&PREDICTIVE_CUSTOMIZED),
        ),
        optional(
            "CustomizedLoadMetricSpecification",
            Shape::Object(&PREDICTIVE_CUSTOMIZED),
        ),
        optional(
            "CustomizedCapacityMetricSpecification",
            Shape::Object(&PREDICTIVE_CUSTOMIZED),
        ),
    ],
};

const PREDICTIVE_CONFIGURATION: Object = Object {
    label: None,
    fields: &[
        required(
            "MetricSpecifications",
            Shape::List(&Shape::Object(&PREDICTIVE_METRIC_SPECIFICATION)),
        ),
        optional("Mode", Shape::OneOf(PREDICTIVE_MODES)),
        optional("SchedulingBufferTime", Shape::Int),
        optional(
            "MaxCapacityBreachBehavior",
            Shape::OneOf(PREDICTIVE_BREACH_BEHAVIORS),
        ),
        optional("MaxCapacityBuffer", Shape::Int),
    ],
};

/// sagescale's extension beside PredictiveScalingPolicyConfiguration.
const PREDICTIVE_FORECAST: Object = Object {
    label: None,
    fields: &[
        optional("LookbackDays", Shape::Int),
        optional("Quantile", Shape::Number),
        optional("JitterMinutes", Shape::Int),
        optional("GranularitySeconds", Shape::Int),
        optional("RefreshIntervalSeconds", Shape::Int),
    ],
};

const SCALING_POLICY: Object = Object {
    label: Some("PolicyName"),
    fields: &[
        required("PolicyName", Shape::Str),
        required("PolicyType", Shape::OneOf(POLICY_TYPES)),
        defaulted("Alarms", Shape::List(&Shape::Str)),
        optional(
            "StepScalingPolicyConfiguration",
            Shape::Object(&STEP_CONFIGURATION),
        ),
        optional(
            "TargetTrackingScalingPolicyConfiguration",
            Shape::Object(&TARGET_TRACKING_CONFIGURATION),
        ),
        optional(
            "TargetTrackingEvaluation",
            Shape::Object(&TRACKING_EVALUATION),
        ),
        optional(
            "PredictiveScalingPolicyConfiguration",
            Shape::Object(&PREDICTIVE_CONFIGURATION),
        ),
        optional(
            "PredictiveScalingForecast",
            Shape::Object(&PREDICTIVE_FORECAST),
        ),
    ],
};

const SCALABLE_TARGET_ACTION: Object = Object {
    label: None,
    fields: &[
        optional("MinCapacity", Shape::Int),
        optional("MaxCapacity", Shape::Int),
    ],
};

const SCHEDULED_ACTION: Object = Object {
    label: Some("ScheduledActionName"),
    fields: &[
        required("ScheduledActionName", Shape::Str),
        required("Schedule", Shape::Str),
        optional("Timezone", Shape::Str),
        optional("StartTime", Shape::Timestamp),
        optional("EndTime", Shape::Timestamp),
        required(
            "ScalableTargetAction",
            Shape::Object(&SCALABLE_TARGET_ACTION),
        ),
    ],
};

const SUSPENDED_STATE: Object = Object {
    label: None,
    fields: &[
        defaulted("DynamicScalingInSuspended", Shape::Bool),
        defaulted("DynamicScalingOutSuspended", Shape::Bool),
        defaulted("ScheduledScalingSuspended", Shape::Bool),
    ],
};

const SCALABLE_TARGET: Object = Object {
    label: Some("ResourceId"),
    fields: &[
        required("ServiceNamespace", Shape::OneOf(SERVICE_NAMESPACES)),
        required("ResourceId", Shape::Str),
        required("ScalableDimension", Shape::OneOf(SCALABLE_DIMENSIONS)),
        required("MinCapacity", Shape::Int),
        required("MaxCapacity", Shape::Int),
        defaulted("SuspendedState", Shape::Object(&SUSPENDED_STATE)),
        defaulted("Mode", Shape::OneOf(MODES)),
        defaulted(
            "ScalingPolicies",
            Shape::List(&Shape::Object(&SCALING_POLICY)),
        ),
        defaulted(
            "ScheduledActions",
            Shape::List(&Shape::Object(&SCHEDULED_ACTION)),
        ),
    ],
};

/// The top level. `ScalableTargets` is walked element by element by the caller.
const DOCUMENT: Object = Object {
    label: None,
    fields: &[required("ScalableTargets", Shape::List(&Shape::Str))],
};

/// Checks the top level and returns the target elements to check one by one, or `None` when
/// there is no target list to look into.
pub(super) fn check_document<'v>(root: &'v Value, out: &mut Problems) -> Option<&'v [Value]> {
    let path = Path::root();
    let Value::Mapping(map) = root else {
        out.error(
            &path,
            format!(
                "expected an object with a ScalableTargets list, found {}",
                describe(root)
            ),
        );
        return None;
    };
    check_keys(map, &DOCUMENT, &path, out);
    let targets = map.get("ScalableTargets")?;
    match targets {
        Value::Sequence(items) => {
            if items.is_empty() {
                out.warning(
                    &path.field("ScalableTargets"),
                    "no scalable targets: nothing will scale",
                );
            }
            Some(items)
        }
        other => {
            type_error(&path.field("ScalableTargets"), "a list", other, out);
            None
        }
    }
}

/// Checks the structure of `ScalableTargets[index]`; returns its path for later problems.
pub(super) fn check_target(index: usize, item: &Value, out: &mut Problems) -> Path {
    let path = element_path(
        &Path::root().field("ScalableTargets"),
        index,
        &SCALABLE_TARGET,
        item,
    );
    walk_object(item, &SCALABLE_TARGET, &path, out);
    path
}

fn element_path(list: &Path, index: usize, object: &Object, item: &Value) -> Path {
    let path = list.index(index);
    match object.label {
        Some(label) => path.scope(item.get(label).and_then(Value::as_str)),
        None => path,
    }
}

fn walk(value: &Value, shape: &Shape, path: &Path, out: &mut Problems) {
    match shape {
        Shape::Str => {
            if !value.is_string() {
                type_error(path, "a string", value, out);
            }
        }
        Shape::Int => match value.as_i64() {
            Some(n) if i32::try_from(n).is_ok() => {}
            Some(n) => out.error(path, format!("{n} is out of range")),
            None if value.is_f64() => out.error(
                path,
                format!("expected a whole number, found {}", describe(value)),
            ),
            None => type_error(path, "a whole number", value, out),
        },
        Shape::Number => {
            if !value.is_number() {
                type_error(path, "a number", value, out);
            }
        }
        Shape::Bool => {
            if !value.is_bool() {
                type_error(path, "true or false", value, out);
            }
        }
        Shape::Timestamp => match value.as_str() {
            Some(text) if text.parse::<chrono::DateTime<chrono::Utc>>().is_ok() => {}
            Some(text) => out.error(
                path,
                format!("'{text}' is not a timestamp; use RFC 3339, e.g. 2026-03-06T18:00:00Z"),
            ),
            None => type_error(path, "an RFC 3339 timestamp", value, out),
        },
        Shape::OneOf(allowed) => match value.as_str() {
            Some(text) if allowed.contains(&text) => {}
            Some(text) => {
                let hint = match suggest(text, allowed) {
                    Some(near) => format!("did you mean {near}?"),
                    None => format!("expected one of: {}", allowed.join(", ")),
                };
                out.error(path, format!("unknown value '{text}'; {hint}"));
            }
            None => type_error(path, &format!("one of: {}", allowed.join(", ")), value, out),
        },
        Shape::List(element) => match value {
            Value::Sequence(items) => {
                for (index, item) in items.iter().enumerate() {
                    match element {
                        Shape::Object(object) => {
                            let item_path = element_path(path, index, object, item);
                            walk_object(item, object, &item_path, out);
                        }
                        shape => walk(item, shape, &path.index(index), out),
                    }
                }
            }
            other => type_error(path, "a list", other, out),
        },
        Shape::Object(object) => walk_object(value, object, path, out),
    }
}

fn walk_object(value: &Value, object: &Object, path: &Path, out: &mut Problems) {
    let Value::Mapping(map) = value else {
        type_error(path, "an object", value, out);
        return;
    };
    check_keys(map, object, path, out);
    for field in object.fields {
        let Some(value) = map.get(field.name) else {
            continue;
        };
        let field_path = path.field(field.name);
        match (value, field.presence) {
            (Value::Null, Presence::Optional) => {}
            (Value::Null, _) => out.error(&field_path, "must not be null"),
            (value, _) => walk(value, &field.shape, &field_path, out),
        }
    }
}

/// Unknown keys (with a suggestion) and missing required ones.
fn check_keys(map: &serde_yaml_ng::Mapping, object: &Object, path: &Path, out: &mut Problems) {
    let known: Vec<&str> = object.fields.iter().map(|f| f.name).collect();
    for key in map.keys() {
        let Some(key) = key.as_str() else {
            out.error(
                path,
                format!("field names must be strings, found {}", describe(key)),
            );
            continue;
        };
        if known.contains(&key) {
            continue;
        }
        let hint = match suggest(key, &known) {
            Some(near) => format!("did you mean {near}?"),
            None => format!("expected one of: {}", known.join(", ")),
        };
        out.error(&path.field(key), format!("unknown field; {hint}"));
    }
    for field in object.fields {
        if field.presence == Presence::Required && !map.contains_key(field.name) {
            out.error(&path.field(field.name), "missing required field");
        }
    }
}

fn type_error(path: &Path, expected: &str, found: &Value, out: &mut Problems) {
    out.error(
        path,
        format!("expected {expected}, found {}", describe(found)),
    );
}

fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => format!("the boolean {b}"),
        Value::Number(n) => format!("the number {n}"),
        Value::String(s) => format!("the string '{s}'"),
        Value::Sequence(_) => "a list".into(),
        Value::Mapping(_) => "an object".into(),
        Value::Tagged(t) => format!("a value tagged {}", t.tag),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::*;
    use serde::de::DeserializeOwned;

    fn all_parse<T: DeserializeOwned>(values: &[&str]) {
        for value in values {
            let parsed: Result<T, _> = serde_yaml_ng::from_value(Value::String(value.to_string()));
            assert!(
                parsed.is_ok(),
                "{value} is not a {}",
                std::any::type_name::<T>()
            );
        }
    }

    /// The schema's value lists are the model's enums, spelled as serde reads them.
    #[test]
    fn enum_value_lists_match_the_model() {
        all_parse::<ServiceNamespace>(SERVICE_NAMESPACES);
        all_parse::<ScalableDimension>(SCALABLE_DIMENSIONS);
        all_parse::<Mode>(MODES);
        all_parse::<PolicyType>(POLICY_TYPES);
        all_parse::<AdjustmentType>(ADJUSTMENT_TYPES);
        all_parse::<MetricAggregationType>(AGGREGATION_TYPES);
        all_parse::<PredefinedMetricType>(PREDEFINED_METRIC_TYPES);
        all_parse::<MetricStatistic>(STATISTICS);
        all_parse::<PredictiveScalingMode>(PREDICTIVE_MODES);
        all_parse::<PredictiveScalingMaxCapacityBreachBehavior>(PREDICTIVE_BREACH_BEHAVIORS);
        all_parse::<PredictiveMetricPairType>(PREDICTIVE_PAIR_TYPES);
        all_parse::<PredictiveLoadMetricType>(PREDICTIVE_LOAD_TYPES);
        all_parse::<PredictiveScalingMetricType>(PREDICTIVE_SCALING_TYPES);
    }

    /// A target using every field the schema knows passes it and deserialises into the model:
    /// the schema accepts nothing that `deny_unknown_fields` would reject.
    #[test]
    fn a_fully_populated_target_passes_the_schema() {
        let yaml = r#"
ServiceNamespace: sagemaker
ResourceId: endpoint/e/variant/v
ScalableDimension: sagemaker:variant:DesiredInstanceCount
MinCapacity: 1
MaxCapacity: 4
SuspendedState: {DynamicScalingInSuspended: false, DynamicScalingOutSuspended: false, ScheduledScalingSuspended: false}
Mode: dry-run
ScalingPolicies:
  - PolicyName: tt
    PolicyType: TargetTrackingScaling
    TargetTrackingScalingPolicyConfiguration:
      TargetValue: 70
      CustomizedMetricSpecification:
        MetricName: M
        Namespace: N
        Dimensions: [{Name: a, Value: b}]
        Statistic: Sum
        Unit: Count
      ScaleOutCooldown: 1
      ScaleInCooldown: 2
      DisableScaleIn: true
  - PolicyName: steps
    PolicyType: StepScaling
    Alarms: [a]
    StepScalingPolicyConfiguration:
      AdjustmentType: PercentChangeInCapacity
      MinAdjustmentMagnitude: 1
      Cooldown: 60
      MetricAggregationType: Maximum
      StepAdjustments:
        - {MetricIntervalLowerBound: 0, MetricIntervalUpperBound: null, ScalingAdjustment: 10}
  - PolicyName: predictive
    PolicyType: PredictiveScaling
    PredictiveScalingPolicyConfiguration:
      MetricSpecifications:
        - TargetValue: 600
          PredefinedScalingMetricSpecification: {PredefinedMetricType: SageMakerVariantInvocationsPerInstance, ResourceLabel: x}
          PredefinedLoadMetricSpecification: {PredefinedMetricType: SageMakerVariantTotalInvocations, ResourceLabel: y}
          PredefinedMetricPairSpecification: {PredefinedMetricType: SageMakerVariantInvocationsPerInstance}
          CustomizedScalingMetricSpecification:
            MetricDataQueries:
              - Id: s
                Label: l
                ReturnData: true
                MetricStat: {Metric: {MetricName: M, Namespace: N, Dimensions: [{Name: a, Value: b}]}, Stat: Average, Unit: Count}
          CustomizedLoadMetricSpecification:
            MetricDataQueries: [{Id: l, Expression: "m1 * 2"}]
          CustomizedCapacityMetricSpecification:
            MetricDataQueries: [{Id: c, Expression: "m1"}]
      Mode: ForecastAndScale
      SchedulingBufferTime: 360
      MaxCapacityBreachBehavior: IncreaseMaxCapacity
      MaxCapacityBuffer: 10
    PredictiveScalingForecast: {LookbackDays: 7, Quantile: 0.95, JitterMinutes: 3, GranularitySeconds: 300, RefreshIntervalSeconds: 3600}
ScheduledActions:
  - ScheduledActionName: a
    Schedule: rate(1 day)
    Timezone: UTC
    StartTime: 2026-01-01T00:00:00Z
    EndTime: 2027-01-01T00:00:00Z
    ScalableTargetAction: {MinCapacity: 1, MaxCapacity: 2}
"#;
        let value: Value = serde_yaml_ng::from_str(yaml).unwrap();
        let mut out = Problems::default();
        check_target(0, &value, &mut out);
        assert!(out.0.is_empty(), "{:?}", out.0);
        let typed: Result<ScalableTarget, _> = serde_yaml_ng::from_value(value);
        assert!(typed.is_ok(), "{typed:?}");
    }
}
