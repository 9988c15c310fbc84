//! `sagescale activities TARGET [--max N] [--output table|json]`: the target's scaling
//! activities, newest first. `--output json` prints `{"ScalingActivities": [...]}`, the shape of
//! `aws application-autoscaling describe-scaling-activities`.

use std::process::ExitCode;

use sagescale_core::activity::ScalingActivity;

use crate::connect::Aws;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Output {
    Table,
    Json,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// ResourceId of the scalable target, e.g. endpoint/my-endpoint/variant/AllTraffic.
    #[arg(value_name = "TARGET")]
    target: String,
    /// At most this many activities.
    #[arg(long, value_name = "N", default_value_t = 50)]
    max: i32,
    #[arg(long, value_enum, default_value_t = Output::Table)]
    output: Output,
}

pub fn run(args: &Args, aws: &Aws) -> ExitCode {
    aws.block_on(async {
        let clients = aws.clients().await;
        // Said as `status` and `suspend` say it, rather than "no scaling activities".
        if clients.store.load(&args.target).await?.is_none() {
            anyhow::bail!("{} is not configured in table {}", args.target, aws.table);
        }
        let activities = clients.store.activities(&args.target, args.max).await?;
        match args.output {
            Output::Json => println!(
                "{}",
                serde_json::to_string_pretty(
                    &serde_json::json!({ "ScalingActivities": activities })
                )?
            ),
            Output::Table => print_table(&args.target, &activities),
        }
        Ok(ExitCode::SUCCESS)
    })
}

fn print_table(target: &str, activities: &[ScalingActivity]) {
    if activities.is_empty() {
        println!("{target}: no scaling activities");
        return;
    }
    println!(
        "{:<20}  {:<11}  {:<36}  CAUSE",
        "START (UTC)", "STATUS", "DESCRIPTION"
    );
    for a in activities {
        println!(
            "{:<20}  {:<11}  {:<36}  {}",
            a.start_time.format("%Y-%m-%d %H:%M:%S"),
            format!("{:?}", a.status_code),
            a.description,
            a.cause
        );
        if let Some(message) = &a.status_message {
            println!("{:<20}  {:<11}  {message}", "", "");
        }
        for r in &a.not_scaled_reasons {
            println!("{:<20}  {:<11}  not scaled: {}", "", "", r.code);
        }
    }
}
