//! The built alarm-scaler binary under a real Lambda runtime emulator: `cargo lambda watch`
//! serves the Runtime API, the binary polls it as it does in Lambda, `cargo lambda invoke
//! --data-file` sends literal fixtures, and the function talks to the emulated AWS through the
//! real SDK.

mod support;

use std::process::Output;

use sagescale_core::activity::StatusCode;
use sagescale_tests::lambda::{ProcessGroup, RuntimeApi, built_binary, start_function};
use sagescale_tests::repo_root;
use support::*;

/// The Runtime API and the built alarm-scaler polling it, with the handler's settings.
fn start_watch(env: &[(&'static str, String)]) -> (RuntimeApi, ProcessGroup) {
    let api = RuntimeApi::start();
    let mut env = env.to_vec();
    env.extend([
        ("SAGESCALE_TABLE", TABLE.to_string()),
        ("SAGESCALE_ACCOUNT_ID", "123456789012".into()),
        ("SAGESCALE_ALLOWED_ALARM_PREFIX", "sagescale-".into()),
    ]);
    let function = start_function(
        &built_binary("alarm-scaler", false),
        &api.runtime_api(),
        &env,
        None,
    );
    (api, function)
}

fn invoke(api: &RuntimeApi, fixture: &str) -> Output {
    api.invoke(&repo_root().join("tests/fixtures/events").join(fixture))
}

#[tokio::test(flavor = "multi_thread")]
async fn built_alarm_scaler_scales_out_under_the_lambda_runtime_emulator() {
    let env = env_with(&step_config("enforce"), 2).await;
    let (api, _function) = start_watch(&env.emu.aws_env());

    // The literal direct-alarm-action fixture: breach avg(640, 660) - 500 = 150 -> +3.
    let out = invoke(&api, "alarm-action-metric.json");
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
    let again = invoke(&api, "alarm-action-metric.json");
    let again: serde_json::Value =
        serde_json::from_slice(&again.stdout).expect("duplicate answered");
    assert_eq!(again["Outcomes"][0]["Outcome"], "Unchanged", "{again}");
    assert_eq!(activities(&env).await.len(), 1);

    // A foreign event is answered with a clear error and writes nothing.
    env.emu.clear_requests();
    let bad = invoke(&api, "foreign-source-ec2.json");
    assert!(!bad.status.success());
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&bad.stdout),
        String::from_utf8_lossy(&bad.stderr)
    );
    assert!(text.contains("RejectedEvent"), "{text}");
    assert_eq!(dynamodb_writes(&env.emu), 0);
}
