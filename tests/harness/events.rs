//! Literal event payloads, shaped as AWS delivers them to Lambda, for tests and `make demo`.

use serde_json::{Value, json};

use crate::{ACCOUNT_ID, REGION};

/// A direct CloudWatch alarm action (the alarm's action is the function), at `ts` (CloudWatch's
/// `2026-11-27T18:02:10.123+0000` form). `reasonData` carries the threshold and datapoints.
pub fn alarm_action(
    name: &str,
    state: &str,
    threshold: f64,
    datapoints: &[f64],
    ts: &str,
) -> Value {
    let reason_data = json!({
        "version": "1.0",
        "queryDate": ts,
        "statistic": "Average",
        "period": 60,
        "recentDatapoints": datapoints,
        "threshold": threshold,
    });
    let previous = if state == "ALARM" { "OK" } else { "ALARM" };
    json!({
        "source": "aws.cloudwatch",
        "alarmArn": format!("arn:aws:cloudwatch:{REGION}:{ACCOUNT_ID}:alarm:{name}"),
        "accountId": ACCOUNT_ID,
        "time": ts,
        "region": REGION,
        "alarmData": {
            "alarmName": name,
            "state": {
                "value": state,
                "reason": "Threshold Crossed",
                "reasonData": reason_data.to_string(),
                "timestamp": ts,
            },
            "previousState": {"value": previous, "reason": "", "timestamp": ts},
            "configuration": {"description": "", "metrics": []}
        }
    })
}

/// The EventBridge scheduled event of the `rate(1 minute)` rule; `time` (RFC 3339) is the
/// minute it is for.
pub fn tick(time: &str, account: &str) -> Value {
    json!({
        "version": "0",
        "id": "9d2c6b1e-4f3a-4b8c-a7e2-5d1f0c9b8a36",
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": account,
        "time": time,
        "region": REGION,
        "resources": [format!("arn:aws:events:{REGION}:{account}:rule/sagescale-reconcile")],
        "detail": {}
    })
}
