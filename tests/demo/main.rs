//! `make demo`: the main job on the embedded default, no AWS account.
//!
//! Starts the emulated AWS (moto + the realism layer) on loopback, creates the example
//! endpoints, runs `sagescale init` and `sagescale apply` on the examples, and drives a Friday
//! evening through the real function binaries, each polling its own Lambda Runtime API served
//! by `cargo lambda watch --only-lambda-apis`; events go in with `cargo lambda invoke
//! --data-file` (the files stay in the output folder):
//!
//! 1. the one-minute pass at 18:00 New York fires the `friday-peak` scheduled action;
//! 2. a latency alarm fires while the endpoint is still `Updating`: the decision is deferred,
//!    and the next pass applies it once the endpoint is `InService`;
//! 3. a low-traffic alarm scales in, and when it fires again the scale-in cooldown blocks it;
//! 4. target tracking (`invocations-target`, 70 invocations per instance): the demo publishes
//!    the endpoint's `InvocationsPerInstance` into the emulated CloudWatch (PutMetricData
//!    through `aws-sdk-cloudwatch`, each minute once it has completed on the demo's clock). It
//!    stays near 70 during steps 1-3, so the policy does nothing there; it rises above 70 for
//!    three minutes and the pass scales out proportionally; then the metric stops arriving and
//!    the pass records one insufficient-data activity, once.
//!
//! It ends with `sagescale activities` and `sagescale status` and the endpoint's counts, and
//! exits non-zero if any step did not do what the scenario says.
//!
//! The functions and the CLI share a shifted clock (`SAGESCALE_CLOCK_*`): Friday 4 December
//! 2026 from 17:58:30 New York time, ten times as fast as real time, so the evening (to
//! 18:09) takes about a minute on any day. Endpoint updates take 3 real seconds (30 on the
//! demo's clock).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Duration;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use chrono_tz::America::New_York;
use serde_json::Value;

use sagescale_aws::lambda::{CLOCK_ANCHOR_VAR, CLOCK_SPEED_VAR, CLOCK_START_VAR, Clock};
use sagescale_tests::cloudwatch::put_metric_series;
use sagescale_tests::lambda::{ProcessGroup, RuntimeApi, start_function};
use sagescale_tests::{ACCOUNT_ID, Emulator, REGION, events, repo_root};

const TABLE: &str = "sagescale-demo";
const SPEED: f64 = 10.0;
/// Real seconds an endpoint stays `Updating` after UpdateEndpointWeightsAndCapacities.
const UPDATE_SECONDS: f64 = 3.0;
const ENDPOINT: &str = "my-model-endpoint";
const VARIANT: &str = "AllTraffic";
const RID: &str = "endpoint/my-model-endpoint/variant/AllTraffic";
const LATENCY_HIGH: &str = "my-model-endpoint-latency-high";
const INVOCATIONS_LOW: &str = "my-model-endpoint-invocations-low";
/// The metric of the target-tracking policy `invocations-target` (target 70).
const TRACKED_METRIC: &str = "InvocationsPerInstance";

/// The endpoint's `InvocationsPerInstance` for the minute starting at `minute` (UTC): near the
/// target of 70 until 23:02 (18:02 New York), above it at 23:03-23:05, back under it at 23:06
/// once the scale-out is in service, then no datapoints at all (the metric stops arriving).
fn invocations_per_instance(minute: DateTime<Utc>) -> Option<f64> {
    use chrono::Timelike as _;
    let m = minute.minute();
    match (minute.hour(), m) {
        (22, _) | (23, 0..=2) => Some([66.0, 64.0, 67.0, 65.0, 68.0][m as usize % 5]),
        (23, 3) => Some(74.0),
        (23, 4) => Some(78.0),
        (23, 5) => Some(77.0),
        (23, 6) => Some(69.0),
        _ => None,
    }
}

/// Friday 4 December 2026 in UTC (New York is UTC-5 after the November DST change).
fn friday(h: u32, m: u32, s: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 4, h, m, s).unwrap()
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("\ndemo FAILED: {e}");
            ExitCode::FAILURE
        }
    }
}

type Result<T> = std::result::Result<T, String>;

/// What the scenario expects from one step.
enum Expect {
    /// An outcome with this trigger prefix and tag (and capacity change, if any).
    Outcome {
        trigger: &'static str,
        outcome: &'static str,
        change: Option<(i64, i64)>,
    },
    /// Nothing decided.
    Quiet,
}

enum Event {
    Tick(DateTime<Utc>),
    Alarm {
        name: &'static str,
        state: &'static str,
        threshold: f64,
        datapoints: [f64; 2],
    },
}

struct Step {
    /// When it is sent, on the demo's clock.
    at: DateTime<Utc>,
    event: Event,
    says: &'static str,
    expect: Expect,
}

fn scenario() -> Vec<Step> {
    let tick = |m: u32| Step {
        at: friday(23, m, 2),
        event: Event::Tick(friday(23, m, 0)),
        says: "",
        expect: Expect::Quiet,
    };
    let alarm = |(m, s): (u32, u32), name, state, threshold, datapoints| Step {
        at: friday(23, m, s),
        event: Event::Alarm {
            name,
            state,
            threshold,
            datapoints,
        },
        says: "",
        expect: Expect::Quiet,
    };
    vec![
        Step {
            says: "pass: friday-peak (18:00 New York) raises the bounds to 50-60",
            expect: Expect::Outcome {
                trigger: "scheduled:friday-peak",
                outcome: "Scaled",
                change: Some((2, 50)),
            },
            ..tick(0)
        },
        Step {
            says: "latency 670 > 500 while the endpoint is Updating: +3 deferred",
            expect: Expect::Outcome {
                trigger: "alarm",
                outcome: "Deferred",
                change: None,
            },
            ..alarm((0, 10), LATENCY_HIGH, "ALARM", 500.0, [650.0, 690.0])
        },
        Step {
            says: "pass: the endpoint is InService again, the deferred +3 is applied",
            expect: Expect::Outcome {
                trigger: "pending",
                outcome: "Scaled",
                change: Some((50, 53)),
            },
            ..tick(1)
        },
        Step {
            says: "latency back under 500",
            ..alarm((1, 40), LATENCY_HIGH, "OK", 500.0, [420.0, 380.0])
        },
        Step {
            says: "pass: nothing due",
            ..tick(2)
        },
        Step {
            says: "invocations 600 < 1000: one instance fewer",
            expect: Expect::Outcome {
                trigger: "alarm",
                outcome: "Scaled",
                change: Some((53, 52)),
            },
            ..alarm((2, 20), INVOCATIONS_LOW, "ALARM", 1000.0, [620.0, 580.0])
        },
        Step {
            says: "a burst of traffic",
            ..alarm((3, 10), INVOCATIONS_LOW, "OK", 1000.0, [1150.0, 1200.0])
        },
        Step {
            says: "invocations low again: blocked by the 300 s scale-in cooldown",
            expect: Expect::Outcome {
                trigger: "alarm",
                outcome: "NotScaled",
                change: None,
            },
            ..alarm((3, 40), INVOCATIONS_LOW, "ALARM", 1000.0, [700.0, 640.0])
        },
        Step {
            says: "pass: the alarm fired 20 s ago, nothing to re-fire yet; 74 per instance at 18:03",
            ..tick(4)
        },
        Step {
            says: "traffic is up: the low-traffic alarm clears",
            ..alarm((4, 30), INVOCATIONS_LOW, "OK", 1000.0, [1900.0, 2100.0])
        },
        Step {
            says: "pass: 66, 74, 78 per instance: above 70 for 2 minutes, the high alarm needs 3",
            ..tick(5)
        },
        Step {
            says: "pass: 74, 78, 77 > 70 for 3 minutes: ceil(52 x 77 / 70) = ceil(57.2) = 58",
            expect: Expect::Outcome {
                trigger: "target-tracking",
                outcome: "Scaled",
                change: Some((52, 58)),
            },
            ..tick(6)
        },
        Step {
            says: "pass: 69 per instance on 58 instances: under target again, no change",
            ..tick(7)
        },
        Step {
            says: "pass: no datapoint for 18:07: insufficient data, no change (recorded once)",
            expect: Expect::Outcome {
                trigger: "target-tracking",
                outcome: "NotScaled",
                change: None,
            },
            ..tick(8)
        },
        Step {
            says: "pass: still no data: nothing more recorded until it returns",
            ..tick(9)
        },
    ]
}

struct Demo {
    emu: Emulator,
    clock: Clock,
    clock_env: Vec<(&'static str, String)>,
    alarm_api: RuntimeApi,
    schedule_api: RuntimeApi,
    _functions: Vec<ProcessGroup>,
    sagescale: PathBuf,
    out: PathBuf,
    sent: usize,
    rt: tokio::runtime::Runtime,
    cloudwatch: aws_sdk_cloudwatch::Client,
    /// The first minute of [`invocations_per_instance`] not yet published.
    unpublished: DateTime<Utc>,
}

/// A binary next to this one (`make demo` builds the workspace's binaries together).
fn sibling(name: &str) -> Result<PathBuf> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let path = exe.with_file_name(name);
    if path.exists() {
        Ok(path)
    } else {
        Err(format!(
            "{} not found: build it first (`make demo` runs `cargo build --workspace --bins`)",
            path.display()
        ))
    }
}

fn run() -> Result<()> {
    let root = repo_root();
    let out = root.join("target/demo");
    std::fs::create_dir_all(out.join("events")).map_err(|e| e.to_string())?;

    println!("== sagescale demo: emulated AWS on loopback, functions under cargo-lambda ==\n");
    let emu = Emulator::try_start().map_err(|e| e.to_string())?;
    println!("emulator        {}", emu.endpoint_url());
    emu.set_update_delay(UPDATE_SECONDS);
    emu.create_endpoint(ENDPOINT, VARIANT, 2);
    emu.create_endpoint("fraud-scoring", "primary", 1);
    println!("endpoints       {ENDPOINT}/{VARIANT} (2 instances), fraud-scoring/primary (1)");
    let rt = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
    let cloudwatch = rt.block_on(emu.cloudwatch_client());

    // The Runtime APIs first: they need no clock, and starting them takes a while.
    let alarm_api = RuntimeApi::start();
    let schedule_api = RuntimeApi::start();

    // One timeline for every process: the demo's clock reads 17:58:30 New York now. The 90 s
    // (9 real seconds) before 18:00 cover `init` and `apply` on a busy machine: friday-peak
    // fires only when its configuration was applied before it came due.
    let anchor = Utc::now();
    let start = friday(22, 58, 30);
    let clock = Clock::shifted(start, anchor, SPEED);
    let clock_env = vec![
        (CLOCK_START_VAR, start.to_rfc3339()),
        (CLOCK_ANCHOR_VAR, anchor.to_rfc3339()),
        (CLOCK_SPEED_VAR, SPEED.to_string()),
    ];

    let mut env = emu.aws_env();
    env.extend(clock_env.iter().cloned());
    env.push(("SAGESCALE_TABLE", TABLE.to_string()));
    env.push(("SAGESCALE_ACCOUNT_ID", ACCOUNT_ID.to_string()));
    env.push(("RUST_LOG", "info".to_string()));
    let functions = vec![
        start_function(
            &sibling("alarm-scaler")?,
            &alarm_api.runtime_api(),
            &env,
            Some(&out.join("alarm-scaler.log")),
        ),
        start_function(
            &sibling("schedule-scaler")?,
            &schedule_api.runtime_api(),
            &env,
            Some(&out.join("schedule-scaler.log")),
        ),
    ];
    println!(
        "functions       alarm-scaler on :{}, schedule-scaler on :{} (cargo lambda watch --only-lambda-apis)",
        alarm_api.port, schedule_api.port
    );
    println!(
        "clock           Friday 2026-12-04 17:58:30 New York at {SPEED}x real time; updates take {} s",
        UPDATE_SECONDS * SPEED
    );
    println!(
        "metric          AWS/SageMaker {TRACKED_METRIC} of {ENDPOINT}/{VARIANT} (Sum, 60 s), PutMetricData\n                \
         as each minute completes: 64-68 until 18:02 New York, 74 78 77 at 18:03-18:05, 69 at 18:06, then none"
    );
    let mut demo = Demo {
        emu,
        clock,
        clock_env,
        alarm_api,
        schedule_api,
        _functions: functions,
        sagescale: sibling("sagescale")?,
        out,
        sent: 0,
        rt,
        cloudwatch,
        // Fifteen minutes of history before the demo starts (the policy's longest window).
        unpublished: friday(22, 44, 0),
    };
    demo.publish_metric()?;

    println!(
        "\n$ sagescale init && sagescale apply examples/endpoint-full.yaml examples/dry-run.yaml"
    );
    demo.cli(&["init"])?;
    for file in ["examples/endpoint-full.yaml", "examples/dry-run.yaml"] {
        demo.cli(&["apply", file])?;
    }
    println!(
        "(examples/inference-component.yaml is validated by `make test`; the emulator has no inference components)"
    );

    println!("\n$ sagescale status {RID}");
    demo.cli(&["status", RID])?;
    let ready = demo.clock.now();
    if ready >= friday(23, 0, 0) {
        return Err(format!(
            "setup ran until {ready} on the demo's clock, past friday-peak (23:00 UTC): the \
             machine is too busy for the scenario's timing; run it again"
        ));
    }

    println!("\n{:<19} {:<19} {:<58} result", "UTC", "New York", "event");
    for step in scenario() {
        demo.play(&step)?;
    }

    // Let the last update finish so the counts settle.
    demo.wait_in_service(Duration::from_secs(30))?;
    println!("\n$ sagescale activities {RID}");
    demo.cli(&["activities", RID])?;
    println!("\n$ sagescale status {RID}");
    demo.cli(&["status", RID])?;
    let (desired, current, status) = demo.emu.describe_variant(ENDPOINT, VARIANT);
    println!(
        "\nendpoint {ENDPOINT}/{VARIANT}: DesiredInstanceCount {desired}, CurrentInstanceCount {current}, {status}"
    );
    if (desired, current) != (58, 58) {
        return Err(format!(
            "expected the endpoint at 58 instances, found desired {desired} current {current}"
        ));
    }
    println!(
        "\nevents sent: {}/events; function logs: {}/*.log",
        demo.out.display(),
        demo.out.display()
    );
    Ok(())
}

impl Demo {
    /// Runs the CLI against the emulator, on the demo's clock, and prints what it prints.
    fn cli(&self, args: &[&str]) -> Result<()> {
        let mut env = self.emu.aws_env();
        // The CLI is a fresh process each time: give it the instant the demo's clock reads now.
        env.extend(self.clock_env.iter().cloned());
        let out = Command::new(&self.sagescale)
            .args(args)
            .args(["--endpoint-url", &self.emu.endpoint_url()])
            .args(["--region", REGION, "--table", TABLE])
            .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
            .current_dir(repo_root())
            .output()
            .map_err(|e| format!("run sagescale: {e}"))?;
        print!("{}", String::from_utf8_lossy(&out.stdout));
        eprint!("{}", String::from_utf8_lossy(&out.stderr));
        if out.status.success() {
            Ok(())
        } else {
            Err(format!(
                "sagescale {} failed ({})",
                args.join(" "),
                out.status
            ))
        }
    }

    fn sleep_until(&self, at: DateTime<Utc>) {
        let ahead = at - self.clock.now();
        if ahead > TimeDelta::zero() {
            let real = ahead.to_std().unwrap_or_default().as_secs_f64() / SPEED;
            std::thread::sleep(Duration::from_secs_f64(real));
        }
    }

    fn wait_in_service(&self, timeout: Duration) -> Result<()> {
        let deadline = std::time::Instant::now() + timeout;
        loop {
            let (_, _, status) = self.emu.describe_variant(ENDPOINT, VARIANT);
            if status == "InService" {
                return Ok(());
            }
            if std::time::Instant::now() > deadline {
                return Err(format!("endpoint still {status} after {timeout:?}"));
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// Publishes the tracked metric of every minute completed by now on the demo's clock, as
    /// SageMaker does (a minute's datapoint exists once the minute is over).
    fn publish_metric(&mut self) -> Result<()> {
        let now = self.clock.now();
        let dims = [("EndpointName", ENDPOINT), ("VariantName", VARIANT)];
        while self.unpublished + TimeDelta::minutes(1) <= now {
            let minute = self.unpublished;
            if let Some(v) = invocations_per_instance(minute) {
                self.rt
                    .block_on(put_metric_series(
                        &self.cloudwatch,
                        "AWS/SageMaker",
                        TRACKED_METRIC,
                        &dims,
                        minute,
                        60,
                        &[v],
                    ))
                    .map_err(|e| format!("PutMetricData {TRACKED_METRIC} at {minute}: {e:?}"))?;
            }
            self.unpublished = minute + TimeDelta::minutes(1);
        }
        Ok(())
    }

    fn play(&mut self, step: &Step) -> Result<()> {
        self.sleep_until(step.at);
        self.publish_metric()?;
        let now = self.clock.now();
        let (payload, api, what) = match &step.event {
            Event::Tick(time) => (
                events::tick(&time.format("%Y-%m-%dT%H:%M:%SZ").to_string(), ACCOUNT_ID),
                &self.schedule_api,
                "tick (EventBridge rate(1 minute))".to_string(),
            ),
            Event::Alarm {
                name,
                state,
                threshold,
                datapoints,
            } => (
                events::alarm_action(
                    name,
                    state,
                    *threshold,
                    datapoints,
                    &now.format("%Y-%m-%dT%H:%M:%S%.3f+0000").to_string(),
                ),
                &self.alarm_api,
                format!("alarm {name} -> {state}"),
            ),
        };
        self.sent += 1;
        let file = self
            .out
            .join("events")
            .join(format!("{:02}-{}.json", self.sent, slug(&what)));
        write_json(&file, &payload)?;
        let out = api.invoke(&file);
        let stdout = String::from_utf8_lossy(&out.stdout);
        if !out.status.success() {
            return Err(format!(
                "{what}: invocation failed: {stdout}{}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        let response: Value = serde_json::from_str(stdout.trim())
            .map_err(|e| format!("{what}: answer is not JSON ({e}): {stdout}"))?;
        let outcomes: Vec<&Value> = response["Outcomes"]
            .as_array()
            .map(|a| a.iter().filter(|o| o["ResourceId"] == RID).collect())
            .unwrap_or_default();
        let local = now.with_timezone(&New_York);
        println!(
            "{:<19} {:<19} {:<58} {}",
            now.format("%Y-%m-%d %H:%M:%S"),
            local.format("%a %H:%M:%S %Z"),
            what,
            summarize(&outcomes)
        );
        println!("{:<39} {}", "", step.says);
        check(&step.expect, &outcomes).map_err(|e| format!("{what}: {e}: {response}"))
    }
}

fn slug(s: &str) -> String {
    s.split_whitespace()
        .take(2)
        .collect::<Vec<_>>()
        .join("-")
        .replace(|c: char| !c.is_ascii_alphanumeric() && c != '-', "")
}

fn write_json(path: &Path, v: &Value) -> Result<()> {
    let text = serde_json::to_string_pretty(v).map_err(|e| e.to_string())?;
    std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}

fn summarize(outcomes: &[&Value]) -> String {
    if outcomes.is_empty() {
        return "-".into();
    }
    let mut s = String::new();
    for o in outcomes {
        if !s.is_empty() {
            s.push_str("; ");
        }
        let trigger = o["Trigger"].as_str().unwrap_or("");
        let tag = o["Outcome"].as_str().unwrap_or("?");
        let _ = write!(
            s,
            "{}{tag}",
            if trigger.is_empty() {
                String::new()
            } else {
                format!("{trigger}: ")
            }
        );
        if let (Some(p), Some(d)) = (
            o["PreviousCapacity"].as_i64(),
            o["DesiredCapacity"].as_i64(),
        ) {
            let _ = write!(s, " {p} -> {d}");
        }
        if let Some(c) = o["Capacity"].as_i64() {
            let _ = write!(s, " at {c}");
        }
        if let Some(r) = o["Reason"].as_str() {
            let _ = write!(s, " ({r})");
        }
    }
    s
}

fn check(expect: &Expect, outcomes: &[&Value]) -> std::result::Result<(), String> {
    match expect {
        Expect::Quiet => {
            let decided: Vec<_> = outcomes
                .iter()
                .filter(|o| {
                    !matches!(
                        o["Outcome"].as_str(),
                        Some("Unchanged" | "StateRecorded") | None
                    )
                })
                .collect();
            if decided.is_empty() {
                Ok(())
            } else {
                Err(format!("expected no decision, got {decided:?}"))
            }
        }
        Expect::Outcome {
            trigger,
            outcome,
            change,
        } => {
            let found = outcomes.iter().any(|o| {
                // The alarm-scaler answers per alarm, without a Trigger field.
                let t = o["Trigger"].as_str().unwrap_or("alarm");
                t.starts_with(trigger)
                    && o["Outcome"] == *outcome
                    && change.is_none_or(|(p, d)| {
                        o["PreviousCapacity"].as_i64() == Some(p)
                            && o["DesiredCapacity"].as_i64() == Some(d)
                    })
            });
            if found {
                Ok(())
            } else {
                Err(format!("expected {trigger} {outcome} {change:?}"))
            }
        }
    }
}
