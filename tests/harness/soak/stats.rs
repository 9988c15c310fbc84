//! What a soak run counts and prints.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, Utc};

/// One invariant found broken: enough to replay it (`seed`, `step`) and to see why.
#[derive(Debug, Clone)]
pub struct Violation {
    pub seed: u64,
    pub step: u64,
    pub at: DateTime<Utc>,
    pub invariant: &'static str,
    pub target: String,
    pub detail: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "VIOLATION seed {} step {} ({}): {} on {}: {} (replay: sagescale-soak --seed {} --steps {})",
            self.seed,
            self.step,
            self.at.format("%Y-%m-%dT%H:%M:%SZ"),
            self.invariant,
            self.target,
            self.detail,
            self.seed,
            self.step
        )
    }
}

/// Counters of one run.
#[derive(Debug, Default, Clone)]
pub struct Stats {
    pub steps: u64,
    pub first_time: Option<DateTime<Utc>>,
    pub last_time: Option<DateTime<Utc>>,
    /// Invocations by handler and kind (`alarm fresh`, `schedule duplicate`, ...).
    pub deliveries: BTreeMap<String, u64>,
    /// EventBridge-shaped alarm events among the alarm deliveries.
    pub eventbridge_alarms: u64,
    pub ticks_missed: u64,
    /// Steps that ran several invocations at once, and the invocations in them.
    pub concurrent_steps: u64,
    pub concurrent_invocations: u64,
    pub max_concurrency: usize,
    /// Outcomes of the handlers by kind (`Scaled`, `NotScaled`, `Deferred`, ...).
    pub decisions: BTreeMap<String, u64>,
    /// Faults injected (answers the emulator gave with a fault) by `service kind`.
    pub faults: BTreeMap<String, u64>,
    /// Invocations that failed (Lambda retries them), and those given up after two retries.
    pub invocations_failed: u64,
    pub invocations_dropped: u64,
    /// Targets a pass reported failed (the pass itself went on).
    pub pass_target_errors: u64,
    pub busy_spells: u64,
    /// Successful UpdateEndpointWeightsAndCapacities calls, and those repeating the count
    /// the endpoint already had (idempotent re-sends).
    pub sagemaker_updates: u64,
    pub idempotent_resends: u64,
    /// Scheduled occurrences checked: fired once, recorded missed.
    pub occurrences_fired: u64,
    pub occurrences_missed: u64,
    /// Policy-driven changes checked against the cooldown clocks.
    pub cooldown_checks: u64,
    /// Claims seen pending at the end of a step.
    pub claims_seen: u64,
    pub violations: Vec<Violation>,
}

impl Stats {
    pub fn count(map: &mut BTreeMap<String, u64>, key: impl Into<String>) {
        *map.entry(key.into()).or_insert(0) += 1;
    }

    pub fn faults_total(&self) -> u64 {
        self.faults.values().sum()
    }
}

fn list(map: &BTreeMap<String, u64>) -> String {
    if map.is_empty() {
        return "none".into();
    }
    map.iter()
        .map(|(k, v)| format!("{k} {v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl fmt::Display for Stats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let span = match (self.first_time, self.last_time) {
            (Some(a), Some(b)) => format!(
                "{} to {} ({:.1} h simulated)",
                a.format("%Y-%m-%dT%H:%M:%SZ"),
                b.format("%Y-%m-%dT%H:%M:%SZ"),
                (b - a).num_seconds() as f64 / 3600.0
            ),
            _ => "-".into(),
        };
        let events: u64 = self.deliveries.values().sum();
        writeln!(f, "steps: {} ({span})", self.steps)?;
        writeln!(
            f,
            "events delivered: {events} ({}); EventBridge-shaped alarms {}; ticks missed {}",
            list(&self.deliveries),
            self.eventbridge_alarms,
            self.ticks_missed
        )?;
        writeln!(
            f,
            "concurrent invocations: {} in {} steps (at most {} at once)",
            self.concurrent_invocations, self.concurrent_steps, self.max_concurrency
        )?;
        writeln!(f, "decisions: {}", list(&self.decisions))?;
        writeln!(
            f,
            "faults injected and survived: {} ({}); invocations failed and retried {}, dropped after 2 retries {}; targets failed in a pass {}",
            self.faults_total(),
            list(&self.faults),
            self.invocations_failed,
            self.invocations_dropped,
            self.pass_target_errors
        )?;
        writeln!(
            f,
            "endpoints made busy: {}; SageMaker updates {} (idempotent re-sends {})",
            self.busy_spells, self.sagemaker_updates, self.idempotent_resends
        )?;
        writeln!(
            f,
            "checked: scheduled occurrences fired once {}, recorded missed {}; policy changes against cooldowns {}; claims tracked {}",
            self.occurrences_fired, self.occurrences_missed, self.cooldown_checks, self.claims_seen
        )?;
        write!(f, "violations: {}", self.violations.len())
    }
}
