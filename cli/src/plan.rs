//! `sagescale plan FILE [--next N] [--from TIME]`: the next N firings of each scheduled action
//! of each target, in time order, in the action's own time zone (with its abbreviation, so a
//! DST change is visible) and in UTC. N counts per action, so a frequent action does not hide
//! a weekly one; an action that will never fire again is named with the reason.

use std::path::PathBuf;
use std::process::ExitCode;

use chrono::{DateTime, Utc};
use sagescale_core::model::{Mode, ScalableTarget, ScalableTargetAction, ScheduledAction};
use sagescale_core::schedule::{Schedule, ScheduleExpr};

use crate::document::{INVALID, load_valid};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Configuration file (.yaml/.yml, or .json).
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// How many upcoming firings to show per scheduled action (at least 1).
    #[arg(long, value_name = "N", default_value_t = 5, value_parser = parse_next)]
    next: usize,
    /// Start from this time instead of now (RFC 3339, e.g. 2026-03-01T00:00:00Z).
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    from: Option<DateTime<Utc>>,
}

fn parse_next(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(0) => Err("must be at least 1".to_string()),
        Ok(n) => Ok(n),
        Err(e) => Err(e.to_string()),
    }
}

fn parse_time(text: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.to_utc())
        .map_err(|e| format!("{e}; expected RFC 3339, e.g. 2026-03-01T00:00:00Z"))
}

/// One upcoming firing of one action.
struct Firing<'a> {
    at: DateTime<Utc>,
    schedule: Schedule,
    action: &'a ScheduledAction,
}

pub fn run(args: &Args) -> ExitCode {
    let document = match load_valid(&args.file) {
        Ok(document) => document,
        Err(code) => return code,
    };
    // The clock is read here, at the edge; everything below takes the time as a parameter.
    let from = args.from.unwrap_or_else(Utc::now);
    println!(
        "{}: next {} firings of each scheduled action after {}",
        args.file.display(),
        args.next,
        from.format("%Y-%m-%d %H:%M:%S UTC")
    );
    for (index, target) in document.scalable_targets.iter().enumerate() {
        match upcoming(target, from, args.next) {
            Ok(firings) => print_target(index, target, &firings, from),
            // Validation parsed every schedule already; this is only reachable if the two
            // disagree, which is a bug worth a clear message rather than a panic.
            Err(message) => {
                println!("error: {}: {message}", args.file.display());
                return ExitCode::from(INVALID);
            }
        }
    }
    ExitCode::SUCCESS
}

/// The first `n` firings of each of the target's actions after `from`, in time order (ties in
/// document order, the order AAS lists them).
fn upcoming(
    target: &ScalableTarget,
    from: DateTime<Utc>,
    n: usize,
) -> Result<Vec<Firing<'_>>, String> {
    let mut firings = Vec::new();
    for action in &target.scheduled_actions {
        let schedule = Schedule::for_action(action)
            .map_err(|e| format!("{}: {e}", action.scheduled_action_name))?;
        for at in schedule.next_n(from, n) {
            firings.push(Firing {
                at,
                schedule: schedule.clone(),
                action,
            });
        }
    }
    // A stable sort keeps document order for actions firing at the same instant.
    firings.sort_by_key(|f| f.at);
    Ok(firings)
}

fn print_target(
    index: usize,
    target: &ScalableTarget,
    firings: &[Firing<'_>],
    from: DateTime<Utc>,
) {
    println!();
    println!("ScalableTargets[{index}] {}", target.resource_id);
    if target.mode == Mode::DryRun {
        println!("  Mode dry-run: these are recorded as activities, SageMaker is not called");
    }
    if target.suspended().scheduled_scaling_suspended {
        println!("  ScheduledScalingSuspended: none of these will run until resumed");
    }
    for action in &target.scheduled_actions {
        if action.schedule.trim_start().starts_with("rate(") && action.start_time.is_none() {
            println!(
                "  note: {} is rate() without StartTime; shown from the Unix epoch, while AAS \
                 counts from when the action is created",
                action.scheduled_action_name
            );
        }
    }
    for action in &target.scheduled_actions {
        if let Some(why) = never_fires(action, from) {
            println!(
                "  note: {} never fires: {why}",
                action.scheduled_action_name
            );
        }
    }
    if firings.is_empty() {
        println!("  no upcoming scheduled actions");
        return;
    }
    let width = firings
        .iter()
        .map(|f| f.action.scheduled_action_name.len())
        .max()
        .unwrap_or(0);
    for firing in firings {
        let local = firing.at.with_timezone(&firing.schedule.tz);
        println!(
            "  {}  ({})  {:width$}  {}",
            local.format("%a %Y-%m-%d %H:%M %Z"),
            firing.at.format("%Y-%m-%d %H:%M UTC"),
            firing.action.scheduled_action_name,
            bounds(&firing.action.scalable_target_action),
        );
    }
}

/// `MinCapacity=50 MaxCapacity=60`, only the bounds the action sets.
fn bounds(action: &ScalableTargetAction) -> String {
    let parts: Vec<String> = [
        ("MinCapacity", action.min_capacity),
        ("MaxCapacity", action.max_capacity),
    ]
    .into_iter()
    .filter_map(|(name, value)| value.map(|v| format!("{name}={v}")))
    .collect();
    parts.join(" ")
}

/// Why `action` will never fire after `now`, or `None` when it will. AAS accepts such actions;
/// `validate` warns about them and `plan` names them.
pub fn never_fires(action: &ScheduledAction, now: DateTime<Utc>) -> Option<String> {
    let schedule = Schedule::for_action(action).ok()?;
    if schedule.next_after(now).is_some() {
        return None;
    }
    let expr = &schedule.expr;
    let time = |t: DateTime<Utc>| t.format("%Y-%m-%dT%H:%M:%SZ").to_string();
    let unbounded = Schedule {
        start: None,
        end: None,
        ..schedule.clone()
    };
    let ever = unbounded.next_after(DateTime::<Utc>::UNIX_EPOCH - chrono::TimeDelta::seconds(1));
    Some(match (ever, expr, schedule.end) {
        (None, ScheduleExpr::At(_), _) => format!(
            "{expr} is a local time that does not exist in {} (skipped by a DST change)",
            schedule.tz
        ),
        (None, _, _) => format!("{expr} matches no date"),
        (_, _, Some(end)) if end <= now => format!("its EndTime {} is in the past", time(end)),
        (_, ScheduleExpr::At(_), _) => format!("{expr} is in the past"),
        _ => match schedule.latest_at_or_before(now) {
            Some(last) => format!("{expr} fired for the last time at {}", time(last)),
            None => format!("{expr} matches no time between its StartTime and EndTime"),
        },
    })
}
