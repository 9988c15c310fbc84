//! The sub-hourly component: loads that recur at the same minutes of every hour (batch jobs on
//! the hour, bursts at :02 and :32) whatever the time of day, which a daily profile sees only
//! on the days a burst happened to fall at that time.
//!
//! Per minute of the hour, the [`quantile`] over the past hours of (load / that hour's median
//! load) gives a ratio; the forecast is the seasonal model's forecast of the hourly medians
//! times that ratio. The hours are counted back from the end of the history, so they line up
//! with the forecast's slots without knowing the clock. It is added (as a maximum) to the
//! seasonal forecast only when the backtest says it helps ([`super::forecast_load`]).

use super::Seasonality;
use super::models::{self, profile};

/// Per quantile of `qs`, `horizon` slots: the seasonal (`model`) forecast of the hourly medians
/// of `train` times the quantile of the ratios at the slot's minute of the hour.
/// A sub-hourly pattern worth backtesting: at some minute of the hour, the ratio at
/// [`super::backtest::CHOICE_QUANTILE`] is at least this many times the typical minute's. Below
/// it (noise, smooth daily curves) the backtest is skipped, which keeps a forecast of 14 days
/// within a few milliseconds.
const PRONOUNCED: f64 = 1.5;

/// Whether the history has minutes of the hour that stand out (see [`PRONOUNCED`]).
pub(super) fn pronounced(train: &[f64], jittered: &[f64], hour: usize) -> bool {
    let (_, ratios) = hour_ratios(train, jittered, hour, &[super::backtest::CHOICE_QUANTILE]);
    let mut r: Vec<f64> = ratios[0]
        .iter()
        .copied()
        .filter(|v| v.is_finite())
        .collect();
    if r.is_empty() {
        return false;
    }
    r.sort_unstable_by(f64::total_cmp);
    let typical = models::quantile(&r, 0.5);
    typical > 0.0 && r[r.len() - 1] >= PRONOUNCED * typical
}

/// The medians of the whole hours of `train` counted back from its end (the last first), and per
/// quantile of `qs` the ratio profile: per minute of the hour, the quantile over those hours of
/// (jittered load / the hour's median); NaN where no hour has a sample.
fn hour_ratios(
    train: &[f64],
    jittered: &[f64],
    hour: usize,
    qs: &[f64],
) -> (Vec<f64>, Vec<Vec<f64>>) {
    let n = train.len();
    let hours = n / hour;
    let mut medians = Vec::with_capacity(hours);
    let mut buf = Vec::with_capacity(hour);
    for k in 1..=hours {
        buf.clear();
        buf.extend(
            train[n - k * hour..n - (k - 1) * hour]
                .iter()
                .copied()
                .filter(|v| !v.is_nan()),
        );
        buf.sort_unstable_by(f64::total_cmp);
        medians.push(if buf.is_empty() {
            f64::NAN
        } else {
            models::quantile(&buf, 0.5)
        });
    }
    let ratios = profile(hour, qs, |phase, samples| {
        samples.extend((1..=hours).filter_map(|k| {
            let m = medians[k - 1];
            let v = jittered[n - k * hour + phase];
            (m > 0.0 && !v.is_nan()).then(|| v / m)
        }));
    });
    (medians, ratios)
}

/// Per quantile of `qs`, `horizon` slots: the seasonal (`model`) forecast of the hourly medians
/// of `train` times the quantile of the ratios at the slot's minute of the hour.
pub(super) fn overlay(
    train: &[f64],
    jittered: &[f64],
    day: usize,
    hour: usize,
    model: Seasonality,
    horizon: usize,
    qs: &[f64],
) -> Vec<Vec<f64>> {
    let (medians, ratios) = hour_ratios(train, jittered, hour, qs);
    // The hourly medians, oldest first, forecast one slot per hour (a day is `day / hour`
    // slots): the base is constant within an hour, so a per-minute profile would repeat
    // each value `hour` times.
    let by_hour: Vec<f64> = medians.iter().rev().copied().collect();
    let base = models::forecast(
        &by_hour,
        &by_hour,
        (day / hour).max(1),
        model,
        horizon.div_ceil(hour),
        &[0.5],
    )
    .pop()
    .unwrap_or_default();
    ratios
        .iter()
        .map(|r| {
            (0..horizon)
                .map(|h| {
                    let ratio = r[h % hour];
                    let v = base[h / hour] * if ratio.is_nan() { 1.0 } else { ratio };
                    if v.is_finite() { v.max(0.0) } else { 0.0 }
                })
                .collect()
        })
        .collect()
}
