//! `make bench`, part one: what the two functions cost next to the smallest Rust Lambda.
//!
//! For alarm-scaler, schedule-scaler and `hello-lambda` (an echo on the same runtime crates,
//! release profile and target, built in the same run):
//!
//! - **init**: process start to its first `GET /runtime/invocation/next`, the moment Lambda
//!   considers the environment ready. A small TCP relay between the function and cargo-lambda's
//!   Runtime API (`cargo lambda watch --only-lambda-apis`) timestamps that request.
//! - **first call**: the first invocation's latency inside the function, from the relay passing
//!   the event on (the answer to that first `next`) to the function posting its result
//!   (`/response` or `/error`). Work moved out of init shows up here, so the two are read
//!   together.
//! - **peak RSS** (VmHWM from /proc) once ready, and after the first invocation (a real
//!   decision against the emulated AWS for the two functions, an echo for hello).
//! - **zip size** of the arm64 packages `make build` produces.
//! - **AWS round trips** per alarm event and per one-minute pass, counted by operation from
//!   the emulator's request log.
//!
//! Figures are medians over `--runs` fresh processes, printed beside hello's as ratios. A
//! benchmark prints; it asserts nothing about speed.
//!
//! `--pass` measures the one-minute pass over 1, 100 and 1,000 targets instead (in-process,
//! no release build needed; see `pass.rs`).

mod pass;

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use serde_json::{Value, json};

use sagescale_aws::store::Store;
use sagescale_core::validate::{Format, validate_str};
use sagescale_tests::lambda::{RuntimeApi, start_function, wait_listening};
use sagescale_tests::{ACCOUNT_ID, Emulator, events, repo_root};

const TABLE: &str = "sagescale-bench";

struct Args {
    release_dir: PathBuf,
    /// Another build of the three binaries (e.g. the commit before a change), measured in the
    /// same run, its processes interleaved with this build's so both see the same machine load.
    baseline_dir: Option<PathBuf>,
    lambda_dir: PathBuf,
    runs: usize,
    pass: bool,
}

fn parse_args() -> Args {
    let mut args = Args {
        release_dir: repo_root().join("target/release"),
        baseline_dir: None,
        lambda_dir: repo_root().join("target/lambda"),
        runs: 15,
        pass: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut value = || it.next().unwrap_or_else(|| panic!("{a} needs a value"));
        match a.as_str() {
            "--release-dir" => args.release_dir = PathBuf::from(value()),
            "--baseline-dir" => args.baseline_dir = Some(PathBuf::from(value())),
            "--lambda-dir" => args.lambda_dir = PathBuf::from(value()),
            "--runs" => args.runs = value().parse().expect("--runs N"),
            "--pass" => args.pass = true,
            other => panic!(
                "unknown argument {other}; usage: sagescale-bench [--release-dir DIR] [--baseline-dir DIR] [--lambda-dir DIR] [--runs N] | --pass"
            ),
        }
    }
    args
}

/// Relays one port to another and notes when the first `invocation/next` request goes by,
/// when the first event comes back (the first bytes from the Runtime API: nothing else is asked
/// before that `next`), and when the function first posts a result.
struct Relay {
    port: u16,
    first_next: Arc<Mutex<Option<Instant>>>,
    first_event: Arc<Mutex<Option<Instant>>>,
    first_result: Arc<Mutex<Option<Instant>>>,
}

/// Sets `slot` to `now` unless it is already set.
fn note(slot: &Mutex<Option<Instant>>, now: Instant) {
    slot.lock().unwrap().get_or_insert(now);
}

impl Relay {
    fn start(upstream: u16) -> Relay {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind relay");
        let port = listener.local_addr().unwrap().port();
        let first_next = Arc::new(Mutex::new(None));
        let first_event = Arc::new(Mutex::new(None));
        let first_result = Arc::new(Mutex::new(None));
        let (seen, event, result) = (
            first_next.clone(),
            first_event.clone(),
            first_result.clone(),
        );
        thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let Ok(server) = TcpStream::connect(("127.0.0.1", upstream)) else {
                    continue;
                };
                let (mut c_read, mut s_write) =
                    (client.try_clone().unwrap(), server.try_clone().unwrap());
                let (mut s_read, mut c_write) = (server, client);
                let (seen, result) = (seen.clone(), result.clone());
                thread::spawn(move || {
                    let mut buf = [0u8; 16 * 1024];
                    while let Ok(n) = c_read.read(&mut buf) {
                        if n == 0 {
                            break;
                        }
                        let now = Instant::now();
                        let chunk = &buf[..n];
                        if contains(chunk, b"/runtime/invocation/next") {
                            note(&seen, now);
                        }
                        if contains(chunk, b"POST ")
                            && (contains(chunk, b"/response") || contains(chunk, b"/error"))
                        {
                            note(&result, now);
                        }
                        if s_write.write_all(chunk).is_err() {
                            break;
                        }
                    }
                    let _ = s_write.shutdown(Shutdown::Write);
                });
                let event = event.clone();
                thread::spawn(move || {
                    let mut buf = [0u8; 16 * 1024];
                    while let Ok(n) = s_read.read(&mut buf) {
                        if n == 0 {
                            break;
                        }
                        note(&event, Instant::now());
                        if c_write.write_all(&buf[..n]).is_err() {
                            break;
                        }
                    }
                    let _ = c_write.shutdown(Shutdown::Write);
                });
            }
        });
        Relay {
            port,
            first_next,
            first_event,
            first_result,
        }
    }

    fn wait_ready(&self, timeout: Duration) -> Option<Instant> {
        wait_for(&self.first_next, timeout)
    }

    /// From the first event passed on to the function's first result, once both were seen.
    fn first_call(&self, timeout: Duration) -> Option<Duration> {
        let answered = wait_for(&self.first_result, timeout)?;
        let delivered = (*self.first_event.lock().unwrap())?;
        Some(answered.saturating_duration_since(delivered))
    }
}

fn wait_for(slot: &Mutex<Option<Instant>>, timeout: Duration) -> Option<Instant> {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(t) = *slot.lock().unwrap() {
            return Some(t);
        }
        if Instant::now() > deadline {
            return None;
        }
        thread::sleep(Duration::from_micros(200));
    }
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// VmHWM (peak resident set) of a process, in KiB.
fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

#[derive(Default)]
struct Runs {
    init_ms: Vec<f64>,
    first_call_ms: Vec<f64>,
    rss_ready_kib: Vec<f64>,
    rss_after_kib: Vec<f64>,
}

fn median(v: &[f64]) -> f64 {
    let mut v = v.to_vec();
    v.sort_by(|a, b| a.total_cmp(b));
    if v.is_empty() {
        return f64::NAN;
    }
    let mid = v.len() / 2;
    if v.len() % 2 == 1 {
        v[mid]
    } else {
        (v[mid - 1] + v[mid]) / 2.0
    }
}

fn p90(v: &[f64]) -> f64 {
    let mut v = v.to_vec();
    v.sort_by(|a, b| a.total_cmp(b));
    v.get(((v.len() as f64 * 0.9).ceil() as usize).saturating_sub(1))
        .copied()
        .unwrap_or(f64::NAN)
}

/// What one fresh process measured.
struct Once {
    init_ms: f64,
    first_call_ms: f64,
    rss_ready_kib: u64,
    rss_after_kib: u64,
}

/// One fresh process: start it, wait for its first `next`, invoke it once with `event`.
fn measure_once(exe: &Path, env: &[(&str, String)], event: &Value, scratch: &Path) -> Once {
    let api = RuntimeApi::start();
    let relay = Relay::start(api.port);
    assert!(wait_listening(relay.port, Duration::from_secs(5)));
    let runtime_api = format!("127.0.0.1:{}/.rt", relay.port);
    let started = Instant::now();
    let function = start_function(exe, &runtime_api, env, None);
    let ready = relay
        .wait_ready(Duration::from_secs(30))
        .unwrap_or_else(|| panic!("{} never asked for an invocation", exe.display()));
    let init_ms = (ready - started).as_secs_f64() * 1e3;
    let rss_ready = peak_rss_kib(function.id()).expect("read /proc status");
    std::fs::write(scratch, event.to_string()).unwrap();
    let out = api.invoke(scratch);
    assert!(
        out.status.success(),
        "{}: {}{}",
        exe.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let first_call = relay
        .first_call(Duration::from_secs(5))
        .unwrap_or_else(|| panic!("{}: the relay saw no result", exe.display()));
    let rss_after = peak_rss_kib(function.id()).expect("read /proc status");
    Once {
        init_ms,
        first_call_ms: first_call.as_secs_f64() * 1e3,
        rss_ready_kib: rss_ready,
        rss_after_kib: rss_after,
    }
}

fn zip_size(dir: &Path, bin: &str) -> Option<u64> {
    std::fs::metadata(dir.join(bin).join("bootstrap.zip"))
        .ok()
        .map(|m| m.len())
}

fn ratio(x: f64, base: f64) -> String {
    if base > 0.0 && x.is_finite() {
        format!("{:.2}x", x / base)
    } else {
        "-".into()
    }
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("model name"))
                .map(|v| v.trim_start_matches([' ', '\t', ':']).to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    let rustc = std::process::Command::new("rustc")
        .arg("-V")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    format!(
        "{} {}, {cores} cores, {cpu}; {rustc}",
        std::env::consts::OS,
        std::env::consts::ARCH
    )
}

/// One build's table: medians, p90s, and ratios against that build's hello-lambda (first).
fn print_table(results: &[(&str, Runs)], lambda_dir: Option<&Path>) {
    let base = &results[0].1;
    let (b_init, b_ready, b_after) = (
        median(&base.init_ms),
        median(&base.rss_ready_kib),
        median(&base.rss_after_kib),
    );
    let zip_of = |f: &str| lambda_dir.and_then(|d| zip_size(d, f)).map(|z| z as f64);
    let b_zip = zip_of("hello-lambda");
    println!(
        "{:<16} {:>10} {:>9} {:>7} {:>12} {:>9} {:>14} {:>12} {:>7} {:>14} {:>7} {:>11} {:>7}",
        "function",
        "init ms",
        "p90",
        "ratio",
        "1st call ms",
        "p90",
        "init+1st ms",
        "RSS ready",
        "ratio",
        "RSS 1st call",
        "ratio",
        "zip",
        "ratio"
    );
    for (f, r) in results {
        let (init, ready, after) = (
            median(&r.init_ms),
            median(&r.rss_ready_kib),
            median(&r.rss_after_kib),
        );
        // Per process, so that the median is of what one cold start cost.
        let both: Vec<f64> = r
            .init_ms
            .iter()
            .zip(&r.first_call_ms)
            .map(|(i, c)| i + c)
            .collect();
        let zip = zip_of(f);
        println!(
            "{:<16} {:>10.2} {:>9.2} {:>7} {:>12.2} {:>9.2} {:>14.2} {:>8.1} MiB {:>7} {:>10.1} MiB {:>7} {:>7} KiB {:>7}",
            f,
            init,
            p90(&r.init_ms),
            ratio(init, b_init),
            median(&r.first_call_ms),
            p90(&r.first_call_ms),
            median(&both),
            ready / 1024.0,
            ratio(ready, b_ready),
            after / 1024.0,
            ratio(after, b_after),
            zip.map(|z| format!("{:.0}", z / 1024.0))
                .unwrap_or_else(|| "-".into()),
            match (zip, b_zip) {
                (Some(z), Some(b)) => ratio(z, b),
                _ => "-".into(),
            },
        );
    }
}

fn main() {
    let args = parse_args();
    if args.pass {
        println!(
            "sagescale bench-pass: {} UTC",
            Utc::now().format("%Y-%m-%d %H:%M")
        );
        println!("machine: {}\n", machine());
        pass::run();
        return;
    }
    let functions = ["hello-lambda", "alarm-scaler", "schedule-scaler"];
    for dir in std::iter::once(&args.release_dir).chain(&args.baseline_dir) {
        for f in functions {
            let exe = dir.join(f);
            assert!(
                exe.exists(),
                "{} not found: `make bench` builds it (cargo build --release)",
                exe.display()
            );
        }
    }
    let scratch_dir = repo_root().join("target/bench");
    std::fs::create_dir_all(&scratch_dir).unwrap();
    let scratch = scratch_dir.join("event.json");

    println!(
        "sagescale bench: {} UTC",
        Utc::now().format("%Y-%m-%d %H:%M")
    );
    println!("machine: {}", machine());
    println!(
        "runs: {} fresh processes per function (medians; p90 for init and 1st call)\n",
        args.runs
    );

    let emu = Emulator::start();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let store = rt.block_on(async {
        let config = emu.sdk_config().await;
        let store = Store::new(aws_sdk_dynamodb::Client::new(&config), TABLE);
        store.create_table().await.expect("create table");
        store
    });
    let configure = |name: &str| {
        emu.create_endpoint(name, "AllTraffic", 2);
        let yaml = std::fs::read_to_string(repo_root().join("examples/endpoint-full.yaml"))
            .unwrap()
            .replace("my-model-endpoint", name);
        let doc = validate_str(&yaml, Format::Yaml)
            .document
            .expect("example is valid");
        rt.block_on(async {
            for t in &doc.scalable_targets {
                store
                    .put_config(t, &[], Utc::now())
                    .await
                    .expect("put config");
            }
        });
    };
    configure("bench-endpoint");

    let mut env = emu.aws_env();
    env.push(("SAGESCALE_TABLE", TABLE.to_string()));
    env.push(("SAGESCALE_ACCOUNT_ID", ACCOUNT_ID.to_string()));
    // The functions log one JSON line per decision; keep them, as in Lambda, but off screen.
    env.push(("RUST_LOG", "info".to_string()));

    // --- AWS round trips (warm functions, so init calls are not counted) -------------------
    let alarm_api = RuntimeApi::start();
    let _alarm = start_function(
        &args.release_dir.join("alarm-scaler"),
        &alarm_api.runtime_api(),
        &env,
        None,
    );
    // The schedule-scaler's ticks are dated Friday 4 December 2026 (below); a tick is trusted
    // only up to a day after its time, so its clock reads an hour after that Friday evening.
    let friday = Utc.with_ymd_and_hms(2026, 12, 4, 22, 58, 0).unwrap();
    let mut schedule_env = env.clone();
    schedule_env.push((
        "SAGESCALE_CLOCK_START",
        (friday + chrono::Duration::hours(1)).to_rfc3339(),
    ));
    let schedule_api = RuntimeApi::start();
    let _schedule = start_function(
        &args.release_dir.join("schedule-scaler"),
        &schedule_api.runtime_api(),
        &schedule_env,
        None,
    );
    let invoke = |api: &RuntimeApi, event: Value| -> Value {
        std::fs::write(&scratch, event.to_string()).unwrap();
        let out = api.invoke(&scratch);
        assert!(
            out.status.success(),
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap_or(Value::Null)
    };
    let ts = |s: u32| format!("2026-11-27T18:02:{s:02}.000+0000");
    let alarm = |s: u32, state: &str, points: &[f64]| {
        events::alarm_action("bench-endpoint-latency-high", state, 500.0, points, &ts(s))
    };
    // Warm-up invocation (first SDK calls open connections), then measured ones.
    invoke(&alarm_api, alarm(1, "OK", &[300.0]));
    let count = |label: &str, f: &dyn Fn() -> Value| {
        emu.clear_requests();
        let answer = f();
        let ops = emu.request_counts();
        let total: usize = ops.iter().map(|(_, n)| n).sum();
        let detail: Vec<String> = ops.iter().map(|(k, n)| format!("{k} {n}")).collect();
        println!("  {label:<48} {total:>3}   {}", detail.join(", "));
        let outcome = answer["Outcomes"][0]["Outcome"]
            .as_str()
            .unwrap_or("-")
            .to_string();
        (total, outcome)
    };
    println!("AWS round trips (emulator request log; hello-lambda makes none)");
    let (_, o) = count("alarm ALARM -> scale out 2 -> 5", &|| {
        invoke(&alarm_api, alarm(2, "ALARM", &[640.0, 660.0]))
    });
    assert_eq!(o, "Scaled", "the measured alarm event must scale");
    count("same delivery again (duplicate)", &|| {
        invoke(&alarm_api, alarm(2, "ALARM", &[640.0, 660.0]))
    });
    count("alarm OK (state recorded, no decision)", &|| {
        invoke(&alarm_api, alarm(3, "OK", &[300.0]))
    });
    emu.complete_update("bench-endpoint");
    let tick = |t: chrono::DateTime<Utc>| {
        events::tick(&t.format("%Y-%m-%dT%H:%M:%SZ").to_string(), ACCOUNT_ID)
    };
    // The pass runs at the tick's time: Friday evening, after the configuration was applied.
    invoke(&schedule_api, tick(friday - chrono::Duration::minutes(1)));
    count("pass, 1 target, nothing due", &|| {
        invoke(&schedule_api, tick(friday))
    });
    let (_, o) = count("pass, 1 target, friday-peak fires (2 -> 50)", &|| {
        invoke(&schedule_api, tick(friday + chrono::Duration::minutes(2)))
    });
    assert_eq!(
        o, "Scaled",
        "the measured pass must fire the scheduled action"
    );
    for i in 1..5 {
        configure(&format!("bench-endpoint-{i}"));
    }
    invoke(&schedule_api, tick(friday + chrono::Duration::minutes(3)));
    count("pass, 5 targets, nothing due", &|| {
        invoke(&schedule_api, tick(friday + chrono::Duration::minutes(4)))
    });
    println!();

    // --- init, first call, RSS: fresh processes ---------------------------------------------
    let mut builds: Vec<(&str, &Path)> = Vec::new();
    if let Some(dir) = &args.baseline_dir {
        builds.push(("baseline", dir));
    }
    builds.push(("this build", &args.release_dir));
    let mut results: Vec<Vec<(&str, Runs)>> = builds.iter().map(|_| Vec::new()).collect();
    for f in functions {
        let mut runs: Vec<Runs> = builds.iter().map(|_| Runs::default()).collect();
        for i in 0..args.runs {
            for (j, (_, dir)) in builds.iter().enumerate() {
                // Every process gets an event of its own (a repeat would be a duplicate
                // delivery, less work); both builds get the same kind in each round.
                let k = i * builds.len() + j;
                let event = match f {
                    "alarm-scaler" => alarm(
                        10 + (k as u32 % 50),
                        if i % 2 == 0 { "ALARM" } else { "OK" },
                        &[640.0, 660.0],
                    ),
                    "schedule-scaler" => tick(friday + chrono::Duration::minutes(10 + k as i64)),
                    _ => json!({"hello": "world"}),
                };
                let env = if f == "schedule-scaler" {
                    &schedule_env
                } else {
                    &env
                };
                let once = measure_once(&dir.join(f), env, &event, &scratch);
                let r = &mut runs[j];
                r.init_ms.push(once.init_ms);
                r.first_call_ms.push(once.first_call_ms);
                r.rss_ready_kib.push(once.rss_ready_kib as f64);
                r.rss_after_kib.push(once.rss_after_kib as f64);
            }
        }
        for (j, r) in runs.into_iter().enumerate() {
            results[j].push((f, r));
        }
    }
    for ((label, dir), results) in builds.iter().zip(&results) {
        println!("{label}: {}", dir.display());
        // The zips are this build's (`make build`).
        let lambda_dir = (*label == "this build").then_some(args.lambda_dir.as_path());
        print_table(results, lambda_dir);
        println!();
    }
    println!(
        "init, 1st call (event passed on to result posted; a real decision against the emulator, an echo for hello)\nand RSS: x86_64 release builds (same profile as the arm64 zips) against cargo-lambda's Runtime API;\nzip: the arm64 packages from `make build` (cargo lambda build --release --arm64)."
    );
}
