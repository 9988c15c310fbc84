//! The decision engine: a snapshot of one scalable target plus one trigger in, a decision out.
//! Pure: no I/O, no clock (`Snapshot::now`), no allocation on the hot path (the simulator
//! calls it millions of times; causes and descriptions are formatted only when displayed).
//!
//! Cooldown clocks are kept **per scalable target**, one for scale-out and one for scale-in,
//! whatever policy started them (AAS does not say). Rationale: the endpoint is one resource; two
//! policies with separate clocks would let each undo the other's change at once.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::activity::NotScaledReason;
use crate::model::{ScalableDimension, ScalingPolicy, ScheduledAction, SuspendedState};

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
    TargetTracking { inputs: &'a [TargetTrackingInput<'a>] },
    /// A scheduled action came due: new bounds, capacity moved into them, cooldowns ignored.
    Scheduled { action: &'a ScheduledAction },
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
    TargetTracking { policy: &'a str, metric: f64, target: f64 },
    /// "scheduled action name X was triggered"
    Scheduled { action: &'a str },
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

    /// AAS wording: "Setting desired instance count to 4."
    pub fn description(&self, dimension: ScalableDimension) -> String {
        format!(
            "Setting desired {} to {}.",
            dimension.unit_noun(),
            self.desired
        )
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
        }
    }
}

/// Decide what one trigger does to one target. See the module docs and DESIGN §5.
pub fn decide<'a>(snapshot: &Snapshot, trigger: Trigger<'a>) -> Decision<'a> {
    let _ = (snapshot, trigger);
    todo!("implemented by the engine work")
}
