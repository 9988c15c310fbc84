//! `sagescale simulate CONFIG --trace PATH`: replays a trace through the configured target
//! (decided by the same engine the Lambda functions use) and, in the same run, through a model
//! of AAS target tracking, static provisioning at the peak and an oracle. Prints a table; writes
//! JSON, CSV and an SVG chart on request.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use sagescale_sim::SimError;
use sagescale_sim::config::{MetricTraffic, SimConfig};
use sagescale_sim::simulate::{Policies, simulate};
use sagescale_sim::trace::{self, FunctionSelection, TimeRef, Trace, TraceFormat, TraceSpec};
use sagescale_sim::{progress, report, svg};

/// Where the trace comes from and how it is cut; shared with `tune`.
#[derive(Debug, clap::Args)]
pub struct TraceArgs {
    /// Trace file: Twitter `workload.tbz2` (or per-second .txt), Azure Functions `*_inv.csv`,
    /// Azure LLM `*.csv`, or a `timestamp,count` CSV.
    #[arg(long, value_name = "PATH")]
    pub trace: PathBuf,
    /// Trace format; guessed from the name and header when absent.
    #[arg(long, value_parser = parse_format)]
    pub format: Option<TraceFormat>,
    /// Azure Functions rows: sum, busiest:N, index:I[,J..] or hash:PREFIX[,..].
    #[arg(long, value_name = "SELECTION", default_value = "sum")]
    pub function: FunctionSelection,
    /// Start instant of traces without timestamps (Twitter: 2021-08-01T00:00:00Z, Azure
    /// Functions: 2019-07-15T00:00:00Z by default).
    #[arg(long, value_name = "TIME", value_parser = parse_instant)]
    pub start: Option<chrono::DateTime<chrono::Utc>>,
    /// Keep the trace from here: RFC 3339 or an offset from its start (90m, 36h, 15d).
    #[arg(long, value_name = "TIME")]
    pub from: Option<TimeRef>,
    /// Keep the trace up to here (same forms as --from).
    #[arg(long, value_name = "TIME")]
    pub to: Option<TimeRef>,
    /// Multiply demand by this factor.
    #[arg(long, value_name = "FACTOR", default_value_t = 1.0)]
    pub scale: f64,
    /// Interpolate runs of at least this many zero minutes (collection gaps); 0 keeps them.
    /// Default: 1 for per-second traces (Twitter's daily gaps), 0 otherwise.
    #[arg(long, value_name = "MINUTES")]
    pub fill_gaps: Option<usize>,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// sagescale configuration (.yaml/.json) with an optional `Simulation:` section.
    #[arg(value_name = "CONFIG")]
    pub config: PathBuf,
    #[command(flatten)]
    pub trace: TraceArgs,
    #[command(flatten)]
    pub model: ModelArgs,
    /// Policies to run (comma-separated): sagescale, aas, static, oracle.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "sagescale,aas,static,oracle"
    )]
    policies: Vec<PolicyName>,
    /// Write the report (trace, settings, per-policy results) as JSON.
    #[arg(long, value_name = "PATH")]
    json: Option<PathBuf>,
    /// Write per-minute demand and capacity of every policy as CSV.
    #[arg(long, value_name = "PATH")]
    csv: Option<PathBuf>,
    /// Write every scaling action as CSV.
    #[arg(long, value_name = "PATH")]
    actions: Option<PathBuf>,
    /// Write the demand-vs-capacity chart as SVG.
    #[arg(long, value_name = "PATH")]
    svg: Option<PathBuf>,
    /// Chart title (default: the trace's name).
    #[arg(long)]
    title: Option<String>,
}

/// Overrides of the `Simulation:` section.
#[derive(Debug, clap::Args)]
pub struct ModelArgs {
    /// Requests per second one instance serves at its SLO.
    #[arg(long, value_name = "RPS")]
    pub capacity: Option<f64>,
    /// Price per instance-hour.
    #[arg(long, value_name = "PRICE")]
    pub price: Option<f64>,
    /// Seconds until a new instance serves.
    #[arg(long, value_name = "SECONDS")]
    pub delay: Option<u32>,
    /// Seconds until a minute's CloudWatch datapoint can be read.
    #[arg(long, value_name = "SECONDS")]
    pub metric_lag: Option<u32>,
    /// What the endpoint metrics count: served (capped at capacity) or offered requests.
    #[arg(long, value_name = "TRAFFIC", value_parser = parse_traffic)]
    pub metric_traffic: Option<MetricTraffic>,
    /// Instances in service at the start.
    #[arg(long, value_name = "N")]
    pub initial: Option<i32>,
    /// The AAS baseline's target (invocations per instance per minute).
    #[arg(long, value_name = "VALUE")]
    pub aas_target: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum PolicyName {
    Sagescale,
    Aas,
    Static,
    Oracle,
}

fn parse_format(s: &str) -> Result<TraceFormat, String> {
    match s {
        "twitter" | "per-second-tbz2" => Ok(TraceFormat::PerSecondTbz2),
        "per-second" => Ok(TraceFormat::PerSecondText),
        "azure-functions" => Ok(TraceFormat::AzureFunctions),
        "azure-llm" => Ok(TraceFormat::AzureLlm),
        "counts" => Ok(TraceFormat::Counts),
        _ => Err("expected twitter, per-second, azure-functions, azure-llm or counts".into()),
    }
}

fn parse_traffic(s: &str) -> Result<MetricTraffic, String> {
    match s {
        "served" => Ok(MetricTraffic::Served),
        "offered" => Ok(MetricTraffic::Offered),
        _ => Err("expected served or offered".into()),
    }
}

fn parse_instant(s: &str) -> Result<chrono::DateTime<chrono::Utc>, String> {
    chrono::DateTime::parse_from_rfc3339(s)
        .map(|t| t.to_utc())
        .map_err(|e| format!("{e}; expected RFC 3339"))
}

/// Exit codes as `validate`: 1 invalid input, 2 a file that can't be read.
pub fn fail(e: &SimError) -> ExitCode {
    eprintln!("error: {e}");
    match e {
        SimError::Io { .. } => ExitCode::from(2),
        _ => ExitCode::from(1),
    }
}

impl TraceArgs {
    /// Reads, fills gaps, cuts and scales the trace, with a spinner while reading.
    pub fn load(&self) -> Result<Trace, SimError> {
        let spec = TraceSpec {
            format: self.format,
            functions: self.function.clone(),
            start: self.start,
        };
        let spinner = progress::spinner(&format!("reading {}", self.trace.display()));
        let loaded = trace::load(&self.trace, &spec);
        spinner.finish_and_clear();
        let mut trace = loaded?;
        let per_second = matches!(
            self.format
                .map_or_else(|| TraceFormat::detect(&self.trace), Ok)?,
            TraceFormat::PerSecondTbz2 | TraceFormat::PerSecondText
        );
        let fill = self.fill_gaps.unwrap_or(usize::from(per_second));
        if fill > 0 {
            trace.fill_gaps(fill);
        }
        if self.from.is_some() || self.to.is_some() {
            let start = trace.start;
            trace = trace.window(
                self.from.map(|t| t.resolve(start)),
                self.to.map(|t| t.resolve(start)),
            );
        }
        if self.scale != 1.0 {
            trace.scale(self.scale);
        }
        if trace.minutes() == 0 {
            return Err(SimError::Config("the trace window is empty".into()));
        }
        Ok(trace)
    }
}

impl ModelArgs {
    pub fn apply(&self, config: &mut SimConfig) -> Result<(), SimError> {
        let s = &mut config.settings;
        if let Some(v) = self.capacity {
            s.capacity_per_instance = v;
        }
        if let Some(v) = self.price {
            s.price_per_instance_hour = v;
        }
        if let Some(v) = self.delay {
            s.provisioning_delay_seconds = v;
        }
        if let Some(v) = self.metric_lag {
            s.metric_lag_seconds = v;
        }
        if let Some(v) = self.metric_traffic {
            s.metric_traffic = v;
        }
        if self.initial.is_some() {
            s.initial_capacity = self.initial;
        }
        if self.aas_target.is_some() {
            s.aas.target_value = self.aas_target;
        }
        config.check()
    }
}

pub fn run(args: &Args) -> ExitCode {
    match execute(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(&e),
    }
}

fn execute(args: &Args) -> Result<(), SimError> {
    let mut config = SimConfig::load(&args.config)?;
    args.model.apply(&mut config)?;
    for w in sagescale_sim::simulate::warnings(&config.settings, config.target()?) {
        eprintln!("warning: {w}");
    }
    let trace = args.trace.load()?;
    let policies = Policies {
        sagescale: args.policies.contains(&PolicyName::Sagescale),
        aas: args.policies.contains(&PolicyName::Aas),
        fixed: args.policies.contains(&PolicyName::Static),
        oracle: args.policies.contains(&PolicyName::Oracle),
    };
    let keep_series = args.csv.is_some() || args.svg.is_some();
    let bar = progress::bar(args.policies.len() as u64, "simulate");
    let started = std::time::Instant::now();
    let result = simulate(&config, &trace, policies, keep_series, |name| {
        bar.set_message(name.to_string());
        bar.inc(1);
    });
    bar.finish_and_clear();
    let report = result?;
    print!("{}", report::header(&report));
    println!(
        "simulated {} ticks x {} policies in {:.2} s\n",
        trace.ticks(),
        report.outcomes.len(),
        started.elapsed().as_secs_f64()
    );
    print!("{}", report::table(&report.outcomes));
    if let Some(path) = &args.json {
        let json = serde_json::to_string_pretty(&report).expect("report serialises");
        write(path, &json)?;
    }
    if let Some(path) = &args.csv {
        write(path, &report::series_csv(&report))?;
    }
    if let Some(path) = &args.actions {
        write(path, &report::actions_csv(&report))?;
    }
    if let Some(path) = &args.svg {
        let title = args.title.clone().unwrap_or_else(|| trace.name.clone());
        write(path, &svg::chart(&report, &title))?;
    }
    Ok(())
}

pub fn write(path: &Path, text: &str) -> Result<(), SimError> {
    std::fs::write(path, text).map_err(|source| SimError::Io {
        path: path.to_path_buf(),
        source,
    })
}
