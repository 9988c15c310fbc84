//! Function binaries under a real Lambda runtime emulator, for tests, `make demo` and `make
//! bench`: `cargo lambda watch --only-lambda-apis` serves the Runtime API, the built binary
//! polls it as it does in Lambda (same environment contract), and `cargo lambda invoke
//! --data-file` sends events.
//!
//! Plain `cargo lambda watch` would build the function itself with its own flags (and rebuild
//! the workspace); running the binary cargo already built keeps one build for everything.

use std::fs::File;
use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::repo_root;

/// How long `cargo lambda watch` may take to listen (a cold start on a busy machine).
const LISTEN_TIMEOUT: Duration = Duration::from_secs(120);

/// `cargo-lambda`: SAGESCALE_CARGO_LAMBDA (the Makefile passes the tools venv's, wherever
/// TOOLS_VENV puts it), else the repository's `.venv-tools` (`make tools`), else PATH.
pub fn cargo_lambda() -> PathBuf {
    if let Some(path) = std::env::var_os("SAGESCALE_CARGO_LAMBDA").map(PathBuf::from)
        && path.exists()
    {
        return path;
    }
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

/// A free TCP port on 127.0.0.1.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Waits until something listens on `port`.
pub fn wait_listening(port: u16, timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    true
}

/// A child process in its own process group, killed with the group on drop (cargo-lambda
/// starts helpers of its own).
pub struct ProcessGroup(pub Child);

impl ProcessGroup {
    pub fn spawn(cmd: &mut Command) -> std::io::Result<Self> {
        cmd.process_group(0).spawn().map(Self)
    }

    pub fn id(&self) -> u32 {
        self.0.id()
    }
}

impl Drop for ProcessGroup {
    fn drop(&mut self) {
        let pgid = self.0.id() as i32;
        // SAFETY: signalling our own child's process group.
        unsafe {
            kill(-pgid, 9);
        }
        let _ = self.0.wait();
    }
}

unsafe extern "C" {
    fn kill(pid: i32, sig: i32) -> i32;
}

/// A binary of this workspace (`alarm-scaler`, `schedule-scaler`, `sagescale`, ...), with its
/// path from cargo, so CARGO_TARGET_DIR is honoured. Built as `cargo build --workspace --bins`
/// (what `make demo` and `make bench` run too): one feature set for every binary, so the
/// functions are built once, not once per package selection. A no-op when up to date.
pub fn built_binary(bin: &str, release: bool) -> PathBuf {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.args([
        "build",
        "--quiet",
        "--workspace",
        "--bins",
        "--message-format",
        "json",
    ]);
    // Under `cargo test` this process carries the variables cargo sets for the test binary;
    // some build scripts (ring's) track CARGO_MANIFEST_DIR, and inheriting it would rebuild
    // half the dependency tree on every alternation between `cargo build` and `cargo test`.
    for (key, _) in std::env::vars_os() {
        let key = key.to_string_lossy();
        let set_by_cargo_for_tests = [
            "CARGO_MANIFEST_",
            "CARGO_PKG_",
            "CARGO_CRATE_",
            "CARGO_BIN_",
            "CARGO_PRIMARY_PACKAGE",
            "CARGO_TARGET_TMPDIR",
            "OUT_DIR",
        ]
        .iter()
        .any(|p| key.starts_with(p));
        if set_by_cargo_for_tests {
            cmd.env_remove(key.as_ref());
        }
    }
    if release {
        cmd.arg("--release");
    }
    let out = cmd
        .current_dir(repo_root())
        .output()
        .expect("run cargo build");
    assert!(
        out.status.success(),
        "cargo build --workspace --bins: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|m| m["target"]["name"] == bin && m["target"]["kind"][0] == "bin")
        .find_map(|m| m["executable"].as_str().map(PathBuf::from))
        .unwrap_or_else(|| panic!("cargo reported no executable named {bin}"))
}

/// `cargo lambda watch --only-lambda-apis` on a free port: the Runtime API and the Invoke API.
pub struct RuntimeApi {
    pub port: u16,
    _process: ProcessGroup,
}

impl RuntimeApi {
    pub fn start() -> Self {
        let port = free_port();
        let process = ProcessGroup::spawn(
            Command::new(cargo_lambda())
                .args(["lambda", "watch", "--only-lambda-apis"])
                .args(["--invoke-address", "127.0.0.1"])
                .args(["--invoke-port", &port.to_string()])
                .current_dir(repo_root())
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null()),
        )
        .expect("start cargo lambda watch");
        assert!(
            wait_listening(port, LISTEN_TIMEOUT),
            "cargo lambda watch did not listen on {port}"
        );
        Self {
            port,
            _process: process,
        }
    }

    /// AWS_LAMBDA_RUNTIME_API for a function served by this emulator.
    pub fn runtime_api(&self) -> String {
        format!("127.0.0.1:{}/.rt", self.port)
    }

    /// `cargo lambda invoke --data-file FILE`: the function's JSON answer on stdout, or its
    /// error (errorType, errorMessage) and a failed status.
    pub fn invoke(&self, data_file: &Path) -> Output {
        Command::new(cargo_lambda())
            .args(["lambda", "invoke", "_"])
            .args(["--invoke-address", "127.0.0.1"])
            .args(["--invoke-port", &self.port.to_string()])
            .args(["--output-format", "json"])
            .arg("--data-file")
            .arg(data_file)
            .output()
            .expect("run cargo lambda invoke")
    }
}

/// The environment Lambda gives a function (the parts the runtime client reads), for a
/// function called `_` (cargo-lambda's default name) served at `runtime_api`.
pub fn lambda_env(runtime_api: &str) -> Vec<(&'static str, String)> {
    vec![
        ("AWS_LAMBDA_RUNTIME_API", format!("http://{runtime_api}")),
        ("AWS_LAMBDA_FUNCTION_NAME", "_".into()),
        ("AWS_LAMBDA_FUNCTION_VERSION", "1".into()),
        ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128".into()),
    ]
}

/// Starts a function binary against `runtime_api` with `env` added to the Lambda contract;
/// its stdout and stderr go to `log` (or nowhere).
pub fn start_function(
    exe: &Path,
    runtime_api: &str,
    env: &[(&str, String)],
    log: Option<&Path>,
) -> ProcessGroup {
    let (out, err) = match log {
        Some(path) => {
            let f = File::create(path).expect("create function log");
            (Stdio::from(f.try_clone().unwrap()), Stdio::from(f))
        }
        None => (Stdio::null(), Stdio::null()),
    };
    ProcessGroup::spawn(
        Command::new(exe)
            .envs(lambda_env(runtime_api))
            .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err),
    )
    .unwrap_or_else(|e| panic!("start {}: {e}", exe.display()))
}
