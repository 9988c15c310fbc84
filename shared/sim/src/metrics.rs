//! CloudWatch as the simulator sees it: one datapoint per minute for each endpoint metric,
//! derived from served traffic, readable `lag` seconds after its minute ends; and metric alarms
//! evaluated on those datapoints.

use crate::config::{AlarmDefinition, MetricName, Statistic};

/// Per-minute datapoints of the metrics in [`MetricName`], oldest first.
#[derive(Debug, Clone, Default)]
pub struct Metrics {
    invocations_per_instance: Vec<f64>,
    invocations: Vec<f64>,
    utilization: Vec<f64>,
    lag: i64,
}

/// Accumulates one minute's ticks.
#[derive(Debug, Clone, Copy, Default)]
pub struct MinuteAccumulator {
    per_instance: f64,
    served: f64,
    utilization: f64,
    ticks: u32,
}

impl MinuteAccumulator {
    /// One tick: `served` requests (or offered ones, see `MetricTraffic`) on `in_service`
    /// instances of `capacity` requests per tick.
    #[inline]
    pub fn add(&mut self, served: f32, in_service: i32, capacity: f32) {
        let served = served as f64;
        self.served += served;
        if in_service > 0 {
            self.per_instance += served / in_service as f64;
            self.utilization += served / capacity as f64;
        } else if served > 0.0 {
            self.per_instance += served;
            self.utilization += 1.0;
        }
        self.ticks += 1;
    }
}

impl Metrics {
    pub fn new(lag_seconds: u32, minutes: usize) -> Metrics {
        Metrics {
            invocations_per_instance: Vec::with_capacity(minutes),
            invocations: Vec::with_capacity(minutes),
            utilization: Vec::with_capacity(minutes),
            lag: i64::from(lag_seconds),
        }
    }

    /// Closes a minute.
    pub fn push(&mut self, minute: MinuteAccumulator) {
        self.invocations_per_instance.push(minute.per_instance);
        self.invocations.push(minute.served);
        self.utilization
            .push(100.0 * minute.utilization / f64::from(minute.ticks.max(1)));
    }

    /// Every datapoint of `metric` published so far, visible or not.
    pub fn series(&self, metric: MetricName) -> &[f64] {
        match metric {
            MetricName::InvocationsPerInstance => &self.invocations_per_instance,
            MetricName::Invocations => &self.invocations,
            MetricName::CPUUtilization => &self.utilization,
        }
    }

    /// The datapoints readable at `now` (seconds from the trace start): minute `m` ends at
    /// `60(m+1)` and is readable `lag` seconds later.
    pub fn visible(&self, metric: MetricName, now: i64) -> &[f64] {
        let series = self.series(metric);
        let readable = ((now - self.lag).max(0) / 60) as usize;
        &series[..readable.min(series.len())]
    }
}

/// A metric alarm's state, re-evaluated each minute.
#[derive(Debug, Clone)]
pub struct AlarmEval {
    pub definition: AlarmDefinition,
    pub in_alarm: bool,
    /// The datapoints of the last evaluation, oldest first (the alarm's `recentDatapoints`).
    pub recent: Vec<f64>,
}

impl AlarmEval {
    pub fn new(definition: AlarmDefinition) -> AlarmEval {
        AlarmEval {
            definition,
            in_alarm: false,
            recent: Vec::new(),
        }
    }

    /// Evaluates the alarm at `now`: ALARM when at least DatapointsToAlarm of the last
    /// EvaluationPeriods period datapoints breach; fewer datapoints than that: not in ALARM
    /// (INSUFFICIENT_DATA). A period's datapoint is the Statistic over its one-minute values;
    /// periods are aligned to the trace start.
    pub fn evaluate(&mut self, metrics: &Metrics, now: i64) -> bool {
        let d = &self.definition;
        let minutes = metrics.visible(d.metric_name, now);
        let per = (d.period / 60) as usize;
        let periods = minutes.len() / per;
        let n = d.evaluation_periods as usize;
        self.recent.clear();
        if periods < d.datapoints_to_alarm.unwrap_or(d.evaluation_periods) as usize {
            self.in_alarm = false;
            return false;
        }
        let first = periods.saturating_sub(n);
        self.recent.extend(
            (first..periods).map(|p| statistic(d.statistic, &minutes[p * per..(p + 1) * per])),
        );
        let breaching = self
            .recent
            .iter()
            .filter(|&&v| d.comparison_operator.breaches(v, d.threshold))
            .count();
        self.in_alarm = breaching >= d.datapoints_to_alarm.unwrap_or(d.evaluation_periods) as usize;
        self.in_alarm
    }
}

fn statistic(kind: Statistic, values: &[f64]) -> f64 {
    match kind {
        Statistic::Sum => values.iter().sum(),
        Statistic::Average => values.iter().sum::<f64>() / values.len() as f64,
        Statistic::Minimum => values.iter().copied().fold(f64::INFINITY, f64::min),
        Statistic::Maximum => values.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        Statistic::SampleCount => values.len() as f64,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ComparisonOperator;

    fn metrics(values: &[f64], lag: u32) -> Metrics {
        let mut m = Metrics::new(lag, values.len());
        for &v in values {
            m.push(MinuteAccumulator {
                per_instance: v,
                served: v,
                utilization: 0.0,
                ticks: 6,
            });
        }
        m
    }

    fn alarm(evaluation: u32, to_alarm: Option<u32>, period: u32) -> AlarmEval {
        AlarmEval::new(AlarmDefinition {
            alarm_name: "a".into(),
            metric_name: MetricName::InvocationsPerInstance,
            namespace: None,
            dimensions: None,
            alarm_actions: None,
            statistic: Statistic::Sum,
            period,
            evaluation_periods: evaluation,
            datapoints_to_alarm: to_alarm,
            threshold: 10.0,
            comparison_operator: ComparisonOperator::GreaterThanThreshold,
        })
    }

    #[test]
    fn datapoints_become_visible_after_the_lag() {
        let m = metrics(&[1.0, 2.0, 3.0], 60);
        assert_eq!(m.visible(MetricName::Invocations, 119), &[] as &[f64]);
        assert_eq!(m.visible(MetricName::Invocations, 120), &[1.0]);
        assert_eq!(m.visible(MetricName::Invocations, 240), &[1.0, 2.0, 3.0]);
    }

    #[test]
    fn m_of_n_alarms_and_periods_aggregate_minutes() {
        let m = metrics(&[20.0, 0.0, 20.0, 20.0], 0);
        assert!(!alarm(3, None, 60).evaluate(&m, 240));
        assert!(alarm(3, Some(2), 60).evaluate(&m, 240));
        let mut two_minutes = alarm(2, None, 120);
        assert!(two_minutes.evaluate(&m, 240));
        assert_eq!(two_minutes.recent, vec![20.0, 40.0]);
    }
}
