//! The backtest: each of the most recent days of history is forecast from the history before
//! it, as if the forecast had been made at that day's start, and compared with what happened.
//! It chooses the model and says how sure the forecast is.

use super::window::window_max_within;
use super::{Seasonality, predict};

/// The quantile at which the sub-hourly component is judged: a forecast meant to keep capacity
/// ahead of the load is judged on its upper quantiles, where missing a burst costs most.
pub(super) const CHOICE_QUANTILE: f64 = 0.9;

/// Sums over the backtested slots that have an actual load (missing actuals are skipped).
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct Backtest {
    /// Sum of |median forecast - jittered actual|: the model choice, independent of the
    /// quantile. Against the actual load maxed over the same jitter window as the forecast's
    /// samples, so that jitter's deliberate upward shift does not favour the noisier model.
    pub median_abs_error: f64,
    /// Sum of |forecast at the requested quantile - actual|.
    pub abs_error: f64,
    /// Sum of the actual loads.
    pub actual: f64,
    /// Sum of the pinball loss at [`CHOICE_QUANTILE`] of the forecast at that quantile: whether
    /// the sub-hourly component helps, judged the same whatever quantile is requested.
    pub pinball: f64,
    /// Slots where the actual load was at or under the forecast at the requested quantile.
    pub covered: u32,
    pub slots: u32,
}

/// Backtests `model` on the last `days` days of `values` (sanitized: >= 0, NaN = missing); each
/// day is forecast from at most `lookback` slots before it. `jittered` is `values` maxed over
/// `jitter` slots either side.
#[allow(clippy::too_many_arguments)]
pub(super) fn backtest(
    values: &[f64],
    jittered: &[f64],
    lookback: usize,
    day: usize,
    jitter: usize,
    model: Seasonality,
    hour: Option<usize>,
    days: usize,
    quantile: f64,
) -> Backtest {
    let n = values.len();
    let mut bt = Backtest::default();
    for b in 1..=days {
        let end = n - b * day;
        let train = end - lookback.min(end)..end;
        let jittered_train = window_max_within(values, jittered, train.clone(), jitter);
        let f = predict(
            &values[train],
            &jittered_train,
            day,
            model,
            hour,
            day,
            &[0.5, quantile, CHOICE_QUANTILE],
        );
        let actual = values[end..end + day].iter().zip(&jittered[end..end + day]);
        let forecasts = f[0].iter().zip(&f[1]).zip(&f[2]);
        for ((&a, &aj), ((m, q), c)) in actual.zip(forecasts) {
            if a.is_nan() {
                continue;
            }
            bt.median_abs_error += (m - aj).abs();
            bt.pinball += if a > *c {
                CHOICE_QUANTILE * (a - c)
            } else {
                (1.0 - CHOICE_QUANTILE) * (c - a)
            };
            bt.abs_error += (q - a).abs();
            bt.actual += a;
            bt.covered += u32::from(a <= *q);
            bt.slots += 1;
        }
    }
    bt
}

impl Backtest {
    /// Weighted absolute percentage error: sum |forecast - actual| / sum actual. When the actual
    /// load was 0 throughout: 0 if the forecast was 0 too, else 1. With no slot: 1 (unknown).
    pub fn error(&self) -> f64 {
        if self.actual > 0.0 {
            self.abs_error / self.actual
        } else if self.slots > 0 && self.abs_error == 0.0 {
            0.0
        } else {
            1.0
        }
    }

    /// Share of slots at or under the forecast; 0 with no slot.
    pub fn coverage(&self) -> f64 {
        if self.slots == 0 {
            0.0
        } else {
            f64::from(self.covered) / f64::from(self.slots)
        }
    }
}
