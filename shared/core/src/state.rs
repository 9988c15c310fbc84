//! The mutable state of one scalable target, as persisted (JSON) next to its configuration.
//! Pure data plus the small pure transitions the handlers share; storage lives in
//! `sagescale-aws`.

use std::collections::{BTreeMap, VecDeque};

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::decide::{Bounds, CooldownState, ScaleOutCooldown};

mod forecast;
pub use forecast::{
    InsufficientHistory, MAX_STORED_FORECAST_BYTES, PolicyForecast, StoredForecast,
};

/// How many recent event keys are remembered to drop duplicate deliveries. Alarm state changes
/// are rare per target (a few per hour); 64 covers any realistic redelivery window.
pub const SEEN_KEYS: usize = 64;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TargetState {
    /// Effective bounds: the configuration's, as changed by scheduled actions since.
    pub bounds: Option<Bounds>,
    /// The bounds of the configuration these effective bounds derive from; a re-apply with
    /// other bounds resets `bounds`.
    pub config_bounds: Option<Bounds>,
    #[serde(default)]
    pub cooldown: CooldownState,
    /// Last known state of each alarm bound to this target.
    #[serde(default)]
    pub alarms: BTreeMap<String, AlarmRecord>,
    /// Per scheduled action: the instant up to which its firings have been handled.
    #[serde(default)]
    pub schedule_cursors: BTreeMap<String, DateTime<Utc>>,
    /// A decision claimed but not yet carried out (crash, endpoint busy, throttled).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending: Option<PendingChange>,
    /// Dedup keys of recently handled events, newest last.
    #[serde(default)]
    pub seen: VecDeque<String>,
    /// Target-tracking policies whose metric has too few datapoints, since when: the episode
    /// is recorded once when it starts and cleared when data returns.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub insufficient_data: BTreeMap<String, DateTime<Utc>>,
    /// The desired count sagescale last set on the endpoint (or found on it, when it first saw
    /// the endpoint or saw it changed by someone else): what a deployment that resets the
    /// count to the new configuration's InitialInstanceCount is restored to (within bounds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_set: Option<i32>,
    /// The endpoint configuration (EndpointConfigName) the endpoint was last seen running.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint_config: Option<String>,
    /// The endpoint's LastModifiedTime when the deployment check last found it InService: the
    /// pass describes the endpoint again only once ListEndpoints shows another time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint_modified: Option<DateTime<Utc>>,
    /// A deployment left the endpoint without the target's variant: reported once, and the
    /// target is not scaled until the variant is back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub missing_variant: Option<MissingVariant>,
    /// Each predictive policy's current forecast (see [`PolicyForecast`]).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub forecasts: BTreeMap<String, PolicyForecast>,
}

/// The target's variant is not in the endpoint's configuration any more.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct MissingVariant {
    /// The configuration without it.
    pub endpoint_config: Option<String>,
    /// The variants that configuration has.
    pub variants: Vec<String>,
    /// When the pass first found it missing.
    pub since: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AlarmRecord {
    /// "OK", "ALARM" or "INSUFFICIENT_DATA".
    pub state: String,
    pub state_timestamp: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold: Option<f64>,
    #[serde(default)]
    pub datapoints: Vec<f64>,
    /// When this alarm last triggered its policies (event or re-fire by the pass).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_fired: Option<DateTime<Utc>>,
    /// The alarm's metric, read once with DescribeAlarms and kept: the pass re-fires the
    /// alarm's policies on the metric's latest datapoints, not on those of the state change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<AlarmSource>,
}

/// Where an alarm's datapoints come from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub enum AlarmSource {
    /// A metric alarm (or, for a composite alarm, the child metric alarm that drives it).
    Metric(AlarmMetric),
    /// DescribeAlarms could not name a metric (an alarm CloudWatch does not know, a composite
    /// alarm without a metric alarm child, an anomaly-detection threshold): the alarm is
    /// evaluated on the datapoints its events carry. Not cached: described again later.
    Unavailable(String),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AlarmMetric {
    /// The metric alarm whose definition this is (the alarm itself, or a composite's child).
    pub alarm_name: String,
    pub spec: crate::metric_query::MetricSpec,
    pub threshold: f64,
    /// How many of the latest datapoints the alarm evaluates (its EvaluationPeriods).
    pub evaluation_periods: u32,
}

impl AlarmRecord {
    pub fn in_alarm(&self) -> bool {
        self.state == "ALARM"
    }
}

/// A claimed decision. `cooldown` is the clock state to install when it is carried out, as
/// computed at `decided_at`; `prior_cooldown` is what to restore if it is deferred, so a
/// change that did not happen does not spend the cooldown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PendingChange {
    pub activity_id: String,
    /// Sort key of the activity item, to update it when the outcome is known.
    pub activity_sk: String,
    pub desired: i32,
    pub previous: i32,
    /// The activity's cause, kept so the activity can be rewritten with its outcome.
    #[serde(default)]
    pub cause: String,
    pub decided_at: DateTime<Utc>,
    pub cooldown: CooldownState,
    pub prior_cooldown: CooldownState,
    /// True once an attempt found the endpoint busy; the reconcile pass retries it.
    #[serde(default)]
    pub deferred: bool,
    #[serde(default)]
    pub attempts: u32,
}

impl PendingChange {
    /// The cooldown clocks to install when this change is carried out at `applied_at`:
    /// the decided clocks, moved by the time the change waited.
    pub fn cooldown_applied_at(&self, applied_at: DateTime<Utc>) -> CooldownState {
        let shift = (applied_at - self.decided_at).max(Duration::zero());
        CooldownState {
            scale_out: self.cooldown.scale_out.map(|c| ScaleOutCooldown {
                until: c.until + shift,
                base_capacity: c.base_capacity,
            }),
            scale_in_until: self.cooldown.scale_in_until.map(|t| t + shift),
        }
    }
}

impl TargetState {
    /// Whether an event with this key was already handled.
    pub fn has_seen(&self, key: &str) -> bool {
        self.seen.iter().any(|k| k == key)
    }

    pub fn remember(&mut self, key: String) {
        if self.has_seen(&key) {
            return;
        }
        if self.seen.len() >= SEEN_KEYS {
            self.seen.pop_front();
        }
        self.seen.push_back(key);
    }

    /// Effective bounds for a target configured with `configured`: the stored effective bounds
    /// unless the configuration's bounds changed since they were derived.
    pub fn effective_bounds(&self, configured: Bounds) -> Bounds {
        match (self.bounds, self.config_bounds) {
            (Some(b), Some(cb)) if cb == configured => b,
            _ => configured,
        }
    }

    /// Install effective bounds derived from configuration bounds `configured`.
    pub fn set_bounds(&mut self, bounds: Bounds, configured: Bounds) {
        self.bounds = Some(bounds);
        self.config_bounds = Some(configured);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn remember_keeps_a_bounded_window_of_keys() {
        let mut s = TargetState::default();
        for i in 0..(SEEN_KEYS + 5) {
            s.remember(format!("k{i}"));
        }
        assert_eq!(s.seen.len(), SEEN_KEYS);
        assert!(!s.has_seen("k0"));
        assert!(s.has_seen(&format!("k{}", SEEN_KEYS + 4)));
    }

    #[test]
    fn effective_bounds_reset_when_configuration_bounds_change() {
        let mut s = TargetState::default();
        let cfg = Bounds { min: 2, max: 10 };
        s.set_bounds(Bounds { min: 50, max: 60 }, cfg);
        assert_eq!(s.effective_bounds(cfg), Bounds { min: 50, max: 60 });
        assert_eq!(
            s.effective_bounds(Bounds { min: 1, max: 8 }),
            Bounds { min: 1, max: 8 }
        );
    }

    #[test]
    fn deferred_change_moves_its_cooldown_by_the_wait() {
        let t0 = Utc.with_ymd_and_hms(2026, 11, 27, 18, 0, 0).unwrap();
        let p = PendingChange {
            activity_id: "a".into(),
            activity_sk: "ACT#x".into(),
            desired: 4,
            previous: 2,
            cause: "test".into(),
            decided_at: t0,
            cooldown: CooldownState {
                scale_out: Some(ScaleOutCooldown {
                    until: t0 + Duration::seconds(300),
                    base_capacity: 2,
                }),
                scale_in_until: None,
            },
            prior_cooldown: CooldownState::default(),
            deferred: true,
            attempts: 1,
        };
        let c = p.cooldown_applied_at(t0 + Duration::seconds(120));
        assert_eq!(c.scale_out.unwrap().until, t0 + Duration::seconds(420));
    }
}
