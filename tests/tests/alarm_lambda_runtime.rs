//! The built alarm-scaler binary under a real Lambda runtime emulator: `cargo lambda watch`
//! serves the Runtime API, the binary polls it as it does in Lambda, `cargo lambda invoke
//! --data-file` sends literal fixtures, and the function talks to the emulated AWS through the
//! real SDK.

mod support;

use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use sagescale_core::activity::StatusCode;
use sagescale_tests::repo_root;
use support::*;

fn cargo_lambda() -> PathBuf {
    let local = repo_root().join(".venv-tools/bin/cargo-lambda");
    if local.exists() {
        return local;
    }
    which("cargo-lambda").expect("cargo-lambda not found: run `make tools` first")
}

fn which(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join(name))
            .find(|p| p.exists())
    })
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `cargo lambda watch` and the function it runs, killed as a process group on drop.
struct Watch(Child);

impl Drop for Watch {
    fn drop(&mut self) {
        let pgid = self.0.id() as i32;
        // SAFETY: signalling our own child's process group.
        unsafe {
            libc_kill(-pgid, 9);
        }
        let _ = self.0.wait();
    }
}

unsafe extern "C" {
    #[link_name = "kill"]
    fn libc_kill(pid: i32, sig: i32) -> i32;
}

/// The function binary, built with the workspace's own cargo (a no-op when `cargo test`
/// already built it); the path comes from cargo, so CARGO_TARGET_DIR is honoured.
fn built_binary(name: &str) -> PathBuf {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args(["build", "--quiet", "-p", name, "--message-format", "json"])
        .current_dir(repo_root())
        .output()
        .expect("run cargo build");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|m| m["target"]["name"] == name)
        .find_map(|m| m["executable"].as_str().map(PathBuf::from))
        .expect("cargo reported the executable")
}

/// `cargo lambda watch --only-lambda-apis` serves the Runtime API; the built function binary
/// runs against it exactly as it does in Lambda (same environment contract).
fn start_watch(port: u16, env: &[(&'static str, String)]) -> (Watch, Watch) {
    let mut cmd = Command::new(cargo_lambda());
    cmd.args(["lambda", "watch", "--only-lambda-apis"])
        .args(["--invoke-address", "127.0.0.1"])
        .args(["--invoke-port", &port.to_string()]);
    let apis = Watch(
        cmd.current_dir(repo_root().join("functions/alarm-scaler"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .expect("start cargo lambda watch"),
    );
    let deadline = Instant::now() + Duration::from_secs(120);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "cargo lambda watch did not listen"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let function = Watch(
        Command::new(built_binary("alarm-scaler"))
            .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
            .env(
                "AWS_LAMBDA_RUNTIME_API",
                format!("http://127.0.0.1:{port}/.rt"),
            )
            .env("AWS_LAMBDA_FUNCTION_NAME", "_")
            .env("AWS_LAMBDA_FUNCTION_VERSION", "1")
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
            .env("SAGESCALE_TABLE", TABLE)
            .env("SAGESCALE_ACCOUNT_ID", "123456789012")
            .env("SAGESCALE_ALLOWED_ALARM_PREFIX", "sagescale-")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .expect("start alarm-scaler"),
    );
    (apis, function)
}

fn invoke(port: u16, fixture: &str) -> Output {
    Command::new(cargo_lambda())
        .args(["lambda", "invoke", "_"])
        .args(["--invoke-address", "127.0.0.1"])
        .args(["--invoke-port", &port.to_string()])
        .args(["--output-format", "json"])
        .arg("--data-file")
        .arg(repo_root().join("tests/fixtures/events").join(fixture))
        .output()
        .expect("run cargo lambda invoke")
}

#[tokio::test(flavor = "multi_thread")]
async fn built_alarm_scaler_scales_out_under_the_lambda_runtime_emulator() {
    let env = env_with(&step_config("enforce"), 2).await;
    let port = free_port();
    let _watch = start_watch(port, &env.emu.aws_env());

    // The literal direct-alarm-action fixture: breach avg(640, 660) - 500 = 150 -> +3.
    let out = invoke(port, "alarm-action-metric.json");
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
    let again = invoke(port, "alarm-action-metric.json");
    let again: serde_json::Value =
        serde_json::from_slice(&again.stdout).expect("duplicate answered");
    assert_eq!(again["Outcomes"][0]["Outcome"], "Unchanged", "{again}");
    assert_eq!(activities(&env).await.len(), 1);

    // A foreign event is answered with a clear error and writes nothing.
    env.emu.clear_requests();
    let bad = invoke(port, "foreign-source-ec2.json");
    assert!(!bad.status.success());
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&bad.stdout),
        String::from_utf8_lossy(&bad.stderr)
    );
    assert!(text.contains("RejectedEvent"), "{text}");
    assert_eq!(dynamodb_writes(&env.emu), 0);
}
