//! What to read from CloudWatch for a target-tracking policy or a step policy's alarm: plain
//! data, no SDK types, so the pass can batch the queries of every target into few
//! GetMetricData calls and the tests can check the mapping without a server.
//!
//! # Predefined SageMaker metrics (AAS `PredefinedMetricType`)
//!
//! AAS maps each predefined type to one CloudWatch metric of the resource it scales. The
//! metric names and dimensions are SageMaker's (SageMaker guide, "Amazon SageMaker AI metrics
//! in Amazon CloudWatch", `AWS/SageMaker` namespace; "Define a scaling policy",
//! docs.aws.amazon.com/sagemaker/latest/dg/endpoint-auto-scaling-add-code-define.html):
//!
//! | PredefinedMetricType | metric | dimensions | statistic | period |
//! |---|---|---|---|---|
//! | `SageMakerVariantInvocationsPerInstance` | `InvocationsPerInstance` | EndpointName, VariantName | Sum | 60 s |
//! | `SageMakerVariantProvisionedConcurrencyUtilization` | `ServerlessProvisionedConcurrencyUtilization` | EndpointName, VariantName | Average | 60 s |
//! | `SageMakerVariantConcurrentRequestsPerModelHighResolution` | `ConcurrentRequestsPerModel` | EndpointName, VariantName | Average | 10 s |
//! | `SageMakerInferenceComponentInvocationsPerCopy` | `InvocationsPerCopy` | InferenceComponentName | Sum | 60 s |
//! | `SageMakerInferenceComponentConcurrentRequestsPerCopyHighResolution` | `ConcurrentRequestsPerCopy` | InferenceComponentName | Average | 10 s |
//!
//! `InvocationsPerInstance` is a per-minute count ("the number of invocations sent to a model,
//! normalized by InstanceCount", SageMaker `ScalingPolicyMetric`; the guide's example keeps
//! "the average invocations per instance at 70" per minute), hence Sum over 60 s. The
//! high-resolution metrics are emitted "every 10 seconds" (the guide), hence a 10 s period.
//! AAS does not publish the statistic of the alarms it creates; Sum for the counts and
//! Average for the gauges is what its own console shows for these alarms.
//!
//! # Customized metrics
//!
//! `CustomizedMetricSpecification` in its single-metric form is one query (Namespace,
//! MetricName, Dimensions, Statistic, Unit). Its metric-math form (`Metrics`) is the list of
//! `TargetTrackingMetricDataQuery` as given; the one with ReturnData (true or omitted) is the
//! tracked series. AAS's customized metrics have no period: 60 s.

use serde::{Deserialize, Serialize};

use crate::model::{
    CustomizedMetricSpecification, PredefinedMetricType, PredictiveScalingMetricSpecification,
    ScalableTarget, TargetTrackingMetricDataQuery, TargetTrackingScalingPolicyConfiguration,
};

/// One metric and statistic at one period (CloudWatch `MetricStat`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct MetricStat {
    pub namespace: String,
    pub metric_name: String,
    #[serde(default)]
    pub dimensions: Vec<(String, String)>,
    pub stat: String,
    pub period: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
}

/// One query of a metric specification: a metric, or an expression over the others' ids.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Query {
    /// Unique within its specification; expressions refer to it.
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stat: Option<MetricStat>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expression: Option<String>,
    /// The tracked series (exactly one per specification).
    pub return_data: bool,
}

/// The queries of one metric specification, and the period of its datapoints.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct MetricSpec {
    pub queries: Vec<Query>,
    /// Seconds between datapoints of the tracked series.
    pub period: u32,
}

impl MetricSpec {
    /// A single metric.
    pub fn single(stat: MetricStat) -> Self {
        let period = stat.period;
        Self {
            queries: vec![Query {
                id: "m1".into(),
                stat: Some(stat),
                expression: None,
                return_data: true,
            }],
            period,
        }
    }

    /// The id of the tracked series.
    pub fn returned(&self) -> Option<&str> {
        self.queries
            .iter()
            .find(|q| q.return_data)
            .map(|q| q.id.as_str())
    }
}

/// What AAS reads for a predefined metric on `target`; `None` when the metric does not fit
/// the resource (validation rejects that).
pub fn predefined(kind: PredefinedMetricType, target: &ScalableTarget) -> Option<MetricStat> {
    use PredefinedMetricType::*;
    let (name, stat) = match kind {
        SageMakerVariantInvocationsPerInstance => ("InvocationsPerInstance", "Sum"),
        SageMakerVariantProvisionedConcurrencyUtilization => {
            ("ServerlessProvisionedConcurrencyUtilization", "Average")
        }
        SageMakerVariantConcurrentRequestsPerModelHighResolution => {
            ("ConcurrentRequestsPerModel", "Average")
        }
        SageMakerInferenceComponentInvocationsPerCopy => ("InvocationsPerCopy", "Sum"),
        SageMakerInferenceComponentConcurrentRequestsPerCopyHighResolution => {
            ("ConcurrentRequestsPerCopy", "Average")
        }
    };
    let dimensions = resource_dimensions(kind.for_inference_component(), target)?;
    Some(MetricStat {
        namespace: "AWS/SageMaker".into(),
        metric_name: name.into(),
        dimensions,
        stat: stat.into(),
        period: kind.period_seconds(),
        unit: None,
    })
}

/// The dimensions SageMaker publishes a resource's metrics under: InferenceComponentName for
/// a component, EndpointName and VariantName for a variant.
fn resource_dimensions(
    for_component: bool,
    target: &ScalableTarget,
) -> Option<Vec<(String, String)>> {
    if for_component {
        let name = target.resource_id.strip_prefix("inference-component/")?;
        return Some(vec![(
            "InferenceComponentName".to_string(),
            name.to_string(),
        )]);
    }
    let (endpoint, variant) = target.endpoint_variant()?;
    Some(vec![
        ("EndpointName".to_string(), endpoint.to_string()),
        ("VariantName".to_string(), variant.to_string()),
    ])
}

/// The queries of a customized metric specification (60 s).
pub fn customized(spec: &CustomizedMetricSpecification) -> Option<MetricSpec> {
    if spec.metrics.is_empty() {
        return Some(MetricSpec::single(MetricStat {
            namespace: spec.namespace.clone()?,
            metric_name: spec.metric_name.clone()?,
            dimensions: spec
                .dimensions
                .iter()
                .map(|d| (d.name.clone(), d.value.clone()))
                .collect(),
            stat: spec.statistic?.as_str().into(),
            period: 60,
            unit: spec.unit.clone(),
        }));
    }
    Some(math(&spec.metrics))
}

/// A list of metric-math queries as given (AAS's `MetricDataQueries`), 60 s; the one with
/// ReturnData (true or omitted) is the series read.
fn math(list: &[TargetTrackingMetricDataQuery]) -> MetricSpec {
    let queries = list
        .iter()
        .map(|q| Query {
            id: q.id.clone(),
            stat: q.metric_stat.as_ref().map(|s| MetricStat {
                namespace: s.metric.namespace.clone(),
                metric_name: s.metric.metric_name.clone(),
                dimensions: s
                    .metric
                    .dimensions
                    .iter()
                    .map(|d| (d.name.clone(), d.value.clone()))
                    .collect(),
                stat: s.stat.clone(),
                period: 60,
                unit: s.unit.clone(),
            }),
            expression: q.expression.clone(),
            return_data: q.return_data != Some(false),
        })
        .collect();
    MetricSpec {
        queries,
        period: 60,
    }
}

/// The load metric a predictive policy on `target` learns from, one value a minute: the
/// predefined `Invocations` (Sum per 60 s) of the endpoint variant (dimensions EndpointName,
/// VariantName) or of the inference component (InferenceComponentName), or the customized
/// load metric's queries. `None` when the metric does not fit the resource (validation
/// rejects that).
pub fn for_predictive_load(
    spec: &PredictiveScalingMetricSpecification,
    target: &ScalableTarget,
) -> Option<MetricSpec> {
    let load = match (
        &spec.predefined_metric_pair_specification,
        &spec.predefined_load_metric_specification,
        &spec.customized_load_metric_specification,
    ) {
        (Some(pair), _, _) => pair.predefined_metric_type.load(),
        (None, Some(p), _) => p.predefined_metric_type,
        (None, None, Some(c)) => return Some(math(&c.metric_data_queries)),
        (None, None, None) => return None,
    };
    let dimensions = resource_dimensions(load.for_inference_component(), target)?;
    Some(MetricSpec::single(MetricStat {
        namespace: "AWS/SageMaker".into(),
        metric_name: "Invocations".into(),
        dimensions,
        stat: "Sum".into(),
        period: 60,
        unit: None,
    }))
}

/// What a target-tracking policy on `target` reads.
pub fn for_target_tracking(
    cfg: &TargetTrackingScalingPolicyConfiguration,
    target: &ScalableTarget,
) -> Option<MetricSpec> {
    match (
        &cfg.predefined_metric_specification,
        &cfg.customized_metric_specification,
    ) {
        (Some(p), _) => predefined(p.predefined_metric_type, target).map(MetricSpec::single),
        (None, Some(c)) => customized(c),
        (None, None) => None,
    }
}

/// Rewrite the query ids of an expression: every identifier that names one of `ids` gets
/// `prefix`, so specifications of many policies can share one GetMetricData call (ids must
/// be unique per call). Function names (`SUM`, `METRICS`, ...) are upper case and query ids
/// start with a lower-case letter, so they never collide; quoted strings are left alone.
/// `METRICS()` means every metric of the call, so it becomes the list of this
/// specification's own metrics (`stat_ids`, prefixed).
pub fn prefix_ids(expression: &str, ids: &[&str], stat_ids: &[&str], prefix: &str) -> String {
    let mut out = String::with_capacity(expression.len() + 8);
    let mut chars = expression.char_indices().peekable();
    let mut quote: Option<char> = None;
    while let Some((i, c)) = chars.next() {
        if let Some(q) = quote {
            out.push(c);
            if c == q {
                quote = None;
            }
            continue;
        }
        if c == '"' || c == '\'' {
            quote = Some(c);
            out.push(c);
            continue;
        }
        if c.is_ascii_alphabetic() || c == '_' {
            let mut end = i + c.len_utf8();
            while let Some(&(j, d)) = chars.peek() {
                if d.is_ascii_alphanumeric() || d == '_' {
                    end = j + d.len_utf8();
                    chars.next();
                } else {
                    break;
                }
            }
            let word = &expression[i..end];
            if word == "METRICS" && expression[end..].trim_start().starts_with("()") {
                let rest = expression[end..].trim_start();
                let skip = expression.len() - rest.len() + 2 - end;
                for _ in 0..skip {
                    chars.next();
                }
                let list: Vec<String> = stat_ids.iter().map(|id| format!("{prefix}{id}")).collect();
                out.push('[');
                out.push_str(&list.join(", "));
                out.push(']');
                continue;
            }
            if ids.contains(&word) {
                out.push_str(prefix);
            }
            out.push_str(word);
            continue;
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Document;

    fn target(resource: &str, dimension: &str) -> ScalableTarget {
        let doc: Document = serde_yaml_ng::from_str(&format!(
            "ScalableTargets: [{{ServiceNamespace: sagemaker, ResourceId: {resource}, \
             ScalableDimension: '{dimension}', MinCapacity: 1, MaxCapacity: 4}}]"
        ))
        .unwrap();
        doc.scalable_targets.into_iter().next().unwrap()
    }

    #[test]
    fn variant_metrics_carry_endpoint_and_variant() {
        let t = target(
            "endpoint/my-ep/variant/AllTraffic",
            "sagemaker:variant:DesiredInstanceCount",
        );
        let m = predefined(
            PredefinedMetricType::SageMakerVariantInvocationsPerInstance,
            &t,
        )
        .unwrap();
        assert_eq!(
            (
                m.namespace.as_str(),
                m.metric_name.as_str(),
                m.stat.as_str(),
                m.period
            ),
            ("AWS/SageMaker", "InvocationsPerInstance", "Sum", 60)
        );
        assert_eq!(
            m.dimensions,
            [
                ("EndpointName".to_string(), "my-ep".to_string()),
                ("VariantName".to_string(), "AllTraffic".to_string())
            ]
        );
        let hi = predefined(
            PredefinedMetricType::SageMakerVariantConcurrentRequestsPerModelHighResolution,
            &t,
        )
        .unwrap();
        assert_eq!(
            (hi.metric_name.as_str(), hi.period),
            ("ConcurrentRequestsPerModel", 10)
        );
    }

    #[test]
    fn component_metrics_carry_the_component_name() {
        let t = target(
            "inference-component/my-ic",
            "sagemaker:inference-component:DesiredCopyCount",
        );
        let m = predefined(
            PredefinedMetricType::SageMakerInferenceComponentConcurrentRequestsPerCopyHighResolution,
            &t,
        )
        .unwrap();
        assert_eq!(m.metric_name, "ConcurrentRequestsPerCopy");
        assert_eq!(m.period, 10);
        assert_eq!(
            m.dimensions,
            [("InferenceComponentName".to_string(), "my-ic".to_string())]
        );
        assert!(
            predefined(
                PredefinedMetricType::SageMakerVariantInvocationsPerInstance,
                &t
            )
            .is_none()
        );
    }

    #[test]
    fn expression_ids_are_prefixed_but_functions_and_strings_are_not() {
        assert_eq!(
            prefix_ids(
                "m1 / (m2 + 1) * SUM(METRICS())",
                &["m1", "m2"],
                &["m1", "m2"],
                "p3_"
            ),
            "p3_m1 / (p3_m2 + 1) * SUM([p3_m1, p3_m2])"
        );
        assert_eq!(
            prefix_ids("SUM([m1, m10]) + 'm1'", &["m1", "m10"], &[], "x_"),
            "SUM([x_m1, x_m10]) + 'm1'"
        );
    }
}
