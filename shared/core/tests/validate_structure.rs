//! The structure pass of `validate`: unknown fields (with suggestions), wrong types, missing
//! fields, parse errors in YAML and JSON; and that every problem is reported, not the first.

use sagescale_core::validate::{Format, Severity, validate_str};

/// Every problem of a YAML document, as `validate` prints it (without the file name).
fn problems(yaml: &str) -> Vec<String> {
    validate_str(yaml, Format::Yaml)
        .problems
        .iter()
        .map(ToString::to_string)
        .collect()
}

fn target(body: &str) -> String {
    format!(
        "ScalableTargets:\n  - ServiceNamespace: sagemaker\n    \
         ResourceId: endpoint/ep/variant/v\n    \
         ScalableDimension: sagemaker:variant:DesiredInstanceCount\n{body}"
    )
}

const TARGET: &str = "ScalableTargets[0] (endpoint/ep/variant/v)";

#[test]
fn a_minimal_target_is_valid_and_typed() {
    let report = validate_str(
        &target("    MinCapacity: 1\n    MaxCapacity: 2\n"),
        Format::Yaml,
    );
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    let document = report.document.expect("typed document");
    assert_eq!(document.scalable_targets[0].max_capacity, 2);
}

#[test]
fn an_unknown_field_suggests_the_near_miss() {
    let found = problems(&target(
        "    MinCapacity: 1\n    MaxCapacity: 2\n    ScalingPolicy: []\n",
    ));
    assert_eq!(
        found,
        vec![format!(
            "{TARGET} > ScalingPolicy: unknown field; did you mean ScalingPolicies?"
        )]
    );
}

#[test]
fn an_unknown_field_far_from_any_lists_the_allowed_ones() {
    let found = problems("ScalableTargets: []\nBanana: 1\n");
    assert!(
        found.contains(&"Banana: unknown field; expected one of: ScalableTargets".to_string()),
        "{found:?}"
    );
}

#[test]
fn a_typo_inside_a_policy_names_the_policy() {
    let found = problems(&target(
        "    MinCapacity: 1\n    MaxCapacity: 2\n    ScalingPolicies:\n      \
         - PolicyName: tt\n        PolicyType: TargetTrackingScaling\n        \
         TargetTrackingScalingPolicyConfiguration:\n          TargetValue: 5\n          \
         PredefinedMetricSpecification: {PredefinedMetricType: SageMakerVariantInvocationsPerInstance}\n          \
         ScaleInCooldwn: 60\n",
    ));
    assert_eq!(
        found,
        vec![format!(
            "{TARGET} > ScalingPolicies[0] (tt) > TargetTrackingScalingPolicyConfiguration.\
             ScaleInCooldwn: unknown field; did you mean ScaleInCooldown?"
        )]
    );
}

#[test]
fn wrong_types_and_missing_fields_are_all_reported() {
    let found = problems(&target("    MinCapacity: two\n    Mode: fast\n"));
    assert_eq!(
        found,
        vec![
            format!("{TARGET} > MaxCapacity: missing required field"),
            format!("{TARGET} > MinCapacity: expected a whole number, found the string 'two'"),
            format!("{TARGET} > Mode: unknown value 'fast'; expected one of: enforce, dry-run"),
        ]
    );
}

#[test]
fn a_fractional_capacity_is_not_a_whole_number() {
    let found = problems(&target("    MinCapacity: 1.5\n    MaxCapacity: 2\n"));
    assert_eq!(
        found,
        vec![format!(
            "{TARGET} > MinCapacity: expected a whole number, found the number 1.5"
        )]
    );
}

#[test]
fn a_near_miss_enum_value_gets_a_suggestion() {
    let found = problems(
        "ScalableTargets:\n  - ServiceNamespace: SageMaker\n    ResourceId: inference-component/c\n    \
         ScalableDimension: sagemaker:inference-component:DesiredCopyCount\n    \
         MinCapacity: 0\n    MaxCapacity: 2\n",
    );
    assert_eq!(
        found,
        vec![
            "ScalableTargets[0] (inference-component/c) > ServiceNamespace: unknown value \
             'SageMaker'; did you mean sagemaker?"
                .to_string()
        ]
    );
}

#[test]
fn null_bounds_are_allowed_but_a_null_required_field_is_not() {
    let found = problems(&target(
        "    MinCapacity: 1\n    MaxCapacity: null\n    ScalingPolicies:\n      \
         - PolicyName: s\n        PolicyType: StepScaling\n        Alarms: [a]\n        \
         StepScalingPolicyConfiguration:\n          AdjustmentType: ChangeInCapacity\n          \
         StepAdjustments:\n            - {MetricIntervalLowerBound: 0, MetricIntervalUpperBound: null, ScalingAdjustment: 1}\n",
    ));
    assert_eq!(
        found,
        vec![format!("{TARGET} > MaxCapacity: must not be null")]
    );
}

#[test]
fn a_bad_timestamp_says_which_format_to_use() {
    let found = problems(&target(
        "    MinCapacity: 1\n    MaxCapacity: 2\n    ScheduledActions:\n      \
         - ScheduledActionName: a\n        Schedule: rate(1 day)\n        StartTime: next tuesday\n        \
         ScalableTargetAction: {MinCapacity: 1}\n",
    ));
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].starts_with(&format!(
            "{TARGET} > ScheduledActions[0] (a) > StartTime: 'next tuesday' is not a timestamp"
        )),
        "{found:?}"
    );
}

#[test]
fn rules_still_run_on_targets_whose_structure_is_sound() {
    let yaml = "ScalableTargets:\n  \
        - {ServiceNamespace: sagemaker, ResourceId: endpoint/a/variant/v, ScalableDimension: sagemaker:variant:DesiredInstanceCount, MinCapacity: 1, MaxCapacity: 2, Typo: 1}\n  \
        - {ServiceNamespace: sagemaker, ResourceId: endpoint/b/variant/v, ScalableDimension: sagemaker:variant:DesiredInstanceCount, MinCapacity: 3, MaxCapacity: 2}\n";
    let report = validate_str(yaml, Format::Yaml);
    let found: Vec<String> = report.problems.iter().map(ToString::to_string).collect();
    assert_eq!(
        found,
        vec![
            "ScalableTargets[0] (endpoint/a/variant/v) > Typo: unknown field; expected one of: \
             ServiceNamespace, ResourceId, ScalableDimension, MinCapacity, MaxCapacity, \
             SuspendedState, Mode, ScalingPolicies, ScheduledActions"
                .to_string(),
            "ScalableTargets[1] (endpoint/b/variant/v) > MinCapacity: 3 is greater than MaxCapacity 2"
                .to_string(),
        ]
    );
    assert!(report.document.is_none());
}

#[test]
fn yaml_syntax_errors_say_yaml_and_where() {
    let found = problems("ScalableTargets: [\n  {a: 1\n");
    assert_eq!(found.len(), 1);
    assert!(found[0].starts_with("invalid YAML: "), "{found:?}");
    assert!(found[0].contains("line"), "{found:?}");
}

#[test]
fn json_is_read_and_its_syntax_errors_read_like_json() {
    let json = r#"{"ScalableTargets": [{"ServiceNamespace": "sagemaker",
        "ResourceId": "endpoint/ep/variant/v",
        "ScalableDimension": "sagemaker:variant:DesiredInstanceCount",
        "MinCapacity": 1, "MaxCapacity": 2}]}"#;
    let report = validate_str(json, Format::Json);
    assert!(report.is_valid(), "{:?}", report.problems);

    let broken = validate_str(r#"{"ScalableTargets": [}"#, Format::Json);
    let message = broken.problems[0].to_string();
    assert!(message.starts_with("invalid JSON: "), "{message}");
    assert!(message.contains("line 1 column"), "{message}");
}

#[test]
fn an_empty_target_list_is_a_warning_not_an_error() {
    let report = validate_str("ScalableTargets: []\n", Format::Yaml);
    assert!(report.is_valid());
    assert_eq!(report.problems[0].severity, Severity::Warning);
}

#[test]
fn yaml_anchors_and_merge_keys_are_resolved() {
    let yaml = "\
shared: &steps
  PolicyType: StepScaling
  StepScalingPolicyConfiguration:
    AdjustmentType: ChangeInCapacity
    StepAdjustments: [{MetricIntervalLowerBound: 0, ScalingAdjustment: 1}]
ScalableTargets: []
";
    // An unknown top-level key is still reported; the anchor itself is fine.
    assert_eq!(
        problems(yaml)[0],
        "shared: unknown field; expected one of: ScalableTargets"
    );

    let yaml = target(
        "    MinCapacity: 1\n    MaxCapacity: 2\n    ScalingPolicies:\n      \
         - &steps {PolicyName: a, PolicyType: StepScaling, Alarms: [x], \
         StepScalingPolicyConfiguration: {AdjustmentType: ChangeInCapacity, \
         StepAdjustments: [{MetricIntervalLowerBound: 0, ScalingAdjustment: 1}]}}\n      \
         - {<<: *steps, PolicyName: b, Alarms: [y]}\n",
    );
    let report = validate_str(&yaml, Format::Yaml);
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    let target = &report.document.unwrap().scalable_targets[0];
    assert_eq!(target.scaling_policies[1].policy_name, "b");
    assert_eq!(target.scaling_policies[1].alarms, vec!["y".to_string()]);
}
