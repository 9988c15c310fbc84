//! The IAM actions each AWS subcommand needs, derived from the calls it makes. infra/README.md
//! ("IAM the operators need") points here. The tests read the subcommands' source: a new AWS
//! call, or a Store/SageMaker method that starts making another SDK call, fails them until the
//! lists below say what it needs.
//!
//! Resources: DynamoDB actions on the table ARN; `sagemaker:` on
//! `arn:<partition>:sagemaker:<region>:<account>:endpoint/<name>` (and `inference-component/<name>`
//! for inference-component targets); `application-autoscaling:Describe*` on `*` (no
//! resource-level permissions). TransactWriteItems is not an IAM action: each item of a
//! transaction is authorised through PutItem / DeleteItem / UpdateItem / ConditionCheckItem.

// Read by the tests below and by people writing an operator policy; no subcommand prints it.
#![allow(dead_code)]

/// Subcommand → IAM actions (only the subcommands that call AWS; validate, plan, simulate and
/// tune are offline).
pub const COMMANDS: &[(&str, &[&str])] = &[
    // Emulators and the demo; production deploys the table with the SAM/CDK template.
    (
        "init",
        &["dynamodb:CreateTable", "dynamodb:UpdateTimeToLive"],
    ),
    (
        "apply",
        &[
            "application-autoscaling:DescribeScalingPolicies",
            "application-autoscaling:DescribeScheduledActions",
            "sagemaker:DescribeEndpoint",
            "sagemaker:DescribeInferenceComponent",
            "dynamodb:Query",
            "dynamodb:PutItem",
            "dynamodb:DeleteItem",
        ],
    ),
    (
        "status",
        &[
            "dynamodb:Query",
            "sagemaker:DescribeEndpoint",
            "sagemaker:DescribeInferenceComponent",
            "cloudwatch:GetMetricData",
        ],
    ),
    ("activities", &["dynamodb:Query"]),
    ("forecast", &["dynamodb:Query", "cloudwatch:GetMetricData"]),
    (
        "suspend",
        &["dynamodb:Query", "dynamodb:PutItem", "dynamodb:DeleteItem"],
    ),
    (
        "resume",
        &["dynamodb:Query", "dynamodb:PutItem", "dynamodb:DeleteItem"],
    ),
    (
        "import",
        &[
            "application-autoscaling:DescribeScalableTargets",
            "application-autoscaling:DescribeScalingPolicies",
            "application-autoscaling:DescribeScheduledActions",
        ],
    ),
    (
        "compare",
        &[
            "dynamodb:Query",
            "application-autoscaling:DescribeScalingActivities",
        ],
    ),
    (
        "takeover",
        &[
            "dynamodb:Query",
            "dynamodb:PutItem",
            "dynamodb:DeleteItem",
            "application-autoscaling:DescribeScalableTargets",
            "application-autoscaling:RegisterScalableTarget",
            "application-autoscaling:DeregisterScalableTarget",
        ],
    ),
    (
        "handback",
        &[
            "dynamodb:Query",
            "dynamodb:PutItem",
            "dynamodb:DeleteItem",
            "application-autoscaling:DescribeScalableTargets",
            "application-autoscaling:RegisterScalableTarget",
            "application-autoscaling:PutScalingPolicy",
            "application-autoscaling:PutScheduledAction",
        ],
    ),
];

/// What each AWS entry point the subcommands call needs. `store.*` are
/// `sagescale_aws::store::Store` methods, `sagemaker.describe` is
/// `sagescale_aws::sagemaker::SageMaker::describe` (DescribeEndpoint for a variant,
/// DescribeInferenceComponent for an inference component), `aas.*` direct SDK calls.
const ENTRY_POINTS: &[(&str, &[&str])] = &[
    ("store.list_targets", &["dynamodb:Query"]),
    ("store.load", &["dynamodb:Query"]),
    ("store.activities", &["dynamodb:Query"]),
    // load (Query), then one transaction: Put of the configuration, the registry entry and
    // the alarm bindings, Delete of stale bindings.
    (
        "store.put_config",
        &["dynamodb:Query", "dynamodb:PutItem", "dynamodb:DeleteItem"],
    ),
    (
        "store.create_table",
        &["dynamodb:CreateTable", "dynamodb:UpdateTimeToLive"],
    ),
    (
        "sagemaker.describe",
        &[
            "sagemaker:DescribeEndpoint",
            "sagemaker:DescribeInferenceComponent",
        ],
    ),
    ("metrics.read", &["cloudwatch:GetMetricData"]),
    (
        "aas.register_scalable_target",
        &["application-autoscaling:RegisterScalableTarget"],
    ),
    (
        "aas.deregister_scalable_target",
        &["application-autoscaling:DeregisterScalableTarget"],
    ),
    (
        "aas.put_scaling_policy",
        &["application-autoscaling:PutScalingPolicy"],
    ),
    (
        "aas.put_scheduled_action",
        &["application-autoscaling:PutScheduledAction"],
    ),
    (
        "aas.describe_scaling_activities",
        &["application-autoscaling:DescribeScalingActivities"],
    ),
    (
        "aas.describe_scalable_targets",
        &["application-autoscaling:DescribeScalableTargets"],
    ),
    (
        "aas.describe_scaling_policies",
        &["application-autoscaling:DescribeScalingPolicies"],
    ),
    (
        "aas.describe_scheduled_actions",
        &["application-autoscaling:DescribeScheduledActions"],
    ),
];

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn squeeze(source: &str) -> String {
        source.split_whitespace().collect()
    }

    /// The part of `source` from `start` up to `end` (or the end), whitespace removed.
    fn slice(source: &str, start: &str, end: Option<&str>) -> String {
        let s = squeeze(source);
        let from = s.find(start).unwrap_or_else(|| panic!("{start} not found"));
        let rest = &s[from..];
        match end.and_then(|e| rest[start.len()..].find(e)) {
            Some(to) => rest[..start.len() + to].to_string(),
            None => rest.to_string(),
        }
    }

    /// `store.x(`, `aas.x(` and `sagemaker.describe(` / `sagemaker().describe(` in the source.
    fn entry_points(code: &str) -> BTreeSet<String> {
        let code = code.replace("sagemaker().describe(", "sagemaker.describe(");
        let mut found = BTreeSet::new();
        for receiver in ["store.", "aas.", "sagemaker.", "metrics."] {
            for (i, _) in code.match_indices(receiver) {
                let after = &code[i + receiver.len()..];
                let name: String = after
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                // A call, not a field, import or type (store::Loaded, clients.store itself).
                if !name.is_empty() && after[name.len()..].starts_with('(') {
                    found.insert(format!("{receiver}{name}"));
                }
            }
        }
        found
    }

    fn needs(entry: &str) -> &'static [&'static str] {
        ENTRY_POINTS
            .iter()
            .find(|(e, _)| *e == entry)
            .map(|(_, a)| *a)
            .unwrap_or_else(|| {
                panic!("{entry}: add it to ENTRY_POINTS with the IAM actions it needs")
            })
    }

    fn command(name: &str) -> BTreeSet<&'static str> {
        COMMANDS
            .iter()
            .find(|(c, _)| *c == name)
            .map(|(_, a)| a.iter().copied().collect())
            .unwrap_or_else(|| panic!("{name} not in COMMANDS"))
    }

    #[test]
    fn each_command_lists_exactly_what_its_calls_need() {
        let apply = include_str!("apply.rs");
        let sources = [
            ("init", slice(apply, "pubfninit(", Some("pubfnrun("))),
            ("apply", slice(apply, "pubfnrun(", None)),
            ("status", squeeze(include_str!("status.rs"))),
            ("activities", squeeze(include_str!("activities.rs"))),
            ("forecast", squeeze(include_str!("forecast.rs"))),
            ("suspend", squeeze(include_str!("suspend.rs"))),
            ("resume", squeeze(include_str!("suspend.rs"))),
            ("import", squeeze(include_str!("import.rs"))),
            ("compare", squeeze(include_str!("compare.rs"))),
            ("takeover", squeeze(include_str!("takeover.rs"))),
            ("handback", squeeze(include_str!("handback.rs"))),
        ];
        assert_eq!(sources.len(), COMMANDS.len());
        for (name, code) in &sources {
            let calls = entry_points(code);
            assert!(!calls.is_empty(), "{name}: no AWS call found");
            let derived: BTreeSet<&str> = calls
                .iter()
                .flat_map(|c| needs(c).iter().copied())
                .collect();
            assert_eq!(command(name), derived, "{name} calls {calls:?}");
        }
    }

    /// SDK calls in a method body → IAM actions.
    const SDK_CALLS: &[(&str, &str)] = &[
        (".query()", "dynamodb:Query"),
        (".get_item()", "dynamodb:GetItem"),
        (".batch_get_item()", "dynamodb:BatchGetItem"),
        (".put_item()", "dynamodb:PutItem"),
        (".update_item()", "dynamodb:UpdateItem"),
        (".delete_item()", "dynamodb:DeleteItem"),
        (".batch_write_item()", "dynamodb:BatchWriteItem"),
        (".scan()", "dynamodb:Scan"),
        (".create_table()", "dynamodb:CreateTable"),
        (".update_time_to_live()", "dynamodb:UpdateTimeToLive"),
        // Items of a TransactWriteItems call.
        ("Put::builder()", "dynamodb:PutItem"),
        ("Update::builder()", "dynamodb:UpdateItem"),
        ("Delete::builder()", "dynamodb:DeleteItem"),
        ("ConditionCheck::builder()", "dynamodb:ConditionCheckItem"),
        (".describe_endpoint()", "sagemaker:DescribeEndpoint"),
        (".get_metric_data()", "cloudwatch:GetMetricData"),
        (
            ".describe_inference_component()",
            "sagemaker:DescribeInferenceComponent",
        ),
    ];

    /// The body of the first `async fn name(` in `source` after `within` (up to the next
    /// `async fn` or `pub fn`), whitespace removed.
    fn method(source: &str, within: &str, name: &str) -> String {
        let s = squeeze(source);
        let scope = s
            .find(within)
            .unwrap_or_else(|| panic!("{within} not found"));
        let s = &s[scope..];
        let start = format!("asyncfn{name}(");
        let from = s.find(&start).unwrap_or_else(|| panic!("{name} not found"));
        let rest = &s[from + start.len()..];
        let to = [rest.find("asyncfn"), rest.find("pubfn")]
            .into_iter()
            .flatten()
            .min()
            .unwrap_or(rest.len());
        rest[..to].to_string()
    }

    fn sdk_actions(body: &str) -> BTreeSet<&'static str> {
        SDK_CALLS
            .iter()
            .filter(|(call, _)| body.contains(call))
            .map(|(_, action)| *action)
            .collect()
    }

    #[test]
    fn entry_points_cover_the_sdk_calls_they_make() {
        let store = include_str!("../../shared/aws/src/store.rs");
        let sagemaker = include_str!("../../shared/aws/src/sagemaker.rs");
        for (entry, declared) in ENTRY_POINTS {
            let declared: BTreeSet<&str> = declared.iter().copied().collect();
            let made = match entry.split_once('.') {
                Some(("store", name)) => {
                    let body = method(store, "implStore{", name);
                    let mut made = sdk_actions(&body);
                    // The private helpers these methods go through.
                    for helper in ["load", "query_sort_keys"] {
                        if body.contains(&format!("self.{helper}(")) {
                            made.extend(sdk_actions(&method(store, "implStore{", helper)));
                        }
                    }
                    made
                }
                Some(("sagemaker", name)) => {
                    sdk_actions(&method(sagemaker, "implEndpointsforSageMaker{", name))
                }
                Some(("metrics", name)) => sdk_actions(&method(
                    include_str!("../../shared/aws/src/metrics.rs"),
                    "implMetricsforCloudWatch{",
                    name,
                )),
                // Direct SDK calls in the CLI: the entry point is the call itself.
                Some(("aas", _)) => declared.clone(),
                _ => panic!("{entry}: unknown receiver"),
            };
            assert!(
                made.is_subset(&declared),
                "{entry} makes {made:?}, ENTRY_POINTS lists {declared:?}"
            );
        }
    }
}
