//! Alarm-driven step scaling end to end: real SDK clients against the emulated AWS (moto plus
//! the realism layer), the alarm handler the alarm-scaler function runs.

mod support;

use chrono::{DateTime, Duration, Utc};
use serde_json::json;

use sagescale_aws::alarm::{AlarmHandler, HandlerError};
use sagescale_aws::scaler::Outcome;
use sagescale_core::activity::{NotScaledCode, StatusCode};
use sagescale_tests::FaultKind;
use support::*;

const HIGH: &str = "sagescale-demo-latency-high";
const LOW: &str = "sagescale-demo-latency-low";

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn t0() -> DateTime<Utc> {
    t("2026-11-27T18:02:00Z")
}

fn ts(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.3f+0000").to_string()
}

async fn fire(
    env: &Env,
    alarm: &str,
    state: &str,
    datapoints: &[f64],
    at: DateTime<Utc>,
) -> Outcome {
    let handler = AlarmHandler {
        scaler: &env.scaler,
        origin: origin(),
    };
    let event = alarm_event(alarm, state, 500.0, datapoints, &ts(at));
    let out = handler.handle(&event, at).await.expect("handled");
    assert_eq!(out.len(), 1, "one target bound to {alarm}: {out:?}");
    out.into_iter().next().unwrap().outcome
}

#[tokio::test(flavor = "multi_thread")]
async fn scale_out_on_alarm_sets_the_endpoint_and_records_a_successful_activity() {
    let env = env_with(&step_config("enforce"), 2).await;
    // breach = avg(640, 660) - 500 = 150 -> the [100, inf) step: +3.
    let out = fire(&env, HIGH, "ALARM", &[640.0, 660.0], t0()).await;
    assert!(
        matches!(
            out,
            Outcome::Scaled {
                previous: 2,
                desired: 5,
                ..
            }
        ),
        "{out:?}"
    );
    assert_eq!(desired(&env), 5);
    let acts = activities(&env).await;
    assert_eq!(acts.len(), 1);
    assert_eq!(acts[0].status_code, StatusCode::Successful);
    assert_eq!(acts[0].description, "Setting desired instance count to 5.");
    assert_eq!(
        acts[0].cause,
        format!("monitor alarm {HIGH} in state ALARM triggered policy latency-out")
    );
    let s = state(&env).await;
    assert!(s.pending.is_none());
    assert!(s.alarms[HIGH].in_alarm());
    assert_eq!(
        s.cooldown.scale_out.unwrap().until,
        t0() + Duration::seconds(300)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn larger_step_during_cooldown_adds_only_the_difference() {
    let env = env_with(&step_config("enforce"), 2).await;
    // breach 50 -> +2: 2 -> 4.
    let out = fire(&env, HIGH, "ALARM", &[550.0], t0()).await;
    assert!(matches!(out, Outcome::Scaled { desired: 4, .. }), "{out:?}");
    // The alarm goes OK and back to ALARM a minute later with a larger breach: +3 from the
    // capacity before the first scale-out (2) is 5, so only 1 is added.
    fire(&env, HIGH, "OK", &[450.0], t0() + Duration::seconds(30)).await;
    let out = fire(&env, HIGH, "ALARM", &[700.0], t0() + Duration::seconds(60)).await;
    assert!(
        matches!(
            out,
            Outcome::Scaled {
                previous: 4,
                desired: 5,
                ..
            }
        ),
        "{out:?}"
    );
    assert_eq!(desired(&env), 5);
}

#[tokio::test(flavor = "multi_thread")]
async fn scale_in_is_blocked_in_its_cooldown_and_a_scale_out_ends_that_cooldown() {
    let env = env_with(&step_config("enforce"), 5).await;
    let out = fire(&env, LOW, "ALARM", &[300.0], t0()).await;
    assert!(
        matches!(
            out,
            Outcome::Scaled {
                previous: 5,
                desired: 4,
                ..
            }
        ),
        "{out:?}"
    );
    fire(&env, LOW, "OK", &[600.0], t0() + Duration::seconds(30)).await;
    let out = fire(&env, LOW, "ALARM", &[300.0], t0() + Duration::seconds(60)).await;
    assert!(
        matches!(out, Outcome::NotScaled { previous: 4, .. }),
        "{out:?}"
    );
    let blocked = &activities(&env).await[0];
    assert_eq!(
        blocked.not_scaled_reasons[0].code,
        NotScaledCode::ScaleInCooldown
    );
    assert_eq!(desired(&env), 4);
    // A scale-out during the scale-in cooldown happens at once and ends it.
    let out = fire(&env, HIGH, "ALARM", &[550.0], t0() + Duration::seconds(90)).await;
    assert!(
        matches!(
            out,
            Outcome::Scaled {
                previous: 4,
                desired: 6,
                ..
            }
        ),
        "{out:?}"
    );
    assert_eq!(state(&env).await.cooldown.scale_in_until, None);
}

#[tokio::test(flavor = "multi_thread")]
async fn bounds_hold_and_the_not_scaled_reason_is_recorded() {
    let env = env_with(&step_config("enforce"), 8).await;
    let out = fire(&env, HIGH, "ALARM", &[700.0], t0()).await;
    assert!(
        matches!(out, Outcome::NotScaled { previous: 8, .. }),
        "{out:?}"
    );
    let a = &activities(&env).await[0];
    assert_eq!(
        a.not_scaled_reasons[0].code,
        NotScaledCode::AlreadyAtMaxCapacity
    );
    assert_eq!(a.not_scaled_reasons[0].max_capacity, Some(8));
    assert_eq!(a.not_scaled_reasons[0].current_capacity, Some(8));
    assert_eq!(desired(&env), 8);
    assert!(
        env.emu
            .requests_for("sagemaker", "UpdateEndpointWeightsAndCapacities")
            .is_empty()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn busy_endpoint_defers_the_decision_without_spending_the_cooldown() {
    let env = env_with(&step_config("enforce"), 2).await;
    env.emu.set_endpoint_status(ENDPOINT, "Updating");
    let out = fire(&env, HIGH, "ALARM", &[550.0], t0()).await;
    assert!(matches!(out, Outcome::Deferred { .. }), "{out:?}");
    let s = state(&env).await;
    let p = s
        .pending
        .expect("deferred change kept for the reconcile pass");
    assert!(p.deferred);
    assert_eq!(p.desired, 4);
    assert_eq!(s.cooldown, Default::default(), "cooldown not spent");
    assert_eq!(activities(&env).await[0].status_code, StatusCode::Pending);
    assert_eq!(desired(&env), 2);
    assert!(
        env.emu
            .requests_for("sagemaker", "UpdateEndpointWeightsAndCapacities")
            .is_empty()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_update_in_progress_defers_the_next_decision() {
    let env = env_with(&step_config("enforce"), 2).await;
    // The first update keeps the endpoint Updating for two minutes; a second alarm meanwhile
    // is decided (a scale-in: only the scale-out clock runs) and must wait for the endpoint.
    env.emu.set_update_delay(120.0);
    fire(&env, HIGH, "ALARM", &[550.0], t0()).await;
    let out = fire(&env, LOW, "ALARM", &[100.0], t0() + Duration::seconds(5)).await;
    assert!(matches!(out, Outcome::Deferred { .. }), "{out:?}");
    assert_eq!(desired(&env), 4, "the first update stands");
}

#[tokio::test(flavor = "multi_thread")]
async fn fifty_concurrent_deliveries_of_one_alarm_event_scale_once() {
    let env = env_with(&step_config("enforce"), 2).await;
    let event = alarm_event(HIGH, "ALARM", 500.0, &[550.0], &ts(t0()));
    let handler = AlarmHandler {
        scaler: &env.scaler,
        origin: origin(),
    };
    let runs = (0..50).map(|_| handler.handle(&event, t0()));
    let results = futures_join_all(runs).await;
    let scaled = results
        .iter()
        .filter(|r| matches!(r.as_ref().unwrap()[0].outcome, Outcome::Scaled { .. }))
        .count();
    assert_eq!(scaled, 1, "exactly one delivery scales: {results:?}");
    assert_eq!(activities(&env).await.len(), 1, "exactly one activity");
    assert_eq!(
        env.emu
            .requests_for("sagemaker", "UpdateEndpointWeightsAndCapacities")
            .len(),
        1
    );
    assert_eq!(desired(&env), 4);
}

#[tokio::test(flavor = "multi_thread")]
async fn two_alarms_at_once_on_one_target_end_as_aas_would() {
    let yaml = step_config("enforce")
        + r#"      - PolicyName: errors-out
        PolicyType: StepScaling
        Alarms: [sagescale-demo-errors-high]
        StepScalingPolicyConfiguration:
          AdjustmentType: ChangeInCapacity
          Cooldown: 300
          StepAdjustments:
            - {MetricIntervalLowerBound: 0, ScalingAdjustment: 3}
"#;
    let env = env_with(&yaml, 2).await;
    let h = AlarmHandler {
        scaler: &env.scaler,
        origin: origin(),
    };
    let a = alarm_event(HIGH, "ALARM", 500.0, &[550.0], &ts(t0()));
    let b = alarm_event(
        "sagescale-demo-errors-high",
        "ALARM",
        500.0,
        &[550.0],
        &ts(t0()),
    );
    let (ra, rb) = tokio::join!(h.handle(&a, t0()), h.handle(&b, t0()));
    ra.unwrap();
    rb.unwrap();
    // Whatever the order: +2 and +3 from 2 within one cooldown end at max(4, 5) = 5.
    assert_eq!(desired(&env), 5);
    let s = state(&env).await;
    assert!(s.pending.is_none());
    assert_eq!(s.cooldown.scale_out.unwrap().base_capacity, 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn injected_throttling_is_retried_and_the_change_applied() {
    let env = env_with(&step_config("enforce"), 2).await;
    env.emu.inject_fault(
        "sagemaker",
        "UpdateEndpointWeightsAndCapacities",
        FaultKind::Throttle,
        2,
    );
    let out = fire(&env, HIGH, "ALARM", &[550.0], t0()).await;
    assert!(matches!(out, Outcome::Scaled { desired: 4, .. }), "{out:?}");
    let calls = env
        .emu
        .requests_for("sagemaker", "UpdateEndpointWeightsAndCapacities");
    assert_eq!(
        calls.len(),
        3,
        "two throttled attempts, then success: {calls:?}"
    );
    assert_eq!(calls[0].status, 400);
    assert_eq!(calls[2].status, 200);
    assert_eq!(desired(&env), 4);
}

#[tokio::test(flavor = "multi_thread")]
async fn throttling_beyond_the_sdk_retries_keeps_the_change_for_the_reconcile_pass() {
    let env = env_with(&step_config("enforce"), 2).await;
    env.emu.inject_fault(
        "sagemaker",
        "UpdateEndpointWeightsAndCapacities",
        FaultKind::Throttle,
        10,
    );
    let out = fire(&env, HIGH, "ALARM", &[550.0], t0()).await;
    assert!(matches!(out, Outcome::Deferred { .. }), "{out:?}");
    let s = state(&env).await;
    assert!(s.pending.as_ref().unwrap().deferred);
    assert_eq!(s.cooldown, Default::default());
    let a = &activities(&env).await[0];
    assert_eq!(a.status_code, StatusCode::Pending);
    assert!(
        a.status_message
            .as_deref()
            .unwrap()
            .contains("Rate exceeded"),
        "{a:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn resource_limit_is_recorded_with_the_service_message() {
    let env = env_with(&step_config("enforce"), 2).await;
    env.emu.inject_fault(
        "sagemaker",
        "UpdateEndpointWeightsAndCapacities",
        FaultKind::ResourceLimit,
        1,
    );
    let out = fire(&env, HIGH, "ALARM", &[550.0], t0()).await;
    let Outcome::Failed { reason, .. } = out else {
        panic!("{out:?}")
    };
    assert!(reason.starts_with("ResourceLimitExceeded"), "{reason}");
    let a = &activities(&env).await[0];
    assert_eq!(a.status_code, StatusCode::Failed);
    assert_eq!(a.status_message.as_deref(), Some(reason.as_str()));
    let s = state(&env).await;
    assert!(s.pending.is_none());
    assert_eq!(
        s.cooldown,
        Default::default(),
        "a failed change does not spend the cooldown"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn unavailable_endpoint_records_unfulfilled_and_keeps_nothing_pending() {
    let env = env_with(&step_config("enforce"), 2).await;
    env.emu.set_endpoint_status(ENDPOINT, "Failed");
    let out = fire(&env, HIGH, "ALARM", &[550.0], t0()).await;
    assert!(matches!(out, Outcome::Unfulfilled { .. }), "{out:?}");
    assert!(state(&env).await.pending.is_none());
    assert_eq!(
        activities(&env).await[0].status_code,
        StatusCode::Unfulfilled
    );
}

/// A SageMaker port that dies where a crash would hurt most: after the claim is committed,
/// before SageMaker is called.
struct CrashingEndpoints(sagescale_aws::sagemaker::SageMaker);

#[async_trait::async_trait]
impl sagescale_aws::sagemaker::Endpoints for CrashingEndpoints {
    async fn describe(
        &self,
        r: &sagescale_aws::sagemaker::Resource,
    ) -> Result<sagescale_aws::sagemaker::EndpointView, sagescale_aws::sagemaker::EndpointError>
    {
        self.0.describe(r).await
    }
    async fn set_desired(
        &self,
        _: &sagescale_aws::sagemaker::Resource,
        _: i32,
    ) -> Result<(), sagescale_aws::sagemaker::EndpointError> {
        panic!("injected crash between claim and SageMaker call");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn crash_between_claim_and_sagemaker_call_leaves_the_claim_visible() {
    let env = env_with(&step_config("enforce"), 2).await;
    let scaler = sagescale_aws::scaler::Scaler::new(
        env.store.clone(),
        CrashingEndpoints(sagescale_aws::sagemaker::SageMaker::new(
            aws_sdk_sagemaker::Client::new(&env.config),
        )),
    );
    let event = alarm_event(HIGH, "ALARM", 500.0, &[550.0], &ts(t0()));
    let crashed = tokio::spawn(async move {
        let h = AlarmHandler {
            scaler: &scaler,
            origin: origin(),
        };
        h.handle(&event, t0()).await.map(|_| ())
    })
    .await;
    assert!(crashed.unwrap_err().is_panic());
    let s = state(&env).await;
    let p = s.pending.expect("claim visible for the reconcile pass");
    assert!(!p.deferred);
    assert_eq!(p.desired, 4);
    assert_eq!(
        activities(&env).await[0].status_code,
        StatusCode::InProgress
    );
    assert_eq!(desired(&env), 2, "SageMaker was never called");
}

#[tokio::test(flavor = "multi_thread")]
async fn malformed_and_foreign_events_are_rejected_without_writes() {
    let env = env_with(&step_config("enforce"), 2).await;
    let handler = AlarmHandler {
        scaler: &env.scaler,
        origin: origin(),
    };
    let fixtures = sagescale_tests::repo_root().join("tests/fixtures/events");
    env.emu.clear_requests();
    for name in [
        "foreign-source-ec2.json",
        "foreign-account.json",
        "malformed-reasondata.json",
        "sqs-record.json",
        "not-json-object.json",
    ] {
        let text = std::fs::read_to_string(fixtures.join(name)).unwrap();
        let payload: serde_json::Value = serde_json::from_str(&text).unwrap();
        let err = handler.handle(&payload, t0()).await.unwrap_err();
        assert!(matches!(err, HandlerError::Event(_)), "{name}: {err}");
        assert!(!err.to_string().is_empty());
    }
    // A well-formed event from another region, and an alarm outside the allowed prefix.
    let mut other_region = alarm_event(HIGH, "ALARM", 500.0, &[550.0], &ts(t0()));
    other_region["region"] = json!("eu-west-1");
    other_region["alarmArn"] = json!(format!(
        "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:{HIGH}"
    ));
    let err = handler.handle(&other_region, t0()).await.unwrap_err();
    assert!(err.to_string().contains("eu-west-1"), "{err}");
    let foreign_prefix = alarm_event("someone-elses-alarm", "ALARM", 500.0, &[550.0], &ts(t0()));
    assert!(handler.handle(&foreign_prefix, t0()).await.is_err());

    assert_eq!(env.emu.dynamodb_writes(), 0, "{:?}", env.emu.requests());
    assert!(
        env.emu
            .requests_for("sagemaker", "UpdateEndpointWeightsAndCapacities")
            .is_empty()
    );
    assert_eq!(state(&env).await, Default::default());
    assert!(activities(&env).await.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn dry_run_decides_and_records_but_never_updates_the_endpoint() {
    let env = env_with(&step_config("dry-run"), 2).await;
    let out = fire(&env, HIGH, "ALARM", &[550.0], t0()).await;
    assert!(
        matches!(
            out,
            Outcome::DryRun {
                previous: 2,
                desired: 4,
                ..
            }
        ),
        "{out:?}"
    );
    assert!(
        env.emu
            .requests_for("sagemaker", "UpdateEndpointWeightsAndCapacities")
            .is_empty()
    );
    assert_eq!(desired(&env), 2);
    let a = &activities(&env).await[0];
    assert_eq!(a.status_code, StatusCode::Successful);
    assert!(
        a.status_message.as_deref().unwrap().starts_with("Dry run"),
        "{a:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn ok_state_is_recorded_and_changes_no_capacity() {
    let env = env_with(&step_config("enforce"), 2).await;
    let out = fire(&env, HIGH, "OK", &[400.0], t0()).await;
    assert_eq!(out, Outcome::StateRecorded);
    assert!(!state(&env).await.alarms[HIGH].in_alarm());
    assert!(activities(&env).await.is_empty());
    assert_eq!(desired(&env), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn alarm_without_reason_data_is_recorded_not_scaled() {
    let env = env_with(&step_config("enforce"), 2).await;
    let mut event = alarm_event(HIGH, "ALARM", 500.0, &[550.0], &ts(t0()));
    event["alarmData"]["state"]
        .as_object_mut()
        .unwrap()
        .remove("reasonData");
    let h = AlarmHandler {
        scaler: &env.scaler,
        origin: origin(),
    };
    let out = h.handle(&event, t0()).await.unwrap();
    assert!(
        matches!(out[0].outcome, Outcome::NotScaled { .. }),
        "{out:?}"
    );
    let a = &activities(&env).await[0];
    assert_eq!(a.not_scaled_reasons[0].code, NotScaledCode::NoDatapoints);
    assert_eq!(desired(&env), 2);
}

async fn futures_join_all<F: std::future::Future>(fs: impl Iterator<Item = F>) -> Vec<F::Output> {
    futures::future::join_all(fs).await
}

/// Expected request counts, in the sorted form of `Emulator::request_counts`.
fn ops(list: &[(&str, usize)]) -> Vec<(String, usize)> {
    let mut v: Vec<(String, usize)> = list.iter().map(|(k, n)| (k.to_string(), *n)).collect();
    v.sort();
    v
}

#[tokio::test(flavor = "multi_thread")]
async fn each_event_makes_only_the_aws_calls_it_needs() {
    let env = env_with(&step_config("enforce"), 2).await;
    // A scale-out: the alarm's binding and the target (one Query each), the endpoint, the
    // claim, the SageMaker call, and the outcome written on the claim's known version.
    env.emu.clear_requests();
    let at = t0();
    fire(&env, HIGH, "ALARM", &[640.0, 660.0], at).await;
    assert_eq!(
        env.emu.request_counts(),
        ops(&[
            ("dynamodb:Query", 2),
            ("sagemaker:DescribeEndpoint", 1),
            ("dynamodb:TransactWriteItems", 2),
            ("sagemaker:UpdateEndpointWeightsAndCapacities", 1),
        ])
    );
    // The same delivery again: settled from the state alone, the endpoint is not described.
    env.emu.clear_requests();
    let handler = AlarmHandler {
        scaler: &env.scaler,
        origin: origin(),
    };
    let again = alarm_event(HIGH, "ALARM", 500.0, &[640.0, 660.0], &ts(at));
    handler.handle(&again, at).await.expect("handled");
    assert_eq!(env.emu.request_counts(), ops(&[("dynamodb:Query", 2)]));
    // An OK state is recorded without describing the endpoint either.
    env.emu.clear_requests();
    fire(&env, HIGH, "OK", &[300.0], at + Duration::seconds(30)).await;
    assert_eq!(
        env.emu.request_counts(),
        ops(&[("dynamodb:Query", 2), ("dynamodb:TransactWriteItems", 1)])
    );
}

/// `step_config`'s target plus a target on an endpoint that does not exist, bound to the same
/// alarm; its ResourceId sorts before the healthy one, so it is handled first.
fn with_ghost_target() -> String {
    let ghost = r#"
  - ServiceNamespace: sagemaker
    ResourceId: endpoint/a-ghost-ep/variant/AllTraffic
    ScalableDimension: sagemaker:variant:DesiredInstanceCount
    MinCapacity: 1
    MaxCapacity: 8
    ScalingPolicies:
      - PolicyName: ghost-out
        PolicyType: StepScaling
        Alarms: [sagescale-demo-latency-high]
        StepScalingPolicyConfiguration:
          AdjustmentType: ChangeInCapacity
          StepAdjustments:
            - {MetricIntervalLowerBound: 0, ScalingAdjustment: 1}
"#;
    format!("{}{ghost}", step_config("enforce"))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failing_target_does_not_lose_the_alarm_for_the_other_targets() {
    let env = env_with(&with_ghost_target(), 2).await;
    let handler = AlarmHandler {
        scaler: &env.scaler,
        origin: origin(),
    };
    let event = alarm_event(HIGH, "ALARM", 500.0, &[640.0, 660.0], &ts(t0()));
    let err = handler.handle(&event, t0()).await.unwrap_err();
    // The event fails (Lambda retries it) and names the failing target, not the healthy one.
    let message = err.to_string();
    assert!(message.contains("a-ghost-ep"), "{message}");
    assert!(!message.contains(RID), "{message}");
    // The healthy target, handled after the failing one, is decided and recorded.
    assert_eq!(desired(&env), 5);
    assert!(state(&env).await.alarms[HIGH].in_alarm());
    assert_eq!(activities(&env).await.len(), 1);

    // Lambda's retry of the same event does only what is still undone: the healthy target
    // recognises the delivery, nothing is scaled twice, the ghost fails again.
    env.emu.clear_requests();
    let err = handler
        .handle(&event, t0() + Duration::seconds(5))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("a-ghost-ep"), "{err}");
    assert_eq!(env.emu.dynamodb_writes(), 0, "{:?}", env.emu.requests());
    assert_eq!(desired(&env), 5);
    assert_eq!(activities(&env).await.len(), 1);
    assert!(
        env.emu
            .requests_for("sagemaker", "UpdateEndpointWeightsAndCapacities")
            .is_empty()
    );
}

/// A composite alarm's event carries no datapoints: its metric is that of the metric alarm its
/// rule names, described once (DescribeAlarms) and cached in the state, and the policy is
/// decided on that metric's latest completed datapoints (one GetMetricData).
#[tokio::test(flavor = "multi_thread")]
async fn a_composite_alarm_event_is_evaluated_from_the_child_alarms_metric() {
    use aws_sdk_cloudwatch::types::{ComparisonOperator, Statistic};
    use chrono::TimeZone;
    use sagescale_aws::metrics::CloudWatch;
    use sagescale_aws::sagemaker::SageMaker;
    use sagescale_aws::scaler::Scaler;
    use sagescale_core::state::AlarmSource;

    const COMPOSITE: &str = "sagescale-demo-endpoint-degraded";
    let env = env_with(&step_config("enforce").replace(HIGH, COMPOSITE), 2).await;
    let cw = env.emu.cloudwatch_client().await;
    cw.put_metric_alarm()
        .alarm_name(HIGH)
        .namespace("AWS/SageMaker")
        .metric_name("ModelLatency")
        .set_dimensions(Some(sagescale_tests::cloudwatch::dimensions(&[
            ("EndpointName", ENDPOINT),
            ("VariantName", VARIANT),
        ])))
        .statistic(Statistic::Average)
        .period(60)
        .evaluation_periods(2)
        .threshold(500.0)
        .comparison_operator(ComparisonOperator::GreaterThanThreshold)
        .send()
        .await
        .unwrap();
    cw.put_composite_alarm()
        .alarm_name(COMPOSITE)
        .alarm_rule(format!(
            "ALARM({HIGH}) OR ALARM(sagescale-demo-errors-high)"
        ))
        .send()
        .await
        .unwrap();
    // The fixture's state change is at 18:03:10; the last completed minutes are 18:01, 18:02.
    let at = Utc.with_ymd_and_hms(2026, 11, 27, 18, 3, 11).unwrap();
    sagescale_tests::cloudwatch::put_metric_series(
        &cw,
        "AWS/SageMaker",
        "ModelLatency",
        &[("EndpointName", ENDPOINT), ("VariantName", VARIANT)],
        at - Duration::seconds(131),
        60,
        &[640.0, 660.0],
    )
    .await
    .unwrap();
    let scaler = Scaler::new(
        env.store.clone(),
        SageMaker::new(aws_sdk_sagemaker::Client::new(&env.config)),
    )
    .with_metrics(CloudWatch::new(cw.clone()));
    let handler = AlarmHandler {
        scaler: &scaler,
        origin: origin(),
    };
    let event: serde_json::Value = serde_json::from_str(include_str!(
        "../fixtures/events/alarm-action-composite.json"
    ))
    .unwrap();
    env.emu.clear_requests();
    let out = handler.handle(&event, at).await.expect("handled");
    // breach = avg(640, 660) - 500 = 150 -> the [100, inf) step: +3.
    assert!(
        matches!(
            out[0].outcome,
            Outcome::Scaled {
                previous: 2,
                desired: 5,
                ..
            }
        ),
        "{out:?}"
    );
    assert_eq!(desired(&env), 5);
    let calls = |op: &str| env.emu.requests_for("cloudwatch", op).len();
    // DescribeAlarms twice: the composite, then the children its rule names; cached after.
    assert_eq!((calls("DescribeAlarms"), calls("GetMetricData")), (2, 1));
    let source = state(&env).await.alarms[COMPOSITE].source.clone();
    assert!(
        matches!(&source, Some(AlarmSource::Metric(m)) if m.alarm_name == HIGH && m.threshold == 500.0),
        "{source:?}"
    );

    // A redelivery is settled from the state: no CloudWatch call, no second scaling.
    env.emu.clear_requests();
    handler.handle(&event, at).await.expect("handled");
    assert_eq!((calls("DescribeAlarms"), calls("GetMetricData")), (0, 0));
    assert_eq!(desired(&env), 5);
}
