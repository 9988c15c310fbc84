//! A model of AWS Application Auto Scaling target tracking on InvocationsPerInstance, written
//! separately from sagescale's engine on purpose: it models AWS, not us, so the two can be
//! compared (and, with the same settings, checked against each other).
//!
//! - High alarm: the last 3 one-minute datapoints all above the target. While it is in
//!   ALARM the policy runs every minute: desired = ceil(capacity x latest / target), where
//!   capacity is the desired count before the scale-out that started a running scale-out
//!   cooldown (the capacity that scale-out added counts toward this one), else the current one.
//!   During the scale-out cooldown only a larger capacity is set.
//! - Low alarm: the last 15 one-minute datapoints all below 0.9 x target. Then desired =
//!   ceil(capacity x max(those 15) / target), so the busiest of those minutes would stay at or
//!   under target; not during the scale-in cooldown. A scale-out ends a scale-in cooldown.
//! - Min/max bounds are the target's; a change the endpoint rejects (`Updating`) is simply
//!   tried again the next minute, with no cooldown started.

use crate::config::MetricName;
use crate::endpoint::Applied;
use crate::run::{Controller, World};

#[derive(Debug, Clone)]
pub struct AasTargetTracking {
    pub target_value: f64,
    pub scale_out_cooldown: i64,
    pub scale_in_cooldown: i64,
    pub min: i32,
    pub max: i32,
    /// (until, capacity before the scale-out)
    scale_out_until: Option<(i64, i32)>,
    scale_in_until: i64,
}

const HIGH_DATAPOINTS: usize = 3;
const LOW_DATAPOINTS: usize = 15;
const LOW_RATIO: f64 = 0.9;

impl AasTargetTracking {
    pub fn new(
        target_value: f64,
        scale_out_cooldown: u32,
        scale_in_cooldown: u32,
        min: i32,
        max: i32,
    ) -> Self {
        AasTargetTracking {
            target_value,
            scale_out_cooldown: i64::from(scale_out_cooldown),
            scale_in_cooldown: i64::from(scale_in_cooldown),
            min,
            max,
            scale_out_until: None,
            scale_in_until: i64::MIN,
        }
    }

    fn proportional(&self, capacity: i32, metric: f64) -> i32 {
        let x = f64::from(capacity.max(1)) * metric / self.target_value;
        (x - 1e-9).ceil() as i32
    }
}

impl Controller for AasTargetTracking {
    fn on_minute(&mut self, world: &mut World, now: i64) {
        let points = world
            .metrics
            .visible(MetricName::InvocationsPerInstance, now);
        let current = world.endpoint.desired();
        let high = points.len() >= HIGH_DATAPOINTS
            && points[points.len() - HIGH_DATAPOINTS..]
                .iter()
                .all(|&v| v > self.target_value);
        if high {
            let cooling = self.scale_out_until.filter(|&(until, _)| now < until);
            let base = cooling.map_or(current, |(_, base)| base.min(current));
            let desired = self
                .proportional(base, points[points.len() - 1])
                .clamp(self.min, self.max);
            if desired > current
                && world.set_desired(now, desired, || "AAS target tracking high alarm".into())
                    == Applied::Yes
            {
                let until = cooling.map_or(now + self.scale_out_cooldown, |(u, _)| {
                    u.max(now + self.scale_out_cooldown)
                });
                self.scale_out_until = Some((until, base));
                self.scale_in_until = i64::MIN;
            }
            return;
        }
        let low = points.len() >= LOW_DATAPOINTS
            && points[points.len() - LOW_DATAPOINTS..]
                .iter()
                .all(|&v| v < LOW_RATIO * self.target_value);
        if low && now >= self.scale_in_until {
            let busiest = points[points.len() - LOW_DATAPOINTS..]
                .iter()
                .copied()
                .fold(0.0, f64::max);
            let desired = self
                .proportional(current, busiest)
                .clamp(self.min, self.max);
            if desired < current
                && world.set_desired(now, desired, || "AAS target tracking low alarm".into())
                    == Applied::Yes
            {
                self.scale_in_until = now + self.scale_in_cooldown;
                self.scale_out_until = None;
            }
        }
    }
}
