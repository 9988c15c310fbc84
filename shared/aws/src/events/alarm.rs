//! The three alarm deliveries: direct alarm action, EventBridge, SNS.

use aws_lambda_events::cloudwatch_alarms::{
    CloudWatchAlarm, CloudWatchAlarmData, CloudWatchAlarmStateValue,
};
use aws_lambda_events::eventbridge::EventBridgeEvent;
use aws_lambda_events::sns::SnsEvent;
use chrono::{DateTime, FixedOffset, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::arn::Arn;
use super::reason::datapoints_from_reason;
use super::region::region_code_from_name;
use super::{
    AlarmStateChange, AlarmStateValue, Delivery, EventError, from_json_text, from_value, kind,
    object, record_source, require_source,
};

const EXPECTED: &str = "the alarm-scaler accepts CloudWatch alarm state changes: a direct alarm \
    action (source aws.cloudwatch with alarmData), an EventBridge `CloudWatch Alarm State Change` \
    event, or SNS alarm notifications (Records[].EventSource aws:sns)";

const ALARM_STATE_CHANGE: &str = "CloudWatch Alarm State Change";

/// Only what sagescale needs from `alarmData.configuration`: composite alarms have a rule.
#[derive(Default, Deserialize, Serialize)]
struct ConfigProbe {
    #[serde(default, rename = "alarmRule")]
    alarm_rule: Option<String>,
}

/// `alarmData` with `reasonData` kept as the JSON text it is (parsed by [`ReasonData`]).
type AlarmData = CloudWatchAlarmData<ConfigProbe, String>;

/// The fields of `state.reasonData` sagescale uses (metric alarms; composite alarms carry
/// `triggeringAlarms` instead, which reads as neither).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ReasonData {
    #[serde(default)]
    threshold: Option<f64>,
    #[serde(default)]
    recent_datapoints: Vec<f64>,
}

/// The fields of an SNS alarm notification's `Message` sagescale uses. All optional so that a
/// message that is not an alarm notification is told apart from a broken one.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct SnsAlarmMessage {
    alarm_name: Option<String>,
    #[serde(rename = "AWSAccountId")]
    aws_account_id: Option<String>,
    region: Option<String>,
    alarm_arn: Option<String>,
    new_state_value: Option<String>,
    new_state_reason: Option<String>,
    state_change_time: Option<String>,
    old_state_value: Option<String>,
    trigger: Option<SnsTrigger>,
    alarm_rule: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct SnsTrigger {
    threshold: Option<f64>,
}

/// Parses an alarm-scaler event: one state change for an alarm action or EventBridge event,
/// one per record for SNS. Nothing is returned unless every record is valid.
pub fn parse_alarm_event(payload: &Value) -> Result<Vec<AlarmStateChange>, EventError> {
    let obj = object(payload)?;
    if let Some(records) = obj.get("Records") {
        return parse_sns(payload, records);
    }
    require_source(
        obj,
        "aws.cloudwatch",
        EXPECTED,
        "an event with neither `source` nor `Records`",
    )?;
    match obj.get("detail-type") {
        None => parse_alarm_action(payload),
        Some(dt) => match dt.as_str() {
            Some(ALARM_STATE_CHANGE) => parse_eventbridge(payload),
            Some(other) => Err(unsupported(format!(
                "detail-type `{other}` from source `aws.cloudwatch`"
            ))),
            None => Err(EventError::malformed(
                "detail-type",
                format!("expected a string, got {}", kind(dt)),
            )),
        },
    }
}

fn unsupported(found: String) -> EventError {
    EventError::unsupported(found, EXPECTED)
}

fn parse_alarm_action(payload: &Value) -> Result<Vec<AlarmStateChange>, EventError> {
    if payload.get("alarmData").is_none() {
        return Err(EventError::malformed(
            "alarmData",
            "missing: an alarm action event carries the alarm under `alarmData`",
        ));
    }
    let ev: CloudWatchAlarm<ConfigProbe, String> = from_value(payload, "")?;
    let change = normalise(
        ev.alarm_data,
        "alarmData",
        ev.alarm_arn,
        ev.account_id,
        ev.region,
        Delivery::AlarmAction,
    )?;
    Ok(vec![change])
}

fn parse_eventbridge(payload: &Value) -> Result<Vec<AlarmStateChange>, EventError> {
    let ev: EventBridgeEvent<AlarmData> = from_value(payload, "")?;
    // `resources` holds the alarm ARN.
    let arn = ev
        .resources
        .unwrap_or_default()
        .into_iter()
        .find(|r| Arn::parse(r).and_then(|a| a.alarm_name()).is_some());
    let change = normalise(
        ev.detail,
        "detail",
        arn,
        ev.account,
        ev.region,
        Delivery::EventBridge,
    )?;
    Ok(vec![change])
}

/// Common to the two deliveries that carry `alarmData`.
fn normalise(
    data: AlarmData,
    base: &str,
    alarm_arn: Option<String>,
    account: Option<String>,
    region: Option<String>,
    delivery: Delivery,
) -> Result<AlarmStateChange, EventError> {
    if data.alarm_name.is_empty() {
        return Err(EventError::malformed(format!("{base}.alarmName"), "empty"));
    }
    let state = data
        .state
        .ok_or_else(|| EventError::malformed(format!("{base}.state"), "missing"))?;
    let value = state_from_lib(&state.value, &format!("{base}.state.value"))?;
    let previous_state = match &data.previous_state {
        Some(p) => Some(state_from_lib(
            &p.value,
            &format!("{base}.previousState.value"),
        )?),
        None => None,
    };
    let (threshold, datapoints) = match &state.reason_data {
        Some(text) => {
            let rd: ReasonData = from_json_text(text, &format!("{base}.state.reasonData"))?;
            (rd.threshold, rd.recent_datapoints)
        }
        None => (None, Vec::new()),
    };
    let composite = data.configuration.alarm_rule.is_some();
    let (account, region) = fill_from_arn(account, region, alarm_arn.as_deref());
    Ok(AlarmStateChange {
        alarm_name: data.alarm_name,
        alarm_arn,
        account,
        region,
        state: value,
        previous_state,
        state_timestamp: state.timestamp,
        threshold,
        datapoints: if composite { Vec::new() } else { datapoints },
        composite,
        delivery,
    })
}

fn state_from_lib(
    v: &CloudWatchAlarmStateValue,
    path: &str,
) -> Result<AlarmStateValue, EventError> {
    match v {
        CloudWatchAlarmStateValue::Ok => Ok(AlarmStateValue::Ok),
        CloudWatchAlarmStateValue::Alarm => Ok(AlarmStateValue::Alarm),
        CloudWatchAlarmStateValue::InsufficientData => Ok(AlarmStateValue::InsufficientData),
        other => Err(EventError::malformed(
            path,
            format!("unknown alarm state {other:?}"),
        )),
    }
}

fn state_from_str(s: &str, path: &str) -> Result<AlarmStateValue, EventError> {
    AlarmStateValue::parse(s).ok_or_else(|| {
        EventError::malformed(
            path,
            format!("unknown alarm state `{s}` (expected OK, ALARM or INSUFFICIENT_DATA)"),
        )
    })
}

/// Account and region from the event where it has them, else from the alarm ARN.
fn fill_from_arn(
    account: Option<String>,
    region: Option<String>,
    arn: Option<&str>,
) -> (Option<String>, Option<String>) {
    let parsed = arn.and_then(Arn::parse);
    let account = account
        .filter(|a| !a.is_empty())
        .or_else(|| parsed.map(|a| a.account.to_owned()));
    let region = region
        .filter(|r| !r.is_empty())
        .or_else(|| parsed.map(|a| a.region.to_owned()));
    (account, region)
}

fn parse_sns(payload: &Value, records: &Value) -> Result<Vec<AlarmStateChange>, EventError> {
    let list = records.as_array().ok_or_else(|| {
        EventError::malformed(
            "Records",
            format!("expected an array, got {}", kind(records)),
        )
    })?;
    if list.is_empty() {
        return Err(EventError::malformed("Records", "empty"));
    }
    for (i, rec) in list.iter().enumerate() {
        match record_source(rec) {
            Some("aws:sns") => {}
            Some(other) => {
                return Err(unsupported(format!(
                    "Records[{i}] with eventSource `{other}`"
                )));
            }
            None => {
                return Err(unsupported(format!("Records[{i}] without an event source")));
            }
        }
    }
    let ev: SnsEvent = from_value(payload, "")?;
    ev.records
        .iter()
        .enumerate()
        .map(|(i, rec)| parse_sns_message(&rec.sns.message, &format!("Records[{i}].Sns.Message")))
        .collect()
}

fn parse_sns_message(text: &str, base: &str) -> Result<AlarmStateChange, EventError> {
    let msg: SnsAlarmMessage = from_json_text(text, base)?;
    let Some(alarm_name) = msg.alarm_name.filter(|n| !n.is_empty()) else {
        return Err(unsupported(format!(
            "SNS message at `{base}` that is not a CloudWatch alarm notification (no AlarmName)"
        )));
    };
    let required = |v: Option<String>, field: &str| {
        v.ok_or_else(|| EventError::malformed(format!("{base}.{field}"), "missing"))
    };
    let state = state_from_str(
        &required(msg.new_state_value, "NewStateValue")?,
        &format!("{base}.NewStateValue"),
    )?;
    let previous_state = match &msg.old_state_value {
        Some(s) => Some(state_from_str(s, &format!("{base}.OldStateValue"))?),
        None => None,
    };
    let time_text = required(msg.state_change_time, "StateChangeTime")?;
    let state_timestamp = time_text
        .parse::<DateTime<FixedOffset>>()
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| {
            EventError::malformed(
                format!("{base}.StateChangeTime"),
                format!("`{time_text}` is not a timestamp: {e}"),
            )
        })?;
    let composite = msg.alarm_rule.is_some();
    let datapoints = match (&msg.new_state_reason, composite) {
        (Some(reason), false) => datapoints_from_reason(reason),
        _ => Vec::new(),
    };
    // SNS names the region in words; a name this build does not know is kept as written so
    // that the origin check fails closed rather than skipping the region.
    let arn_parts = msg.alarm_arn.as_deref().and_then(Arn::parse);
    let region = match msg.region.as_deref() {
        Some(name) => match region_code_from_name(name) {
            Some(code) => Some(code.to_owned()),
            None => arn_parts
                .map(|a| a.region.to_owned())
                .or_else(|| Some(name.to_owned())),
        },
        None => None,
    };
    let (account, region) = fill_from_arn(msg.aws_account_id, region, msg.alarm_arn.as_deref());
    Ok(AlarmStateChange {
        alarm_name,
        alarm_arn: msg.alarm_arn,
        account,
        region,
        state,
        previous_state,
        state_timestamp,
        threshold: msg.trigger.and_then(|t| t.threshold),
        datapoints,
        composite,
        delivery: Delivery::Sns,
    })
}
