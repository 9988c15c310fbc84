//! sagescale itself under simulation: the configured target's policies and scheduled actions,
//! decided by `sagescale_core::decide::decide` (the function the Lambda handlers call) and
//! scheduled by `sagescale_core::schedule` (the code the schedule function uses).
//!
//! What the simulator stands in for:
//! - the alarm function: each alarm named by a step policy is evaluated every minute; while it
//!   is in ALARM its policies are invoked (on the change to ALARM, then every minute by the
//!   one-minute pass), with the alarm's recent datapoints and threshold;
//! - the one-minute pass: every target-tracking policy of the target in one decision, from
//!   the last 15 one-minute datapoints of its metric;
//! - the schedule function: each scheduled action fires at its firing times.
//! - the schedule function's predictive step: each minute, the predictive policies' floor
//!   (`crate::predictive`) raises the effective minimum every decision sees, and capacity below
//!   it is scaled out to it;
//! - a decision taken while the endpoint is `Updating` is not carried out and burns no
//!   cooldown; a scheduled action's new bounds are kept and its capacity change is retried
//!   at the end of every tick until the endpoint takes it.

use chrono::TimeDelta;
use sagescale_core::decide::{
    Bounds, CooldownState, Decision, Snapshot, TargetTrackingInput, Trigger, decide,
};
use sagescale_core::model::{PolicyType, PredefinedMetricType, ScalableTarget};
use sagescale_core::schedule::Schedule;
use sagescale_core::target_tracking;

use crate::SimError;
use crate::config::{AlarmDefinition, MetricName};
use crate::endpoint::Applied;
use crate::metrics::AlarmEval;
use crate::predictive::Predictive;
use crate::run::{Controller, World};
use sagescale_core::predictive::ForecastFloor;

/// The configured target, run through the decision engine.
pub struct Sagescale<'a> {
    target: &'a ScalableTarget,
    state: TargetState,
    /// Alarms that drive step policies, with the policies' indices.
    alarms: Vec<(AlarmEval, Vec<usize>)>,
    /// Target-tracking policies: index, metric, datapoints to pass (the scale-in window).
    tracking: Vec<(usize, MetricName, usize)>,
    /// Each tracking policy's datapoints of the current pass.
    datapoints: Vec<Vec<f64>>,
    schedules: Vec<ScheduleState>,
    /// A scheduled action whose capacity change the endpoint rejected (Updating).
    deferred: Option<usize>,
    predictive: Predictive<'a>,
}

/// What the Lambda functions keep in DynamoDB for the target.
struct TargetState {
    bounds: Bounds,
    cooldown: CooldownState,
    /// The predictive policies' floor this minute.
    forecast: Option<ForecastFloor>,
}

impl TargetState {
    fn snapshot(&self, target: &ScalableTarget, world: &World, now: i64) -> Snapshot {
        Snapshot {
            now: world.instant(now),
            desired: world.endpoint.desired(),
            bounds: self.bounds,
            suspended: target.suspended(),
            cooldown: self.cooldown,
            dimension: target.scalable_dimension,
            forecast: self.forecast,
        }
    }

    /// Carries out a decision; true when the endpoint rejected it (`Updating`).
    fn apply(&mut self, world: &mut World, now: i64, decision: &Decision<'_>) -> bool {
        self.bounds = decision.bounds;
        if !decision.scaled() {
            self.cooldown = decision.cooldown;
            return false;
        }
        let cause = decision.cause;
        match world.set_desired(now, decision.desired, || cause.to_string()) {
            Applied::Yes => {
                self.cooldown = decision.cooldown;
                false
            }
            Applied::RejectedUpdating => true,
        }
    }
}

struct ScheduleState {
    action: usize,
    schedule: Schedule,
    /// Next firing, seconds from the trace start; `i64::MAX` when over.
    next: i64,
}

impl<'a> Sagescale<'a> {
    /// `start_epoch`: Unix seconds of the trace start.
    /// `prior`: requests per minute before the trace start (`Trace::prior`), history for the
    /// predictive policies.
    pub fn new(
        target: &'a ScalableTarget,
        alarms: &[AlarmDefinition],
        start_epoch: i64,
        prior: &'a [f64],
    ) -> Result<Self, SimError> {
        let mut tracking = Vec::new();
        let mut bound_alarms: Vec<(AlarmEval, Vec<usize>)> = Vec::new();
        for (i, policy) in target.scaling_policies.iter().enumerate() {
            match policy.policy_type {
                PolicyType::TargetTrackingScaling => {
                    let cfg = policy
                        .target_tracking_scaling_policy_configuration
                        .as_ref()
                        .ok_or_else(|| {
                            SimError::Config(format!("{}: no configuration", policy.policy_name))
                        })?;
                    let metric = tracked_metric(cfg).map_err(|m| {
                        SimError::Config(format!("policy {}: {m}", policy.policy_name))
                    })?;
                    tracking.push((i, metric, target_tracking::AlarmRule::of(policy).history()));
                }
                PolicyType::PredictiveScaling => {}
                PolicyType::StepScaling => {
                    for name in &policy.alarms {
                        match bound_alarms
                            .iter_mut()
                            .find(|(a, _)| &a.definition.alarm_name == name)
                        {
                            Some((_, policies)) => policies.push(i),
                            None => {
                                let def = alarms
                                    .iter()
                                    .find(|a| &a.alarm_name == name)
                                    .ok_or_else(|| {
                                        SimError::Config(format!("alarm {name:?} is not defined"))
                                    })?;
                                bound_alarms.push((AlarmEval::new(def.clone()), vec![i]));
                            }
                        }
                    }
                }
            }
        }
        let start = chrono::DateTime::from_timestamp(start_epoch, 0)
            .ok_or_else(|| SimError::Config("trace start out of range".into()))?;
        let schedules = target
            .scheduled_actions
            .iter()
            .enumerate()
            .map(|(i, a)| {
                let schedule = Schedule::for_action(a)
                    .map_err(|e| SimError::Config(format!("{}: {e}", a.scheduled_action_name)))?
                    .with_anchor(start);
                let mut s = ScheduleState {
                    action: i,
                    schedule,
                    next: 0,
                };
                s.next = next_firing(&s.schedule, start - TimeDelta::seconds(1), start_epoch);
                Ok(s)
            })
            .collect::<Result<_, SimError>>()?;
        Ok(Sagescale {
            target,
            state: TargetState {
                bounds: Bounds {
                    min: target.min_capacity,
                    max: target.max_capacity,
                },
                cooldown: CooldownState::default(),
                forecast: None,
            },
            alarms: bound_alarms,
            datapoints: vec![Vec::new(); tracking.len()],
            tracking,
            schedules,
            deferred: None,
            predictive: Predictive::new(target, prior)?,
        })
    }

    fn fire_scheduled(&mut self, world: &mut World, now: i64, action: usize) {
        let target = self.target;
        let decision = decide(
            &self.state.snapshot(target, world, now),
            Trigger::Scheduled {
                action: &target.scheduled_actions[action],
            },
        );
        self.deferred = self.state.apply(world, now, &decision).then_some(action);
    }
}

/// The metric a target-tracking policy follows, if the simulator models it.
fn tracked_metric(
    cfg: &sagescale_core::model::TargetTrackingScalingPolicyConfiguration,
) -> Result<MetricName, String> {
    if let Some(p) = &cfg.predefined_metric_specification {
        return match p.predefined_metric_type {
            PredefinedMetricType::SageMakerVariantInvocationsPerInstance => {
                Ok(MetricName::InvocationsPerInstance)
            }
            other => Err(format!(
                "predefined metric {other:?} is not modelled by the simulator"
            )),
        };
    }
    match &cfg.customized_metric_specification {
        Some(c) if !c.metrics.is_empty() => Err("metric math is not modelled by the simulator".into()),
        Some(c) => MetricName::parse(c.metric_name.as_deref().unwrap_or("")).ok_or_else(|| {
            format!(
                "customized metric {:?} is not modelled (use InvocationsPerInstance, Invocations or CPUUtilization)",
                c.metric_name
            )
        }),
        None => Err("no metric specification".into()),
    }
}

fn next_firing(schedule: &Schedule, after: chrono::DateTime<chrono::Utc>, start_epoch: i64) -> i64 {
    schedule
        .next_after(after)
        .map_or(i64::MAX, |t| t.timestamp() - start_epoch)
}

impl Controller for Sagescale<'_> {
    fn on_minute(&mut self, world: &mut World, now: i64) {
        let target = self.target;
        if !self.predictive.is_empty() {
            let floor = self.predictive.floor(world, now);
            self.state.forecast = floor.map(|(f, _)| f);
            if let Some((_, policy)) = floor {
                let decision = decide(
                    &self.state.snapshot(target, world, now),
                    Trigger::Forecast { policy },
                );
                self.state.apply(world, now, &decision);
            }
        }
        for (alarm, policies) in &mut self.alarms {
            if !alarm.evaluate(&world.metrics, now) {
                continue;
            }
            for &p in policies.iter() {
                let decision = decide(
                    &self.state.snapshot(target, world, now),
                    Trigger::Alarm {
                        policy: &target.scaling_policies[p],
                        alarm: &alarm.definition.alarm_name,
                        threshold: alarm.definition.threshold,
                        datapoints: &alarm.recent,
                    },
                );
                self.state.apply(world, now, &decision);
            }
        }
        if self.tracking.is_empty() {
            return;
        }
        for (&(_, metric, window), buffer) in self.tracking.iter().zip(&mut self.datapoints) {
            let visible = world.metrics.visible(metric, now);
            buffer.clear();
            buffer.extend_from_slice(&visible[visible.len().saturating_sub(window)..]);
        }
        let inputs: Vec<TargetTrackingInput<'_>> = self
            .tracking
            .iter()
            .zip(&self.datapoints)
            .map(|(&(p, _, _), datapoints)| TargetTrackingInput {
                policy: &target.scaling_policies[p],
                datapoints,
            })
            .collect();
        let decision = decide(
            &self.state.snapshot(target, world, now),
            Trigger::TargetTracking { inputs: &inputs },
        );
        self.state.apply(world, now, &decision);
    }

    fn forecast_rps(&self, world: &World, now: i64) -> Option<f32> {
        self.predictive.forecast_rps(world, now)
    }

    fn next_event(&self) -> i64 {
        if self.deferred.is_some() {
            return 0;
        }
        self.schedules
            .iter()
            .map(|s| s.next)
            .min()
            .unwrap_or(i64::MAX)
    }

    fn on_event(&mut self, world: &mut World, now: i64) {
        if let Some(action) = self.deferred.take() {
            self.fire_scheduled(world, now, action);
        }
        let at = world.instant(now);
        for k in 0..self.schedules.len() {
            if self.schedules[k].next > now {
                continue;
            }
            let action = self.schedules[k].action;
            self.fire_scheduled(world, now, action);
            self.schedules[k].next =
                next_firing(&self.schedules[k].schedule, at, world.start_epoch);
        }
    }
}
