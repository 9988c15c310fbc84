//! `make soak`: the long randomized run with faults (see `harness/soak/mod.rs`). Prints the
//! events, decisions, faults survived and violations; exits 1 on any violation.
//!
//! ```text
//! sagescale-soak [--steps N] [--seed S] [--trace] [--progress N]
//! ```
//!
//! A violation line names its seed and step; `--seed S --steps N` replays the same plan up to
//! that step (`--trace` prints each step's plan).

use sagescale_tests::soak::{Options, run};

fn usage(why: &str) -> ! {
    eprintln!(
        "sagescale-soak: {why}\nusage: sagescale-soak [--steps N] [--seed S] [--trace] [--progress N]"
    );
    std::process::exit(2)
}

fn args() -> Options {
    let mut o = Options {
        steps: 2_000,
        seed: 1,
        trace: false,
        progress_every: 250,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || {
            it.next()
                .unwrap_or_else(|| usage(&format!("{flag} needs a value")))
        };
        match flag.as_str() {
            "--steps" => o.steps = value().parse().unwrap_or_else(|_| usage("bad --steps")),
            "--seed" => o.seed = value().parse().unwrap_or_else(|_| usage("bad --seed")),
            "--progress" => {
                o.progress_every = value().parse().unwrap_or_else(|_| usage("bad --progress"))
            }
            "--trace" => o.trace = true,
            _ => usage(&format!("unknown argument {flag}")),
        }
    }
    o
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let opts = args();
    println!("sagescale-soak: seed {}, {} steps", opts.seed, opts.steps);
    let began = std::time::Instant::now();
    let stats = run(&opts).await;
    println!("{stats}");
    println!("wall time: {:.0} s", began.elapsed().as_secs_f64());
    for v in &stats.violations {
        println!("{v}");
    }
    if !stats.violations.is_empty() {
        std::process::exit(1);
    }
}
