//! The built function binaries under a real Lambda runtime emulator: `cargo lambda watch`
//! serves the Runtime API, the binary polls it as it does in Lambda, `cargo lambda invoke
//! --data-file` sends literal fixtures, and the function talks to the emulated AWS through the
//! real SDK.

mod support;

use std::process::Output;

use sagescale_aws::lambda::CLIENTS_BUILT;
use sagescale_core::activity::StatusCode;
use sagescale_tests::lambda::{ProcessGroup, RuntimeApi, built_binary, start_function};
use sagescale_tests::repo_root;
use support::*;

/// The Runtime API, the built `bin` polling it with the handlers' settings, and the file its
/// stdout and stderr (the function's log) go to.
struct Watch {
    api: RuntimeApi,
    log: std::path::PathBuf,
    _function: ProcessGroup,
}

impl Drop for Watch {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.log);
    }
}

fn start_watch(bin: &str, env: &[(&'static str, String)]) -> Watch {
    let api = RuntimeApi::start();
    let mut env = env.to_vec();
    env.extend([
        ("SAGESCALE_TABLE", TABLE.to_string()),
        ("SAGESCALE_ACCOUNT_ID", "123456789012".into()),
        ("SAGESCALE_ALLOWED_ALARM_PREFIX", "sagescale-".into()),
    ]);
    let log = std::env::temp_dir().join(format!(
        "sagescale-{bin}-{}-{}.log",
        std::process::id(),
        api.port
    ));
    let function = start_function(
        &built_binary(bin, false),
        &api.runtime_api(),
        &env,
        Some(&log),
    );
    Watch {
        api,
        log,
        _function: function,
    }
}

/// An event from another source (EC2) fails with the RejectedEvent error type, no writes, and
/// the rejection is logged once (by the runtime client; `serve` does not log it again).
fn assert_foreign_event_refused(watch: &Watch, env: &Env) {
    env.emu.clear_requests();
    let before = std::fs::read_to_string(&watch.log)
        .unwrap_or_default()
        .len();
    let bad = invoke(&watch.api, "foreign-source-ec2.json");
    assert!(!bad.status.success());
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&bad.stdout),
        String::from_utf8_lossy(&bad.stderr)
    );
    assert!(text.contains("RejectedEvent"), "{text}");
    assert_eq!(env.emu.dynamodb_writes(), 0);
    // The function writes its log line before it posts the error, so it is there by now.
    let log = std::fs::read_to_string(&watch.log).expect("function log");
    let new = &log[before..];
    let logged: Vec<&str> = new.lines().filter(|l| l.contains("aws.ec2")).collect();
    assert_eq!(logged.len(), 1, "the rejection is logged once:\n{new}");
    assert!(
        logged[0].contains(r#""level":"ERROR""#)
            && logged[0].contains("RejectedEvent: rejected: unsupported event"),
        "{new}"
    );
}

/// How many times the function logged that it built its SDK clients.
fn clients_built(watch: &Watch) -> usize {
    std::fs::read_to_string(&watch.log)
        .unwrap_or_default()
        .lines()
        .filter(|l| l.contains(CLIENTS_BUILT))
        .count()
}

fn invoke(api: &RuntimeApi, fixture: &str) -> Output {
    api.invoke(&repo_root().join("tests/fixtures/events").join(fixture))
}

#[tokio::test(flavor = "multi_thread")]
async fn built_alarm_scaler_scales_out_under_the_lambda_runtime_emulator() {
    let env = env_with(&step_config("enforce"), 2).await;
    let watch = start_watch("alarm-scaler", &env.emu.aws_env());
    let api = &watch.api;

    // The literal direct-alarm-action fixture: breach avg(640, 660) - 500 = 150 -> +3.
    let out = invoke(api, "alarm-action-metric.json");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "invoke failed: {stdout}\n{stderr}");
    let response: serde_json::Value =
        serde_json::from_str(stdout.trim()).unwrap_or_else(|e| panic!("{e}: {stdout}"));
    assert_eq!(response["Outcomes"][0]["Outcome"], "Scaled", "{response}");
    assert_eq!(response["Outcomes"][0]["DesiredCapacity"], 5, "{response}");
    assert_eq!(desired(&env), 5);
    assert_eq!(
        activities(&env).await[0].status_code,
        StatusCode::Successful
    );

    // The same delivery again is a duplicate: nothing changes.
    let again = invoke(api, "alarm-action-metric.json");
    let again: serde_json::Value =
        serde_json::from_slice(&again.stdout).expect("duplicate answered");
    assert_eq!(again["Outcomes"][0]["Outcome"], "Unchanged", "{again}");
    assert_eq!(activities(&env).await.len(), 1);

    // A foreign event is answered with a clear error and writes nothing.
    assert_foreign_event_refused(&watch, &env);

    // Three invocations, one set of SDK clients: built by the first, reused by the others.
    assert_eq!(clients_built(&watch), 1);
}

/// Under provisioned concurrency, init runs ahead of any request, so the SDK clients are built
/// there rather than by the first invocation; once all the same.
#[tokio::test(flavor = "multi_thread")]
async fn under_provisioned_concurrency_the_clients_are_built_at_init() {
    let env = env_with(&step_config("enforce"), 2).await;
    let mut aws = env.emu.aws_env();
    aws.push((
        "AWS_LAMBDA_INITIALIZATION_TYPE",
        "provisioned-concurrency".into(),
    ));
    let watch = start_watch("alarm-scaler", &aws);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while clients_built(&watch) == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "no clients built before the first invocation"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let response = answer(&invoke(&watch.api, "alarm-action-metric.json"));
    assert_eq!(response["Outcomes"][0]["Outcome"], "Scaled", "{response}");
    assert_eq!(desired(&env), 5);
    assert_eq!(clients_built(&watch), 1);
}

/// `demo-endpoint` between 1 and 8, with `friday-peak` raising the floor to 4 at 18:00 New York.
const SCHEDULED: &str = r#"
ScalableTargets:
  - ServiceNamespace: sagemaker
    ResourceId: endpoint/demo-endpoint/variant/AllTraffic
    ScalableDimension: sagemaker:variant:DesiredInstanceCount
    MinCapacity: 1
    MaxCapacity: 8
    ScheduledActions:
      - ScheduledActionName: friday-peak
        Schedule: cron(0 18 ? * FRI *)
        Timezone: America/New_York
        ScalableTargetAction: {MinCapacity: 4}
"#;

fn answer(out: &Output) -> serde_json::Value {
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "invoke failed: {stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_str(stdout.trim()).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn built_schedule_scaler_fires_a_scheduler_action_once_under_the_lambda_runtime_emulator() {
    let env = env_with(SCHEDULED, 2).await;
    let mut aws = env.emu.aws_env();
    // The fixture's ScheduledTime is Friday 27 Nov 2026 23:00 UTC (18:00 New York): the
    // function's clock reads seven seconds later, as when Scheduler delivers on time.
    aws.push(("SAGESCALE_CLOCK_START", "2026-11-27T23:00:07Z".into()));
    let watch = start_watch("schedule-scaler", &aws);
    let api = &watch.api;

    let first = answer(&invoke(api, "scheduler-action.json"));
    let o = &first["Outcomes"][0];
    assert_eq!(o["Trigger"], "scheduled:friday-peak", "{first}");
    assert_eq!(o["Outcome"], "Scaled", "{first}");
    assert_eq!(o["DesiredCapacity"], 4, "{first}");
    assert_eq!(desired(&env), 4);

    // Scheduler retries the same delivery: the occurrence already fired, nothing changes.
    let again = answer(&invoke(api, "scheduler-action.json"));
    assert_ne!(again["Outcomes"][0]["Outcome"], "Scaled", "{again}");
    assert_eq!(
        env.emu
            .requests_for("sagemaker", "UpdateEndpointWeightsAndCapacities")
            .len(),
        1
    );

    // The one-minute rule's tick runs the pass at its own time: nothing is due at 18:05 UTC.
    let tick = answer(&invoke(api, "eventbridge-scheduled-event.json"));
    assert_eq!(tick["Failed"], 0, "{tick}");
    assert_eq!(tick["Outcomes"], serde_json::json!([]), "{tick}");
    assert_eq!(desired(&env), 4);

    assert_foreign_event_refused(&watch, &env);
}
