//! The simulation loop: one policy over one trace, 10 s ticks.
//!
//! Each tick: instances whose provisioning ended enter service; the tick's demand meets the
//! capacity in service (requests beyond it are counted as above capacity, not queued); the
//! served traffic feeds the minute's CloudWatch datapoints. At the end of each tick the
//! controller's timed events (scheduled actions) run; at the end of each minute the
//! controller's one-minute pass runs (alarms, target tracking). A change takes effect at the
//! end of the tick it is decided in.

use serde::Serialize;

use crate::config::{MetricTraffic, Settings};
use crate::endpoint::{Applied, Endpoint};
use crate::metrics::{Metrics, MinuteAccumulator};
use crate::trace::{TICK_SECONDS, TICKS_PER_MINUTE, Trace};

/// What a controller may look at and change.
pub struct World {
    pub endpoint: Endpoint,
    pub metrics: Metrics,
    /// Unix seconds of the trace start, to turn simulation time into instants.
    pub start_epoch: i64,
    actions: Vec<Action>,
}

/// One capacity change that was carried out.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Action {
    /// Seconds from the trace start.
    pub at: i64,
    pub from: i32,
    pub to: i32,
    pub cause: String,
}

impl World {
    /// Asks SageMaker for `desired` instances at `now`; records the change when it is
    /// carried out. `cause` is only formatted for changes.
    pub fn set_desired(
        &mut self,
        now: i64,
        desired: i32,
        cause: impl FnOnce() -> String,
    ) -> Applied {
        let from = self.endpoint.desired();
        if desired == from {
            return Applied::Yes;
        }
        let applied = self.endpoint.set_desired(now, desired);
        if applied == Applied::Yes {
            self.actions.push(Action {
                at: now,
                from,
                to: desired,
                cause: cause(),
            });
        }
        applied
    }

    pub fn instant(&self, now: i64) -> chrono::DateTime<chrono::Utc> {
        chrono::DateTime::from_timestamp(self.start_epoch + now, 0).expect("trace time in range")
    }
}

/// A scaling policy under test. Times are seconds from the trace start.
pub trait Controller {
    /// The one-minute pass, at the end of each minute.
    fn on_minute(&mut self, world: &mut World, now: i64);

    /// When the controller next wants `on_event` (a scheduled action); `i64::MAX`: never.
    fn next_event(&self) -> i64 {
        i64::MAX
    }

    /// The load the controller forecast for the minute ending at `now`, requests per second
    /// (predictive policies; drawn against the demand in charts).
    fn forecast_rps(&self, world: &World, now: i64) -> Option<f32> {
        let _ = (world, now);
        None
    }

    /// Called at the end of the first tick at or after `next_event()`.
    fn on_event(&mut self, world: &mut World, now: i64) {
        let _ = (world, now);
    }
}

/// A policy that never changes capacity (static provisioning).
pub struct Fixed;

impl Controller for Fixed {
    fn on_minute(&mut self, _: &mut World, _: i64) {}
}

/// Constants of a run: the model settings, and whether to keep per-minute series (for charts
/// and CSV).
#[derive(Debug, Clone, Copy)]
pub struct RunSettings<'a> {
    pub model: &'a Settings,
    pub keep_series: bool,
}

/// Per-minute series of one run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Series {
    /// Mean demand in the minute, requests per second.
    pub demand_rps: Vec<f32>,
    /// Least capacity in service during the minute, requests per second.
    pub capacity_rps: Vec<f32>,
    /// Most instances billed (in service or provisioning) during the minute.
    pub desired: Vec<i32>,
    /// Requests above capacity in the minute.
    pub above: Vec<f32>,
    /// The predictive policy's load forecast for the minute, requests per second (NaN where
    /// there was none); empty without a predictive policy.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub forecast_rps: Vec<f32>,
}

/// The outcome of one policy on one trace.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    pub policy: String,
    pub instance_hours: f64,
    pub cost: f64,
    pub requests: f64,
    pub requests_above_capacity: f64,
    /// Percent of all requests.
    pub above_capacity_pct: f64,
    /// Minutes in which at least one tick's demand exceeded the capacity in service.
    pub minutes_above_capacity: u64,
    pub scaling_actions: u64,
    /// 95th percentile of per-minute utilisation, demand / capacity in service, percent.
    pub p95_utilization_pct: f64,
    pub max_instances: i32,
    #[serde(skip)]
    pub actions: Vec<Action>,
    #[serde(skip)]
    pub series: Option<Series>,
}

/// Running totals shared by the policy loop and the oracle.
pub(crate) struct Tally {
    capacity_per_tick: f32,
    requests: f64,
    above: f64,
    billed_ticks: u64,
    minutes_above: u64,
    minute_above: f64,
    minute_demand: f64,
    minute_capacity: f64,
    minute_min_capacity: f32,
    minute_max_desired: i32,
    max_desired: i32,
    utilization: Vec<f32>,
    series: Option<Series>,
}

impl Tally {
    pub(crate) fn new(capacity_per_instance: f64, minutes: usize, keep_series: bool) -> Tally {
        Tally {
            capacity_per_tick: (capacity_per_instance * TICK_SECONDS as f64) as f32,
            requests: 0.0,
            above: 0.0,
            billed_ticks: 0,
            minutes_above: 0,
            minute_above: 0.0,
            minute_demand: 0.0,
            minute_capacity: 0.0,
            minute_min_capacity: f32::INFINITY,
            minute_max_desired: 0,
            max_desired: 0,
            utilization: Vec::with_capacity(minutes),
            series: keep_series.then(|| Series {
                demand_rps: Vec::with_capacity(minutes),
                capacity_rps: Vec::with_capacity(minutes),
                desired: Vec::with_capacity(minutes),
                above: Vec::with_capacity(minutes),
                forecast_rps: Vec::new(),
            }),
        }
    }

    /// One tick; returns (served, capacity of the tick).
    #[inline]
    pub(crate) fn tick(&mut self, demand: f32, in_service: i32, desired: i32) -> (f32, f32) {
        let capacity = in_service as f32 * self.capacity_per_tick;
        let served = demand.min(capacity);
        let above = demand - served;
        self.requests += demand as f64;
        self.above += above as f64;
        self.minute_above += above as f64;
        self.minute_demand += demand as f64;
        self.minute_capacity += capacity as f64;
        self.minute_min_capacity = self.minute_min_capacity.min(capacity);
        self.minute_max_desired = self.minute_max_desired.max(desired);
        self.billed_ticks += desired.max(0) as u64;
        (served, capacity)
    }

    #[inline]
    pub(crate) fn end_minute(&mut self) {
        self.minutes_above += u64::from(self.minute_above > 0.0);
        let utilization = if self.minute_capacity > 0.0 {
            self.minute_demand / self.minute_capacity
        } else if self.minute_demand > 0.0 {
            f64::INFINITY
        } else {
            0.0
        };
        self.utilization.push((100.0 * utilization) as f32);
        self.max_desired = self.max_desired.max(self.minute_max_desired);
        if let Some(s) = &mut self.series {
            let ticks = TICKS_PER_MINUTE as f32 * TICK_SECONDS as f32;
            s.demand_rps.push(self.minute_demand as f32 / ticks);
            s.capacity_rps
                .push(self.minute_min_capacity / TICK_SECONDS as f32);
            s.desired.push(self.minute_max_desired);
            s.above.push(self.minute_above as f32);
        }
        self.minute_above = 0.0;
        self.minute_demand = 0.0;
        self.minute_capacity = 0.0;
        self.minute_min_capacity = f32::INFINITY;
        self.minute_max_desired = 0;
    }

    pub(crate) fn finish(
        mut self,
        policy: &str,
        price: f64,
        scaling_actions: u64,
        actions: Vec<Action>,
    ) -> Outcome {
        let instance_hours = self.billed_ticks as f64 * TICK_SECONDS as f64 / 3600.0;
        Outcome {
            policy: policy.to_string(),
            instance_hours,
            cost: instance_hours * price,
            requests: self.requests,
            requests_above_capacity: self.above,
            above_capacity_pct: if self.requests > 0.0 {
                100.0 * self.above / self.requests
            } else {
                0.0
            },
            minutes_above_capacity: self.minutes_above,
            scaling_actions,
            p95_utilization_pct: percentile(&mut self.utilization, 0.95),
            max_instances: self.max_desired,
            actions,
            series: self.series,
        }
    }
}

/// Nearest-rank percentile; 0 for no values.
fn percentile(values: &mut [f32], q: f64) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    let rank = ((q * values.len() as f64).ceil() as usize).clamp(1, values.len()) - 1;
    let (_, v, _) = values.select_nth_unstable_by(rank, f32::total_cmp);
    *v as f64
}

/// Runs `controller` over `trace` starting with `initial` instances in service.
pub fn run<C: Controller>(
    name: &str,
    trace: &Trace,
    settings: &RunSettings<'_>,
    initial: i32,
    controller: &mut C,
) -> Outcome {
    let minutes = trace.minutes();
    let mut world = World {
        endpoint: Endpoint::new(
            initial,
            settings.model.provisioning_delay_seconds,
            settings.model.scale_in_update_seconds,
            settings.model.updating_blocks_changes,
        ),
        metrics: Metrics::new(settings.model.metric_lag_seconds, minutes),
        start_epoch: trace.start.timestamp(),
        actions: Vec::new(),
    };
    let mut tally = Tally::new(
        settings.model.capacity_per_instance,
        minutes,
        settings.keep_series,
    );
    let mut next_event = controller.next_event();
    let mut now = 0i64;
    let offered = settings.model.metric_traffic == MetricTraffic::Offered;
    for minute in trace.demand.chunks_exact(TICKS_PER_MINUTE) {
        let mut acc = MinuteAccumulator::default();
        for &demand in minute {
            world.endpoint.advance(now);
            let in_service = world.endpoint.in_service();
            let (served, capacity) = tally.tick(demand, in_service, world.endpoint.desired());
            acc.add(if offered { demand } else { served }, in_service, capacity);
            now += TICK_SECONDS;
            if now >= next_event {
                controller.on_event(&mut world, now);
                next_event = controller.next_event();
            }
        }
        world.metrics.push(acc);
        tally.end_minute();
        if let Some(series) = &mut tally.series
            && let Some(f) = controller.forecast_rps(&world, now)
        {
            let minute = series.demand_rps.len();
            series.forecast_rps.resize(minute - 1, f32::NAN);
            series.forecast_rps.push(f);
        }
        controller.on_minute(&mut world, now);
        next_event = controller.next_event();
    }
    let count = world.actions.len() as u64;
    tally.finish(
        name,
        settings.model.price_per_instance_hour,
        count,
        world.actions,
    )
}

/// Instances needed to serve a tick's demand.
#[inline]
pub fn instances_for(demand: f32, capacity_per_instance: f64) -> i32 {
    (demand as f64 / (capacity_per_instance * TICK_SECONDS as f64) - 1e-9)
        .ceil()
        .max(0.0) as i32
}
