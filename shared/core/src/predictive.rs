//! What a predictive scaling policy does with its forecast: the capacity forecast per interval,
//! and the floor it puts under the target's effective minimum. The forecast itself is made by
//! [`crate::forecast`]; the decision by [`crate::decide`] (`Trigger::Forecast`).
//!
//! AAS semantics this follows (Application Auto Scaling API reference,
//! *PredictiveScalingPolicyConfiguration*; EC2 Auto Scaling user guide, *How predictive scaling
//! works*):
//! - the capacity forecast is the load forecast divided by `TargetValue` (the scaling metric's
//!   value per unit of capacity), rounded up;
//! - `SchedulingBufferTime`: *"The amount of time, in seconds, by which the instance launch time
//!   can be advanced. For example, the forecast says to add capacity at 10:00 AM, and you choose
//!   to pre-launch instances by 5 minutes. In that case, the instances will be launched at 9:55
//!   AM."* At `now` the floor is the largest capacity forecast for any interval overlapping
//!   `[now, now + SchedulingBufferTime]`;
//! - predictive scaling only raises capacity: *"predictive scaling ... scales out"* and the
//!   dynamic policies scale in; the floor is a minimum, never a target;
//! - `MaxCapacityBreachBehavior`: `HonorMaxCapacity` caps the floor at MaxCapacity;
//!   `IncreaseMaxCapacity` lets it go above: *"if the buffer is 10, ... if the forecast capacity
//!   is 50, and the maximum capacity is 40, then the effective maximum capacity is 55"*. Unlike
//!   EC2 Auto Scaling, which keeps the raised maximum, sagescale raises it only while the
//!   forecast needs it (the configured maximum stays the one the document says).
//!
//! Where sagescale goes further: intervals of `GranularitySeconds` (default 5 minutes, AAS: one
//! hour), so capacity for a ten-minute burst is paid for around the burst, not for the hour.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::decide::Bounds;
use crate::model::{
    PredictiveScalingMaxCapacityBreachBehavior, PredictiveScalingPolicyConfiguration,
};

/// A capacity forecast: one capacity per interval of `interval_seconds` from `start`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CapacityForecast {
    pub start: DateTime<Utc>,
    pub interval_seconds: u32,
    pub capacity: Vec<i32>,
}

impl CapacityForecast {
    /// Capacities for intervals of `interval_seconds` from per-slot loads (`step_seconds` each,
    /// starting at `start`): ceil(peak load in the interval / target), never negative. A
    /// partial last interval counts the slots it has.
    pub fn from_load(
        start: DateTime<Utc>,
        step_seconds: u32,
        load: &[f64],
        target_value: f64,
        interval_seconds: u32,
    ) -> Self {
        let per = (interval_seconds / step_seconds.max(1)).max(1) as usize;
        let capacity = load
            .chunks(per)
            .map(|chunk| {
                let peak = chunk
                    .iter()
                    .copied()
                    .filter(|v| v.is_finite())
                    .fold(0.0_f64, f64::max);
                capacity_for_load(peak, target_value)
            })
            .collect();
        CapacityForecast {
            start,
            interval_seconds: (per as u32) * step_seconds.max(1),
            capacity,
        }
    }

    /// Capacities for intervals aligned to multiples of `interval_seconds` since the epoch
    /// (so that a 5-minute interval is 10:05-10:10, not 10:03-10:08), from a load forecast
    /// starting at `start`; the first interval counts only the slots the forecast has.
    pub fn aligned(
        start: DateTime<Utc>,
        step_seconds: u32,
        load: &[f64],
        target_value: f64,
        interval_seconds: u32,
    ) -> Self {
        let step = step_seconds.max(1);
        let interval = (interval_seconds / step).max(1) * step;
        let into = start.timestamp().rem_euclid(i64::from(interval)) / i64::from(step);
        let mut padded = Vec::with_capacity(load.len() + into as usize);
        padded.resize(into as usize, f64::NAN);
        padded.extend_from_slice(load);
        Self::from_load(
            start - Duration::seconds(into * i64::from(step)),
            step,
            &padded,
            target_value,
            interval,
        )
    }

    pub fn end(&self) -> DateTime<Utc> {
        self.start + Duration::seconds(self.interval_seconds as i64 * self.capacity.len() as i64)
    }

    /// The interval holding `at`, if the forecast covers it.
    fn index(&self, at: DateTime<Utc>) -> Option<usize> {
        if at < self.start || self.interval_seconds == 0 {
            return None;
        }
        let i = ((at - self.start).num_seconds() / self.interval_seconds as i64) as usize;
        (i < self.capacity.len()).then_some(i)
    }

    pub fn capacity_at(&self, at: DateTime<Utc>) -> Option<i32> {
        self.index(at).map(|i| self.capacity[i])
    }

    /// The start of the interval holding `at`.
    pub fn interval_start(&self, at: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.index(at)
            .map(|i| self.start + Duration::seconds(self.interval_seconds as i64 * i as i64))
    }

    /// The largest capacity forecast for an interval overlapping `[now, now + buffer]`, with the
    /// start of that interval; `None` when the forecast does not cover `now` (stale or not yet
    /// made).
    pub fn peak_within(
        &self,
        now: DateTime<Utc>,
        buffer_seconds: i32,
    ) -> Option<(i32, DateTime<Utc>)> {
        let first = self.index(now)?;
        let until = now + Duration::seconds(buffer_seconds.max(0) as i64);
        let last = self.index(until).unwrap_or(self.capacity.len() - 1);
        let (offset, capacity) = self.capacity[first..=last]
            .iter()
            .enumerate()
            .max_by_key(|(i, c)| (**c, std::cmp::Reverse(*i)))?;
        let at =
            self.start + Duration::seconds(self.interval_seconds as i64 * (first + offset) as i64);
        Some((*capacity, at))
    }
}

/// ceil(load / target), 0 for no load; saturates instead of overflowing.
pub fn capacity_for_load(load: f64, target_value: f64) -> i32 {
    // NaN and non-positive loads or targets need no capacity.
    if load.is_nan() || target_value.is_nan() || load <= 0.0 || target_value <= 0.0 {
        return 0;
    }
    let c = (load / target_value).ceil();
    if c >= i32::MAX as f64 {
        i32::MAX
    } else {
        c as i32
    }
}

/// The floor a forecast puts under the effective bounds at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForecastFloor {
    /// The capacity forecast for the coming interval(s).
    pub capacity: i32,
    /// `IncreaseMaxCapacity`: the maximum this forecast may raise the effective maximum to.
    pub max: Option<i32>,
    /// The start of the interval the capacity is for.
    pub interval: DateTime<Utc>,
}

impl ForecastFloor {
    /// What a policy's forecast asks for at `now`; `None` when the forecast does not cover it.
    pub fn of(
        config: &PredictiveScalingPolicyConfiguration,
        forecast: &CapacityForecast,
        now: DateTime<Utc>,
    ) -> Option<Self> {
        let (capacity, interval) = forecast.peak_within(now, config.scheduling_buffer_seconds())?;
        let max = match config.breach_behavior() {
            PredictiveScalingMaxCapacityBreachBehavior::HonorMaxCapacity => None,
            PredictiveScalingMaxCapacityBreachBehavior::IncreaseMaxCapacity => {
                // Integer arithmetic: 50 x 1.1 in floating point rounds up to 56, not 55.
                let buffer = i64::from(config.max_capacity_buffer.unwrap_or(0).clamp(0, 100));
                let raised = (i64::from(capacity) * (100 + buffer) + 99) / 100;
                Some(raised.min(i64::from(i32::MAX)) as i32)
            }
        };
        Some(ForecastFloor {
            capacity,
            max,
            interval,
        })
    }

    /// Several predictive policies: the largest capacity wins (AAS's rule for several
    /// policies), and the largest raised maximum.
    pub fn combine(a: Option<Self>, b: Option<Self>) -> Option<Self> {
        match (a, b) {
            (Some(a), Some(b)) => {
                let (hi, _) = if b.capacity > a.capacity {
                    (b, a)
                } else {
                    (a, b)
                };
                Some(ForecastFloor {
                    max: a.max.max(b.max),
                    ..hi
                })
            }
            (x, None) | (None, x) => x,
        }
    }

    /// The bounds with this floor under them: the maximum raised first (IncreaseMaxCapacity),
    /// then the minimum raised to the forecast, within that maximum.
    pub fn raise(self, bounds: Bounds) -> Bounds {
        let max = match self.max {
            Some(m) => bounds.max.max(m),
            None => bounds.max,
        };
        Bounds {
            min: bounds.min.max(self.capacity.min(max)),
            max,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::PredictiveScalingMetricSpecification;
    use chrono::TimeZone;

    fn t(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 7, h, m, 0).unwrap()
    }

    fn config(buffer: Option<i32>, increase: Option<i32>) -> PredictiveScalingPolicyConfiguration {
        PredictiveScalingPolicyConfiguration {
            metric_specifications: vec![PredictiveScalingMetricSpecification {
                target_value: 100.0,
                predefined_metric_pair_specification: None,
                predefined_scaling_metric_specification: None,
                predefined_load_metric_specification: None,
                customized_scaling_metric_specification: None,
                customized_load_metric_specification: None,
                customized_capacity_metric_specification: None,
            }],
            mode: None,
            scheduling_buffer_time: buffer,
            max_capacity_breach_behavior: increase
                .map(|_| PredictiveScalingMaxCapacityBreachBehavior::IncreaseMaxCapacity),
            max_capacity_buffer: increase,
        }
    }

    #[test]
    fn capacity_is_the_interval_peak_over_the_target_rounded_up() {
        let load = [50.0, 250.0, 100.0, 0.0, f64::NAN, 100.0];
        let f = CapacityForecast::from_load(t(10, 0), 60, &load, 100.0, 180);
        assert_eq!(f.capacity, vec![3, 1]);
        assert_eq!(f.interval_seconds, 180);
        assert_eq!(f.end(), t(10, 6));
    }

    #[test]
    fn aligned_intervals_start_on_multiples_of_the_interval() {
        // Load from 10:03: 10:03 and 10:04 fall in 10:00-10:05, the next five in 10:05-10:10.
        let load = [100.0, 300.0, 50.0, 50.0, 50.0, 50.0, 50.0];
        let f = CapacityForecast::aligned(t(10, 3), 60, &load, 100.0, 300);
        assert_eq!(f.start, t(10, 0));
        assert_eq!(f.capacity, vec![3, 1]);
    }

    #[test]
    fn the_floor_looks_scheduling_buffer_time_ahead() {
        // Intervals of 5 minutes from 10:00: 1, 1, 8 (10:10-10:15), 2.
        let f = CapacityForecast {
            start: t(10, 0),
            interval_seconds: 300,
            capacity: vec![1, 1, 8, 2],
        };
        let c = config(Some(300), None);
        assert_eq!(ForecastFloor::of(&c, &f, t(10, 4)).unwrap().capacity, 1);
        // At 10:05 the buffer reaches 10:10: the burst's capacity is launched now.
        let floor = ForecastFloor::of(&c, &f, t(10, 5)).unwrap();
        assert_eq!((floor.capacity, floor.interval), (8, t(10, 10)));
        assert_eq!(ForecastFloor::of(&c, &f, t(10, 16)).unwrap().capacity, 2);
        // Past the end: no floor (a stale forecast raises nothing).
        assert_eq!(ForecastFloor::of(&c, &f, t(10, 20)), None);
        assert_eq!(ForecastFloor::of(&c, &f, t(9, 59)), None);
    }

    #[test]
    fn honor_max_capacity_caps_the_floor_and_increase_raises_the_max_by_the_buffer() {
        let f = CapacityForecast {
            start: t(10, 0),
            interval_seconds: 300,
            capacity: vec![50],
        };
        let bounds = Bounds { min: 1, max: 40 };
        let honor = ForecastFloor::of(&config(Some(0), None), &f, t(10, 0)).unwrap();
        assert_eq!(honor.raise(bounds), Bounds { min: 40, max: 40 });
        // AAS's example: forecast 50, max 40, buffer 10 -> effective maximum 55.
        let increase = ForecastFloor::of(&config(Some(0), Some(10)), &f, t(10, 0)).unwrap();
        assert_eq!(increase.raise(bounds), Bounds { min: 50, max: 55 });
        // A forecast under the minimum changes nothing.
        let low = ForecastFloor {
            capacity: 0,
            max: None,
            interval: t(10, 0),
        };
        assert_eq!(low.raise(bounds), bounds);
    }

    #[test]
    fn several_policies_take_the_largest_floor() {
        let a = ForecastFloor {
            capacity: 3,
            max: Some(9),
            interval: t(10, 0),
        };
        let b = ForecastFloor {
            capacity: 5,
            max: None,
            interval: t(10, 5),
        };
        let c = ForecastFloor::combine(Some(a), Some(b)).unwrap();
        assert_eq!((c.capacity, c.max, c.interval), (5, Some(9), t(10, 5)));
        assert_eq!(ForecastFloor::combine(None, Some(a)), Some(a));
    }

    #[test]
    fn capacity_for_load_never_negative_or_overflowing() {
        assert_eq!(capacity_for_load(-5.0, 10.0), 0);
        assert_eq!(capacity_for_load(f64::NAN, 10.0), 0);
        assert_eq!(capacity_for_load(1e300, 1.0), i32::MAX);
        assert_eq!(capacity_for_load(10.0, 10.0), 1);
        assert_eq!(capacity_for_load(10.1, 10.0), 2);
    }
}
