//! The metrics port and its CloudWatch adapter: read many metric specifications in as few
//! GetMetricData calls as the API allows, and read alarm definitions once (DescribeAlarms).
//!
//! **Batching.** GetMetricData takes at most 500 `MetricDataQueries` per call
//! (CloudWatch API reference, GetMetricData: "You can include up to 500 MetricDataQuery
//! structures in one request"); a [`Batch`] gives every query of every specification a
//! call-unique id (`q<spec>_<id>`, expressions rewritten to match, see
//! [`sagescale_core::metric_query::prefix_ids`]) and packs whole specifications into chunks
//! of at most 500, one call each, following `NextToken` until every page is read. All
//! queries of a call share StartTime/EndTime; each keeps its own period and statistic.
//!
//! **Completed periods only.** EndTime is `now` rounded down to the longest period in the
//! batch, so the period still filling is never a datapoint (CloudWatch would return a partial
//! Sum for it). A period without data is NaN in the series, never made up.
//!
//! **Alarm definitions.** DescribeAlarms takes up to 100 alarm names per call and returns
//! metric and composite alarms (`AlarmTypes`). A composite alarm has no metric of its own: its
//! rule's `ALARM(name)` children that are metric alarms are described in the same way, and the
//! first one is its source (documented in the README).

use std::collections::HashMap;

use async_trait::async_trait;
use aws_sdk_cloudwatch::Client;
use aws_sdk_cloudwatch::types::{
    AlarmType, Dimension, Metric, MetricDataQuery, MetricStat as SdkMetricStat, ScanBy,
    StandardUnit,
};
use chrono::{DateTime, Duration, TimeZone, Utc};

use sagescale_core::metric_query::{MetricSpec, prefix_ids};
use sagescale_core::state::{AlarmMetric, AlarmSource};

/// GetMetricData's limit of queries per call.
pub const MAX_QUERIES_PER_CALL: usize = 500;
/// GetMetricData's limit of datapoints per call ("a total of as many as 100,800 data points";
/// beyond it the answer pages with NextToken): a call is packed to stay within it.
pub const MAX_DATAPOINTS_PER_CALL: usize = 100_800;
/// DescribeAlarms' limit of alarm names per call.
pub const MAX_ALARM_NAMES_PER_CALL: usize = 100;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MetricsError {
    #[error("CloudWatch {op}: {message}")]
    Service { op: &'static str, message: String },
}

/// One specification's datapoints: oldest first, one per period, NaN where a period has no
/// datapoint. The last element is the latest completed period.
pub type Series = Vec<f64>;

/// What the pass reads: many specifications, each for `history` periods.
#[derive(Debug, Default)]
pub struct Batch {
    specs: Vec<(MetricSpec, usize)>,
}

impl Batch {
    /// Add a specification read over its last `history` periods; returns its index.
    pub fn add(&mut self, spec: MetricSpec, history: usize) -> usize {
        self.specs.push((spec, history.max(1)));
        self.specs.len() - 1
    }

    pub fn len(&self) -> usize {
        self.specs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.specs.is_empty()
    }

    /// Queries all specifications need.
    pub fn query_count(&self) -> usize {
        self.specs.iter().map(|(s, _)| s.queries.len()).sum()
    }

    /// The window `[start, end)` of complete periods covering every specification's history.
    pub fn window(&self, now: DateTime<Utc>) -> (DateTime<Utc>, DateTime<Utc>) {
        let longest = self
            .specs
            .iter()
            .map(|(s, _)| s.period)
            .max()
            .unwrap_or(60)
            .max(1) as i64;
        let end_secs = now.timestamp().div_euclid(longest) * longest;
        let span = self
            .specs
            .iter()
            .map(|(s, h)| s.period as i64 * *h as i64)
            .max()
            .unwrap_or(60);
        let end = Utc.timestamp_opt(end_secs, 0).single().unwrap_or(now);
        (end - Duration::seconds(span), end)
    }

    /// The call-unique id of query `id` of specification `index`.
    fn call_id(index: usize, id: &str) -> String {
        format!("q{index}_{id}")
    }

    /// Chunks of whole specifications of at most [`MAX_QUERIES_PER_CALL`] queries (a
    /// specification larger than that is validated away: AAS allows 10 metrics per policy)
    /// and at most [`MAX_DATAPOINTS_PER_CALL`] datapoints, counting every query over the whole
    /// window at its period (a specification larger than that alone is one call, paged).
    fn chunks(&self) -> Vec<std::ops::Range<usize>> {
        let span = self
            .specs
            .iter()
            .map(|(s, h)| s.period.max(1) as usize * *h)
            .max()
            .unwrap_or(0);
        let mut out = Vec::new();
        let mut start = 0;
        let (mut used, mut points) = (0, 0);
        for (i, (s, _)) in self.specs.iter().enumerate() {
            let n = s.queries.len();
            let p = n * span.div_ceil(s.period.max(1) as usize);
            if (used + n > MAX_QUERIES_PER_CALL || points + p > MAX_DATAPOINTS_PER_CALL)
                && i > start
            {
                out.push(start..i);
                start = i;
                used = 0;
                points = 0;
            }
            used += n;
            points += p;
        }
        if start < self.specs.len() {
            out.push(start..self.specs.len());
        }
        out
    }

    /// Lay the raw points of each specification's returned query on its period grid.
    fn series(&self, raw: &HashMap<String, Vec<(i64, f64)>>, end: DateTime<Utc>) -> Vec<Series> {
        self.specs
            .iter()
            .enumerate()
            .map(|(i, (spec, history))| {
                let period = spec.period.max(1) as i64;
                let last_start = end.timestamp() - period;
                let mut out = vec![f64::NAN; *history];
                let Some(id) = spec.returned() else {
                    return out;
                };
                for &(ts, v) in raw.get(&Self::call_id(i, id)).map_or(&[][..], |v| &v[..]) {
                    let back = (last_start - ts).div_euclid(period);
                    if (0..*history as i64).contains(&back) && (last_start - ts) % period == 0 {
                        out[*history - 1 - back as usize] = v;
                    }
                }
                out
            })
            .collect()
    }
}

/// The port: read a batch; describe alarms.
#[async_trait]
pub trait Metrics: Send + Sync {
    /// One series per specification of `batch`, in order, as of `now`.
    async fn read(&self, batch: &Batch, now: DateTime<Utc>) -> Result<Vec<Series>, MetricsError>;

    /// Where each named alarm's datapoints come from. Names CloudWatch does not know are
    /// answered `Unavailable`.
    async fn describe_alarms(
        &self,
        names: &[String],
    ) -> Result<HashMap<String, AlarmSource>, MetricsError>;
}

/// No metrics at all (tests of paths that never read one; a deployment always has CloudWatch).
pub struct NoMetrics;

#[async_trait]
impl Metrics for NoMetrics {
    async fn read(&self, batch: &Batch, _now: DateTime<Utc>) -> Result<Vec<Series>, MetricsError> {
        Ok(batch
            .specs
            .iter()
            .map(|(_, h)| vec![f64::NAN; *h])
            .collect())
    }

    async fn describe_alarms(
        &self,
        names: &[String],
    ) -> Result<HashMap<String, AlarmSource>, MetricsError> {
        Ok(names
            .iter()
            .map(|n| {
                (
                    n.clone(),
                    AlarmSource::Unavailable("no CloudWatch client".into()),
                )
            })
            .collect())
    }
}

/// The CloudWatch adapter (the SDK client is built once, at init).
#[derive(Clone)]
pub struct CloudWatch {
    client: Client,
}

impl CloudWatch {
    pub fn new(client: Client) -> Self {
        Self { client }
    }
}

fn service_err<E, R>(op: &'static str, e: aws_sdk_cloudwatch::error::SdkError<E, R>) -> MetricsError
where
    E: std::error::Error + 'static,
    R: std::fmt::Debug,
{
    MetricsError::Service {
        op,
        message: crate::sdk_error::message(&e),
    }
}

fn sdk_time(t: DateTime<Utc>) -> aws_smithy_types::DateTime {
    aws_smithy_types::DateTime::from_secs(t.timestamp())
}

fn sdk_query(
    index: usize,
    spec: &MetricSpec,
    q: &sagescale_core::metric_query::Query,
) -> MetricDataQuery {
    let ids: Vec<&str> = spec.queries.iter().map(|q| q.id.as_str()).collect();
    let stat_ids: Vec<&str> = spec
        .queries
        .iter()
        .filter(|q| q.stat.is_some())
        .map(|q| q.id.as_str())
        .collect();
    let prefix = format!("q{index}_");
    let mut b = MetricDataQuery::builder()
        .id(Batch::call_id(index, &q.id))
        .return_data(q.return_data);
    if let Some(s) = &q.stat {
        let metric = Metric::builder()
            .namespace(&s.namespace)
            .metric_name(&s.metric_name)
            .set_dimensions(Some(
                s.dimensions
                    .iter()
                    .map(|(n, v)| Dimension::builder().name(n).value(v).build())
                    .collect(),
            ))
            .build();
        let mut stat = SdkMetricStat::builder()
            .metric(metric)
            .period(s.period as i32)
            .stat(&s.stat);
        if let Some(u) = &s.unit {
            stat = stat.unit(StandardUnit::from(u.as_str()));
        }
        b = b.metric_stat(stat.build());
    }
    if let Some(e) = &q.expression {
        b = b
            .expression(prefix_ids(e, &ids, &stat_ids, &prefix))
            .period(spec.period as i32);
    }
    b.build()
}

#[async_trait]
impl Metrics for CloudWatch {
    async fn read(&self, batch: &Batch, now: DateTime<Utc>) -> Result<Vec<Series>, MetricsError> {
        if batch.is_empty() {
            return Ok(Vec::new());
        }
        let (start, end) = batch.window(now);
        let mut raw: HashMap<String, Vec<(i64, f64)>> = HashMap::new();
        for range in batch.chunks() {
            let queries: Vec<MetricDataQuery> = range
                .clone()
                .flat_map(|i| {
                    let spec = &batch.specs[i].0;
                    spec.queries.iter().map(move |q| sdk_query(i, spec, q))
                })
                .collect();
            let mut token: Option<String> = None;
            loop {
                let resp = self
                    .client
                    .get_metric_data()
                    .set_metric_data_queries(Some(queries.clone()))
                    .start_time(sdk_time(start))
                    .end_time(sdk_time(end))
                    .scan_by(ScanBy::TimestampAscending)
                    .set_next_token(token.take())
                    .send()
                    .await
                    .map_err(|e| service_err("GetMetricData", e))?;
                for r in resp.metric_data_results() {
                    let Some(id) = r.id() else { continue };
                    let points = raw.entry(id.to_string()).or_default();
                    for (t, v) in r.timestamps().iter().zip(r.values()) {
                        points.push((t.secs(), *v));
                    }
                }
                match resp.next_token {
                    Some(t) if !t.is_empty() => token = Some(t),
                    _ => break,
                }
            }
        }
        Ok(batch.series(&raw, end))
    }

    async fn describe_alarms(
        &self,
        names: &[String],
    ) -> Result<HashMap<String, AlarmSource>, MetricsError> {
        let mut metric_alarms = HashMap::new();
        let mut composites: Vec<(String, Vec<String>)> = Vec::new();
        self.describe_into(names, &mut metric_alarms, &mut composites)
            .await?;
        // Children of composite alarms not described yet.
        let children: Vec<String> = composites
            .iter()
            .flat_map(|(_, c)| c.iter().cloned())
            .filter(|c| !metric_alarms.contains_key(c))
            .collect();
        if !children.is_empty() {
            let mut ignored = Vec::new();
            self.describe_into(&children, &mut metric_alarms, &mut ignored)
                .await?;
        }
        let mut out = HashMap::new();
        for name in names {
            let source = if let Some(m) = metric_alarms.get(name) {
                m.clone()
            } else if let Some((_, children)) = composites.iter().find(|(n, _)| n == name) {
                children
                    .iter()
                    .find_map(|c| match metric_alarms.get(c) {
                        Some(s @ AlarmSource::Metric(_)) => Some(s.clone()),
                        _ => None,
                    })
                    .unwrap_or_else(|| {
                        AlarmSource::Unavailable(format!(
                            "composite alarm {name} names no metric alarm in its rule"
                        ))
                    })
            } else {
                AlarmSource::Unavailable(format!("CloudWatch knows no alarm named {name}"))
            };
            out.insert(name.clone(), source);
        }
        Ok(out)
    }
}

impl CloudWatch {
    async fn describe_into(
        &self,
        names: &[String],
        metric_alarms: &mut HashMap<String, AlarmSource>,
        composites: &mut Vec<(String, Vec<String>)>,
    ) -> Result<(), MetricsError> {
        for chunk in names.chunks(MAX_ALARM_NAMES_PER_CALL) {
            let mut token: Option<String> = None;
            loop {
                let resp = self
                    .client
                    .describe_alarms()
                    .set_alarm_names(Some(chunk.to_vec()))
                    .alarm_types(AlarmType::MetricAlarm)
                    .alarm_types(AlarmType::CompositeAlarm)
                    .set_next_token(token.take())
                    .send()
                    .await
                    .map_err(|e| service_err("DescribeAlarms", e))?;
                for a in resp.metric_alarms() {
                    let Some(name) = a.alarm_name() else { continue };
                    metric_alarms.insert(name.to_string(), metric_alarm_source(a));
                }
                for c in resp.composite_alarms() {
                    let Some(name) = c.alarm_name() else { continue };
                    composites.push((
                        name.to_string(),
                        rule_children(c.alarm_rule().unwrap_or_default()),
                    ));
                }
                match resp.next_token {
                    Some(t) if !t.is_empty() => token = Some(t),
                    _ => break,
                }
            }
        }
        Ok(())
    }
}

/// A metric alarm's metric: its single metric, or its metric-math queries.
fn metric_alarm_source(a: &aws_sdk_cloudwatch::types::MetricAlarm) -> AlarmSource {
    use sagescale_core::metric_query::{MetricStat, Query};
    let name = a.alarm_name().unwrap_or_default().to_string();
    let Some(threshold) = a.threshold() else {
        return AlarmSource::Unavailable(format!(
            "alarm {name} has no static threshold (anomaly detection): evaluated on its events"
        ));
    };
    let evaluation_periods = a.evaluation_periods().unwrap_or(1).max(1) as u32;
    let dims = |d: &[Dimension]| -> Vec<(String, String)> {
        d.iter()
            .map(|d| {
                (
                    d.name().unwrap_or_default().to_string(),
                    d.value().unwrap_or_default().to_string(),
                )
            })
            .collect()
    };
    let spec = if let (Some(ns), Some(metric)) = (a.namespace(), a.metric_name()) {
        let stat = a
            .statistic()
            .map(|s| s.as_str().to_string())
            .or_else(|| a.extended_statistic().map(str::to_string))
            .unwrap_or_else(|| "Average".into());
        MetricSpec::single(MetricStat {
            namespace: ns.into(),
            metric_name: metric.into(),
            dimensions: dims(a.dimensions()),
            stat,
            period: a.period().unwrap_or(60).max(1) as u32,
            unit: a.unit().map(|u| u.as_str().to_string()),
        })
    } else if !a.metrics().is_empty() {
        let mut period = 60;
        let queries = a
            .metrics()
            .iter()
            .map(|q| {
                let stat = q.metric_stat().map(|s| {
                    let m = s.metric();
                    period = s.period().unwrap_or(60).max(1) as u32;
                    MetricStat {
                        namespace: m.and_then(|m| m.namespace()).unwrap_or_default().into(),
                        metric_name: m.and_then(|m| m.metric_name()).unwrap_or_default().into(),
                        dimensions: m.map(|m| dims(m.dimensions())).unwrap_or_default(),
                        stat: s.stat().unwrap_or("Average").into(),
                        period: s.period().unwrap_or(60).max(1) as u32,
                        unit: s.unit().map(|u| u.as_str().to_string()),
                    }
                });
                if let Some(p) = q.period() {
                    period = p.max(1) as u32;
                }
                Query {
                    id: q.id().unwrap_or_default().to_string(),
                    stat,
                    expression: q.expression().map(str::to_string),
                    return_data: q.return_data().unwrap_or(true),
                }
            })
            .collect();
        MetricSpec { queries, period }
    } else {
        return AlarmSource::Unavailable(format!("alarm {name} has no metric"));
    };
    AlarmSource::Metric(AlarmMetric {
        alarm_name: name,
        spec,
        threshold,
        evaluation_periods,
    })
}

/// The alarm names a composite alarm's rule reads with `ALARM(...)`, in order.
pub fn rule_children(rule: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = rule;
    while let Some(i) = rest.find("ALARM(") {
        let after = &rest[i + 6..];
        let Some(close) = after.find(')') else { break };
        let name = after[..close]
            .trim()
            .trim_matches(|c| c == '"' || c == '\'');
        if !name.is_empty() && !out.iter().any(|n: &String| n == name) {
            out.push(name.to_string());
        }
        rest = &after[close..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use sagescale_core::metric_query::{MetricStat, Query};

    fn stat(period: u32) -> MetricStat {
        MetricStat {
            namespace: "AWS/SageMaker".into(),
            metric_name: "InvocationsPerInstance".into(),
            dimensions: vec![],
            stat: "Sum".into(),
            period,
            unit: None,
        }
    }

    fn t(s: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(s, 0).unwrap()
    }

    #[test]
    fn the_window_ends_at_the_last_complete_period() {
        let mut b = Batch::default();
        b.add(MetricSpec::single(stat(60)), 15);
        b.add(MetricSpec::single(stat(10)), 18);
        let (start, end) = b.window(t(6_000 + 42));
        assert_eq!(end, t(6_000));
        assert_eq!(start, t(6_000 - 900));
    }

    #[test]
    fn whole_specifications_are_packed_into_calls_of_at_most_500_queries() {
        let mut b = Batch::default();
        for _ in 0..1_000 {
            b.add(MetricSpec::single(stat(60)), 15);
        }
        let three = MetricSpec {
            queries: (0..3)
                .map(|i| Query {
                    id: format!("m{i}"),
                    stat: Some(stat(60)),
                    expression: None,
                    return_data: i == 0,
                })
                .collect(),
            period: 60,
        };
        b.add(three, 15);
        let chunks = b.chunks();
        assert_eq!(chunks.len(), 3);
        assert_eq!(chunks[0], 0..500);
        assert_eq!(chunks[1], 500..1000);
        assert_eq!(chunks[2], 1000..1001);
    }

    #[test]
    fn fourteen_days_of_one_minute_history_go_five_targets_a_call() {
        let mut b = Batch::default();
        for _ in 0..12 {
            b.add(MetricSpec::single(stat(60)), 14 * 1440);
        }
        assert_eq!(b.chunks(), vec![0..5, 5..10, 10..12]);
    }

    #[test]
    fn missing_periods_are_nan_and_points_land_on_their_period() {
        let mut b = Batch::default();
        b.add(MetricSpec::single(stat(60)), 3);
        let mut raw = HashMap::new();
        raw.insert(
            "q0_m1".to_string(),
            vec![(6_000 - 180, 1.0), (6_000 - 60, 3.0)],
        );
        let s = &b.series(&raw, t(6_000))[0];
        assert_eq!(s[0], 1.0);
        assert!(s[1].is_nan());
        assert_eq!(s[2], 3.0);
    }

    #[test]
    fn composite_rules_name_their_children() {
        assert_eq!(
            rule_children("ALARM(\"lat-high\") OR (ALARM(err-high) AND NOT OK(x))"),
            ["lat-high", "err-high"]
        );
    }
}
