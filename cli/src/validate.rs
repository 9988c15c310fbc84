//! `sagescale validate FILE...`: every problem of every file, then one exit code for all.

use std::path::PathBuf;
use std::process::ExitCode;

use sagescale_core::model::Document;

use crate::document::{INVALID, UNREADABLE, load, print_problems};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Configuration files (.yaml/.yml, or .json).
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
}

pub fn run(args: &Args) -> ExitCode {
    let (mut unreadable, mut invalid) = (false, false);
    for file in &args.files {
        let report = match load(file) {
            Ok(report) => report,
            Err(e) => {
                println!("error: {}: cannot read: {e}", file.display());
                unreadable = true;
                continue;
            }
        };
        print_problems(file, &report);
        match &report.document {
            Some(document) => println!("ok: {} ({})", file.display(), summary(document)),
            None => invalid = true,
        }
    }
    // A file that can't be read outranks an invalid one: the check did not even run.
    match (unreadable, invalid) {
        (true, _) => ExitCode::from(UNREADABLE),
        (false, true) => ExitCode::from(INVALID),
        (false, false) => ExitCode::SUCCESS,
    }
}

/// `2 targets, 3 policies, 1 scheduled action`.
fn summary(document: &Document) -> String {
    let targets = &document.scalable_targets;
    let policies: usize = targets.iter().map(|t| t.scaling_policies.len()).sum();
    let actions: usize = targets.iter().map(|t| t.scheduled_actions.len()).sum();
    format!(
        "{}, {}, {}",
        count(targets.len(), "target"),
        count(policies, "policy"),
        count(actions, "scheduled action")
    )
}

pub fn count(n: usize, noun: &str) -> String {
    match (n, noun.strip_suffix('y')) {
        (1, _) => format!("1 {noun}"),
        (_, Some(stem)) => format!("{n} {stem}ies"),
        (_, None) => format!("{n} {noun}s"),
    }
}

#[cfg(test)]
mod tests {
    use super::count;

    #[test]
    fn counts_are_pluralised() {
        assert_eq!(count(1, "policy"), "1 policy");
        assert_eq!(count(2, "policy"), "2 policies");
        assert_eq!(count(0, "scheduled action"), "0 scheduled actions");
    }
}
