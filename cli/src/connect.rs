//! The flags and clients of the subcommands that talk to AWS (init, apply, status, activities,
//! suspend, resume, import, compare, takeover, handback). Credentials and the default region
//! come from the usual AWS environment (variables, profiles, instance roles); `--endpoint-url`
//! points every client at an emulator.

use std::future::Future;
use std::process::ExitCode;

use aws_config::{BehaviorVersion, Region, SdkConfig};
use sagescale_aws::sagemaker::SageMaker;
use sagescale_aws::store::Store;

/// Global flags of the AWS subcommands.
#[derive(Debug, Clone, clap::Args)]
pub struct Aws {
    /// Send every AWS call to this URL (an emulator such as http://127.0.0.1:5000).
    #[arg(long, global = true, value_name = "URL")]
    pub endpoint_url: Option<String>,
    /// AWS region (default: from the environment or profile).
    #[arg(long, global = true, value_name = "REGION")]
    pub region: Option<String>,
    /// The DynamoDB table the functions read.
    #[arg(
        long,
        global = true,
        value_name = "TABLE",
        env = "SAGESCALE_TABLE",
        default_value = "sagescale"
    )]
    pub table: String,
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
