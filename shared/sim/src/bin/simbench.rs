//! Simulator benchmark (`make bench-sim`): policy-ticks per second for each policy kind, as
//! ratios to two baselines measured in the same run (a trivial loop over the demand, and the
//! static policy through the full simulation loop), and the 22-day Twitter trace end to end.
//! Prints figures; asserts nothing.
//!
//! Usage: simbench [--traces DIR] [--seconds S]

use std::hint::black_box;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use sagescale_core::validate::Format;
use sagescale_sim::aas::AasTargetTracking;
use sagescale_sim::config::SimConfig;
use sagescale_sim::oracle::run_oracle;
use sagescale_sim::run::{Fixed, run};
use sagescale_sim::simulate::{
    Policies, initial_capacity, run_sagescale, simulate, static_instances,
};
use sagescale_sim::trace::{self, Trace, TraceSpec};
use sagescale_sim::tune;

const CONFIG: &str = r#"
ScalableTargets:
  - ServiceNamespace: sagemaker
    ResourceId: endpoint/bench/variant/AllTraffic
    ScalableDimension: sagemaker:variant:DesiredInstanceCount
    MinCapacity: 1
    MaxCapacity: 100
    ScalingPolicies:
      - PolicyName: invocations-target
        PolicyType: TargetTrackingScaling
        TargetTrackingScalingPolicyConfiguration:
          TargetValue: 420
          PredefinedMetricSpecification: {PredefinedMetricType: SageMakerVariantInvocationsPerInstance}
Simulation:
  CapacityPerInstance: 10
  PricePerInstanceHour: 1.41
"#;

/// Runs `f` (which simulates `ticks` policy-ticks) until `budget` has passed; returns
/// policy-ticks per second.
fn measure(budget: Duration, ticks: usize, mut f: impl FnMut()) -> f64 {
    f(); // warm-up
    let started = Instant::now();
    let mut runs = 0u64;
    while started.elapsed() < budget || runs < 3 {
        f();
        runs += 1;
    }
    (runs as f64 * ticks as f64) / started.elapsed().as_secs_f64()
}

/// 22 days of a diurnal wave with bursts, when the Twitter trace is not at hand.
fn synthetic() -> Trace {
    let ticks = 22 * 8640;
    let demand = (0..ticks)
        .map(|i| {
            let day = (i % 8640) as f32 / 8640.0;
            let wave = 600.0 + 400.0 * (day * std::f32::consts::TAU).sin();
            let burst = if (i / 360) % 37 == 0 { 1200.0 } else { 0.0 };
            wave + burst + ((i * 7919) % 97) as f32
        })
        .collect();
    trace::from_ticks("synthetic", "2024-01-01T00:00:00Z".parse().unwrap(), demand)
}

fn main() {
    let mut traces = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/traces");
    let mut seconds = 1.0;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--traces" => traces = args.next().expect("--traces DIR").into(),
            "--seconds" => {
                seconds = args
                    .next()
                    .and_then(|s| s.parse().ok())
                    .expect("--seconds S")
            }
            _ => {
                eprintln!("usage: simbench [--traces DIR] [--seconds S]");
                std::process::exit(2);
            }
        }
    }
    let budget = Duration::from_secs_f64(seconds);
    let config = SimConfig::parse(CONFIG, Format::Yaml).expect("bench config");
    let settings = &config.settings;
    let target = config.target().expect("target");

    let twitter = traces.join("twitter-stream-2021-08-per-second/workload.tbz2");
    let (trace, read_seconds) = if twitter.exists() {
        let started = Instant::now();
        let mut t = trace::load(&twitter, &TraceSpec::default()).expect("twitter trace");
        t.fill_gaps(1);
        (t, Some(started.elapsed().as_secs_f64()))
    } else {
        println!(
            "note: {} not found; using a synthetic 22-day trace",
            twitter.display()
        );
        (synthetic(), None)
    };
    let ticks = trace.ticks();
    let rs = settings.run_settings(false);
    let initial = initial_capacity(settings, &trace);
    let peak = static_instances(settings, &trace);
    println!(
        "simbench: {} ({} ticks of 10 s = {:.1} days), one thread, {seconds} s per figure\n",
        trace.name,
        ticks,
        ticks as f64 / 8640.0
    );

    let capacity = (peak as f64 * settings.capacity_per_instance * 10.0) as f32;
    let trivial = measure(budget, ticks, || {
        let mut above = 0.0f64;
        for &d in black_box(&trace.demand) {
            above += (d - capacity).max(0.0) as f64;
        }
        black_box(above);
    });
    let fixed = measure(budget, ticks, || {
        black_box(run("static", &trace, &rs, peak, &mut Fixed));
    });
    let mut rows = vec![
        ("trivial loop (demand vs fixed capacity)", trivial),
        ("static policy (full simulation loop)", fixed),
    ];
    rows.push((
        "AAS target-tracking model",
        measure(budget, ticks, || {
            let mut aas = AasTargetTracking::new(420.0, 300, 300, 1, 100);
            black_box(run("aas", &trace, &rs, initial, &mut aas));
        }),
    ));
    rows.push((
        "sagescale engine: target tracking",
        measure(budget, ticks, || {
            black_box(run_sagescale("tt", target, settings, &trace, initial, false).unwrap());
        }),
    ));
    let candidates = tune::candidates(target, settings, &trace);
    for (label, family) in [
        ("sagescale engine: step scaling (2 alarms)", "step "),
        (
            "sagescale engine: daily schedule + target tracking",
            "daily ",
        ),
    ] {
        let c = candidates
            .iter()
            .find(|c| c.label.starts_with(family))
            .expect("family");
        rows.push((
            label,
            measure(budget, ticks, || {
                black_box(tune::score(c, settings, &trace).unwrap());
            }),
        ));
    }
    rows.push((
        "oracle",
        measure(budget, ticks, || {
            black_box(run_oracle(&trace, &rs));
        }),
    ));

    println!("| policy | M policy-ticks/s | vs trivial loop | vs static policy |");
    println!("|---|---:|---:|---:|");
    for (label, rate) in &rows {
        println!(
            "| {label} | {:.1} | {:.2}x | {:.2}x |",
            rate / 1e6,
            rate / trivial,
            rate / fixed
        );
    }

    let started = Instant::now();
    let report = simulate(&config, &trace, Policies::default(), true, |_| {}).expect("simulate");
    let simulate_seconds = started.elapsed().as_secs_f64();
    println!();
    match read_seconds {
        Some(s) => println!("twitter trace end to end: read + decompress + fill gaps {s:.2} s"),
        None => println!("synthetic trace: generated in memory"),
    }
    println!(
        "simulate 4 policies with per-minute series: {simulate_seconds:.3} s ({:.1} M policy-ticks/s)",
        (report.outcomes.len() * ticks) as f64 / simulate_seconds / 1e6
    );
    let started = Instant::now();
    let split = trace.minutes() * 7 / 10;
    let (first, rest) = (
        trace.slice_minutes(0..split),
        trace.slice_minutes(split..trace.minutes()),
    );
    let frontier = tune::search(
        &tune::candidates(target, settings, &first),
        settings,
        &first,
        &rest,
        || {},
    )
    .expect("tune");
    println!(
        "tune: {} candidates on 70% + {} frontier points on the holdout: {:.2} s",
        candidates.len(),
        frontier.len(),
        started.elapsed().as_secs_f64()
    );
}
