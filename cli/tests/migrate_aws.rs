//! The path from Application Auto Scaling to sagescale and back (`import --from-aas`,
//! `compare`, `takeover`, `handback`): the built `sagescale` against the emulator, with AAS's
//! targets, policies, alarms and scheduled actions registered through the SDKs.

use std::path::PathBuf;
use std::process::Command;

use aws_sdk_applicationautoscaling::types::{
    MetricType, PolicyType, PredefinedMetricSpecification, ScalableDimension, ScalableTargetAction,
    ServiceNamespace, StepAdjustment, StepScalingPolicyConfiguration,
    TargetTrackingScalingPolicyConfiguration,
};
use aws_sdk_cloudwatch::types::{ComparisonOperator, Statistic};
use chrono::{Duration, TimeZone, Utc};
use sagescale_core::model::{Mode, PolicyType as ModelPolicyType};

use sagescale_aws::store::Store;
use sagescale_tests::Emulator;

const TABLE: &str = "sagescale-migrate-test";
const ENDPOINT: &str = "mig-endpoint";
const RID: &str = "endpoint/mig-endpoint/variant/AllTraffic";
const IC: &str = "inference-component/mig-ic";
const VARIANT_DIM: &str = "sagemaker:variant:DesiredInstanceCount";
const IC_DIM: &str = "sagemaker:inference-component:DesiredCopyCount";
const ALARM: &str = "mig-latency-high";

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// `sagescale --endpoint-url <emulator> --table TABLE ARGS...` from the repository root.
fn sagescale(emu: &Emulator, args: &[&str]) -> Run {
    sagescale_stdin(emu, args, None)
}

fn sagescale_stdin(emu: &Emulator, args: &[&str], stdin: Option<&str>) -> Run {
    use std::io::Write;
    use std::process::Stdio;
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut child = Command::new(env!("CARGO_BIN_EXE_sagescale"))
        .args(["--endpoint-url", &emu.endpoint_url(), "--table", TABLE])
        .args(args)
        .envs(emu.aws_env())
        .env_remove("SAGESCALE_TABLE")
        .current_dir(root)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("sagescale runs");
    {
        let mut pipe = child.stdin.take().unwrap();
        if let Some(text) = stdin {
            pipe.write_all(text.as_bytes()).unwrap();
        }
    }
    let output = child.wait_with_output().unwrap();
    let run = Run {
        code: output.status.code().expect("exit code"),
        stdout: String::from_utf8(output.stdout).expect("utf-8"),
        stderr: String::from_utf8(output.stderr).expect("utf-8"),
    };
    eprintln!(
        "sagescale {args:?} exited {}:\n{}\n{}",
        run.code, run.stdout, run.stderr
    );
    run
}

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("sagescale-migrate-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

async fn store(emu: &Emulator) -> Store {
    Store::new(
        aws_sdk_dynamodb::Client::new(&emu.sdk_config().await),
        TABLE,
    )
}

async fn aas(emu: &Emulator) -> aws_sdk_applicationautoscaling::Client {
    aws_sdk_applicationautoscaling::Client::new(&emu.sdk_config().await)
}

/// AAS scaling the endpoint variant (step policy driven by ALARM, target tracking, a cron
/// action in New York time) and an inference component (target tracking), as a user set it up.
async fn register_in_aas(emu: &Emulator) {
    emu.create_endpoint(ENDPOINT, "AllTraffic", 2);
    let aas = aas(emu).await;
    let variant = ScalableDimension::SageMakerVariantDesiredInstanceCount;
    aas.register_scalable_target()
        .service_namespace(ServiceNamespace::Sagemaker)
        .resource_id(RID)
        .scalable_dimension(variant.clone())
        .min_capacity(1)
        .max_capacity(8)
        .send()
        .await
        .expect("RegisterScalableTarget");
    let step = aas
        .put_scaling_policy()
        .policy_name("aas-steps")
        .service_namespace(ServiceNamespace::Sagemaker)
        .resource_id(RID)
        .scalable_dimension(variant.clone())
        .policy_type(PolicyType::StepScaling)
        .step_scaling_policy_configuration(
            StepScalingPolicyConfiguration::builder()
                .adjustment_type("ChangeInCapacity".into())
                .cooldown(120)
                .metric_aggregation_type("Maximum".into())
                .step_adjustments(
                    StepAdjustment::builder()
                        .metric_interval_lower_bound(0.0)
                        .metric_interval_upper_bound(50.0)
                        .scaling_adjustment(1)
                        .build()
                        .unwrap(),
                )
                .step_adjustments(
                    StepAdjustment::builder()
                        .metric_interval_lower_bound(50.0)
                        .scaling_adjustment(3)
                        .build()
                        .unwrap(),
                )
                .build(),
        )
        .send()
        .await
        .expect("PutScalingPolicy step");
    emu.cloudwatch_client()
        .await
        .put_metric_alarm()
        .alarm_name(ALARM)
        .namespace("AWS/SageMaker")
        .metric_name("ModelLatency")
        .dimensions(
            aws_sdk_cloudwatch::types::Dimension::builder()
                .name("EndpointName")
                .value(ENDPOINT)
                .build(),
        )
        .statistic(Statistic::Average)
        .period(60)
        .evaluation_periods(2)
        .threshold(500_000.0)
        .comparison_operator(ComparisonOperator::GreaterThanThreshold)
        .alarm_actions(step.policy_arn())
        .send()
        .await
        .expect("PutMetricAlarm");
    aas.put_scaling_policy()
        .policy_name("aas-tt")
        .service_namespace(ServiceNamespace::Sagemaker)
        .resource_id(RID)
        .scalable_dimension(variant.clone())
        .policy_type(PolicyType::TargetTrackingScaling)
        .target_tracking_scaling_policy_configuration(
            TargetTrackingScalingPolicyConfiguration::builder()
                .target_value(70.0)
                .predefined_metric_specification(
                    PredefinedMetricSpecification::builder()
                        .predefined_metric_type(MetricType::SageMakerVariantInvocationsPerInstance)
                        .build()
                        .unwrap(),
                )
                .scale_in_cooldown(600)
                .scale_out_cooldown(60)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .expect("PutScalingPolicy target tracking");
    aas.put_scheduled_action()
        .service_namespace(ServiceNamespace::Sagemaker)
        .scheduled_action_name("evening-peak")
        .resource_id(RID)
        .scalable_dimension(variant)
        .schedule("cron(0 18 * * ? *)")
        .timezone("America/New_York")
        .start_time(
            aws_sdk_applicationautoscaling::primitives::DateTime::from_secs(
                Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
                    .unwrap()
                    .timestamp(),
            ),
        )
        .scalable_target_action(
            ScalableTargetAction::builder()
                .min_capacity(3)
                .max_capacity(10)
                .build(),
        )
        .send()
        .await
        .expect("PutScheduledAction");

    let ic = ScalableDimension::SageMakerInferenceComponentDesiredCopyCount;
    aas.register_scalable_target()
        .service_namespace(ServiceNamespace::Sagemaker)
        .resource_id(IC)
        .scalable_dimension(ic.clone())
        .min_capacity(1)
        .max_capacity(4)
        .send()
        .await
        .expect("RegisterScalableTarget inference component");
    aas.put_scaling_policy()
        .policy_name("ic-tt")
        .service_namespace(ServiceNamespace::Sagemaker)
        .resource_id(IC)
        .scalable_dimension(ic)
        .policy_type(PolicyType::TargetTrackingScaling)
        .target_tracking_scaling_policy_configuration(
            TargetTrackingScalingPolicyConfiguration::builder()
                .target_value(5.0)
                .predefined_metric_specification(
                    PredefinedMetricSpecification::builder()
                        .predefined_metric_type(
                            MetricType::SageMakerInferenceComponentInvocationsPerCopy,
                        )
                        .build()
                        .unwrap(),
                )
                .build()
                .unwrap(),
        )
        .send()
        .await
        .expect("PutScalingPolicy inference component");
}

/// Imports everything into FILE and applies it (dry-run beside AAS).
async fn import_and_apply(emu: &Emulator, file: &str) {
    let run = sagescale(emu, &["import", "--from-aas", "-o", file]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(sagescale(emu, &["init"]).code, 0);
    let run = sagescale(emu, &["apply", file]);
    assert_eq!(run.code, 0, "{}", run.stdout);
}

#[tokio::test]
async fn import_round_trips_targets_policies_actions_and_an_inference_component() {
    let emu = Emulator::start();
    register_in_aas(&emu).await;
    // A step policy no alarm invokes cannot be carried over: it is said, not dropped.
    aas(&emu)
        .await
        .put_scaling_policy()
        .policy_name("orphan-steps")
        .service_namespace(ServiceNamespace::Sagemaker)
        .resource_id(RID)
        .scalable_dimension(ScalableDimension::SageMakerVariantDesiredInstanceCount)
        .policy_type(PolicyType::StepScaling)
        .step_scaling_policy_configuration(
            StepScalingPolicyConfiguration::builder()
                .adjustment_type("ExactCapacity".into())
                .step_adjustments(
                    StepAdjustment::builder()
                        .metric_interval_lower_bound(0.0)
                        .scaling_adjustment(4)
                        .build()
                        .unwrap(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();

    let file = temp("imported.yaml");
    let file = file.to_str().unwrap();
    let run = sagescale(&emu, &["import", "--from-aas", "-o", file]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("not carried over") && run.stderr.contains("orphan-steps"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("not needed"), "{}", run.stderr);
    let text = std::fs::read_to_string(file).unwrap();
    assert!(text.contains("# not carried over: "), "{text}");
    assert!(text.contains("orphan-steps"), "{text}");
    assert!(text.contains("# note: "), "{text}");
    assert!(text.contains("Mode: dry-run"), "{text}");

    // Every page: DescribeScalingPolicies and DescribeScheduledActions per target.
    assert_eq!(sagescale(&emu, &["validate", file]).code, 0);
    assert_eq!(sagescale(&emu, &["init"]).code, 0);
    // Dry-run targets run beside AAS: apply does not refuse them.
    let run = sagescale(&emu, &["apply", file]);
    assert_eq!(run.code, 0, "{}", run.stdout);

    let store = store(&emu).await;
    let variant = store
        .load(RID)
        .await
        .unwrap()
        .expect("variant stored")
        .config;
    assert_eq!((variant.min_capacity, variant.max_capacity), (1, 8));
    assert_eq!(variant.mode, Mode::DryRun);
    let step = variant.policy("aas-steps").expect("step policy");
    assert_eq!(step.policy_type, ModelPolicyType::StepScaling);
    assert_eq!(step.alarms, vec![ALARM.to_string()]);
    let c = step.step_scaling_policy_configuration.as_ref().unwrap();
    assert_eq!(c.cooldown, Some(120));
    assert_eq!(c.step_adjustments.len(), 2);
    assert_eq!(
        c.step_adjustments[0].metric_interval_upper_bound,
        Some(50.0)
    );
    assert_eq!(c.step_adjustments[1].scaling_adjustment, 3);
    let tt = variant.policy("aas-tt").expect("target tracking");
    let c = tt
        .target_tracking_scaling_policy_configuration
        .as_ref()
        .unwrap();
    assert_eq!(c.target_value, 70.0);
    assert_eq!(
        (c.scale_in_cooldown, c.scale_out_cooldown),
        (Some(600), Some(60))
    );
    assert!(tt.alarms.is_empty());
    assert!(variant.policy("orphan-steps").is_none());
    let action = variant.scheduled_action("evening-peak").expect("action");
    assert_eq!(action.schedule, "cron(0 18 * * ? *)");
    assert_eq!(action.timezone.as_deref(), Some("America/New_York"));
    assert_eq!(
        action.start_time,
        Some(Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap())
    );
    assert_eq!(
        (
            action.scalable_target_action.min_capacity,
            action.scalable_target_action.max_capacity
        ),
        (Some(3), Some(10))
    );

    let ic = store
        .load(IC)
        .await
        .unwrap()
        .expect("inference component")
        .config;
    assert_eq!(ic.scalable_dimension.as_str(), IC_DIM);
    assert_eq!((ic.min_capacity, ic.max_capacity), (1, 4));
    assert!(ic.policy("ic-tt").is_some());

    // --resource-id narrows; --mode enforce; stdout without -o.
    let run = sagescale(
        &emu,
        &[
            "import",
            "--from-aas",
            "--resource-id",
            IC,
            "--mode",
            "enforce",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains(IC) && !run.stdout.contains(RID),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("Mode: enforce"), "{}", run.stdout);
    // A target AAS does not have is said.
    let run = sagescale(
        &emu,
        &[
            "import",
            "--from-aas",
            "--resource-id",
            "endpoint/nope/variant/AllTraffic",
        ],
    );
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("endpoint/nope"), "{}", run.stderr);
}

/// A dry-run configuration of the endpoint with one scheduled action (every day at 18:00 New
/// York: at least 5).
fn dry_run_file(name: &str) -> PathBuf {
    let yaml = format!(
        r#"
ScalableTargets:
  - ServiceNamespace: sagemaker
    ResourceId: {RID}
    ScalableDimension: {VARIANT_DIM}
    MinCapacity: 1
    MaxCapacity: 20
    Mode: dry-run
    ScheduledActions:
      - ScheduledActionName: evening-peak
        Schedule: cron(0 18 * * ? *)
        Timezone: America/New_York
        ScalableTargetAction: {{MinCapacity: 5, MaxCapacity: 20}}
"#
    );
    let path = temp(name);
    std::fs::write(&path, yaml).unwrap();
    path
}

#[tokio::test]
async fn compare_reports_agreement_and_disagreement() {
    use sagescale_aws::reconcile::run_pass;
    use sagescale_aws::sagemaker::SageMaker;
    use sagescale_aws::scaler::Scaler;
    use sagescale_tests::aas::AasActivity;

    let emu = Emulator::start();
    emu.create_endpoint(ENDPOINT, "AllTraffic", 2);
    assert_eq!(sagescale(&emu, &["init"]).code, 0);
    let file = dry_run_file("compare.yaml");
    assert_eq!(sagescale(&emu, &["apply", file.to_str().unwrap()]).code, 0);
    // sagescale's dry-run decision at 18:00 New York: to 5.
    let scaler = Scaler::new(
        store(&emu).await,
        SageMaker::new(aws_sdk_sagemaker::Client::new(&emu.sdk_config().await)),
    );
    // 18:00 in New York two days ago (in the --since window), whatever the DST.
    let day = (Utc::now() - Duration::days(2)).date_naive();
    let fire = chrono_tz::America::New_York
        .from_local_datetime(&day.and_hms_opt(18, 0, 0).unwrap())
        .unwrap()
        .with_timezone(&Utc);
    run_pass(&scaler, fire - Duration::seconds(60))
        .await
        .unwrap();
    let out = run_pass(&scaler, fire + Duration::seconds(5))
        .await
        .unwrap();
    assert_eq!(out.len(), 1, "{out:?}");
    assert_eq!(
        emu.variant_state(ENDPOINT, "AllTraffic")
            .desired_instance_count,
        2,
        "dry run"
    );

    // AAS took the same decision 90 s later: full agreement.
    let mut same = AasActivity::scaled(RID, VARIANT_DIM, fire + Duration::seconds(90), 5);
    same.cause = "scheduled action name evening-peak was triggered changing the desired capacity from 2 to 5.".into();
    emu.seed_aas_activities(&[same]);
    let run = sagescale(&emu, &["compare", RID, "--since", "7d", "--output", "json"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(json["Agreement"], 1.0, "{json}");
    assert_eq!(json["Matched"].as_array().unwrap().len(), 1);
    assert_eq!(json["Matched"][0]["OffsetSeconds"], -85);

    // A decision only AAS took, two hours later: half.
    emu.seed_aas_activities(&[AasActivity::scaled(
        RID,
        VARIANT_DIM,
        fire + Duration::hours(2),
        3,
    )]);
    let run = sagescale(&emu, &["compare", RID, "--since", "7d"]);
    assert_eq!(run.code, 0);
    assert!(
        run.stdout
            .contains("agreement 50% (1 matched of 2 decisions)"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("only AAS"), "{}", run.stdout);
    assert!(run.stdout.contains("matched (-85s)"), "{}", run.stdout);

    // Older than the window: not compared. Every page is read (AAS pages by 50).
    let many: Vec<AasActivity> = (0..60)
        .map(|i| AasActivity::scaled(RID, VARIANT_DIM, fire - Duration::hours(i + 1), 4))
        .collect();
    emu.seed_aas_activities(&many);
    emu.seed_aas_activities(&[AasActivity::scaled(
        RID,
        VARIANT_DIM,
        fire - Duration::days(30),
        9,
    )]);
    emu.clear_requests();
    let run = sagescale(&emu, &["compare", RID, "--since", "7d", "--output", "json"]);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(json["OnlyAas"].as_array().unwrap().len(), 61, "{json}");
    assert_eq!(
        emu.requests_for("application-autoscaling", "DescribeScalingActivities")
            .len(),
        2
    );

    let run = sagescale(&emu, &["compare", "endpoint/nope/variant/AllTraffic"]);
    assert_eq!(run.code, 1);
    assert!(run.stdout.contains("not configured"), "{}", run.stdout);
}

/// (AAS scales the target: registered and not wholly suspended; sagescale enforces it).
async fn in_charge(emu: &Emulator, rid: &str) -> (bool, bool) {
    let target = aas(emu)
        .await
        .describe_scalable_targets()
        .service_namespace(ServiceNamespace::Sagemaker)
        .resource_ids(rid)
        .send()
        .await
        .unwrap()
        .scalable_targets()
        .first()
        .cloned();
    let aas_active = target.is_some_and(|t| {
        !t.suspended_state().is_some_and(|s| {
            s.dynamic_scaling_in_suspended() == Some(true)
                && s.dynamic_scaling_out_suspended() == Some(true)
                && s.scheduled_scaling_suspended() == Some(true)
        })
    });
    let loaded = store(emu).await.load(rid).await.unwrap();
    let enforcing = loaded.is_some_and(|l| l.config.mode == Mode::Enforce);
    (aas_active, enforcing)
}

async fn aas_policy_names(emu: &Emulator, rid: &str) -> Vec<String> {
    let mut names: Vec<String> = aas(emu)
        .await
        .describe_scaling_policies()
        .service_namespace(ServiceNamespace::Sagemaker)
        .resource_id(rid)
        .send()
        .await
        .unwrap()
        .scaling_policies()
        .iter()
        .map(|p| p.policy_name().to_string())
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn takeover_and_handback_leave_one_scaler_in_charge_when_rerun_or_interrupted() {
    use sagescale_tests::FaultKind;

    let emu = Emulator::start();
    register_in_aas(&emu).await;
    let file = temp("takeover.yaml");
    import_and_apply(&emu, file.to_str().unwrap()).await;
    assert_eq!(
        in_charge(&emu, RID).await,
        (true, false),
        "AAS, sagescale dry-run"
    );

    // No confirmation: nothing changes.
    let run = sagescale_stdin(&emu, &["takeover", RID], Some("n\n"));
    assert_eq!(run.code, 1);
    assert!(run.stdout.contains("aborted"), "{}", run.stdout);
    assert_eq!(in_charge(&emu, RID).await, (true, false));

    // Interrupted between suspending AAS and switching sagescale to enforce (an error on every
    // attempt of the SDK's three): nobody scales, and it says so; a rerun completes.
    emu.inject_fault(
        "dynamodb",
        "TransactWriteItems",
        FaultKind::ResourceLimit,
        3,
    );
    let run = sagescale(&emu, &["takeover", RID, "--yes"]);
    assert_eq!(run.code, 1);
    assert!(run.stdout.contains("NOBODY scales"), "{}", run.stdout);
    assert_eq!(in_charge(&emu, RID).await, (false, false));
    let run = sagescale_stdin(&emu, &["takeover", RID], Some("y\n"));
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(run.stdout.contains("(done)"), "{}", run.stdout);
    assert_eq!(in_charge(&emu, RID).await, (false, true), "sagescale alone");
    assert!(aas_policy_names(&emu, RID).await.is_empty());

    // Twice: nothing to do.
    emu.clear_requests();
    let run = sagescale(&emu, &["takeover", RID, "--yes"]);
    assert_eq!(run.code, 0);
    assert!(run.stdout.contains("nothing to do"), "{}", run.stdout);
    assert!(
        emu.requests_for("application-autoscaling", "RegisterScalableTarget")
            .is_empty()
            && emu.dynamodb_writes() == 0
    );

    // Interrupted between switching sagescale to enforce and deregistering: sagescale alone.
    emu.inject_fault(
        "application-autoscaling",
        "DeregisterScalableTarget",
        FaultKind::ResourceLimit,
        3,
    );
    let run = sagescale(&emu, &["takeover", IC, "--yes"]);
    assert_eq!(run.code, 1);
    assert_eq!(in_charge(&emu, IC).await, (false, true), "one scaler");
    assert_eq!(sagescale(&emu, &["takeover", IC, "--yes"]).code, 0);
    assert_eq!(in_charge(&emu, IC).await, (false, true));
    assert!(aas_policy_names(&emu, IC).await.is_empty());

    // Handback, interrupted while putting the policies: sagescale still alone; rerun completes.
    emu.inject_fault(
        "application-autoscaling",
        "PutScalingPolicy",
        FaultKind::ResourceLimit,
        3,
    );
    let run = sagescale(&emu, &["handback", RID, "--yes"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stdout.contains("sagescale still scales"),
        "{}",
        run.stdout
    );
    assert_eq!(in_charge(&emu, RID).await, (false, true), "one scaler");
    let run = sagescale(&emu, &["handback", RID, "--yes"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(in_charge(&emu, RID).await, (true, false), "AAS alone");
    assert!(
        run.stdout.contains("warning: ") && run.stdout.contains("Alarms"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("action needed") && run.stdout.contains(ALARM),
        "{}",
        run.stdout
    );
    assert_eq!(aas_policy_names(&emu, RID).await, ["aas-steps", "aas-tt"]);
    let aas_client = aas(&emu).await;
    let actions = aas_client
        .describe_scheduled_actions()
        .service_namespace(ServiceNamespace::Sagemaker)
        .resource_id(RID)
        .send()
        .await
        .unwrap();
    let action = &actions.scheduled_actions()[0];
    assert_eq!(action.scheduled_action_name(), "evening-peak");
    assert_eq!(action.timezone(), Some("America/New_York"));
    let targets = aas_client
        .describe_scalable_targets()
        .service_namespace(ServiceNamespace::Sagemaker)
        .resource_ids(RID)
        .send()
        .await
        .unwrap();
    let t = &targets.scalable_targets()[0];
    assert_eq!((t.min_capacity(), t.max_capacity()), (1, 8));

    // Twice: nothing to do.
    let run = sagescale(&emu, &["handback", RID, "--yes"]);
    assert_eq!(run.code, 0);
    assert!(run.stdout.contains("nothing to do"), "{}", run.stdout);
    assert_eq!(in_charge(&emu, RID).await, (true, false));

    // Refusals: AAS already scales a target sagescale enforces; a target not in the table.
    aas_client
        .register_scalable_target()
        .service_namespace(ServiceNamespace::Sagemaker)
        .resource_id(IC)
        .scalable_dimension(ScalableDimension::SageMakerInferenceComponentDesiredCopyCount)
        .min_capacity(1)
        .max_capacity(4)
        .send()
        .await
        .unwrap();
    let run = sagescale(&emu, &["handback", IC, "--yes"]);
    assert_eq!(run.code, 1);
    assert!(run.stdout.contains("already scales"), "{}", run.stdout);
    let run = sagescale(
        &emu,
        &["takeover", "endpoint/nope/variant/AllTraffic", "--yes"],
    );
    assert_eq!(run.code, 1);
    assert!(run.stdout.contains("not configured"), "{}", run.stdout);
}

#[tokio::test]
async fn import_reads_every_page_of_scalable_targets() {
    let emu = Emulator::start();
    let aas = aas(&emu).await;
    for i in 0..110 {
        aas.register_scalable_target()
            .service_namespace(ServiceNamespace::Sagemaker)
            .resource_id(format!("endpoint/ep-{i:03}/variant/AllTraffic"))
            .scalable_dimension(ScalableDimension::SageMakerVariantDesiredInstanceCount)
            .min_capacity(1)
            .max_capacity(2)
            .send()
            .await
            .unwrap();
    }
    emu.clear_requests();
    let file = temp("many.yaml");
    let run = sagescale(
        &emu,
        &["import", "--from-aas", "-o", file.to_str().unwrap()],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("110 targets"), "{}", run.stderr);
    assert_eq!(
        emu.requests_for("application-autoscaling", "DescribeScalableTargets")
            .len(),
        3
    );
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.contains("ep-109") && text.contains("ep-000"));
}
