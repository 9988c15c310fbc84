//! `sagescale import --from-aas [--resource-id ID ...] [-o FILE] [--mode dry-run|enforce]`:
//! reads Application Auto Scaling's SageMaker scalable targets, their scaling policies and
//! scheduled actions (every page of each Describe call) and writes the sagescale document that
//! says the same, `Mode: dry-run` by default so that it can run beside AAS first.
//!
//! What is carried over: a target's MinCapacity, MaxCapacity and SuspendedState; step policies
//! with the names of the CloudWatch alarms that invoke them (AAS's `Alarms` on the policy become
//! sagescale's `Alarms`); target-tracking policies with their whole configuration (the
//! `TargetTracking-...` alarms AAS created for them are not needed: sagescale evaluates the
//! metric itself, and says so); scheduled actions with Schedule, Timezone, StartTime, EndTime
//! and ScalableTargetAction. What cannot be carried over (a predictive policy, a step policy no
//! alarm invokes, a non-SageMaker or unknown dimension, a value sagescale does not know) is
//! listed on stderr and as comments at the top of the document, never dropped silently.
//!
//! The document is validated in-process before it is written; when it does not validate the
//! problems are printed and nothing is written (exit 1).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use aws_sdk_applicationautoscaling::types::{
    PolicyType, ScalableDimension, ScalingPolicy, ScheduledAction, ServiceNamespace,
};
use sagescale_core::model::{self, Document, Mode};
use sagescale_core::validate::{Format, Severity, validate_str};
use serde_json::{Value, json};

use crate::connect::Aws;
use crate::document::INVALID;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ModeArg {
    DryRun,
    Enforce,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Read the configuration from Application Auto Scaling (the only source so far).
    #[arg(long, required = true)]
    from_aas: bool,
    /// Only these scalable targets (ResourceId; repeatable). Default: every SageMaker target.
    #[arg(long = "resource-id", value_name = "ID")]
    resource_ids: Vec<String>,
    /// Write the document to FILE instead of stdout.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    output: Option<PathBuf>,
    /// Mode of the imported targets: dry-run (decide and record beside AAS) or enforce.
    #[arg(long, value_enum, default_value_t = ModeArg::DryRun)]
    mode: ModeArg,
}

/// The document plus what could not be carried over and the notes worth a comment.
pub struct Imported {
    pub document: Document,
    pub skipped: Vec<String>,
    pub notes: Vec<String>,
}

pub fn run(args: &Args, aws: &Aws) -> ExitCode {
    let mode = match args.mode {
        ModeArg::DryRun => Mode::DryRun,
        ModeArg::Enforce => Mode::Enforce,
    };
    aws.block_on(async {
        let clients = aws.clients().await;
        let aas = clients.autoscaling();
        let imported = read_aas(&aas, &args.resource_ids, mode).await?;
        if imported.document.scalable_targets.is_empty() {
            eprintln!(
                "error: Application Auto Scaling has no SageMaker scalable target{} in region {}",
                if args.resource_ids.is_empty() {
                    String::new()
                } else {
                    format!(" named {}", args.resource_ids.join(", "))
                },
                aws.region_name()
            );
            for s in &imported.skipped {
                eprintln!("not carried over: {s}");
            }
            return Ok(ExitCode::from(INVALID));
        }
        let text = render(&imported)?;
        let report = validate_str(&text, Format::Yaml);
        let errors = report
            .problems
            .iter()
            .filter(|p| p.severity == Severity::Error)
            .count();
        for note in &imported.notes {
            eprintln!("note: {note}");
        }
        for s in &imported.skipped {
            eprintln!("not carried over: {s}");
        }
        for p in &report.problems {
            let severity = match p.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
            };
            eprintln!("{severity}: imported document: {p}");
        }
        if errors > 0 {
            eprintln!("error: the imported document does not validate; nothing was written");
            return Ok(ExitCode::from(INVALID));
        }
        match &args.output {
            Some(path) => {
                std::fs::write(path, &text)
                    .with_context(|| format!("writing {}", path.display()))?;
                eprintln!(
                    "wrote {} ({})",
                    path.display(),
                    crate::validate::count(imported.document.scalable_targets.len(), "target")
                );
            }
            None => print!("{text}"),
        }
        Ok(ExitCode::SUCCESS)
    })
}

/// The YAML: comment lines first (provenance, what is not needed, what was not carried over).
fn render(imported: &Imported) -> anyhow::Result<String> {
    let mut out = String::from(
        "# Imported from Application Auto Scaling by `sagescale import --from-aas`.\n",
    );
    for note in &imported.notes {
        out.push_str(&format!("# note: {note}\n"));
    }
    for s in &imported.skipped {
        out.push_str(&format!("# not carried over: {s}\n"));
    }
    out.push_str(&serde_yaml_ng::to_string(&imported.document)?);
    Ok(out)
}

/// Reads AAS's SageMaker targets (all, or `resource_ids`) with their policies and scheduled
/// actions, every page, and converts them.
pub async fn read_aas(
    aas: &aws_sdk_applicationautoscaling::Client,
    resource_ids: &[String],
    mode: Mode,
) -> anyhow::Result<Imported> {
    let mut imported = Imported {
        document: Document {
            scalable_targets: Vec::new(),
        },
        skipped: Vec::new(),
        notes: Vec::new(),
    };
    let mut targets = Vec::new();
    let mut next_token = None;
    loop {
        let page = aas
            .describe_scalable_targets()
            .service_namespace(ServiceNamespace::Sagemaker)
            .set_resource_ids((!resource_ids.is_empty()).then(|| resource_ids.to_vec()))
            .set_next_token(next_token.take())
            .send()
            .await
            .context("Application Auto Scaling DescribeScalableTargets")?;
        targets.extend(page.scalable_targets().iter().cloned());
        match page.next_token() {
            Some(t) if !t.is_empty() => next_token = Some(t.to_string()),
            _ => break,
        }
    }
    for rid in resource_ids {
        if !targets.iter().any(|t| t.resource_id() == rid) {
            imported.skipped.push(format!(
                "{rid}: not a SageMaker scalable target of Application Auto Scaling"
            ));
        }
    }
    for t in &targets {
        let rid = t.resource_id();
        let dimension = t.scalable_dimension();
        let Ok(model_dimension) =
            serde_json::from_value::<model::ScalableDimension>(json!(dimension.as_str()))
        else {
            imported.skipped.push(format!(
                "{rid}: scalable dimension {} is not one sagescale scales",
                dimension.as_str()
            ));
            continue;
        };
        let mut target = model::ScalableTarget {
            service_namespace: model::ServiceNamespace::SageMaker,
            resource_id: rid.to_string(),
            scalable_dimension: model_dimension,
            min_capacity: t.min_capacity(),
            max_capacity: t.max_capacity(),
            suspended_state: t.suspended_state().map(|s| model::SuspendedState {
                dynamic_scaling_in_suspended: s.dynamic_scaling_in_suspended().unwrap_or(false),
                dynamic_scaling_out_suspended: s.dynamic_scaling_out_suspended().unwrap_or(false),
                scheduled_scaling_suspended: s.scheduled_scaling_suspended().unwrap_or(false),
            }),
            mode,
            scaling_policies: Vec::new(),
            scheduled_actions: Vec::new(),
        };
        for p in policies(aas, rid, dimension).await? {
            match convert_policy(&p) {
                Ok((policy, note)) => {
                    if let Some(note) = note {
                        imported.notes.push(format!("{rid}: {note}"));
                    }
                    target.scaling_policies.push(policy);
                }
                Err(why) => imported
                    .skipped
                    .push(format!("{rid}: scaling policy {}: {why}", p.policy_name())),
            }
        }
        for a in scheduled_actions(aas, rid, dimension).await? {
            match convert_action(&a) {
                Ok(action) => target.scheduled_actions.push(action),
                Err(why) => imported.skipped.push(format!(
                    "{rid}: scheduled action {}: {why}",
                    a.scheduled_action_name()
                )),
            }
        }
        imported.document.scalable_targets.push(target);
    }
    Ok(imported)
}

/// Every page of DescribeScalingPolicies for one target.
async fn policies(
    aas: &aws_sdk_applicationautoscaling::Client,
    rid: &str,
    dimension: &ScalableDimension,
) -> anyhow::Result<Vec<ScalingPolicy>> {
    let mut out = Vec::new();
    let mut next_token = None;
    loop {
        let page = aas
            .describe_scaling_policies()
            .service_namespace(ServiceNamespace::Sagemaker)
            .resource_id(rid)
            .scalable_dimension(dimension.clone())
            .set_next_token(next_token.take())
            .send()
            .await
            .context("Application Auto Scaling DescribeScalingPolicies")?;
        out.extend(page.scaling_policies().iter().cloned());
        match page.next_token() {
            Some(t) if !t.is_empty() => next_token = Some(t.to_string()),
            _ => return Ok(out),
        }
    }
}

/// Every page of DescribeScheduledActions for one target.
async fn scheduled_actions(
    aas: &aws_sdk_applicationautoscaling::Client,
    rid: &str,
    dimension: &ScalableDimension,
) -> anyhow::Result<Vec<ScheduledAction>> {
    let mut out = Vec::new();
    let mut next_token = None;
    loop {
        let page = aas
            .describe_scheduled_actions()
            .service_namespace(ServiceNamespace::Sagemaker)
            .resource_id(rid)
            .scalable_dimension(dimension.clone())
            .set_next_token(next_token.take())
            .send()
            .await
            .context("Application Auto Scaling DescribeScheduledActions")?;
        out.extend(page.scheduled_actions().iter().cloned());
        match page.next_token() {
            Some(t) if !t.is_empty() => next_token = Some(t.to_string()),
            _ => return Ok(out),
        }
    }
}

fn put(map: &mut serde_json::Map<String, Value>, key: &str, value: Option<Value>) {
    if let Some(v) = value {
        map.insert(key.to_string(), v);
    }
}

/// An AAS policy as sagescale's, through its AAS JSON shape (so that a value sagescale does
/// not know is an error, not a silent default), plus a note worth a comment.
fn convert_policy(p: &ScalingPolicy) -> Result<(model::ScalingPolicy, Option<String>), String> {
    let mut m = serde_json::Map::new();
    m.insert("PolicyName".into(), json!(p.policy_name()));
    m.insert("PolicyType".into(), json!(p.policy_type().as_str()));
    let mut note = None;
    match p.policy_type() {
        PolicyType::StepScaling => {
            let c = p
                .step_scaling_policy_configuration()
                .ok_or("a StepScaling policy without StepScalingPolicyConfiguration")?;
            let alarms: Vec<&str> = p.alarms().iter().map(|a| a.alarm_name()).collect();
            if alarms.is_empty() {
                return Err(
                    "no CloudWatch alarm invokes this step policy (it never fires in \
                            Application Auto Scaling either); add its Alarms by hand"
                        .into(),
                );
            }
            m.insert("Alarms".into(), json!(alarms));
            let mut s = serde_json::Map::new();
            put(
                &mut s,
                "AdjustmentType",
                c.adjustment_type().map(|a| json!(a.as_str())),
            );
            let steps: Vec<Value> = c
                .step_adjustments()
                .iter()
                .map(|a| {
                    let mut step = serde_json::Map::new();
                    put(
                        &mut step,
                        "MetricIntervalLowerBound",
                        a.metric_interval_lower_bound().map(|v| json!(v)),
                    );
                    put(
                        &mut step,
                        "MetricIntervalUpperBound",
                        a.metric_interval_upper_bound().map(|v| json!(v)),
                    );
                    step.insert("ScalingAdjustment".into(), json!(a.scaling_adjustment()));
                    Value::Object(step)
                })
                .collect();
            s.insert("StepAdjustments".into(), json!(steps));
            put(
                &mut s,
                "MinAdjustmentMagnitude",
                c.min_adjustment_magnitude().map(|v| json!(v)),
            );
            put(&mut s, "Cooldown", c.cooldown().map(|v| json!(v)));
            put(
                &mut s,
                "MetricAggregationType",
                c.metric_aggregation_type().map(|v| json!(v.as_str())),
            );
            m.insert("StepScalingPolicyConfiguration".into(), Value::Object(s));
        }
        PolicyType::TargetTrackingScaling => {
            let c = p.target_tracking_scaling_policy_configuration().ok_or(
                "a TargetTrackingScaling policy without TargetTrackingScalingPolicyConfiguration",
            )?;
            let mut t = serde_json::Map::new();
            t.insert("TargetValue".into(), json!(c.target_value()));
            if let Some(pre) = c.predefined_metric_specification() {
                let mut spec = serde_json::Map::new();
                spec.insert(
                    "PredefinedMetricType".into(),
                    json!(pre.predefined_metric_type().as_str()),
                );
                put(
                    &mut spec,
                    "ResourceLabel",
                    pre.resource_label().map(|v| json!(v)),
                );
                t.insert("PredefinedMetricSpecification".into(), Value::Object(spec));
            }
            if let Some(cus) = c.customized_metric_specification() {
                t.insert("CustomizedMetricSpecification".into(), customized(cus));
            }
            put(
                &mut t,
                "ScaleOutCooldown",
                c.scale_out_cooldown().map(|v| json!(v)),
            );
            put(
                &mut t,
                "ScaleInCooldown",
                c.scale_in_cooldown().map(|v| json!(v)),
            );
            put(
                &mut t,
                "DisableScaleIn",
                c.disable_scale_in().map(|v| json!(v)),
            );
            m.insert(
                "TargetTrackingScalingPolicyConfiguration".into(),
                Value::Object(t),
            );
            let own: Vec<&str> = p.alarms().iter().map(|a| a.alarm_name()).collect();
            note = Some(format!(
                "target-tracking policy {}: Application Auto Scaling's own alarms for it{} are \
                 not needed: sagescale reads the metric itself",
                p.policy_name(),
                if own.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", own.join(", "))
                }
            ));
        }
        other => {
            return Err(format!(
                "{} policies are not supported by sagescale",
                other.as_str()
            ));
        }
    }
    serde_json::from_value(Value::Object(m))
        .map(|policy| (policy, note))
        .map_err(|e| format!("not representable in sagescale: {e}"))
}

fn customized(c: &aws_sdk_applicationautoscaling::types::CustomizedMetricSpecification) -> Value {
    let mut m = serde_json::Map::new();
    put(&mut m, "MetricName", c.metric_name().map(|v| json!(v)));
    put(&mut m, "Namespace", c.namespace().map(|v| json!(v)));
    if !c.dimensions().is_empty() {
        let dims: Vec<Value> = c
            .dimensions()
            .iter()
            .map(|d| json!({"Name": d.name(), "Value": d.value()}))
            .collect();
        m.insert("Dimensions".into(), json!(dims));
    }
    put(
        &mut m,
        "Statistic",
        c.statistic().map(|v| json!(v.as_str())),
    );
    put(&mut m, "Unit", c.unit().map(|v| json!(v)));
    if !c.metrics().is_empty() {
        let queries: Vec<Value> = c
            .metrics()
            .iter()
            .map(|q| {
                let mut qm = serde_json::Map::new();
                qm.insert("Id".into(), json!(q.id()));
                put(&mut qm, "Expression", q.expression().map(|v| json!(v)));
                put(&mut qm, "Label", q.label().map(|v| json!(v)));
                put(&mut qm, "ReturnData", q.return_data().map(|v| json!(v)));
                if let Some(stat) = q.metric_stat() {
                    let mut sm = serde_json::Map::new();
                    if let Some(metric) = stat.metric() {
                        let dims: Vec<Value> = metric
                            .dimensions()
                            .iter()
                            .map(|d| json!({"Name": d.name(), "Value": d.value()}))
                            .collect();
                        let mut mm = serde_json::Map::new();
                        if !dims.is_empty() {
                            mm.insert("Dimensions".into(), json!(dims));
                        }
                        put(
                            &mut mm,
                            "MetricName",
                            metric.metric_name().map(|v| json!(v)),
                        );
                        put(&mut mm, "Namespace", metric.namespace().map(|v| json!(v)));
                        sm.insert("Metric".into(), Value::Object(mm));
                    }
                    sm.insert("Stat".into(), json!(stat.stat()));
                    put(&mut sm, "Unit", stat.unit().map(|v| json!(v)));
                    qm.insert("MetricStat".into(), Value::Object(sm));
                }
                Value::Object(qm)
            })
            .collect();
        m.insert("Metrics".into(), json!(queries));
    }
    Value::Object(m)
}

fn convert_action(a: &ScheduledAction) -> Result<model::ScheduledAction, String> {
    let time = |t: Option<&aws_sdk_applicationautoscaling::primitives::DateTime>| {
        t.and_then(|t| chrono::DateTime::from_timestamp(t.secs(), t.subsec_nanos()))
    };
    let target_action = a.scalable_target_action();
    Ok(model::ScheduledAction {
        scheduled_action_name: a.scheduled_action_name().to_string(),
        schedule: a.schedule().to_string(),
        // AAS reports "UTC" for an action put without a zone: the same thing.
        timezone: a
            .timezone()
            .filter(|z| !z.is_empty() && *z != "UTC")
            .map(str::to_string),
        start_time: time(a.start_time()),
        end_time: time(a.end_time()),
        scalable_target_action: model::ScalableTargetAction {
            min_capacity: target_action.and_then(|t| t.min_capacity()),
            max_capacity: target_action.and_then(|t| t.max_capacity()),
        },
    })
}
