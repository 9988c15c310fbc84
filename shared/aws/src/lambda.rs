//! What both Lambda functions do at init: read their settings from the environment once and set
//! up JSON logs; then [`serve`] runs the Runtime API loop with the function's handler. The SDK
//! clients are built once per execution environment, on the first invocation, and reused by
//! every later one: init ends sooner (it is what Lambda waits for before the first event, and
//! the clients' config, HTTP client and TLS setup were most of it), and the first invocation
//! pays no more than init saved. Under provisioned concurrency, where init runs ahead of any
//! request, they are built at init instead (`AWS_LAMBDA_INITIALIZATION_TYPE`:
//! <https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime>).

use std::future::Future;
use std::time::Instant;

use chrono::{DateTime, Utc};
use lambda_runtime::{Diagnostic, LambdaEvent, service_fn};
use serde_json::Value;
use tokio::sync::OnceCell;

use crate::events::Origin;
use crate::sagemaker::SageMaker;
use crate::scaler::Scaler;
use crate::store::Store;

/// Settings from the environment, parsed once at init.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// SAGESCALE_TABLE: the DynamoDB table.
    pub table: String,
    /// SAGESCALE_ALLOWED_ALARM_PREFIX: alarms outside it are rejected.
    pub alarm_prefix: Option<String>,
    /// SAGESCALE_ACCOUNT_ID, else the account of the function's own ARN at first invocation.
    pub account: Option<String>,
    /// AWS_REGION (set by Lambda).
    pub region: String,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("configuration: {0}")]
pub struct SettingsError(pub String);

impl Settings {
    pub fn from_env() -> Result<Self, SettingsError> {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, SettingsError> {
        let non_empty = |k: &str| get(k).filter(|v| !v.trim().is_empty());
        Ok(Self {
            table: non_empty("SAGESCALE_TABLE").ok_or_else(|| {
                SettingsError("SAGESCALE_TABLE is not set (the DynamoDB table name)".into())
            })?,
            alarm_prefix: non_empty("SAGESCALE_ALLOWED_ALARM_PREFIX"),
            account: non_empty("SAGESCALE_ACCOUNT_ID"),
            region: non_empty("AWS_REGION")
                .or_else(|| non_empty("AWS_DEFAULT_REGION"))
                .ok_or_else(|| SettingsError("AWS_REGION is not set".into()))?,
        })
    }

    /// The origin events must come from; the account falls back to the one in the invoked
    /// function's ARN (`arn:aws:lambda:region:account:function:name`).
    pub fn origin(&self, invoked_function_arn: &str) -> Origin {
        let account = self.account.clone().unwrap_or_else(|| {
            invoked_function_arn
                .split(':')
                .nth(4)
                .unwrap_or_default()
                .to_string()
        });
        Origin {
            account,
            region: self.region.clone(),
            alarm_prefix: self.alarm_prefix.clone(),
        }
    }
}

/// The environment variables of a shifted clock; see [`Clock`].
pub const CLOCK_START_VAR: &str = "SAGESCALE_CLOCK_START";
pub const CLOCK_SPEED_VAR: &str = "SAGESCALE_CLOCK_SPEED";
pub const CLOCK_ANCHOR_VAR: &str = "SAGESCALE_CLOCK_ANCHOR";

fn parse_instant(var: &str, v: &str) -> Result<DateTime<Utc>, SettingsError> {
    DateTime::parse_from_rfc3339(v.trim())
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| SettingsError(format!("{var}={v:?} is not an RFC 3339 time: {e}")))
}

/// The time decisions are made at: normally the system clock.
///
/// For demos and replays, `SAGESCALE_CLOCK_START` (RFC 3339) makes the clock read that instant
/// at `SAGESCALE_CLOCK_ANCHOR` (a real RFC 3339 instant; default: when the process read its
/// settings) and run on from there `SAGESCALE_CLOCK_SPEED` times as fast as real time (default
/// 1). `make demo` gives the functions and the CLI one start, anchor and speed, so a Friday
/// 18:00 New York peak and five minutes of cooldowns play out in half a minute, on any day,
/// on one consistent timeline. The SAM template and the CDK construct never set these.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Clock {
    shift: Option<Shift>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct Shift {
    start: DateTime<Utc>,
    anchor: DateTime<Utc>,
    speed: f64,
}

impl Clock {
    pub fn system() -> Self {
        Self { shift: None }
    }

    /// A clock that reads `start` at the real instant `anchor` and runs `speed` times as fast.
    pub fn shifted(start: DateTime<Utc>, anchor: DateTime<Utc>, speed: f64) -> Self {
        Self {
            shift: Some(Shift {
                start,
                anchor,
                speed,
            }),
        }
    }

    pub fn from_env() -> Result<Self, SettingsError> {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    /// From the three variables; an invalid value is an error, never silently ignored.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, SettingsError> {
        let non_empty = |k: &str| get(k).filter(|v| !v.trim().is_empty());
        let Some(start) = non_empty(CLOCK_START_VAR) else {
            for var in [CLOCK_SPEED_VAR, CLOCK_ANCHOR_VAR] {
                if non_empty(var).is_some() {
                    return Err(SettingsError(format!("{var} needs {CLOCK_START_VAR}")));
                }
            }
            return Ok(Self::system());
        };
        let start = parse_instant(CLOCK_START_VAR, &start)?;
        let anchor = match non_empty(CLOCK_ANCHOR_VAR) {
            Some(v) => parse_instant(CLOCK_ANCHOR_VAR, &v)?,
            None => Utc::now(),
        };
        let speed = match non_empty(CLOCK_SPEED_VAR) {
            Some(v) => v
                .trim()
                .parse::<f64>()
                .ok()
                .filter(|s| s.is_finite() && *s > 0.0)
                .ok_or_else(|| {
                    SettingsError(format!("{CLOCK_SPEED_VAR}={v:?} is not a positive number"))
                })?,
            None => 1.0,
        };
        Ok(Self::shifted(start, anchor, speed))
    }

    pub fn is_shifted(&self) -> bool {
        self.shift.is_some()
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.at(Utc::now())
    }

    /// What the clock reads at the real instant `real`.
    pub fn at(&self, real: DateTime<Utc>) -> DateTime<Utc> {
        match self.shift {
            None => real,
            Some(s) => {
                let elapsed = (real - s.anchor).num_microseconds().unwrap_or(i64::MAX) as f64;
                s.start + chrono::TimeDelta::microseconds((elapsed * s.speed) as i64)
            }
        }
    }
}

/// JSON logs to stdout, level from RUST_LOG (default info); no ANSI, no timestamps (Lambda
/// adds its own).
pub fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .json()
        .with_env_filter(filter)
        .with_current_span(false)
        .with_ansi(false)
        .without_time()
        .with_target(false)
        .try_init();
}

/// The scaler on one shared SDK config (see [`crate::sdk_config`]; it honours
/// AWS_ENDPOINT_URL, so the same binary runs against an emulator). Logs once what it took, so
/// that the log shows the clients are built once per execution environment.
pub async fn build_scaler(settings: &Settings) -> Scaler<SageMaker> {
    let started = Instant::now();
    let config = crate::sdk_config::lambda_sdk_config(&settings.region).await;
    let store = Store::new(aws_sdk_dynamodb::Client::new(&config), &settings.table);
    let sagemaker = SageMaker::new(aws_sdk_sagemaker::Client::new(&config));
    let cloudwatch = crate::metrics::CloudWatch::new(aws_sdk_cloudwatch::Client::new(&config));
    let scaler = Scaler::new(store, sagemaker).with_metrics(cloudwatch);
    tracing::info!(
        elapsed_us = started.elapsed().as_micros() as u64,
        "{CLIENTS_BUILT}"
    );
    scaler
}

/// The log message of [`build_scaler`].
pub const CLIENTS_BUILT: &str = "SDK clients built";

/// Lambda's `AWS_LAMBDA_INITIALIZATION_TYPE` for an environment initialised ahead of requests.
const PROVISIONED: &str = "provisioned-concurrency";

/// A handler error's `errorType` in the Runtime API's error response (and in the async
/// invocation's failure destination): lets operators tell rejected input from AWS failures.
pub trait ErrorType: std::fmt::Display {
    fn error_type(&self) -> &'static str;
}

/// Everything a handler gets per invocation: the shared scaler, the event's expected origin,
/// the payload and the decision time.
pub struct Invocation {
    pub scaler: &'static Scaler<SageMaker>,
    pub origin: Origin,
    pub payload: Value,
    pub now: DateTime<Utc>,
}

/// A handler's error on its way to the runtime client, which logs it (`error!("{e:?}")`, in the
/// invocation's span) and reports it as a Diagnostic. That log line is the only one: `serve`
/// does not log the error itself, and the Debug form reads `RejectedEvent: rejected: ...`
/// rather than a struct dump.
pub struct HandlerError {
    pub error_type: &'static str,
    pub message: String,
}

impl std::fmt::Debug for HandlerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.error_type, self.message)
    }
}

impl From<HandlerError> for Diagnostic {
    fn from(e: HandlerError) -> Self {
        Diagnostic {
            error_type: e.error_type.into(),
            error_message: e.message,
        }
    }
}

/// Init (settings, logs), then the Runtime API loop; the SDK clients are built by the first
/// invocation (at init under provisioned concurrency), once per execution environment. A
/// handler error becomes a Diagnostic with the handler's error type, logged once (by the
/// runtime client: see [`HandlerError`]).
pub async fn serve<F, Fut, E>(handler: F) -> Result<(), lambda_runtime::Error>
where
    F: Fn(Invocation) -> Fut,
    Fut: Future<Output = Result<Value, E>>,
    E: ErrorType,
{
    init_logging();
    let settings = Settings::from_env()?;
    let clock = Clock::from_env()?;
    if clock.is_shifted() {
        tracing::warn!(now = %clock.now(), "{CLOCK_START_VAR} is set: decisions use a shifted clock");
    }
    let settings: &'static Settings = Box::leak(Box::new(settings));
    // Built once, used by every invocation for the life of the execution environment.
    let scaler: &'static OnceCell<Scaler<SageMaker>> = Box::leak(Box::new(OnceCell::new()));
    if std::env::var("AWS_LAMBDA_INITIALIZATION_TYPE").as_deref() == Ok(PROVISIONED) {
        scaler.get_or_init(|| build_scaler(settings)).await;
    }
    let handler = &handler;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move {
        // The decision time is when the event arrived, before the clients are built.
        let now = clock.now();
        let invocation = Invocation {
            scaler: scaler.get_or_init(|| build_scaler(settings)).await,
            origin: settings.origin(&event.context.invoked_function_arn),
            payload: event.payload,
            now,
        };
        handler(invocation).await.map_err(|e| HandlerError {
            error_type: e.error_type(),
            message: e.to_string(),
        })
    }))
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |k| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn table_is_required() {
        let e = Settings::from_lookup(env(&[("AWS_REGION", "us-east-1")])).unwrap_err();
        assert!(e.0.contains("SAGESCALE_TABLE"));
    }

    #[test]
    fn account_comes_from_the_function_arn_unless_set() {
        let s = Settings::from_lookup(env(&[
            ("SAGESCALE_TABLE", "t"),
            ("AWS_REGION", "eu-west-1"),
        ]))
        .unwrap();
        let o = s.origin("arn:aws:lambda:eu-west-1:111122223333:function:alarm-scaler");
        assert_eq!(o.account, "111122223333");
        assert_eq!(o.region, "eu-west-1");
        let s = Settings::from_lookup(env(&[
            ("SAGESCALE_TABLE", "t"),
            ("AWS_REGION", "eu-west-1"),
            ("SAGESCALE_ACCOUNT_ID", "123456789012"),
        ]))
        .unwrap();
        assert_eq!(
            s.origin("arn:aws:lambda:eu-west-1:1:function:x").account,
            "123456789012"
        );
    }

    #[test]
    fn clock_variables_are_parsed_or_refused() {
        assert!(!Clock::from_lookup(env(&[])).unwrap().is_shifted());
        let c = Clock::from_lookup(env(&[
            ("SAGESCALE_CLOCK_START", "2026-12-04T22:59:00Z"),
            ("SAGESCALE_CLOCK_ANCHOR", "2026-11-27T10:00:00Z"),
            ("SAGESCALE_CLOCK_SPEED", "10"),
        ]))
        .unwrap();
        let real = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        // Six real seconds after the anchor are one minute of the demo's Friday evening.
        assert_eq!(
            c.at(real("2026-11-27T10:00:06Z")).to_rfc3339(),
            "2026-12-04T23:00:00+00:00"
        );
        for bad in [
            &[("SAGESCALE_CLOCK_START", "next friday")][..],
            &[
                ("SAGESCALE_CLOCK_START", "2026-12-04T22:59:00Z"),
                ("SAGESCALE_CLOCK_SPEED", "-1"),
            ],
            &[("SAGESCALE_CLOCK_SPEED", "10")],
        ] {
            let pairs: &'static [(&'static str, &'static str)] = Box::leak(bad.to_vec().into());
            let e = Clock::from_lookup(env(pairs)).unwrap_err();
            assert!(e.0.contains("SAGESCALE_CLOCK"), "{e}");
        }
    }

    #[test]
    fn a_shifted_clock_without_anchor_starts_now_and_runs_on() {
        let c =
            Clock::from_lookup(env(&[("SAGESCALE_CLOCK_START", "2026-12-04T22:59:00Z")])).unwrap();
        let start = DateTime::parse_from_rfc3339("2026-12-04T22:59:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let a = c.now();
        assert!(
            a >= start && a - start < chrono::TimeDelta::seconds(5),
            "{a}"
        );
        assert!(c.now() >= a);
    }
}
