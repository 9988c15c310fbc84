//! One CloudWatch Embedded Metric Format line per decision, written to stdout: Lambda ships it
//! to CloudWatch Logs and CloudWatch extracts the metrics, with no PutMetricData call.

use chrono::{DateTime, Utc};
use serde_json::json;

use crate::scaler::Outcome;

pub const NAMESPACE: &str = "sagescale";

/// The EMF document for one target's outcome.
pub fn decision_line(
    resource_id: &str,
    trigger: &str,
    previous: Option<i32>,
    outcome: &Outcome,
    now: DateTime<Utc>,
) -> serde_json::Value {
    let (kind, desired, reason) = match outcome {
        Outcome::Unchanged => ("Unchanged", None, None),
        Outcome::StateRecorded => ("StateRecorded", None, None),
        Outcome::NotScaled { previous, .. } => ("NotScaled", Some(*previous), None),
        Outcome::Scaled { desired, .. } => ("Scaled", Some(*desired), None),
        Outcome::DryRun { desired, .. } => ("DryRun", Some(*desired), None),
        Outcome::Deferred { reason, .. } => ("Deferred", None, Some(reason.as_str())),
        Outcome::Unfulfilled { reason, .. } => ("Unfulfilled", None, Some(reason.as_str())),
        Outcome::Failed { reason, .. } => ("Failed", None, Some(reason.as_str())),
    };
    let mut metrics = vec![json!({"Name": "Decisions", "Unit": "Count"})];
    let mut doc = json!({
        "ResourceId": resource_id,
        "Trigger": trigger,
        "Outcome": kind,
        "Decisions": 1,
    });
    if let Some(d) = desired {
        metrics.push(json!({"Name": "DesiredCapacity", "Unit": "Count"}));
        doc["DesiredCapacity"] = json!(d);
    }
    if let Some(p) = previous {
        metrics.push(json!({"Name": "PreviousCapacity", "Unit": "Count"}));
        doc["PreviousCapacity"] = json!(p);
    }
    if let Some(r) = reason {
        doc["Reason"] = json!(r);
    }
    doc["_aws"] = json!({
        "Timestamp": now.timestamp_millis(),
        "CloudWatchMetrics": [{
            "Namespace": NAMESPACE,
            "Dimensions": [["ResourceId", "Outcome"]],
            "Metrics": metrics,
        }]
    });
    doc
}

/// Print the line (stdout is the function's log stream).
pub fn emit(line: &serde_json::Value) {
    println!("{line}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scaled_decision_carries_desired_previous_and_metric_directives() {
        let now = DateTime::parse_from_rfc3339("2026-11-27T18:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let l = decision_line(
            "endpoint/e/variant/v",
            "alarm:a",
            Some(2),
            &Outcome::Scaled {
                activity_id: "x".into(),
                previous: 2,
                desired: 4,
            },
            now,
        );
        assert_eq!(l["DesiredCapacity"], 4);
        assert_eq!(l["PreviousCapacity"], 2);
        assert_eq!(l["Outcome"], "Scaled");
        assert_eq!(l["_aws"]["Timestamp"], now.timestamp_millis());
        let names: Vec<&str> = l["_aws"]["CloudWatchMetrics"][0]["Metrics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["Name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["Decisions", "DesiredCapacity", "PreviousCapacity"]);
    }
}
