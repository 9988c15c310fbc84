//! The forecaster's promises, as properties over random series, and a few worked examples:
//! periodic series (a day; a week, given two) are forecast exactly, a constant as that constant;
//! the forecast is never negative or NaN whatever the input; less than 24 h of history is
//! refused; a higher quantile never forecasts less; the capacity forecast is the ceiling of the
//! window's peak load over the target. Series use coarse steps (10-60 min) in the properties to
//! keep `make test` short; the examples use one-minute slots, as live.

use chrono::{DateTime, TimeDelta, Timelike, Utc};
use proptest::prelude::*;
use sagescale_core::forecast::{
    ForecastError, ForecastParams, History, LoadForecast, MIN_HISTORY_SECONDS, Seasonality,
    capacity_forecast, forecast_load,
};

const DAY: u32 = 86_400;

fn t0() -> DateTime<Utc> {
    "2026-11-02T00:00:00Z".parse().unwrap()
}

fn run(values: &[f64], step: u32, horizon: usize, params: ForecastParams) -> LoadForecast {
    let history = History {
        start: t0(),
        step_seconds: step,
        values,
    };
    forecast_load(&history, horizon, &params).expect("forecast")
}

/// Slot widths whose days are short enough for many cases: 144, 72, 48 and 24 slots a day.
fn step() -> impl Strategy<Value = u32> {
    prop::sample::select(vec![600u32, 1200, 1800, 3600])
}

fn params() -> impl Strategy<Value = ForecastParams> {
    (1u32..=21, 0.0f64..=1.0).prop_map(|(lookback_days, quantile)| ForecastParams {
        lookback_days,
        quantile,
        jitter_minutes: 0,
    })
}

/// `len` slots of `pattern` repeated, starting at phase `offset`.
fn repeat(pattern: &[f64], offset: usize, len: usize) -> Vec<f64> {
    (0..len)
        .map(|i| pattern[(offset + i) % pattern.len()])
        .collect()
}

/// Periodic series: a pattern of one period, the history's length in slots beyond the minimum,
/// the phase it starts at, and the horizon.
fn periodic(
    period_days: usize,
    min_days: usize,
) -> impl Strategy<Value = (u32, Vec<f64>, usize, usize, usize)> {
    step().prop_flat_map(move |step| {
        let slots = (DAY / step) as usize * period_days;
        let day = (DAY / step) as usize;
        (
            Just(step),
            prop::collection::vec(0.0f64..1e4, slots),
            min_days * day..(min_days + 10) * day,
            0..slots,
            0..3 * day,
        )
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn a_daily_periodic_series_is_forecast_exactly(
        (step, pattern, len, offset, horizon) in periodic(1, 1),
        params in params(),
    ) {
        let f = run(&repeat(&pattern, offset, len), step, horizon, params);
        prop_assert_eq!(f.values, repeat(&pattern, offset + len, horizon));
        prop_assert_eq!(f.seasonality, Seasonality::Daily);
        if f.backtest_slots > 0 {
            prop_assert_eq!(f.backtest_error, 0.0);
            prop_assert_eq!(f.backtest_coverage, 1.0);
        }
    }

    #[test]
    fn a_weekly_periodic_series_is_forecast_exactly_from_two_weeks(
        (step, pattern, len, offset, horizon) in periodic(7, 14),
        lookback_days in 14u32..=28,
        quantile in 0.0f64..=1.0,
    ) {
        let params = ForecastParams { lookback_days, quantile, jitter_minutes: 0 };
        let f = run(&repeat(&pattern, offset, len), step, horizon, params);
        prop_assert_eq!(f.seasonality, Seasonality::Weekly);
        prop_assert_eq!(f.values, repeat(&pattern, offset + len, horizon));
        prop_assert_eq!(f.backtest_error, 0.0);
    }

    #[test]
    fn a_constant_series_is_forecast_as_that_constant_even_with_gaps(
        step in step(),
        c in 0.0f64..1e6,
        days in 1usize..16,
        gaps in prop::collection::vec(any::<prop::sample::Index>(), 0..40),
        params in params(),
        jitter_minutes in 0u32..=120,
        horizon in 0usize..200,
    ) {
        let day = (DAY / step) as usize;
        let mut values = vec![c; days * day + day / 2];
        let len = values.len();
        for g in gaps {
            // The first datapoint stays, so the whole history counts towards the 24 hours.
            values[1 + g.index(len - 1)] = f64::NAN;
        }
        let f = run(&values, step, horizon, ForecastParams { jitter_minutes, ..params });
        prop_assert!(f.values.iter().all(|&v| v == c), "{:?}", f.values);
        prop_assert_eq!(f.values.len(), horizon);
    }

    #[test]
    fn the_forecast_is_never_negative_or_nan_whatever_the_input(
        step in step(),
        raw in prop::collection::vec(prop_oneof![
            4 => 0.0f64..1e3,
            1 => -1e6f64..0.0,
            1 => Just(f64::NAN),
            1 => Just(f64::INFINITY),
            1 => Just(f64::NEG_INFINITY),
            1 => Just(f64::MAX),
            1 => 1e300f64..1e308,
        ], 1..40 * 24),
        params in params(),
        jitter_minutes in 0u32..=720,
        horizon in 0usize..100,
    ) {
        // Stretched to at least a day and a half of slots, whatever the step.
        let day = (DAY / step) as usize;
        let values: Vec<f64> = raw.iter().cycle().take(raw.len().max(day * 3 / 2)).copied().collect();
        let history = History { start: t0(), step_seconds: step, values: &values };
        match forecast_load(&history, horizon, &ForecastParams { jitter_minutes, ..params }) {
            Ok(f) => {
                prop_assert!(f.values.iter().all(|v| *v >= 0.0 && v.is_finite()), "{:?}", f.values);
                prop_assert!(f.backtest_error.is_finite() && f.backtest_error >= 0.0);
                prop_assert!((0.0..=1.0).contains(&f.backtest_coverage));
            }
            // Only when leading missing datapoints leave less than 24 hours.
            Err(ForecastError::InsufficientHistory { have_seconds }) => {
                prop_assert!(have_seconds < MIN_HISTORY_SECONDS);
                prop_assert!(!values[0].is_finite());
            }
            Err(e) => prop_assert!(false, "{e}"),
        }
    }

    #[test]
    fn less_than_24_hours_of_history_is_refused(
        step in step(),
        short_by in 1usize..50,
        leading_gap in 0usize..50,
    ) {
        let day = (DAY / step) as usize;
        let observed = day.saturating_sub(short_by);
        let mut values = vec![f64::NAN; leading_gap];
        values.extend(std::iter::repeat_n(5.0, observed));
        let history = History { start: t0(), step_seconds: step, values: &values };
        prop_assert_eq!(
            forecast_load(&history, 10, &ForecastParams::default()),
            Err(ForecastError::InsufficientHistory { have_seconds: observed as i64 * i64::from(step) })
        );
    }

    #[test]
    fn a_higher_quantile_never_forecasts_less(
        step in step(),
        raw in prop::collection::vec(prop_oneof![9 => 0.0f64..1e3, 1 => Just(f64::NAN)], 24..24 * 20),
        lookback_days in 1u32..=21,
        qs in (0.0f64..=1.0, 0.0f64..=1.0),
        jitter_minutes in 0u32..=60,
        horizon in 1usize..200,
    ) {
        let day = (DAY / step) as usize;
        let mut values: Vec<f64> = raw.iter().cycle().take(raw.len().max(day)).copied().collect();
        values[0] = 1.0;
        let (lo, hi) = (qs.0.min(qs.1), qs.0.max(qs.1));
        let p = |quantile| ForecastParams { lookback_days, quantile, jitter_minutes };
        let (a, b) = (run(&values, step, horizon, p(lo)), run(&values, step, horizon, p(hi)));
        prop_assert_eq!(a.seasonality, b.seasonality);
        for (x, y) in a.values.iter().zip(&b.values) {
            prop_assert!(x <= y, "q={lo}: {x} > q={hi}: {y}");
        }
    }

    #[test]
    fn capacity_is_the_ceiling_of_the_window_peak_over_the_target(
        load in prop::collection::vec(0.0f64..1e4, 0..300),
        target in 0.5f64..500.0,
        window in 0usize..20,
    ) {
        let cap = capacity_forecast(&load, target, window);
        prop_assert_eq!(cap.len(), load.len());
        for (i, &c) in cap.iter().enumerate() {
            let peak = load[i..(i + window.max(1)).min(load.len())].iter().copied().fold(0.0, f64::max);
            prop_assert!(c >= 0);
            // Enough capacity for the peak, and one unit less would not be.
            prop_assert!(f64::from(c) * target >= peak * (1.0 - 1e-12), "slot {i}: {c} x {target} < {peak}");
            prop_assert!(f64::from(c - 1) * target < peak * (1.0 + 1e-12) || c == 0, "slot {i}: {c} is more than needed for {peak}");
            prop_assert_eq!(c == 0, peak == 0.0);
        }
    }

    #[test]
    fn capacity_never_falls_when_load_rises(
        load in prop::collection::vec((0.0f64..1e4, 0.0f64..1e3), 1..300),
        target in 0.5f64..500.0,
        window in 0usize..20,
    ) {
        let base: Vec<f64> = load.iter().map(|(l, _)| *l).collect();
        let more: Vec<f64> = load.iter().map(|(l, d)| l + d).collect();
        for (a, b) in capacity_forecast(&base, target, window).iter().zip(capacity_forecast(&more, target, window)) {
            prop_assert!(*a <= b);
        }
    }
}

/// Deterministic noise in [0, 1) (SplitMix64), so the examples need no dependency.
struct Noise(u64);

impl Noise {
    fn next(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        (z ^ (z >> 31)) as f64 / 2f64.powi(64)
    }
}

/// `days` of one-minute load from `t0()`: `f(minute of day, day index, noise)`.
fn minutes(days: usize, mut f: impl FnMut(usize, usize, &mut Noise) -> f64) -> Vec<f64> {
    let mut noise = Noise(7);
    (0..days * 1440)
        .map(|i| f(i % 1440, i / 1440, &mut noise))
        .collect()
}

fn at(f: &LoadForecast, hour: u32, minute: u32) -> f64 {
    let i = (0..f.values.len())
        .find(|&i| {
            let t = f.start + TimeDelta::minutes(i as i64);
            t.hour() == hour && t.minute() == minute
        })
        .expect("minute within the horizon");
    f.values[i]
}

#[test]
fn a_burst_at_14_02_every_day_is_forecast_at_14_02_tomorrow() {
    // A noisy base of ~100 and a burst of 2,000 for three minutes from 14:02 every day.
    let values = minutes(14, |m, _, n| {
        100.0
            + 20.0 * n.next()
            + if (14 * 60 + 2..14 * 60 + 5).contains(&m) {
                2000.0
            } else {
                0.0
            }
    });
    let f = run(&values, 60, 1440, ForecastParams::default());
    assert_eq!(f.start, t0() + TimeDelta::days(14));
    assert_eq!((f.values.len(), f.days_used), (1440, 14));
    for minute in 2..5 {
        assert!(
            at(&f, 14, minute) > 2000.0,
            "14:0{minute}: {}",
            at(&f, 14, minute)
        );
    }
    for minute in [0, 1, 5, 6] {
        assert!(
            at(&f, 14, minute) < 130.0,
            "14:0{minute}: {}",
            at(&f, 14, minute)
        );
    }
}

#[test]
fn jitter_covers_a_burst_that_drifts_a_minute_or_two() {
    // A two-minute burst starts anywhere from 14:00 to 14:04, a different minute each day, so
    // on a typical day (the median) no single minute sees it.
    let values = minutes(14, |m, d, _| {
        let start = 14 * 60 + (d * 3) % 5;
        if (start..start + 2).contains(&m) {
            1000.0
        } else {
            50.0
        }
    });
    let median = ForecastParams {
        quantile: 0.5,
        ..Default::default()
    };
    let plain = run(&values, 60, 1440, median);
    let jittered = run(
        &values,
        60,
        1440,
        ForecastParams {
            jitter_minutes: 3,
            ..median
        },
    );
    assert!((0..6).all(|m| at(&plain, 14, m) == 50.0));
    // With 3 minutes either side, each minute from 14:00 to 14:05 sees it on 11 days of 14.
    assert!((0..6).all(|m| at(&jittered, 14, m) == 1000.0));
    assert!(jittered.backtest_coverage > plain.backtest_coverage);
}

#[test]
fn a_noisy_series_is_covered_about_as_often_as_the_quantile_says() {
    // Independent noise on a daily wave: three weeks, so the backtest's days each learn from 14.
    let values = minutes(21, |m, _, n| {
        500.0 + 300.0 * (m as f64 / 1440.0 * std::f64::consts::TAU).sin() + 100.0 * n.next()
    });
    for quantile in [0.5, 0.9] {
        let f = run(
            &values,
            60,
            1440,
            ForecastParams {
                quantile,
                ..Default::default()
            },
        );
        // Noise does not pass for a weekly pattern.
        assert_eq!(f.seasonality, Seasonality::Daily);
        assert_eq!(f.backtest_slots, 7 * 1440);
        // A new sample falls under the type-7 quantile of 14 with probability (q x 13 + 1) / 15.
        let expected = (quantile * 13.0 + 1.0) / 15.0;
        assert!(
            (f.backtest_coverage - expected).abs() < 0.03,
            "q={quantile}: coverage {} vs {expected}",
            f.backtest_coverage
        );
        // Uniform noise of 100 on a mean load of 500: the error is a few percent, not zero.
        assert!(
            f.backtest_error > 0.01 && f.backtest_error < 0.2,
            "{}",
            f.backtest_error
        );
    }
}

#[test]
fn jitter_does_not_make_random_spikes_pass_for_a_weekly_pattern() {
    // Spikes in 15% of minutes at random: with 3 minutes of jitter most samples hold one, so
    // both models forecast above the typical minute; the choice compares like with like.
    let values = minutes(21, |_, _, n| if n.next() < 0.15 { 600.0 } else { 100.0 });
    let jittered = ForecastParams {
        jitter_minutes: 3,
        ..Default::default()
    };
    for days in [14, 21] {
        let f = run(&values[(21 - days) * 1440..], 60, 1440, jittered);
        assert_eq!(f.seasonality, Seasonality::Daily, "{days} days");
    }
}

#[test]
fn quiet_weekends_are_learned_as_a_weekly_pattern() {
    // 2026-11-02 is a Monday: days 5 and 6 of each week are a weekend at a tenth of the load.
    let values = minutes(21, |_, d, n| {
        let level = if d % 7 >= 5 { 100.0 } else { 1000.0 };
        level * (1.0 + 0.1 * n.next())
    });
    // The history ends on a Monday 00:00; forecast to the end of Sunday.
    let f = run(&values, 60, 7 * 1440, ForecastParams::default());
    assert_eq!(f.seasonality, Seasonality::Weekly);
    let saturday = &f.values[5 * 1440..6 * 1440];
    let tuesday = &f.values[1440..2 * 1440];
    assert!(saturday.iter().all(|&v| v < 120.0), "Saturday");
    assert!(tuesday.iter().all(|&v| v > 900.0), "Tuesday");
}

#[test]
fn bad_parameters_are_refused() {
    let values = vec![1.0; 2 * 1440];
    let history = |step_seconds| History {
        start: t0(),
        step_seconds,
        values: &values,
    };
    let refused = |h: History<'_>, p: ForecastParams| {
        matches!(
            forecast_load(&h, 10, &p),
            Err(ForecastError::InvalidParams(_))
        )
    };
    let ok = ForecastParams::default();
    assert!(refused(history(0), ok));
    assert!(refused(history(7), ok)); // does not divide a day
    assert!(refused(history(2 * DAY), ok));
    for quantile in [-0.1, 1.1, f64::NAN] {
        assert!(refused(history(60), ForecastParams { quantile, ..ok }));
    }
    assert!(refused(
        history(60),
        ForecastParams {
            lookback_days: 0,
            ..ok
        }
    ));
    assert!(refused(
        history(60),
        ForecastParams {
            jitter_minutes: 721,
            ..ok
        }
    ));
    assert!(forecast_load(&history(60), 10, &ok).is_ok());
}

#[test]
fn with_exactly_24_hours_there_is_a_forecast_but_no_backtest() {
    let values = minutes(1, |m, _, _| m as f64);
    let f = run(&values, 60, 1440, ForecastParams::default());
    assert_eq!(f.values, values);
    assert_eq!(
        (f.backtest_slots, f.backtest_error, f.backtest_coverage),
        (0, 1.0, 0.0)
    );
}

#[test]
fn bursts_at_the_same_minutes_of_varying_hours_are_learnt_as_a_sub_hourly_pattern() {
    // A burst of 1,000 for five minutes from :32, every third hour, one hour later each day: the
    // same time of day rarely repeats, the same minute of the hour always does.
    let burst = |m: usize, d: usize| (m / 60 + d).is_multiple_of(3) && (32..37).contains(&(m % 60));
    let values = minutes(4, |m, d, n| {
        100.0 + 10.0 * n.next() + if burst(m, d) { 1000.0 } else { 0.0 }
    });
    let params = ForecastParams {
        lookback_days: 1,
        ..ForecastParams::default()
    };
    let f = run(&values, 60, 1440, params);
    assert!(f.sub_hourly, "{f:?}");
    // Tomorrow's bursts come at hours the history never had them at that time of day: every
    // hour's :32-:36 is covered, and the minutes between stay near the base load.
    for hour in 0..24 {
        for minute in 32..37 {
            assert!(
                at(&f, hour, minute) > 900.0,
                "{hour}:{minute}: {}",
                at(&f, hour, minute)
            );
        }
        assert!(at(&f, hour, 10) < 200.0, "{hour}:10: {}", at(&f, hour, 10));
    }
    // Noise alone over two weeks: the daily quantile does as well, and the component stays off.
    let plain = minutes(14, |_, _, n| 100.0 + 10.0 * n.next());
    assert!(!run(&plain, 60, 60, ForecastParams::default()).sub_hourly);
}
