//! A predictive policy as the schedule function runs it live (and `sagescale forecast` and
//! `status` show it): its settings with defaults, when its forecast is due, the forecast made
//! from a load history and kept in the state ([`crate::state::PolicyForecast`]), and the floor
//! the stored forecasts put under the target at any moment. Pure: the pass reads the history
//! (GetMetricData) and writes the state; the simulator does the same in
//! `sagescale_sim::predictive`.
//!
//! - **When a forecast is made.** When the policy has none, when its forecast is older than
//!   `RefreshIntervalSeconds` (extension `PredictiveScalingForecast`, default 3600 s; AWS
//!   refreshes every 6 hours, Application Auto Scaling user guide, *How predictive scaling
//!   works*), or when the policy was re-applied with other settings. With less than 24 hours of
//!   history (AAS: *"this metric must have at least 24 hours of data"*) there is no forecast and
//!   no floor; the history is read again when 24 hours would be reached, at most a refresh
//!   interval later.
//! - **What is kept.** The forecast covers the refresh interval, the scheduling buffer and one
//!   interval more, plus 5 minutes: a forecast is always in hand until the next one.
//! - **The floor.** `ForecastAndScale` policies' floors ([`ForecastFloor::of`]) are combined
//!   ([`ForecastFloor::combine`]); a forecast that no longer covers `now` (its refresh failed
//!   for longer than its horizon) gives none.

use chrono::{DateTime, Duration, Utc};

use crate::forecast::{ForecastError, ForecastParams, History, forecast_load};
use crate::model::{
    PolicyType, PredictiveScalingMode, PredictiveScalingPolicyConfiguration, ScalableTarget,
    ScalingPolicy,
};
use crate::predictive::{CapacityForecast, ForecastFloor};
use crate::state::{InsufficientHistory, PolicyForecast, StoredForecast, TargetState};

/// The load history's step: CloudWatch's one-minute metrics.
pub const HISTORY_STEP_SECONDS: u32 = 60;
/// Slots forecast beyond the refresh interval, buffer and interval.
const HORIZON_MARGIN_SLOTS: usize = 5;

/// One `PredictiveScaling` policy with its settings resolved.
#[derive(Debug, Clone, Copy)]
pub struct PredictivePolicy<'a> {
    pub policy: &'a ScalingPolicy,
    pub config: &'a PredictiveScalingPolicyConfiguration,
    pub params: ForecastParams,
    /// Width of a forecast interval, seconds.
    pub granularity: u32,
    /// Age at which a forecast is made again, seconds.
    pub refresh: i64,
    /// Load per unit of capacity.
    pub target_value: f64,
}

impl<'a> PredictivePolicy<'a> {
    /// `None` for a policy of another type, or one without its configuration.
    pub fn of(policy: &'a ScalingPolicy) -> Option<Self> {
        if policy.policy_type != PolicyType::PredictiveScaling {
            return None;
        }
        let config = policy.predictive_scaling_policy_configuration.as_ref()?;
        let spec = config.metric()?;
        let ext = policy.predictive_scaling_forecast.unwrap_or_default();
        Some(Self {
            policy,
            config,
            params: ForecastParams {
                lookback_days: ext.lookback_days().max(1) as u32,
                quantile: ext.quantile(),
                jitter_minutes: ext.jitter_minutes().max(0) as u32,
            },
            granularity: ext.granularity_seconds().max(60) as u32,
            refresh: i64::from(ext.refresh_interval_seconds().max(60)),
            target_value: spec.target_value,
        })
    }

    /// Every predictive policy of `target`.
    pub fn all(target: &'a ScalableTarget) -> impl Iterator<Item = Self> + 'a {
        target.scaling_policies.iter().filter_map(Self::of)
    }

    pub fn name(&self) -> &'a str {
        &self.policy.policy_name
    }

    pub fn mode(&self) -> PredictiveScalingMode {
        self.config.mode()
    }

    /// One-minute datapoints of history to read: the lookback window.
    pub fn history_points(&self) -> usize {
        self.params.lookback_days as usize * (86_400 / HISTORY_STEP_SECONDS as usize)
    }

    /// One-minute slots to forecast: until the next refresh, plus the scheduling buffer, one
    /// interval and a margin.
    pub fn horizon_slots(&self) -> usize {
        let buffer = i64::from(self.config.scheduling_buffer_seconds().max(0));
        let span = self.refresh + buffer + i64::from(self.granularity);
        span as usize / HISTORY_STEP_SECONDS as usize + HORIZON_MARGIN_SLOTS
    }

    /// The predefined load metrics are counts (`Invocations`, Sum): a minute without a
    /// datapoint had no invocations.
    pub fn load_is_count(&self) -> bool {
        self.config.metric().is_some_and(|s| {
            s.predefined_metric_pair_specification.is_some()
                || s.predefined_load_metric_specification.is_some()
        })
    }

    /// A stable digest of the policy's configuration (FNV-1a of its JSON): a changed policy
    /// is forecast again.
    pub fn fingerprint(&self) -> String {
        let json = serde_json::to_string(self.policy).unwrap_or_default();
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in json.bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        format!("{h:016x}")
    }

    /// Whether the pass reads the history and forecasts again at `now`.
    pub fn due(&self, entry: Option<&PolicyForecast>, now: DateTime<Utc>) -> bool {
        let Some(e) = entry else { return true };
        e.fingerprint != self.fingerprint()
            || now >= e.next_check
            || now >= e.checked_at + Duration::seconds(self.refresh)
    }

    /// The forecast from `values`, one-minute datapoints ending at `end` (exclusive), NaN
    /// where missing.
    pub fn forecast(
        &self,
        values: &[f64],
        end: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<StoredForecast, ForecastError> {
        let mut values = values.to_vec();
        if self.load_is_count() {
            fill_count_gaps(&mut values);
        }
        let step = i64::from(HISTORY_STEP_SECONDS);
        let history = History {
            start: end - Duration::seconds(values.len() as i64 * step),
            step_seconds: HISTORY_STEP_SECONDS,
            values: &values,
        };
        let load = forecast_load(&history, self.horizon_slots(), &self.params)?;
        let capacity = CapacityForecast::aligned(
            load.start,
            load.step_seconds,
            &load.values,
            self.target_value,
            self.granularity,
        );
        Ok(StoredForecast::new(now, &load, capacity))
    }

    /// The state's entry after a forecast attempt at `now`.
    pub fn entry(
        &self,
        old: Option<&PolicyForecast>,
        made: Result<StoredForecast, ForecastError>,
        now: DateTime<Utc>,
    ) -> PolicyForecast {
        let noted_interval = old.and_then(|o| o.noted_interval);
        let (forecast, insufficient, wait) = match made {
            Ok(f) => (Some(f), None, self.refresh),
            Err(ForecastError::InsufficientHistory { have_seconds }) => {
                let since = old
                    .and_then(|o| o.insufficient)
                    .map_or((now, false), |i| (i.since, i.recorded));
                let short = crate::forecast::MIN_HISTORY_SECONDS - have_seconds;
                (
                    None,
                    Some(InsufficientHistory {
                        since: since.0,
                        have_seconds,
                        recorded: since.1,
                    }),
                    short.clamp(60, self.refresh),
                )
            }
            // Validation keeps the parameters valid; a bad one waits for a re-apply.
            Err(ForecastError::InvalidParams(_)) => (None, None, self.refresh),
        };
        PolicyForecast {
            forecast,
            checked_at: now,
            next_check: now + Duration::seconds(wait),
            fingerprint: self.fingerprint(),
            insufficient,
            noted_interval,
        }
    }

    /// The floor this policy's stored forecast asks for at `now`, whatever its mode.
    pub fn floor(&self, entry: &PolicyForecast, now: DateTime<Utc>) -> Option<ForecastFloor> {
        ForecastFloor::of(self.config, &entry.forecast.as_ref()?.capacity, now)
    }
}

/// The combined floor of the target's `ForecastAndScale` policies at `now`, with the policy
/// whose capacity it is. What every decision's snapshot sees (`Snapshot::forecast`).
pub fn floor<'a>(
    target: &'a ScalableTarget,
    state: &TargetState,
    now: DateTime<Utc>,
) -> Option<(ForecastFloor, &'a str)> {
    let mut best: Option<(ForecastFloor, &'a str)> = None;
    for p in PredictivePolicy::all(target) {
        if p.mode() != PredictiveScalingMode::ForecastAndScale {
            continue;
        }
        let Some(f) = state.forecasts.get(p.name()).and_then(|e| p.floor(e, now)) else {
            continue;
        };
        let combined = ForecastFloor::combine(best.map(|b| b.0), Some(f)).unwrap_or(f);
        let name = match best {
            Some((b, n)) if b.capacity >= f.capacity => n,
            _ => p.name(),
        };
        best = Some((combined, name));
    }
    best
}

/// Missing minutes between the first and the last datapoint of a count are zeros (CloudWatch
/// has no datapoint for a minute without invocations); the minutes after the last one are
/// left missing (not published yet).
pub fn fill_count_gaps(values: &mut [f64]) {
    let Some(first) = values.iter().position(|v| v.is_finite()) else {
        return;
    };
    let last = values.iter().rposition(|v| v.is_finite()).unwrap_or(first);
    for v in &mut values[first..=last] {
        if !v.is_finite() {
            *v = 0.0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Document;
    use chrono::TimeZone;

    fn target(mode: &str, extra: &str) -> ScalableTarget {
        let yaml = format!(
            r#"
ScalableTargets:
  - ServiceNamespace: sagemaker
    ResourceId: endpoint/ep/variant/AllTraffic
    ScalableDimension: sagemaker:variant:DesiredInstanceCount
    MinCapacity: 1
    MaxCapacity: 20
    ScalingPolicies:
      - PolicyName: burst
        PolicyType: PredictiveScaling
        PredictiveScalingPolicyConfiguration:
          Mode: {mode}
          SchedulingBufferTime: 300
          MetricSpecifications:
            - TargetValue: 100
              PredefinedMetricPairSpecification:
                PredefinedMetricType: SageMakerVariantInvocationsPerInstance
        PredictiveScalingForecast: {{JitterMinutes: 0{extra}}}
"#
        );
        let doc: Document = serde_yaml_ng::from_str(&yaml).unwrap();
        doc.scalable_targets.into_iter().next().unwrap()
    }

    fn t(d: u32, h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, d, h, m, 0).unwrap()
    }

    /// Two days of 100 a minute with 1,000 a minute from 10:00 to 10:20, ending at `end`.
    fn history(end: DateTime<Utc>, days: i64) -> Vec<f64> {
        let n = days * 1440;
        (0..n)
            .map(|i| {
                let at = end - Duration::minutes(n - i);
                let m = at.time().hour() * 60 + at.time().minute();
                if (600..620).contains(&m) {
                    1000.0
                } else {
                    100.0
                }
            })
            .collect()
    }

    use chrono::Timelike;

    #[test]
    fn a_forecast_raises_the_floor_buffer_time_ahead_of_the_burst() {
        let target = target("ForecastAndScale", "");
        let p = PredictivePolicy::of(&target.scaling_policies[0]).unwrap();
        let now = t(7, 9, 0);
        let f = p.forecast(&history(now, 2), now, now).unwrap();
        // 3600 + 300 + 300 s, plus 5 minutes.
        assert_eq!(p.horizon_slots(), 75);
        let mut state = TargetState::default();
        state
            .forecasts
            .insert("burst".into(), p.entry(None, Ok(f), now));
        let at = |h, m| floor(&target, &state, t(7, h, m) + Duration::seconds(5));
        assert_eq!(at(9, 54).map(|(f, _)| f.capacity), Some(1));
        let (f, name) = at(9, 55).unwrap();
        assert_eq!((f.capacity, f.interval, name), (10, t(7, 10, 0), "burst"));
        assert_eq!(at(10, 5).map(|(f, _)| f.capacity), Some(10));
        // The forecast ends at 10:15 (75 minutes from 09:00): beyond it, no floor.
        assert_eq!(at(10, 16), None);
    }

    #[test]
    fn forecast_only_policies_put_no_floor() {
        let target = target("ForecastOnly", "");
        let p = PredictivePolicy::of(&target.scaling_policies[0]).unwrap();
        let now = t(7, 9, 0);
        let f = p.forecast(&history(now, 2), now, now).unwrap();
        let mut state = TargetState::default();
        let entry = p.entry(None, Ok(f), now);
        assert_eq!(p.floor(&entry, t(7, 9, 56)).unwrap().capacity, 10);
        state.forecasts.insert("burst".into(), entry);
        assert_eq!(floor(&target, &state, t(7, 9, 56)), None);
    }

    #[test]
    fn short_history_waits_until_24_hours_would_be_reached() {
        let target = target("ForecastAndScale", "");
        let p = PredictivePolicy::of(&target.scaling_policies[0]).unwrap();
        let now = t(7, 9, 0);
        let mut h = history(now, 1);
        h.drain(..60 * 23 + 30); // 30 minutes left
        let made = p.forecast(&h, now, now);
        assert!(matches!(
            made,
            Err(ForecastError::InsufficientHistory { .. })
        ));
        let e = p.entry(None, made, now);
        assert_eq!(
            e.insufficient.map(|i| (i.since, i.recorded)),
            Some((now, false))
        );
        assert_eq!(e.next_check, now + Duration::hours(1));
        assert!(!p.due(Some(&e), now + Duration::minutes(59)));
        assert!(p.due(Some(&e), now + Duration::minutes(60)));
        // 23 h 58 min: read again in two minutes; the episode keeps its start.
        let mut later = e.clone();
        later.insufficient.as_mut().unwrap().recorded = true;
        let e2 = p.entry(
            Some(&later),
            Err(ForecastError::InsufficientHistory {
                have_seconds: 86_400 - 120,
            }),
            now + Duration::hours(1),
        );
        assert_eq!(
            e2.next_check,
            now + Duration::hours(1) + Duration::minutes(2)
        );
        assert_eq!(
            e2.insufficient.map(|i| (i.since, i.recorded)),
            Some((now, true))
        );
    }

    #[test]
    fn a_changed_policy_is_due_at_once() {
        let a = target("ForecastAndScale", "");
        let b = target("ForecastAndScale", ", Quantile: 0.5");
        let pa = PredictivePolicy::of(&a.scaling_policies[0]).unwrap();
        let pb = PredictivePolicy::of(&b.scaling_policies[0]).unwrap();
        let now = t(7, 9, 0);
        let e = pa.entry(None, pa.forecast(&history(now, 2), now, now), now);
        assert!(!pa.due(Some(&e), now + Duration::minutes(1)));
        assert!(pb.due(Some(&e), now + Duration::minutes(1)));
        assert_ne!(pa.fingerprint(), pb.fingerprint());
    }

    #[test]
    fn count_gaps_are_zero_but_the_unpublished_tail_stays_missing() {
        let mut v = [f64::NAN, 1.0, f64::NAN, 2.0, f64::NAN];
        fill_count_gaps(&mut v);
        assert!(v[0].is_nan() && v[4].is_nan());
        assert_eq!(&v[1..4], &[1.0, 0.0, 2.0]);
    }
}
