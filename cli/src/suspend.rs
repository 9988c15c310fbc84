//! `sagescale suspend|resume TARGET [--in] [--out] [--scheduled]`: set or clear the target's
//! SuspendedState in the stored configuration (no flag: all three, like AAS). On resume the
//! reconcile pass evaluates alarms still in ALARM again; scheduled actions that came due while
//! suspended are not replayed (their cursors moved on).

use std::process::ExitCode;

use anyhow::Context;

use crate::connect::{Aws, alarms_of};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// ResourceId of the scalable target.
    #[arg(value_name = "TARGET")]
    target: String,
    /// DynamicScalingInSuspended.
    #[arg(long = "in")]
    scale_in: bool,
    /// DynamicScalingOutSuspended.
    #[arg(long = "out")]
    scale_out: bool,
    /// ScheduledScalingSuspended.
    #[arg(long)]
    scheduled: bool,
}

pub fn run(args: &Args, aws: &Aws, suspend: bool) -> ExitCode {
    let all = !(args.scale_in || args.scale_out || args.scheduled);
    aws.block_on(async {
        let clients = aws.clients().await;
        let loaded =
            clients.store.load(&args.target).await?.with_context(|| {
                format!("{} is not configured in table {}", args.target, aws.table)
            })?;
        let mut config = loaded.config;
        let s = config.suspended_state.get_or_insert_default();
        if all || args.scale_in {
            s.dynamic_scaling_in_suspended = suspend;
        }
        if all || args.scale_out {
            s.dynamic_scaling_out_suspended = suspend;
        }
        if all || args.scheduled {
            s.scheduled_scaling_suspended = suspend;
        }
        let state = *s;
        clients
            .store
            .put_config(&config, &alarms_of(&config), aws.now()?)
            .await?;
        println!(
            "{}: DynamicScalingInSuspended={} DynamicScalingOutSuspended={} ScheduledScalingSuspended={}",
            args.target,
            state.dynamic_scaling_in_suspended,
            state.dynamic_scaling_out_suspended,
            state.scheduled_scaling_suspended
        );
        Ok(ExitCode::SUCCESS)
    })
}
