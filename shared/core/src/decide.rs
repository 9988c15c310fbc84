//! The decision engine: a snapshot of one scalable target plus one trigger in, a decision out.
//! Pure: no I/O, no clock (`Snapshot::now`), no allocation on the hot path (the simulator
//! calls it millions of times; causes and descriptions are formatted only when displayed).
//!
//! # Rules (AAS, with the documentation they come from)
//!
//! **Bounds.** *"A scaling adjustment can't change the capacity of the scalable target above the
//! maximum capacity or below the minimum capacity."* A proposal is clamped to the effective
//! [MinCapacity, MaxCapacity]; a change that the bounds (or the arithmetic) cancel is recorded
//! as `AlreadyAtMaxCapacity` (with MaxCapacity, CurrentCapacity), `AlreadyAtMinCapacity` (with
//! MinCapacity, CurrentCapacity) or `AlreadyAtDesiredCapacity` (with CurrentCapacity).
//! AAS concepts: *"anytime a scaling policy is invoked or the RegisterScalableTarget API is
//! called, Application Auto Scaling retrieves the current capacity and compares it to the
//! minimum and maximum capacity. If it falls outside of the minimum-maximum range, then the
//! capacity is updated to comply with the set minimum and maximum."* So a policy evaluation that
//! would otherwise change nothing moves a capacity outside the bounds to the nearest bound
//! (ignoring cooldowns, but not a suspension of that direction); otherwise a policy never moves
//! capacity against its own direction.
//!
//! **Direction.** `ChangeInCapacity` and `PercentChangeInCapacity` steps scale out when their
//! ScalingAdjustment is positive and in when negative; `ExactCapacity` compares with the current
//! capacity. Step selection and arithmetic: [`crate::step`].
//!
//! **Cooldowns** (`StepScalingPolicyConfiguration.Cooldown`, `TargetTrackingScalingPolicyConfiguration`
//! `ScaleOutCooldown`/`ScaleInCooldown`): *"If not specified, the default value is 300"*, and
//! for target tracking *"Application Auto Scaling provides a default value of 300 for ...
//! Amazon SageMaker endpoint variants"* ([`DEFAULT_COOLDOWN_SECONDS`]). A step policy's one
//! `Cooldown` serves both directions.
//! - *"The scaling policy won't increase the desired capacity again unless either a larger scale
//!   out is triggered or the cooldown period ends. While the cooldown period is in effect,
//!   capacity added by the initiating scale-out activity is calculated as part of the desired
//!   capacity for the next scale-out activity. For example, when an alarm triggers a step
//!   scaling policy to increase the capacity by 2, ... If the alarm triggers again during the
//!   cooldown period but at a more aggressive step adjustment of 3, the previous increase of 2
//!   is considered part of the current capacity. Therefore, only 1 is added to the capacity."*
//!   During a scale-out cooldown the proposal is computed from
//!   [`ScaleOutCooldown::base_capacity`] (the capacity before the initiating scale-out) and
//!   applied only if it exceeds the current capacity; otherwise `ScaleOutCooldown`.
//! - *"With scale-in policies, ... scale-in activities are blocked until the cooldown period has
//!   expired. However, if another alarm triggers a scale-out activity during the cooldown period
//!   after a scale-in activity, Application Auto Scaling scales out the target immediately. In
//!   this case, the cooldown period for the scale-in activity stops and doesn't complete."*
//!   A blocked scale-in is recorded as `ScaleInCooldown`; every scale-out clears `scale_in_until`.
//! - A cooldown is active while `now < until`; at `until` it has expired.
//!
//! **Several policies.** PutScalingPolicy: *"Application Auto Scaling gives precedence to the
//! policy that provides the largest capacity for both scale out and scale in."* For target
//! tracking (one `Trigger::TargetTracking` carries every TT policy of the target): scale out if
//! any policy's high alarm holds, to the largest proposal; scale in only if every policy with
//! scale-in enabled has its low alarm in ALARM (and there is at least one), to the largest of the
//! proposals. The scale-in half is DESIGN §5's rule; the AAS pages found state only the
//! largest-capacity rule. PutScalingPolicy also warns that *"if the step scaling policy
//! initiates a scale-in activity before the target tracking policy is ready to scale in, the
//! scale-in activity will not be blocked"*: step and target-tracking triggers are decided
//! independently, as in AAS. Step policies arrive one alarm at a time, each decided against the
//! capacity the previous one left: a scale-out step never lowers capacity, and the scale-out
//! cooldown keeps a smaller step from adding on top of a larger one. Target-tracking details:
//! [`crate::target_tracking`].
//!
//! **Suspension** (SuspendedState): `DynamicScalingOutSuspended`/`DynamicScalingInSuspended`
//! block policy-driven changes in that direction (not-scaled reasons of the same names);
//! `ScheduledScalingSuspended` blocks scheduled actions.
//!
//! **Scheduled actions** set MinCapacity and/or MaxCapacity of the effective bounds
//! (`Decision::bounds`): *"If current capacity is less than the specified minimum capacity,
//! Application Auto Scaling scales out (increases capacity) to the specified minimum capacity.
//! If current capacity is greater than the specified maximum capacity, Application Auto Scaling
//! scales in (decreases capacity) to the specified maximum capacity."* At once, ignoring
//! cooldowns.
//!
//! # Decisions where AAS is silent
//!
//! - Cooldown clocks are kept **per scalable target**, one for scale-out and one for scale-in,
//!   whatever policy started them. Rationale: the endpoint is one resource; two policies with
//!   separate clocks would let each undo the other's change at once.
//! - A scale-out during an active scale-out cooldown (a larger step) **extends** the cooldown to
//!   `now + cooldown` (it never shortens it) and **keeps the original base capacity**: the new
//!   capacity needs its own time to take effect, and a step re-fired every minute while its
//!   alarm stays in ALARM must not compound (with base 10 after +2 and then +3, a re-fired +3
//!   step proposes 13 again, not 16).
//! - A scale-in ends an active scale-out cooldown: the capacity it protected is partly gone.
//! - A base capacity above the current capacity (someone lowered the endpoint by hand) is
//!   replaced by the current capacity.
//! - Scheduled actions neither respect nor start nor end cooldowns (the clocks pass through
//!   unchanged). A scheduled action that changes only the bounds is a change (`not_scaled`
//!   empty, `bounds` differ from the snapshot's); one that changes nothing is
//!   `AlreadyAtDesiredCapacity`. AAS says that *"in some cases, however, you must include both
//!   sizes to ensure that the new minimum capacity is not higher than the maximum capacity"*;
//!   sagescale instead raises the maximum to a lone MinCapacity above it (and lowers the minimum
//!   to a lone MaxCapacity below it), so the bounds stay ordered and the action still applies.
//! - Expired cooldowns are dropped from `Decision::cooldown`.
//! - Negative cooldowns (invalid; validation rejects them) count as 0.
//! - A policy whose type does not fit the trigger (a target-tracking policy on an alarm, a step
//!   policy among the target-tracking inputs) proposes nothing: `NoStepMatched` /
//!   `NoDatapoints`.
//! - The bounds correction above starts the cooldown of its direction, like any policy change.
//! - Not-scaled precedence: suspension, then bounds (`AlreadyAtMax/MinCapacity`), then cooldown,
//!   then `AlreadyAtDesiredCapacity`.
//! - Only the scale-in cooldown blocks scale-in; an active scale-out cooldown does not.
//! - A target-tracking policy with `DisableScaleIn` does not vote on scale-in, but a scale-in
//!   the other policies agree on stops at the capacity that keeps its metric at or under its
//!   target (its `keep`), so that one policy's scale-in does not trigger the other's scale-out.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::activity::{NotScaledCode, NotScaledReason};
use crate::model::{
    DEFAULT_COOLDOWN_SECONDS, ScalableDimension, ScalingPolicy, ScheduledAction,
    StepScalingPolicyConfiguration, SuspendedState, TargetTrackingScalingPolicyConfiguration,
};
use crate::predictive::ForecastFloor;
use crate::step;
use crate::target_tracking::{self, Evaluation};

/// Effective capacity bounds (MinCapacity/MaxCapacity after scheduled actions).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bounds {
    pub min: i32,
    pub max: i32,
}

/// The cooldown clocks of one target; persisted in the target's state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CooldownState {
    /// Active scale-out cooldown, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale_out: Option<ScaleOutCooldown>,
    /// Scale-in is blocked until this instant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale_in_until: Option<DateTime<Utc>>,
}

/// A scale-out cooldown remembers the capacity *before* the scale-out that started it, so a
/// later, larger step counts the capacity already added (AAS: +2, then a +3 step adds only 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScaleOutCooldown {
    pub until: DateTime<Utc>,
    pub base_capacity: i32,
}

/// Everything the engine needs to know about the target at `now`.
#[derive(Debug, Clone, Copy)]
pub struct Snapshot {
    pub now: DateTime<Utc>,
    /// The endpoint's DesiredInstanceCount (the truth), not a cached copy.
    pub desired: i32,
    pub bounds: Bounds,
    pub suspended: SuspendedState,
    pub cooldown: CooldownState,
    pub dimension: ScalableDimension,
    /// The predictive policies' floor at `now`, if any policy forecasts with ForecastAndScale:
    /// every decision sees the effective minimum raised by it ([`crate::predictive`]); the
    /// floor is never stored in the bounds a decision returns.
    pub forecast: Option<ForecastFloor>,
}

/// What asks for a decision.
#[derive(Debug, Clone, Copy)]
pub enum Trigger<'a> {
    /// A CloudWatch alarm in ALARM drives a step scaling policy. `datapoints` are the alarm's
    /// recent datapoints (any order); breach = aggregate(datapoints) - threshold.
    Alarm {
        policy: &'a ScalingPolicy,
        alarm: &'a str,
        threshold: f64,
        datapoints: &'a [f64],
    },
    /// Periodic evaluation of every target-tracking policy on the target, combined with AAS's
    /// several-policies rule.
    TargetTracking {
        inputs: &'a [TargetTrackingInput<'a>],
    },
    /// A scheduled action came due: new bounds, capacity moved into them, cooldowns ignored.
    Scheduled { action: &'a ScheduledAction },
    /// The predictive policies' floor (`Snapshot::forecast`) is above the capacity: scale out
    /// to it, like a scheduled MinCapacity (cooldowns neither respected nor started).
    Forecast { policy: &'a str },
}

/// One target-tracking policy with its recent metric datapoints, oldest first, one per metric
/// period (60 s, or 10 s for the high-resolution metrics).
#[derive(Debug, Clone, Copy)]
pub struct TargetTrackingInput<'a> {
    pub policy: &'a ScalingPolicy,
    pub datapoints: &'a [f64],
}

/// Direction of a capacity change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Direction {
    Out,
    In,
}

/// Why the decision was taken; formatted like AAS activity causes only when displayed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cause<'a> {
    /// "monitor alarm X in state ALARM triggered policy Y"
    Alarm { alarm: &'a str, policy: &'a str },
    /// "monitor alarm TargetTracking-... triggered policy Y" — sagescale evaluates the metric
    /// itself; worded with the policy and metric value.
    TargetTracking {
        policy: &'a str,
        metric: f64,
        target: f64,
    },
    /// "scheduled action name X was triggered"
    Scheduled { action: &'a str },
    /// A predictive policy's capacity forecast for the interval starting at `interval`.
    Forecast {
        policy: &'a str,
        capacity: i32,
        interval: DateTime<Utc>,
    },
}

/// The engine's answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision<'a> {
    pub previous: i32,
    /// New desired capacity; equals `previous` when not scaled.
    pub desired: i32,
    /// Effective bounds after the decision (changed only by scheduled actions).
    pub bounds: Bounds,
    /// Cooldown clocks to persist after this decision is carried out.
    pub cooldown: CooldownState,
    /// Empty when the decision changes capacity. At most a few entries.
    pub not_scaled: NotScaledReasons,
    pub cause: Cause<'a>,
}

/// A small inline list (no heap) of not-scaled reasons.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NotScaledReasons {
    len: u8,
    items: [Option<NotScaledReason>; 4],
}

impl NotScaledReasons {
    pub fn push(&mut self, r: NotScaledReason) {
        if (self.len as usize) < self.items.len() {
            self.items[self.len as usize] = Some(r);
            self.len += 1;
        }
    }
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
    pub fn iter(&self) -> impl Iterator<Item = &NotScaledReason> {
        self.items[..self.len as usize].iter().flatten()
    }
    pub fn to_vec(&self) -> Vec<NotScaledReason> {
        self.iter().copied().collect()
    }
}

impl Decision<'_> {
    pub fn scaled(&self) -> bool {
        self.desired != self.previous
    }

    pub fn direction(&self) -> Option<Direction> {
        use std::cmp::Ordering::*;
        match self.desired.cmp(&self.previous) {
            Greater => Some(Direction::Out),
            Less => Some(Direction::In),
            Equal => None,
        }
    }

    fn scheduled_suspended(&self) -> bool {
        self.not_scaled
            .iter()
            .any(|r| r.code == NotScaledCode::ScheduledScalingSuspended)
    }

    /// AAS wording: "Setting desired instance count to 4."; a scheduled action that leaves the
    /// capacity where it is says the bounds it sets, as AAS does: "Setting min capacity to 50
    /// and max capacity to 60." (not while scheduled scaling is suspended: the bounds stay).
    /// Formatted only when the decision is recorded.
    pub fn description(&self, dimension: ScalableDimension) -> String {
        match self.cause {
            Cause::Scheduled { .. } if !self.scaled() && !self.scheduled_suspended() => format!(
                "Setting min capacity to {} and max capacity to {}.",
                self.bounds.min, self.bounds.max
            ),
            _ => format!(
                "Setting desired {} to {}.",
                dimension.unit_noun(),
                self.desired
            ),
        }
    }
}

impl std::fmt::Display for Cause<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Cause::Alarm { alarm, policy } => write!(
                f,
                "monitor alarm {alarm} in state ALARM triggered policy {policy}"
            ),
            Cause::TargetTracking {
                policy,
                metric,
                target,
            } => write!(
                f,
                "target tracking policy {policy}: metric {metric:.2} against target {target:.2}"
            ),
            Cause::Scheduled { action } => {
                write!(f, "scheduled action name {action} was triggered")
            }
            Cause::Forecast {
                policy,
                capacity,
                interval,
            } => write!(
                f,
                "predictive scaling policy {policy} forecast capacity {capacity} for the interval \
                 from {}",
                interval.format("%Y-%m-%dT%H:%MZ")
            ),
        }
    }
}

impl NotScaledReasons {
    /// A list holding one reason.
    pub fn one(r: NotScaledReason) -> Self {
        let mut list = Self::default();
        list.push(r);
        list
    }

    pub fn len(&self) -> usize {
        self.len as usize
    }

    pub fn first(&self) -> Option<&NotScaledReason> {
        self.iter().next()
    }

    /// Whether a reason with this code is present.
    pub fn contains(&self, code: NotScaledCode) -> bool {
        self.iter().any(|r| r.code == code)
    }
}

impl Cause<'_> {
    /// The policy or scheduled action behind the decision.
    pub fn name(&self) -> &str {
        match self {
            Cause::Alarm { policy, .. }
            | Cause::TargetTracking { policy, .. }
            | Cause::Forecast { policy, .. } => policy,
            Cause::Scheduled { action } => action,
        }
    }
}

impl Bounds {
    pub fn clamp(self, capacity: i32) -> i32 {
        capacity.clamp(self.min, self.max.max(self.min))
    }

    pub fn contains(self, capacity: i32) -> bool {
        self.min <= capacity && capacity <= self.max
    }
}

impl CooldownState {
    /// The scale-out cooldown, if still active at `now`.
    pub fn active_scale_out(&self, now: DateTime<Utc>) -> Option<ScaleOutCooldown> {
        self.scale_out.filter(|c| now < c.until)
    }

    /// Whether scale-in is blocked at `now`.
    pub fn scale_in_blocked(&self, now: DateTime<Utc>) -> bool {
        self.scale_in_until.is_some_and(|t| now < t)
    }

    /// The clocks still running at `now` (expired ones dropped).
    pub fn active(&self, now: DateTime<Utc>) -> Self {
        Self {
            scale_out: self.active_scale_out(now),
            scale_in_until: self.scale_in_until.filter(|t| now < *t),
        }
    }
}

/// Cooldown lengths, in seconds, of the policy a decision follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cooldowns {
    pub scale_out: i32,
    pub scale_in: i32,
}

impl Cooldowns {
    /// A step policy's single `Cooldown` for both directions; 300 s when omitted.
    pub fn of_step(cfg: &StepScalingPolicyConfiguration) -> Self {
        let c = cfg.cooldown.unwrap_or(DEFAULT_COOLDOWN_SECONDS);
        Self {
            scale_out: c,
            scale_in: c,
        }
    }

    /// A target-tracking policy's `ScaleOutCooldown`/`ScaleInCooldown`; 300 s when omitted.
    pub fn of_target_tracking(cfg: &TargetTrackingScalingPolicyConfiguration) -> Self {
        Self {
            scale_out: cfg.scale_out_cooldown.unwrap_or(DEFAULT_COOLDOWN_SECONDS),
            scale_in: cfg.scale_in_cooldown.unwrap_or(DEFAULT_COOLDOWN_SECONDS),
        }
    }
}

fn seconds(s: i32) -> chrono::Duration {
    chrono::Duration::seconds(i64::from(s.max(0)))
}

/// Decide what one trigger does to one target. See the module docs and DESIGN §5.
///
/// With a forecast floor, every trigger but a scheduled action is decided against the bounds
/// raised by it and returns the stored bounds; a scheduled action sets new stored bounds and
/// then keeps the capacity at or above the floor under them.
pub fn decide<'a>(snapshot: &Snapshot, trigger: Trigger<'a>) -> Decision<'a> {
    let Some(floor) = snapshot.forecast else {
        return decide_within(snapshot, trigger);
    };
    match trigger {
        Trigger::Scheduled { action } => {
            let mut d = decide_scheduled(snapshot, action);
            let min = floor.raise(d.bounds).min;
            if d.desired < min && !snapshot.suspended.scheduled_scaling_suspended {
                d.desired = min;
                if d.scaled() {
                    d.not_scaled = NotScaledReasons::default();
                }
            }
            d
        }
        other => {
            let raised = Snapshot {
                bounds: floor.raise(snapshot.bounds),
                ..*snapshot
            };
            let mut d = decide_within(&raised, other);
            d.bounds = snapshot.bounds;
            d
        }
    }
}

fn decide_within<'a>(snapshot: &Snapshot, trigger: Trigger<'a>) -> Decision<'a> {
    match trigger {
        Trigger::Alarm {
            policy,
            alarm,
            threshold,
            datapoints,
        } => decide_alarm(snapshot, policy, alarm, threshold, datapoints),
        Trigger::TargetTracking { inputs } => decide_target_tracking(snapshot, inputs),
        Trigger::Scheduled { action } => decide_scheduled(snapshot, action),
        Trigger::Forecast { policy } => decide_forecast(snapshot, policy),
    }
}

/// The forecast floor (already in `s.bounds.min`) is above the capacity: scale out to it.
/// Blocked only by `DynamicScalingOutSuspended`; cooldowns pass through unchanged, as for
/// scheduled actions, so a reactive policy can still add on top at once.
fn decide_forecast<'a>(s: &Snapshot, policy: &'a str) -> Decision<'a> {
    let cause = Cause::Forecast {
        policy,
        capacity: s.forecast.map_or(0, |f| f.capacity),
        interval: s.forecast.map_or(s.now, |f| f.interval),
    };
    if s.forecast.is_none() {
        return not_scaled(s, cause, NotScaledCode::NoDatapoints);
    }
    if s.desired >= s.bounds.min {
        return not_scaled(s, cause, NotScaledCode::AlreadyAtDesiredCapacity);
    }
    if s.suspended.dynamic_scaling_out_suspended {
        return not_scaled(s, cause, NotScaledCode::DynamicScalingOutSuspended);
    }
    changed(s, s.bounds.min, s.cooldown.active(s.now), cause)
}

/// A step scaling policy driven by an alarm in ALARM.
fn decide_alarm<'a>(
    s: &Snapshot,
    policy: &'a ScalingPolicy,
    alarm: &'a str,
    threshold: f64,
    datapoints: &[f64],
) -> Decision<'a> {
    let cause = Cause::Alarm {
        alarm,
        policy: &policy.policy_name,
    };
    let Some(cfg) = policy.step_scaling_policy_configuration.as_ref() else {
        return not_scaled(s, cause, NotScaledCode::NoStepMatched);
    };
    let cooldowns = Cooldowns::of_step(cfg);
    let Some(breach) = step::breach(cfg.metric_aggregation_type, threshold, datapoints) else {
        return correct_bounds(
            s,
            not_scaled(s, cause, NotScaledCode::NoDatapoints),
            cooldowns,
        );
    };
    let Some((_, step)) = step::select_step(&cfg.step_adjustments, breach) else {
        return correct_bounds(
            s,
            not_scaled(s, cause, NotScaledCode::NoStepMatched),
            cooldowns,
        );
    };
    let propose = |from: i32| {
        step::adjusted_capacity(
            cfg.adjustment_type,
            step.scaling_adjustment,
            from,
            cfg.min_adjustment_magnitude,
        )
    };
    let intent = match cfg.adjustment_type {
        crate::model::AdjustmentType::ExactCapacity => step.scaling_adjustment.cmp(&s.desired),
        _ => step.scaling_adjustment.cmp(&0),
    };
    let decision = match intent {
        std::cmp::Ordering::Greater => scale_out(s, propose, cooldowns, cause),
        std::cmp::Ordering::Less => scale_in(s, propose(s.desired), cooldowns, cause),
        std::cmp::Ordering::Equal => blocked_unchanged(s, cause),
    };
    correct_bounds(s, decision, cooldowns)
}

/// Every target-tracking policy of the target, combined with AAS's several-policies rule.
fn decide_target_tracking<'a>(s: &Snapshot, inputs: &'a [TargetTrackingInput<'a>]) -> Decision<'a> {
    let votes = Votes::gather(s, inputs);

    // Scale out if any policy asks: the largest proposal wins.
    if let Some((_, p)) = votes.out {
        let cause = p.cause(p.eval.out_metric.unwrap_or(f64::NAN));
        let propose = |from: i32| {
            p.eval
                .out_capacity(from, p.cfg.target_value)
                .unwrap_or(from)
        };
        let cooldowns = p.cooldowns();
        return correct_bounds(s, scale_out(s, propose, cooldowns, cause), cooldowns);
    }

    // Scale in only if every policy with scale-in enabled agrees; then the largest proposal,
    // counting what the scale-in-disabled policies need to stay at or under their targets.
    if votes.scale_in_enabled > 0
        && votes.agreeing == votes.scale_in_enabled
        && let Some((proposal, p)) = votes.keep
    {
        let cooldowns = p.cooldowns();
        let cause = p.cause(p.eval.keep_metric);
        return correct_bounds(s, scale_in(s, proposal, cooldowns, cause), cooldowns);
    }

    let code = if !votes.any_data {
        NotScaledCode::NoDatapoints
    } else if votes.scale_in_enabled == 0 && votes.low_but_disabled {
        NotScaledCode::ScaleInDisabled
    } else {
        NotScaledCode::AlreadyAtDesiredCapacity
    };
    let (cause, cooldowns) = match votes.keep.map(|(_, p)| p).or(votes.first) {
        Some(p) => (p.cause(p.eval.keep_metric), p.cooldowns()),
        None => {
            let name = inputs.first().map_or("", |i| i.policy.policy_name.as_str());
            let cause = Cause::TargetTracking {
                policy: name,
                metric: f64::NAN,
                target: f64::NAN,
            };
            let none = Cooldowns {
                scale_out: 0,
                scale_in: 0,
            };
            (cause, none)
        }
    };
    correct_bounds(s, not_scaled(s, cause, code), cooldowns)
}

/// One target-tracking policy and what its datapoints say.
#[derive(Clone, Copy)]
struct Tracked<'a> {
    name: &'a str,
    cfg: &'a TargetTrackingScalingPolicyConfiguration,
    eval: Evaluation,
}

impl<'a> Tracked<'a> {
    fn cause(&self, metric: f64) -> Cause<'a> {
        Cause::TargetTracking {
            policy: self.name,
            metric,
            target: self.cfg.target_value,
        }
    }

    fn cooldowns(&self) -> Cooldowns {
        Cooldowns::of_target_tracking(self.cfg)
    }
}

/// The target-tracking policies' votes, gathered in one pass without allocating.
#[derive(Default)]
struct Votes<'a> {
    /// The largest scale-out proposal (ties: the first policy).
    out: Option<(i32, Tracked<'a>)>,
    /// The largest capacity any policy needs to keep its metric at or under its target.
    keep: Option<(i32, Tracked<'a>)>,
    /// Policies with scale-in enabled, and how many of them have their low alarm in ALARM.
    scale_in_enabled: usize,
    agreeing: usize,
    /// Some policy has at least a full scale-out window of datapoints.
    any_data: bool,
    /// Some DisableScaleIn policy's metric is low enough to scale in.
    low_but_disabled: bool,
    first: Option<Tracked<'a>>,
}

impl<'a> Votes<'a> {
    fn gather(s: &Snapshot, inputs: &'a [TargetTrackingInput<'a>]) -> Self {
        // During a scale-out cooldown, proposals count the capacity already added.
        let out_from = s
            .cooldown
            .active_scale_out(s.now)
            .map_or(s.desired, |c| c.base_capacity.min(s.desired));
        let mut v = Votes::default();
        for input in inputs {
            // A step policy among the inputs proposes nothing.
            let Some(cfg) = &input.policy.target_tracking_scaling_policy_configuration else {
                continue;
            };
            let p = Tracked {
                name: &input.policy.policy_name,
                cfg,
                eval: target_tracking::evaluate_with(
                    cfg,
                    &target_tracking::AlarmRule::of(input.policy),
                    input.datapoints,
                    s.desired,
                ),
            };
            v.first = v.first.or(Some(p));
            v.any_data |= p.eval.enough_data;
            v.low_but_disabled |= p.eval.below_scale_in_threshold && !p.eval.scale_in_enabled;
            if p.eval.scale_in_enabled {
                v.scale_in_enabled += 1;
                v.agreeing += usize::from(p.eval.wants_in());
            }
            if let Some(c) = p.eval.out_capacity(out_from, cfg.target_value) {
                v.out = larger(v.out, c, p);
            }
            if let Some(c) = p.eval.keep {
                v.keep = larger(v.keep, c, p);
            }
        }
        v
    }
}

/// The larger of two proposals; the earlier one wins a tie.
fn larger<'a>(
    best: Option<(i32, Tracked<'a>)>,
    capacity: i32,
    p: Tracked<'a>,
) -> Option<(i32, Tracked<'a>)> {
    match best {
        Some((b, _)) if b >= capacity => best,
        _ => Some((capacity, p)),
    }
}

/// A scheduled action: new bounds, capacity moved into them at once; cooldowns ignored.
fn decide_scheduled<'a>(s: &Snapshot, action: &'a ScheduledAction) -> Decision<'a> {
    let cause = Cause::Scheduled {
        action: &action.scheduled_action_name,
    };
    if s.suspended.scheduled_scaling_suspended {
        return not_scaled(s, cause, NotScaledCode::ScheduledScalingSuspended);
    }
    let a = action.scalable_target_action;
    let bounds = match (a.min_capacity, a.max_capacity) {
        (Some(min), Some(max)) => Bounds {
            min,
            max: max.max(min),
        },
        (Some(min), None) => Bounds {
            min,
            max: s.bounds.max.max(min),
        },
        (None, Some(max)) => Bounds {
            min: s.bounds.min.min(max),
            max,
        },
        (None, None) => s.bounds,
    };
    let desired = bounds.clamp(s.desired);
    if desired == s.desired && bounds == s.bounds {
        return not_scaled(s, cause, NotScaledCode::AlreadyAtDesiredCapacity);
    }
    Decision {
        previous: s.desired,
        desired,
        bounds,
        cooldown: s.cooldown.active(s.now),
        not_scaled: NotScaledReasons::default(),
        cause,
    }
}

/// A scale-out proposal: `propose(from)` is computed from the capacity before the scale-out
/// that started an active scale-out cooldown, else from the current capacity.
fn scale_out<'a>(
    s: &Snapshot,
    propose: impl Fn(i32) -> i32,
    cooldowns: Cooldowns,
    cause: Cause<'a>,
) -> Decision<'a> {
    if s.suspended.dynamic_scaling_out_suspended {
        return not_scaled(s, cause, NotScaledCode::DynamicScalingOutSuspended);
    }
    let active = s.cooldown.active_scale_out(s.now);
    let base = active.map_or(s.desired, |c| c.base_capacity.min(s.desired));
    let desired = s.bounds.clamp(propose(base));
    if desired <= s.desired {
        return if s.desired >= s.bounds.max {
            at_max(s, cause)
        } else if active.is_some() {
            not_scaled(s, cause, NotScaledCode::ScaleOutCooldown)
        } else {
            blocked_unchanged(s, cause)
        };
    }
    // A scale-out ends any scale-in cooldown. During a scale-out cooldown it extends the
    // window and keeps the original base (module docs).
    let until = s.now + seconds(cooldowns.scale_out);
    let cooldown = CooldownState {
        scale_out: Some(ScaleOutCooldown {
            until: active.map_or(until, |c| c.until.max(until)),
            base_capacity: base,
        }),
        scale_in_until: None,
    };
    changed(s, desired, cooldown, cause)
}

/// A scale-in to `proposal` (before bounds).
fn scale_in<'a>(
    s: &Snapshot,
    proposal: i32,
    cooldowns: Cooldowns,
    cause: Cause<'a>,
) -> Decision<'a> {
    if s.suspended.dynamic_scaling_in_suspended {
        return not_scaled(s, cause, NotScaledCode::DynamicScalingInSuspended);
    }
    let desired = s.bounds.clamp(proposal);
    if desired >= s.desired {
        return if s.desired <= s.bounds.min {
            at_min(s, cause)
        } else {
            blocked_unchanged(s, cause)
        };
    }
    if s.cooldown.scale_in_blocked(s.now) {
        return not_scaled(s, cause, NotScaledCode::ScaleInCooldown);
    }
    scaled_in(s, desired, cooldowns, cause)
}

fn scaled_in<'a>(
    s: &Snapshot,
    desired: i32,
    cooldowns: Cooldowns,
    cause: Cause<'a>,
) -> Decision<'a> {
    // A scale-in ends any scale-out cooldown (module docs).
    let cooldown = CooldownState {
        scale_out: None,
        scale_in_until: Some(s.now + seconds(cooldowns.scale_in)),
    };
    changed(s, desired, cooldown, cause)
}

/// AAS: a policy invocation brings a capacity outside the bounds back inside them. Applies to a
/// decision that changed nothing (and was not blocked by a suspension of that direction).
fn correct_bounds<'a>(s: &Snapshot, d: Decision<'a>, cooldowns: Cooldowns) -> Decision<'a> {
    let inside = s.bounds.clamp(s.desired);
    if d.scaled() || inside == s.desired {
        return d;
    }
    if inside > s.desired {
        if s.suspended.dynamic_scaling_out_suspended {
            return d;
        }
        let cooldown = CooldownState {
            scale_out: Some(ScaleOutCooldown {
                until: s.now + seconds(cooldowns.scale_out),
                base_capacity: s.desired,
            }),
            scale_in_until: None,
        };
        changed(s, inside, cooldown, d.cause)
    } else {
        if s.suspended.dynamic_scaling_in_suspended {
            return d;
        }
        scaled_in(s, inside, cooldowns, d.cause)
    }
}

fn changed<'a>(
    s: &Snapshot,
    desired: i32,
    cooldown: CooldownState,
    cause: Cause<'a>,
) -> Decision<'a> {
    Decision {
        previous: s.desired,
        desired,
        bounds: s.bounds,
        cooldown,
        not_scaled: NotScaledReasons::default(),
        cause,
    }
}

/// The proposal changes nothing and no bound or cooldown is the reason.
fn blocked_unchanged<'a>(s: &Snapshot, cause: Cause<'a>) -> Decision<'a> {
    not_scaled(s, cause, NotScaledCode::AlreadyAtDesiredCapacity)
}

fn at_max<'a>(s: &Snapshot, cause: Cause<'a>) -> Decision<'a> {
    not_scaled(s, cause, NotScaledCode::AlreadyAtMaxCapacity)
}

fn at_min<'a>(s: &Snapshot, cause: Cause<'a>) -> Decision<'a> {
    not_scaled(s, cause, NotScaledCode::AlreadyAtMinCapacity)
}

/// A decision that leaves capacity unchanged, with one reason worded like AAS's
/// NotScaledReason: the capacity fields AAS fills for that code.
fn not_scaled<'a>(s: &Snapshot, cause: Cause<'a>, code: NotScaledCode) -> Decision<'a> {
    let (max_capacity, min_capacity) = match code {
        NotScaledCode::AlreadyAtMaxCapacity => (Some(s.bounds.max), None),
        NotScaledCode::AlreadyAtMinCapacity => (None, Some(s.bounds.min)),
        _ => (None, None),
    };
    Decision {
        previous: s.desired,
        desired: s.desired,
        bounds: s.bounds,
        cooldown: s.cooldown.active(s.now),
        not_scaled: NotScaledReasons::one(NotScaledReason {
            code,
            max_capacity,
            min_capacity,
            current_capacity: Some(s.desired),
        }),
        cause,
    }
}
