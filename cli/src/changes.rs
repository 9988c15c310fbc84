//! What applying a target changes against the version in the table, one line per change:
//! `sagescale apply` prints them before it writes (and only prints them with `--dry-run`).

use sagescale_core::model::{Mode, ScalableTarget, SuspendedState};

/// The target as it will be stored: a document that does not state `SuspendedState` keeps the
/// suspension in force (set by `sagescale suspend`), as RegisterScalableTarget changes only
/// what is given.
pub fn merged(previous: Option<&ScalableTarget>, next: &ScalableTarget) -> ScalableTarget {
    let mut merged = next.clone();
    if merged.suspended_state.is_none() {
        merged.suspended_state = previous.and_then(|p| p.suspended_state);
    }
    merged
}

/// The changes from `previous` (the applied version, if any) to `next` (the document's
/// target), one line each; empty when nothing changes.
pub fn changes(previous: Option<&ScalableTarget>, next: &ScalableTarget) -> Vec<String> {
    let Some(previous) = previous else {
        let mut line = format!(
            "new target: bounds [{}, {}], {}, {}, mode {}",
            next.min_capacity,
            next.max_capacity,
            crate::validate::count(next.scaling_policies.len(), "policy"),
            crate::validate::count(next.scheduled_actions.len(), "scheduled action"),
            mode(next.mode)
        );
        let suspended = suspended_names(next.suspended());
        if !suspended.is_empty() {
            line.push_str(&format!(", suspended {}", suspended.join(", ")));
        }
        return vec![line];
    };
    let mut out = Vec::new();
    if previous.min_capacity != next.min_capacity {
        out.push(format!(
            "MinCapacity {} -> {}",
            previous.min_capacity, next.min_capacity
        ));
    }
    if previous.max_capacity != next.max_capacity {
        out.push(format!(
            "MaxCapacity {} -> {}",
            previous.max_capacity, next.max_capacity
        ));
    }
    named_changes(
        &mut out,
        "policy",
        &previous.scaling_policies,
        &next.scaling_policies,
        |p| &p.policy_name,
    );
    named_changes(
        &mut out,
        "scheduled action",
        &previous.scheduled_actions,
        &next.scheduled_actions,
        |a| &a.scheduled_action_name,
    );
    let before = previous.suspended();
    match next.suspended_state {
        Some(after) => {
            for ((name, was), (_, is)) in flags(before).into_iter().zip(flags(after)) {
                if was != is {
                    out.push(format!("{name} {was} -> {is}"));
                }
            }
        }
        None => {
            let kept = suspended_names(before);
            if !kept.is_empty() {
                out.push(format!(
                    "still suspended: {} (the document does not state SuspendedState; \
                     `sagescale resume` lifts it)",
                    kept.join(", ")
                ));
            }
        }
    }
    if previous.mode != next.mode {
        out.push(format!(
            "Mode {} -> {}",
            mode(previous.mode),
            mode(next.mode)
        ));
    }
    out
}

/// Added, removed and changed items, matched by name, in the document's order.
fn named_changes<T: PartialEq>(
    out: &mut Vec<String>,
    what: &str,
    before: &[T],
    after: &[T],
    name: impl Fn(&T) -> &String,
) {
    for item in after {
        match before.iter().find(|b| name(b) == name(item)) {
            None => out.push(format!("{what} {} added", name(item))),
            Some(b) if b != item => out.push(format!("{what} {} changed", name(item))),
            Some(_) => {}
        }
    }
    for item in before {
        if !after.iter().any(|a| name(a) == name(item)) {
            out.push(format!("{what} {} removed", name(item)));
        }
    }
}

fn flags(s: SuspendedState) -> [(&'static str, bool); 3] {
    [
        ("DynamicScalingInSuspended", s.dynamic_scaling_in_suspended),
        (
            "DynamicScalingOutSuspended",
            s.dynamic_scaling_out_suspended,
        ),
        ("ScheduledScalingSuspended", s.scheduled_scaling_suspended),
    ]
}

fn suspended_names(s: SuspendedState) -> Vec<&'static str> {
    flags(s)
        .into_iter()
        .filter(|(_, on)| *on)
        .map(|(name, _)| name)
        .collect()
}

fn mode(m: Mode) -> &'static str {
    match m {
        Mode::Enforce => "enforce",
        Mode::DryRun => "dry-run",
    }
}
