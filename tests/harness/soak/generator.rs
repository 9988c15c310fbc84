//! The seeded generator: what happens in each step of the soak. Everything it decides comes from
//! the seed (the same seed gives the same plan of steps); what the handlers do concurrently within
//! a step is up to the scheduler, so a replay repeats the plan, not necessarily the interleaving.
//!
//! A step moves the simulated clock 8 to 30 s and delivers, concurrently when there are several:
//! the one-minute tick of every minute boundary crossed (sometimes missed, sometimes delivered
//! twice; none during an outage of 16 to 25 minutes), EventBridge Scheduler invocations of the
//! actions wired to it (sometimes duplicated, sometimes later than the catch-up window), alarm
//! state changes (direct alarm action or EventBridge shape), duplicates of past deliveries,
//! state changes held back and delivered after newer ones (out of order), and Lambda's retries
//! of failed invocations (two, as for asynchronous invocations). Before the deliveries it may
//! make an endpoint `Updating`/`SystemUpdating` for a few steps and inject throttling or 5xx
//! faults on DynamoDB and SageMaker operations for the step.

use chrono::{DateTime, Duration, DurationRound, Utc};
use serde_json::{Value, json};

use sagescale_core::schedule::Schedule;

use super::world::{ALARMS, AlarmSpec, SCHEDULER_WIRED, TT_MAX_LOAD, World, scheduler_input};
use crate::FaultKind;
use crate::fuzz::Rng;
use crate::{ACCOUNT_ID, REGION};

/// Which handler a delivery goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Handler {
    Alarm,
    Schedule,
}

/// Why a delivery happens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A new alarm state change, tick or Scheduler invocation.
    Fresh,
    /// A repeat of something already delivered.
    Duplicate,
    /// A state change held back while newer ones were delivered.
    OutOfOrder,
    /// Lambda's retry of an invocation that failed.
    Retry,
    /// A Scheduler invocation later than the catch-up window.
    Late,
}

/// One invocation of a handler.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub handler: Handler,
    pub payload: Value,
    pub kind: Kind,
    /// Lambda's attempt number (0: the first).
    pub attempt: u32,
    /// For a tick: the minute it is for (the pass runs at that time).
    pub tick: Option<DateTime<Utc>>,
}

/// A fault to inject for one step.
#[derive(Debug, Clone)]
pub struct Fault {
    pub service: &'static str,
    pub operation: &'static str,
    pub kind: FaultKind,
    pub count: u32,
}

/// Everything one step does.
#[derive(Debug, Default)]
pub struct Plan {
    pub now: DateTime<Utc>,
    /// Endpoints made busy in this step, with their status.
    pub busy: Vec<(&'static str, &'static str)>,
    /// Endpoints back to InService in this step.
    pub released: Vec<&'static str>,
    pub faults: Vec<Fault>,
    pub deliveries: Vec<Delivery>,
    /// One-minute InvocationsPerInstance datapoints of the target-tracking endpoint to write
    /// before the deliveries: `(minute start, value)`.
    pub metrics: Vec<(DateTime<Utc>, f64)>,
    /// Ticks not delivered (missed, or during an outage).
    pub missed_ticks: u32,
}

const DYNAMODB_OPS: [&str; 5] = [
    "TransactWriteItems",
    "Query",
    "BatchGetItem",
    "GetItem",
    "*",
];
const SAGEMAKER_OPS: [&str; 4] = [
    "DescribeEndpoint",
    "UpdateEndpointWeightsAndCapacities",
    "ListEndpoints",
    "*",
];
const FAULT_KINDS: [FaultKind; 3] = [
    FaultKind::Throttle,
    FaultKind::ServerError,
    FaultKind::Unavailable,
];

/// The generator's memory between steps.
pub struct Generator {
    pub rng: Rng,
    pub now: DateTime<Utc>,
    /// Alarm name -> in ALARM.
    alarm_state: Vec<bool>,
    /// Past alarm deliveries, newest last (bounded), for duplicates.
    history: Vec<Value>,
    /// Deliveries due at a later step: (step, delivery).
    later: Vec<(u64, Delivery)>,
    /// Endpoint -> steps left busy.
    busy: Vec<(&'static str, u32)>,
    /// Ticks are not delivered before this time (an outage of the schedule-scaler).
    outage_until: Option<DateTime<Utc>>,
    /// The target-tracking load: regime mean and the current value.
    load_mean: f64,
    load: f64,
    schedules: Vec<(String, &'static str, Schedule)>,
}

const HISTORY: usize = 64;

impl Generator {
    pub fn new(seed: u64, start: DateTime<Utc>, world: &World) -> Generator {
        let schedules = SCHEDULER_WIRED
            .iter()
            .map(|(endpoint, action)| {
                let spec = world.target_of_endpoint(endpoint);
                let a = spec
                    .target
                    .scheduled_action(action)
                    .expect("wired action exists");
                (
                    spec.rid().to_string(),
                    *action,
                    Schedule::for_action(a).expect("valid schedule"),
                )
            })
            .collect();
        Generator {
            rng: Rng::new(seed),
            now: start,
            alarm_state: vec![false; ALARMS.len()],
            history: Vec::new(),
            later: Vec::new(),
            busy: Vec::new(),
            outage_until: None,
            load_mean: 60.0,
            load: 60.0,
            schedules,
        }
    }

    /// Seconds in `lo..=hi`.
    fn secs(&mut self, lo: i64, hi: i64) -> Duration {
        Duration::seconds(lo + self.rng.below((hi - lo + 1) as usize) as i64)
    }

    fn chance(&mut self, one_in: usize) -> bool {
        self.rng.one_in(one_in)
    }

    /// Unit float in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Plans step `step`; `endpoints` are the endpoints that may be made busy.
    pub fn plan(&mut self, step: u64, endpoints: &[&'static str]) -> Plan {
        let prev = self.now;
        self.now = prev + self.secs(8, 30);
        let now = self.now;
        let mut plan = Plan {
            now,
            ..Plan::default()
        };

        // Endpoints: release those whose busy spell ended, maybe start one.
        for (endpoint, left) in &mut self.busy {
            *left = left.saturating_sub(1);
            if *left == 0 {
                plan.released.push(*endpoint);
            }
        }
        self.busy.retain(|(_, left)| *left > 0);
        if self.chance(12) {
            let endpoint = *self.rng.pick(endpoints);
            if !self.busy.iter().any(|(e, _)| *e == endpoint) {
                let status = *self.rng.pick(&["Updating", "Updating", "SystemUpdating"]);
                let steps = 1 + self.rng.below(5) as u32;
                self.busy.push((endpoint, steps));
                plan.busy.push((endpoint, status));
            }
        }

        // Faults for this step.
        if self.chance(5) {
            for _ in 0..1 + self.rng.below(2) {
                let (service, operation) = if self.rng.below(3) < 2 {
                    ("dynamodb", *self.rng.pick(&DYNAMODB_OPS))
                } else {
                    ("sagemaker", *self.rng.pick(&SAGEMAKER_OPS))
                };
                plan.faults.push(Fault {
                    service,
                    operation,
                    kind: *self.rng.pick(&FAULT_KINDS),
                    count: 1 + self.rng.below(4) as u32,
                });
            }
        }

        // An outage of the schedule-scaler: no ticks, no Scheduler invocations for a while.
        if self.outage_until.is_none() && self.chance(700) {
            self.outage_until = Some(now + self.secs(16 * 60, 25 * 60));
        }
        let down = self.outage_until.is_some_and(|until| now < until);
        if !down {
            self.outage_until = None;
        }

        // Ticks (and the load datapoint of each completed minute).
        let mut minute = prev.duration_trunc(Duration::minutes(1)).unwrap() + Duration::minutes(1);
        while minute <= now {
            self.load_step();
            plan.metrics
                .push((minute - Duration::minutes(1), self.load));
            if down || self.chance(40) {
                plan.missed_ticks += 1;
            } else {
                let tick = Delivery {
                    handler: Handler::Schedule,
                    payload: crate::events::tick(&minute.to_rfc3339(), ACCOUNT_ID),
                    kind: Kind::Fresh,
                    attempt: 0,
                    tick: Some(minute),
                };
                if self.chance(30) {
                    plan.deliveries.push(Delivery {
                        kind: Kind::Duplicate,
                        ..tick.clone()
                    });
                }
                plan.deliveries.push(tick);
            }
            minute += Duration::minutes(1);
        }

        // Scheduler invocations of the wired actions due in (prev, now].
        let mut due = Vec::new();
        for (rid, action, schedule) in &self.schedules {
            for at in schedule.firings_in(prev, now) {
                due.push(scheduler_input(rid, action, at));
            }
        }
        for input in due {
            if down || !self.chance(2) {
                continue;
            }
            let d = Delivery {
                handler: Handler::Schedule,
                payload: input,
                kind: Kind::Fresh,
                attempt: 0,
                tick: None,
            };
            if self.chance(60) {
                // Delivered about 16 to 20 minutes late: beyond the catch-up window.
                let after = 40 + self.rng.below(10) as u64;
                self.later.push((
                    step + after,
                    Delivery {
                        kind: Kind::Late,
                        ..d
                    },
                ));
                continue;
            }
            if self.chance(6) {
                let after = 1 + self.rng.below(5) as u64;
                self.later.push((
                    step + after,
                    Delivery {
                        kind: Kind::Duplicate,
                        ..d.clone()
                    },
                ));
            }
            plan.deliveries.push(d);
        }

        // Alarm state changes.
        let changes = if self.chance(2) {
            1 + usize::from(self.chance(8))
        } else {
            0
        };
        for _ in 0..changes {
            let d = self.alarm_change(now);
            if self.chance(6) {
                let after = 1 + self.rng.below(4) as u64;
                self.later.push((
                    step + after,
                    Delivery {
                        kind: Kind::OutOfOrder,
                        ..d
                    },
                ));
            } else {
                self.remember(&d.payload);
                plan.deliveries.push(d);
            }
        }
        if !self.history.is_empty() && self.chance(6) {
            let payload = self.rng.pick(&self.history).clone();
            plan.deliveries.push(Delivery {
                handler: Handler::Alarm,
                payload,
                kind: Kind::Duplicate,
                attempt: 0,
                tick: None,
            });
        }

        // Deliveries held for this step.
        let (ready, waiting): (Vec<_>, Vec<_>) =
            self.later.drain(..).partition(|(at, _)| *at <= step);
        self.later = waiting;
        for (_, d) in ready {
            if d.handler == Handler::Alarm {
                self.remember(&d.payload);
            }
            plan.deliveries.push(d);
        }

        // The order the handlers are started in.
        for i in (1..plan.deliveries.len()).rev() {
            plan.deliveries.swap(i, self.rng.below(i + 1));
        }
        plan
    }

    /// Lambda retries a failed asynchronous invocation twice, a minute or two apart.
    pub fn retry(&mut self, step: u64, d: &Delivery) -> bool {
        if d.attempt >= 2 {
            return false;
        }
        let after = 2 + self.rng.below(4) as u64;
        self.later.push((
            step + after,
            Delivery {
                kind: Kind::Retry,
                attempt: d.attempt + 1,
                ..d.clone()
            },
        ));
        true
    }

    fn remember(&mut self, payload: &Value) {
        if self.history.len() >= HISTORY {
            self.history.remove(0);
        }
        self.history.push(payload.clone());
    }

    /// InvocationsPerInstance of the next minute: a noisy value around a mean that switches
    /// between a quiet, a near-target and a busy regime.
    fn load_step(&mut self) {
        if self.chance(20) {
            self.load_mean = *self.rng.pick(&[40.0, 60.0, 95.0, 160.0, 250.0]);
        }
        let noise = (self.unit() - 0.5) * 0.4 * self.load_mean;
        self.load = (self.load_mean + noise).clamp(1.0, TT_MAX_LOAD);
    }

    /// A new state change of a random alarm (it flips), a few seconds before `now`.
    fn alarm_change(&mut self, now: DateTime<Utc>) -> Delivery {
        let i = self.rng.below(ALARMS.len());
        self.alarm_state[i] = !self.alarm_state[i];
        let spec = ALARMS[i];
        let in_alarm = self.alarm_state[i];
        let n = 1 + self.rng.below(3);
        let datapoints: Vec<f64> = (0..n).map(|_| self.datapoint(spec, in_alarm)).collect();
        let at = now - Duration::milliseconds(self.rng.below(5_000) as i64);
        let state = if in_alarm { "ALARM" } else { "OK" };
        let payload = if self.chance(3) {
            eventbridge_alarm(spec.name, state, spec.threshold, &datapoints, at)
        } else {
            crate::events::alarm_action(spec.name, state, spec.threshold, &datapoints, &ts(at))
        };
        Delivery {
            handler: Handler::Alarm,
            payload,
            kind: Kind::Fresh,
            attempt: 0,
            tick: None,
        }
    }

    /// A datapoint on the side of the threshold the state asks for.
    fn datapoint(&mut self, spec: AlarmSpec, in_alarm: bool) -> f64 {
        let u = self.unit();
        let t = spec.threshold;
        match (spec.high, in_alarm) {
            (true, true) => t * (1.01 + u),
            (true, false) => t * (0.3 + 0.69 * u),
            (false, true) => t * (0.1 + 0.89 * u),
            (false, false) => t * (1.01 + u),
        }
    }
}

/// CloudWatch's timestamp form, `2026-11-27T18:02:10.123+0000`.
fn ts(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.3f+0000").to_string()
}

/// The EventBridge "CloudWatch Alarm State Change" event of the same state change.
fn eventbridge_alarm(
    name: &str,
    state: &str,
    threshold: f64,
    datapoints: &[f64],
    at: DateTime<Utc>,
) -> Value {
    let direct = crate::events::alarm_action(name, state, threshold, datapoints, &ts(at));
    json!({
        "version": "0",
        "id": format!("soak-{}", at.timestamp_millis()),
        "detail-type": "CloudWatch Alarm State Change",
        "source": "aws.cloudwatch",
        "account": ACCOUNT_ID,
        "time": at.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        "region": REGION,
        "resources": [format!("arn:aws:cloudwatch:{REGION}:{ACCOUNT_ID}:alarm:{name}")],
        "detail": direct["alarmData"].clone(),
    })
}
