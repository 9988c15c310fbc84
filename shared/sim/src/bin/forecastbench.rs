//! Forecaster benchmark (`make bench-forecast`, also run by `make bench-sim`): the time to
//! forecast 24 h from 14 days of one-minute history (20,160 points) for one target, median of
//! many runs, for a few parameter sets. Issue 11 asks for under 10 ms. Then, when the Twitter
//! trace is at hand, how well the forecast of each of its last days (from the 14 days before
//! it) matched what happened. Prints; asserts nothing.
//!
//! Usage: forecastbench [--runs N] [--traces DIR]

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Instant;

use sagescale_core::forecast::{ForecastParams, History, capacity_forecast, forecast_load};
use sagescale_sim::trace::{self, TICKS_PER_MINUTE, TraceSpec};

/// 14 days of one-minute load: a daily wave, three-minute bursts at :02 and :32 of the
/// afternoon hours, and deterministic noise.
fn history() -> Vec<f64> {
    (0..14 * 1440u64)
        .map(|i| {
            let minute = i % 1440;
            let wave = 600.0 + 400.0 * (minute as f64 / 1440.0 * std::f64::consts::TAU).sin();
            let burst = if (12..18).contains(&(minute / 60)) && matches!(minute % 30, 2..=4) {
                1200.0
            } else {
                0.0
            };
            // SplitMix64's finaliser: independent-looking noise in [0, 1) per minute.
            let mut z = i.wrapping_mul(0x9E37_79B9_7F4A_7C15);
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            let noise = (z ^ (z >> 31)) as f64 / 2f64.powi(64);
            wave + burst + 100.0 * noise
        })
        .collect()
}

fn main() {
    let mut runs = 101usize;
    let mut traces = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/traces");
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match (a.as_str(), args.next()) {
            ("--runs", Some(n)) if n.parse::<usize>().is_ok_and(|n| n > 0) => {
                runs = n.parse().expect("checked")
            }
            ("--traces", Some(dir)) => traces = dir.into(),
            _ => {
                eprintln!("usage: forecastbench [--runs N] [--traces DIR]");
                std::process::exit(2);
            }
        }
    }
    let values = history();
    let history = History {
        start: "2026-11-23T00:00:00Z".parse().expect("start"),
        step_seconds: 60,
        values: &values,
    };
    println!(
        "forecastbench: {} one-minute points (14 days), 24 h horizon, median of {runs} runs, one thread\n",
        values.len()
    );
    println!("| parameters | median ms | min ms | max ms | model | backtest error | coverage |");
    println!("|---|---:|---:|---:|---|---:|---:|");
    let default = ForecastParams::default();
    for (label, params) in [
        ("default (14 days, q 0.9, jitter 0)", default),
        (
            "q 0.5, jitter 0",
            ForecastParams {
                quantile: 0.5,
                ..default
            },
        ),
        (
            "q 0.9, jitter 3 min",
            ForecastParams {
                jitter_minutes: 3,
                ..default
            },
        ),
    ] {
        let mut times: Vec<f64> = (0..runs)
            .map(|_| {
                let started = Instant::now();
                black_box(forecast_load(black_box(&history), 1440, &params).expect("forecast"));
                started.elapsed().as_secs_f64() * 1e3
            })
            .collect();
        times.sort_by(f64::total_cmp);
        let f = forecast_load(&history, 1440, &params).expect("forecast");
        println!(
            "| {label} | {:.2} | {:.2} | {:.2} | {:?} | {:.3} | {:.3} |",
            times[times.len() / 2],
            times[0],
            times[times.len() - 1],
            f.seasonality,
            f.backtest_error,
            f.backtest_coverage
        );
    }
    let load = forecast_load(&history, 1440, &default)
        .expect("forecast")
        .values;
    let started = Instant::now();
    for _ in 0..runs {
        black_box(capacity_forecast(black_box(&load), 420.0, 10));
    }
    println!(
        "\ncapacity_forecast of 1,440 slots (10-slot window): {:.3} ms per call",
        started.elapsed().as_secs_f64() * 1e3 / runs as f64
    );
    twitter_out_of_sample(&traces.join("twitter-stream-2021-08-per-second/workload.tbz2"));
}

/// Forecasts each day of the Twitter trace that has 14 days before it, one day at a time, and
/// compares with the day that followed: figures summed over those days.
fn twitter_out_of_sample(path: &Path) {
    if !path.exists() {
        println!(
            "
note: {} not found; no out-of-sample figures",
            path.display()
        );
        return;
    }
    let mut t = trace::load(path, &TraceSpec::default()).expect("twitter trace");
    t.fill_gaps(1);
    let per_minute: Vec<f64> = t
        .demand
        .chunks_exact(TICKS_PER_MINUTE)
        .map(|c| c.iter().map(|&d| f64::from(d)).sum())
        .collect();
    let days = per_minute.len() / 1440;
    println!(
        "
Twitter trace, requests per minute: each of days 15..{days} forecast from the 14 days before it"
    );
    println!(
        "| parameters | days | error (WAPE) | coverage | requests above forecast | forecast / actual volume | model chosen |"
    );
    println!("|---|---:|---:|---:|---:|---:|---|");
    for (quantile, jitter_minutes) in [(0.5, 0), (0.9, 0), (1.0, 0), (0.9, 2), (1.0, 2)] {
        let params = ForecastParams {
            quantile,
            jitter_minutes,
            ..ForecastParams::default()
        };
        let (mut abs, mut above, mut actual, mut forecast, mut covered, mut slots) =
            (0.0, 0.0, 0.0, 0.0, 0usize, 0usize);
        let (mut weekly, mut sub_hourly) = (0, 0);
        for d in 14..days {
            let history = History {
                start: t.start + chrono::TimeDelta::days(d as i64 - 14),
                step_seconds: 60,
                values: &per_minute[(d - 14) * 1440..d * 1440],
            };
            let f = forecast_load(&history, 1440, &params).expect("forecast");
            weekly += usize::from(f.seasonality == sagescale_core::forecast::Seasonality::Weekly);
            sub_hourly += usize::from(f.sub_hourly);
            for (&a, &p) in per_minute[d * 1440..(d + 1) * 1440].iter().zip(&f.values) {
                abs += (p - a).abs();
                above += (a - p).max(0.0);
                actual += a;
                forecast += p;
                covered += usize::from(a <= p);
                slots += 1;
            }
        }
        println!(
            "| q {quantile}, jitter {jitter_minutes} min | {} | {:.3} | {:.3} | {:.2}% | {:.2} | weekly on {weekly}, sub-hourly on {sub_hourly} |",
            days - 14,
            abs / actual,
            covered as f64 / slots as f64,
            100.0 * above / actual,
            forecast / actual
        );
    }
}
