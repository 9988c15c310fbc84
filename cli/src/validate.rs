//! `sagescale validate FILE...`: every problem of every file, then one exit code for all.

use std::path::PathBuf;
use std::process::ExitCode;

use chrono::{DateTime, Utc};
use sagescale_core::model::Document;

use crate::document::{INVALID, UNREADABLE, load, print_problems};
use crate::plan::never_fires;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Configuration files (.yaml/.yml, or .json).
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
}

pub fn run(args: &Args) -> ExitCode {
    let (mut unreadable, mut invalid) = (false, false);
    // The clock is read here, at the edge: whether a schedule still fires depends on it.
    let now = Utc::now();
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
            Some(document) => {
                for warning in never_firing(document, now) {
                    println!("warning: {}: {warning}", file.display());
                }
                println!("ok: {} ({})", file.display(), summary(document))
            }
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

/// Scheduled actions that will never fire after `now`: not errors (AAS accepts them), but
/// almost certainly not what was meant.
fn never_firing(document: &Document, now: DateTime<Utc>) -> Vec<String> {
    let mut out = Vec::new();
    for (t, target) in document.scalable_targets.iter().enumerate() {
        for (a, action) in target.scheduled_actions.iter().enumerate() {
            if let Some(why) = never_fires(action, now) {
                out.push(format!(
                    "ScalableTargets[{t}] ({}) > ScheduledActions[{a}] ({}): never fires: {why}",
                    target.resource_id, action.scheduled_action_name
                ));
            }
        }
    }
    out
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
