//! `sagescale forecast TARGET [--hours N] [--svg FILE] [--output table|json]`: each predictive
//! policy's stored forecast (what the schedule function applies: load and capacity per
//! interval) next to the recent actual load, read with GetMetricData, like Application Auto
//! Scaling's GetPredictiveScalingForecast. `--output json` prints
//! `{"ResourceId", "Forecasts": [{"PolicyName", "LoadForecast": [{"Timestamps", "Values"}],
//! "CapacityForecast": {"Timestamps", "Values"}, "UpdateTime", "ActualLoad", ...}]}`, AAS's
//! response shape plus the actuals and how sure the forecast is; `--svg` draws actual load,
//! forecast load and capacity forecast.
//!
//! Load values are the peak, in each interval, of the load metric per minute (the
//! `Invocations` Sum a minute for the predefined metrics), the quantity the capacity forecast
//! is made from (capacity = ceil(peak / TargetValue)).

use std::process::ExitCode;

use anyhow::Context;
use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

use sagescale_aws::metrics::{Batch, CloudWatch, Metrics};
use sagescale_core::metric_query;
use sagescale_core::predictive_policy::PredictivePolicy;
use sagescale_core::state::PolicyForecast;

use crate::activities::Output;
use crate::connect::Aws;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// ResourceId of the scalable target, e.g. endpoint/my-endpoint/variant/AllTraffic.
    #[arg(value_name = "TARGET")]
    target: String,
    /// Hours of actual load shown before now.
    #[arg(long, value_name = "N", default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=336))]
    hours: u32,
    /// Also write an SVG chart of actual load, forecast load and capacity forecast.
    #[arg(long, value_name = "FILE")]
    svg: Option<std::path::PathBuf>,
    #[arg(long, value_enum, default_value_t = Output::Table)]
    output: Output,
}

/// One interval of one policy's view.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Row {
    pub start: DateTime<Utc>,
    /// Peak of the actual load per minute in the interval (minutes read only).
    pub actual: Option<f64>,
    /// Forecast load peak.
    pub load: Option<f64>,
    pub capacity: Option<i32>,
}

/// A predictive policy's forecast beside the actuals.
#[derive(Debug, Clone)]
pub struct View {
    pub policy: String,
    pub mode: String,
    pub target_value: f64,
    pub interval_seconds: u32,
    pub rows: Vec<Row>,
    pub entry: Option<PolicyForecast>,
    pub floor: Option<(i32, DateTime<Utc>)>,
}

pub fn run(args: &Args, aws: &Aws) -> ExitCode {
    aws.block_on(async {
        let clients = aws.clients().await;
        let now = aws.now()?;
        let loaded =
            clients.store.load(&args.target).await?.with_context(|| {
                format!("{} is not configured in table {}", args.target, aws.table)
            })?;
        let target = &loaded.config;
        let policies: Vec<PredictivePolicy<'_>> = PredictivePolicy::all(target).collect();
        if policies.is_empty() {
            anyhow::bail!("{} has no PredictiveScaling policy", args.target);
        }
        // One GetMetricData batch for every policy's recent load.
        let mut batch = Batch::default();
        let minutes = args.hours as usize * 60;
        let indices: Vec<Option<usize>> = policies
            .iter()
            .map(|p| {
                p.config
                    .metric()
                    .and_then(|m| metric_query::for_predictive_load(m, target))
                    .map(|spec| batch.add(spec, minutes))
            })
            .collect();
        let metrics = CloudWatch::new(aws_sdk_cloudwatch::Client::new(&clients.sdk));
        let series = metrics
            .read(&batch, now)
            .await
            .context("reading the actual load (CloudWatch GetMetricData)")?;
        let end = batch.window(now).1;
        let views: Vec<View> = policies
            .iter()
            .zip(indices)
            .map(|(p, i)| {
                let actual = i.map_or(&[][..], |i| &series[i][..]);
                view(p, loaded.state.forecasts.get(p.name()), actual, end, now)
            })
            .collect();
        if let Some(path) = &args.svg {
            std::fs::write(path, crate::forecast_svg::chart(&args.target, &views, now))
                .with_context(|| format!("writing {}", path.display()))?;
        }
        match args.output {
            Output::Json => println!(
                "{}",
                serde_json::to_string_pretty(&to_json(&args.target, &views, now))?
            ),
            Output::Table => print!("{}", render(&args.target, &views, now)),
        }
        Ok(ExitCode::SUCCESS)
    })
}

/// The rows from the first interval holding `actual` (one value a minute ending at `end`) to
/// the end of the forecast (or `now`).
pub fn view(
    p: &PredictivePolicy<'_>,
    entry: Option<&PolicyForecast>,
    actual: &[f64],
    end: DateTime<Utc>,
    now: DateTime<Utc>,
) -> View {
    let forecast = entry.and_then(|e| e.forecast.as_ref());
    let interval = forecast
        .map_or(p.granularity, |f| f.capacity.interval_seconds)
        .max(60);
    let step = i64::from(interval);
    let first = end - Duration::minutes(actual.len() as i64);
    let align = |t: DateTime<Utc>| {
        DateTime::from_timestamp(t.timestamp().div_euclid(step) * step, 0).unwrap_or(t)
    };
    let until = forecast.map_or(now, |f| f.capacity.end().max(now));
    let start = align(first.min(now));
    let mut rows = Vec::new();
    let mut at = start;
    while at < until {
        rows.push(Row {
            start: at,
            actual: None,
            load: forecast.and_then(|f| f.load_at(at)).map(f64::from),
            capacity: forecast.and_then(|f| f.capacity.capacity_at(at)),
        });
        at += Duration::seconds(step);
    }
    for (i, v) in actual.iter().enumerate().filter(|(_, v)| v.is_finite()) {
        let t = first + Duration::minutes(i as i64);
        let k = (t - start).num_seconds().div_euclid(step);
        if let Some(r) = usize::try_from(k).ok().and_then(|k| rows.get_mut(k)) {
            r.actual = Some(r.actual.map_or(*v, |m| m.max(*v)));
        }
    }
    View {
        policy: p.name().to_string(),
        mode: format!("{:?}", p.mode()),
        target_value: p.target_value,
        interval_seconds: interval,
        rows,
        entry: entry.cloned(),
        floor: entry
            .and_then(|e| p.floor(e, now))
            .map(|f| (f.capacity, f.interval)),
    }
}

fn stamp(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// AAS GetPredictiveScalingForecast's shape, plus the actuals and the forecast's quality.
pub fn to_json(target: &str, views: &[View], now: DateTime<Utc>) -> Value {
    let forecasts: Vec<Value> = views
        .iter()
        .map(|v| {
            let with = |f: &dyn Fn(&Row) -> Option<Value>| {
                let (t, x): (Vec<_>, Vec<_>) = v
                    .rows
                    .iter()
                    .filter_map(|r| f(r).map(|x| (stamp(r.start), x)))
                    .unzip();
                json!({"Timestamps": t, "Values": x})
            };
            let stored = v.entry.as_ref().and_then(|e| e.forecast.as_ref());
            json!({
                "PolicyName": v.policy,
                "Mode": v.mode,
                "TargetValue": v.target_value,
                "IntervalSeconds": v.interval_seconds,
                "UpdateTime": stored.map(|f| stamp(f.made_at)),
                "LoadForecast": [with(&|r| r.load.map(|x| json!(x)))],
                "CapacityForecast": with(&|r| r.capacity.map(|x| json!(x))),
                "ActualLoad": with(&|r| r.actual.map(|x| json!(x))),
                "Seasonality": stored.map(|f| format!("{:?}", f.seasonality)),
                "SubHourly": stored.map(|f| f.sub_hourly),
                "BacktestError": stored.map(|f| f.backtest_error),
                "BacktestCoverage": stored.map(|f| f.backtest_coverage),
                "DaysUsed": stored.map(|f| f.days_used),
                "FloorNow": v.floor.map(|(c, i)| json!({"Capacity": c, "Interval": stamp(i)})),
                "InsufficientHistorySeconds": v
                    .entry
                    .as_ref()
                    .and_then(|e| e.insufficient)
                    .map(|i| i.have_seconds),
            })
        })
        .collect();
    json!({"ResourceId": target, "Time": stamp(now), "Forecasts": forecasts})
}

/// One line describing a policy's forecast (also used by `status`).
pub fn summary(entry: Option<&PolicyForecast>, now: DateTime<Utc>) -> String {
    let Some(e) = entry else {
        return "no forecast yet (made by the next pass)".to_string();
    };
    if let Some(i) = e.insufficient {
        return format!(
            "no forecast: {:.1} hours of load history, 24 needed (read again {})",
            i.have_seconds as f64 / 3600.0,
            e.next_check.format("%H:%M UTC")
        );
    }
    match &e.forecast {
        Some(f) => format!(
            "forecast made {} ({} min ago), {:?}{} pattern from {} days, backtest error \
             {:.1}%, coverage {:.1}%",
            f.made_at.format("%Y-%m-%d %H:%M:%S UTC"),
            (now - f.made_at).num_minutes(),
            f.seasonality,
            if f.sub_hourly { " + sub-hourly" } else { "" },
            f.days_used,
            f.backtest_error * 100.0,
            f.backtest_coverage * 100.0
        ),
        None => "no forecast (the load metric could not be read into one)".to_string(),
    }
}

fn cell<T: std::fmt::Display>(v: Option<T>) -> String {
    v.map_or_else(|| "-".to_string(), |x| x.to_string())
}

pub fn render(target: &str, views: &[View], now: DateTime<Utc>) -> String {
    use std::fmt::Write as _;
    let mut out = format!("{target} at {}\n", now.format("%Y-%m-%d %H:%M:%S UTC"));
    for v in views {
        let _ = writeln!(
            out,
            "  policy {} ({}, TargetValue {}): {}",
            v.policy,
            v.mode,
            v.target_value,
            summary(v.entry.as_ref(), now)
        );
        let _ = writeln!(
            out,
            "  floor now   {}",
            v.floor.map_or("none".to_string(), |(c, i)| format!(
                "{c} (for the interval from {})",
                i.format("%H:%M UTC")
            ))
        );
        let _ = writeln!(
            out,
            "  {:<17} {:>12} {:>14} {:>9}",
            "interval (UTC)", "actual peak", "forecast peak", "capacity"
        );
        for r in &v.rows {
            let _ = writeln!(
                out,
                "  {:<17} {:>12} {:>14} {:>9}{}",
                r.start.format("%Y-%m-%d %H:%M"),
                cell(r.actual.map(|x| format!("{x:.1}"))),
                cell(r.load.map(|x| format!("{x:.1}"))),
                cell(r.capacity),
                if r.start <= now && now < r.start + Duration::seconds(v.interval_seconds.into()) {
                    "  <- now"
                } else {
                    ""
                }
            );
        }
    }
    out
}
