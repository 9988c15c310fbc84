//! One simulation: the configured sagescale target and the baselines (AAS target tracking,
//! static at peak, oracle) over the same trace with the same endpoint model.

use serde::Serialize;

use sagescale_core::model::{PolicyType, PredefinedMetricType, ScalableTarget};

use crate::SimError;
use crate::aas::AasTargetTracking;
use crate::config::{Settings, SimConfig};
use crate::engine::Sagescale;
use crate::oracle::{self, run_oracle};
use crate::run::{Fixed, Outcome, RunSettings, run};
use crate::trace::Trace;

/// Everything a report needs.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub trace: TraceSummary,
    pub settings: Settings,
    /// The AAS baseline's target value (InvocationsPerInstance per minute).
    pub aas_target_value: f64,
    /// Instances every policy starts with (within its bounds).
    pub initial_capacity: i32,
    /// Static provisioning's instance count.
    pub static_instances: i32,
    pub outcomes: Vec<Outcome>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TraceSummary {
    pub name: String,
    pub start: chrono::DateTime<chrono::Utc>,
    pub end: chrono::DateTime<chrono::Utc>,
    pub minutes: usize,
    pub requests: f64,
    pub peak_rps: f64,
    pub mean_rps: f64,
    pub filled_minutes: f64,
}

impl TraceSummary {
    pub fn of(trace: &Trace) -> TraceSummary {
        let seconds = (trace.ticks() as f64 * 10.0).max(1.0);
        TraceSummary {
            name: trace.name.clone(),
            start: trace.start,
            end: trace.end(),
            minutes: trace.minutes(),
            requests: trace.total_requests(),
            peak_rps: trace.peak_rps(),
            mean_rps: trace.total_requests() / seconds,
            filled_minutes: trace.filled_ticks() as f64 / 6.0,
        }
    }
}

/// Which policies to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policies {
    pub sagescale: bool,
    pub aas: bool,
    pub fixed: bool,
    pub oracle: bool,
}

impl Default for Policies {
    fn default() -> Self {
        Policies {
            sagescale: true,
            aas: true,
            fixed: true,
            oracle: true,
        }
    }
}

impl Settings {
    pub fn run_settings(&self, keep_series: bool) -> RunSettings<'_> {
        RunSettings {
            model: self,
            keep_series,
        }
    }
}

/// The AAS baseline's target: the setting, else the target's first target-tracking policy on
/// InvocationsPerInstance, else 70% of an instance's capacity per minute.
pub fn aas_target_value(settings: &Settings, target: &ScalableTarget) -> f64 {
    settings.aas.target_value.unwrap_or_else(|| {
        target
            .scaling_policies
            .iter()
            .filter(|p| p.policy_type == PolicyType::TargetTrackingScaling)
            .filter_map(|p| p.target_tracking_scaling_policy_configuration.as_ref())
            .find(|c| {
                c.predefined_metric_specification.as_ref().is_some_and(|m| {
                    m.predefined_metric_type
                        == PredefinedMetricType::SageMakerVariantInvocationsPerInstance
                })
            })
            .map_or(0.7 * settings.capacity_per_instance * 60.0, |c| {
                c.target_value
            })
    })
}

/// The instances every policy starts with: the setting, else the oracle's first count.
pub fn initial_capacity(settings: &Settings, trace: &Trace) -> i32 {
    settings.initial_capacity.unwrap_or_else(|| {
        let (billed, _) = oracle::plan(
            &trace.slice_minutes(0..trace.minutes().min(60)),
            settings.capacity_per_instance,
            settings.provisioning_delay_seconds,
        );
        billed.first().copied().unwrap_or(1)
    })
}

/// Static provisioning at the trace's peak.
pub fn static_instances(settings: &Settings, trace: &Trace) -> i32 {
    oracle::needs(trace, settings.capacity_per_instance)
        .into_iter()
        .max()
        .unwrap_or(1)
}

/// Runs the target of `config` under the engine (named `name`).
pub fn run_sagescale(
    name: &str,
    target: &ScalableTarget,
    settings: &Settings,
    trace: &Trace,
    initial: i32,
    keep_series: bool,
) -> Result<Outcome, SimError> {
    let mut controller = Sagescale::new(
        target,
        &settings.alarms,
        trace.start.timestamp(),
        &trace.prior,
    )?;
    let initial = initial.clamp(target.min_capacity, target.max_capacity);
    Ok(run(
        name,
        trace,
        &settings.run_settings(keep_series),
        initial,
        &mut controller,
    ))
}

/// Runs the selected policies; `progress` is told after each one.
pub fn simulate(
    config: &SimConfig,
    trace: &Trace,
    policies: Policies,
    keep_series: bool,
    mut progress: impl FnMut(&str),
) -> Result<Report, SimError> {
    let settings = &config.settings;
    let target = config.target()?;
    let rs = settings.run_settings(keep_series);
    let initial = initial_capacity(settings, trace);
    let static_n = static_instances(settings, trace);
    let aas_target = aas_target_value(settings, target);
    let mut outcomes = Vec::new();
    if policies.sagescale {
        let name = format!("sagescale ({})", short_name(target));
        outcomes.push(run_sagescale(
            &name,
            target,
            settings,
            trace,
            initial,
            keep_series,
        )?);
        progress(&name);
    }
    if policies.aas {
        let mut aas = AasTargetTracking::new(
            aas_target,
            settings.aas.scale_out_cooldown,
            settings.aas.scale_in_cooldown,
            target.min_capacity,
            target.max_capacity,
        );
        let initial = initial.clamp(target.min_capacity, target.max_capacity);
        outcomes.push(run("AAS target tracking", trace, &rs, initial, &mut aas));
        progress("AAS target tracking");
    }
    if policies.fixed {
        outcomes.push(run("static at peak", trace, &rs, static_n, &mut Fixed));
        progress("static at peak");
    }
    if policies.oracle {
        outcomes.push(run_oracle(trace, &rs));
        progress("oracle");
    }
    Ok(Report {
        trace: TraceSummary::of(trace),
        settings: settings.clone(),
        aas_target_value: aas_target,
        initial_capacity: initial,
        static_instances: static_n,
        outcomes,
    })
}

/// The endpoint name of `endpoint/<name>/variant/<variant>`, else the resource id.
fn short_name(target: &ScalableTarget) -> &str {
    target
        .endpoint_variant()
        .map_or(target.resource_id.as_str(), |(e, _)| e)
}

/// Settings that make a policy meaningless: a target on InvocationsPerInstance that one
/// instance can never reach, since the metric counts served requests only.
pub fn warnings(settings: &Settings, target: &ScalableTarget) -> Vec<String> {
    let most = settings.capacity_per_instance * 60.0;
    let mut out = Vec::new();
    let mut check = |who: &str, value: f64| {
        if value >= most {
            out.push(format!(
                "{who}: TargetValue {value} invocations/instance/minute is not below what one instance serves \
                 ({} req/s x 60 = {most}); the metric counts served requests, so it never scales out",
                settings.capacity_per_instance
            ));
        }
    };
    for p in &target.scaling_policies {
        if let Some(c) = &p.target_tracking_scaling_policy_configuration
            && c.predefined_metric_specification.as_ref().is_some_and(|m| {
                m.predefined_metric_type
                    == PredefinedMetricType::SageMakerVariantInvocationsPerInstance
            })
        {
            check(&format!("policy {}", p.policy_name), c.target_value);
        }
    }
    check("AAS baseline", aas_target_value(settings, target));
    out
}
