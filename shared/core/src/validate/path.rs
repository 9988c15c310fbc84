//! Where a problem is, written the way a user reads a document:
//! `ScalableTargets[0] (endpoint/my-ep/variant/AllTraffic) > ScalingPolicies[1] (latency-steps)
//! > StepScalingPolicyConfiguration.StepAdjustments[2].MetricIntervalLowerBound`.
//!
//! Targets, policies and scheduled actions are *scopes*: they carry their name in parentheses
//! (indexes alone are hard to find in a long file) and are separated by ` > `; fields inside a
//! scope are joined with dots.

use std::fmt;

const SCOPE_SEPARATOR: &str = " > ";

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Path(String);

impl Path {
    /// The document itself.
    pub fn root() -> Path {
        Path::default()
    }

    pub fn field(&self, name: &str) -> Path {
        let mut text = self.0.clone();
        if !text.is_empty() && !text.ends_with(SCOPE_SEPARATOR) {
            text.push('.');
        }
        text.push_str(name);
        Path(text)
    }

    pub fn index(&self, index: usize) -> Path {
        Path(format!("{}[{index}]", self.0))
    }

    /// Closes a target, policy or action element: appends its name (when it has one) and
    /// starts the next level.
    pub fn scope(&self, label: Option<&str>) -> Path {
        let mut text = self.0.clone();
        if let Some(label) = label {
            text.push_str(&format!(" ({label})"));
        }
        text.push_str(SCOPE_SEPARATOR);
        Path(text)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn as_str(&self) -> &str {
        self.0.strip_suffix(SCOPE_SEPARATOR).unwrap_or(&self.0)
    }
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_are_named_and_fields_dotted() {
        let path = Path::root()
            .field("ScalableTargets")
            .index(0)
            .scope(Some("endpoint/e/variant/v"))
            .field("ScalingPolicies")
            .index(1)
            .scope(Some("steps"))
            .field("StepScalingPolicyConfiguration")
            .field("StepAdjustments")
            .index(2)
            .field("MetricIntervalLowerBound");
        assert_eq!(
            path.to_string(),
            "ScalableTargets[0] (endpoint/e/variant/v) > ScalingPolicies[1] (steps) > \
             StepScalingPolicyConfiguration.StepAdjustments[2].MetricIntervalLowerBound"
        );
    }

    #[test]
    fn a_scope_alone_prints_without_trailing_separator() {
        let path = Path::root().field("ScalableTargets").index(3).scope(None);
        assert_eq!(path.to_string(), "ScalableTargets[3]");
    }
}
