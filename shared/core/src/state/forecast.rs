//! A predictive policy's forecast as the target's state keeps it (`TargetState::forecasts`),
//! between the passes that make it and every decision that reads it.
//!
//! **Compact.** The state item is one DynamoDB item, at most 400 KB (DynamoDB developer guide,
//! *Service, account, and table quotas*: "The maximum item size in DynamoDB is 400 KB"), and it
//! is rewritten by every decision. A forecast keeps one capacity and one load peak per
//! interval (`GranularitySeconds`, default 300 s) over the horizon the pass needs until the
//! next refresh (`RefreshIntervalSeconds` + `SchedulingBufferTime` + one interval + 5 minutes),
//! not per minute and not 48 hours: 14 intervals with the defaults. The largest one allowed by
//! validation (24 h refresh, 1 h buffer, 60 s intervals: 1,506 intervals) serialises to at most
//! [`MAX_STORED_FORECAST_BYTES`] (tested), and a target has at most
//! [`crate::validate::MAX_PREDICTIVE_POLICIES`] predictive policies.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::forecast::{LoadForecast, Seasonality};
use crate::predictive::CapacityForecast;

/// Upper bound of one serialised [`PolicyForecast`] (JSON), bytes.
pub const MAX_STORED_FORECAST_BYTES: usize = 40 * 1024;

/// What the state keeps per predictive policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PolicyForecast {
    /// The latest forecast; `None` until one could be made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forecast: Option<StoredForecast>,
    /// When the pass last read the load history for this policy.
    pub checked_at: DateTime<Utc>,
    /// When it reads it again (the refresh interval after a forecast; sooner while the history
    /// is short of 24 hours, when the 24 hours would be reached).
    pub next_check: DateTime<Utc>,
    /// The policy's configuration the forecast was made for: a re-applied policy that changed
    /// is forecast again on the next pass.
    pub fingerprint: String,
    /// The history is short of 24 hours (an episode, recorded once).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub insufficient: Option<InsufficientHistory>,
    /// The forecast interval whose floor was last handled without changing capacity
    /// (ForecastOnly, dry run, already at capacity): handled once per interval.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub noted_interval: Option<DateTime<Utc>>,
}

/// A load and capacity forecast, per interval.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct StoredForecast {
    pub made_at: DateTime<Utc>,
    /// Start, IntervalSeconds, Capacity.
    #[serde(flatten)]
    pub capacity: CapacityForecast,
    /// The forecast load's peak in each interval (the load metric per minute).
    pub load: Vec<f32>,
    pub seasonality: Seasonality,
    /// See [`LoadForecast::sub_hourly`].
    #[serde(default)]
    pub sub_hourly: bool,
    /// See [`LoadForecast::backtest_error`].
    pub backtest_error: f32,
    /// See [`LoadForecast::backtest_coverage`].
    pub backtest_coverage: f32,
    pub backtest_slots: u32,
    pub days_used: u32,
}

/// Less than 24 hours of load history: no forecast, no floor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct InsufficientHistory {
    pub since: DateTime<Utc>,
    /// Seconds of history there were at the last read.
    pub have_seconds: i64,
    /// Whether the episode's activity is written.
    pub recorded: bool,
}

impl StoredForecast {
    /// `capacity`'s intervals with the peak of `load` in each.
    pub fn new(made_at: DateTime<Utc>, load: &LoadForecast, capacity: CapacityForecast) -> Self {
        let mut peaks = vec![f32::NAN; capacity.capacity.len()];
        let interval = i64::from(capacity.interval_seconds.max(1));
        for (i, v) in load.values.iter().enumerate() {
            let at =
                load.start + chrono::Duration::seconds(i as i64 * i64::from(load.step_seconds));
            let k = (at - capacity.start).num_seconds().div_euclid(interval);
            if let Some(p) = usize::try_from(k).ok().and_then(|k| peaks.get_mut(k)) {
                let v = *v as f32;
                *p = if p.is_nan() { v } else { p.max(v) };
            }
        }
        for p in &mut peaks {
            if p.is_nan() {
                *p = 0.0;
            }
        }
        Self {
            made_at,
            capacity,
            load: peaks,
            seasonality: load.seasonality,
            sub_hourly: load.sub_hourly,
            backtest_error: load.backtest_error as f32,
            backtest_coverage: load.backtest_coverage as f32,
            backtest_slots: load.backtest_slots,
            days_used: load.days_used,
        }
    }

    /// The forecast load peak of the interval holding `at`.
    pub fn load_at(&self, at: DateTime<Utc>) -> Option<f32> {
        let start = self.capacity.interval_start(at)?;
        let i =
            (start - self.capacity.start).num_seconds() / i64::from(self.capacity.interval_seconds);
        self.load.get(i as usize).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 7, h, m, 0).unwrap()
    }

    fn load(start: DateTime<Utc>, values: Vec<f64>) -> LoadForecast {
        LoadForecast {
            start,
            step_seconds: 60,
            values,
            seasonality: Seasonality::Daily,
            backtest_error: 0.25,
            backtest_coverage: 0.9,
            days_used: 14,
            backtest_slots: 10_080,
            sub_hourly: false,
        }
    }

    #[test]
    fn load_peaks_line_up_with_the_capacity_intervals() {
        // From 10:03: 10:03-10:04 in the 10:00 interval, 10:05-10:09 in the next.
        let l = load(t(10, 3), vec![100.0, 300.0, 50.0, 700.0, 50.0, 50.0, 50.0]);
        let c = CapacityForecast::aligned(l.start, 60, &l.values, 100.0, 300);
        let s = StoredForecast::new(t(10, 3), &l, c);
        assert_eq!(s.capacity.start, t(10, 0));
        assert_eq!(s.capacity.capacity, vec![3, 7]);
        assert_eq!(s.load, vec![300.0, 700.0]);
        assert_eq!(s.load_at(t(10, 7)), Some(700.0));
        assert_eq!(s.load_at(t(10, 10)), None);
    }

    /// The largest forecast validation allows, with the longest numbers, stays under the
    /// bound, so that five of them leave most of DynamoDB's 400 KB for the rest of the state.
    #[test]
    fn the_largest_forecast_stays_under_its_bound() {
        let horizon = (86_400 + 3_600 + 60) / 60 + 5;
        let values: Vec<f64> = (0..horizon).map(|i| 1.234_567_9e30 + i as f64).collect();
        let l = load(t(10, 3), values);
        let c = CapacityForecast::aligned(l.start, 60, &l.values, 1e-3, 60);
        assert!(c.capacity.iter().all(|&c| c == i32::MAX));
        let mut s = StoredForecast::new(t(10, 3), &l, c);
        s.backtest_error = 0.123_456_79;
        s.backtest_coverage = 0.987_654_3;
        let entry = PolicyForecast {
            forecast: Some(s),
            checked_at: t(10, 3),
            next_check: t(11, 3),
            fingerprint: "0123456789abcdef".into(),
            insufficient: None,
            noted_interval: Some(t(10, 0)),
        };
        let json = serde_json::to_string(&entry).unwrap();
        println!(
            "largest stored forecast: {} bytes for {} intervals",
            json.len(),
            entry.forecast.as_ref().unwrap().capacity.capacity.len()
        );
        assert!(
            json.len() <= MAX_STORED_FORECAST_BYTES,
            "{} bytes for {horizon} intervals",
            json.len()
        );
        assert!(
            5 * json.len() < 400 * 1024 / 2,
            "five such forecasts must leave half the item"
        );
        let back: PolicyForecast = serde_json::from_str(&json).unwrap();
        assert_eq!(back, entry);
    }
}
