//! The rules pass of `validate`: AAS's rules for targets, policies and scheduled actions, one
//! row per rule, each with the path and the words a user sees. The step-list rules themselves
//! are tested in `step_validation.rs`; here only that they surface with full paths.

use sagescale_core::validate::{Format, Severity, validate_str};

/// A valid variant target with the given extra YAML (indented as target fields).
fn variant(extra: &str) -> String {
    target(
        "endpoint/ep/variant/v",
        "sagemaker:variant:DesiredInstanceCount",
        extra,
    )
}

fn component(extra: &str) -> String {
    target(
        "inference-component/ic",
        "sagemaker:inference-component:DesiredCopyCount",
        extra,
    )
}

fn target(resource: &str, dimension: &str, extra: &str) -> String {
    format!(
        "ScalableTargets:\n  - ServiceNamespace: sagemaker\n    ResourceId: {resource}\n    \
         ScalableDimension: {dimension}\n{extra}"
    )
}

const CAPACITY: &str = "    MinCapacity: 1\n    MaxCapacity: 4\n";

/// (severity, printed problem) of a document.
fn found(yaml: &str) -> Vec<(Severity, String)> {
    validate_str(yaml, Format::Yaml)
        .problems
        .iter()
        .map(|p| (p.severity, p.to_string()))
        .collect()
}

fn assert_only_error(yaml: &str, path: &str, fragment: &str) {
    let found = found(yaml);
    assert_eq!(found.len(), 1, "{found:#?}");
    let (severity, text) = &found[0];
    assert_eq!(*severity, Severity::Error, "{text}");
    assert!(
        text.starts_with(&format!("{path}: ")),
        "{text}\n  should start with {path}"
    );
    assert!(
        text.contains(fragment),
        "{text}\n  should contain {fragment:?}"
    );
}

const V: &str = "ScalableTargets[0] (endpoint/ep/variant/v)";

fn policies(yaml: &str) -> String {
    variant(&format!("{CAPACITY}    ScalingPolicies:\n{yaml}"))
}

fn actions(yaml: &str) -> String {
    variant(&format!("{CAPACITY}    ScheduledActions:\n{yaml}"))
}

const TT: &str = "      - PolicyName: tt\n        PolicyType: TargetTrackingScaling\n        \
    TargetTrackingScalingPolicyConfiguration:\n";
const VARIANT_METRIC: &str = "          PredefinedMetricSpecification: {PredefinedMetricType: SageMakerVariantInvocationsPerInstance}\n";

#[test]
fn min_capacity_above_max_is_an_error() {
    assert_only_error(
        &variant("    MinCapacity: 5\n    MaxCapacity: 4\n"),
        &format!("{V} > MinCapacity"),
        "5 is greater than MaxCapacity 4",
    );
}

#[test]
fn negative_capacities_are_errors() {
    let found = found(&variant("    MinCapacity: -1\n    MaxCapacity: -1\n"));
    let texts: Vec<&str> = found.iter().map(|(_, t)| t.as_str()).collect();
    assert_eq!(
        texts,
        vec![
            format!("{V} > MinCapacity: -1 is negative"),
            format!("{V} > MaxCapacity: -1 is negative"),
        ]
    );
}

#[test]
fn zero_min_on_a_variant_is_only_a_warning() {
    let report = validate_str(
        &variant("    MinCapacity: 0\n    MaxCapacity: 4\n"),
        Format::Yaml,
    );
    assert!(report.is_valid());
    let warnings: Vec<String> = report.warnings().map(ToString::to_string).collect();
    assert_eq!(warnings.len(), 1);
    assert!(warnings[0].contains("asynchronous"), "{warnings:?}");
    assert!(report.document.is_some());
}

#[test]
fn zero_min_on_an_inference_component_is_fine() {
    assert_eq!(
        found(&component("    MinCapacity: 0\n    MaxCapacity: 4\n")),
        vec![]
    );
}

#[test]
fn resource_ids_must_be_a_sagemaker_resource() {
    let yaml = target(
        "endpoint/ep",
        "sagemaker:variant:DesiredInstanceCount",
        CAPACITY,
    );
    assert_only_error(
        &yaml,
        "ScalableTargets[0] (endpoint/ep) > ResourceId",
        "expected endpoint/<endpoint-name>/variant/<variant-name> or inference-component/<component-name>",
    );
}

#[test]
fn resource_names_follow_sagemaker_naming_rules() {
    let yaml = target(
        "endpoint/my_ep/variant/v-",
        "sagemaker:variant:DesiredInstanceCount",
        CAPACITY,
    );
    let texts: Vec<String> = found(&yaml).into_iter().map(|(_, t)| t).collect();
    assert_eq!(texts.len(), 2, "{texts:#?}");
    assert!(texts[0].contains("endpoint name 'my_ep' is not a valid SageMaker name"));
    assert!(texts[1].contains("variant name 'v-' is not a valid SageMaker name"));
}

#[test]
fn the_dimension_must_match_the_resource_kind() {
    let yaml = target(
        "inference-component/ic",
        "sagemaker:variant:DesiredInstanceCount",
        CAPACITY,
    );
    assert_only_error(
        &yaml,
        "ScalableTargets[0] (inference-component/ic) > ScalableDimension",
        "use sagemaker:inference-component:DesiredCopyCount",
    );
}

#[test]
fn resource_ids_are_unique_across_targets() {
    let one = "  - {ServiceNamespace: sagemaker, ResourceId: endpoint/ep/variant/v, \
               ScalableDimension: sagemaker:variant:DesiredInstanceCount, MinCapacity: 1, MaxCapacity: 2}\n";
    let yaml = format!("ScalableTargets:\n{one}{one}");
    assert_only_error(
        &yaml,
        "ScalableTargets[1] (endpoint/ep/variant/v) > ResourceId",
        "duplicate ResourceId; ScalableTargets[0]",
    );
}

#[test]
fn policy_names_are_unique_per_target() {
    let policy = format!("{TT}          TargetValue: 5\n{VARIANT_METRIC}");
    assert_only_error(
        &policies(&format!("{policy}{policy}")),
        &format!("{V} > ScalingPolicies[1] (tt) > PolicyName"),
        "duplicate PolicyName; ScalingPolicies[0] has the same name",
    );
}

#[test]
fn step_scaling_requires_its_configuration_and_alarms() {
    let found = found(&policies(
        "      - {PolicyName: s, PolicyType: StepScaling}\n",
    ));
    let texts: Vec<&str> = found.iter().map(|(_, t)| t.as_str()).collect();
    assert_eq!(
        texts,
        vec![
            format!(
                "{V} > ScalingPolicies[0] (s): PolicyType StepScaling requires StepScalingPolicyConfiguration"
            ),
            format!(
                "{V} > ScalingPolicies[0] (s) > Alarms: a StepScaling policy needs at least one CloudWatch alarm to drive it"
            ),
        ]
    );
}

#[test]
fn step_scaling_forbids_the_target_tracking_configuration() {
    let yaml = policies(&format!(
        "      - PolicyName: s\n        PolicyType: StepScaling\n        Alarms: [a]\n        \
         StepScalingPolicyConfiguration:\n          AdjustmentType: ChangeInCapacity\n          \
         StepAdjustments: [{{MetricIntervalLowerBound: 0, ScalingAdjustment: 1}}]\n        \
         TargetTrackingScalingPolicyConfiguration:\n          TargetValue: 5\n{VARIANT_METRIC}"
    ));
    assert_only_error(
        &yaml,
        &format!("{V} > ScalingPolicies[0] (s) > TargetTrackingScalingPolicyConfiguration"),
        "not allowed with PolicyType StepScaling",
    );
}

#[test]
fn target_tracking_requires_its_configuration_and_takes_no_alarms() {
    let found = found(&policies(
        "      - {PolicyName: t, PolicyType: TargetTrackingScaling, Alarms: [a]}\n",
    ));
    let texts: Vec<&str> = found.iter().map(|(_, t)| t.as_str()).collect();
    assert_eq!(texts.len(), 2, "{texts:#?}");
    assert!(texts[0].ends_with("requires TargetTrackingScalingPolicyConfiguration"));
    assert!(texts[1].starts_with(&format!(
        "{V} > ScalingPolicies[0] (t) > Alarms: only StepScaling"
    )));
}

#[test]
fn target_tracking_needs_exactly_one_metric_specification() {
    assert_only_error(
        &policies(&format!("{TT}          TargetValue: 5\n")),
        &format!("{V} > ScalingPolicies[0] (tt) > TargetTrackingScalingPolicyConfiguration"),
        "exactly one of PredefinedMetricSpecification and CustomizedMetricSpecification",
    );
    let both = format!(
        "{TT}          TargetValue: 5\n{VARIANT_METRIC}          CustomizedMetricSpecification: \
         {{MetricName: m, Namespace: n, Statistic: Average}}\n"
    );
    assert_only_error(
        &policies(&both),
        &format!("{V} > ScalingPolicies[0] (tt) > TargetTrackingScalingPolicyConfiguration"),
        "exactly one of",
    );
}

#[test]
fn target_value_must_be_positive() {
    assert_only_error(
        &policies(&format!("{TT}          TargetValue: 0\n{VARIANT_METRIC}")),
        &format!(
            "{V} > ScalingPolicies[0] (tt) > TargetTrackingScalingPolicyConfiguration.TargetValue"
        ),
        "must be greater than 0",
    );
}

#[test]
fn inference_component_metrics_only_on_inference_components() {
    let yaml = policies(&format!(
        "{TT}          TargetValue: 5\n          PredefinedMetricSpecification: \
         {{PredefinedMetricType: SageMakerInferenceComponentInvocationsPerCopy}}\n"
    ));
    assert_only_error(
        &yaml,
        &format!(
            "{V} > ScalingPolicies[0] (tt) > TargetTrackingScalingPolicyConfiguration.\
             PredefinedMetricSpecification.PredefinedMetricType"
        ),
        "is a metric of an inference component, but this target is an endpoint variant",
    );
}

#[test]
fn variant_metrics_only_on_variants() {
    let yaml = component(&format!(
        "    MinCapacity: 0\n    MaxCapacity: 2\n    ScalingPolicies:\n{TT}          TargetValue: 5\n{VARIANT_METRIC}"
    ));
    let found = found(&yaml);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(
        found[0].1.contains(
            "is a metric of an endpoint variant, but this target is an inference component"
        )
    );
}

#[test]
fn cooldowns_must_not_be_negative() {
    assert_only_error(
        &policies(&format!(
            "{TT}          TargetValue: 5\n{VARIANT_METRIC}          ScaleInCooldown: -5\n"
        )),
        &format!(
            "{V} > ScalingPolicies[0] (tt) > TargetTrackingScalingPolicyConfiguration.ScaleInCooldown"
        ),
        "-5 is negative",
    );
}

#[test]
fn step_rules_surface_with_their_full_path() {
    let yaml = policies(
        "      - PolicyName: latency-steps\n        PolicyType: StepScaling\n        Alarms: [a]\n        \
         StepScalingPolicyConfiguration:\n          AdjustmentType: ChangeInCapacity\n          \
         StepAdjustments:\n            - {MetricIntervalLowerBound: 0, MetricIntervalUpperBound: 20, ScalingAdjustment: 1}\n            \
         - {MetricIntervalLowerBound: 10, ScalingAdjustment: 3}\n",
    );
    assert_only_error(
        &yaml,
        &format!(
            "{V} > ScalingPolicies[0] (latency-steps) > StepScalingPolicyConfiguration.\
             StepAdjustments[1].MetricIntervalLowerBound"
        ),
        "overlap",
    );
}

#[test]
fn scheduled_action_names_are_unique_per_target() {
    let action = "      - {ScheduledActionName: peak, Schedule: rate(1 day), ScalableTargetAction: {MinCapacity: 2}}\n";
    assert_only_error(
        &actions(&format!("{action}{action}")),
        &format!("{V} > ScheduledActions[1] (peak) > ScheduledActionName"),
        "duplicate ScheduledActionName; ScheduledActions[0]",
    );
}

#[test]
fn schedules_and_time_zones_are_parsed() {
    let found = found(&actions(
        "      - {ScheduledActionName: peak, Schedule: cron(0 18 * * FRI *), Timezone: America/NewYork, \
         ScalableTargetAction: {MinCapacity: 2}}\n",
    ));
    let texts: Vec<&str> = found.iter().map(|(_, t)| t.as_str()).collect();
    assert_eq!(texts.len(), 2, "{texts:#?}");
    assert!(texts[0].starts_with(&format!("{V} > ScheduledActions[0] (peak) > Schedule: ")));
    assert!(texts[1].starts_with(&format!(
        "{V} > ScheduledActions[0] (peak) > Timezone: unknown time zone 'America/NewYork'"
    )));
}

#[test]
fn start_time_must_be_before_end_time() {
    assert_only_error(
        &actions(
            "      - {ScheduledActionName: w, Schedule: rate(1 hour), StartTime: 2027-01-02T00:00:00Z, \
             EndTime: 2027-01-01T00:00:00Z, ScalableTargetAction: {MinCapacity: 2}}\n",
        ),
        &format!("{V} > ScheduledActions[0] (w) > EndTime"),
        "must be after StartTime",
    );
}

#[test]
fn a_scheduled_action_sets_at_least_one_bound_and_keeps_them_ordered() {
    assert_only_error(
        &actions(
            "      - {ScheduledActionName: n, Schedule: rate(1 hour), ScalableTargetAction: {}}\n",
        ),
        &format!("{V} > ScheduledActions[0] (n) > ScalableTargetAction"),
        "set MinCapacity, MaxCapacity or both",
    );
    assert_only_error(
        &actions(
            "      - {ScheduledActionName: n, Schedule: rate(1 hour), \
             ScalableTargetAction: {MinCapacity: 5, MaxCapacity: 3}}\n",
        ),
        &format!("{V} > ScheduledActions[0] (n) > ScalableTargetAction.MinCapacity"),
        "5 is greater than MaxCapacity 3",
    );
}

#[test]
fn validate_document_agrees_with_validate_str() {
    let yaml = variant("    MinCapacity: 5\n    MaxCapacity: 4\n");
    let value: sagescale_core::model::Document = serde_yaml_ng::from_str(&yaml).unwrap();
    let from_typed: Vec<String> = sagescale_core::validate::validate_document(&value)
        .iter()
        .map(ToString::to_string)
        .collect();
    let from_text: Vec<String> = validate_str(&yaml, Format::Yaml)
        .problems
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(from_typed, from_text);
}
