//! `make fuzz`: generated and mutated inputs through the alarm and schedule event parsers and
//! the configuration validator (YAML and JSON); see `harness/fuzz.rs` for the mutations and
//! the property. Prints per parser the cases run, accepted, rejected by kind, panics, contract
//! violations, hang candidates and the slowest case; exits 1 on any panic, violation or hang
//! candidate. Failing inputs are written to `--save DIR`.
//!
//! ```text
//! sagescale-fuzz [--cases N] [--seed S] [--parser alarm,schedule,config-yaml,config-json]
//!                [--hang-ms MS] [--save DIR] [--trace]
//! sagescale-fuzz --parser P --case N [--seed S] --dump     # one case's input on stdout
//! ```
//!
//! Each parser runs on a thread with a 2 MiB stack, the size of the tokio worker threads the
//! Lambda handlers run on (a stack overflow aborts the process: the watchdog's last line names
//! the case). A watchdog ends the run if one case takes more than 10 s.

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;
use std::time::Duration;

use sagescale_tests::fuzz::{Corpus, Heartbeat, Parser, Stats, preview, quiet_panics, run};

struct Args {
    cases: u64,
    seed: u64,
    parsers: Vec<Parser>,
    hang: Duration,
    save: Option<std::path::PathBuf>,
    case: Option<u64>,
    dump: bool,
    trace: bool,
}

fn args() -> Args {
    let mut a = Args {
        cases: 1_000_000,
        seed: 1,
        parsers: Parser::ALL.to_vec(),
        hang: Duration::from_millis(100),
        save: None,
        case: None,
        dump: false,
        trace: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || {
            it.next()
                .unwrap_or_else(|| usage(&format!("{flag} needs a value")))
        };
        match flag.as_str() {
            "--cases" => a.cases = value().parse().unwrap_or_else(|_| usage("bad --cases")),
            "--seed" => a.seed = value().parse().unwrap_or_else(|_| usage("bad --seed")),
            "--hang-ms" => {
                a.hang = Duration::from_millis(
                    value().parse().unwrap_or_else(|_| usage("bad --hang-ms")),
                )
            }
            "--parser" => {
                a.parsers = value()
                    .split(',')
                    .map(|p| Parser::from_name(p).unwrap_or_else(|| usage("unknown parser")))
                    .collect()
            }
            "--save" => a.save = Some(value().into()),
            "--case" => a.case = Some(value().parse().unwrap_or_else(|_| usage("bad --case"))),
            "--dump" => a.dump = true,
            "--trace" => a.trace = true,
            _ => usage(&format!("unknown argument {flag}")),
        }
    }
    a
}

fn usage(why: &str) -> ! {
    eprintln!(
        "sagescale-fuzz: {why}\nusage: sagescale-fuzz [--cases N] [--seed S] [--parser P,...] \
         [--hang-ms MS] [--save DIR] | --parser P --case N [--seed S] --dump"
    );
    std::process::exit(2)
}

fn main() {
    let a = args();
    let corpus = Arc::new(Corpus::load());
    if let Some(case) = a.case {
        let input = corpus.case(a.parsers[0], a.seed, case);
        if a.dump {
            std::io::stdout().write_all(&input).unwrap();
        } else {
            let verdict = sagescale_tests::fuzz::check(a.parsers[0], &input);
            println!("{verdict:?}");
        }
        return;
    }
    quiet_panics();
    println!(
        "sagescale-fuzz: {} cases per parser, seed {}, hang threshold {} ms",
        a.cases,
        a.seed,
        a.hang.as_millis()
    );
    let mut failed = false;
    let mut total = Duration::ZERO;
    for &parser in &a.parsers {
        let hb = Arc::new(Heartbeat {
            trace: a.trace,
            ..Heartbeat::default()
        });
        let watchdog = {
            let hb = hb.clone();
            std::thread::spawn(move || {
                loop {
                    std::thread::sleep(Duration::from_millis(500));
                    let started = hb.started_ms.load(Relaxed);
                    let now = hb.epoch.elapsed().as_millis() as u64;
                    if started != u64::MAX && now.saturating_sub(started) > 10_000 {
                        println!(
                            "HANG: {} case {} has run for more than 10 s",
                            parser.name(),
                            hb.case.load(Relaxed)
                        );
                        std::process::exit(3);
                    }
                    if Arc::strong_count(&hb) == 1 {
                        return;
                    }
                }
            })
        };
        let worker = {
            let (corpus, hb) = (corpus.clone(), hb.clone());
            let (seed, cases, hang) = (a.seed, a.cases, a.hang);
            std::thread::Builder::new()
                .name(format!("fuzz-{}", parser.name()))
                .stack_size(2 << 20)
                .spawn(move || {
                    // In chunks, so that progress is visible on long runs.
                    let chunk = (cases / 10).max(1);
                    let mut all = Stats::default();
                    let mut first = 0;
                    while first < cases {
                        let n = chunk.min(cases - first);
                        let st = run(&corpus, parser, seed, first, n, hang, &hb);
                        merge(&mut all, st);
                        first += n;
                        eprintln!(
                            "  {}: {first}/{cases} ({:.0} cases/s)",
                            parser.name(),
                            first as f64 / all.elapsed.as_secs_f64()
                        );
                    }
                    all
                })
                .unwrap()
        };
        let st = worker.join().expect("fuzz worker");
        drop(hb);
        watchdog.join().ok();
        total += st.elapsed;
        failed |= st.failed();
        report(parser, &st);
        if let Some(dir) = &a.save {
            save(dir, &corpus, parser, a.seed, &st);
        }
    }
    println!(
        "total {:.1} s; {}",
        total.as_secs_f64(),
        if failed { "FAILED" } else { "ok" }
    );
    if failed {
        std::process::exit(1);
    }
}

fn merge(all: &mut Stats, st: Stats) {
    all.cases += st.cases;
    all.accepted += st.accepted;
    for (k, n) in st.rejected {
        *all.rejected.entry(k).or_default() += n;
    }
    all.panics.extend(st.panics);
    all.violations.extend(st.violations);
    all.slow.extend(st.slow);
    if st.slowest.1 > all.slowest.1 {
        all.slowest = st.slowest;
    }
    all.elapsed += st.elapsed;
}

fn report(parser: Parser, st: &Stats) {
    let kinds: Vec<String> = st
        .rejected
        .iter()
        .map(|(k, n)| format!("{k} {n}"))
        .collect();
    println!(
        "{:<12} {} cases in {:.1} s ({:.0}/s): accepted {}, rejected {} ({}); panics {}, \
         violations {}, over the hang threshold {}; slowest case {} ({:.1} ms, {} bytes)",
        parser.name(),
        st.cases,
        st.elapsed.as_secs_f64(),
        st.cases as f64 / st.elapsed.as_secs_f64(),
        st.accepted,
        st.rejected_total(),
        kinds.join(", "),
        st.panics.len(),
        st.violations.len(),
        st.slow.len(),
        st.slowest.0,
        st.slowest.1.as_secs_f64() * 1e3,
        st.slowest.2,
    );
    for (case, msg) in st.panics.iter().take(10) {
        println!("  PANIC case {case}: {msg}");
    }
    for (case, msg) in st.violations.iter().take(10) {
        println!("  VIOLATION case {case}: {msg}");
    }
    for (case, took) in st.slow.iter().take(10) {
        println!(
            "  SLOW case {case}: {:.1} ms (rerun: --parser {} --case {case} --dump)",
            took.as_secs_f64() * 1e3,
            parser.name()
        );
    }
}

fn save(dir: &std::path::Path, corpus: &Corpus, parser: Parser, seed: u64, st: &Stats) {
    let cases = st
        .panics
        .iter()
        .map(|(c, _)| *c)
        .chain(st.violations.iter().map(|(c, _)| *c))
        .chain(st.slow.iter().map(|(c, _)| *c))
        .take(100);
    for case in cases {
        std::fs::create_dir_all(dir).expect("create --save dir");
        let input = corpus.case(parser, seed, case);
        let path = dir.join(format!("{}-seed{seed}-case{case}", parser.name()));
        std::fs::write(&path, &input).expect("write failing input");
        println!("  saved {} ({})", path.display(), preview(&input, 80));
    }
}
