//! Demand traces: requests per 10-second simulation tick, read from the formats in
//! `shared/traces/` and from a plain `timestamp,count` CSV.
//!
//! Every reader turns its records into (offset, length, count) intervals and spreads each
//! count evenly over the ticks the interval overlaps: a per-minute count becomes six equal
//! ticks, ten per-second counts sum into one tick, a single request lands in the tick that
//! holds its timestamp.

mod azure_functions;
mod azure_llm;
mod counts_csv;
mod twitter;

use std::ops::Range;
use std::path::Path;

use chrono::{DateTime, TimeDelta, Timelike, Utc};

pub use azure_functions::{FunctionSelection, read_azure_functions};
pub use azure_llm::read_azure_llm;
pub use counts_csv::read_counts_csv;
pub use twitter::{TWITTER_START, read_per_second_text, read_twitter_tbz2};

use crate::SimError;

/// Seconds per simulation tick.
pub const TICK_SECONDS: i64 = 10;
/// Ticks per minute (CloudWatch's one-minute datapoints).
pub const TICKS_PER_MINUTE: usize = 6;

/// Requests per tick from `start` on. `start` is always on a whole minute, so minute `m`
/// is ticks `6m..6m+6`.
#[derive(Debug, Clone, PartialEq)]
pub struct Trace {
    pub name: String,
    pub start: DateTime<Utc>,
    pub demand: Vec<f32>,
    /// Tick ranges whose demand was filled in by [`Trace::fill_gaps`].
    pub filled: Vec<Range<usize>>,
    /// Requests per minute of the trace before `start`, when this trace is a later part of a
    /// longer one (`--from`, the tuner's holdout): the history a predictive policy that ran
    /// all along would have learnt from. Empty for a whole trace.
    pub prior: Vec<f64>,
}

/// The input formats `sagescale simulate --trace` understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TraceFormat {
    /// bzip2 tar holding one text file of per-second counts (the Twitter trace).
    PerSecondTbz2,
    /// Whitespace-separated per-second counts.
    PerSecondText,
    /// `HashFunction,HashApp,HashOwner,minute_1..minute_1440`.
    AzureFunctions,
    /// `TIMESTAMP,ContextTokens,GeneratedTokens`, one row per request.
    AzureLlm,
    /// `timestamp,count`.
    Counts,
}

impl TraceFormat {
    /// Guess from the file name and, for CSV, the header line.
    pub fn detect(path: &Path) -> Result<TraceFormat, SimError> {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        if name.ends_with(".tbz2") || name.ends_with(".tar.bz2") {
            return Ok(TraceFormat::PerSecondTbz2);
        }
        if name.ends_with(".txt") {
            return Ok(TraceFormat::PerSecondText);
        }
        let header = first_line(path)?;
        if header.starts_with("HashFunction") {
            Ok(TraceFormat::AzureFunctions)
        } else if header.starts_with("TIMESTAMP") {
            Ok(TraceFormat::AzureLlm)
        } else {
            Ok(TraceFormat::Counts)
        }
    }
}

fn first_line(path: &Path) -> Result<String, SimError> {
    use std::io::BufRead;
    let file = std::fs::File::open(path).map_err(|e| SimError::io(path, e))?;
    let mut line = String::new();
    std::io::BufReader::new(file)
        .read_line(&mut line)
        .map_err(|e| SimError::io(path, e))?;
    Ok(line)
}

/// Accumulates counts over intervals into ticks.
pub(crate) struct TickBuilder {
    ticks: Vec<f64>,
}

impl TickBuilder {
    pub(crate) fn new() -> TickBuilder {
        TickBuilder { ticks: Vec::new() }
    }

    /// Spreads `count` evenly over `[offset, offset + length)` seconds from the trace start.
    pub(crate) fn add(&mut self, offset: f64, length: f64, count: f64) {
        let tick = TICK_SECONDS as f64;
        if length <= 0.0 {
            self.add_to((offset / tick) as usize, count);
            return;
        }
        let end = offset + length;
        let mut t = offset;
        while t < end {
            let index = (t / tick).floor();
            let tick_end = ((index + 1.0) * tick).min(end);
            self.add_to(index as usize, count * (tick_end - t) / length);
            t = tick_end;
        }
    }

    fn add_to(&mut self, index: usize, count: f64) {
        if index >= self.ticks.len() {
            self.ticks.resize(index + 1, 0.0);
        }
        self.ticks[index] += count;
    }

    /// Pads to whole minutes.
    pub(crate) fn finish(mut self, name: String, start: DateTime<Utc>) -> Trace {
        let minutes = self.ticks.len().div_ceil(TICKS_PER_MINUTE);
        self.ticks.resize(minutes * TICKS_PER_MINUTE, 0.0);
        Trace {
            name,
            start,
            demand: self.ticks.into_iter().map(|c| c as f32).collect(),
            filled: Vec::new(),
            prior: Vec::new(),
        }
    }
}

/// The whole minute at or before `t`.
pub(crate) fn floor_minute(t: DateTime<Utc>) -> DateTime<Utc> {
    t.with_second(0)
        .and_then(|t| t.with_nanosecond(0))
        .unwrap_or(t)
}

impl Trace {
    pub fn ticks(&self) -> usize {
        self.demand.len()
    }

    pub fn minutes(&self) -> usize {
        self.demand.len() / TICKS_PER_MINUTE
    }

    pub fn end(&self) -> DateTime<Utc> {
        self.tick_time(self.demand.len())
    }

    /// The instant tick `i` starts.
    pub fn tick_time(&self, i: usize) -> DateTime<Utc> {
        self.start + TimeDelta::seconds(i as i64 * TICK_SECONDS)
    }

    pub fn total_requests(&self) -> f64 {
        self.demand.iter().map(|&d| d as f64).sum()
    }

    /// Highest demand of any tick, in requests per second.
    pub fn peak_rps(&self) -> f64 {
        self.demand.iter().fold(0.0f32, |a, &d| a.max(d)) as f64 / TICK_SECONDS as f64
    }

    /// Multiplies demand by `factor` (`--scale`).
    pub fn scale(&mut self, factor: f64) {
        for d in &mut self.demand {
            *d = (*d as f64 * factor) as f32;
        }
    }

    /// Keeps the ticks of `[from, to)` (clamped to the trace), rounded to whole minutes.
    pub fn window(&self, from: Option<DateTime<Utc>>, to: Option<DateTime<Utc>>) -> Trace {
        let minute_of = |t: DateTime<Utc>| {
            ((t - self.start).num_seconds().max(0) as usize / 60).min(self.minutes())
        };
        let first = from.map_or(0, minute_of);
        let last = to.map_or(self.minutes(), minute_of).max(first);
        self.slice_minutes(first..last)
    }

    /// Minutes `range` as a trace of its own (used to split tune/holdout).
    pub fn slice_minutes(&self, range: Range<usize>) -> Trace {
        let ticks = range.start * TICKS_PER_MINUTE..range.end * TICKS_PER_MINUTE;
        Trace {
            name: self.name.clone(),
            start: self.start + TimeDelta::minutes(range.start as i64),
            demand: self.demand[ticks.clone()].to_vec(),
            filled: self
                .filled
                .iter()
                .filter(|r| r.end > ticks.start && r.start < ticks.end)
                .map(|r| r.start.max(ticks.start) - ticks.start..r.end.min(ticks.end) - ticks.start)
                .collect(),
            prior: self
                .prior
                .iter()
                .copied()
                .chain(
                    self.demand[..ticks.start]
                        .chunks(TICKS_PER_MINUTE)
                        .map(|m| m.iter().map(|&d| f64::from(d)).sum()),
                )
                .collect(),
        }
    }

    /// Replaces every run of at least `min_minutes` whole minutes of zero demand with a straight
    /// line between the demand just before and just after it. For collection gaps (the
    /// Twitter trace's last ~28 minutes of each day), not for real idleness: use it only on a
    /// trace whose zero minutes are known to be missing data.
    pub fn fill_gaps(&mut self, min_minutes: usize) {
        let min_ticks = min_minutes.max(1) * TICKS_PER_MINUTE;
        let mut i = 0;
        while i < self.demand.len() {
            if self.demand[i] != 0.0 {
                i += 1;
                continue;
            }
            let start = i;
            while i < self.demand.len() && self.demand[i] == 0.0 {
                i += 1;
            }
            if i - start < min_ticks {
                continue;
            }
            let before = self.neighbour_mean(start.saturating_sub(TICKS_PER_MINUTE)..start);
            let after = self.neighbour_mean(i..(i + TICKS_PER_MINUTE).min(self.demand.len()));
            let (before, after) = match (before, after) {
                (Some(b), Some(a)) => (b, a),
                (Some(b), None) => (b, b),
                (None, Some(a)) => (a, a),
                (None, None) => continue,
            };
            let len = (i - start) as f32;
            for (k, d) in self.demand[start..i].iter_mut().enumerate() {
                let f = (k as f32 + 0.5) / len;
                *d = before + (after - before) * f;
            }
            self.filled.push(start..i);
        }
    }

    fn neighbour_mean(&self, range: Range<usize>) -> Option<f32> {
        if range.is_empty() {
            return None;
        }
        let n = range.len() as f32;
        Some(self.demand[range].iter().sum::<f32>() / n)
    }

    /// Ticks filled in by `fill_gaps`.
    pub fn filled_ticks(&self) -> usize {
        self.filled.iter().map(|r| r.len()).sum()
    }
}

/// A point in a trace: an instant (RFC 3339) or an offset from its start (`90m`, `36h`, `15d`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeRef {
    At(DateTime<Utc>),
    After(TimeDelta),
}

impl std::str::FromStr for TimeRef {
    type Err = String;

    fn from_str(s: &str) -> Result<TimeRef, String> {
        if let Ok(t) = DateTime::parse_from_rfc3339(s) {
            return Ok(TimeRef::At(t.to_utc()));
        }
        let (number, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
        let n: i64 = number
            .parse()
            .map_err(|_| format!("{s:?}: expected RFC 3339 or an offset like 90m, 36h, 15d"))?;
        match unit {
            "m" => Ok(TimeRef::After(TimeDelta::minutes(n))),
            "h" => Ok(TimeRef::After(TimeDelta::hours(n))),
            "d" => Ok(TimeRef::After(TimeDelta::days(n))),
            _ => Err(format!("{s:?}: offset unit must be m, h or d")),
        }
    }
}

impl TimeRef {
    pub fn resolve(self, start: DateTime<Utc>) -> DateTime<Utc> {
        match self {
            TimeRef::At(t) => t,
            TimeRef::After(d) => start + d,
        }
    }
}

/// How to load a trace: the CLI's `--trace`, `--format`, `--function`, `--start` flags.
#[derive(Debug, Clone, Default)]
pub struct TraceSpec {
    pub format: Option<TraceFormat>,
    pub functions: FunctionSelection,
    /// Overrides the start instant of formats that carry none (Twitter, Azure Functions).
    pub start: Option<DateTime<Utc>>,
}

/// Reads any supported trace.
pub fn load(path: &Path, spec: &TraceSpec) -> Result<Trace, SimError> {
    let format = match spec.format {
        Some(f) => f,
        None => TraceFormat::detect(path)?,
    };
    let mut trace = match format {
        TraceFormat::PerSecondTbz2 => read_twitter_tbz2(path)?,
        TraceFormat::PerSecondText => read_per_second_text(path)?,
        TraceFormat::AzureFunctions => read_azure_functions(path, &spec.functions)?,
        TraceFormat::AzureLlm => read_azure_llm(path)?,
        TraceFormat::Counts => read_counts_csv(path)?,
    };
    if let Some(start) = spec.start {
        trace.start = floor_minute(start);
    }
    Ok(trace)
}

/// Builds a trace from per-tick demand (tests, benchmarks, synthetic workloads).
pub fn from_ticks(name: &str, start: DateTime<Utc>, demand: Vec<f32>) -> Trace {
    let mut builder = TickBuilder::new();
    for (i, d) in demand.iter().enumerate() {
        builder.add_to(i, *d as f64);
    }
    builder.finish(name.to_string(), floor_minute(start))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn start() -> DateTime<Utc> {
        "2024-01-01T00:00:00Z".parse().unwrap()
    }

    #[test]
    fn a_minute_count_spreads_over_six_ticks() {
        let mut b = TickBuilder::new();
        b.add(60.0, 60.0, 600.0);
        let t = b.finish("t".into(), start());
        assert_eq!(
            t.demand,
            [0.0; 6].into_iter().chain([100.0; 6]).collect::<Vec<_>>()
        );
    }

    #[test]
    fn per_second_counts_sum_into_ticks() {
        let mut b = TickBuilder::new();
        for s in 0..20 {
            b.add(s as f64, 1.0, 1.0);
        }
        let t = b.finish("t".into(), start());
        assert_eq!(&t.demand[..3], &[10.0, 10.0, 0.0]);
        assert_eq!(t.ticks(), 6);
    }

    #[test]
    fn gaps_of_zero_minutes_are_interpolated_and_short_ones_kept() {
        let mut demand = vec![60.0f32; 6];
        demand.extend([0.0; 12]);
        demand.extend([120.0; 6]);
        demand.extend([0.0; 3]);
        demand.extend([120.0; 3]);
        let mut t = from_ticks("t", start(), demand);
        t.fill_gaps(2);
        assert_eq!(t.filled, vec![6..18]);
        assert!(t.demand[6..18].windows(2).all(|w| w[0] < w[1]));
        assert!(t.demand[6] > 60.0 && t.demand[17] < 120.0);
        assert_eq!(&t.demand[24..27], &[0.0; 3]);
    }

    #[test]
    fn window_and_slice_keep_whole_minutes() {
        let t = from_ticks("t", start(), (0..60).map(|i| i as f32).collect());
        let w = t.window(
            Some(start() + TimeDelta::minutes(2)),
            Some(start() + TimeDelta::minutes(4)),
        );
        assert_eq!(w.start, start() + TimeDelta::minutes(2));
        assert_eq!(w.demand, (12..24).map(|i| i as f32).collect::<Vec<_>>());
    }
}
