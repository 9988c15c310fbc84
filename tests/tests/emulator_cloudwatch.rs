//! CloudWatch through the real `aws-sdk-cloudwatch` client (Smithy RPC v2 CBOR) against the
//! emulator's bridge (`tests/emulator/cloudwatch.py`).

use aws_sdk_cloudwatch::Client;
use aws_sdk_cloudwatch::error::ProvideErrorMetadata;
use aws_sdk_cloudwatch::operation::set_alarm_state::SetAlarmStateError;
use aws_sdk_cloudwatch::types::{
    AlarmType, ComparisonOperator, MetricDataQuery, MetricDatum, ScanBy, StateValue, Statistic,
    StatusCode,
};
use chrono::{DateTime, Duration, DurationRound, Utc};
use sagescale_tests::cloudwatch::{
    MAX_DATUMS_PER_PUT, chrono_time, dimensions, expression_query, get_metric_data_all,
    metric_stat_query, put_metric_series, sdk_time,
};
use sagescale_tests::{Emulator, FaultKind};

const NS: &str = "AWS/SageMaker";
const DIMS: [(&str, &str); 2] = [("EndpointName", "ep-1"), ("VariantName", "AllTraffic")];

/// A whole minute `minutes` ago: series start on period boundaries, as CloudWatch aligns them.
fn minutes_ago(minutes: i64) -> DateTime<Utc> {
    Utc::now()
        .duration_trunc(Duration::minutes(1))
        .expect("truncate to the minute")
        - Duration::minutes(minutes)
}

fn at(start: DateTime<Utc>, secs: i64) -> DateTime<Utc> {
    start + Duration::seconds(secs)
}

async fn setup() -> (Emulator, Client) {
    let emu = Emulator::start();
    let client = emu.cloudwatch_client().await;
    (emu, client)
}

#[tokio::test]
async fn per_minute_series_round_trips_with_past_timestamps() {
    let (_emu, client) = setup().await;
    let start = minutes_ago(30);
    let values = [5.0, 7.5, 0.0, 12.25, 3.0, 9.0];
    put_metric_series(&client, NS, "Invocations", &DIMS, start, 60, &values)
        .await
        .expect("PutMetricData");
    // Another variant's data must not leak into the query.
    put_metric_series(
        &client,
        NS,
        "Invocations",
        &[("EndpointName", "ep-1"), ("VariantName", "Other")],
        start,
        60,
        &[1000.0; 6],
    )
    .await
    .expect("PutMetricData");

    let out = client
        .get_metric_data()
        .metric_data_queries(metric_stat_query("m1", NS, "Invocations", &DIMS, 60, "Sum"))
        .start_time(sdk_time(start - Duration::minutes(5)))
        .end_time(sdk_time(Utc::now()))
        .send()
        .await
        .expect("GetMetricData");
    assert_eq!(out.next_token(), None);
    let [result] = out.metric_data_results() else {
        panic!("one result: {out:?}");
    };
    assert_eq!(result.id(), Some("m1"));
    assert_eq!(result.label(), Some("Invocations"));
    assert_eq!(result.status_code(), Some(&StatusCode::Complete));
    // TimestampDescending is CloudWatch's default order.
    let expected_times: Vec<_> = (0..values.len() as i64)
        .rev()
        .map(|i| at(start, 60 * i))
        .collect();
    let times: Vec<_> = result.timestamps().iter().map(chrono_time).collect();
    assert_eq!(times, expected_times);
    let expected_values: Vec<f64> = values.iter().rev().copied().collect();
    assert_eq!(result.values(), expected_values.as_slice());

    // Ascending on request; a window that starts mid-series cuts it.
    let out = client
        .get_metric_data()
        .metric_data_queries(metric_stat_query("m1", NS, "Invocations", &DIMS, 60, "Sum"))
        .start_time(sdk_time(at(start, 120)))
        .end_time(sdk_time(at(start, 240)))
        .scan_by(ScanBy::TimestampAscending)
        .send()
        .await
        .expect("GetMetricData");
    let result = &out.metric_data_results()[0];
    let times: Vec<_> = result.timestamps().iter().map(chrono_time).collect();
    assert_eq!(times, vec![at(start, 120), at(start, 180)]);
    assert_eq!(result.values(), &[0.0, 12.25]);
}

#[tokio::test]
async fn statistics_aggregate_each_period_from_values_and_counts() {
    let (_emu, client) = setup().await;
    let start = minutes_ago(20);
    let dims = dimensions(&DIMS);
    // Minute 0: values 1, 2, 3, 3 (Counts) plus a single 6 at second 50; minute 1: one 10.
    let datums = vec![
        MetricDatum::builder()
            .metric_name("ModelLatency")
            .set_dimensions(Some(dims.clone()))
            .timestamp(sdk_time(at(start, 10)))
            .values(1.0)
            .values(2.0)
            .values(3.0)
            .counts(1.0)
            .counts(1.0)
            .counts(2.0)
            .build(),
        MetricDatum::builder()
            .metric_name("ModelLatency")
            .set_dimensions(Some(dims.clone()))
            .timestamp(sdk_time(at(start, 50)))
            .value(6.0)
            .build(),
        MetricDatum::builder()
            .metric_name("ModelLatency")
            .set_dimensions(Some(dims))
            .timestamp(sdk_time(at(start, 65)))
            .value(10.0)
            .build(),
    ];
    client
        .put_metric_data()
        .namespace(NS)
        .set_metric_data(Some(datums))
        .send()
        .await
        .expect("PutMetricData");

    let stats = ["Average", "Sum", "Minimum", "Maximum", "SampleCount"];
    let queries = stats
        .iter()
        .map(|stat| metric_stat_query(&stat.to_lowercase(), NS, "ModelLatency", &DIMS, 60, stat))
        .collect();
    let series = get_metric_data_all(&client, queries, start, Utc::now())
        .await
        .expect("GetMetricData");
    let newest_first = |id: &str| -> Vec<f64> { series[id].iter().map(|(_, v)| *v).collect() };
    assert_eq!(newest_first("average"), vec![10.0, 15.0 / 5.0]);
    assert_eq!(newest_first("sum"), vec![10.0, 15.0]);
    assert_eq!(newest_first("minimum"), vec![10.0, 1.0]);
    assert_eq!(newest_first("maximum"), vec![10.0, 6.0]);
    assert_eq!(newest_first("samplecount"), vec![1.0, 5.0]);
    let times: Vec<_> = series["sum"].iter().map(|(t, _)| *t).collect();
    assert_eq!(
        times,
        vec![at(start, 60), start],
        "period starts, newest first"
    );
}

#[tokio::test]
async fn ten_second_data_reads_at_period_10_and_60() {
    let (_emu, client) = setup().await;
    let start = minutes_ago(10);
    let values: Vec<f64> = (1..=12).map(f64::from).collect();
    put_metric_series(&client, NS, "Invocations", &DIMS, start, 10, &values)
        .await
        .expect("PutMetricData");

    let out = client
        .get_metric_data()
        .metric_data_queries(metric_stat_query(
            "fine",
            NS,
            "Invocations",
            &DIMS,
            10,
            "Sum",
        ))
        .metric_data_queries(metric_stat_query(
            "coarse",
            NS,
            "Invocations",
            &DIMS,
            60,
            "Sum",
        ))
        .start_time(sdk_time(start))
        .end_time(sdk_time(Utc::now()))
        .scan_by(ScanBy::TimestampAscending)
        .send()
        .await
        .expect("GetMetricData");
    let [fine, coarse] = out.metric_data_results() else {
        panic!("two results: {out:?}");
    };
    assert_eq!(fine.id(), Some("fine"));
    let fine_times: Vec<_> = fine.timestamps().iter().map(chrono_time).collect();
    assert_eq!(
        fine_times,
        (0..12).map(|i| at(start, 10 * i)).collect::<Vec<_>>()
    );
    assert_eq!(fine.values(), values.as_slice());
    let coarse_times: Vec<_> = coarse.timestamps().iter().map(chrono_time).collect();
    assert_eq!(coarse_times, vec![start, at(start, 60)]);
    assert_eq!(coarse.values(), &[21.0, 57.0]); // 1..=6, 7..=12
}

#[tokio::test]
async fn hundreds_of_queries_in_one_call_return_every_id() {
    let (emu, client) = setup().await;
    let start = minutes_ago(15);
    let endpoints: Vec<String> = (0..400).map(|i| format!("ep-{i}")).collect();
    // 400 datums in one call: a body the SDK gzips, which the bridge must inflate.
    let datums = endpoints
        .iter()
        .enumerate()
        .map(|(i, endpoint)| {
            MetricDatum::builder()
                .metric_name("Invocations")
                .set_dimensions(Some(dimensions(&[("EndpointName", endpoint)])))
                .timestamp(sdk_time(at(start, 30)))
                .value(i as f64)
                .build()
        })
        .collect();
    client
        .put_metric_data()
        .namespace(NS)
        .set_metric_data(Some(datums))
        .send()
        .await
        .expect("PutMetricData of 400 datums");

    let queries: Vec<MetricDataQuery> = endpoints
        .iter()
        .enumerate()
        .map(|(i, endpoint)| {
            metric_stat_query(
                &format!("q{i}"),
                NS,
                "Invocations",
                &[("EndpointName", endpoint)],
                60,
                "Sum",
            )
        })
        .collect();
    emu.clear_requests();
    let out = client
        .get_metric_data()
        .set_metric_data_queries(Some(queries.clone()))
        .start_time(sdk_time(start))
        .end_time(sdk_time(Utc::now()))
        .send()
        .await
        .expect("GetMetricData with 400 queries");
    assert_eq!(emu.requests_for("cloudwatch", "GetMetricData").len(), 1);
    let results = out.metric_data_results();
    assert_eq!(results.len(), 400);
    for (i, result) in results.iter().enumerate() {
        assert_eq!(result.id(), Some(format!("q{i}").as_str()));
        assert_eq!(result.values(), &[i as f64], "{result:?}");
        assert_eq!(result.timestamps().len(), 1);
        assert_eq!(chrono_time(&result.timestamps()[0]), start);
    }

    // CloudWatch's limit is 500 queries per call.
    let too_many: Vec<MetricDataQuery> = (0..501)
        .map(|i| metric_stat_query(&format!("q{i}"), NS, "Invocations", &[], 60, "Sum"))
        .collect();
    let err = client
        .get_metric_data()
        .set_metric_data_queries(Some(too_many))
        .start_time(sdk_time(start))
        .end_time(sdk_time(Utc::now()))
        .send()
        .await
        .expect_err("501 queries are over the limit");
    assert_eq!(err.code(), Some("ValidationError"), "{err:?}");
}

#[tokio::test]
async fn metric_math_returns_only_queries_with_return_data() {
    let (_emu, client) = setup().await;
    let start = minutes_ago(20);
    let ep2 = [("EndpointName", "ep-2"), ("VariantName", "AllTraffic")];
    put_metric_series(
        &client,
        NS,
        "Invocations",
        &DIMS,
        start,
        60,
        &[10.0, 20.0, 30.0],
    )
    .await
    .expect("PutMetricData");
    // ep-2 has no datapoint in the first minute: m1 / m2 exists only where both do.
    put_metric_series(
        &client,
        NS,
        "Invocations",
        &ep2,
        at(start, 60),
        60,
        &[4.0, 5.0],
    )
    .await
    .expect("PutMetricData");

    let hidden = |q: MetricDataQuery| {
        MetricDataQuery::builder()
            .set_id(q.id().map(String::from))
            .set_metric_stat(q.metric_stat().cloned())
            .return_data(false)
            .build()
    };
    let queries = vec![
        hidden(metric_stat_query("m1", NS, "Invocations", &DIMS, 60, "Sum")),
        hidden(metric_stat_query("m2", NS, "Invocations", &ep2, 60, "Sum")),
        expression_query("ratio", "m1 / m2", true),
        expression_query("total", "SUM(METRICS())", true),
        expression_query("scaled", "(m1 + m2) * 2 - 1", true),
        expression_query("peak", "MAX([m1, m2])", true),
    ];
    let series = get_metric_data_all(&client, queries, start, Utc::now())
        .await
        .expect("GetMetricData");
    let ids: Vec<&str> = series.keys().map(String::as_str).collect();
    assert_eq!(ids, vec!["peak", "ratio", "scaled", "total"]);
    let t = |secs| at(start, secs);
    assert_eq!(
        series["ratio"],
        vec![(t(120), 30.0 / 5.0), (t(60), 20.0 / 4.0)]
    );
    assert_eq!(
        series["total"],
        vec![(t(120), 35.0), (t(60), 24.0), (t(0), 10.0)]
    );
    assert_eq!(series["scaled"], vec![(t(120), 69.0), (t(60), 47.0)]);
    assert_eq!(
        series["peak"],
        vec![(t(120), 30.0), (t(60), 20.0), (t(0), 10.0)]
    );

    let err = client
        .get_metric_data()
        .metric_data_queries(metric_stat_query("m1", NS, "Invocations", &DIMS, 60, "Sum"))
        .metric_data_queries(expression_query("e1", "RATE(m1)", true))
        .start_time(sdk_time(start))
        .end_time(sdk_time(Utc::now()))
        .send()
        .await
        .expect_err("the emulator does not evaluate RATE");
    assert_eq!(err.code(), Some("ValidationError"));
    assert!(
        err.message().unwrap_or_default().contains("RATE"),
        "{err:?}"
    );
}

#[tokio::test]
async fn next_token_pages_by_max_datapoints() {
    let (_emu, client) = setup().await;
    let start = minutes_ago(40);
    for (name, offset) in [("Invocations", 0.0), ("ModelLatency", 100.0)] {
        let values: Vec<f64> = (0..15).map(|i| offset + f64::from(i)).collect();
        put_metric_series(&client, NS, name, &DIMS, start, 60, &values)
            .await
            .expect("PutMetricData");
    }
    let queries = vec![
        metric_stat_query("a", NS, "Invocations", &DIMS, 60, "Average"),
        metric_stat_query("b", NS, "ModelLatency", &DIMS, 60, "Average"),
    ];

    // Every page repeats the request exactly (a token belongs to its request).
    let end = Utc::now();
    let mut token: Option<String> = None;
    let mut pages = 0;
    let mut points: Vec<(String, DateTime<Utc>, f64)> = Vec::new();
    loop {
        let out = client
            .get_metric_data()
            .set_metric_data_queries(Some(queries.clone()))
            .start_time(sdk_time(start))
            .end_time(sdk_time(end))
            .max_datapoints(8)
            .set_next_token(token.take())
            .send()
            .await
            .expect("GetMetricData page");
        pages += 1;
        let on_page: usize = out
            .metric_data_results()
            .iter()
            .map(|r| r.values().len())
            .sum();
        assert!(on_page <= 8, "page {pages} holds {on_page} datapoints");
        for result in out.metric_data_results() {
            let id = result.id().unwrap_or_default().to_string();
            for (time, value) in result.timestamps().iter().zip(result.values()) {
                points.push((id.clone(), chrono_time(time), *value));
            }
        }
        match out.next_token() {
            Some(next) => token = Some(next.to_string()),
            None => break,
        }
        assert!(pages < 10, "paging does not end");
    }
    assert_eq!(pages, 4, "30 datapoints at 8 per page");
    assert_eq!(points.len(), 30);
    for (id, offset) in [("a", 0.0), ("b", 100.0)] {
        let got: Vec<(DateTime<Utc>, f64)> = points
            .iter()
            .filter(|(i, _, _)| i == id)
            .map(|(_, t, v)| (*t, *v))
            .collect();
        let expected: Vec<(DateTime<Utc>, f64)> = (0..15)
            .rev()
            .map(|i| (at(start, 60 * i), offset + i as f64))
            .collect();
        assert_eq!(got, expected, "query {id}");
    }

    // Without a limit below the total there is one page and no token.
    let out = client
        .get_metric_data()
        .set_metric_data_queries(Some(queries.clone()))
        .start_time(sdk_time(start))
        .end_time(sdk_time(Utc::now()))
        .max_datapoints(30)
        .send()
        .await
        .expect("GetMetricData");
    assert_eq!(out.next_token(), None);
    assert!(
        out.metric_data_results()
            .iter()
            .all(|r| r.status_code() == Some(&StatusCode::Complete))
    );

    // A token is only good for the request it came from.
    let err = client
        .get_metric_data()
        .set_metric_data_queries(Some(queries[..1].to_vec()))
        .start_time(sdk_time(start))
        .end_time(sdk_time(Utc::now()))
        .next_token("bm90LWEtdG9rZW4=")
        .send()
        .await
        .expect_err("foreign NextToken");
    assert!(
        err.as_service_error()
            .is_some_and(|e| e.is_invalid_next_token()),
        "{err:?}"
    );
}

#[tokio::test]
async fn describe_alarms_shows_metric_math_and_composite_alarms() {
    let (_emu, client) = setup().await;
    client
        .put_metric_alarm()
        .alarm_name("ep-1-high")
        .namespace(NS)
        .metric_name("InvocationsPerInstance")
        .set_dimensions(Some(dimensions(&DIMS)))
        .statistic(Statistic::Sum)
        .period(60)
        .evaluation_periods(3)
        .datapoints_to_alarm(2)
        .threshold(70.5)
        .comparison_operator(ComparisonOperator::GreaterThanThreshold)
        .alarm_actions("arn:aws:lambda:us-east-1:123456789012:function:alarm-scaler")
        .send()
        .await
        .expect("PutMetricAlarm");
    client
        .put_metric_alarm()
        .alarm_name("ep-1-per-instance")
        .metrics(
            MetricDataQuery::builder()
                .id("m1")
                .set_metric_stat(
                    metric_stat_query("m1", NS, "Invocations", &DIMS, 60, "Sum")
                        .metric_stat()
                        .cloned(),
                )
                .return_data(false)
                .build(),
        )
        .metrics(expression_query("e1", "m1 / 2", true))
        .evaluation_periods(2)
        .threshold(100.0)
        .comparison_operator(ComparisonOperator::LessThanThreshold)
        .send()
        .await
        .expect("PutMetricAlarm with metric math");
    client
        .put_composite_alarm()
        .alarm_name("ep-1-any")
        .alarm_rule("ALARM(\"ep-1-high\") OR ALARM(\"ep-1-per-instance\")")
        .send()
        .await
        .expect("PutCompositeAlarm");
    let names = ["ep-1-high", "ep-1-per-instance", "ep-1-any"];

    // Without AlarmTypes CloudWatch returns only metric alarms.
    let out = client
        .describe_alarms()
        .set_alarm_names(Some(names.map(String::from).to_vec()))
        .send()
        .await
        .expect("DescribeAlarms");
    assert!(out.composite_alarms().is_empty(), "{out:?}");
    let metric: Vec<_> = out
        .metric_alarms()
        .iter()
        .map(|a| a.alarm_name().unwrap_or_default())
        .collect();
    assert_eq!(metric, vec!["ep-1-high", "ep-1-per-instance"]);
    let high = &out.metric_alarms()[0];
    assert_eq!(high.threshold(), Some(70.5));
    assert_eq!(high.period(), Some(60));
    assert_eq!(high.datapoints_to_alarm(), Some(2));
    assert_eq!(high.statistic(), Some(&Statistic::Sum));
    assert_eq!(high.dimensions().len(), 2);
    assert_eq!(high.state_value(), Some(&StateValue::InsufficientData));
    assert!(high.state_updated_timestamp().is_some());
    let math = &out.metric_alarms()[1];
    let ids: Vec<_> = math.metrics().iter().map(|m| m.id()).collect();
    assert_eq!(ids, vec![Some("m1"), Some("e1")]);
    assert_eq!(math.metrics()[1].expression(), Some("m1 / 2"));
    assert_eq!(math.metrics()[0].return_data(), Some(false));
    let stat = math.metrics()[0].metric_stat().expect("MetricStat");
    assert_eq!(stat.period(), Some(60));
    assert_eq!(
        stat.metric().and_then(|m| m.metric_name()),
        Some("Invocations")
    );

    client
        .set_alarm_state()
        .alarm_name("ep-1-any")
        .state_value(StateValue::Alarm)
        .state_reason("test")
        .send()
        .await
        .expect("SetAlarmState");
    let out = client
        .describe_alarms()
        .set_alarm_names(Some(names.map(String::from).to_vec()))
        .alarm_types(AlarmType::CompositeAlarm)
        .alarm_types(AlarmType::MetricAlarm)
        .send()
        .await
        .expect("DescribeAlarms");
    assert_eq!(out.metric_alarms().len(), 2);
    let [composite] = out.composite_alarms() else {
        panic!("one composite alarm: {out:?}");
    };
    assert_eq!(composite.alarm_name(), Some("ep-1-any"));
    assert_eq!(
        composite.alarm_rule(),
        Some("ALARM(\"ep-1-high\") OR ALARM(\"ep-1-per-instance\")")
    );
    assert_eq!(composite.state_value(), Some(&StateValue::Alarm));
    assert_eq!(composite.state_reason(), Some("test"));

    client
        .delete_alarms()
        .alarm_names("ep-1-high")
        .send()
        .await
        .expect("DeleteAlarms");
    let out = client
        .describe_alarms()
        .alarm_names("ep-1-high")
        .send()
        .await
        .expect("DescribeAlarms");
    assert!(out.metric_alarms().is_empty());

    let err = client
        .set_alarm_state()
        .alarm_name("ep-1-high")
        .state_value(StateValue::Ok)
        .state_reason("gone")
        .send()
        .await
        .expect_err("the alarm was deleted");
    assert!(
        matches!(
            err.as_service_error(),
            Some(SetAlarmStateError::ResourceNotFound(_))
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn dashboards_round_trip() {
    let (_emu, client) = setup().await;
    let body = r#"{"widgets":[]}"#;
    client
        .put_dashboard()
        .dashboard_name("sagescale")
        .dashboard_body(body)
        .send()
        .await
        .expect("PutDashboard");
    let out = client
        .get_dashboard()
        .dashboard_name("sagescale")
        .send()
        .await
        .expect("GetDashboard");
    assert_eq!(out.dashboard_body(), Some(body));
    assert!(
        out.dashboard_arn()
            .unwrap_or_default()
            .ends_with(":dashboard/sagescale")
    );
    let err = client
        .get_dashboard()
        .dashboard_name("missing")
        .send()
        .await
        .expect_err("no such dashboard");
    assert!(
        err.as_service_error()
            .is_some_and(|e| e.is_dashboard_not_found_error()),
        "{err:?}"
    );
}

#[tokio::test]
async fn throttled_get_metric_data_is_retried_and_logged() {
    let (emu, client) = setup().await;
    let start = minutes_ago(5);
    put_metric_series(&client, NS, "Invocations", &DIMS, start, 60, &[3.0])
        .await
        .expect("PutMetricData");
    emu.clear_requests();
    emu.inject_fault("cloudwatch", "GetMetricData", FaultKind::Throttle, 1);
    emu.inject_fault("cloudwatch", "GetMetricData", FaultKind::ServerError, 1);

    let series = get_metric_data_all(
        &client,
        vec![metric_stat_query("m1", NS, "Invocations", &DIMS, 60, "Sum")],
        start,
        Utc::now(),
    )
    .await
    .expect("the SDK retries the throttle and the 500");
    assert_eq!(series["m1"], vec![(start, 3.0)]);

    let calls = emu.requests_for("cloudwatch", "GetMetricData");
    let seen: Vec<_> = calls
        .iter()
        .map(|c| (c.status, c.fault.as_deref()))
        .collect();
    assert_eq!(
        seen,
        vec![(400, Some("throttle")), (500, Some("5xx")), (200, None)]
    );

    // More throttles than the SDK's three attempts: the caller sees ThrottlingException.
    emu.inject_fault("cloudwatch", "GetMetricData", FaultKind::Throttle, 3);
    let err = client
        .get_metric_data()
        .metric_data_queries(metric_stat_query("m1", NS, "Invocations", &DIMS, 60, "Sum"))
        .start_time(sdk_time(start))
        .end_time(sdk_time(Utc::now()))
        .send()
        .await
        .expect_err("three throttles exhaust the retries");
    assert_eq!(err.code(), Some("ThrottlingException"), "{err:?}");
    assert_eq!(emu.requests_for("cloudwatch", "GetMetricData").len(), 6);
}

#[tokio::test]
async fn put_metric_data_over_the_limit_is_rejected() {
    let (emu, client) = setup().await;
    let start = minutes_ago(MAX_DATUMS_PER_PUT as i64 + 10);
    let datums: Vec<MetricDatum> = (0..=MAX_DATUMS_PER_PUT)
        .map(|i| {
            MetricDatum::builder()
                .metric_name("Invocations")
                .timestamp(sdk_time(at(start, 60 * i as i64)))
                .value(1.0)
                .build()
        })
        .collect();
    let err = client
        .put_metric_data()
        .namespace(NS)
        .set_metric_data(Some(datums))
        .send()
        .await
        .expect_err("1001 datums");
    assert_eq!(err.code(), Some("InvalidParameterValue"), "{err:?}");
    // The helper splits the same series into calls CloudWatch accepts.
    emu.clear_requests();
    let values = vec![1.0; MAX_DATUMS_PER_PUT + 1];
    put_metric_series(&client, NS, "Invocations", &[], start, 60, &values)
        .await
        .expect("PutMetricData in batches");
    assert_eq!(emu.requests_for("cloudwatch", "PutMetricData").len(), 2);
}
