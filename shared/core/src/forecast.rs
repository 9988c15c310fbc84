//! Predictive scaling's forecaster: a load history in, a load forecast and a capacity forecast
//! out. Pure: no I/O, no clock (time is the history's own), no SDK.
//!
//! # What AWS does
//! Application Auto Scaling's predictive scaling (ECS only in AAS; the same engine as EC2 Auto
//! Scaling's): *"For predictive scaling to start forecasting future values, this metric must have
//! at least 24 hours of data. After you create the policy, predictive scaling starts analyzing
//! metric data from up to the past 14 days to identify patterns. It uses this analysis to
//! generate an hourly forecast of capacity requirements for the next 48 hours. The forecast is
//! updated every 6 hours"* (<https://docs.aws.amazon.com/autoscaling/application/userguide/aas-predictive-scaling-how-it-works.html>);
//! it looks for *"daily or weekly patterns"*, and its capacity forecast is *"the minimum capacity
//! that is needed on an hourly basis, based on the hourly load forecast"*
//! (GetPredictiveScalingForecast, <https://docs.aws.amazon.com/goto/WebAPI/autoscaling-2011-01-01/GetPredictiveScalingForecast>).
//! AWS does not publish its model.
//!
//! # What sagescale does, and where it differs
//! Same rules (at least 24 h of history, [`MIN_HISTORY_SECONDS`]; up to 14 days learned from,
//! [`ForecastParams::lookback_days`]), but slots are as wide as the history's step (one minute
//! for CloudWatch's one-minute metrics), not an hour: inference bursts that recur at minute :02
//! of an hour are forecast at :02, not smeared over the hour. The model is simple enough to
//! explain in a sentence per slot:
//!
//! - **Daily**: the load in a slot tomorrow is the [`ForecastParams::quantile`] (linear
//!   interpolation between order statistics) of the loads in the same slot (the same time of
//!   day) on each of the past days of the lookback window. Quantile 0.5 forecasts a typical day,
//!   1.0 the worst day seen. With [`ForecastParams::jitter_minutes`] J > 0, each day's sample is
//!   first the maximum over the J minutes either side, so a burst that comes a little earlier or
//!   later from day to day is still covered.
//! - **Weekly** (only with at least 8 days of history and a lookback of at least 7 days): the
//!   same, over the same slot of the week in each whole week of the lookback window, each week
//!   rescaled by (mean load of the last week) / (mean load of that week), within a factor of 2,
//!   so that growth carries over. With one week of history this is the same slot a week ago.
//! - **Choice**: a backtest forecasts each of the most recent days (up to 7; each from the history
//!   before it, within the lookback window) with both models and keeps the one whose median
//!   (quantile 0.5) forecast has the lower total absolute error against the actual load (maxed
//!   over the same jitter window, so like is compared with like); ties go to Daily. The choice
//!   does not depend on the quantile, so a higher quantile never forecasts a lower load.
//!
//! - **Sub-hourly** ([`hourly`]): per minute of the hour, the quantile over the past hours of
//!   (load / that hour's median) times the seasonal forecast of the hourly medians, for loads
//!   that recur at the same minutes of every hour whatever the time of day (jobs on the hour,
//!   bursts at :02 and :32). It is added as a floor under the seasonal forecast only when some
//!   minute of the hour stands out (1.5x the typical ratio) and, on a backtest of the two most
//!   recent days, it lowers the pinball loss at quantile 0.9 by more than 25%
//!   ([`LoadForecast::sub_hourly`] says when): a fixed quantile, so that a higher requested
//!   quantile still never forecasts lower, and a high bar, because on noise alone the two
//!   quantile estimates combined already score a few percent better.
//!
//! Forecasts beyond one period (a day, or a week) repeat it. A periodic series (period one day;
//! or one week, given two whole weeks) is forecast exactly with jitter 0; a constant series as
//! that constant. Missing datapoints (NaN, or infinite) are skipped; negative loads count as 0
//! and loads above 1e300 as 1e300 (no real load is near, and every sum stays finite); a slot
//! with no sample takes the nearest slot's value (Daily) or the Daily model's (Weekly), and 0 if
//! the history has none at all. The forecast is never negative or NaN.
//!
//! # How sure it is
//! [`LoadForecast::backtest_error`] is the chosen model's weighted absolute percentage error on
//! the backtested days, at the requested quantile: sum |forecast - actual| / sum actual over
//! their slots (0 = those days were forecast exactly; 0.2 = off by 20% of the load on average;
//! a high quantile deliberately forecasts above the typical load, and that margin counts as
//! error). [`LoadForecast::backtest_coverage`] is the share of those slots whose actual load was
//! at or under the forecast (about the quantile when the days are alike).
//! [`LoadForecast::backtest_slots`] is how many slots were backtested: 0 with less than 48 h of
//! history, and then the error reads 1 and the coverage 0 (unknown).

mod backtest;
mod hourly;
mod models;
mod window;

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use backtest::backtest;

/// AAS: *"this metric must have at least 24 hours of data"*.
pub const MIN_HISTORY_SECONDS: i64 = 24 * 3600;
const DAY_SECONDS: u32 = 24 * 3600;
/// Loads above this count as this much (see the module docs).
const MAX_LOAD: f64 = 1e300;
/// The backtest covers at most this many of the most recent days.
const BACKTEST_DAYS: usize = 7;
/// The sub-hourly component is kept only when it lowers the backtest's pinball loss by more
/// than this share: noise must not switch it on.
const SUB_HOURLY_GAIN: f64 = 0.25;
/// The sub-hourly component is backtested on at most this many of the most recent days.
const SUB_HOURLY_BACKTEST_DAYS: usize = 2;
/// A jitter wider than half a day would blur a day into its neighbours.
const MAX_JITTER_MINUTES: u32 = 12 * 60;

/// One-minute (or `step_seconds`) load history, oldest first; `f64::NAN` marks a missing datapoint.
#[derive(Debug, Clone, Copy)]
pub struct History<'a> {
    pub start: DateTime<Utc>,
    pub step_seconds: u32,
    pub values: &'a [f64],
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ForecastParams {
    /// Days of history learned from (default 14; at most this many most recent days are used).
    pub lookback_days: u32,
    /// Quantile across days of the load at the same time of day/week (default 0.9): the risk knob.
    /// 0.5 = a typical day, 1.0 = the worst day seen.
    pub quantile: f64,
    /// Minutes either side of a slot whose maximum is taken before the quantile (default 0), so bursts that
    /// recur a little earlier or later from day to day are still covered. 0 keeps periodic series exact.
    pub jitter_minutes: u32,
}

impl Default for ForecastParams {
    fn default() -> Self {
        Self {
            lookback_days: 14,
            quantile: 0.9,
            jitter_minutes: 0,
        }
    }
}

impl ForecastParams {
    /// Checks the knobs alone (the history's step is checked by [`forecast_load`]).
    pub fn validate(&self) -> Result<(), ForecastError> {
        if !(0.0..=1.0).contains(&self.quantile) {
            return Err(ForecastError::InvalidParams(
                "quantile must be a number from 0 to 1",
            ));
        }
        if self.lookback_days == 0 {
            return Err(ForecastError::InvalidParams(
                "lookback_days must be at least 1",
            ));
        }
        if self.jitter_minutes > MAX_JITTER_MINUTES {
            return Err(ForecastError::InvalidParams(
                "jitter_minutes must be at most 720 (half a day)",
            ));
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Seasonality {
    Daily,
    Weekly,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoadForecast {
    /// First forecast slot = the end of the history (history.start + len * step).
    pub start: DateTime<Utc>,
    /// = the history's step.
    pub step_seconds: u32,
    /// Forecast load per slot, >= 0, never NaN.
    pub values: Vec<f64>,
    /// Which pattern won the backtest.
    pub seasonality: Seasonality,
    /// How sure it is: the chosen model's weighted absolute percentage error on the backtested
    /// (most recent, up to 7) days at the requested quantile, sum |forecast - actual| / sum actual
    /// (0 = those days were predicted exactly). 1 when nothing could be backtested.
    pub backtest_error: f64,
    /// Share of backtest slots where the actual load was at or under the forecast (coverage;
    /// ~quantile). 0 when nothing could be backtested.
    pub backtest_coverage: f64,
    /// Days of history (a partial oldest day counts as one) the forecast learned from.
    pub days_used: u32,
    /// Backtested slots that had an actual load; 0 (less than 48 h of history) = no backtest.
    pub backtest_slots: u32,
    /// Whether the sub-hourly component (loads recurring at the same minutes of every hour)
    /// won its backtest and is part of the forecast.
    #[serde(default)]
    pub sub_hourly: bool,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ForecastError {
    #[error("{have_seconds} s of history; predictive scaling needs at least 24 hours")]
    InsufficientHistory { have_seconds: i64 },
    #[error("invalid forecast parameters: {0}")]
    InvalidParams(&'static str),
}

/// Forecast `horizon` slots after the end of the history.
///
/// History before the first datapoint that is present does not count towards the 24 hours.
pub fn forecast_load(
    history: &History<'_>,
    horizon: usize,
    params: &ForecastParams,
) -> Result<LoadForecast, ForecastError> {
    params.validate()?;
    let step = history.step_seconds;
    if step == 0 || !DAY_SECONDS.is_multiple_of(step) {
        return Err(ForecastError::InvalidParams(
            "step_seconds must be positive and divide 86,400 (one day)",
        ));
    }
    let day = (DAY_SECONDS / step) as usize;
    let first = history
        .values
        .iter()
        .position(|v| v.is_finite())
        .unwrap_or(history.values.len());
    let observed = &history.values[first..];
    let have_seconds = observed.len() as i64 * i64::from(step);
    if have_seconds < MIN_HISTORY_SECONDS {
        return Err(ForecastError::InsufficientHistory { have_seconds });
    }

    let lookback = (params.lookback_days as usize).saturating_mul(day);
    let jitter = (params.jitter_minutes as usize * 60).div_ceil(step as usize);
    // What the forecast and the backtests can see: the lookback window and the days backtested.
    let keep = lookback
        .saturating_add(BACKTEST_DAYS * day)
        .min(observed.len());
    let values: Vec<f64> = observed[observed.len() - keep..]
        .iter()
        .map(|&v| sanitize(v))
        .collect();

    let whole_days = observed.len() / day;
    let weekly_possible = params.lookback_days >= 7 && whole_days >= 8;
    // Every backtested day has a day (or, with the weekly model, a week) of history before it.
    let days = if weekly_possible {
        whole_days - 7
    } else {
        whole_days - 1
    }
    .min(BACKTEST_DAYS);
    let jittered = window::window_max(&values, jitter, jitter);
    let run = |model, hour, days| {
        backtest(
            &values,
            &jittered,
            lookback,
            day,
            jitter,
            model,
            hour,
            days,
            params.quantile,
        )
    };
    let daily = run(Seasonality::Daily, None, days);
    let (seasonality, bt) = match weekly_possible.then(|| run(Seasonality::Weekly, None, days)) {
        Some(weekly) if weekly.median_abs_error < daily.median_abs_error => {
            (Seasonality::Weekly, weekly)
        }
        _ => (Seasonality::Daily, daily),
    };
    // The sub-hourly component, for steps that divide an hour into several slots.
    let hour = (step < 3600 && 3600_u32.is_multiple_of(step)).then_some((3600 / step) as usize);
    // Judged on the most recent days only, with and without it on the same days: its overlay
    // costs most of a forecast's time.
    let (hour, bt) = match hour
        .filter(|&h| bt.slots > 0 && hourly::pronounced(&values, &jittered, h))
        .map(|h| {
            let d = days.min(SUB_HOURLY_BACKTEST_DAYS);
            (h, run(seasonality, None, d), run(seasonality, Some(h), d))
        }) {
        Some((h, without, with)) if with.pinball < without.pinball * (1.0 - SUB_HOURLY_GAIN) => {
            (Some(h), with)
        }
        _ => (None, bt),
    };

    let train = values.len() - lookback.min(values.len())..values.len();
    let jittered_train = window::window_max_within(&values, &jittered, train.clone(), jitter);
    let forecast = predict(
        &values[train],
        &jittered_train,
        day,
        seasonality,
        hour,
        horizon,
        &[params.quantile],
    )
    .pop()
    .unwrap_or_default();
    let end = history.start + TimeDelta::seconds(history.values.len() as i64 * i64::from(step));
    Ok(LoadForecast {
        start: end,
        step_seconds: step,
        values: forecast,
        seasonality,
        backtest_error: bt.error(),
        backtest_coverage: bt.coverage(),
        days_used: observed
            .len()
            .div_ceil(day)
            .min(params.lookback_days as usize) as u32,
        backtest_slots: bt.slots,
        sub_hourly: hour.is_some(),
    })
}

/// The seasonal model's forecast, with the sub-hourly component (`hour`: slots per hour) as a
/// floor under it when it is on. Per quantile of `qs`.
fn predict(
    train: &[f64],
    jittered: &[f64],
    day: usize,
    model: Seasonality,
    hour: Option<usize>,
    horizon: usize,
    qs: &[f64],
) -> Vec<Vec<f64>> {
    let mut out = models::forecast(train, jittered, day, model, horizon, qs);
    if let Some(hour) = hour.filter(|h| train.len() >= *h) {
        let over = hourly::overlay(train, jittered, day, hour, model, horizon, qs);
        for (o, v) in out.iter_mut().zip(over) {
            for (a, b) in o.iter_mut().zip(v) {
                *a = a.max(b);
            }
        }
    }
    out
}

/// Capacity forecast: for each slot, the capacity whose scaling metric stays at `target_per_unit`:
/// ceil(load / target_per_unit) (0 load -> 0), computed on the max load over [slot, slot + window_slots)
/// so capacity is in place for the whole interval it serves (a window of 0 counts as 1). Never
/// negative; NaN loads count as 0; capacities beyond `i32::MAX` are `i32::MAX`.
///
/// # Panics
/// If `target_per_unit` is not a positive finite number: configuration validation refuses such
/// a `TargetValue`, so this is a caller's bug.
pub fn capacity_forecast(load: &[f64], target_per_unit: f64, window_slots: usize) -> Vec<i32> {
    assert!(
        target_per_unit.is_finite() && target_per_unit > 0.0,
        "capacity_forecast: target_per_unit must be positive and finite, got {target_per_unit}"
    );
    let clean: Vec<f64> = load
        .iter()
        .map(|&v| if v.is_nan() { 0.0 } else { v.max(0.0) })
        .collect();
    window::window_max(&clean, 0, window_slots.max(1) - 1)
        .into_iter()
        // `as` saturates: +inf and huge ratios become i32::MAX.
        .map(|peak| (peak / target_per_unit).ceil() as i32)
        .collect()
}

/// A load the models can use: NaN (missing) for non-finite, within [0, MAX_LOAD] otherwise.
fn sanitize(v: f64) -> f64 {
    if v.is_finite() {
        // `+ 0.0` turns -0.0 into 0.0.
        v.clamp(0.0, MAX_LOAD) + 0.0
    } else {
        f64::NAN
    }
}
