//! The flags and clients of the subcommands that talk to AWS (init, apply, status, activities,
//! suspend, resume, import, compare, takeover, handback). Credentials and the default region
//! come from the usual AWS environment (variables, profiles, instance roles); `--endpoint-url`
//! points every client at an emulator.

use std::future::Future;
use std::process::ExitCode;

use aws_config::{BehaviorVersion, Region, SdkConfig};
use sagescale_aws::sagemaker::SageMaker;
use sagescale_aws::store::Store;

/// The AWS flags, as the subcommands that talk to AWS show them in their help. They are
/// flattened into those subcommands only, so `validate --help` and `plan --help` do not list
/// flags they never use.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct AwsArgs {
    /// Send every AWS call to this URL (an emulator such as http://127.0.0.1:5000).
    #[arg(long, value_name = "URL")]
    pub endpoint_url: Option<String>,
    /// AWS region (default: from the environment or profile).
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,
    /// The DynamoDB table the functions read [env: SAGESCALE_TABLE] [default: sagescale].
    #[arg(long, value_name = "TABLE")]
    pub table: Option<String>,
}

/// The same flags before the subcommand (`sagescale --endpoint-url U --table T apply F`, as
/// the tests, the demo and the bench call it), accepted but hidden from the top-level help;
/// a flag after the subcommand wins over the same flag before it.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct TopAwsArgs {
    #[arg(long = "endpoint-url", value_name = "URL", hide = true)]
    pub top_endpoint_url: Option<String>,
    #[arg(long = "region", value_name = "REGION", hide = true)]
    pub top_region: Option<String>,
    #[arg(long = "table", value_name = "TABLE", hide = true)]
    pub top_table: Option<String>,
}

/// The default table, when neither flag nor SAGESCALE_TABLE names one.
pub const DEFAULT_TABLE: &str = "sagescale";

/// The AWS settings of one run: a flag after the subcommand, else the same flag before it,
/// else (for the table) SAGESCALE_TABLE, else the default.
#[derive(Debug, Clone)]
pub struct Aws {
    pub endpoint_url: Option<String>,
    pub region: Option<String>,
    pub table: String,
}

impl Aws {
    pub fn resolve(top: &TopAwsArgs, sub: &AwsArgs) -> Self {
        Self::resolve_with_env(top, sub, std::env::var("SAGESCALE_TABLE").ok())
    }

    fn resolve_with_env(top: &TopAwsArgs, sub: &AwsArgs, env_table: Option<String>) -> Self {
        let pick = |a: &Option<String>, b: &Option<String>| a.clone().or_else(|| b.clone());
        Aws {
            endpoint_url: pick(&sub.endpoint_url, &top.top_endpoint_url),
            region: pick(&sub.region, &top.top_region),
            table: pick(&sub.table, &top.top_table)
                .or(env_table.filter(|t| !t.is_empty()))
                .unwrap_or_else(|| DEFAULT_TABLE.to_string()),
        }
    }
}

/// Clients built from the flags.
pub struct Clients {
    pub sdk: SdkConfig,
    pub store: Store,
}

impl Clients {
    pub fn sagemaker(&self) -> SageMaker {
        SageMaker::new(aws_sdk_sagemaker::Client::new(&self.sdk))
    }

    pub fn autoscaling(&self) -> aws_sdk_applicationautoscaling::Client {
        aws_sdk_applicationautoscaling::Client::new(&self.sdk)
    }
}

impl Aws {
    /// The time `status`, `apply` and `suspend` judge at: the system clock, or the shifted
    /// clock of SAGESCALE_CLOCK_START (`make demo`, so that the CLI agrees with the functions).
    pub fn now(&self) -> anyhow::Result<chrono::DateTime<chrono::Utc>> {
        let clock = sagescale_aws::lambda::Clock::from_env().map_err(|e| anyhow::anyhow!(e.0))?;
        Ok(clock.now())
    }

    pub async fn clients(&self) -> Clients {
        let mut loader = aws_config::defaults(BehaviorVersion::latest());
        if let Some(url) = &self.endpoint_url {
            loader = loader.endpoint_url(url);
        }
        if let Some(region) = &self.region {
            loader = loader.region(Region::new(region.clone()));
        }
        let sdk = loader.load().await;
        let store = Store::new(aws_sdk_dynamodb::Client::new(&sdk), &self.table);
        Clients { sdk, store }
    }
}

impl Aws {
    /// Runs an AWS subcommand: an error is printed as `error: ...` and exits 1. A missing
    /// table (the first thing a new user meets: the default table is `sagescale`) is named,
    /// with its region and what to do.
    pub fn block_on(&self, work: impl Future<Output = anyhow::Result<ExitCode>>) -> ExitCode {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("tokio runtime");
        match runtime.block_on(work) {
            Ok(code) => code,
            Err(e) if is_missing_table(&e) => {
                println!(
                    "error: table {} does not exist in region {}: run `sagescale init` to create \
                     it, or pass --table (or set SAGESCALE_TABLE) to name the deployed one",
                    self.table,
                    self.region_name()
                );
                ExitCode::from(1)
            }
            Err(e) => {
                println!("error: {e:#}");
                ExitCode::from(1)
            }
        }
    }

    /// The region the clients use, as far as the flags and environment say.
    pub fn region_name(&self) -> String {
        self.region
            .clone()
            .or_else(|| std::env::var("AWS_REGION").ok())
            .or_else(|| std::env::var("AWS_DEFAULT_REGION").ok())
            .filter(|r| !r.is_empty())
            .unwrap_or_else(|| "(the profile's default)".to_string())
    }
}

fn is_missing_table(e: &anyhow::Error) -> bool {
    format!("{e:#}").contains("ResourceNotFoundException")
}

/// The alarms a stored configuration binds (to drop bindings a new one no longer has).
pub fn alarms_of(target: &sagescale_core::model::ScalableTarget) -> Vec<String> {
    target
        .scaling_policies
        .iter()
        .flat_map(|p| p.alarms.iter().cloned())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> Option<String> {
        Some(v.to_string())
    }

    #[test]
    fn a_flag_after_the_subcommand_wins_then_before_then_env_then_default() {
        let top = TopAwsArgs {
            top_endpoint_url: s("http://top"),
            top_region: None,
            top_table: s("top-table"),
        };
        let sub = AwsArgs {
            endpoint_url: None,
            region: s("eu-west-1"),
            table: s("sub-table"),
        };
        let aws = Aws::resolve_with_env(&top, &sub, s("env-table"));
        assert_eq!(aws.endpoint_url.as_deref(), Some("http://top"));
        assert_eq!(aws.region.as_deref(), Some("eu-west-1"));
        assert_eq!(aws.table, "sub-table");
        let aws = Aws::resolve_with_env(&top, &AwsArgs::default(), s("env-table"));
        assert_eq!(aws.table, "top-table");
        let none = TopAwsArgs::default();
        let aws = Aws::resolve_with_env(&none, &AwsArgs::default(), s("env-table"));
        assert_eq!(aws.table, "env-table");
        let aws = Aws::resolve_with_env(&none, &AwsArgs::default(), s(""));
        assert_eq!(aws.table, DEFAULT_TABLE);
        let aws = Aws::resolve_with_env(&none, &AwsArgs::default(), None);
        assert_eq!(aws.table, DEFAULT_TABLE);
    }
}
