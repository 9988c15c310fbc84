//! A crash at every step. For each flow that scales (the alarm path, the one-minute pass
//! firing a scheduled action, completing a deferred claim and deciding on target tracking, and
//! a direct EventBridge Scheduler invocation), the AWS calls of a clean run are enumerated from
//! the emulator's request log; then, for each call index, the flow is run again from the same
//! start state and stopped at that call:
//!
//! - **fault**: the call and every later one answer 500 (the emulator's cutoff,
//!   `tests/emulator/cutoff.py`), so the handler errors out there; **fault-after**: the call
//!   takes effect first and only its answer is lost. These run the handlers in-process (what
//!   the binaries call), with the SDK's standard retries on a fast backoff.
//! - **kill**: the built binary, polling `cargo lambda watch`'s Runtime API, is SIGKILLed while
//!   the call is held by the emulator; **kill-after**: the call takes effect before it is held.
//!
//! Then the system goes on as it would: Lambda's retry of the same event 60 s later when the
//! invocation failed (async invocations: alarm actions, EventBridge rules and Scheduler), and
//! one-minute passes at +30 s, +90 s and +150 s (past [`STALE_CLAIM`]). After that, for every
//! case: the endpoint is at the one decided capacity, SageMaker accepted exactly one
//! UpdateEndpointWeightsAndCapacities and it set that count, the decision's activity is
//! `Successful`, no activity is left `InProgress`/`Pending` (nor `Failed`, `Overridden`,
//! `Unfulfilled`: a crash is none of those), and no claim is left pending in DynamoDB.
//!
//! `make test` runs every index as fault and fault-after, and kill/kill-after at the calls
//! where a crash leaves the most behind (the claim write, the SageMaker update, the outcome
//! write: [`KILL_SUBSET`]); `SAGESCALE_CRASH_MATRIX=full` (`make crash-matrix`) kills at every
//! index. Each test prints its table (`--nocapture`).

use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::{Duration as StdDuration, Instant};

use aws_config::retry::RetryConfig;
use chrono::{DateTime, Duration, TimeZone, Utc};
use serde_json::{Value, json};

use sagescale_aws::alarm::AlarmHandler;
use sagescale_aws::events::Origin;
use sagescale_aws::metrics::CloudWatch;
use sagescale_aws::reconcile::{STALE_CLAIM, ScheduleHandler};
use sagescale_aws::sagemaker::SageMaker;
use sagescale_aws::scaler::Scaler;
use sagescale_aws::store::Store;
use sagescale_core::activity::StatusCode;
use sagescale_core::validate::{Format, validate_str};
use sagescale_tests::cloudwatch::put_metric_series;
use sagescale_tests::crash::Cut;
use sagescale_tests::lambda::{ProcessGroup, RuntimeApi, built_binary, start_function};
use sagescale_tests::{ACCOUNT_ID, Emulator, REGION};

const TABLE: &str = "sagescale-crash-test";
const ENDPOINT: &str = "crash-endpoint";
const VARIANT: &str = "AllTraffic";
const RID: &str = "endpoint/crash-endpoint/variant/AllTraffic";
const ALARM: &str = "sagescale-crash-latency-high";
const ACTION: &str = "evening-peak";
const PREFIX: &str = "sagescale-";
/// Instances before every flow.
const START: i32 = 2;

/// Call names at which `make test` also kills the binary: where a crash leaves a claim, an
/// update or an outcome half done.
const KILL_SUBSET: [&str; 2] = [
    "dynamodb:TransactWriteItems",
    "sagemaker:UpdateEndpointWeightsAndCapacities",
];

/// The instant every crashed invocation runs at: 23:00:05 UTC, five seconds after the
/// scheduled action is due.
fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 7, 23, 0, 5).unwrap()
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flow {
    /// alarm-scaler: an ALARM that scales a step policy out, 2 -> 5.
    Alarm,
    /// schedule-scaler tick: the pass fires a scheduled action (minimum 6), 2 -> 6.
    Scheduled,
    /// schedule-scaler tick: the pass completes a claim deferred while the endpoint was
    /// Updating, 2 -> 5.
    Deferred,
    /// schedule-scaler tick: the pass decides on target tracking (100 per instance against 70,
    /// three minutes), ceil(2 x 100 / 70) = 3.
    Tracking,
    /// schedule-scaler invoked by EventBridge Scheduler naming the action, 2 -> 6.
    Direct,
}

impl Flow {
    fn name(self) -> &'static str {
        match self {
            Flow::Alarm => "alarm path",
            Flow::Scheduled => "pass: scheduled action",
            Flow::Deferred => "pass: deferred claim",
            Flow::Tracking => "pass: target tracking",
            Flow::Direct => "direct scheduled invocation",
        }
    }

    fn binary(self) -> &'static str {
        match self {
            Flow::Alarm => "alarm-scaler",
            _ => "schedule-scaler",
        }
    }

    fn decided(self) -> i64 {
        match self {
            Flow::Alarm | Flow::Deferred => 5,
            Flow::Scheduled | Flow::Direct => 6,
            Flow::Tracking => 3,
        }
    }

    fn config(self) -> String {
        let (max, body) = match self {
            Flow::Alarm | Flow::Deferred => (
                10,
                format!(
                    r#"    ScalingPolicies:
      - PolicyName: latency-out
        PolicyType: StepScaling
        Alarms: [{ALARM}]
        StepScalingPolicyConfiguration:
          AdjustmentType: ChangeInCapacity
          Cooldown: 300
          StepAdjustments:
            - {{MetricIntervalLowerBound: 0, ScalingAdjustment: 3}}
"#
                ),
            ),
            Flow::Scheduled | Flow::Direct => (
                10,
                format!(
                    r#"    ScheduledActions:
      - ScheduledActionName: {ACTION}
        Schedule: cron(0 23 * * ? *)
        ScalableTargetAction: {{MinCapacity: 6, MaxCapacity: 10}}
"#
                ),
            ),
            // At most 3, so the metric that stays above target asks for no more.
            Flow::Tracking => (
                3,
                r#"    ScalingPolicies:
      - PolicyName: invocations-target
        PolicyType: TargetTrackingScaling
        TargetTrackingScalingPolicyConfiguration:
          TargetValue: 70
          PredefinedMetricSpecification: {PredefinedMetricType: SageMakerVariantInvocationsPerInstance}
"#
                .to_string(),
            ),
        };
        format!(
            r#"
ScalableTargets:
  - ServiceNamespace: sagemaker
    ResourceId: {RID}
    ScalableDimension: sagemaker:variant:DesiredInstanceCount
    MinCapacity: 1
    MaxCapacity: {max}
{body}"#
        )
    }

    /// The payload of the invocation that crashes (and of Lambda's retry of it).
    fn event(self) -> Value {
        match self {
            Flow::Alarm => alarm_event(t0() - Duration::seconds(2)),
            Flow::Direct => json!({
                "ScheduledActionName": ACTION,
                "ResourceId": RID,
                "ScheduledTime": "2026-12-07T23:00:00Z",
            }),
            _ => tick(t0()),
        }
    }
}

/// A direct CloudWatch alarm action: threshold 100, datapoint 150 (breach 50: +3).
fn alarm_event(at: DateTime<Utc>) -> Value {
    let ts = at.format("%Y-%m-%dT%H:%M:%S%.3f+0000").to_string();
    sagescale_tests::events::alarm_action(ALARM, "ALARM", 100.0, &[150.0], &ts)
}

fn tick(at: DateTime<Utc>) -> Value {
    sagescale_tests::events::tick(&rfc3339(at), ACCOUNT_ID)
}

/// How the function is stopped at the call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Crash {
    Fault,
    FaultAfter,
    Kill,
    KillAfter,
}

impl Crash {
    fn name(self) -> &'static str {
        match self {
            Crash::Fault => "fault",
            Crash::FaultAfter => "fault-after",
            Crash::Kill => "kill",
            Crash::KillAfter => "kill-after",
        }
    }

    fn cut(self) -> Cut {
        match self {
            Crash::Fault => Cut::Fail { served: false },
            Crash::FaultAfter => Cut::Fail { served: true },
            Crash::Kill => Cut::Hold { served: false },
            Crash::KillAfter => Cut::Hold { served: true },
        }
    }
}

/// One emulator per flow, reset before each case; the scaler the handlers run on.
struct World {
    emu: Emulator,
    store: Store,
    scaler: Scaler<SageMaker>,
    cw: aws_sdk_cloudwatch::Client,
    /// `cargo lambda watch` and the built binary, for the kill cases.
    runtime: Option<(RuntimeApi, PathBuf)>,
}

impl World {
    async fn new(flow: Flow) -> World {
        let emu = Emulator::start();
        // The SDK's standard retries (3 attempts), on a backoff short enough that a matrix of
        // failing calls does not wait seconds each.
        let sdk = emu
            .sdk_config()
            .await
            .into_builder()
            .retry_config(
                RetryConfig::standard()
                    .with_initial_backoff(StdDuration::from_millis(2))
                    .with_max_backoff(StdDuration::from_millis(10)),
            )
            .build();
        let store = Store::new(aws_sdk_dynamodb::Client::new(&sdk), TABLE);
        let cw = aws_sdk_cloudwatch::Client::new(&sdk);
        let scaler = Scaler::new(
            store.clone(),
            SageMaker::new(aws_sdk_sagemaker::Client::new(&sdk)),
        )
        .with_metrics(CloudWatch::new(cw.clone()));
        let runtime = Some((RuntimeApi::start(), built_binary(flow.binary(), false)));
        World {
            emu,
            store,
            scaler,
            cw,
            runtime,
        }
    }

    fn origin() -> Origin {
        Origin {
            account: ACCOUNT_ID.to_string(),
            region: REGION.to_string(),
            alarm_prefix: Some(PREFIX.to_string()),
        }
    }

    /// The function's handler on `payload` at `now`, in-process: Err when the invocation
    /// fails (Lambda then retries it).
    async fn invoke(&self, flow: Flow, payload: &Value, now: DateTime<Utc>) -> Result<(), String> {
        match flow {
            Flow::Alarm => AlarmHandler {
                scaler: &self.scaler,
                origin: Self::origin(),
            }
            .handle(payload, now)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string()),
            _ => ScheduleHandler {
                scaler: &self.scaler,
                origin: Self::origin(),
            }
            .handle(payload, now)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string()),
        }
    }

    async fn pass(&self, now: DateTime<Utc>) {
        ScheduleHandler {
            scaler: &self.scaler,
            origin: Self::origin(),
        }
        .handle(&tick(now), now)
        .await
        .expect("a pass without faults");
    }

    /// The start state of `flow`: a fresh table, the endpoint at [`START`], the configuration
    /// applied an hour before, and a pass a minute before (cursors in, endpoint seen), so the
    /// flow's calls are its own.
    async fn setup(&self, flow: Flow) {
        self.emu.reset();
        self.store.create_table().await.expect("create table");
        self.emu.create_endpoint(ENDPOINT, VARIANT, START);
        let report = validate_str(&flow.config(), Format::Yaml);
        let problems: Vec<String> = report.errors().map(|p| p.to_string()).collect();
        let doc = report
            .document
            .unwrap_or_else(|| panic!("test configuration invalid: {problems:?}"));
        for t in &doc.scalable_targets {
            self.store
                .put_config(t, &[], t0() - Duration::hours(1))
                .await
                .expect("put config");
        }
        if flow == Flow::Tracking {
            // At target until 22:56, then 100: the pass at 23:00:05 sees 22:57..22:59 above.
            let start = Utc.with_ymd_and_hms(2026, 12, 7, 22, 40, 0).unwrap();
            let mut values = vec![70.0; 17];
            values.extend([100.0; 15]);
            put_metric_series(
                &self.cw,
                "AWS/SageMaker",
                "InvocationsPerInstance",
                &[("EndpointName", ENDPOINT), ("VariantName", VARIANT)],
                start,
                60,
                &values,
            )
            .await
            .expect("put metric data");
        }
        self.pass(t0() - Duration::seconds(120)).await;
        if flow == Flow::Deferred {
            self.emu.set_endpoint_status(ENDPOINT, "Updating");
            self.invoke(
                Flow::Alarm,
                &alarm_event(t0() - Duration::seconds(62)),
                t0() - Duration::seconds(60),
            )
            .await
            .expect("alarm deferred");
            let state = self.state_pending().await;
            assert!(
                state.is_some_and(|deferred| deferred),
                "setup: the alarm's change is deferred"
            );
            self.emu.set_endpoint_status(ENDPOINT, "InService");
        }
        self.emu.clear_requests();
    }

    /// Whether a claim is pending, and if so whether it is deferred.
    async fn state_pending(&self) -> Option<bool> {
        sagescale_tests::target::target_state(&self.store, RID)
            .await
            .pending
            .map(|p| p.deferred)
    }

    fn calls(&self) -> Vec<String> {
        self.emu
            .requests()
            .iter()
            .map(|r| format!("{}:{}", r.service, r.operation))
            .collect()
    }

    /// What is wrong with the end state (empty: settled).
    async fn violations(&self, flow: Flow) -> Vec<String> {
        let mut out = Vec::new();
        let want = flow.decided();
        let (desired, _, status) = self.emu.describe_variant(ENDPOINT, VARIANT);
        if desired != want || status != "InService" {
            out.push(format!("endpoint at {desired} ({status}), not {want}"));
        }
        let updates = self.emu.accepted_updates();
        if updates != [want] {
            out.push(format!("accepted updates {updates:?}, not [{want}]"));
        }
        if let Some(deferred) = self.state_pending().await {
            out.push(format!("a claim is still pending (deferred: {deferred})"));
        }
        let acts = self.store.activities(RID, 100).await.expect("activities");
        let set = format!("Setting desired instance count to {want}.");
        let done = acts
            .iter()
            .filter(|a| {
                a.status_code == StatusCode::Successful
                    && a.not_scaled_reasons.is_empty()
                    && a.description == set
            })
            .count();
        if done != 1 {
            out.push(format!(
                "{done} successful activities setting {want}, not 1"
            ));
        }
        for a in &acts {
            if !matches!(a.status_code, StatusCode::Successful) {
                out.push(format!(
                    "activity {:?}: {} ({})",
                    a.status_code,
                    a.description,
                    a.status_message.as_deref().unwrap_or("")
                ));
            }
        }
        out
    }
}

/// One row of the table.
struct Row {
    index: usize,
    call: String,
    crash: Crash,
    invocation: String,
    settled: String,
    violations: Vec<String>,
}

/// The recovery: (offset from the crash, is it Lambda's retry of the crashed event).
const RECOVERY: [(i64, bool); 4] = [(30, false), (60, true), (90, false), (150, false)];

/// Runs the flow with a crash at call `index` (1-based) and the recovery after it.
async fn crash_case(w: &World, flow: Flow, clean: &[String], index: usize, crash: Crash) -> Row {
    w.setup(flow).await;
    w.emu.cut_off(index, crash.cut());
    let failed = match crash {
        Crash::Fault | Crash::FaultAfter => {
            let result = w.invoke(flow, &flow.event(), t0()).await;
            w.emu.lift_cutoff();
            result.err()
        }
        Crash::Kill | Crash::KillAfter => {
            let killed = kill_at_held_call(w, flow);
            w.emu.lift_cutoff();
            Some(killed)
        }
    };
    let mut violations = Vec::new();
    // The crash happened where it was meant to: the same calls as the clean run up to it.
    let calls = w.calls();
    if calls.len() < index || calls[..index] != clean[..index] {
        violations.push(format!(
            "crash run's calls {calls:?} do not start as the clean run's"
        ));
    } else if !w.emu.requests()[index - 1]
        .fault
        .as_deref()
        .is_some_and(|f| f.starts_with("cutoff"))
    {
        violations.push(format!("call {index} was not cut off"));
    }
    let invocation = match &failed {
        Some(_) if matches!(crash, Crash::Kill | Crash::KillAfter) => "killed".to_string(),
        Some(_) => "error".to_string(),
        None => "ok".to_string(),
    };
    let mut settled = None;
    if w.violations(flow).await.is_empty() {
        settled = Some("crashed run".to_string());
    }
    for (offset, is_retry) in RECOVERY {
        let now = t0() + Duration::seconds(offset);
        let step = if is_retry {
            if failed.is_none() {
                continue;
            }
            if let Err(e) = w.invoke(flow, &flow.event(), now).await {
                violations.push(format!("the retry failed: {e}"));
            }
            format!("retry +{offset}s")
        } else {
            w.pass(now).await;
            format!("pass +{offset}s")
        };
        let ok = w.violations(flow).await.is_empty();
        match (&settled, ok) {
            (None, true) => settled = Some(step),
            (Some(_), false) => settled = None, // settled, then undone: reported below
            _ => {}
        }
    }
    violations.extend(w.violations(flow).await);
    Row {
        index,
        call: clean[index - 1].clone(),
        crash,
        invocation,
        settled: settled.unwrap_or_else(|| "NOT SETTLED".into()),
        violations,
    }
}

/// Starts the built binary (clock at [`t0`]), sends it the flow's event through the Runtime
/// API, waits until the emulator holds the cut-off call, and SIGKILLs the function. Returns
/// how it went, for the table.
fn kill_at_held_call(w: &World, flow: Flow) -> String {
    let (api, exe) = w.runtime.as_ref().expect("runtime started");
    let mut env = w.emu.aws_env();
    env.extend([
        ("SAGESCALE_TABLE", TABLE.to_string()),
        ("SAGESCALE_ACCOUNT_ID", ACCOUNT_ID.to_string()),
        ("SAGESCALE_ALLOWED_ALARM_PREFIX", PREFIX.to_string()),
        ("SAGESCALE_CLOCK_START", rfc3339(t0())),
    ]);
    let function: ProcessGroup = start_function(exe, &api.runtime_api(), &env, None);
    let port = api.port;
    let body = flow.event().to_string();
    // The invocation is never answered (the function dies): it is left to time out.
    std::thread::spawn(move || {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .proxy(None)
            .timeout_global(Some(StdDuration::from_secs(120)))
            .build()
            .into();
        let _ = agent
            .post(&format!(
                "http://127.0.0.1:{port}/2015-03-31/functions/_/invocations"
            ))
            .header("content-type", "application/json")
            .send(body);
    });
    let held = w.emu.wait_held(StdDuration::from_secs(60));
    drop(function); // SIGKILL to its process group, then reaped
    if held {
        "killed".into()
    } else {
        "never reached the call".into()
    }
}

/// Every crash point of `flow`: the clean run's calls, then each index as each crash kind.
async fn crash_matrix(flow: Flow) {
    // A claim the retry leaves is stale by the last pass, so the recovery can complete it.
    let (retry, last) = (RECOVERY[1].0, RECOVERY[3].0);
    assert!(Duration::seconds(last - retry) > STALE_CLAIM);
    let started = Instant::now();
    let w = World::new(flow).await;
    w.setup(flow).await;
    w.invoke(flow, &flow.event(), t0())
        .await
        .expect("the clean run succeeds");
    let clean = w.calls();
    assert!(
        w.violations(flow).await.is_empty(),
        "clean run of {}: {:?}",
        flow.name(),
        w.violations(flow).await
    );
    let full = std::env::var("SAGESCALE_CRASH_MATRIX").is_ok_and(|v| v == "full");
    let mut rows = Vec::new();
    for (i, call) in clean.iter().enumerate() {
        let index = i + 1;
        let mut kinds = vec![Crash::Fault, Crash::FaultAfter];
        if full || KILL_SUBSET.contains(&call.as_str()) {
            kinds.extend([Crash::Kill, Crash::KillAfter]);
        }
        for crash in kinds {
            rows.push(crash_case(&w, flow, &clean, index, crash).await);
        }
    }
    let mut table = String::new();
    let _ = writeln!(
        table,
        "\n{} ({} calls: {}), {} crash points in {:.1} s",
        flow.name(),
        clean.len(),
        clean.join(", "),
        rows.len(),
        started.elapsed().as_secs_f64()
    );
    let _ = writeln!(
        table,
        "| flow | call # | service:operation | crash | invocation | settled by | outcome |"
    );
    for r in &rows {
        let outcome = if r.violations.is_empty() {
            format!("at {}, 1 update", flow.decided())
        } else {
            format!("VIOLATED: {}", r.violations.join("; "))
        };
        let _ = writeln!(
            table,
            "| {} | {} | {} | {} | {} | {} | {} |",
            flow.name(),
            r.index,
            r.call,
            r.crash.name(),
            r.invocation,
            r.settled,
            outcome
        );
    }
    eprintln!("{table}");
    let bad: Vec<&Row> = rows.iter().filter(|r| !r.violations.is_empty()).collect();
    assert!(
        bad.is_empty(),
        "{} of {} crash points of {} violated the invariants (table above)",
        bad.len(),
        rows.len(),
        flow.name()
    );
    assert!(rows.iter().all(|r| r.settled != "NOT SETTLED"));
}

/// One test per flow, so the flows run in parallel, each on its own emulator.
macro_rules! crash_tests {
    ($($name:ident: $flow:expr;)*) => {$(
        #[tokio::test(flavor = "multi_thread")]
        async fn $name() {
            crash_matrix($flow).await;
        }
    )*};
}

crash_tests! {
    alarm_path_survives_a_crash_at_every_call: Flow::Alarm;
    pass_firing_a_scheduled_action_survives_a_crash_at_every_call: Flow::Scheduled;
    pass_completing_a_deferred_claim_survives_a_crash_at_every_call: Flow::Deferred;
    pass_deciding_on_target_tracking_survives_a_crash_at_every_call: Flow::Tracking;
    direct_scheduled_invocation_survives_a_crash_at_every_call: Flow::Direct;
}

/// The emulator's cutoff itself: calls before the n-th are served, the n-th is served and its
/// answer lost (`apply`), later ones fail without effect until it is lifted; a bad index is
/// refused with a clear error and sets nothing.
#[tokio::test(flavor = "multi_thread")]
async fn the_cutoff_serves_calls_before_the_nth_and_none_after() {
    let emu = Emulator::start();
    emu.create_endpoint(ENDPOINT, VARIANT, START);
    let err = emu
        .control("POST", "cutoff", Some(&json!({"at": 0})))
        .expect_err("index 0 refused");
    assert!(err.to_string().contains("at must be at least 1"), "{err}");
    assert_eq!(emu.cutoff(), None);

    let sdk = emu
        .sdk_config()
        .await
        .into_builder()
        .retry_config(RetryConfig::standard().with_initial_backoff(StdDuration::from_millis(2)))
        .build();
    let sm = aws_sdk_sagemaker::Client::new(&sdk);
    let update = |n: i32| {
        sm.update_endpoint_weights_and_capacities()
            .endpoint_name(ENDPOINT)
            .desired_weights_and_capacities(
                aws_sdk_sagemaker::types::DesiredWeightAndCapacity::builder()
                    .variant_name(VARIANT)
                    .desired_instance_count(n)
                    .build(),
            )
            .send()
    };
    emu.cut_off(2, Cut::Fail { served: true });
    let describe = || sm.describe_endpoint().endpoint_name(ENDPOINT).send();
    describe().await.expect("call 1 is served");
    update(5).await.expect_err("call 2's answer is lost");
    assert_eq!(
        emu.describe_variant(ENDPOINT, VARIANT).0,
        5,
        "call 2 took effect"
    );
    update(7).await.expect_err("later calls fail");
    assert_eq!(
        emu.describe_variant(ENDPOINT, VARIANT).0,
        5,
        "without effect"
    );
    let status = emu.cutoff().expect("set");
    assert_eq!((status.at, status.held), (2, 0));
    assert!(status.seen >= 4, "{status:?}"); // the SDK retried the cut calls
    emu.lift_cutoff();
    describe().await.expect("served again once lifted");

    let faults: Vec<Option<String>> = emu.requests().into_iter().map(|r| r.fault).collect();
    assert_eq!(faults[0], None);
    assert_eq!(faults[1].as_deref(), Some("cutoff-applied"));
    assert!(
        faults[2..faults.len() - 1]
            .iter()
            .all(|f| f.as_deref() == Some("cutoff"))
    );
    assert_eq!(faults.last().cloned().flatten(), None);
    assert_eq!(emu.accepted_updates(), [5]);
}
