//! The invariants checked after every step of the soak, per target, from what the system
//! stored (state and activities in DynamoDB), the endpoint as SageMaker shows it, and the
//! SageMaker calls the emulator received:
//!
//! 1. **Bounds.** The endpoint's desired count is within the effective bounds (the configured
//!    ones as changed by scheduled actions, from the state); while a change is pending, the
//!    pending count is.
//! 2. **Cooldowns** (README "Scaling semantics"): no policy-driven scale-in is decided inside an
//!    active scale-in cooldown; a policy-driven scale-out decided inside an active scale-out
//!    cooldown goes no higher than the largest step any policy of the target can take from the
//!    capacity before the scale-out that started the cooldown (so nothing compounds); the
//!    clocks start from the state before the step and move as the engine's rules say.
//! 3. **Scheduled occurrences**: every occurrence of every scheduled action (computed with
//!    `sagescale_core::schedule`) up to the target's latest clean pass has exactly one firing
//!    activity or is counted in exactly one "missed" activity; none is handled twice.
//! 4. **Claims**: a pending change is gone after two clean passes (in two distinct minutes,
//!    after it was first seen); a pass is clean for a target when no fault was injected in its
//!    step, the endpoint was not made busy, and the pass handled the target without error.
//! 5. **Activity log = SageMaker calls**: every successful UpdateEndpointWeightsAndCapacities
//!    that changes an endpoint's count matches one Successful activity with that count, and
//!    every Successful scaling activity matches a call. A call repeating the count the previous
//!    call set is an idempotent re-send (a claim retried after its outcome could not be
//!    recorded): absolute counts make it a no-op, so it is counted, not matched. A call whose
//!    claim is still in flight (pending, not deferred, same count) waits for its activity.

use std::collections::{BTreeMap, HashMap, HashSet};

use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, Duration, Utc};

use sagescale_aws::store::{activity_sk, target_pk};
use sagescale_core::activity::{ScalingActivity, StatusCode};
use sagescale_core::decide::{Bounds, Cooldowns};
use sagescale_core::model::{PolicyType, ScalableTarget};
use sagescale_core::schedule::Schedule;
use sagescale_core::state::TargetState;
use sagescale_core::step::adjusted_capacity;

use super::stats::{Stats, Violation};
use super::world::{TABLE, TT_MAX_LOAD, World};

/// Newest activities read per target and step; older ones still in flight are read one by one.
const WINDOW: i32 = 60;

/// What a step did that the checks need besides the stored state.
#[derive(Debug, Default)]
pub struct StepFacts {
    /// Successful UpdateEndpointWeightsAndCapacities calls in arrival order: (endpoint, count).
    pub calls: Vec<(String, i32)>,
    /// (resource id, minute) of every clean pass of the step.
    pub clean_passes: Vec<(String, DateTime<Utc>)>,
    /// Capacity before the decision, by activity id, from the handlers' outcomes.
    pub previous: Vec<(String, i32)>,
}

struct ActionTrack {
    name: String,
    cause: String,
    schedule: Schedule,
    /// How many activities handled each occurrence.
    handled: BTreeMap<DateTime<Utc>, u32>,
    /// Occurrences a "missed" activity accounts for.
    missed: HashSet<DateTime<Utc>>,
    checked_until: DateTime<Utc>,
}

#[derive(Default)]
struct ClaimTrack {
    first_step: u64,
    clean: HashSet<DateTime<Utc>>,
    reported: bool,
}

struct Track {
    rid: String,
    endpoint: String,
    config: ScalableTarget,
    activities: HashMap<String, ScalingActivity>,
    /// Activities already counted as Successful scaling, and those counted for a schedule.
    counted_success: HashSet<String>,
    counted_schedule: HashSet<String>,
    before: TargetState,
    /// Calls not matched yet: (count, re-send).
    calls: Vec<(i32, bool)>,
    last_call: i32,
    claims: HashMap<String, ClaimTrack>,
    horizon: Option<DateTime<Utc>>,
    actions: Vec<ActionTrack>,
}

/// The invariants' memory across steps.
pub struct Checker {
    seed: u64,
    tracks: Vec<Track>,
    previous: HashMap<String, i32>,
}

/// `N` of "Setting desired instance count to N.".
fn desired_of(a: &ScalingActivity) -> Option<i32> {
    a.description
        .strip_prefix("Setting desired ")?
        .rsplit(' ')
        .next()?
        .trim_end_matches('.')
        .parse()
        .ok()
}

/// A Successful activity that set a new count on the endpoint (not a not-scaled decision, not a
/// bounds-only scheduled change).
fn is_successful_scaling(a: &ScalingActivity) -> bool {
    a.status_code == StatusCode::Successful
        && a.not_scaled_reasons.is_empty()
        && a.status_message
            .as_deref()
            .is_some_and(|m| m.starts_with("Successfully set"))
}

/// The policy a policy-driven cause names.
fn policy_of(cause: &str) -> Option<&str> {
    if let Some((_, policy)) = cause.split_once(" triggered policy ") {
        return Some(policy);
    }
    cause
        .strip_prefix("target tracking policy ")
        .and_then(|rest| rest.split(':').next())
}

fn cooldowns_of(target: &ScalableTarget, policy: &str) -> Option<Cooldowns> {
    let p = target.policy(policy)?;
    match p.policy_type {
        PolicyType::StepScaling => p
            .step_scaling_policy_configuration
            .as_ref()
            .map(Cooldowns::of_step),
        PolicyType::TargetTrackingScaling => p
            .target_tracking_scaling_policy_configuration
            .as_ref()
            .map(Cooldowns::of_target_tracking),
        // Forecast changes neither respect nor start cooldowns (the soak has none).
        PolicyType::PredictiveScaling => None,
    }
}

/// The largest capacity any policy of the target can propose from `from`.
fn largest_proposal(target: &ScalableTarget, from: i32) -> i32 {
    let mut best = from;
    for p in &target.scaling_policies {
        if let Some(cfg) = &p.step_scaling_policy_configuration {
            for s in &cfg.step_adjustments {
                let c = adjusted_capacity(
                    cfg.adjustment_type,
                    s.scaling_adjustment,
                    from,
                    cfg.min_adjustment_magnitude,
                );
                best = best.max(c);
            }
        }
        if let Some(cfg) = &p.target_tracking_scaling_policy_configuration {
            let c = (f64::from(from) * TT_MAX_LOAD / cfg.target_value).ceil() as i32;
            best = best.max(c);
        }
    }
    best
}

/// The firings a "Skipping scheduled action X due at T." activity accounts for: T and the
/// `count - 1` before it.
fn missed_firings(schedule: &Schedule, a: &ScalingActivity) -> Option<Vec<DateTime<Utc>>> {
    let due = a
        .description
        .split(" due at ")
        .nth(1)?
        .trim_end_matches('.');
    let latest = DateTime::parse_from_rfc3339(due).ok()?.with_timezone(&Utc);
    let msg = a.status_message.as_deref()?;
    let count = if msg.contains("missed its firing") {
        1
    } else {
        let after = msg.split("missed ").nth(1)?;
        let after = after.strip_prefix("at least ").unwrap_or(after);
        after.split(' ').next()?.parse::<usize>().ok()?
    };
    let mut out = Vec::with_capacity(count);
    let mut at = Some(latest);
    while let Some(t) = at {
        if out.len() == count {
            break;
        }
        out.push(t);
        at = schedule.latest_at_or_before(t - Duration::seconds(1));
    }
    Some(out)
}

impl Checker {
    pub fn new(seed: u64, world: &World, start: DateTime<Utc>) -> Checker {
        let tracks = world
            .targets
            .iter()
            .map(|t| Track {
                rid: t.rid().to_string(),
                endpoint: t.endpoint.to_string(),
                config: t.target.clone(),
                activities: HashMap::new(),
                counted_success: HashSet::new(),
                counted_schedule: HashSet::new(),
                before: TargetState::default(),
                calls: Vec::new(),
                last_call: t.initial,
                claims: HashMap::new(),
                horizon: None,
                actions: t
                    .target
                    .scheduled_actions
                    .iter()
                    .map(|a| ActionTrack {
                        name: a.scheduled_action_name.clone(),
                        cause: format!(
                            "scheduled action name {} was triggered",
                            a.scheduled_action_name
                        ),
                        schedule: Schedule::for_action(a).expect("valid schedule"),
                        handled: BTreeMap::new(),
                        missed: HashSet::new(),
                        checked_until: start,
                    })
                    .collect(),
            })
            .collect();
        Checker {
            seed,
            tracks,
            previous: HashMap::new(),
        }
    }

    /// Checks every invariant after step `step` (simulated time `now`); violations go to
    /// `stats`.
    pub async fn check(
        &mut self,
        step: u64,
        now: DateTime<Utc>,
        world: &World,
        facts: &StepFacts,
        stats: &mut Stats,
    ) {
        self.previous.extend(facts.previous.iter().cloned());
        let seed = self.seed;
        for i in 0..self.tracks.len() {
            let mut found = Vec::new();
            let mut report = |track: &Track, invariant: &'static str, detail: String| {
                found.push(Violation {
                    seed,
                    step,
                    at: now,
                    invariant,
                    target: track.rid.clone(),
                    detail,
                })
            };
            let loaded = world
                .store
                .load(&self.tracks[i].rid)
                .await
                .expect("load state (no fault is active while checking)")
                .expect("target configured");
            let after = loaded.state;
            for p in after
                .pending
                .iter()
                .chain(self.tracks[i].before.pending.iter())
            {
                self.previous.insert(p.activity_id.clone(), p.previous);
            }
            let changed = self.tracks[i].refresh_activities(world).await;
            let track = &mut self.tracks[i];

            // 1. Bounds.
            let configured = Bounds {
                min: track.config.min_capacity,
                max: track.config.max_capacity,
            };
            let bounds = after.effective_bounds(configured);
            let (desired, status) = world.endpoint(&track.endpoint);
            match &after.pending {
                Some(p) if !bounds.contains(p.desired) => report(
                    track,
                    "bounds",
                    format!(
                        "pending change to {} outside the effective bounds {}..={}",
                        p.desired, bounds.min, bounds.max
                    ),
                ),
                None if !bounds.contains(desired as i32) => report(
                    track,
                    "bounds",
                    format!(
                        "endpoint desired count {desired} ({status}) outside the effective bounds {}..={}",
                        bounds.min, bounds.max
                    ),
                ),
                _ => {}
            }

            // 5. Activity log = SageMaker calls.
            for (endpoint, count) in &facts.calls {
                if *endpoint == track.endpoint {
                    let resend = *count == track.last_call;
                    track.calls.push((*count, resend));
                    track.last_call = *count;
                    stats.sagemaker_updates += 1;
                }
            }
            let mut scaled: Vec<&ScalingActivity> = changed
                .iter()
                .filter_map(|id| track.activities.get(id))
                .filter(|a| {
                    is_successful_scaling(a) && !track.counted_success.contains(&a.activity_id)
                })
                .collect();
            scaled.sort_by_key(|a| (a.end_time, a.start_time));
            for a in &scaled {
                let Some(n) = desired_of(a) else {
                    report(
                        track,
                        "activity-calls",
                        format!("unreadable description {:?}", a.description),
                    );
                    continue;
                };
                // Prefer a call that changed the count; a re-send only if none is left.
                let pos = track
                    .calls
                    .iter()
                    .position(|&(c, resend)| c == n && !resend)
                    .or_else(|| track.calls.iter().position(|&(c, _)| c == n));
                match pos {
                    Some(p) => {
                        track.calls.remove(p);
                    }
                    None => report(
                        track,
                        "activity-calls",
                        format!(
                            "Successful activity {} ({}) has no UpdateEndpointWeightsAndCapacities with count {n}",
                            a.activity_id, a.cause
                        ),
                    ),
                }
            }
            let in_flight = after
                .pending
                .as_ref()
                .filter(|p| !p.deferred)
                .map(|p| p.desired);
            let mut kept = Vec::new();
            let mut waiting = in_flight;
            for (c, resend) in std::mem::take(&mut track.calls) {
                if waiting == Some(c) {
                    kept.push((c, resend));
                    waiting = None;
                } else if resend {
                    stats.idempotent_resends += 1;
                } else {
                    report(
                        track,
                        "activity-calls",
                        format!(
                            "UpdateEndpointWeightsAndCapacities to {c} has no Successful activity; the step's activities: {}",
                            changed
                                .iter()
                                .filter_map(|id| track.activities.get(id))
                                .map(|a| format!(
                                    "[{:?} {:?} {:?}]",
                                    a.status_code, a.description, a.status_message
                                ))
                                .collect::<Vec<_>>()
                                .join(" ")
                        ),
                    );
                }
            }
            track.calls = kept;

            // 2. Cooldowns, from the clocks before the step. Handlers run concurrently and a
            // pass decides at its tick's time, so the order of the step's changes is unknown:
            // the checks below hold whatever the order.
            let mut changes = Vec::new();
            for a in &scaled {
                track.counted_success.insert(a.activity_id.clone());
                let Some(policy) = policy_of(&a.cause) else {
                    continue; // a scheduled action: no cooldown applies
                };
                match (
                    cooldowns_of(&track.config, policy),
                    desired_of(a),
                    self.previous.get(&a.activity_id),
                ) {
                    (Some(c), Some(q), Some(&p)) if q != p => changes.push((*a, policy, c, p, q)),
                    _ => report(
                        track,
                        "cooldown",
                        format!(
                            "cannot tell the cooldown or previous capacity of {} ({})",
                            a.activity_id, a.cause
                        ),
                    ),
                }
            }
            let basis_of = |a: &ScalingActivity| match &track.before.pending {
                Some(claim) if claim.activity_id == a.activity_id => claim.prior_cooldown,
                _ => track.before.cooldown,
            };
            let outs: Vec<_> = changes.iter().filter(|c| c.4 > c.3).collect();
            let ins: Vec<_> = changes.iter().filter(|c| c.4 < c.3).collect();
            stats.cooldown_checks += changes.len() as u64;
            // A scale-in inside the scale-in cooldown, unless a scale-out (which ends that
            // cooldown) happened in the same step.
            if outs.is_empty() {
                for (a, policy, _, p, q) in &ins {
                    let basis = basis_of(a);
                    if basis.scale_in_blocked(a.start_time) {
                        report(
                            track,
                            "cooldown",
                            format!(
                                "scale-in {p} -> {q} by {policy} decided at {} inside the scale-in cooldown until {:?}",
                                a.start_time, basis.scale_in_until
                            ),
                        );
                    }
                }
                // Two scale-ins in one step: whichever came second was inside the first's.
                for (i, x) in ins.iter().enumerate() {
                    for y in &ins[i + 1..] {
                        let apart = (x.0.start_time - y.0.start_time).abs();
                        let shortest = x.2.scale_in.min(y.2.scale_in);
                        if apart < Duration::seconds(i64::from(shortest)) {
                            report(
                                track,
                                "cooldown",
                                format!(
                                    "two scale-ins {} -> {} and {} -> {} {} s apart, cooldown {shortest} s",
                                    x.3,
                                    x.4,
                                    y.3,
                                    y.4,
                                    apart.num_seconds()
                                ),
                            );
                        }
                    }
                }
            }
            // A scale-out inside a scale-out cooldown (one running before the step, or one
            // another scale-out of the step started) goes no higher than the largest step from
            // the capacity before the cooldown began, unless a scale-in ended that cooldown.
            if ins.is_empty() {
                let lowest = outs.iter().map(|c| c.3).min();
                for (a, policy, _, p, q) in &outs {
                    let active = basis_of(a).active_scale_out(a.start_time);
                    if active.is_none() && outs.len() < 2 {
                        continue;
                    }
                    let base = active
                        .map_or(*p, |c| c.base_capacity.min(*p))
                        .min(lowest.unwrap_or(*p));
                    let limit = largest_proposal(&track.config, base).max(bounds.min);
                    if *q > limit {
                        report(
                            track,
                            "cooldown",
                            format!(
                                "scale-out {p} -> {q} by {policy} decided at {} inside a scale-out cooldown (base {base}, running {active:?}): the largest step from the base reaches {limit}",
                                a.start_time
                            ),
                        );
                    }
                }
            }

            // 4. Claims.
            let clean: Vec<DateTime<Utc>> = facts
                .clean_passes
                .iter()
                .filter(|(rid, _)| *rid == track.rid)
                .map(|(_, m)| *m)
                .collect();
            if let Some(last) = clean.iter().max() {
                track.horizon = Some(track.horizon.map_or(*last, |h| h.max(*last)));
            }
            match &after.pending {
                Some(p) => {
                    let claim = track
                        .claims
                        .entry(p.activity_id.clone())
                        .or_insert_with(|| {
                            stats.claims_seen += 1;
                            ClaimTrack {
                                first_step: step,
                                ..ClaimTrack::default()
                            }
                        });
                    if claim.first_step < step {
                        claim
                            .clean
                            .extend(clean.iter().filter(|m| **m > p.decided_at));
                    }
                    let mut stuck = None;
                    if claim.clean.len() >= 2 && !claim.reported {
                        claim.reported = true;
                        let mut passes: Vec<_> = claim.clean.iter().copied().collect();
                        passes.sort();
                        stuck = Some(passes);
                    }
                    if let Some(passes) = stuck {
                        report(
                            track,
                            "claim",
                            format!(
                                "change to {} decided at {} (deferred: {}) still pending after clean passes at {passes:?}",
                                p.desired, p.decided_at, p.deferred
                            ),
                        );
                    }
                    let id = p.activity_id.clone();
                    track.claims.retain(|k, _| *k == id);
                }
                None => track.claims.clear(),
            }

            // 3. Scheduled occurrences.
            let mut new_sched: Vec<&ScalingActivity> = changed
                .iter()
                .filter_map(|id| track.activities.get(id))
                .filter(|a| !track.counted_schedule.contains(&a.activity_id))
                .filter(|a| a.cause.starts_with("scheduled action name "))
                .collect();
            new_sched.sort_by_key(|a| a.start_time);
            let mut counted = Vec::new();
            for a in new_sched {
                counted.push(a.activity_id.clone());
                let Some(action) = track.actions.iter_mut().find(|t| t.cause == a.cause) else {
                    found.push(Violation {
                        seed,
                        step,
                        at: now,
                        invariant: "schedule",
                        target: track.rid.clone(),
                        detail: format!("activity of an unknown action: {}", a.cause),
                    });
                    continue;
                };
                let firings = if a.description.starts_with("Skipping scheduled action") {
                    let f = missed_firings(&action.schedule, a);
                    action.missed.extend(f.iter().flatten());
                    f
                } else {
                    action
                        .schedule
                        .latest_at_or_before(a.start_time)
                        .map(|o| vec![o])
                };
                let Some(firings) = firings else {
                    found.push(Violation {
                        seed,
                        step,
                        at: now,
                        invariant: "schedule",
                        target: track.rid.clone(),
                        detail: format!(
                            "activity {} of {} matches no occurrence: {:?} / {:?}",
                            a.activity_id, action.name, a.description, a.status_message
                        ),
                    });
                    continue;
                };
                for o in firings {
                    let n = action.handled.entry(o).or_insert(0);
                    *n += 1;
                    if *n > 1 {
                        found.push(Violation {
                            seed,
                            step,
                            at: now,
                            invariant: "schedule",
                            target: track.rid.clone(),
                            detail: format!(
                                "occurrence {o} of {} handled {n} times (latest: {} {:?})",
                                action.name, a.activity_id, a.description
                            ),
                        });
                    }
                }
            }
            track.counted_schedule.extend(counted);
            if let Some(h) = track.horizon {
                for action in &mut track.actions {
                    if h <= action.checked_until {
                        continue;
                    }
                    for o in action.schedule.firings_in(action.checked_until, h) {
                        match action.handled.get(&o) {
                            Some(_) if action.missed.contains(&o) => {
                                stats.occurrences_missed += 1
                            }
                            Some(_) => stats.occurrences_fired += 1,
                            None => found.push(Violation {
                                seed,
                                step,
                                at: now,
                                invariant: "schedule",
                                target: track.rid.clone(),
                                detail: format!(
                                    "occurrence {o} of {} neither fired nor recorded missed by the clean pass at {h}",
                                    action.name
                                ),
                            }),
                        }
                    }
                    action.checked_until = h;
                }
            }
            track.before = after;
            stats.violations.extend(found);
        }
    }
}

impl Track {
    /// Reads the newest activities (and, one by one, older ones still in flight) into the
    /// mirror; returns the ids that are new or changed.
    async fn refresh_activities(&mut self, world: &World) -> Vec<String> {
        let mut fresh = world
            .store
            .activities(&self.rid, WINDOW)
            .await
            .expect("activities (no fault is active while checking)");
        let seen: HashSet<String> = fresh.iter().map(|a| a.activity_id.clone()).collect();
        let stale: Vec<ScalingActivity> = self
            .activities
            .values()
            .filter(|a| !a.status_code.is_final() && !seen.contains(&a.activity_id))
            .cloned()
            .collect();
        for a in stale {
            let item = world
                .store
                .client()
                .get_item()
                .table_name(TABLE)
                .key("pk", AttributeValue::S(target_pk(&self.rid)))
                .key("sk", AttributeValue::S(activity_sk(&a)))
                .send()
                .await
                .expect("get activity");
            if let Some(raw) = item
                .item()
                .and_then(|i| i.get("activity"))
                .and_then(|v| v.as_s().ok())
            {
                fresh.push(serde_json::from_str(raw).expect("activity JSON"));
            }
        }
        let mut changed = Vec::new();
        for a in fresh {
            let differs = self
                .activities
                .get(&a.activity_id)
                .is_none_or(|old| old.status_code != a.status_code);
            if differs {
                changed.push(a.activity_id.clone());
                self.activities.insert(a.activity_id.clone(), a);
            }
        }
        changed
    }
}
