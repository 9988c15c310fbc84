//! Forecaster benchmark (`make bench-forecast`, also run by `make bench-sim`): the time to
//! forecast 24 h from 14 days of one-minute history (20,160 points) for one target, median of
//! many runs, for a few parameter sets. Issue 11 asks for under 10 ms. Prints; asserts nothing.
//!
//! Usage: forecastbench [--runs N]

use std::hint::black_box;
use std::time::Instant;

use sagescale_core::forecast::{ForecastParams, History, capacity_forecast, forecast_load};

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
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match (a.as_str(), args.next().and_then(|v| v.parse().ok())) {
            ("--runs", Some(n)) if n > 0 => runs = n,
            _ => {
                eprintln!("usage: forecastbench [--runs N]");
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
}
