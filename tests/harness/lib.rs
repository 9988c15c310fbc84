//! Harness for integration tests against an emulated AWS.
//!
//! [`Emulator::start`] spawns `tests/emulator/server.py` (moto's server plus sagescale's
//! realism layer, see that file) from the repository's `.venv`, on a free port of 127.0.0.1.
//! Each test can start its own emulator: they are independent processes, so tests stay
//! isolated and run in parallel. The child process is killed when the [`Emulator`] is dropped
//! (also when a test panics), and it exits by itself when the test process dies, because it
//! watches its stdin, which only this handle holds open.
//!
//! ```no_run
//! # async fn demo() {
//! use sagescale_tests::{Emulator, FaultKind};
//! let emu = Emulator::start();
//! emu.create_endpoint("my-endpoint", "AllTraffic", 2);
//! emu.set_update_delay(30.0);
//! emu.inject_fault("sagemaker", "UpdateEndpointWeightsAndCapacities", FaultKind::Throttle, 1);
//! let sagemaker = aws_sdk_sagemaker::Client::new(&emu.sdk_config().await);
//! # }
//! ```
//!
//! The control helpers are for tests: they panic with the emulator's explanation when a
//! control route fails. [`Emulator::control`] is the fallible escape hatch.

pub mod aas;
pub mod cloudwatch;
pub mod crash;
pub mod events;
pub mod fuzz;
pub mod inference_component;
pub mod lambda;
pub mod soak;
pub mod target;

use std::fmt;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_config::{BehaviorVersion, Region, SdkConfig, retry::RetryConfig};
use aws_sdk_sagemaker::config::Credentials;
use serde::Deserialize;
use serde_json::{Value, json};

/// Region the emulator's SDK configuration uses.
pub const REGION: &str = "us-east-1";
/// Account moto assigns to every request made with the test credentials.
pub const ACCOUNT_ID: &str = "123456789012";

/// Static test credentials (moto accepts any).
pub const ACCESS_KEY_ID: &str = "AKIASAGESCALETEST000";
pub const SECRET_ACCESS_KEY: &str = "sagescale-test-secret";

/// How long to wait for `READY <port>`: a cold Python start on a busy 2-core machine is slow.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(120);
/// Upper bound for one control request (they are local and quick).
const CONTROL_TIMEOUT: Duration = Duration::from_secs(30);
/// Keep at most this much of the emulator's stderr for error messages.
const STDERR_KEEP: usize = 64 * 1024;

/// Something went wrong starting or talking to the emulator.
#[derive(Debug)]
pub enum HarnessError {
    /// `<repo>/.venv/bin/python` does not exist.
    MissingVenv(PathBuf),
    /// The emulator process could not be started or died before it was ready.
    Startup(String),
    /// A control route answered with an error status.
    Control {
        method: &'static str,
        path: String,
        status: u16,
        body: String,
    },
    /// Transport failure or an unparsable answer.
    Http(String),
}

impl fmt::Display for HarnessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MissingVenv(python) => write!(
                f,
                "emulator Python not found at {}: run `make venv` first",
                python.display()
            ),
            Self::Startup(msg) => write!(f, "emulator failed to start: {msg}"),
            Self::Control {
                method,
                path,
                status,
                body,
            } => write!(
                f,
                "emulator control {method} {path} answered {status}: {body}"
            ),
            Self::Http(msg) => write!(f, "emulator control request failed: {msg}"),
        }
    }
}

impl std::error::Error for HarnessError {}

/// A kind of injected failure; each answers with the real AWS error shape of the service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultKind {
    /// HTTP 400 `ThrottlingException` "Rate exceeded" (retryable throttling).
    Throttle,
    /// HTTP 500 `InternalFailure` (DynamoDB: `InternalServerError`).
    ServerError,
    /// HTTP 503 `ServiceUnavailable`.
    Unavailable,
    /// HTTP 400 `ResourceLimitExceeded` with SageMaker's quota message
    /// (DynamoDB, Application Auto Scaling: `LimitExceededException`).
    ResourceLimit,
}

impl FaultKind {
    /// The `kind` the control route expects.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Throttle => "throttle",
            Self::ServerError => "5xx",
            Self::Unavailable => "unavailable",
            Self::ResourceLimit => "resource_limit",
        }
    }
}

/// One AWS call the emulator received, in arrival order.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct RequestLogEntry {
    /// `sagemaker`, `dynamodb`, `application-autoscaling`, `cloudwatch`, ...
    pub service: String,
    /// Operation from `X-Amz-Target` (e.g. `UpdateEndpointWeightsAndCapacities`) or from the
    /// RPC v2 CBOR path (CloudWatch: e.g. `GetMetricData`).
    pub operation: String,
    /// Arrival time, RFC 3339 UTC with milliseconds.
    pub time: String,
    /// HTTP status the emulator answered.
    pub status: u16,
    /// The injected fault kind that answered this call, if any (`cutoff`, `cutoff-applied`:
    /// see [`crate::crash`]).
    pub fault: Option<String>,
    /// The request's parameters, for the few operations the emulator keeps them of
    /// (UpdateEndpointWeightsAndCapacities: `EndpointName`, `DesiredWeightsAndCapacities`;
    /// UpdateInferenceComponentRuntimeConfig: `InferenceComponentName`, `DesiredRuntimeConfig`).
    #[serde(default)]
    pub params: Option<Value>,
    /// UpdateEndpointWeightsAndCapacities: `{"DesiredWeightsAndCapacities": [...]}` as asked;
    /// UpdateInferenceComponentRuntimeConfig: `{"DesiredRuntimeConfig": {"CopyCount": n}}`.
    #[serde(default)]
    pub detail: Option<Value>,
}

/// A variant as DescribeEndpoint reports it, with the endpoint's status.
#[derive(Debug, Clone, PartialEq)]
pub struct VariantState {
    pub desired_instance_count: i64,
    pub current_instance_count: i64,
    pub desired_weight: f64,
    pub current_weight: f64,
    pub endpoint_status: String,
}

/// A running emulator process. Dropping it kills the process.
pub struct Emulator {
    child: Child,
    // Held only so the child sees EOF on stdin when this process goes away.
    _stdin: Option<ChildStdin>,
    port: u16,
    agent: ureq::Agent,
    stderr: Arc<Mutex<String>>,
}

impl fmt::Debug for Emulator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Emulator")
            .field("pid", &self.child.id())
            .field("port", &self.port)
            .finish()
    }
}

/// Repository root (the parent of this package's directory).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf()
}

/// The Python interpreter of the repository's `.venv`.
pub fn venv_python() -> PathBuf {
    repo_root().join(".venv").join("bin").join("python")
}

impl Emulator {
    /// Starts an emulator on a free port and waits until it accepts connections.
    ///
    /// # Panics
    /// When it cannot start; the message says why (for a missing `.venv`: "run `make venv` first").
    pub fn start() -> Emulator {
        Self::try_start().unwrap_or_else(|err| panic!("{err}"))
    }

    /// Like [`Emulator::start`], returning the error instead of panicking.
    pub fn try_start() -> Result<Emulator, HarnessError> {
        Self::try_start_with_python(&venv_python())
    }

    /// Starts the emulator with a given Python interpreter (one that has the emulator's
    /// requirements installed).
    pub fn try_start_with_python(python: &Path) -> Result<Emulator, HarnessError> {
        if !python.exists() {
            return Err(HarnessError::MissingVenv(python.to_path_buf()));
        }
        let verbose = std::env::var_os("SAGESCALE_EMULATOR_VERBOSE").is_some();
        let mut command = Command::new(python);
        command
            .arg(repo_root().join("tests/emulator/server.py"))
            .args(["--port", "0", "--exit-on-stdin-eof"])
            .current_dir(repo_root())
            .env("PYTHONUNBUFFERED", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if verbose {
            command.arg("--verbose");
        }
        let mut child = command.spawn().map_err(|err| {
            HarnessError::Startup(format!("spawning {}: {err}", python.display()))
        })?;

        let stderr = Arc::new(Mutex::new(String::new()));
        let stderr_pipe = child.stderr.take().expect("stderr is piped");
        let sink = Arc::clone(&stderr);
        std::thread::spawn(move || collect_stderr(stderr_pipe, &sink, verbose));

        let (ready_tx, ready_rx) = mpsc::channel();
        let stdout_pipe = child.stdout.take().expect("stdout is piped");
        std::thread::spawn(move || {
            let mut ready_tx = Some(ready_tx);
            // Keep draining after READY so the child never blocks on a full pipe.
            for line in BufReader::new(stdout_pipe).lines().map_while(Result::ok) {
                if let Some(port) = line.strip_prefix("READY ")
                    && let Some(tx) = ready_tx.take()
                {
                    let _ = tx.send(port.trim().parse::<u16>());
                }
            }
        });

        let stdin = child.stdin.take();
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .proxy(None)
            .timeout_global(Some(CONTROL_TIMEOUT))
            .build()
            .into();
        let mut emulator = Emulator {
            child,
            _stdin: stdin,
            port: 0,
            agent,
            stderr,
        };
        match ready_rx.recv_timeout(STARTUP_TIMEOUT) {
            Ok(Ok(port)) => {
                emulator.port = port;
                Ok(emulator)
            }
            Ok(Err(err)) => Err(emulator.startup_error(&format!("bad READY line: {err}"))),
            Err(mpsc::RecvTimeoutError::Timeout) => Err(emulator.startup_error(&format!(
                "no READY line within {}s",
                STARTUP_TIMEOUT.as_secs()
            ))),
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                let status = emulator.child.wait().ok();
                Err(emulator.startup_error(&format!("exited before READY ({status:?})")))
            }
        }
        // On error `emulator` is dropped here, which kills the child.
    }

    fn startup_error(&self, what: &str) -> HarnessError {
        // Give the stderr reader a moment to catch the child's last words.
        std::thread::sleep(Duration::from_millis(200));
        let stderr = self.stderr.lock().map(|s| s.clone()).unwrap_or_default();
        HarnessError::Startup(format!("{what}; stderr:\n{stderr}"))
    }

    /// `http://127.0.0.1:<port>`: pass it as the SDK's endpoint URL (or `AWS_ENDPOINT_URL`).
    pub fn endpoint_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The TCP port the emulator listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Process id of the emulator (for tests of the harness itself).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SDK configuration for this emulator: region us-east-1, static test credentials,
    /// endpoint URL set, standard retry mode (3 attempts), latest behavior version.
    pub async fn sdk_config(&self) -> SdkConfig {
        aws_config::defaults(BehaviorVersion::latest())
            .region(Region::new(REGION))
            .credentials_provider(Credentials::new(
                ACCESS_KEY_ID,
                SECRET_ACCESS_KEY,
                None,
                None,
                "sagescale-tests",
            ))
            .endpoint_url(self.endpoint_url())
            .retry_config(RetryConfig::standard())
            .load()
            .await
    }

    /// Environment for a child process (a Lambda binary, the CLI) that should talk to this
    /// emulator through the SDK's standard variables.
    pub fn aws_env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_ENDPOINT_URL", self.endpoint_url()),
            ("AWS_REGION", REGION.to_string()),
            // Read by boto3/the AWS CLI, which ignore AWS_REGION.
            ("AWS_DEFAULT_REGION", REGION.to_string()),
            ("AWS_ACCESS_KEY_ID", ACCESS_KEY_ID.to_string()),
            ("AWS_SECRET_ACCESS_KEY", SECRET_ACCESS_KEY.to_string()),
        ]
    }

    /// Calls a control route (`path` below `/_sagescale/`, e.g. `"faults"`), returning its JSON.
    /// A `body` is sent as JSON with POST; without one, `method` decides (GET or DELETE).
    pub fn control(
        &self,
        method: &'static str,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Value, HarnessError> {
        let url = format!("{}/_sagescale/{path}", self.endpoint_url());
        let response = match (method, body) {
            ("GET", None) => self.agent.get(&url).call(),
            ("DELETE", None) => self.agent.delete(&url).call(),
            ("POST", body) => self
                .agent
                .post(&url)
                .header("content-type", "application/json")
                .send(body.unwrap_or(&json!({})).to_string()),
            _ => {
                return Err(HarnessError::Http(format!(
                    "unsupported control call {method} with body {body:?}"
                )));
            }
        };
        let mut response = response.map_err(|err| HarnessError::Http(format!("{url}: {err}")))?;
        let status = response.status().as_u16();
        let text = response
            .body_mut()
            .read_to_string()
            .map_err(|err| HarnessError::Http(format!("{url}: reading body: {err}")))?;
        if status != 200 {
            return Err(HarnessError::Control {
                method,
                path: path.to_string(),
                status,
                body: text,
            });
        }
        serde_json::from_str(&text)
            .map_err(|err| HarnessError::Http(format!("{url}: {err}: {text}")))
    }

    fn control_ok(&self, method: &'static str, path: &str, body: Option<&Value>) -> Value {
        self.control(method, path, body)
            .unwrap_or_else(|err| panic!("{err}"))
    }

    /// Creates model, endpoint config and endpoint `name` with one variant of
    /// `instance_count` instances (weight 1.0, ml.m5.large); the endpoint is `InService`.
    pub fn create_endpoint(&self, name: &str, variant: &str, instance_count: i32) {
        self.create_endpoint_with(
            &json!({"name": name, "variant": variant, "instance_count": instance_count}),
        );
    }

    /// [`Emulator::create_endpoint`] with every field of the control route:
    /// `{"name", "variant", "instance_count", "weight", "instance_type", "region", "account"}`.
    pub fn create_endpoint_with(&self, spec: &Value) -> Value {
        self.control_ok("POST", "endpoints", Some(spec))
    }

    /// How long an accepted UpdateEndpointWeightsAndCapacities keeps endpoints `Updating`
    /// (default 0: instantly `InService`). Applies to endpoints without their own delay.
    pub fn set_update_delay(&self, secs: f64) {
        self.control_ok("POST", "update-delay", Some(&json!({"seconds": secs})));
    }

    /// Update delay of one endpoint, overriding the global one.
    pub fn set_endpoint_update_delay(&self, name: &str, secs: f64) {
        self.control_ok(
            "POST",
            "update-delay",
            Some(&json!({"endpoint": name, "seconds": secs})),
        );
    }

    /// Forces the endpoint's status (`InService`, `Updating`, `Creating`, `SystemUpdating`,
    /// `RollingBack`, `Deleting`, `OutOfService`, `Failed`, `UpdateRollbackFailed`). It stays
    /// until changed; `InService` also brings current counts and weights to the desired ones.
    pub fn set_endpoint_status(&self, name: &str, status: &str) {
        self.control_ok(
            "POST",
            &format!("endpoints/{name}/status"),
            Some(&json!({"status": status})),
        );
    }

    /// Finishes an in-progress update now (current = desired, `InService`), whatever the delay.
    pub fn complete_update(&self, name: &str) {
        self.control_ok("POST", &format!("endpoints/{name}/complete"), None);
    }

    /// Answers the next `count` requests of `service` (`sagemaker`, `dynamodb`,
    /// `application-autoscaling`, `cloudwatch`) and `operation` (or `"*"`) with the fault.
    pub fn inject_fault(&self, service: &str, operation: &str, kind: FaultKind, count: u32) {
        self.control_ok(
            "POST",
            "faults",
            Some(&json!({"service": service, "operation": operation, "kind": kind.as_str(), "count": count})),
        );
    }

    /// Drops the faults not yet used up.
    pub fn clear_faults(&self) {
        self.control_ok("DELETE", "faults", None);
    }

    /// Every AWS call received since start, the last reset or [`Emulator::clear_requests`].
    pub fn requests(&self) -> Vec<RequestLogEntry> {
        serde_json::from_value(self.control_ok("GET", "requests", None))
            .unwrap_or_else(|err| panic!("emulator request log: {err}"))
    }

    /// The logged calls of one operation, in order.
    pub fn requests_for(&self, service: &str, operation: &str) -> Vec<RequestLogEntry> {
        self.requests()
            .into_iter()
            .filter(|entry| entry.service == service && entry.operation == operation)
            .collect()
    }

    /// How many writes DynamoDB received (since [`Emulator::clear_requests`]): what "changes
    /// nothing" means for rejected input.
    pub fn dynamodb_writes(&self) -> usize {
        self.requests()
            .iter()
            .filter(|r| {
                r.service == "dynamodb"
                    && matches!(
                        r.operation.as_str(),
                        "PutItem"
                            | "UpdateItem"
                            | "DeleteItem"
                            | "TransactWriteItems"
                            | "BatchWriteItem"
                    )
            })
            .count()
    }

    /// The logged requests counted by `service:operation`, sorted: what one handled event or
    /// pass cost in AWS round trips (after [`Emulator::clear_requests`]).
    pub fn request_counts(&self) -> Vec<(String, usize)> {
        let mut counts = std::collections::BTreeMap::new();
        for r in self.requests() {
            *counts
                .entry(format!("{}:{}", r.service, r.operation))
                .or_insert(0) += 1;
        }
        counts.into_iter().collect()
    }

    /// Empties the request log.
    pub fn clear_requests(&self) {
        self.control_ok("DELETE", "requests", None);
    }

    /// Resets all emulated AWS state (moto's backends), faults, delays and the request log.
    pub fn reset(&self) {
        self.control_ok("POST", "reset", None);
    }

    /// The endpoint as DescribeEndpoint shows it (JSON), read without touching the request log.
    pub fn describe_endpoint(&self, name: &str) -> Value {
        self.control_ok("GET", &format!("endpoints/{name}"), None)
    }

    /// `(desired instance count, current instance count, endpoint status)` of a variant.
    pub fn describe_variant(&self, name: &str, variant: &str) -> (i64, i64, String) {
        let state = self.variant_state(name, variant);
        (
            state.desired_instance_count,
            state.current_instance_count,
            state.endpoint_status,
        )
    }

    /// Counts and weights of a variant with the endpoint's status.
    pub fn variant_state(&self, name: &str, variant: &str) -> VariantState {
        let endpoint = self.describe_endpoint(name);
        let found = endpoint["ProductionVariants"]
            .as_array()
            .and_then(|variants| variants.iter().find(|v| v["VariantName"] == variant))
            .unwrap_or_else(|| panic!("endpoint {name} has no variant {variant}: {endpoint}"));
        let int = |key: &str| {
            found[key]
                .as_i64()
                .unwrap_or_else(|| panic!("{key} missing: {found}"))
        };
        let float = |key: &str| {
            found[key]
                .as_f64()
                .unwrap_or_else(|| panic!("{key} missing: {found}"))
        };
        VariantState {
            desired_instance_count: int("DesiredInstanceCount"),
            current_instance_count: int("CurrentInstanceCount"),
            desired_weight: float("DesiredWeight"),
            current_weight: float("CurrentWeight"),
            endpoint_status: endpoint["EndpointStatus"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
        }
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn collect_stderr(mut pipe: impl Read, sink: &Mutex<String>, echo: bool) {
    let mut buf = [0u8; 4096];
    while let Ok(n) = pipe.read(&mut buf) {
        if n == 0 {
            break;
        }
        let chunk = String::from_utf8_lossy(&buf[..n]);
        if echo {
            eprint!("{chunk}");
        }
        if let Ok(mut kept) = sink.lock() {
            kept.push_str(&chunk);
            if kept.len() > STDERR_KEEP {
                let mut cut = kept.len() - STDERR_KEEP;
                while !kept.is_char_boundary(cut) {
                    cut += 1;
                }
                kept.drain(..cut);
            }
        }
    }
}
