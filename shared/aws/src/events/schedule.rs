//! The schedule-scaler's events: the EventBridge one-minute rule and EventBridge Scheduler
//! invocations of named scheduled actions.

use aws_lambda_events::eventbridge::EventBridgeEvent;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::Value;

use super::arn::Arn;
use super::{EventError, ScheduleEvent, from_value, object, record_source, require_source};

const EXPECTED: &str = "the schedule-scaler accepts an EventBridge `Scheduled Event` (source \
    aws.events) or an EventBridge Scheduler input naming a scheduled action \
    ({\"ScheduledActionName\", \"ResourceId\", optional \"ScheduledTime\"})";

const SCHEDULED_EVENT: &str = "Scheduled Event";

/// The EventBridge Scheduler target input sagescale configures for one scheduled action.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct SchedulerInput {
    scheduled_action_name: String,
    resource_id: String,
    #[serde(default)]
    scheduled_time: Option<String>,
}

/// Parses a schedule-scaler event.
pub fn parse_schedule_event(payload: &Value) -> Result<ScheduleEvent, EventError> {
    let obj = object(payload)?;
    if obj.contains_key("ScheduledActionName") {
        return parse_action(payload);
    }
    if let Some(records) = obj.get("Records") {
        let first = records.get(0).and_then(record_source).unwrap_or("unknown");
        return Err(unsupported(format!("Records with eventSource `{first}`")));
    }
    require_source(
        obj,
        "aws.events",
        EXPECTED,
        "an event with neither `source` nor `ScheduledActionName`",
    )?;
    match obj.get("detail-type").and_then(Value::as_str) {
        Some(SCHEDULED_EVENT) => {}
        Some(other) => {
            return Err(unsupported(format!(
                "detail-type `{other}` from source `aws.events`"
            )));
        }
        None => {
            return Err(EventError::malformed(
                "detail-type",
                "missing or not a string",
            ));
        }
    }
    let ev: EventBridgeEvent<Value> = from_value(payload, "")?;
    let time = ev
        .time
        .ok_or_else(|| EventError::malformed("time", "missing"))?;
    // The rule ARN in `resources` names the account and region too.
    let rule = ev
        .resources
        .as_deref()
        .and_then(|r| r.iter().find_map(|a| Arn::parse(a)));
    let account = ev.account.or_else(|| rule.map(|a| a.account.to_owned()));
    let region = ev.region.or_else(|| rule.map(|a| a.region.to_owned()));
    Ok(ScheduleEvent::Tick {
        time,
        account,
        region,
    })
}

fn unsupported(found: String) -> EventError {
    EventError::unsupported(found, EXPECTED)
}

fn parse_action(payload: &Value) -> Result<ScheduleEvent, EventError> {
    let input: SchedulerInput = from_value(payload, "")?;
    if input.scheduled_action_name.trim().is_empty() {
        return Err(EventError::malformed("ScheduledActionName", "empty"));
    }
    if !valid_resource_id(&input.resource_id) {
        return Err(EventError::malformed(
            "ResourceId",
            format!(
                "`{}` is not a SageMaker resource id (expected endpoint/<endpoint>/variant/<variant> \
                 or inference-component/<name>)",
                input.resource_id
            ),
        ));
    }
    let scheduled_time = match input.scheduled_time.as_deref() {
        None => None,
        Some(t) if t.starts_with("<aws.scheduler.") => {
            return Err(EventError::malformed(
                "ScheduledTime",
                format!(
                    "`{t}` was not replaced: EventBridge Scheduler substitutes it only when a \
                     schedule invokes the function; omit ScheduledTime when invoking by hand"
                ),
            ));
        }
        Some(t) => Some(
            DateTime::parse_from_rfc3339(t)
                .map(|d| d.with_timezone(&Utc))
                .map_err(|e| {
                    EventError::malformed(
                        "ScheduledTime",
                        format!("`{t}` is not an RFC 3339 time: {e}"),
                    )
                })?,
        ),
    };
    Ok(ScheduleEvent::Action {
        resource_id: input.resource_id,
        action_name: input.scheduled_action_name,
        scheduled_time,
    })
}

/// `endpoint/<name>/variant/<variant>` or `inference-component/<name>`, names non-empty.
fn valid_resource_id(id: &str) -> bool {
    let parts: Vec<&str> = id.split('/').collect();
    let named = |p: &[&str]| p.iter().all(|s| !s.is_empty());
    match parts.as_slice() {
        ["endpoint", e, "variant", v] => named(&[e, v]),
        ["inference-component", c] => named(&[c]),
        _ => false,
    }
}
