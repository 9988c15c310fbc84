//! `sagescale handback RESOURCE [--yes]`: gives a target back to Application Auto Scaling from
//! the sagescale document stored in the table, and stops sagescale scaling it.
//!
//! The order, so that no moment has two scalers, every step idempotent (a rerun after an
//! interruption completes it):
//!
//! 1. **register the target with AAS suspended** (RegisterScalableTarget with the document's
//!    MinCapacity/MaxCapacity and every scaling suspended): AAS does nothing yet;
//! 2. **put its scaling policies and scheduled actions** (PutScalingPolicy, PutScheduledAction:
//!    create or replace), AAS-shaped: sagescale's extension fields are dropped with a warning
//!    (`Alarms` of step policies, `TargetTrackingEvaluation`, `Mode`); `PredictiveScaling`
//!    policies are skipped with a warning: Application Auto Scaling offers predictive scaling
//!    only for ECS services (AAS user guide, *Predictive scaling for Application Auto
//!    Scaling*), so SageMaker targets lose their forecast floor when handed back;
//! 3. **switch sagescale to dry-run** in the table: it keeps deciding and recording beside AAS
//!    (so that `compare` still works and a later `takeover` is one command), never calls
//!    SageMaker;
//! 4. **resume AAS**: RegisterScalableTarget with the document's own SuspendedState (none
//!    suspended unless the document says so).
//!
//! Between 3 and 4 nobody scales the target, for the time of one AAS call; the other order
//! would have both. An interruption before 3 leaves sagescale alone in charge (AAS registered,
//! suspended); between 3 and 4 the command says that nobody scales it and to rerun.
//!
//! Step policies: in AAS a CloudWatch alarm invokes a step policy by naming the policy's ARN in
//! its AlarmActions. sagescale does not rewrite alarms (a PutMetricAlarm must restate the whole
//! alarm, metric math and all); it prints, for each alarm the document names, the policy ARN to
//! add to the alarm's actions. Until then the step policy does not fire; target tracking and
//! scheduled actions work at once (AAS creates its own target-tracking alarms).
//!
//! Refusals: a target not in the table; a target AAS already scales (registered, not suspended)
//! while sagescale enforces it (two scalers: use `takeover` or set Mode: dry-run). Done already
//! (AAS registered and not suspended, sagescale in dry-run): "nothing to do".

use std::process::ExitCode;

use anyhow::{Context, anyhow};
use aws_sdk_applicationautoscaling::primitives::DateTime as SdkDateTime;
use aws_sdk_applicationautoscaling::types::{
    AdjustmentType, CustomizedMetricSpecification, MetricAggregationType, MetricDimension,
    MetricStatistic, MetricType, PolicyType, PredefinedMetricSpecification, ScalableDimension,
    ScalableTargetAction, ServiceNamespace, StepAdjustment, StepScalingPolicyConfiguration,
    SuspendedState, TargetTrackingMetric, TargetTrackingMetricDataQuery,
    TargetTrackingMetricDimension, TargetTrackingMetricStat,
    TargetTrackingScalingPolicyConfiguration,
};
use sagescale_core::model::{self, Mode};

use crate::connect::{Aws, alarms_of};
use crate::document::INVALID;
use crate::takeover::{Args, all_suspended, confirm};

/// A model enum's AAS name ("ChangeInCapacity").
fn name<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

fn step_configuration(c: &model::StepScalingPolicyConfiguration) -> StepScalingPolicyConfiguration {
    let mut b = StepScalingPolicyConfiguration::builder()
        .adjustment_type(AdjustmentType::from(name(&c.adjustment_type).as_str()))
        .set_min_adjustment_magnitude(c.min_adjustment_magnitude)
        .set_cooldown(c.cooldown)
        .set_metric_aggregation_type(
            c.metric_aggregation_type
                .map(|m| MetricAggregationType::from(name(&m).as_str())),
        );
    for s in &c.step_adjustments {
        b = b.step_adjustments(
            StepAdjustment::builder()
                .set_metric_interval_lower_bound(s.metric_interval_lower_bound)
                .set_metric_interval_upper_bound(s.metric_interval_upper_bound)
                .scaling_adjustment(s.scaling_adjustment)
                .build()
                .expect("ScalingAdjustment is set"),
        );
    }
    b.build()
}

fn target_tracking_configuration(
    c: &model::TargetTrackingScalingPolicyConfiguration,
) -> anyhow::Result<TargetTrackingScalingPolicyConfiguration> {
    let predefined = c
        .predefined_metric_specification
        .as_ref()
        .map(|p| {
            PredefinedMetricSpecification::builder()
                .predefined_metric_type(MetricType::from(name(&p.predefined_metric_type).as_str()))
                .set_resource_label(p.resource_label.clone())
                .build()
        })
        .transpose()?;
    let customized = match &c.customized_metric_specification {
        None => None,
        Some(m) => {
            let mut b = CustomizedMetricSpecification::builder()
                .set_metric_name(m.metric_name.clone())
                .set_namespace(m.namespace.clone())
                .set_statistic(m.statistic.map(|s| MetricStatistic::from(s.as_str())))
                .set_unit(m.unit.clone());
            for d in &m.dimensions {
                b = b.dimensions(
                    MetricDimension::builder()
                        .name(&d.name)
                        .value(&d.value)
                        .build()?,
                );
            }
            for q in &m.metrics {
                let stat = match &q.metric_stat {
                    None => None,
                    Some(s) => {
                        let mut metric = TargetTrackingMetric::builder()
                            .metric_name(&s.metric.metric_name)
                            .namespace(&s.metric.namespace);
                        for d in &s.metric.dimensions {
                            metric = metric.dimensions(
                                TargetTrackingMetricDimension::builder()
                                    .name(&d.name)
                                    .value(&d.value)
                                    .build()?,
                            );
                        }
                        Some(
                            TargetTrackingMetricStat::builder()
                                .metric(metric.build())
                                .stat(&s.stat)
                                .set_unit(s.unit.clone())
                                .build()?,
                        )
                    }
                };
                b = b.metrics(
                    TargetTrackingMetricDataQuery::builder()
                        .id(&q.id)
                        .set_expression(q.expression.clone())
                        .set_label(q.label.clone())
                        .set_metric_stat(stat)
                        .set_return_data(q.return_data)
                        .build()?,
                );
            }
            Some(b.build())
        }
    };
    Ok(TargetTrackingScalingPolicyConfiguration::builder()
        .target_value(c.target_value)
        .set_predefined_metric_specification(predefined)
        .set_customized_metric_specification(customized)
        .set_scale_out_cooldown(c.scale_out_cooldown)
        .set_scale_in_cooldown(c.scale_in_cooldown)
        .set_disable_scale_in(c.disable_scale_in)
        .build()?)
}

fn sdk_time(t: Option<chrono::DateTime<chrono::Utc>>) -> Option<SdkDateTime> {
    t.map(|t| SdkDateTime::from_secs(t.timestamp()))
}

pub fn run(args: &Args, aws: &Aws) -> ExitCode {
    aws.block_on(async {
        let clients = aws.clients().await;
        let rid = &args.target;
        let loaded = clients.store.load(rid).await?.with_context(|| {
            format!("{rid} is not configured in table {}: nothing to hand back", aws.table)
        })?;
        let config = &loaded.config;
        let dimension = ScalableDimension::from(config.scalable_dimension.as_str());
        let aas = clients.autoscaling();
        let registered = aas
            .describe_scalable_targets()
            .service_namespace(ServiceNamespace::Sagemaker)
            .resource_ids(rid)
            .scalable_dimension(dimension.clone())
            .send()
            .await
            .context("Application Auto Scaling DescribeScalableTargets")?
            .scalable_targets()
            .first()
            .cloned();
        let aas_active = registered
            .as_ref()
            .is_some_and(|t| !all_suspended(t.suspended_state()));
        let enforcing = config.mode == Mode::Enforce;
        if aas_active && !enforcing {
            println!(
                "{rid}: nothing to do: Application Auto Scaling scales it and sagescale is in \
                 dry-run"
            );
            return Ok(ExitCode::SUCCESS);
        }
        if aas_active {
            println!(
                "error: {rid}: Application Auto Scaling already scales this target (registered, \
                 not suspended) while sagescale enforces it: two scalers. Run `sagescale \
                 takeover {rid}` to leave it to sagescale, or apply it with Mode: dry-run to \
                 leave it to Application Auto Scaling. Nothing was changed."
            );
            return Ok(ExitCode::from(INVALID));
        }

        // What AAS cannot take: said, then dropped.
        let mut dropped = Vec::new();
        for p in &config.scaling_policies {
            if p.policy_type == model::PolicyType::PredictiveScaling {
                dropped.push(format!(
                    "policy {}: PredictiveScaling (Application Auto Scaling has predictive \
                     scaling only for ECS, none for SageMaker): skipped, its forecast floor ends",
                    p.policy_name
                ));
            }
            if !p.alarms.is_empty() {
                dropped.push(format!(
                    "policy {}: Alarms (sagescale's; in AAS the alarm names the policy)",
                    p.policy_name
                ));
            }
            if p.target_tracking_evaluation.is_some() {
                dropped.push(format!(
                    "policy {}: TargetTrackingEvaluation (AAS evaluates 3 of 3 above the target, \
                     15 of 15 below 90% of it)",
                    p.policy_name
                ));
            }
        }
        println!("{rid}: handback to Application Auto Scaling:");
        println!(
            "  1. register it with Application Auto Scaling, suspended, bounds [{}, {}]",
            config.min_capacity, config.max_capacity
        );
        let handed = config
            .scaling_policies
            .iter()
            .filter(|p| p.policy_type != model::PolicyType::PredictiveScaling)
            .count();
        println!(
            "  2. put {} and {}",
            crate::validate::count(handed, "scaling policy"),
            crate::validate::count(config.scheduled_actions.len(), "scheduled action")
        );
        println!(
            "  3. switch sagescale to dry-run{}",
            if enforcing { "" } else { " (done)" }
        );
        println!("  4. resume Application Auto Scaling's scaling of it");
        for d in &dropped {
            println!("warning: {rid}: not carried over to AAS: {d}");
        }
        if !args.yes && !confirm("Proceed?") {
            println!("aborted: nothing was changed");
            return Ok(ExitCode::from(INVALID));
        }

        let interrupted_early = if enforcing {
            "sagescale still scales the target alone (Application Auto Scaling is suspended); \
             rerun `sagescale handback` to complete"
        } else {
            "NOBODY scales the target now (Application Auto Scaling is suspended, sagescale in \
             dry-run); rerun `sagescale handback` to complete"
        };
        aas.register_scalable_target()
            .service_namespace(ServiceNamespace::Sagemaker)
            .resource_id(rid)
            .scalable_dimension(dimension.clone())
            .min_capacity(config.min_capacity)
            .max_capacity(config.max_capacity)
            .suspended_state(
                SuspendedState::builder()
                    .dynamic_scaling_in_suspended(true)
                    .dynamic_scaling_out_suspended(true)
                    .scheduled_scaling_suspended(true)
                    .build(),
            )
            .send()
            .await
            .with_context(|| {
                format!("step 1, Application Auto Scaling RegisterScalableTarget: {interrupted_early}")
            })?;
        let mut step_alarms = Vec::new();
        for p in config
            .scaling_policies
            .iter()
            .filter(|p| p.policy_type != model::PolicyType::PredictiveScaling)
        {
            let request = aas
                .put_scaling_policy()
                .policy_name(&p.policy_name)
                .service_namespace(ServiceNamespace::Sagemaker)
                .resource_id(rid)
                .scalable_dimension(dimension.clone())
                .policy_type(PolicyType::from(name(&p.policy_type).as_str()));
            let request = match (
                &p.step_scaling_policy_configuration,
                &p.target_tracking_scaling_policy_configuration,
            ) {
                (Some(c), _) => request.step_scaling_policy_configuration(step_configuration(c)),
                (None, Some(c)) => request
                    .target_tracking_scaling_policy_configuration(target_tracking_configuration(c)?),
                (None, None) => return Err(anyhow!("policy {} has no configuration", p.policy_name)),
            };
            let put = request.send().await.with_context(|| {
                format!(
                    "step 2, Application Auto Scaling PutScalingPolicy {}: {interrupted_early}",
                    p.policy_name
                )
            })?;
            if !p.alarms.is_empty() {
                step_alarms.push((p.policy_name.clone(), p.alarms.clone(), put.policy_arn().to_string()));
            }
        }
        for a in &config.scheduled_actions {
            aas.put_scheduled_action()
                .service_namespace(ServiceNamespace::Sagemaker)
                .scheduled_action_name(&a.scheduled_action_name)
                .resource_id(rid)
                .scalable_dimension(dimension.clone())
                .schedule(&a.schedule)
                .set_timezone(a.timezone.clone())
                .set_start_time(sdk_time(a.start_time))
                .set_end_time(sdk_time(a.end_time))
                .scalable_target_action(
                    ScalableTargetAction::builder()
                        .set_min_capacity(a.scalable_target_action.min_capacity)
                        .set_max_capacity(a.scalable_target_action.max_capacity)
                        .build(),
                )
                .send()
                .await
                .with_context(|| {
                    format!(
                        "step 2, Application Auto Scaling PutScheduledAction {}: {interrupted_early}",
                        a.scheduled_action_name
                    )
                })?;
        }
        println!("{rid}: registered with Application Auto Scaling (suspended), policies and scheduled actions put");
        if enforcing {
            let mut dry = config.clone();
            dry.mode = Mode::DryRun;
            clients
                .store
                .put_config(&dry, &alarms_of(config), aws.now()?)
                .await
                .context(
                    "step 3, switching sagescale to dry-run: sagescale still scales the target \
                     alone (Application Auto Scaling is suspended); rerun `sagescale handback` \
                     to complete",
                )?;
            println!("{rid}: sagescale switched to dry-run");
        }
        let wanted = config.suspended();
        aas.register_scalable_target()
            .service_namespace(ServiceNamespace::Sagemaker)
            .resource_id(rid)
            .scalable_dimension(dimension)
            .suspended_state(
                SuspendedState::builder()
                    .dynamic_scaling_in_suspended(wanted.dynamic_scaling_in_suspended)
                    .dynamic_scaling_out_suspended(wanted.dynamic_scaling_out_suspended)
                    .scheduled_scaling_suspended(wanted.scheduled_scaling_suspended)
                    .build(),
            )
            .send()
            .await
            .context(
                "step 4, Application Auto Scaling RegisterScalableTarget (resume): NOBODY scales \
                 the target now (Application Auto Scaling is suspended, sagescale in dry-run); \
                 rerun `sagescale handback` to complete",
            )?;
        println!("{rid}: Application Auto Scaling scales it again; sagescale only records (dry-run)");
        for (policy, alarms, arn) in &step_alarms {
            for alarm in alarms {
                println!(
                    "action needed: step policy {policy} fires only when CloudWatch alarm {alarm} \
                     names it: add {arn} to the alarm's AlarmActions (for example with `aws \
                     cloudwatch put-metric-alarm` restating the alarm, or in the console)"
                );
            }
        }
        Ok(ExitCode::SUCCESS)
    })
}
