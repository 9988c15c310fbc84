//! `sagescale tune CONFIG --trace PATH`: searches target-tracking, step and scheduled policies
//! for the Pareto frontier of cost vs requests above capacity on the first part of the trace,
//! reports the frontier on the later part (holdout), and writes the recommended configuration
//! as a document `sagescale validate` accepts.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use sagescale_core::model::Document;
use sagescale_sim::SimError;
use sagescale_sim::config::AasSettings;
use sagescale_sim::config::SimConfig;
use sagescale_sim::simulate::{Policies, aas_target_value, simulate};
use sagescale_sim::tune::{self, Scored};
use sagescale_sim::{progress, report, svg};

use crate::simulate::{ModelArgs, TraceArgs, fail, write};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// sagescale configuration: its first target (or Simulation.ResourceId) gives the resource
    /// and bounds; its `Simulation:` section the model.
    #[arg(value_name = "CONFIG")]
    config: PathBuf,
    #[command(flatten)]
    trace: TraceArgs,
    #[command(flatten)]
    model: ModelArgs,
    /// Share of the trace (from its start) to tune on; the rest is the holdout.
    #[arg(long, value_name = "FRACTION", default_value_t = 0.7)]
    tune_fraction: f64,
    /// Recommend the cheapest frontier point with at most this percent of requests above
    /// capacity on the tuning part.
    #[arg(long, value_name = "PERCENT", default_value_t = 0.1)]
    max_above_pct: f64,
    /// Write the recommended configuration (a plain sagescale document) here.
    #[arg(long, value_name = "PATH")]
    output: Option<PathBuf>,
    /// Write the recommended configuration with its `Simulation:` section (alarms included),
    /// ready for `sagescale simulate`.
    #[arg(long, value_name = "PATH")]
    sim_output: Option<PathBuf>,
    /// Write the frontier (tune and holdout scores) as JSON.
    #[arg(long, value_name = "PATH")]
    json: Option<PathBuf>,
    /// Write the holdout chart (recommended vs baselines) as SVG.
    #[arg(long, value_name = "PATH")]
    svg: Option<PathBuf>,
    /// Write the holdout table (markdown) here.
    #[arg(long, value_name = "PATH")]
    holdout_table: Option<PathBuf>,
}

pub fn run(args: &Args) -> ExitCode {
    match execute(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(&e),
    }
}

fn frontier_table(frontier: &[Scored], recommended: usize) -> String {
    let mut out = String::from(
        "| candidate | tune cost | tune % above | holdout cost | holdout % above | holdout actions |\n|---|---:|---:|---:|---:|---:|\n",
    );
    for s in frontier {
        let mark = if s.index == recommended {
            " **(recommended)**"
        } else {
            ""
        };
        let (hc, ha, hn) = s.holdout.map_or((f64::NAN, f64::NAN, 0), |h| {
            (h.cost, h.above_capacity_pct, h.scaling_actions)
        });
        let _ = writeln!(
            out,
            "| {}{mark} | {:.2} | {:.3}% | {hc:.2} | {ha:.3}% | {hn} |",
            s.label, s.tune.cost, s.tune.above_capacity_pct
        );
    }
    out
}

fn execute(args: &Args) -> Result<(), SimError> {
    let mut config = SimConfig::load(&args.config)?;
    args.model.apply(&mut config)?;
    for w in sagescale_sim::simulate::warnings(&config.settings, config.target()?) {
        eprintln!("warning: {w}");
    }
    let trace = args.trace.load()?;
    if !(0.0..1.0).contains(&args.tune_fraction) || args.tune_fraction == 0.0 {
        return Err(SimError::Config("--tune-fraction must be in (0, 1)".into()));
    }
    let split = (trace.minutes() as f64 * args.tune_fraction).round() as usize;
    let tune_part = trace.slice_minutes(0..split);
    let holdout = trace.slice_minutes(split..trace.minutes());
    let base = config.target()?.clone();
    let candidates = tune::candidates(&base, &config.settings, &tune_part);
    println!(
        "tuning {} candidates on {} .. {} ({} min); holdout {} .. {} ({} min)",
        candidates.len(),
        tune_part.start.format("%Y-%m-%d %H:%M"),
        tune_part.end().format("%Y-%m-%d %H:%M"),
        tune_part.minutes(),
        holdout.start.format("%Y-%m-%d %H:%M"),
        holdout.end().format("%Y-%m-%d %H:%M"),
        holdout.minutes()
    );
    let bar = progress::bar(candidates.len() as u64, "tune");
    let started = std::time::Instant::now();
    let result = tune::search(&candidates, &config.settings, &tune_part, &holdout, || {
        bar.inc(1)
    });
    bar.finish_and_clear();
    let frontier = result?;
    let elapsed = started.elapsed().as_secs_f64();
    let ticks = candidates.len() * tune_part.ticks() + frontier.len() * holdout.ticks();
    println!(
        "searched in {elapsed:.1} s ({:.1} M policy-ticks/s)\n",
        ticks as f64 / elapsed / 1e6
    );
    let chosen = tune::recommend(&frontier, args.max_above_pct)
        .ok_or_else(|| SimError::Config("no candidate".into()))?;
    println!("Pareto frontier (tuning part), with the same candidates on the holdout:\n");
    print!("{}", frontier_table(&frontier, chosen.index));
    let candidate = &candidates[chosen.index];
    println!("\nrecommended: {}", candidate.label);

    let recommended = SimConfig {
        document: Document {
            scalable_targets: vec![candidate.target.clone()],
        },
        settings: sagescale_sim::config::Settings {
            alarms: candidate.alarms.clone(),
            resource_id: None,
            // The AAS baseline keeps the input configuration's target, not the tuned one.
            aas: AasSettings {
                target_value: Some(aas_target_value(&config.settings, &base)),
                ..config.settings.aas.clone()
            },
            ..config.settings.clone()
        },
    };
    let with_series = args.svg.is_some();
    let report = simulate(
        &recommended,
        &holdout,
        Policies::default(),
        with_series,
        |_| {},
    )?;
    println!("\nholdout: recommended vs baselines\n");
    print!("{}", report::header(&report));
    let table = report::table(&report.outcomes);
    print!("{table}");
    if let Some(path) = &args.holdout_table {
        write(path, &table)?;
    }
    if let Some(path) = &args.output {
        write(path, &tune::document_yaml(&recommended, &candidate.label)?)?;
        println!("\nwrote {}", path.display());
    }
    if let Some(path) = &args.sim_output {
        write(path, &tune::simulation_yaml(&recommended)?)?;
    }
    if let Some(path) = &args.json {
        let json = serde_json::json!({ "frontier": frontier, "recommended": candidate.label, "holdout": report });
        write(
            path,
            &serde_json::to_string_pretty(&json).expect("serialises"),
        )?;
    }
    if let Some(path) = &args.svg {
        let title = format!("{} (holdout): {}", trace.name, candidate.label);
        write(path, &svg::chart(&report, &title))?;
    }
    Ok(())
}
