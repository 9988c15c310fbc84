//! `sagescale tune`: searches target-tracking, step and scheduled policies for the Pareto
//! frontier of cost vs requests above capacity on the first part of a trace, then reports the
//! frontier's candidates on the later part (holdout), which they never saw.
//!
//! Families searched (all on the target's own bounds and the simulation settings):
//! - target tracking on InvocationsPerInstance: target value as a fraction of one instance's
//!   capacity per minute, scale-out and scale-in cooldowns;
//! - step scaling from two alarms on InvocationsPerInstance (high: percent steps out; low:
//!   -10% in): thresholds, evaluation periods, step sizes, cooldown;
//! - a daily schedule learned from the tuning part plus target tracking: for each UTC hour of
//!   the day, the oracle's instance count in that hour (a quantile over the tuning days) times
//!   a factor becomes that hour's MinCapacity; target tracking handles the rest;
//! - predictive scaling (ForecastAndScale, launched a provisioning delay plus a minute ahead)
//!   plus target tracking at 90%: the forecast's quantile and jitter and the capacity target
//!   of the forecast. The forecaster learns from the run's own served traffic, as it would
//!   live; on the holdout it starts with the tuning part as its history.

use sagescale_core::model::{
    AdjustmentType, MetricAggregationType, PolicyType, PredefinedMetricSpecification,
    PredefinedMetricType, PredictiveMetricPairType, PredictivePredefinedMetric,
    PredictiveScalingForecast, PredictiveScalingMetricSpecification, PredictiveScalingMode,
    PredictiveScalingPolicyConfiguration, ScalableTarget, ScalableTargetAction, ScalingPolicy,
    ScheduledAction, StepAdjustment, StepScalingPolicyConfiguration,
    TargetTrackingScalingPolicyConfiguration,
};
use serde::Serialize;

use crate::SimError;
use std::fmt::Write as _;

use crate::config::{
    AlarmDefinition, ComparisonOperator, MetricName, Settings, SimConfig, Statistic,
};
use crate::oracle;
use crate::run::Outcome;
use crate::simulate::{initial_capacity, run_sagescale};
use crate::trace::{TICKS_PER_MINUTE, Trace};

/// One point of the search space: a target with its policies, plus the alarms its step
/// policies need.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub label: String,
    pub target: ScalableTarget,
    pub alarms: Vec<AlarmDefinition>,
}

/// A candidate's results on both parts.
#[derive(Debug, Clone, Serialize)]
pub struct Scored {
    pub label: String,
    pub tune: Score,
    pub holdout: Option<Score>,
    #[serde(skip)]
    pub index: usize,
}

#[derive(Debug, Clone, Copy, Serialize)]
pub struct Score {
    pub cost: f64,
    pub instance_hours: f64,
    pub above_capacity_pct: f64,
    pub minutes_above_capacity: u64,
    pub scaling_actions: u64,
}

impl Score {
    fn of(o: &Outcome) -> Score {
        Score {
            cost: o.cost,
            instance_hours: o.instance_hours,
            above_capacity_pct: o.above_capacity_pct,
            minutes_above_capacity: o.minutes_above_capacity,
            scaling_actions: o.scaling_actions,
        }
    }
}

const PER_MINUTE: f64 = 60.0;

fn tt_policy(name: &str, target_value: f64, out_cooldown: i32, in_cooldown: i32) -> ScalingPolicy {
    ScalingPolicy {
        policy_name: name.to_string(),
        policy_type: PolicyType::TargetTrackingScaling,
        alarms: Vec::new(),
        step_scaling_policy_configuration: None,
        target_tracking_scaling_policy_configuration: Some(
            TargetTrackingScalingPolicyConfiguration {
                target_value: target_value.round(),
                predefined_metric_specification: Some(PredefinedMetricSpecification {
                    predefined_metric_type:
                        PredefinedMetricType::SageMakerVariantInvocationsPerInstance,
                    resource_label: None,
                }),
                customized_metric_specification: None,
                scale_out_cooldown: Some(out_cooldown),
                scale_in_cooldown: Some(in_cooldown),
                disable_scale_in: None,
            },
        ),
        target_tracking_evaluation: None,
        predictive_scaling_policy_configuration: None,
        predictive_scaling_forecast: None,
    }
}

fn step(lower: Option<f64>, upper: Option<f64>, adjustment: i32) -> StepAdjustment {
    StepAdjustment {
        metric_interval_lower_bound: lower,
        metric_interval_upper_bound: upper,
        scaling_adjustment: adjustment,
    }
}

fn step_policy(
    name: &str,
    alarm: &str,
    steps: Vec<StepAdjustment>,
    cooldown: i32,
) -> ScalingPolicy {
    ScalingPolicy {
        policy_name: name.to_string(),
        policy_type: PolicyType::StepScaling,
        alarms: vec![alarm.to_string()],
        step_scaling_policy_configuration: Some(StepScalingPolicyConfiguration {
            adjustment_type: AdjustmentType::PercentChangeInCapacity,
            step_adjustments: steps,
            min_adjustment_magnitude: Some(1),
            cooldown: Some(cooldown),
            metric_aggregation_type: Some(MetricAggregationType::Average),
        }),
        target_tracking_scaling_policy_configuration: None,
        target_tracking_evaluation: None,
        predictive_scaling_policy_configuration: None,
        predictive_scaling_forecast: None,
    }
}

fn alarm(
    name: &str,
    threshold: f64,
    periods: u32,
    operator: ComparisonOperator,
) -> AlarmDefinition {
    AlarmDefinition {
        alarm_name: name.to_string(),
        metric_name: MetricName::InvocationsPerInstance,
        namespace: Some("AWS/SageMaker".into()),
        dimensions: None,
        alarm_actions: None,
        statistic: Statistic::Sum,
        period: 60,
        evaluation_periods: periods,
        datapoints_to_alarm: Some(periods),
        threshold: threshold.round(),
        comparison_operator: operator,
    }
}

/// For each UTC hour of the day, the `quantile` over the trace's days of the oracle's highest
/// instance count in that hour; `None` for hours the trace does not cover.
pub fn daily_profile(trace: &Trace, settings: &Settings, quantile: f64) -> [Option<i32>; 24] {
    let (billed, _) = oracle::plan(
        trace,
        settings.capacity_per_instance,
        settings.provisioning_delay_seconds,
    );
    let mut per_hour: Vec<Vec<i32>> = vec![Vec::new(); 24];
    let ticks_per_hour = 60 * TICKS_PER_MINUTE;
    let offset = (trace.start.timestamp().rem_euclid(86_400) / 3600) as usize;
    for (k, hour) in billed.chunks(ticks_per_hour).enumerate() {
        if hour.len() == ticks_per_hour {
            per_hour[(offset + k) % 24].push(hour.iter().copied().max().unwrap_or(0));
        }
    }
    std::array::from_fn(|h| {
        let v = &mut per_hour[h];
        if v.is_empty() {
            return None;
        }
        v.sort_unstable();
        let rank = ((quantile * v.len() as f64).ceil() as usize).clamp(1, v.len()) - 1;
        Some(v[rank])
    })
}

/// Scheduled actions setting each hour's MinCapacity, one per change, UTC.
fn schedule_actions(
    mins: &[Option<i32>; 24],
    floor: i32,
    max: i32,
    factor: f64,
) -> Vec<ScheduledAction> {
    let mut actions = Vec::new();
    let mut last = None;
    for (h, m) in mins.iter().enumerate() {
        let min = m.map_or(floor, |m| {
            ((m as f64 * factor).ceil() as i32).clamp(floor, max)
        });
        if last == Some(min) {
            continue;
        }
        last = Some(min);
        actions.push(ScheduledAction {
            scheduled_action_name: format!("daily-{h:02}00"),
            schedule: format!("cron(0 {h} * * ? *)"),
            timezone: Some("UTC".into()),
            start_time: None,
            end_time: None,
            scalable_target_action: ScalableTargetAction {
                min_capacity: Some(min),
                max_capacity: None,
            },
        });
    }
    // The first action of the day also holds when the trace starts before it fires.
    if actions.len() == 1 {
        actions[0].schedule = "cron(0 0 * * ? *)".into();
    }
    actions
}

/// Every candidate of the search, built from `base` (bounds, resource) and the tuning part.
pub fn candidates(base: &ScalableTarget, settings: &Settings, tune_part: &Trace) -> Vec<Candidate> {
    let per_instance = settings.capacity_per_instance * PER_MINUTE;
    let bare = ScalableTarget {
        scaling_policies: Vec::new(),
        scheduled_actions: Vec::new(),
        ..base.clone()
    };
    let mut out = Vec::new();
    for u in [0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9] {
        for out_cd in [60, 300, 600] {
            for in_cd in [300, 900] {
                let mut target = bare.clone();
                target.scaling_policies.push(tt_policy(
                    "invocations-target",
                    u * per_instance,
                    out_cd,
                    in_cd,
                ));
                out.push(Candidate {
                    label: format!(
                        "target-tracking {:.0}% out-cd {out_cd} in-cd {in_cd}",
                        u * 100.0
                    ),
                    target,
                    alarms: Vec::new(),
                });
            }
        }
    }
    for high in [0.5, 0.6, 0.7, 0.8] {
        for periods in [1, 2] {
            for (small, large) in [(10, 30), (20, 50), (30, 100)] {
                for low in [0.3, 0.45] {
                    for cooldown in [120, 300, 600] {
                        let h = high * per_instance;
                        let mut target = bare.clone();
                        target.scaling_policies.push(step_policy(
                            "invocations-high-steps",
                            "invocations-high",
                            vec![
                                step(Some(0.0), Some((0.2 * h).round()), small),
                                step(Some((0.2 * h).round()), None, large),
                            ],
                            cooldown,
                        ));
                        target.scaling_policies.push(step_policy(
                            "invocations-low-steps",
                            "invocations-low",
                            vec![step(None, Some(0.0), -10)],
                            cooldown,
                        ));
                        out.push(Candidate {
                            label: format!(
                                "step high {:.0}%x{periods} +{small}/+{large}% low {:.0}% cd {cooldown}",
                                high * 100.0,
                                low * 100.0
                            ),
                            target,
                            alarms: vec![
                                alarm("invocations-high", h, periods, ComparisonOperator::GreaterThanThreshold),
                                alarm("invocations-low", low * per_instance, 15, ComparisonOperator::LessThanThreshold),
                            ],
                        });
                    }
                }
            }
        }
    }
    for quantile in [0.5, 0.9, 1.0] {
        let profile = daily_profile(tune_part, settings, quantile);
        for factor in [0.5, 0.75, 1.0] {
            for u in [0.5, 0.6, 0.7, 0.8, 0.9] {
                let mut target = bare.clone();
                target.scaling_policies.push(tt_policy(
                    "invocations-target",
                    u * per_instance,
                    300,
                    300,
                ));
                target.scheduled_actions =
                    schedule_actions(&profile, base.min_capacity, base.max_capacity, factor);
                out.push(Candidate {
                    label: format!(
                        "daily schedule p{:.0} x{factor} + target-tracking {:.0}%",
                        quantile * 100.0,
                        u * 100.0
                    ),
                    target,
                    alarms: Vec::new(),
                });
            }
        }
    }
    let buffer = (settings.provisioning_delay_seconds as i32 + 60).min(3600);
    for quantile in [0.9, 1.0] {
        for jitter in [2, 5] {
            for u in [0.6, 0.8] {
                let mut target = bare.clone();
                target.scaling_policies.push(tt_policy(
                    "invocations-target",
                    0.9 * per_instance,
                    300,
                    300,
                ));
                target.scaling_policies.push(predictive_policy(
                    u * per_instance,
                    buffer,
                    quantile,
                    jitter,
                ));
                out.push(Candidate {
                    label: format!(
                        "predictive q{quantile} jitter {jitter} min at {:.0}% + target-tracking 90%",
                        u * 100.0
                    ),
                    target,
                    alarms: Vec::new(),
                });
            }
        }
    }
    out
}

fn predictive_policy(target_value: f64, buffer: i32, quantile: f64, jitter: i32) -> ScalingPolicy {
    ScalingPolicy {
        policy_name: "forecast".to_string(),
        policy_type: PolicyType::PredictiveScaling,
        alarms: Vec::new(),
        step_scaling_policy_configuration: None,
        target_tracking_scaling_policy_configuration: None,
        target_tracking_evaluation: None,
        predictive_scaling_policy_configuration: Some(PredictiveScalingPolicyConfiguration {
            metric_specifications: vec![PredictiveScalingMetricSpecification {
                target_value: target_value.round(),
                predefined_metric_pair_specification: Some(PredictivePredefinedMetric {
                    predefined_metric_type:
                        PredictiveMetricPairType::SageMakerVariantInvocationsPerInstance,
                    resource_label: None,
                }),
                predefined_scaling_metric_specification: None,
                predefined_load_metric_specification: None,
                customized_scaling_metric_specification: None,
                customized_load_metric_specification: None,
                customized_capacity_metric_specification: None,
            }],
            mode: Some(PredictiveScalingMode::ForecastAndScale),
            scheduling_buffer_time: Some(buffer),
            max_capacity_breach_behavior: None,
            max_capacity_buffer: None,
        }),
        predictive_scaling_forecast: Some(PredictiveScalingForecast {
            quantile: Some(quantile),
            jitter_minutes: Some(jitter),
            ..PredictiveScalingForecast::default()
        }),
    }
}

/// Runs one candidate on one part.
pub fn score(
    candidate: &Candidate,
    settings: &Settings,
    part: &Trace,
) -> Result<Outcome, SimError> {
    let settings = Settings {
        alarms: candidate.alarms.clone(),
        ..settings.clone()
    };
    let initial = initial_capacity(&settings, part);
    run_sagescale(
        &candidate.label,
        &candidate.target,
        &settings,
        part,
        initial,
        false,
    )
}

/// Indices of the non-dominated points (lower cost, lower above-capacity), by cost.
pub fn pareto(points: &[(f64, f64)]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..points.len()).collect();
    order.sort_by(|&a, &b| {
        points[a]
            .0
            .total_cmp(&points[b].0)
            .then(points[a].1.total_cmp(&points[b].1))
    });
    let mut frontier = Vec::new();
    let mut best_above = f64::INFINITY;
    for i in order {
        if points[i].1 < best_above {
            best_above = points[i].1;
            frontier.push(i);
        }
    }
    frontier
}

/// The frontier point to recommend: the cheapest whose above-capacity share on the tuning
/// part is at most `max_above_pct`, else the one with the fewest requests above capacity.
pub fn recommend(frontier: &[Scored], max_above_pct: f64) -> Option<&Scored> {
    frontier
        .iter()
        .find(|s| s.tune.above_capacity_pct <= max_above_pct)
        .or_else(|| frontier.last())
}

/// The search: every candidate on `tune_part`, the frontier re-run on `holdout`.
pub fn search(
    candidates: &[Candidate],
    settings: &Settings,
    tune_part: &Trace,
    holdout: &Trace,
    mut progress: impl FnMut(),
) -> Result<Vec<Scored>, SimError> {
    let mut tuned = Vec::with_capacity(candidates.len());
    for c in candidates {
        tuned.push(Score::of(&score(c, settings, tune_part)?));
        progress();
    }
    let points: Vec<(f64, f64)> = tuned
        .iter()
        .map(|s| (s.cost, s.above_capacity_pct))
        .collect();
    let mut frontier = Vec::new();
    for i in pareto(&points) {
        let holdout = if holdout.minutes() > 0 {
            Some(Score::of(&score(&candidates[i], settings, holdout)?))
        } else {
            None
        };
        frontier.push(Scored {
            label: candidates[i].label.clone(),
            tune: tuned[i],
            holdout,
            index: i,
        });
    }
    Ok(frontier)
}

fn yaml_error(e: serde_yaml_ng::Error) -> SimError {
    SimError::Config(e.to_string())
}

/// The plain document, with the alarms its step policies need as comments (PutMetricAlarm
/// shape), since alarms are CloudWatch resources, not part of the document.
pub fn document_yaml(config: &SimConfig, label: &str) -> Result<String, SimError> {
    let mut out = format!("# Recommended by `sagescale tune`: {label}\n");
    if !config.settings.alarms.is_empty() {
        out.push_str("# Step policies need these CloudWatch alarms (PutMetricAlarm fields):\n");
        let alarms = serde_yaml_ng::to_string(&config.settings.alarms).map_err(yaml_error)?;
        for line in alarms.lines() {
            let _ = writeln!(out, "#   {line}");
        }
    }
    out.push_str(&serde_yaml_ng::to_string(&config.document).map_err(yaml_error)?);
    Ok(out)
}

/// The document plus its `Simulation:` section.
pub fn simulation_yaml(config: &SimConfig) -> Result<String, SimError> {
    let mut value = serde_yaml_ng::to_value(&config.document).map_err(yaml_error)?;
    let settings = serde_yaml_ng::to_value(&config.settings).map_err(yaml_error)?;
    if let Some(map) = value.as_mapping_mut() {
        map.insert("Simulation".into(), settings);
    }
    serde_yaml_ng::to_string(&value).map_err(yaml_error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pareto_keeps_only_non_dominated_points_by_cost() {
        let points = [(3.0, 0.0), (1.0, 5.0), (2.0, 5.0), (2.0, 1.0), (4.0, 0.0)];
        assert_eq!(pareto(&points), vec![1, 3, 0]);
    }
}
