//! Step 4 of the pass: alarms still in ALARM. AAS re-invokes a step policy every minute its
//! alarm stays in ALARM, while a Lambda alarm action or EventBridge rule fires once per state
//! change. An alarm in ALARM whose policies last fired at least [`ALARM_REFIRE`] ago is decided
//! again, under the cooldown rules, on the **alarm metric's latest datapoints** (read in the
//! pass's batched GetMetricData, the alarm's metric cached in its state from DescribeAlarms),
//! so a metric that has recovered stops the re-fire even before CloudWatch sends OK. Without a
//! known metric (DescribeAlarms could not name one) the datapoints of the state change are used.
//! Not while a change is pending: a deferred change has not started its cooldown, and re-firing
//! on top of it would add the step again every minute until the endpoint is `InService`. A
//! re-fire that changes capacity is recorded like any decision (and moves `last_fired`); one that
//! does not (cooldown, already at the maximum, metric recovered) writes nothing, so an alarm
//! that stays in ALARM for hours does not add an identical not-scaled activity every minute.

use std::collections::HashMap;
use std::sync::atomic::Ordering::Relaxed;

use chrono::{DateTime, Utc};

use sagescale_core::state::{AlarmRecord, AlarmSource, TargetState};

use super::{ALARM_REFIRE, MAX_ROUNDS, TargetOutcome};
use crate::alarm::decide_alarm;
use crate::metrics::Series;
use crate::sagemaker::Endpoints;
use crate::scaler::{Plan, Scaler, ScalerError, Screen};
use crate::store::Loaded;

/// What the pass read for a target's alarms: fresh series of alarms with a known metric, and
/// sources described this pass (to be cached in the state).
#[derive(Debug, Default, Clone)]
pub(super) struct AlarmInputs {
    pub series: HashMap<String, Series>,
    pub described: HashMap<String, AlarmSource>,
}

/// The record to decide a re-fire from: the stored one, with the latest datapoints of the
/// alarm's metric and its threshold when they are known.
pub(super) fn fresh_record(
    record: &AlarmRecord,
    source: Option<&AlarmSource>,
    series: Option<&Series>,
) -> AlarmRecord {
    let mut r = record.clone();
    if let (Some(AlarmSource::Metric(m)), Some(series)) = (source, series) {
        let n = m.evaluation_periods.max(1) as usize;
        r.threshold = Some(m.threshold);
        r.datapoints = series
            .iter()
            .rev()
            .take(n)
            .copied()
            .filter(|v| v.is_finite())
            .collect();
    }
    r
}

/// The first alarm whose policies are due to fire again. None while a change is pending: it
/// is the alarm's answer already, and a deferred change has not started its cooldown, so a
/// re-fire would add its step on top of it every minute.
pub(super) fn alarm_due<'a>(
    state: &'a TargetState,
    now: DateTime<Utc>,
    after: Option<&str>,
) -> Option<&'a str> {
    if state.pending.is_some() {
        return None;
    }
    state
        .alarms
        .iter()
        .filter(|(name, _)| after.is_none_or(|a| name.as_str() > a))
        .find(|(_, r)| r.in_alarm() && r.last_fired.is_none_or(|t| now - t >= ALARM_REFIRE))
        .map(|(name, _)| name.as_str())
}

/// Alarms in ALARM on this target whose metric is not known yet (to describe once).
pub(super) fn undescribed(state: &TargetState) -> impl Iterator<Item = &str> {
    state
        .alarms
        .iter()
        .filter(|(_, r)| r.in_alarm() && r.source.is_none())
        .map(|(n, _)| n.as_str())
}

/// Install the sources described this pass in the state; whether any was new.
fn cache_sources(state: &mut TargetState, inputs: &AlarmInputs) -> bool {
    let mut cached = false;
    for (name, source) in &inputs.described {
        if let Some(r) = state.alarms.get_mut(name)
            && r.source.is_none()
        {
            r.source = Some(source.clone());
            cached = true;
        }
    }
    cached
}

pub(super) async fn refire_alarms<E: Endpoints>(
    scaler: &Scaler<E>,
    rid: &str,
    now: DateTime<Utc>,
    mut first: Option<Loaded>,
    inputs: &AlarmInputs,
    out: &mut Vec<TargetOutcome>,
) -> Result<(), ScalerError> {
    // Alarms are visited in name order; `after` is the last one decided.
    let mut after: Option<String> = None;
    for _ in 0..MAX_ROUNDS {
        let mut decided: Option<String> = None;
        let cached = std::sync::atomic::AtomicBool::new(false);
        let outcome = scaler
            .run_screened(
                rid,
                now,
                first.take(),
                |_, state| {
                    cached.store(cache_sources(state, inputs), Relaxed);
                    if alarm_due(state, now, after.as_deref()).is_some() {
                        Screen::Decide
                    } else if cached.load(Relaxed) {
                        Screen::StateOnly
                    } else {
                        Screen::Unchanged
                    }
                },
                |target, state, view| {
                    decided = None;
                    let mut from = after.clone();
                    while let Some(name) =
                        alarm_due(state, now, from.as_deref()).map(str::to_string)
                    {
                        from = Some(name.clone());
                        let stored = &state.alarms[&name];
                        let record =
                            fresh_record(stored, stored.source.as_ref(), inputs.series.get(&name));
                        let Some(d) = decide_alarm(target, state, view, &name, &record, now) else {
                            continue;
                        };
                        if d.desired == d.previous {
                            // Not scaled (cooldown, bounds, metric recovered): nothing to
                            // record (see the module docs).
                            continue;
                        }
                        if let Some(r) = state.alarms.get_mut(&name) {
                            r.last_fired = Some(now);
                        }
                        decided = Some(name);
                        return Plan::Decide(d);
                    }
                    if cached.load(Relaxed) {
                        Plan::StateOnly
                    } else {
                        Plan::Nothing
                    }
                },
            )
            .await?;
        let Some(name) = decided else {
            return Ok(());
        };
        out.push(TargetOutcome::ok(rid, format!("alarm:{name}"), outcome));
        after = Some(name);
    }
    Ok(())
}
