//! Parse, authenticate and normalise the events the two Lambda functions accept (DESIGN §4, §6).
//!
//! `alarm-scaler` accepts a CloudWatch alarm state change in any of three deliveries, all
//! normalised to [`AlarmStateChange`] by [`parse_alarm_event`]:
//!
//! - **direct alarm action** (the alarm invokes the function): `source: aws.cloudwatch`,
//!   `alarmArn`, `accountId`, `region`, `time`, `alarmData {alarmName, state, previousState,
//!   configuration}`; `state.reasonData` is a JSON *string* holding `threshold` and
//!   `recentDatapoints` (absent for some transitions; composite alarms carry
//!   `triggeringAlarms` and no datapoints);
//! - **EventBridge** `detail-type: CloudWatch Alarm State Change`: the same `alarmData` under
//!   `detail`, with `account`, `region` and `resources: [alarm ARN]` on the envelope;
//! - **SNS**: `Records[].Sns.Message` is a JSON string (`AlarmName`, `AWSAccountId`, `Region` as a
//!   human name such as `US East (N. Virginia)`, `AlarmArn`, `NewStateValue`, `NewStateReason`,
//!   `StateChangeTime`, `OldStateValue`, `Trigger {Threshold, ...}`). SNS carries no datapoint
//!   array; the values quoted in `NewStateReason` (`... datapoints [85.2 (27/11/26 18:00:00)] was
//!   greater than ...`) are used when they can be read, otherwise there are none.
//!
//! `schedule-scaler` accepts, via [`parse_schedule_event`]:
//!
//! - an **EventBridge scheduled rule** (`detail-type: Scheduled Event`, `source: aws.events`):
//!   the one-minute reconcile pass, [`ScheduleEvent::Tick`];
//! - an **EventBridge Scheduler** invocation of one named scheduled action,
//!   [`ScheduleEvent::Action`]. The schedule's target `Input` is this JSON object (sagescale
//!   creates it; unknown keys are ignored):
//!
//!   ```json
//!   {
//!     "ScheduledActionName": "friday-peak",
//!     "ResourceId": "endpoint/demo-endpoint/variant/AllTraffic",
//!     "ScheduledTime": "<aws.scheduler.scheduled-time>"
//!   }
//!   ```
//!
//!   `ScheduledTime` is optional; when present it must be RFC 3339. EventBridge Scheduler
//!   replaces the context attribute `<aws.scheduler.scheduled-time>` with the time the schedule
//!   was due (e.g. `2022-03-22T18:59:43Z`), which lets the handler fire each occurrence once
//!   even when Scheduler retries. A placeholder that reaches the function unreplaced (a manual
//!   test invocation) is rejected as malformed: omit the key instead.
//!
//! Authentication ([`Origin`]): events whose source is not one of the above, whose account or
//! region (from the envelope or from the alarm ARN) is not this deployment's, or whose alarm
//! name is outside the allowed prefix are rejected with an [`EventError`] before anything is
//! read or written. Invocation of the function itself is authorised by its resource policy; a
//! Scheduler input carries no account or region and is accepted as is.
//!
//! Parsing is cheap: the payload the runtime already holds as a `serde_json::Value` is read by
//! reference through `aws_lambda_events`' types (`CloudWatchAlarm`, `CloudWatchAlarmData`,
//! `EventBridgeEvent`, `SnsEvent`); only the embedded JSON strings (`reasonData`, SNS
//! `Message`) are parsed again, into small local structs with the few fields needed
//! (`aws_lambda_events`' own reason-data type silently falls back to an opaque value on bad
//! JSON, which would hide a malformed event).

mod alarm;
mod arn;
mod reason;
mod region;
mod schedule;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use serde_json::Value;

pub use alarm::parse_alarm_event;
pub use region::region_code_from_name;
pub use schedule::parse_schedule_event;

/// A CloudWatch alarm state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AlarmStateValue {
    Ok,
    Alarm,
    InsufficientData,
}

impl AlarmStateValue {
    /// CloudWatch's spelling: `OK`, `ALARM`, `INSUFFICIENT_DATA`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "OK",
            Self::Alarm => "ALARM",
            Self::InsufficientData => "INSUFFICIENT_DATA",
        }
    }

    /// Parses CloudWatch's spelling (exact, as every delivery path uses it).
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "OK" => Some(Self::Ok),
            "ALARM" => Some(Self::Alarm),
            "INSUFFICIENT_DATA" => Some(Self::InsufficientData),
            _ => None,
        }
    }
}

impl std::fmt::Display for AlarmStateValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How an alarm state change reached the function.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Delivery {
    /// The alarm invoked the function directly (Lambda alarm action).
    AlarmAction,
    /// An EventBridge rule matched `CloudWatch Alarm State Change`.
    EventBridge,
    /// An SNS topic the alarm notifies.
    Sns,
}

/// One alarm state change, whatever the delivery path.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AlarmStateChange {
    pub alarm_name: String,
    pub alarm_arn: Option<String>,
    /// The alarm's account, from the event or else from the alarm ARN.
    pub account: Option<String>,
    /// Region code (`us-east-1`), from the event (SNS's human name is mapped) or the alarm ARN.
    pub region: Option<String>,
    pub state: AlarmStateValue,
    pub previous_state: Option<AlarmStateValue>,
    /// When the alarm entered `state` (CloudWatch's state timestamp, not the delivery time).
    pub state_timestamp: DateTime<Utc>,
    /// The alarm threshold, from `reasonData.threshold` or SNS `Trigger.Threshold`.
    pub threshold: Option<f64>,
    /// The alarm's recent datapoints (reasonData `recentDatapoints`, or the values quoted in
    /// SNS's `NewStateReason`); empty when the event carries none (composite alarms, missing
    /// reasonData, unreadable reason text).
    pub datapoints: Vec<f64>,
    /// A composite alarm (its configuration has an alarm rule; it has no datapoints).
    pub composite: bool,
    pub delivery: Delivery,
}

impl AlarmStateChange {
    /// Identifies the state change, not the delivery: duplicate deliveries of one change, by
    /// the same path or by different ones, give the same key (`name#STATE#timestamp-ms`).
    pub fn dedup_key(&self) -> String {
        format!(
            "{}#{}#{}",
            self.alarm_name,
            self.state.as_str(),
            self.state_timestamp
                .to_rfc3339_opts(SecondsFormat::Millis, true)
        )
    }
}

/// What the schedule-scaler was invoked for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum ScheduleEvent {
    /// The EventBridge `rate(1 minute)` rule: run the reconcile pass.
    Tick {
        time: DateTime<Utc>,
        account: Option<String>,
        region: Option<String>,
    },
    /// EventBridge Scheduler fired one named scheduled action of one target.
    Action {
        resource_id: String,
        action_name: String,
        scheduled_time: Option<DateTime<Utc>>,
    },
}

/// Why an event was refused. Messages name what was wrong and where, for an operator reading
/// the function's log; none of these has a side effect.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EventError {
    /// The event has an accepted shape but a field is missing, of the wrong type, or holds
    /// invalid embedded JSON.
    #[error("malformed event: `{path}`: {reason}")]
    Malformed { path: String, reason: String },
    /// The event is not one this function accepts (another AWS service, another detail-type).
    #[error("unsupported event: {found}; {expected}")]
    UnsupportedSource { found: String, expected: String },
    /// The event (or its alarm ARN) belongs to another AWS account.
    #[error("account {found} (from {field}) is not this deployment's account {expected}")]
    ForeignAccount {
        found: String,
        expected: String,
        field: String,
    },
    /// The event (or its alarm ARN) belongs to another region.
    #[error("region {found} (from {field}) is not this deployment's region {expected}")]
    ForeignRegion {
        found: String,
        expected: String,
        field: String,
    },
    /// The alarm's name is outside the deployment's allowed prefix.
    #[error("alarm `{alarm_name}` does not start with the allowed prefix `{prefix}`")]
    AlarmNotAllowed { alarm_name: String, prefix: String },
}

impl EventError {
    pub(crate) fn unsupported(found: impl Into<String>, expected: &str) -> Self {
        Self::UnsupportedSource {
            found: found.into(),
            expected: expected.to_owned(),
        }
    }

    pub(crate) fn malformed(path: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::Malformed {
            path: path.into(),
            reason: reason.into(),
        }
    }
}

/// The deployment the functions belong to: events from elsewhere are refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin {
    pub account: String,
    pub region: String,
    /// When set, only alarms whose name starts with it may drive scaling
    /// (`SAGESCALE_ALLOWED_ALARM_PREFIX`).
    pub alarm_prefix: Option<String>,
}

impl Origin {
    /// Accepts the alarm change only if its account and region (from the event and from the
    /// alarm ARN, where present) are this deployment's and its name has the allowed prefix.
    pub fn check_alarm(&self, ev: &AlarmStateChange) -> Result<(), EventError> {
        let field = match ev.delivery {
            Delivery::AlarmAction => ("accountId", "region"),
            Delivery::EventBridge => ("account", "region"),
            Delivery::Sns => ("Sns.Message.AWSAccountId", "Sns.Message.Region"),
        };
        if let Some(account) = &ev.account {
            self.check_account(account, field.0)?;
        }
        if let Some(region) = &ev.region {
            self.check_region(region, field.1)?;
        }
        if let Some(parts) = ev.alarm_arn.as_deref().and_then(arn::Arn::parse) {
            self.check_account(parts.account, "the alarm ARN")?;
            self.check_region(parts.region, "the alarm ARN")?;
        }
        match &self.alarm_prefix {
            Some(prefix) if !ev.alarm_name.starts_with(prefix.as_str()) => {
                Err(EventError::AlarmNotAllowed {
                    alarm_name: ev.alarm_name.clone(),
                    prefix: prefix.clone(),
                })
            }
            _ => Ok(()),
        }
    }

    /// Accepts a tick from this deployment's account and region. A Scheduler action carries
    /// neither (the function's resource policy authorises Scheduler) and is accepted.
    pub fn check_schedule(&self, ev: &ScheduleEvent) -> Result<(), EventError> {
        if let ScheduleEvent::Tick {
            account, region, ..
        } = ev
        {
            if let Some(account) = account {
                self.check_account(account, "account")?;
            }
            if let Some(region) = region {
                self.check_region(region, "region")?;
            }
        }
        Ok(())
    }

    fn check_account(&self, found: &str, field: &str) -> Result<(), EventError> {
        same(found, &self.account, field, |found, expected, field| {
            EventError::ForeignAccount {
                found,
                expected,
                field,
            }
        })
    }

    fn check_region(&self, found: &str, field: &str) -> Result<(), EventError> {
        same(found, &self.region, field, |found, expected, field| {
            EventError::ForeignRegion {
                found,
                expected,
                field,
            }
        })
    }
}

fn same(
    found: &str,
    expected: &str,
    field: &str,
    err: fn(String, String, String) -> EventError,
) -> Result<(), EventError> {
    if found == expected {
        Ok(())
    } else {
        Err(err(found.to_owned(), expected.to_owned(), field.to_owned()))
    }
}

/// Requires the event's `source` to be `wanted`; `absent` describes an event without one.
pub(crate) fn require_source(
    obj: &serde_json::Map<String, Value>,
    wanted: &str,
    expected: &str,
    absent: &str,
) -> Result<(), EventError> {
    match obj.get("source") {
        Some(Value::String(s)) if s == wanted => Ok(()),
        Some(Value::String(other)) => Err(EventError::unsupported(
            format!("source `{other}`"),
            expected,
        )),
        Some(s) => Err(EventError::malformed(
            "source",
            format!("expected a string, got {}", kind(s)),
        )),
        None => Err(EventError::unsupported(absent, expected)),
    }
}

/// `Value`'s kind, for messages.
pub(crate) fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The payload as a JSON object: every accepted event is one.
pub(crate) fn object(payload: &Value) -> Result<&serde_json::Map<String, Value>, EventError> {
    payload.as_object().ok_or_else(|| {
        EventError::malformed(
            "$",
            format!("expected a JSON object, got {}", kind(payload)),
        )
    })
}

/// A Lambda event record's source (`EventSource` for SNS, `eventSource` for SQS, S3, ...).
pub(crate) fn record_source(rec: &Value) -> Option<&str> {
    rec.get("EventSource")
        .or_else(|| rec.get("eventSource"))
        .and_then(Value::as_str)
}

/// Deserialises `T` from a borrowed `Value`, reporting the failing field's path under `base`.
pub(crate) fn from_value<'a, T: serde::Deserialize<'a>>(
    v: &'a Value,
    base: &str,
) -> Result<T, EventError> {
    serde_path_to_error::deserialize(v).map_err(|e| path_error(base, e))
}

/// Deserialises `T` from embedded JSON text (`reasonData`, SNS `Message`) at `base`.
pub(crate) fn from_json_text<'a, T: serde::Deserialize<'a>>(
    text: &'a str,
    base: &str,
) -> Result<T, EventError> {
    let de = &mut serde_json::Deserializer::from_str(text);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let inner = e.inner();
        if inner.is_syntax() || inner.is_eof() {
            EventError::malformed(base, format!("embedded text is not valid JSON: {inner}"))
        } else {
            path_error(base, e)
        }
    })
}

fn path_error(base: &str, e: serde_path_to_error::Error<serde_json::Error>) -> EventError {
    let path = e.path().to_string();
    let full = match (base, path.as_str()) {
        ("", ".") => "$".to_owned(),
        (b, ".") => b.to_owned(),
        ("", p) => p.to_owned(),
        (b, p) => format!("{b}.{p}"),
    };
    EventError::malformed(full, e.into_inner().to_string())
}
