//! Validation of `PolicyType: PredictiveScaling`: AAS's PredictiveScalingPolicyConfiguration
//! rules and sagescale's PredictiveScalingForecast ranges, each reported with its path.

use sagescale_core::model::{PolicyType, PredictiveScalingMode};
use sagescale_core::validate::{Format, Severity, validate_str};

const P: &str = "ScalableTargets[0] (endpoint/ep/variant/v) > ScalingPolicies[0] (forecast)";

fn doc(resource: &str, dimension: &str, policy: &str, extra_policies: &str) -> String {
    format!(
        "ScalableTargets:\n  - ServiceNamespace: sagemaker\n    ResourceId: {resource}\n    \
         ScalableDimension: {dimension}\n    MinCapacity: 1\n    MaxCapacity: 40\n    \
         ScalingPolicies:\n      - PolicyName: forecast\n        PolicyType: PredictiveScaling\n\
         {policy}{extra_policies}"
    )
}

const TT: &str = "      - PolicyName: tt\n        PolicyType: TargetTrackingScaling\n        \
    TargetTrackingScalingPolicyConfiguration:\n          TargetValue: 420\n          \
    PredefinedMetricSpecification: {PredefinedMetricType: SageMakerVariantInvocationsPerInstance}\n";

fn variant(policy: &str) -> String {
    doc(
        "endpoint/ep/variant/v",
        "sagemaker:variant:DesiredInstanceCount",
        policy,
        TT,
    )
}

/// The policy body with a metric specification and configuration fields.
fn config(spec: &str, fields: &str) -> String {
    format!(
        "        PredictiveScalingPolicyConfiguration:\n          MetricSpecifications:\n\
         {spec}{fields}"
    )
}

const PAIR: &str = "            - TargetValue: 420\n              PredefinedMetricPairSpecification: \
    {PredefinedMetricType: SageMakerVariantInvocationsPerInstance}\n";

fn errors(yaml: &str) -> Vec<String> {
    validate_str(yaml, Format::Yaml)
        .problems
        .iter()
        .filter(|p| p.severity == Severity::Error)
        .map(|p| p.to_string())
        .collect()
}

fn assert_errors(yaml: &str, expected: &[(&str, &str)]) {
    let found = errors(yaml);
    assert_eq!(found.len(), expected.len(), "{found:#?}");
    for (path, fragment) in expected {
        assert!(
            found
                .iter()
                .any(|e| e.starts_with(&format!("{path}: ")) && e.contains(fragment)),
            "no error at {path} containing {fragment:?} in {found:#?}"
        );
    }
}

#[test]
fn an_aas_predictive_policy_with_the_sagemaker_pair_is_valid_and_typed() {
    let yaml = variant(&config(
        PAIR,
        "          Mode: ForecastAndScale\n          SchedulingBufferTime: 600\n          \
         MaxCapacityBreachBehavior: IncreaseMaxCapacity\n          MaxCapacityBuffer: 10\n",
    ));
    let report = validate_str(&yaml, Format::Yaml);
    assert!(report.is_valid(), "{:#?}", report.problems);
    let target = &report.document.unwrap().scalable_targets[0];
    let p = &target.scaling_policies[0];
    assert_eq!(p.policy_type, PolicyType::PredictiveScaling);
    let c = p.predictive_scaling_policy_configuration.as_ref().unwrap();
    assert_eq!(c.mode(), PredictiveScalingMode::ForecastAndScale);
    assert_eq!(c.scheduling_buffer_seconds(), 600);
}

#[test]
fn defaults_are_aas_s_forecast_only_and_300_seconds() {
    let report = validate_str(&variant(&config(PAIR, "")), Format::Yaml);
    let target = &report.document.unwrap().scalable_targets[0];
    let c = target.scaling_policies[0]
        .predictive_scaling_policy_configuration
        .as_ref()
        .unwrap();
    assert_eq!(c.mode(), PredictiveScalingMode::ForecastOnly);
    assert_eq!(c.scheduling_buffer_seconds(), 300);
}

#[test]
fn a_load_and_a_scaling_metric_may_replace_the_pair_predefined_or_customized() {
    let spec = "            - TargetValue: 420\n              PredefinedScalingMetricSpecification: \
        {PredefinedMetricType: SageMakerVariantInvocationsPerInstance}\n              \
        CustomizedLoadMetricSpecification:\n                MetricDataQueries:\n                  \
        - Id: load\n                    MetricStat: {Metric: {MetricName: Invocations, Namespace: AWS/SageMaker, \
        Dimensions: [{Name: EndpointName, Value: ep}, {Name: VariantName, Value: v}]}, Stat: Sum}\n";
    let report = validate_str(&variant(&config(spec, "")), Format::Yaml);
    assert!(report.is_valid(), "{:#?}", report.problems);
}

#[test]
fn every_problem_is_reported_with_its_path() {
    let spec = "            - TargetValue: 0\n              PredefinedMetricPairSpecification: \
        {PredefinedMetricType: SageMakerVariantInvocationsPerInstance, ResourceLabel: x}\n              \
        PredefinedLoadMetricSpecification: {PredefinedMetricType: SageMakerVariantTotalInvocations}\n";
    let yaml = variant(&format!(
        "{}        PredictiveScalingForecast: {{LookbackDays: 30, Quantile: 1.5, JitterMinutes: -1, \
         GranularitySeconds: 420, RefreshIntervalSeconds: 10}}\n",
        config(
            spec,
            "          SchedulingBufferTime: 3601\n          MaxCapacityBuffer: 10\n",
        )
    ));
    let s = format!("{P} > PredictiveScalingPolicyConfiguration.MetricSpecifications[0]");
    let c = format!("{P} > PredictiveScalingPolicyConfiguration");
    let f = format!("{P} > PredictiveScalingForecast");
    assert_errors(
        &yaml,
        &[
            (&format!("{s}.TargetValue"), "greater than 0"),
            (&s, "not both"),
            (
                &format!("{s}.PredefinedMetricPairSpecification.ResourceLabel"),
                "SageMaker metrics have none",
            ),
            (&format!("{c}.SchedulingBufferTime"), "0-3600"),
            (
                &format!("{c}.MaxCapacityBuffer"),
                "only with MaxCapacityBreachBehavior",
            ),
            (&format!("{f}.LookbackDays"), "1-14"),
            (&format!("{f}.Quantile"), "0-1"),
            (&format!("{f}.JitterMinutes"), "0-30"),
            (&format!("{f}.GranularitySeconds"), "divide an hour"),
            (&format!("{f}.RefreshIntervalSeconds"), "300-86400"),
        ],
    );
}

#[test]
fn a_load_metric_without_a_scaling_metric_is_refused() {
    let spec = "            - TargetValue: 420\n              PredefinedLoadMetricSpecification: \
        {PredefinedMetricType: SageMakerVariantTotalInvocations}\n";
    let s = format!("{P} > PredictiveScalingPolicyConfiguration.MetricSpecifications[0]");
    assert_errors(
        &variant(&config(spec, "")),
        &[(&s, "a scaling metric is required")],
    );
}

#[test]
fn one_metric_specification_only_and_increase_max_capacity_needs_its_buffer() {
    let yaml = variant(&config(
        &format!("{PAIR}{PAIR}"),
        "          MaxCapacityBreachBehavior: IncreaseMaxCapacity\n",
    ));
    let c = format!("{P} > PredictiveScalingPolicyConfiguration");
    assert_errors(
        &yaml,
        &[
            (
                &format!("{c}.MetricSpecifications"),
                "exactly one metric specification",
            ),
            (&format!("{c}.MaxCapacityBuffer"), "is required"),
        ],
    );
}

#[test]
fn a_component_metric_on_a_variant_and_foreign_configurations_are_refused() {
    let spec = "            - TargetValue: 4\n              PredefinedMetricPairSpecification: \
        {PredefinedMetricType: SageMakerInferenceComponentInvocationsPerCopy}\n";
    let yaml = variant(&format!(
        "{}        Alarms: [a]\n        TargetTrackingEvaluation: {{ScaleOutEvaluationPeriods: 2}}\n",
        config(spec, "")
    ));
    let s = format!("{P} > PredictiveScalingPolicyConfiguration.MetricSpecifications[0]");
    assert_errors(
        &yaml,
        &[
            (
                &format!("{s}.PredefinedMetricPairSpecification.PredefinedMetricType"),
                "is a metric of an inference component",
            ),
            (
                &format!("{P} > Alarms"),
                "only StepScaling policies take Alarms",
            ),
            (
                &format!("{P} > TargetTrackingEvaluation"),
                "only TargetTrackingScaling policies",
            ),
        ],
    );
}

#[test]
fn unknown_fields_inside_the_configuration_get_a_suggestion() {
    let yaml = variant(&config(PAIR, "          SchedulingBuferTime: 300\n"));
    let found = errors(&yaml);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(
        found[0].contains("did you mean SchedulingBufferTime?"),
        "{found:#?}"
    );
}

#[test]
fn a_missing_configuration_and_a_forecast_extension_on_another_type_are_errors() {
    let yaml = doc(
        "endpoint/ep/variant/v",
        "sagemaker:variant:DesiredInstanceCount",
        "",
        "      - PolicyName: tt2\n        PolicyType: TargetTrackingScaling\n        \
         TargetTrackingScalingPolicyConfiguration:\n          TargetValue: 420\n          \
         PredefinedMetricSpecification: {PredefinedMetricType: SageMakerVariantInvocationsPerInstance}\n        \
         PredictiveScalingForecast: {Quantile: 0.5}\n",
    );
    let found = errors(&yaml);
    assert_eq!(found.len(), 2, "{found:#?}");
    assert!(
        found.iter().any(|e| e.starts_with(&format!("{P}: "))
            && e.contains("requires PredictiveScalingPolicyConfiguration")),
        "{found:#?}"
    );
    assert!(
        found
            .iter()
            .any(|e| e
                .contains("(tt2) > PredictiveScalingForecast: only PredictiveScaling policies")),
        "{found:#?}"
    );
}

#[test]
fn forecast_and_scale_alone_warns_that_nothing_scales_in() {
    let yaml = doc(
        "endpoint/ep/variant/v",
        "sagemaker:variant:DesiredInstanceCount",
        &config(PAIR, "          Mode: ForecastAndScale\n"),
        "",
    );
    let report = validate_str(&yaml, Format::Yaml);
    assert!(report.is_valid(), "{:#?}", report.problems);
    let warnings: Vec<String> = report.warnings().map(|p| p.to_string()).collect();
    assert_eq!(warnings.len(), 1, "{warnings:#?}");
    assert!(
        warnings[0].contains("nothing scales the target in again"),
        "{warnings:#?}"
    );
}

/// Each predictive policy keeps its forecast in the target's state item (400 KB at most):
/// five are allowed, a sixth is refused with the count.
#[test]
fn at_most_five_predictive_policies_per_target() {
    let more = |n: usize| -> String {
        (1..n)
            .map(|i| {
                format!(
                    "      - PolicyName: forecast{i}\n        PolicyType: PredictiveScaling\n{}",
                    config(PAIR, "")
                )
            })
            .collect()
    };
    assert!(errors(&variant(&format!("{}{}", config(PAIR, ""), more(5)))).is_empty());
    let six = errors(&variant(&format!("{}{}", config(PAIR, ""), more(6))));
    assert_eq!(six.len(), 1, "{six:?}");
    assert!(
        six[0].contains("ScalingPolicies")
            && six[0].contains("6 PredictiveScaling policies; at most 5"),
        "{six:?}"
    );
}
