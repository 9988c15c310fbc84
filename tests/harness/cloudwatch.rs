//! CloudWatch through the real `aws-sdk-cloudwatch` client against the emulator.
//!
//! The SDK speaks Smithy RPC v2 CBOR; the emulator bridges it to moto's CloudWatch backend
//! and evaluates GetMetricData itself (`tests/emulator/cloudwatch.py`). These helpers write
//! metric series and read query results the way tests need them.
//!
//! ```no_run
//! # async fn demo() {
//! use chrono::{Duration, DurationRound, Utc};
//! use sagescale_tests::Emulator;
//! use sagescale_tests::cloudwatch::{get_metric_data_all, metric_stat_query, put_metric_series};
//! let emu = Emulator::start();
//! let client = emu.cloudwatch_client().await;
//! let start = Utc::now().duration_trunc(Duration::minutes(1)).unwrap() - Duration::minutes(10);
//! let dims = [("EndpointName", "ep"), ("VariantName", "AllTraffic")];
//! put_metric_series(&client, "AWS/SageMaker", "Invocations", &dims, start, 60, &[10.0, 12.0])
//!     .await
//!     .unwrap();
//! let query = metric_stat_query("m1", "AWS/SageMaker", "Invocations", &dims, 60, "Sum");
//! let series = get_metric_data_all(&client, vec![query], start, Utc::now()).await.unwrap();
//! # }
//! ```

use std::collections::BTreeMap;

use aws_sdk_cloudwatch::error::SdkError;
use aws_sdk_cloudwatch::operation::get_metric_data::GetMetricDataError;
use aws_sdk_cloudwatch::operation::put_metric_data::PutMetricDataError;
use aws_sdk_cloudwatch::primitives::DateTime as SdkDateTime;
use aws_sdk_cloudwatch::types::{Dimension, Metric, MetricDataQuery, MetricDatum, MetricStat};
use chrono::{DateTime, Utc};

use crate::Emulator;

/// CloudWatch's limit of datums in one PutMetricData call.
pub const MAX_DATUMS_PER_PUT: usize = 1000;

/// A query's datapoints in the order CloudWatch returned them: `(timestamp, value)`.
pub type Series = Vec<(DateTime<Utc>, f64)>;

impl Emulator {
    /// A CloudWatch client for this emulator (the configuration of [`Emulator::sdk_config`]).
    pub async fn cloudwatch_client(&self) -> aws_sdk_cloudwatch::Client {
        aws_sdk_cloudwatch::Client::new(&self.sdk_config().await)
    }
}

/// The SDK's timestamp for a chrono one (millisecond precision, as CloudWatch keeps).
pub fn sdk_time(time: DateTime<Utc>) -> SdkDateTime {
    SdkDateTime::from_millis(time.timestamp_millis())
}

/// The chrono timestamp of an SDK one.
///
/// # Panics
/// When it is out of chrono's range (CloudWatch never returns such).
pub fn chrono_time(time: &SdkDateTime) -> DateTime<Utc> {
    let millis = time
        .to_millis()
        .unwrap_or_else(|err| panic!("timestamp {time}: {err}"));
    DateTime::from_timestamp_millis(millis)
        .unwrap_or_else(|| panic!("timestamp {time} out of range"))
}

/// SDK dimensions from `(name, value)` pairs.
pub fn dimensions(dims: &[(&str, &str)]) -> Vec<Dimension> {
    dims.iter()
        .map(|(name, value)| Dimension::builder().name(*name).value(*value).build())
        .collect()
}

/// Writes `values[i]` at `start + i * period_secs` through PutMetricData, in as few calls as
/// CloudWatch allows ([`MAX_DATUMS_PER_PUT`] datums each). A period under 60 s writes
/// high-resolution data (`StorageResolution` 1), so it can be read at that period.
pub async fn put_metric_series(
    client: &aws_sdk_cloudwatch::Client,
    namespace: &str,
    name: &str,
    dims: &[(&str, &str)],
    start: DateTime<Utc>,
    period_secs: i64,
    values: &[f64],
) -> Result<(), SdkError<PutMetricDataError>> {
    let dims = dimensions(dims);
    let datums: Vec<MetricDatum> = values
        .iter()
        .enumerate()
        .map(|(i, value)| {
            let at = start + chrono::Duration::seconds(period_secs * i as i64);
            MetricDatum::builder()
                .metric_name(name)
                .set_dimensions(Some(dims.clone()))
                .timestamp(sdk_time(at))
                .value(*value)
                .storage_resolution(if period_secs < 60 { 1 } else { 60 })
                .build()
        })
        .collect();
    for batch in datums.chunks(MAX_DATUMS_PER_PUT) {
        client
            .put_metric_data()
            .namespace(namespace)
            .set_metric_data(Some(batch.to_vec()))
            .send()
            .await?;
    }
    Ok(())
}

/// A `MetricStat` query of one metric (ReturnData left to CloudWatch's default, true).
pub fn metric_stat_query(
    id: &str,
    namespace: &str,
    name: &str,
    dims: &[(&str, &str)],
    period_secs: i32,
    stat: &str,
) -> MetricDataQuery {
    let metric = Metric::builder()
        .namespace(namespace)
        .metric_name(name)
        .set_dimensions(Some(dimensions(dims)))
        .build();
    MetricDataQuery::builder()
        .id(id)
        .metric_stat(
            MetricStat::builder()
                .metric(metric)
                .period(period_secs)
                .stat(stat)
                .build(),
        )
        .build()
}

/// A metric math query.
pub fn expression_query(id: &str, expression: &str, return_data: bool) -> MetricDataQuery {
    MetricDataQuery::builder()
        .id(id)
        .expression(expression)
        .return_data(return_data)
        .build()
}

/// Runs GetMetricData over every page (following NextToken) and returns each returned query's
/// datapoints by id, in CloudWatch's order (ScanBy default: newest first).
pub async fn get_metric_data_all(
    client: &aws_sdk_cloudwatch::Client,
    queries: Vec<MetricDataQuery>,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Result<BTreeMap<String, Series>, SdkError<GetMetricDataError>> {
    let mut by_id: BTreeMap<String, Series> = BTreeMap::new();
    let mut token: Option<String> = None;
    loop {
        let out = client
            .get_metric_data()
            .set_metric_data_queries(Some(queries.clone()))
            .start_time(sdk_time(start))
            .end_time(sdk_time(end))
            .set_next_token(token.take())
            .send()
            .await?;
        for result in out.metric_data_results() {
            let series = by_id
                .entry(result.id().unwrap_or_default().to_string())
                .or_default();
            series.extend(
                result
                    .timestamps()
                    .iter()
                    .map(chrono_time)
                    .zip(result.values().iter().copied()),
            );
        }
        match out.next_token() {
            Some(next) => token = Some(next.to_string()),
            None => return Ok(by_id),
        }
    }
}
