//! What both Lambda functions do at init: read their settings from the environment once, set
//! up JSON logs, and build the SDK clients once (they are reused across invocations).

use aws_config::SdkConfig;

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

/// The shared SDK config (honours AWS_ENDPOINT_URL, so the same binary runs against an
/// emulator) and the scaler built on it.
pub async fn build_scaler(settings: &Settings) -> (SdkConfig, Scaler<SageMaker>) {
    let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let store = Store::new(aws_sdk_dynamodb::Client::new(&config), &settings.table);
    let sagemaker = SageMaker::new(aws_sdk_sagemaker::Client::new(&config));
    (config, Scaler::new(store, sagemaker))
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
}
