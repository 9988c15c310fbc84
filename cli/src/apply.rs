//! `sagescale init` creates the table (emulators and the demo; production deploys it with the
//! SAM/CDK template). `sagescale apply FILE [--force] [--dry-run]` validates the file, refuses
//! targets that Application Auto Scaling also scales (two controllers would fight) unless
//! `--force` (a target in `Mode: dry-run` runs beside AAS: noted, not refused), prints what changes against the applied version of each target, then writes every
//! target's configuration (`--dry-run`: prints only). Nothing is written unless the whole file
//! is valid and every target passes the check. A document that does not state `SuspendedState`
//! keeps the suspension in force. A re-apply that changes a target's MinCapacity/MaxCapacity
//! resets its effective bounds (scheduled actions set them again when they next fire).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use aws_sdk_applicationautoscaling::types::{ScalableDimension, ServiceNamespace};
use sagescale_aws::sagemaker::{Endpoints, Resource};
use sagescale_core::decide::Bounds;
use sagescale_core::model::{Mode, ScalableTarget};

use crate::changes::{changes, merged};
use crate::connect::{Aws, alarms_of};
use crate::document::{INVALID, load_valid};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Configuration file (.yaml/.yml, or .json).
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// Apply even when Application Auto Scaling has policies or scheduled actions on a target.
    #[arg(long)]
    force: bool,
    /// Print what would change, write nothing.
    #[arg(long)]
    dry_run: bool,
}

#[derive(Debug, clap::Args)]
pub struct InitArgs {}

pub fn init(_args: &InitArgs, aws: &Aws) -> ExitCode {
    aws.block_on(async {
        let clients = aws.clients().await;
        match clients.store.create_table().await {
            Ok(()) => println!("created table {}", aws.table),
            // Running init twice is fine: the table is there.
            Err(e) if e.to_string().contains("ResourceInUseException") => {
                println!("table {} already exists", aws.table)
            }
            Err(e) => return Err(e).with_context(|| format!("creating table {}", aws.table)),
        }
        Ok(ExitCode::SUCCESS)
    })
}

pub fn run(args: &Args, aws: &Aws) -> ExitCode {
    // Validation first, offline: an invalid file never reaches the table.
    let document = match load_valid(&args.file) {
        Ok(document) => document,
        Err(code) => return code,
    };
    aws.block_on(async {
        let clients = aws.clients().await;
        let aas = clients.autoscaling();
        let mut conflicts = Vec::new();
        for target in &document.scalable_targets {
            let found = aas_conflicts(&aas, target).await?;
            // A dry-run target only decides and records: it runs beside AAS (the migration
            // path, `sagescale import --from-aas` then `compare`), so no refusal.
            if target.mode == Mode::DryRun {
                for c in found {
                    println!("note: {c} (Mode: dry-run runs beside it)");
                }
            } else {
                conflicts.extend(found);
            }
        }
        let severity = if args.force { "warning" } else { "error" };
        for c in &conflicts {
            println!("{severity}: {c}");
        }
        if !conflicts.is_empty() && !args.force {
            println!(
                "error: Application Auto Scaling already scales these resources; two controllers \
                 would fight. Remove its policies and scheduled actions (or deregister the \
                 scalable target), or pass --force. Nothing was applied."
            );
            return Ok(ExitCode::from(INVALID));
        }
        // Not a refusal: the endpoint may be created after its scaling configuration.
        let sagemaker = clients.sagemaker();
        for target in &document.scalable_targets {
            if let Some(resource) = Resource::parse(&target.resource_id)
                && let Err(e) = sagemaker.describe(&resource).await
            {
                println!(
                    "warning: {}: cannot describe the endpoint: {e}",
                    target.resource_id
                );
            }
        }
        let mut planned = Vec::new();
        for target in &document.scalable_targets {
            let rid = &target.resource_id;
            let previous = clients.store.load(rid).await?;
            let applied = previous.as_ref().map(|p| &p.config);
            let lines = changes(applied, target);
            if lines.is_empty() {
                println!("{rid}: no changes");
            } else {
                println!("{rid}:");
                for line in lines {
                    println!("  {line}");
                }
            }
            planned.push((merged(applied, target), previous));
        }
        if args.dry_run {
            println!("dry run: nothing was applied");
            return Ok(ExitCode::SUCCESS);
        }
        let now = aws.now()?;
        for (target, previous) in &planned {
            let rid = &target.resource_id;
            let previous_alarms = previous
                .as_ref()
                .map(|p| alarms_of(&p.config))
                .unwrap_or_default();
            let version = clients
                .store
                .put_config(target, &previous_alarms, now)
                .await
                .with_context(|| format!("writing {rid} to table {}", aws.table))?;
            let configured = Bounds {
                min: target.min_capacity,
                max: target.max_capacity,
            };
            // The stored effective bounds derive from other configured bounds: they no longer
            // apply (TargetState::effective_bounds).
            let reset = previous
                .as_ref()
                .and_then(|p| p.state.config_bounds)
                .is_some_and(|derived_from| derived_from != configured);
            println!(
                "applied {rid} (configuration version {version}, {}, {}){}",
                crate::validate::count(target.scaling_policies.len(), "policy"),
                crate::validate::count(target.scheduled_actions.len(), "scheduled action"),
                if reset {
                    format!(
                        "; effective bounds reset to [{}, {}]",
                        configured.min, configured.max
                    )
                } else {
                    String::new()
                }
            );
        }
        Ok(ExitCode::SUCCESS)
    })
}

/// What Application Auto Scaling has on the target's resource: its scaling policies and
/// scheduled actions, one line each.
async fn aas_conflicts(
    aas: &aws_sdk_applicationautoscaling::Client,
    target: &ScalableTarget,
) -> anyhow::Result<Vec<String>> {
    let rid = &target.resource_id;
    let dimension = ScalableDimension::from(target.scalable_dimension.as_str());
    let policies = aas
        .describe_scaling_policies()
        .service_namespace(ServiceNamespace::Sagemaker)
        .resource_id(rid)
        .scalable_dimension(dimension.clone())
        .send()
        .await
        .context("Application Auto Scaling DescribeScalingPolicies")?;
    let actions = aas
        .describe_scheduled_actions()
        .service_namespace(ServiceNamespace::Sagemaker)
        .resource_id(rid)
        .scalable_dimension(dimension)
        .send()
        .await
        .context("Application Auto Scaling DescribeScheduledActions")?;
    let mut out: Vec<String> = policies
        .scaling_policies()
        .iter()
        .map(|p| {
            format!(
                "{rid}: Application Auto Scaling has scaling policy {} ({})",
                p.policy_name(),
                p.policy_type().as_str()
            )
        })
        .collect();
    out.extend(actions.scheduled_actions().iter().map(|a| {
        format!(
            "{rid}: Application Auto Scaling has scheduled action {} ({})",
            a.scheduled_action_name(),
            a.schedule()
        )
    }));
    Ok(out)
}
