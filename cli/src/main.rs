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
mod forecast;
mod forecast_svg;
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
    aws: connect::TopAwsArgs,
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
    Init {
        #[command(flatten)]
        args: apply::InitArgs,
        #[command(flatten)]
        aws: connect::AwsArgs,
    },
    /// Validate a configuration, print what changes, and write it to the table the functions
    /// read (`--dry-run`: print only).
    Apply {
        #[command(flatten)]
        args: apply::Args,
        #[command(flatten)]
        aws: connect::AwsArgs,
    },
    /// Bounds, endpoint counts, cooldowns, alarms, pending change and next scheduled actions.
    Status {
        #[command(flatten)]
        args: status::Args,
        #[command(flatten)]
        aws: connect::AwsArgs,
    },
    /// Scaling activities of a target (`--output json`: like describe-scaling-activities).
    Activities {
        #[command(flatten)]
        args: activities::Args,
        #[command(flatten)]
        aws: connect::AwsArgs,
    },
    /// Each predictive policy's load and capacity forecast next to the recent actual load
    /// (like AAS's GetPredictiveScalingForecast; `--svg FILE` draws it).
    Forecast {
        #[command(flatten)]
        args: forecast::Args,
        #[command(flatten)]
        aws: connect::AwsArgs,
    },
    /// Suspend dynamic scale-in/out and/or scheduled scaling (no flag: all three).
    Suspend {
        #[command(flatten)]
        args: suspend::Args,
        #[command(flatten)]
        aws: connect::AwsArgs,
    },
    /// Resume dynamic scale-in/out and/or scheduled scaling (no flag: all three).
    Resume {
        #[command(flatten)]
        args: suspend::Args,
        #[command(flatten)]
        aws: connect::AwsArgs,
    },
    /// Write the sagescale document of what Application Auto Scaling has (`--from-aas`).
    Import {
        #[command(flatten)]
        args: import::Args,
        #[command(flatten)]
        aws: connect::AwsArgs,
    },
    /// AAS's scaling activities next to sagescale's for a target: matched, one-sided, agreement.
    Compare {
        #[command(flatten)]
        args: compare::Args,
        #[command(flatten)]
        aws: connect::AwsArgs,
    },
    /// Take a target over from AAS: suspend AAS, switch sagescale to enforce, deregister it.
    Takeover {
        #[command(flatten)]
        args: takeover::Args,
        #[command(flatten)]
        aws: connect::AwsArgs,
    },
    /// Give a target back to AAS from the stored document, then switch sagescale to dry-run.
    Handback {
        #[command(flatten)]
        args: takeover::Args,
        #[command(flatten)]
        aws: connect::AwsArgs,
    },
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
    let top = cli.aws;
    let aws_of = |sub: connect::AwsArgs| connect::Aws::resolve(&top, &sub);
    match cli.command {
        Command::Validate(args) => validate::run(&args),
        Command::Plan(args) => plan::run(&args),
        Command::Simulate(args) => simulate::run(&args),
        Command::Tune(args) => tune::run(&args),
        Command::Init { args, aws } => apply::init(&args, &aws_of(aws)),
        Command::Apply { args, aws } => apply::run(&args, &aws_of(aws)),
        Command::Status { args, aws } => status::run(&args, &aws_of(aws)),
        Command::Activities { args, aws } => activities::run(&args, &aws_of(aws)),
        Command::Forecast { args, aws } => forecast::run(&args, &aws_of(aws)),
        Command::Suspend { args, aws } => suspend::run(&args, &aws_of(aws), true),
        Command::Resume { args, aws } => suspend::run(&args, &aws_of(aws), false),
        Command::Import { args, aws } => import::run(&args, &aws_of(aws)),
        Command::Compare { args, aws } => compare::run(&args, &aws_of(aws)),
        Command::Takeover { args, aws } => takeover::run(&args, &aws_of(aws)),
        Command::Handback { args, aws } => handback::run(&args, &aws_of(aws)),
    }
}
