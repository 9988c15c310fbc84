//! `sagescale`: validate and plan configurations offline; apply, inspect and simulate them.
//!
//! One module per subcommand, each with its own `Args` and `run`; `main` only dispatches.
//! `run` returns the process exit code: 0 success, 1 invalid input (or a failed check),
//! 2 a file that can't be read.

mod activities;
mod apply;
mod changes;
mod compare;
mod connect;
mod document;
mod handback;
mod iam;
mod import;
mod plan;
mod simulate;
mod status;
mod suspend;
mod takeover;
mod tune;
mod validate;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "sagescale", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    #[command(flatten)]
    aws: connect::Aws,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check configuration files against AAS's rules; reports every problem with its path.
    Validate(validate::Args),
    /// Show the upcoming scheduled actions of a configuration, in local time and UTC.
    Plan(plan::Args),
    /// Replay a trace through the configured policies, against AAS, static and an oracle.
    Simulate(simulate::Args),
    /// Search policies for the cost vs above-capacity frontier; write the recommended YAML.
    Tune(tune::Args),
    /// Create the DynamoDB table (for an emulator or a demo; deployments use the template).
    Init(apply::InitArgs),
    /// Validate a configuration, print what changes, and write it to the table the functions
    /// read (`--dry-run`: print only).
    Apply(apply::Args),
    /// Bounds, endpoint counts, cooldowns, alarms, pending change and next scheduled actions.
    Status(status::Args),
    /// Scaling activities of a target (`--output json`: like describe-scaling-activities).
    Activities(activities::Args),
    /// Suspend dynamic scale-in/out and/or scheduled scaling (no flag: all three).
    Suspend(suspend::Args),
    /// Resume dynamic scale-in/out and/or scheduled scaling (no flag: all three).
    Resume(suspend::Args),
    /// Write the sagescale document of what Application Auto Scaling has (`--from-aas`).
    Import(import::Args),
    /// AAS's scaling activities next to sagescale's for a target: matched, one-sided, agreement.
    Compare(compare::Args),
    /// Take a target over from AAS: suspend AAS, switch sagescale to enforce, deregister it.
    Takeover(takeover::Args),
    /// Give a target back to AAS from the stored document, then switch sagescale to dry-run.
    Handback(takeover::Args),
}

// Rust ignores SIGPIPE, so `sagescale activities ... | head` would panic in println! once head
// exits; restoring the default makes the command end quietly, like other Unix tools.
#[cfg(unix)]
fn default_sigpipe() {
    unsafe extern "C" {
        fn signal(signum: i32, handler: usize) -> usize;
    }
    const SIGPIPE: i32 = 13;
    const SIG_DFL: usize = 0;
    // SAFETY: resetting one signal's disposition to the default, before any thread starts.
    unsafe {
        signal(SIGPIPE, SIG_DFL);
    }
}

#[cfg(not(unix))]
fn default_sigpipe() {}

fn main() -> ExitCode {
    default_sigpipe();
    let cli = Cli::parse();
    match cli.command {
        Command::Validate(args) => validate::run(&args),
        Command::Plan(args) => plan::run(&args),
        Command::Simulate(args) => simulate::run(&args),
        Command::Tune(args) => tune::run(&args),
        Command::Init(args) => apply::init(&args, &cli.aws),
        Command::Apply(args) => apply::run(&args, &cli.aws),
        Command::Status(args) => status::run(&args, &cli.aws),
        Command::Activities(args) => activities::run(&args, &cli.aws),
        Command::Suspend(args) => suspend::run(&args, &cli.aws, true),
        Command::Resume(args) => suspend::run(&args, &cli.aws, false),
        Command::Import(args) => import::run(&args, &cli.aws),
        Command::Compare(args) => compare::run(&args, &cli.aws),
        Command::Takeover(args) => takeover::run(&args, &cli.aws),
        Command::Handback(args) => handback::run(&args, &cli.aws),
    }
}
