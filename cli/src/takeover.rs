//! `sagescale takeover RESOURCE [--yes]`: sagescale takes a target over from Application Auto
//! Scaling, after `import --from-aas`, `apply` (dry-run beside AAS) and `compare`.
//!
//! The order, so that no moment has two scalers, and every interruption leaves a state a rerun
//! completes (each step is skipped when already done):
//!
//! 1. **suspend AAS** on the target: RegisterScalableTarget with only SuspendedState (dynamic in,
//!    dynamic out and scheduled all suspended); AAS keeps its bounds, policies and actions;
//! 2. **switch sagescale to enforce** in the table (the stored document with `Mode: enforce`);
//! 3. **deregister the target from AAS** (DeregisterScalableTarget, which deletes its scaling
//!    policies, their target-tracking alarms, and its scheduled actions).
//!
//! Between 1 and 2 nobody scales the target, for the time of one DynamoDB write; the other order
//! would have both scale it. A decision due in that moment is taken by sagescale's next pass,
//! which reads the alarm states and metrics afresh. If the command stops between 1 and 2 it
//! says that nobody scales the target and to rerun; between 2 and 3, sagescale alone scales it
//! (AAS is registered but suspended) and a rerun only deregisters.
//!
//! Refusals: a target not in the table (import and apply it first); a target AAS does not
//! have while sagescale is in dry-run (nothing to take over: apply it with `Mode: enforce`).
//! Done already (enforce, not registered with AAS): "nothing to do".

use std::io::BufRead;
use std::process::ExitCode;

use anyhow::Context;
use aws_sdk_applicationautoscaling::types::{ScalableDimension, ServiceNamespace, SuspendedState};
use sagescale_core::model::Mode;

use crate::connect::{Aws, alarms_of};
use crate::document::INVALID;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// ResourceId of the scalable target, e.g. endpoint/my-endpoint/variant/AllTraffic.
    #[arg(value_name = "RESOURCE")]
    pub target: String,
    /// Do not ask for confirmation.
    #[arg(long)]
    pub yes: bool,
}

/// Asks on stdin; true for `y` / `yes`.
pub fn confirm(question: &str) -> bool {
    println!("{question} [y/N]");
    let mut line = String::new();
    if std::io::stdin().lock().read_line(&mut line).is_err() {
        return false;
    }
    matches!(line.trim().to_ascii_lowercase().as_str(), "y" | "yes")
}

pub fn all_suspended(s: Option<&SuspendedState>) -> bool {
    s.is_some_and(|s| {
        s.dynamic_scaling_in_suspended() == Some(true)
            && s.dynamic_scaling_out_suspended() == Some(true)
            && s.scheduled_scaling_suspended() == Some(true)
    })
}

pub fn run(args: &Args, aws: &Aws) -> ExitCode {
    aws.block_on(async {
        let clients = aws.clients().await;
        let rid = &args.target;
        let loaded = clients.store.load(rid).await?.with_context(|| {
            format!(
                "{rid} is not configured in table {}: import it (`sagescale import --from-aas \
                 --resource-id {rid} -o FILE`) and apply it first",
                aws.table
            )
        })?;
        let dimension = ScalableDimension::from(loaded.config.scalable_dimension.as_str());
        let aas = clients.autoscaling();
        let registered = aas
            .describe_scalable_targets()
            .service_namespace(ServiceNamespace::Sagemaker)
            .resource_ids(rid)
            .scalable_dimension(dimension.clone())
            .send()
            .await
            .context("Application Auto Scaling DescribeScalableTargets")?
            .scalable_targets()
            .first()
            .cloned();
        let enforcing = loaded.config.mode == Mode::Enforce;
        let Some(registered) = registered else {
            if enforcing {
                println!(
                    "{rid}: nothing to do: sagescale enforces it and Application Auto Scaling \
                     does not have it"
                );
                return Ok(ExitCode::SUCCESS);
            }
            println!(
                "error: {rid}: Application Auto Scaling does not have this target, so there is \
                 nothing to take over; to let sagescale scale it, apply it with Mode: enforce"
            );
            return Ok(ExitCode::from(INVALID));
        };
        let suspended = all_suspended(registered.suspended_state());
        println!("{rid}: takeover from Application Auto Scaling:");
        println!(
            "  1. suspend Application Auto Scaling's scaling of it{}",
            if suspended { " (done)" } else { "" }
        );
        println!(
            "  2. switch sagescale to enforce{}",
            if enforcing { " (done)" } else { "" }
        );
        println!(
            "  3. deregister it from Application Auto Scaling (deletes its policies and \
             scheduled actions there)"
        );
        if !args.yes && !confirm("Proceed?") {
            println!("aborted: nothing was changed");
            return Ok(ExitCode::from(INVALID));
        }

        if !suspended {
            aas.register_scalable_target()
                .service_namespace(ServiceNamespace::Sagemaker)
                .resource_id(rid)
                .scalable_dimension(dimension.clone())
                .suspended_state(
                    SuspendedState::builder()
                        .dynamic_scaling_in_suspended(true)
                        .dynamic_scaling_out_suspended(true)
                        .scheduled_scaling_suspended(true)
                        .build(),
                )
                .send()
                .await
                .context(
                    "step 1, Application Auto Scaling RegisterScalableTarget (suspend): nothing \
                     was changed; Application Auto Scaling still scales it",
                )?;
            println!("{rid}: Application Auto Scaling's scaling suspended");
        }
        if !enforcing {
            let mut config = loaded.config.clone();
            config.mode = Mode::Enforce;
            clients
                .store
                .put_config(&config, &alarms_of(&loaded.config), aws.now()?)
                .await
                .context(
                    "step 2, switching sagescale to enforce: NOBODY scales the target now \
                     (Application Auto Scaling is suspended, sagescale in dry-run); rerun \
                     `sagescale takeover` to complete",
                )?;
            println!("{rid}: sagescale enforces it");
        }
        aas.deregister_scalable_target()
            .service_namespace(ServiceNamespace::Sagemaker)
            .resource_id(rid)
            .scalable_dimension(dimension)
            .send()
            .await
            .context(
                "step 3, Application Auto Scaling DeregisterScalableTarget: sagescale scales \
                 the target (Application Auto Scaling is registered but suspended); rerun \
                 `sagescale takeover` to deregister it",
            )?;
        println!("{rid}: deregistered from Application Auto Scaling; sagescale alone scales it");
        Ok(ExitCode::SUCCESS)
    })
}
