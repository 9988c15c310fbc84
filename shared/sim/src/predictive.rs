//! The simulated target's predictive scaling policies: each forecasts the load from the
//! trace's own `Invocations` datapoints readable before now (warming up from the trace start:
//! nothing is forecast during the first 24 hours, AAS's minimum), makes a new forecast when the
//! last one is older than its refresh interval, and, with `ForecastAndScale`, puts its capacity
//! forecast under the target's effective minimum, as the schedule function does live
//! (`sagescale_core::predictive`). `ForecastOnly` policies forecast (charts show it) and change
//! nothing.
//!
//! The load metric is what CloudWatch would have: the served invocations per minute by default,
//! so a burst the endpoint could not serve is learnt only up to the capacity it had (see
//! `MetricTraffic`). When the trace is a later part of a longer one (`--from`, the tuner's
//! holdout), the minutes before it (`Trace::prior`, the requests that arrived) come first, as
//! the history of a policy that had been running all along; that part assumes every request
//! was served.

use sagescale_core::forecast::{History, LoadForecast, forecast_load};
use sagescale_core::model::{
    PolicyType, PredictiveLoadMetricType, PredictiveScalingMode, ScalableTarget,
};
use sagescale_core::predictive::{CapacityForecast, ForecastFloor};
use sagescale_core::predictive_policy::PredictivePolicy;

use crate::SimError;
use crate::config::MetricName;
use crate::run::World;

/// Every predictive policy of the target.
pub struct Predictive<'a> {
    policies: Vec<Policy<'a>>,
    /// Requests per minute before the trace start (`Trace::prior`).
    prior: &'a [f64],
    /// `prior` followed by the datapoints readable so far (rebuilt when a forecast is due).
    history: Vec<f64>,
    /// Forecasts made over the run, for the report.
    pub forecasts_made: u64,
}

struct Policy<'a> {
    /// The settings, resolved as the live pass resolves them.
    settings: PredictivePolicy<'a>,
    current: Option<Current>,
}

struct Current {
    made_at: i64,
    load: LoadForecast,
    capacity: CapacityForecast,
}

impl<'a> Predictive<'a> {
    pub fn new(target: &'a ScalableTarget, prior: &'a [f64]) -> Result<Self, SimError> {
        let mut policies = Vec::new();
        for policy in &target.scaling_policies {
            if policy.policy_type != PolicyType::PredictiveScaling {
                continue;
            }
            let name = policy.policy_name.as_str();
            let settings = PredictivePolicy::of(policy).ok_or_else(|| {
                SimError::Config(format!("{name}: no configuration or metric specification"))
            })?;
            if let Some(spec) = settings.config.metric() {
                check_load_metric(spec)
                    .map_err(|m| SimError::Config(format!("policy {name}: {m}")))?;
            }
            policies.push(Policy {
                settings,
                current: None,
            });
        }
        Ok(Predictive {
            policies,
            prior,
            history: Vec::new(),
            forecasts_made: 0,
        })
    }

    pub fn is_empty(&self) -> bool {
        self.policies.is_empty()
    }

    /// Makes the forecasts that are due from the datapoints readable at `now`, and returns the
    /// combined floor of the `ForecastAndScale` policies with the name of the policy that set it.
    pub fn floor(&mut self, world: &World, now: i64) -> Option<(ForecastFloor, &'a str)> {
        let at = world.instant(now);
        let mut best: Option<(ForecastFloor, &'a str)> = None;
        for p in &mut self.policies {
            let stale = p
                .current
                .as_ref()
                .is_none_or(|c| now - c.made_at >= p.settings.refresh);
            if stale {
                let visible = world.metrics.visible(MetricName::Invocations, now);
                // What the live pass reads (the lookback window; CloudWatch keeps one-minute
                // datapoints for 15 days), so that simulated forecasts are no better informed.
                let keep = p.settings.history_points();
                let from_prior = keep.saturating_sub(visible.len()).min(self.prior.len());
                self.history.clear();
                self.history
                    .extend_from_slice(&self.prior[self.prior.len() - from_prior..]);
                let skip = visible.len().saturating_sub(keep);
                self.history.extend_from_slice(&visible[skip..]);
                let first_minute = skip as i64 - from_prior as i64;
                if let Some(c) = p.forecast(world, now, &self.history, first_minute) {
                    p.current = Some(c);
                    self.forecasts_made += 1;
                }
            }
            if p.settings.mode() != PredictiveScalingMode::ForecastAndScale {
                continue;
            }
            let Some(floor) = p
                .current
                .as_ref()
                .and_then(|c| ForecastFloor::of(p.settings.config, &c.capacity, at))
            else {
                continue;
            };
            let combined = ForecastFloor::combine(best.map(|b| b.0), Some(floor)).unwrap_or(floor);
            let name = match best {
                Some((b, n)) if b.capacity >= floor.capacity => n,
                _ => p.settings.name(),
            };
            best = Some((combined, name));
        }
        best
    }

    /// The first policy's load forecast for the minute ending at `now`, requests per second.
    pub fn forecast_rps(&self, world: &World, now: i64) -> Option<f32> {
        let c = self.policies.first()?.current.as_ref()?;
        let minute_start = world.instant(now - 60);
        let offset = (minute_start - c.load.start).num_seconds();
        if offset < 0 {
            return None;
        }
        let i = (offset / i64::from(c.load.step_seconds.max(1))) as usize;
        c.load.values.get(i).map(|v| (*v / 60.0) as f32)
    }
}

impl Policy<'_> {
    /// `values`: per-minute load from minute `first_minute` of the trace (negative: before its
    /// start) to the last minute readable at `now`.
    fn forecast(
        &self,
        world: &World,
        now: i64,
        values: &[f64],
        first_minute: i64,
    ) -> Option<Current> {
        let history = History {
            start: world.instant(60 * first_minute),
            step_seconds: 60,
            values,
        };
        let s = &self.settings;
        let load = forecast_load(&history, s.horizon_slots(), &s.params).ok()?;
        let capacity = CapacityForecast::aligned(
            load.start,
            load.step_seconds,
            &load.values,
            s.target_value,
            s.granularity,
        );
        Some(Current {
            made_at: now,
            load,
            capacity,
        })
    }
}

/// The simulator has one load metric: the endpoint's `Invocations`.
fn check_load_metric(
    spec: &sagescale_core::model::PredictiveScalingMetricSpecification,
) -> Result<(), String> {
    if let Some(pair) = &spec.predefined_metric_pair_specification {
        return if pair.predefined_metric_type.for_inference_component() {
            Err("inference-component metrics are not modelled by the simulator".into())
        } else {
            Ok(())
        };
    }
    match (
        &spec.predefined_load_metric_specification,
        &spec.customized_load_metric_specification,
    ) {
        (Some(p), _)
            if p.predefined_metric_type
                == PredictiveLoadMetricType::SageMakerVariantTotalInvocations =>
        {
            Ok(())
        }
        (Some(_), _) => Err("inference-component metrics are not modelled by the simulator".into()),
        (None, Some(c)) => {
            let single = c.metric_data_queries.len() == 1
                && c.metric_data_queries[0]
                    .metric_stat
                    .as_ref()
                    .is_some_and(|s| s.metric.metric_name == "Invocations" && s.stat == "Sum");
            if single {
                Ok(())
            } else {
                Err("the simulator models only the Invocations (Sum) load metric".into())
            }
        }
        (None, None) => Err("no load metric".into()),
    }
}
