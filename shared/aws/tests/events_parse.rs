//! Every fixture in tests/fixtures/events parses to its expected normalised value or error.

use chrono::{DateTime, TimeZone, Utc};
use sagescale_aws::events::{
    AlarmStateChange, AlarmStateValue, Delivery, EventError, Origin, ScheduleEvent,
    parse_alarm_event, parse_schedule_event,
};
use serde_json::{Value, json};

const ACCOUNT: &str = "123456789012";
const REGION: &str = "us-east-1";
const ALARM: &str = "sagescale-demo-latency-high";
const ALARM_ARN: &str =
    "arn:aws:cloudwatch:us-east-1:123456789012:alarm:sagescale-demo-latency-high";

fn fixture(name: &str) -> Value {
    let path = format!(
        "{}/../../tests/fixtures/events/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn origin() -> Origin {
    Origin {
        account: ACCOUNT.into(),
        region: REGION.into(),
        alarm_prefix: Some("sagescale-demo-".into()),
    }
}

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

fn one(payload: &Value) -> AlarmStateChange {
    let mut changes = parse_alarm_event(payload).unwrap();
    assert_eq!(changes.len(), 1, "{changes:?}");
    changes.remove(0)
}

/// The state change all three deliveries of the demo alarm describe: ModelLatency averaged
/// 650 against a threshold of 500, so a step policy sees a breach of +150.
fn demo_latency_alarm(delivery: Delivery) -> AlarmStateChange {
    AlarmStateChange {
        alarm_name: ALARM.into(),
        alarm_arn: Some(ALARM_ARN.into()),
        account: Some(ACCOUNT.into()),
        region: Some(REGION.into()),
        state: AlarmStateValue::Alarm,
        previous_state: Some(AlarmStateValue::Ok),
        state_timestamp: at("2026-11-27T18:02:10.123Z"),
        threshold: Some(500.0),
        datapoints: vec![640.0, 660.0],
        composite: false,
        delivery,
    }
}

fn breach(ev: &AlarmStateChange) -> f64 {
    let avg = ev.datapoints.iter().sum::<f64>() / ev.datapoints.len() as f64;
    avg - ev.threshold.unwrap()
}

// ---- good alarm fixtures ----

#[test]
fn alarm_action_metric() {
    let ev = one(&fixture("alarm-action-metric.json"));
    assert_eq!(ev, demo_latency_alarm(Delivery::AlarmAction));
    assert_eq!(breach(&ev), 150.0);
    origin().check_alarm(&ev).unwrap();
}

#[test]
fn alarm_action_without_reason_data_has_no_datapoints_or_threshold() {
    let ev = one(&fixture("alarm-action-metric-no-reasondata.json"));
    assert_eq!(
        ev,
        AlarmStateChange {
            state_timestamp: at("2026-11-27T18:20:00Z"),
            threshold: None,
            datapoints: vec![],
            ..demo_latency_alarm(Delivery::AlarmAction)
        }
    );
    origin().check_alarm(&ev).unwrap();
}

#[test]
fn alarm_action_composite() {
    let ev = one(&fixture("alarm-action-composite.json"));
    assert_eq!(
        ev,
        AlarmStateChange {
            alarm_name: "sagescale-demo-endpoint-degraded".into(),
            alarm_arn: Some(
                "arn:aws:cloudwatch:us-east-1:123456789012:alarm:sagescale-demo-endpoint-degraded"
                    .into()
            ),
            account: Some(ACCOUNT.into()),
            region: Some(REGION.into()),
            state: AlarmStateValue::Alarm,
            previous_state: Some(AlarmStateValue::Ok),
            state_timestamp: at("2026-11-27T18:03:10.789Z"),
            threshold: None,
            datapoints: vec![],
            composite: true,
            delivery: Delivery::AlarmAction,
        }
    );
    origin().check_alarm(&ev).unwrap();
}

#[test]
fn eventbridge_alarm_state_change() {
    let ev = one(&fixture("eventbridge-alarm-state-change.json"));
    assert_eq!(ev, demo_latency_alarm(Delivery::EventBridge));
    origin().check_alarm(&ev).unwrap();
}

#[test]
fn sns_alarm_maps_region_name_and_reads_datapoints_from_the_reason() {
    let ev = one(&fixture("sns-alarm.json"));
    // The reason text lists the most recent datapoint first.
    assert_eq!(
        ev,
        AlarmStateChange {
            datapoints: vec![660.0, 640.0],
            ..demo_latency_alarm(Delivery::Sns)
        }
    );
    assert_eq!(breach(&ev), 150.0);
    origin().check_alarm(&ev).unwrap();
}

#[test]
fn one_state_change_has_one_dedup_key_across_delivery_paths() {
    let keys: Vec<String> = [
        "alarm-action-metric.json",
        "eventbridge-alarm-state-change.json",
        "sns-alarm.json",
    ]
    .iter()
    .map(|f| one(&fixture(f)).dedup_key())
    .collect();
    assert_eq!(
        keys[0],
        "sagescale-demo-latency-high#ALARM#2026-11-27T18:02:10.123Z"
    );
    assert!(keys.iter().all(|k| *k == keys[0]), "{keys:?}");
    // Another state change of the same alarm is another key.
    let other = one(&fixture("alarm-action-metric-no-reasondata.json"));
    assert_ne!(other.dedup_key(), keys[0]);
}

#[test]
fn sns_event_with_several_records_gives_one_change_per_record() {
    let mut payload = fixture("sns-alarm.json");
    let record = payload["Records"][0].clone();
    let mut second = record.clone();
    let mut msg: Value = serde_json::from_str(record["Sns"]["Message"].as_str().unwrap()).unwrap();
    msg["NewStateValue"] = json!("OK");
    msg["OldStateValue"] = json!("ALARM");
    msg["NewStateReason"] = json!(
        "Threshold Crossed: 1 out of the last 2 datapoints [420.0 (27/11/26 18:09:00)] was not greater than the threshold (500.0)"
    );
    msg["StateChangeTime"] = json!("2026-11-27T18:10:10.000+0000");
    second["Sns"]["Message"] = json!(msg.to_string());
    payload["Records"] = json!([record, second]);

    let changes = parse_alarm_event(&payload).unwrap();
    assert_eq!(changes.len(), 2);
    assert_eq!(changes[0].state, AlarmStateValue::Alarm);
    assert_eq!(changes[1].state, AlarmStateValue::Ok);
    assert_eq!(changes[1].previous_state, Some(AlarmStateValue::Alarm));
    assert_eq!(changes[1].datapoints, vec![420.0]);
    assert_eq!(
        changes[1].state_timestamp,
        Utc.with_ymd_and_hms(2026, 11, 27, 18, 10, 10).unwrap()
    );
}

// ---- good schedule fixtures ----

#[test]
fn eventbridge_scheduled_event_is_a_tick() {
    let ev = parse_schedule_event(&fixture("eventbridge-scheduled-event.json")).unwrap();
    assert_eq!(
        ev,
        ScheduleEvent::Tick {
            time: at("2026-11-27T18:05:00Z"),
            account: Some(ACCOUNT.into()),
            region: Some(REGION.into()),
        }
    );
    origin().check_schedule(&ev).unwrap();
    let elsewhere = Origin {
        region: "eu-west-1".into(),
        ..origin()
    };
    assert_eq!(
        elsewhere.check_schedule(&ev).unwrap_err().to_string(),
        "region us-east-1 (from region) is not this deployment's region eu-west-1"
    );
}

#[test]
fn scheduler_action() {
    let ev = parse_schedule_event(&fixture("scheduler-action.json")).unwrap();
    assert_eq!(
        ev,
        ScheduleEvent::Action {
            resource_id: "endpoint/demo-endpoint/variant/AllTraffic".into(),
            action_name: "friday-peak".into(),
            scheduled_time: Some(at("2026-11-27T23:00:00Z")),
        }
    );
    origin().check_schedule(&ev).unwrap();

    let without_time = json!({
        "ScheduledActionName": "friday-peak",
        "ResourceId": "inference-component/demo-ic"
    });
    assert_eq!(
        parse_schedule_event(&without_time).unwrap(),
        ScheduleEvent::Action {
            resource_id: "inference-component/demo-ic".into(),
            action_name: "friday-peak".into(),
            scheduled_time: None,
        }
    );
}

// ---- bad fixtures ----

fn malformed_path(err: &EventError) -> &str {
    match err {
        EventError::Malformed { path, .. } => path,
        other => panic!("expected Malformed, got {other:?}"),
    }
}

#[test]
fn unsubstituted_scheduler_placeholder_is_malformed() {
    let err = parse_schedule_event(&fixture("scheduler-action-unsubstituted.json")).unwrap_err();
    assert_eq!(malformed_path(&err), "ScheduledTime");
    assert_eq!(
        err.to_string(),
        "malformed event: `ScheduledTime`: `<aws.scheduler.scheduled-time>` was not replaced: \
         EventBridge Scheduler substitutes it only when a schedule invokes the function; omit \
         ScheduledTime when invoking by hand"
    );
}

#[test]
fn ec2_event_is_refused_by_both_functions() {
    let payload = fixture("foreign-source-ec2.json");
    let err = parse_alarm_event(&payload).unwrap_err();
    assert!(
        matches!(&err, EventError::UnsupportedSource { found, .. } if found == "source `aws.ec2`"),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "unsupported event: source `aws.ec2`; the alarm-scaler accepts CloudWatch alarm state \
         changes: a direct alarm action (source aws.cloudwatch with alarmData), an EventBridge \
         `CloudWatch Alarm State Change` event, or SNS alarm notifications (Records[].EventSource \
         aws:sns)"
    );
    let err = parse_schedule_event(&payload).unwrap_err();
    assert!(
        matches!(&err, EventError::UnsupportedSource { found, .. } if found == "source `aws.ec2`"),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("the schedule-scaler accepts"),
        "{err}"
    );
}

#[test]
fn foreign_account_is_rejected_by_the_origin_check() {
    let ev = one(&fixture("foreign-account.json"));
    let err = origin().check_alarm(&ev).unwrap_err();
    assert_eq!(
        err,
        EventError::ForeignAccount {
            found: "210987654321".into(),
            expected: ACCOUNT.into(),
            field: "accountId".into(),
        }
    );
    assert_eq!(
        err.to_string(),
        "account 210987654321 (from accountId) is not this deployment's account 123456789012"
    );
}

#[test]
fn malformed_reason_data_names_the_field() {
    let err = parse_alarm_event(&fixture("malformed-reasondata.json")).unwrap_err();
    assert_eq!(malformed_path(&err), "alarmData.state.reasonData");
    let msg = err.to_string();
    assert!(
        msg.starts_with(
            "malformed event: `alarmData.state.reasonData`: embedded text is not valid JSON: EOF while parsing"
        ),
        "{msg}"
    );
}

#[test]
fn sqs_record_is_refused_by_both_functions() {
    let payload = fixture("sqs-record.json");
    let err = parse_alarm_event(&payload).unwrap_err();
    assert!(
        matches!(&err, EventError::UnsupportedSource { found, .. } if found == "Records[0] with eventSource `aws:sqs`"),
        "{err:?}"
    );
    let err = parse_schedule_event(&payload).unwrap_err();
    assert!(
        matches!(&err, EventError::UnsupportedSource { found, .. } if found == "Records with eventSource `aws:sqs`"),
        "{err:?}"
    );
}

#[test]
fn a_json_array_is_malformed() {
    let payload = fixture("not-json-object.json");
    for err in [
        parse_alarm_event(&payload).unwrap_err(),
        parse_schedule_event(&payload).unwrap_err(),
    ] {
        assert_eq!(
            err.to_string(),
            "malformed event: `$`: expected a JSON object, got an array"
        );
    }
}

// ---- variations on the fixtures ----

#[test]
fn unknown_cloudwatch_detail_type_is_unsupported() {
    let mut payload = fixture("eventbridge-alarm-state-change.json");
    payload["detail-type"] = json!("CloudWatch Alarm Configuration Change");
    let err = parse_alarm_event(&payload).unwrap_err();
    assert!(
        matches!(&err, EventError::UnsupportedSource { found, .. }
            if found == "detail-type `CloudWatch Alarm Configuration Change` from source `aws.cloudwatch`"),
        "{err:?}"
    );
    // A scheduled rule's event sent to the alarm function, and an alarm to the schedule one.
    assert!(matches!(
        parse_alarm_event(&fixture("eventbridge-scheduled-event.json")),
        Err(EventError::UnsupportedSource { .. })
    ));
    assert!(matches!(
        parse_schedule_event(&fixture("alarm-action-metric.json")),
        Err(EventError::UnsupportedSource { .. })
    ));
    assert!(matches!(
        parse_alarm_event(&fixture("scheduler-action.json")),
        Err(EventError::UnsupportedSource { .. })
    ));
}

#[test]
fn missing_fields_name_their_path() {
    let mut payload = fixture("alarm-action-metric.json");
    payload["alarmData"]["state"]
        .as_object_mut()
        .unwrap()
        .remove("timestamp");
    let err = parse_alarm_event(&payload).unwrap_err();
    assert_eq!(malformed_path(&err), "alarmData.state");
    assert!(
        err.to_string().contains("missing field `timestamp`"),
        "{err}"
    );

    let mut payload = fixture("eventbridge-alarm-state-change.json");
    payload["detail"]["state"]["value"] = json!("BROKEN");
    let err = parse_alarm_event(&payload).unwrap_err();
    assert_eq!(malformed_path(&err), "detail.state.value");

    let mut payload = fixture("alarm-action-metric.json");
    payload.as_object_mut().unwrap().remove("alarmData");
    let err = parse_alarm_event(&payload).unwrap_err();
    assert_eq!(malformed_path(&err), "alarmData");

    let err = parse_schedule_event(&json!({"ScheduledActionName": "friday-peak"})).unwrap_err();
    assert_eq!(
        err.to_string(),
        "malformed event: `$`: missing field `ResourceId`"
    );
    let err = parse_schedule_event(&json!({
        "ScheduledActionName": "friday-peak",
        "ResourceId": "demo-endpoint"
    }))
    .unwrap_err();
    assert_eq!(malformed_path(&err), "ResourceId");
}

#[test]
fn sns_message_problems() {
    let mut payload = fixture("sns-alarm.json");
    payload["Records"][0]["Sns"]["Message"] = json!("Hello\r\nworld!");
    let err = parse_alarm_event(&payload).unwrap_err();
    assert_eq!(malformed_path(&err), "Records[0].Sns.Message");

    payload["Records"][0]["Sns"]["Message"] = json!(r#"{"Event":"s3:TestEvent"}"#);
    let err = parse_alarm_event(&payload).unwrap_err();
    assert!(
        matches!(err, EventError::UnsupportedSource { .. }),
        "{err:?}"
    );

    payload["Records"][0]["Sns"]["Message"] =
        json!(r#"{"AlarmName":"sagescale-demo-x","NewStateValue":"ALARM"}"#);
    let err = parse_alarm_event(&payload).unwrap_err();
    assert_eq!(
        malformed_path(&err),
        "Records[0].Sns.Message.StateChangeTime"
    );

    payload["Records"][0]["Sns"]["Message"] = json!(
        r#"{"AlarmName":"sagescale-demo-x","NewStateValue":"ALARM","StateChangeTime":"2026-11-27T18:02:10.123+0000","Trigger":{"Threshold":"high"}}"#
    );
    let err = parse_alarm_event(&payload).unwrap_err();
    assert_eq!(
        malformed_path(&err),
        "Records[0].Sns.Message.Trigger.Threshold"
    );
}

#[test]
fn origin_checks_region_arn_and_prefix() {
    let ev = one(&fixture("sns-alarm.json"));
    let eu = Origin {
        region: "eu-west-1".into(),
        ..origin()
    };
    assert_eq!(
        eu.check_alarm(&ev).unwrap_err(),
        EventError::ForeignRegion {
            found: REGION.into(),
            expected: "eu-west-1".into(),
            field: "Sns.Message.Region".into(),
        }
    );

    // The account in the alarm ARN counts even when the account field agrees.
    let mut payload = fixture("eventbridge-alarm-state-change.json");
    payload["resources"] =
        json!(["arn:aws:cloudwatch:us-east-1:210987654321:alarm:sagescale-demo-latency-high"]);
    let err = origin().check_alarm(&one(&payload)).unwrap_err();
    assert!(
        matches!(&err, EventError::ForeignAccount { field, .. } if field == "the alarm ARN"),
        "{err:?}"
    );

    // An SNS region name this build does not know fails closed.
    let mut payload = fixture("sns-alarm.json");
    let mut msg: Value =
        serde_json::from_str(payload["Records"][0]["Sns"]["Message"].as_str().unwrap()).unwrap();
    msg.as_object_mut().unwrap().remove("AlarmArn");
    msg["Region"] = json!("Atlantis (Central)");
    payload["Records"][0]["Sns"]["Message"] = json!(msg.to_string());
    let err = origin().check_alarm(&one(&payload)).unwrap_err();
    assert!(
        matches!(&err, EventError::ForeignRegion { found, .. } if found == "Atlantis (Central)"),
        "{err:?}"
    );

    let strict = Origin {
        alarm_prefix: Some("prod-".into()),
        ..origin()
    };
    let err = strict
        .check_alarm(&one(&fixture("alarm-action-metric.json")))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "alarm `sagescale-demo-latency-high` does not start with the allowed prefix `prod-`"
    );
    let open = Origin {
        alarm_prefix: None,
        ..origin()
    };
    open.check_alarm(&one(&fixture("alarm-action-metric.json")))
        .unwrap();
}
