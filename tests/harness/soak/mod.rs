//! A long randomized run with faults (`make soak`, `sagescale-soak`; `make test` runs a short
//! fixed-seed form in `tests/tests/soak.rs`).
//!
//! A seeded [`generator`] plans each step: the simulated clock moves on, endpoints go busy,
//! faults are injected, and alarm state changes, ticks and Scheduler invocations are delivered,
//! several at once, duplicated, out of order and retried as Lambda would. The functions'
//! handlers ([`world`]) run in-process against the emulator through the real SDK clients; each
//! pass is given the tick's time, so the emulated AWS sees a shifted clock. After every step the
//! [`invariants`] are checked; a violation names the seed and the step to replay.
//!
//! After the last step the run settles: faults cleared, endpoints back in service, three more
//! one-minute passes, each checked like the other steps.

pub mod generator;
pub mod invariants;
pub mod stats;
pub mod world;

use std::collections::HashSet;

use chrono::{DateTime, Duration, DurationRound, Utc};

use sagescale_aws::alarm::HandlerError;
use sagescale_aws::reconcile::ScheduleError;
use sagescale_aws::scaler::Outcome;

use crate::cloudwatch::put_metric_series;
use generator::{Delivery, Generator, Handler, Kind, Plan};
use invariants::{Checker, StepFacts};
use stats::Stats;
use world::{VARIANT, World};

/// What to run.
#[derive(Debug, Clone)]
pub struct Options {
    pub steps: u64,
    pub seed: u64,
    /// Print each step's plan and outcomes.
    pub trace: bool,
    /// Print a progress line every this many steps (0: never).
    pub progress_every: u64,
}

/// The endpoint whose variant the target-tracking policy scales (its metric is written).
const TT_ENDPOINT: &str = "soak-c";
/// Passes run after the last step, without faults, before the final checks.
const SETTLE_PASSES: u32 = 3;

enum Answer {
    Alarm(Result<Vec<sagescale_aws::alarm::TargetOutcome>, HandlerError>),
    Schedule(Result<Vec<sagescale_aws::reconcile::TargetOutcome>, ScheduleError>),
}

fn outcome_name(o: &Outcome) -> &'static str {
    match o {
        Outcome::Unchanged => "Unchanged",
        Outcome::StateRecorded => "StateRecorded",
        Outcome::NotScaled { .. } => "NotScaled",
        Outcome::Scaled { .. } => "Scaled",
        Outcome::DryRun { .. } => "DryRun",
        Outcome::Deferred { .. } => "Deferred",
        Outcome::Unfulfilled { .. } => "Unfulfilled",
        Outcome::Failed { .. } => "Failed",
    }
}

async fn deliver(world: &World, d: &Delivery, now: DateTime<Utc>) -> Answer {
    match d.handler {
        Handler::Alarm => Answer::Alarm(world.alarm_handler().handle(&d.payload, now).await),
        Handler::Schedule => {
            Answer::Schedule(world.schedule_handler().handle(&d.payload, now).await)
        }
    }
}

fn kind_name(k: Kind) -> &'static str {
    match k {
        Kind::Fresh => "fresh",
        Kind::Duplicate => "duplicate",
        Kind::OutOfOrder => "out-of-order",
        Kind::Retry => "retry",
        Kind::Late => "late",
    }
}

/// The run's state between steps.
struct Runner {
    world: World,
    generator: Generator,
    checker: Checker,
    stats: Stats,
    busy: HashSet<&'static str>,
    opts: Options,
}

impl Runner {
    async fn step(&mut self, step: u64, plan: Plan) {
        let w = &self.world;
        let stats = &mut self.stats;
        for e in &plan.released {
            w.emu.set_endpoint_status(e, "InService");
            self.busy.remove(e);
        }
        for (e, status) in &plan.busy {
            w.emu.set_endpoint_status(e, status);
            self.busy.insert(e);
            stats.busy_spells += 1;
        }
        let dims = [("EndpointName", TT_ENDPOINT), ("VariantName", VARIANT)];
        for (minute, value) in &plan.metrics {
            put_metric_series(
                &w.cloudwatch,
                "AWS/SageMaker",
                "InvocationsPerInstance",
                &dims,
                *minute,
                60,
                &[*value],
            )
            .await
            .expect("put metric data (no fault is injected on CloudWatch)");
        }
        for f in &plan.faults {
            w.emu.inject_fault(f.service, f.operation, f.kind, f.count);
        }
        stats.ticks_missed += u64::from(plan.missed_ticks);

        let n = plan.deliveries.len();
        if n > 1 {
            stats.concurrent_steps += 1;
            stats.concurrent_invocations += n as u64;
            stats.max_concurrency = stats.max_concurrency.max(n);
        }
        for d in &plan.deliveries {
            let handler = match d.handler {
                Handler::Alarm => "alarm",
                Handler::Schedule if d.tick.is_some() => "tick",
                Handler::Schedule => "scheduler",
            };
            Stats::count(
                &mut stats.deliveries,
                format!("{handler} {}", kind_name(d.kind)),
            );
            if d.payload.get("detail-type").is_some() && d.handler == Handler::Alarm {
                stats.eventbridge_alarms += 1;
            }
        }
        let answers =
            futures::future::join_all(plan.deliveries.iter().map(|d| deliver(w, d, plan.now)))
                .await;
        w.emu.clear_faults();

        let mut facts = StepFacts::default();
        for entry in w.emu.requests() {
            if let Some(kind) = &entry.fault {
                Stats::count(&mut stats.faults, format!("{} {kind}", entry.service));
            }
            if entry.operation == "UpdateEndpointWeightsAndCapacities" && entry.status == 200 {
                let params = entry.params.unwrap_or_default();
                let endpoint = params["EndpointName"].as_str().unwrap_or_default();
                for v in params["DesiredWeightsAndCapacities"]
                    .as_array()
                    .into_iter()
                    .flatten()
                {
                    if let Some(count) = v["DesiredInstanceCount"].as_i64() {
                        facts.calls.push((endpoint.to_string(), count as i32));
                    }
                }
            }
        }
        w.emu.clear_requests();

        let clean_step = plan.faults.is_empty();
        let mut rejected = Vec::new();
        for (d, answer) in plan.deliveries.iter().zip(answers) {
            let mut record = |o: &Outcome| {
                Stats::count(&mut stats.decisions, outcome_name(o));
                if let Outcome::Scaled {
                    activity_id,
                    previous,
                    ..
                } = o
                {
                    facts.previous.push((activity_id.clone(), *previous));
                }
            };
            let failed = match answer {
                Answer::Alarm(Ok(outs)) => {
                    outs.iter().for_each(|o| record(&o.outcome));
                    None
                }
                Answer::Alarm(Err(HandlerError::Targets { done, failed })) => {
                    done.iter().for_each(|o| record(&o.outcome));
                    Some(format!("{} targets failed", failed.len()))
                }
                Answer::Alarm(Err(HandlerError::Event(e))) => {
                    rejected.push(format!("a valid alarm event was rejected: {e}"));
                    continue;
                }
                Answer::Alarm(Err(e)) => Some(e.to_string()),
                Answer::Schedule(Ok(outs)) => {
                    let mut failed_targets = HashSet::new();
                    for o in &outs {
                        if let Some(out) = &o.outcome {
                            record(out);
                        }
                        if o.error.is_some() {
                            stats.pass_target_errors += 1;
                            failed_targets.insert(o.resource_id.clone());
                        }
                    }
                    if let (Some(minute), true) = (d.tick, clean_step) {
                        for t in &w.targets {
                            if !self.busy.contains(t.endpoint) && !failed_targets.contains(t.rid())
                            {
                                facts.clean_passes.push((t.rid().to_string(), minute));
                            }
                        }
                    }
                    None
                }
                Answer::Schedule(Err(ScheduleError::Event(e))) => {
                    rejected.push(format!("a valid schedule event was rejected: {e}"));
                    continue;
                }
                Answer::Schedule(Err(e)) => Some(e.to_string()),
            };
            if let Some(why) = failed {
                stats.invocations_failed += 1;
                if self.opts.trace {
                    eprintln!("  step {step}: invocation failed ({why}); Lambda retries it");
                }
                if !self.generator.retry(step, d) {
                    stats.invocations_dropped += 1;
                }
            }
        }

        for detail in rejected {
            self.stats_violation(step, plan.now, "event", detail);
        }
        let before = self.stats.violations.len();
        self.checker
            .check(step, plan.now, &self.world, &facts, &mut self.stats)
            .await;
        self.world.emu.clear_requests();
        for v in &self.stats.violations[before..] {
            eprintln!("{v}");
        }
        self.stats.steps = step;
        self.stats.last_time = Some(plan.now);
    }

    fn stats_violation(
        &mut self,
        step: u64,
        at: DateTime<Utc>,
        invariant: &'static str,
        detail: String,
    ) {
        let v = stats::Violation {
            seed: self.opts.seed,
            step,
            at,
            invariant,
            target: "-".into(),
            detail,
        };
        eprintln!("{v}");
        self.stats.violations.push(v);
    }

    /// A step with only the next minute's tick: no faults, no busy endpoint.
    fn settle_plan(&mut self) -> Plan {
        let now = self.generator.now;
        let minute = now.duration_trunc(Duration::minutes(1)).unwrap() + Duration::minutes(1);
        self.generator.now = minute + Duration::seconds(5);
        Plan {
            now: self.generator.now,
            released: self.busy.iter().copied().collect(),
            deliveries: vec![Delivery {
                handler: Handler::Schedule,
                payload: crate::events::tick(&minute.to_rfc3339(), crate::ACCOUNT_ID),
                kind: Kind::Fresh,
                attempt: 0,
                tick: Some(minute),
            }],
            ..Plan::default()
        }
    }
}

/// Runs the soak and returns what it counted (violations included).
pub async fn run(opts: &Options) -> Stats {
    let world = World::start().await;
    let start = world::start_time();
    let generator = Generator::new(opts.seed, start, &world);
    let checker = Checker::new(opts.seed, &world, start);
    world.emu.clear_requests();
    let mut runner = Runner {
        world,
        generator,
        checker,
        stats: Stats {
            first_time: Some(start),
            ..Stats::default()
        },
        busy: HashSet::new(),
        opts: opts.clone(),
    };
    let endpoints: Vec<&'static str> = runner.world.targets.iter().map(|t| t.endpoint).collect();
    let began = std::time::Instant::now();
    for step in 1..=opts.steps {
        let plan = runner.generator.plan(step, &endpoints);
        if opts.trace {
            eprintln!("step {step} at {}: {plan:?}", plan.now);
        }
        runner.step(step, plan).await;
        if opts.progress_every > 0 && step % opts.progress_every == 0 {
            eprintln!(
                "soak: step {step}/{} ({:.0} s), violations {}",
                opts.steps,
                began.elapsed().as_secs_f64(),
                runner.stats.violations.len()
            );
        }
    }
    for i in 1..=u64::from(SETTLE_PASSES) {
        let plan = runner.settle_plan();
        runner.step(opts.steps + i, plan).await;
    }
    runner.stats.steps = opts.steps;
    runner.stats
}
