//! The AWS subcommands (`init`, `apply`, `status`, `activities`, `suspend`, `resume`): the built
//! `sagescale` binary against the emulator, with `--endpoint-url` and the usual AWS variables.

use std::path::PathBuf;
use std::process::Command;

use aws_sdk_applicationautoscaling::types::{
    PolicyType, ScalableDimension, ServiceNamespace, StepAdjustment, StepScalingPolicyConfiguration,
};
use chrono::{Duration, TimeZone, Utc};
use serde_json::Value;

use sagescale_aws::reconcile::run_pass;
use sagescale_aws::sagemaker::SageMaker;
use sagescale_aws::scaler::Scaler;
use sagescale_aws::store::Store;
use sagescale_tests::Emulator;

const TABLE: &str = "sagescale-cli-test";
const ENDPOINT: &str = "cli-endpoint";
const RID: &str = "endpoint/cli-endpoint/variant/AllTraffic";

struct Run {
    code: i32,
    stdout: String,
}

/// `sagescale --endpoint-url <emulator> --table TABLE ARGS...` from the repository root.
fn sagescale(emu: &Emulator, args: &[&str]) -> Run {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let url = emu.endpoint_url();
    let output = Command::new(env!("CARGO_BIN_EXE_sagescale"))
        .args(["--endpoint-url", &url, "--table", TABLE])
        .args(args)
        .envs(emu.aws_env())
        .env_remove("SAGESCALE_TABLE")
        .current_dir(root)
        .output()
        .expect("sagescale runs");
    let run = Run {
        code: output.status.code().expect("exit code"),
        stdout: String::from_utf8(output.stdout).expect("utf-8"),
    };
    if run.code != 0 {
        eprintln!(
            "sagescale {args:?} exited {}:\n{}\n{}",
            run.code,
            run.stdout,
            String::from_utf8_lossy(&output.stderr)
        );
    }
    run
}

/// A configuration for the emulator's endpoint, written to a temporary file.
fn config_file(name: &str, min: i32, max: i32) -> PathBuf {
    let yaml = format!(
        r#"
ScalableTargets:
  - ServiceNamespace: sagemaker
    ResourceId: {RID}
    ScalableDimension: sagemaker:variant:DesiredInstanceCount
    MinCapacity: {min}
    MaxCapacity: {max}
    ScalingPolicies:
      - PolicyName: latency-out
        PolicyType: StepScaling
        Alarms: [sagescale-cli-latency-high]
        StepScalingPolicyConfiguration:
          AdjustmentType: ChangeInCapacity
          Cooldown: 300
          StepAdjustments:
            - {{MetricIntervalLowerBound: 0, ScalingAdjustment: 2}}
    ScheduledActions:
      - ScheduledActionName: evening-peak
        Schedule: cron(0 18 * * ? *)
        Timezone: America/New_York
        ScalableTargetAction: {{MinCapacity: 5, MaxCapacity: 20}}
"#
    );
    let dir = std::env::temp_dir().join(format!("sagescale-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, yaml).unwrap();
    path
}

async fn store(emu: &Emulator) -> Store {
    Store::new(
        aws_sdk_dynamodb::Client::new(&emu.sdk_config().await),
        TABLE,
    )
}

#[tokio::test]
async fn apply_refuses_an_invalid_file_without_touching_the_table() {
    let emu = Emulator::start();
    assert_eq!(sagescale(&emu, &["init"]).code, 0);
    emu.clear_requests();

    let run = sagescale(
        &emu,
        &["apply", "tests/fixtures/invalid/bad-alarm-name.yaml"],
    );
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(
        run.stdout
            .contains("error: tests/fixtures/invalid/bad-alarm-name.yaml")
    );
    assert!(
        emu.requests().is_empty(),
        "an invalid file makes no AWS call"
    );
    assert!(store(&emu).await.list_targets().await.unwrap().is_empty());
}

#[tokio::test]
async fn apply_refuses_a_resource_that_application_auto_scaling_scales_unless_forced() {
    let emu = Emulator::start();
    emu.create_endpoint(ENDPOINT, "AllTraffic", 2);
    assert_eq!(sagescale(&emu, &["init"]).code, 0);
    let aas = aws_sdk_applicationautoscaling::Client::new(&emu.sdk_config().await);
    let dimension = ScalableDimension::SageMakerVariantDesiredInstanceCount;
    aas.register_scalable_target()
        .service_namespace(ServiceNamespace::Sagemaker)
        .resource_id(RID)
        .scalable_dimension(dimension.clone())
        .min_capacity(1)
        .max_capacity(4)
        .send()
        .await
        .expect("RegisterScalableTarget");
    aas.put_scaling_policy()
        .policy_name("aas-steps")
        .service_namespace(ServiceNamespace::Sagemaker)
        .resource_id(RID)
        .scalable_dimension(dimension)
        .policy_type(PolicyType::StepScaling)
        .step_scaling_policy_configuration(
            StepScalingPolicyConfiguration::builder()
                .adjustment_type("ChangeInCapacity".into())
                .step_adjustments(
                    StepAdjustment::builder()
                        .metric_interval_lower_bound(0.0)
                        .scaling_adjustment(1)
                        .build()
                        .unwrap(),
                )
                .build(),
        )
        .send()
        .await
        .expect("PutScalingPolicy");
    let file = config_file("conflict.yaml", 1, 20);
    let file = file.to_str().unwrap();
    emu.clear_requests();

    let run = sagescale(&emu, &["apply", file]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(
        run.stdout
            .contains("Application Auto Scaling has scaling policy aas-steps"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("--force"), "{}", run.stdout);
    assert_eq!(emu.dynamodb_writes(), 0);
    assert!(store(&emu).await.load(RID).await.unwrap().is_none());

    let run = sagescale(&emu, &["apply", "--force", file]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(run.stdout.contains("warning: "), "{}", run.stdout);
    assert!(store(&emu).await.load(RID).await.unwrap().is_some());
}

#[tokio::test]
async fn apply_status_activities_suspend_and_resume() {
    let emu = Emulator::start();
    emu.create_endpoint(ENDPOINT, "AllTraffic", 2);
    assert_eq!(sagescale(&emu, &["init"]).code, 0);
    let file = config_file("target.yaml", 1, 20);
    let run = sagescale(&emu, &["apply", file.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(
        run.stdout
            .contains(&format!("applied {RID} (configuration version 1"))
    );

    // A pass at Friday 18:00:05 New York time fires the action: 2 -> 5, effective min 5.
    let sdk = emu.sdk_config().await;
    let scaler = Scaler::new(
        store(&emu).await,
        SageMaker::new(aws_sdk_sagemaker::Client::new(&sdk)),
    );
    let fire = Utc.with_ymd_and_hms(2026, 11, 27, 23, 0, 0).unwrap();
    // The configuration was applied just now; a new action's cursor starts at most 15
    // minutes back, so bring it in before the firing first.
    run_pass(&scaler, fire - Duration::seconds(60))
        .await
        .unwrap();
    let out = run_pass(&scaler, fire + Duration::seconds(5))
        .await
        .unwrap();
    assert_eq!(out.len(), 1, "{out:?}");

    let run = sagescale(&emu, &["status"]);
    assert_eq!(run.code, 0);
    let s = &run.stdout;
    assert!(s.contains(RID), "{s}");
    assert!(s.contains("configured [1, 20], effective [5, 20]"), "{s}");
    assert!(s.contains("InService, desired 5, current 5"), "{s}");
    assert!(s.contains("configuration cli-endpoint-config"), "{s}");
    assert!(s.contains("holds 5 across endpoint updates"), "{s}");
    assert!(s.contains("evening-peak"), "{s}");
    assert!(s.contains("suspended   none"), "{s}");

    let run = sagescale(&emu, &["activities", RID]);
    assert_eq!(run.code, 0);
    assert!(
        run.stdout.contains("Setting desired instance count to 5."),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("Successful"), "{}", run.stdout);

    let run = sagescale(&emu, &["activities", RID, "--output", "json"]);
    assert_eq!(run.code, 0);
    let json: Value = serde_json::from_str(&run.stdout).expect("JSON");
    let acts = json["ScalingActivities"]
        .as_array()
        .expect("ScalingActivities");
    assert_eq!(acts.len(), 1);
    let a = &acts[0];
    for key in [
        "ActivityId",
        "ServiceNamespace",
        "ResourceId",
        "ScalableDimension",
        "Description",
        "Cause",
        "StartTime",
        "StatusCode",
    ] {
        assert!(a.get(key).is_some(), "{key} missing: {a}");
    }
    assert_eq!(a["ServiceNamespace"], "sagemaker");
    assert_eq!(
        a["ScalableDimension"],
        "sagemaker:variant:DesiredInstanceCount"
    );
    assert_eq!(a["StatusCode"], "Successful");
    assert_eq!(
        a["Cause"],
        "scheduled action name evening-peak was triggered"
    );
    chrono::DateTime::parse_from_rfc3339(a["StartTime"].as_str().unwrap()).expect("timestamp");

    let run = sagescale(&emu, &["suspend", RID, "--scheduled"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    let stored = store(&emu).await.load(RID).await.unwrap().unwrap().config;
    assert!(stored.suspended().scheduled_scaling_suspended);
    assert!(!stored.suspended().dynamic_scaling_in_suspended);
    assert!(
        sagescale(&emu, &["status", RID])
            .stdout
            .contains("suspended   ScheduledScaling")
    );
    assert_eq!(sagescale(&emu, &["resume", RID]).code, 0);
    let stored = store(&emu).await.load(RID).await.unwrap().unwrap().config;
    assert_eq!(stored.suspended(), Default::default());

    // A re-apply with other bounds resets the effective bounds.
    let file = config_file("target-wider.yaml", 2, 30);
    let run = sagescale(&emu, &["apply", file.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(
        run.stdout.contains("effective bounds reset to [2, 30]"),
        "{}",
        run.stdout
    );
    let run = sagescale(&emu, &["status", RID]);
    assert!(
        run.stdout.contains("configured [2, 30], effective [2, 30]"),
        "{}",
        run.stdout
    );

    let run = sagescale(&emu, &["status", "endpoint/nope/variant/AllTraffic"]);
    assert_eq!(run.code, 1);
}

#[tokio::test]
async fn apply_warns_when_the_endpoint_does_not_exist_yet() {
    let emu = Emulator::start();
    assert_eq!(sagescale(&emu, &["init"]).code, 0);
    let file = config_file("no-endpoint.yaml", 1, 20);
    let run = sagescale(&emu, &["apply", file.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(
        run.stdout
            .contains(&format!("warning: {RID}: cannot describe the endpoint")),
        "{}",
        run.stdout
    );
    assert!(store(&emu).await.load(RID).await.unwrap().is_some());
}

#[tokio::test]
async fn re_apply_keeps_a_suspension_unless_the_document_states_suspended_state() {
    let emu = Emulator::start();
    emu.create_endpoint(ENDPOINT, "AllTraffic", 2);
    assert_eq!(sagescale(&emu, &["init"]).code, 0);
    let file = config_file("keep-suspension.yaml", 1, 20);
    let file = file.to_str().unwrap();
    assert_eq!(sagescale(&emu, &["apply", file]).code, 0);
    assert_eq!(sagescale(&emu, &["suspend", RID, "--scheduled"]).code, 0);

    // The document says nothing about SuspendedState: what `suspend` set stays.
    let run = sagescale(&emu, &["apply", file]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    let stored = store(&emu).await.load(RID).await.unwrap().unwrap().config;
    assert!(
        stored.suspended().scheduled_scaling_suspended,
        "{}",
        run.stdout
    );

    // A document that states SuspendedState sets it, and apply says so.
    let text = std::fs::read_to_string(file).unwrap().replace(
        "    MaxCapacity: 20\n",
        "    MaxCapacity: 20\n    SuspendedState: {ScheduledScalingSuspended: false}\n",
    );
    let stated = std::path::Path::new(file).with_file_name("state-suspension.yaml");
    std::fs::write(&stated, text).unwrap();
    let run = sagescale(&emu, &["apply", stated.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(
        run.stdout
            .contains("ScheduledScalingSuspended true -> false"),
        "{}",
        run.stdout
    );
    let stored = store(&emu).await.load(RID).await.unwrap().unwrap().config;
    assert!(!stored.suspended().scheduled_scaling_suspended);
}

#[tokio::test]
async fn apply_prints_what_changes_and_dry_run_writes_nothing() {
    let emu = Emulator::start();
    emu.create_endpoint(ENDPOINT, "AllTraffic", 2);
    assert_eq!(sagescale(&emu, &["init"]).code, 0);
    let first = config_file("changes-first.yaml", 1, 20);
    let run = sagescale(&emu, &["apply", first.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(run.stdout.contains("new target"), "{}", run.stdout);

    // Other bounds and one policy fewer, as a dry run: printed, nothing written.
    let text = std::fs::read_to_string(&first).unwrap();
    let start = text.find("    ScalingPolicies:").unwrap();
    let end = text.find("    ScheduledActions:").unwrap();
    let text = format!("{}{}", &text[..start], &text[end..])
        .replace("MinCapacity: 1\n", "MinCapacity: 2\n")
        .replace(
            "    Timezone: America/New_York",
            "    Timezone: Europe/London",
        );
    let second = first.with_file_name("changes-second.yaml");
    std::fs::write(&second, text).unwrap();
    emu.clear_requests();
    let run = sagescale(&emu, &["apply", "--dry-run", second.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    for line in [
        "MinCapacity 1 -> 2",
        "policy latency-out removed",
        "scheduled action evening-peak changed",
        "dry run: nothing was applied",
    ] {
        assert!(run.stdout.contains(line), "{line}: {}", run.stdout);
    }
    assert_eq!(emu.dynamodb_writes(), 0, "{}", run.stdout);
    let stored = store(&emu).await.load(RID).await.unwrap().unwrap();
    assert_eq!((stored.config.min_capacity, stored.config_version), (1, 1));

    // The same document again: no changes, said so.
    let run = sagescale(&emu, &["apply", first.to_str().unwrap()]);
    assert!(run.stdout.contains("no changes"), "{}", run.stdout);
}

#[tokio::test]
async fn a_missing_table_is_named_with_what_to_do_and_init_twice_is_fine() {
    let emu = Emulator::start();
    let run = sagescale(&emu, &["status"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stdout
            .contains(&format!("error: table {TABLE} does not exist in region "))
            && run.stdout.contains("sagescale init")
            && run.stdout.contains("--table"),
        "{}",
        run.stdout
    );
    assert_eq!(sagescale(&emu, &["init"]).code, 0);
    let run = sagescale(&emu, &["init"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(
        run.stdout
            .contains(&format!("table {TABLE} already exists")),
        "{}",
        run.stdout
    );
    // An unconfigured target is said to be one, as `status` and `suspend` say it.
    let run = sagescale(&emu, &["activities", RID]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(
        run.stdout
            .contains(&format!("error: {RID} is not configured in table {TABLE}")),
        "{}",
        run.stdout
    );
}

/// `status` shows each target-tracking policy's latest completed datapoint against its target
/// and how many datapoints of each alarm window breach, read from CloudWatch as the pass does.
#[tokio::test]
async fn status_shows_target_tracking_metrics_against_the_target() {
    let emu = Emulator::start();
    emu.create_endpoint(ENDPOINT, "AllTraffic", 2);
    assert_eq!(sagescale(&emu, &["init"]).code, 0);
    let yaml = format!(
        r#"
ScalableTargets:
  - ServiceNamespace: sagemaker
    ResourceId: {RID}
    ScalableDimension: sagemaker:variant:DesiredInstanceCount
    MinCapacity: 1
    MaxCapacity: 10
    ScalingPolicies:
      - PolicyName: invocations-target
        PolicyType: TargetTrackingScaling
        TargetTrackingScalingPolicyConfiguration:
          TargetValue: 70
          PredefinedMetricSpecification: {{PredefinedMetricType: SageMakerVariantInvocationsPerInstance}}
"#
    );
    let dir = std::env::temp_dir().join(format!("sagescale-cli-tt-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("tt.yaml");
    std::fs::write(&file, yaml).unwrap();
    assert_eq!(sagescale(&emu, &["apply", file.to_str().unwrap()]).code, 0);

    // 15 minutes ending 18:09 UTC: 12 quiet, then 3 at 140 (the last completed minute at
    // 18:10:30 is 18:09).
    let start = Utc.with_ymd_and_hms(2026, 11, 27, 17, 55, 0).unwrap();
    let mut values = vec![30.0; 12];
    values.extend([140.0; 3]);
    sagescale_tests::cloudwatch::put_metric_series(
        &emu.cloudwatch_client().await,
        "AWS/SageMaker",
        "InvocationsPerInstance",
        &[("EndpointName", ENDPOINT), ("VariantName", "AllTraffic")],
        start,
        60,
        &values,
    )
    .await
    .unwrap();
    let url = emu.endpoint_url();
    let output = Command::new(env!("CARGO_BIN_EXE_sagescale"))
        // The AWS flags after the subcommand (the other tests put them before it).
        .args(["status", "--endpoint-url", &url, "--table", TABLE, RID])
        .envs(emu.aws_env())
        .env("SAGESCALE_CLOCK_START", "2026-11-27T18:10:30Z")
        .output()
        .expect("sagescale runs");
    let s = String::from_utf8(output.stdout).unwrap();
    assert_eq!(output.status.code(), Some(0), "{s}");
    assert!(
        s.contains("tracking    invocations-target: latest 140.00 against target 70; 3 of last 3 above (scale out at 3), 12 of last 15 below 63.00 (scale in at 15)"),
        "{s}"
    );
}

/// A deployment that renamed the target's variant: `status` says so, and nothing is scaled.
#[tokio::test]
async fn status_reports_a_variant_a_deployment_removed() {
    use aws_sdk_sagemaker::types::{ProductionVariant, ProductionVariantInstanceType};
    let emu = Emulator::start();
    emu.create_endpoint(ENDPOINT, "AllTraffic", 2);
    assert_eq!(sagescale(&emu, &["init"]).code, 0);
    let file = config_file("target.yaml", 1, 20);
    assert_eq!(sagescale(&emu, &["apply", file.to_str().unwrap()]).code, 0);
    let sdk = emu.sdk_config().await;
    let sagemaker = aws_sdk_sagemaker::Client::new(&sdk);
    let scaler = Scaler::new(store(&emu).await, SageMaker::new(sagemaker.clone()));
    let now = Utc::now();
    run_pass(&scaler, now).await.unwrap();

    sagemaker
        .create_endpoint_config()
        .endpoint_config_name("cli-endpoint-v2")
        .production_variants(
            ProductionVariant::builder()
                .variant_name("Blue")
                .model_name("cli-endpoint-model")
                .initial_instance_count(2)
                .instance_type(ProductionVariantInstanceType::MlM5Large)
                .build(),
        )
        .send()
        .await
        .unwrap();
    sagemaker
        .update_endpoint()
        .endpoint_name(ENDPOINT)
        .endpoint_config_name("cli-endpoint-v2")
        .send()
        .await
        .unwrap();
    run_pass(&scaler, now + Duration::seconds(60))
        .await
        .unwrap();

    let run = sagescale(&emu, &["status", RID]);
    assert_eq!(run.code, 0);
    let s = &run.stdout;
    assert!(
        s.contains("configuration cli-endpoint-v2 has [Blue]; not scaled"),
        "{s}"
    );
    assert!(s.contains("has no variant AllTraffic"), "{s}");
    assert!(
        emu.requests_for("sagemaker", "UpdateEndpointWeightsAndCapacities")
            .is_empty()
    );
}
