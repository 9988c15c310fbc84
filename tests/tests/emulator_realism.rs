//! The emulator's realism layer, exercised through the real AWS SDK clients.

use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, KeySchemaElement, KeyType,
    ScalarAttributeType,
};
use aws_sdk_sagemaker::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_sagemaker::operation::update_endpoint_weights_and_capacities::UpdateEndpointWeightsAndCapacitiesError;
use aws_sdk_sagemaker::operation::update_inference_component_runtime_config::UpdateInferenceComponentRuntimeConfigError;
use aws_sdk_sagemaker::types::{
    DesiredWeightAndCapacity, EndpointStatus, InferenceComponentRuntimeConfig,
    InferenceComponentSpecification, ProductionVariant, ProductionVariantInstanceType,
    ProductionVariantSummary,
};
use sagescale_tests::{ACCOUNT_ID, Emulator, FaultKind, REGION, RequestLogEntry};
use std::time::Duration;

const UPDATE: &str = "UpdateEndpointWeightsAndCapacities";

async fn sagemaker(emu: &Emulator) -> aws_sdk_sagemaker::Client {
    aws_sdk_sagemaker::Client::new(&emu.sdk_config().await)
}

async fn update(
    client: &aws_sdk_sagemaker::Client,
    endpoint: &str,
    change: DesiredWeightAndCapacity,
) -> Result<(), SdkError<UpdateEndpointWeightsAndCapacitiesError>> {
    client
        .update_endpoint_weights_and_capacities()
        .endpoint_name(endpoint)
        .desired_weights_and_capacities(change)
        .send()
        .await
        .map(|_| ())
}

fn instances(variant: &str, count: i32) -> DesiredWeightAndCapacity {
    DesiredWeightAndCapacity::builder()
        .variant_name(variant)
        .desired_instance_count(count)
        .build()
}

async fn describe(
    client: &aws_sdk_sagemaker::Client,
    endpoint: &str,
) -> (EndpointStatus, ProductionVariantSummary) {
    let out = client
        .describe_endpoint()
        .endpoint_name(endpoint)
        .send()
        .await
        .expect("DescribeEndpoint");
    (
        out.endpoint_status().cloned().expect("EndpointStatus"),
        out.production_variants()
            .first()
            .cloned()
            .expect("a variant"),
    )
}

fn in_progress_message(endpoint: &str) -> String {
    format!(
        "Cannot update in-progress endpoint \"arn:aws:sagemaker:{REGION}:{ACCOUNT_ID}:endpoint/{endpoint}\"."
    )
}

fn faults(log: &[RequestLogEntry]) -> Vec<(u16, Option<&str>)> {
    log.iter()
        .map(|entry| (entry.status, entry.fault.as_deref()))
        .collect()
}

#[tokio::test]
async fn update_is_updating_with_old_current_count_then_in_service_after_the_delay() {
    let emu = Emulator::start();
    emu.create_endpoint("ep", "AllTraffic", 2);
    emu.set_update_delay(1.0);
    let client = sagemaker(&emu).await;

    update(&client, "ep", instances("AllTraffic", 5))
        .await
        .expect("update accepted");

    let (status, variant) = describe(&client, "ep").await;
    assert_eq!(status, EndpointStatus::Updating);
    assert_eq!(variant.desired_instance_count(), Some(5));
    assert_eq!(variant.current_instance_count(), Some(2));

    // Poll (bounded) until the emulated provisioning finishes.
    let mut settled = None;
    for _ in 0..600 {
        let (status, variant) = describe(&client, "ep").await;
        if status != EndpointStatus::Updating {
            settled = Some((status, variant));
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (status, variant) = settled.expect("endpoint left Updating");
    assert_eq!(status, EndpointStatus::InService);
    assert_eq!(variant.desired_instance_count(), Some(5));
    assert_eq!(variant.current_instance_count(), Some(5));
}

#[tokio::test]
async fn default_delay_is_zero_so_updates_complete_at_once() {
    let emu = Emulator::start();
    emu.create_endpoint("ep", "AllTraffic", 1);
    let client = sagemaker(&emu).await;

    update(&client, "ep", instances("AllTraffic", 3))
        .await
        .expect("update accepted");

    assert_eq!(
        emu.describe_variant("ep", "AllTraffic"),
        (3, 3, "InService".into())
    );
}

#[tokio::test]
async fn update_while_updating_is_rejected_with_sagemakers_validation_message() {
    let emu = Emulator::start();
    emu.create_endpoint("ep", "AllTraffic", 2);
    emu.set_endpoint_update_delay("ep", 3600.0);
    let client = sagemaker(&emu).await;
    update(&client, "ep", instances("AllTraffic", 4))
        .await
        .expect("first update accepted");

    let err = update(&client, "ep", instances("AllTraffic", 6))
        .await
        .expect_err("second update rejected")
        .into_service_error();
    assert_eq!(err.code(), Some("ValidationException"));
    assert_eq!(err.message(), Some(in_progress_message("ep").as_str()));
    // The rejected request changed nothing.
    assert_eq!(
        emu.describe_variant("ep", "AllTraffic"),
        (4, 2, "Updating".into())
    );

    emu.complete_update("ep");
    assert_eq!(
        emu.describe_variant("ep", "AllTraffic"),
        (4, 4, "InService".into())
    );
    update(&client, "ep", instances("AllTraffic", 6))
        .await
        .expect("accepted once InService");
    assert_eq!(emu.describe_variant("ep", "AllTraffic").0, 6);
}

#[tokio::test]
async fn every_in_progress_status_rejects_updates_and_failed_ones_too() {
    let emu = Emulator::start();
    emu.create_endpoint("ep", "AllTraffic", 2);
    let client = sagemaker(&emu).await;

    for status in [
        "Creating",
        "Updating",
        "SystemUpdating",
        "RollingBack",
        "Deleting",
    ] {
        emu.set_endpoint_status("ep", status);
        assert_eq!(
            describe(&client, "ep").await.0,
            EndpointStatus::from(status)
        );
        let err = update(&client, "ep", instances("AllTraffic", 3))
            .await
            .expect_err(status)
            .into_service_error();
        assert_eq!(err.code(), Some("ValidationException"), "{status}");
        assert_eq!(
            err.message(),
            Some(in_progress_message("ep").as_str()),
            "{status}"
        );
    }
    for status in ["Failed", "OutOfService"] {
        emu.set_endpoint_status("ep", status);
        let err = update(&client, "ep", instances("AllTraffic", 3))
            .await
            .expect_err(status)
            .into_service_error();
        assert_eq!(err.code(), Some("ValidationException"), "{status}");
    }
    assert_eq!(
        describe(&client, "ep").await.0,
        EndpointStatus::OutOfService
    );

    emu.set_endpoint_status("ep", "InService");
    update(&client, "ep", instances("AllTraffic", 3))
        .await
        .expect("accepted once InService");
    assert_eq!(
        emu.describe_variant("ep", "AllTraffic"),
        (3, 3, "InService".into())
    );
}

#[tokio::test]
async fn variant_update_merges_fields_instead_of_replacing_the_variant() {
    let emu = Emulator::start();
    emu.create_endpoint_with(&serde_json::json!({
        "name": "ep", "variant": "AllTraffic", "instance_count": 2, "weight": 0.5
    }));
    let client = sagemaker(&emu).await;

    update(&client, "ep", instances("AllTraffic", 3))
        .await
        .expect("count update");
    let (_, variant) = describe(&client, "ep").await;
    assert_eq!(variant.desired_instance_count(), Some(3));
    assert_eq!(variant.desired_weight(), Some(0.5));
    assert_eq!(variant.current_weight(), Some(0.5));

    let weight_only = DesiredWeightAndCapacity::builder()
        .variant_name("AllTraffic")
        .desired_weight(2.0)
        .build();
    update(&client, "ep", weight_only)
        .await
        .expect("weight update");
    let (_, variant) = describe(&client, "ep").await;
    assert_eq!(variant.desired_weight(), Some(2.0));
    assert_eq!(variant.desired_instance_count(), Some(3));
    assert_eq!(variant.current_instance_count(), Some(3));
}

#[tokio::test]
async fn endpoints_created_through_the_api_are_in_service_with_counts_and_default_weight() {
    let emu = Emulator::start();
    let client = sagemaker(&emu).await;
    client
        .create_model()
        .model_name("m")
        .execution_role_arn(format!("arn:aws:iam::{ACCOUNT_ID}:role/r"))
        .send()
        .await
        .expect("CreateModel");
    client
        .create_endpoint_config()
        .endpoint_config_name("c")
        .production_variants(
            ProductionVariant::builder()
                .variant_name("AllTraffic")
                .model_name("m")
                .initial_instance_count(2)
                .instance_type(ProductionVariantInstanceType::MlM5Large)
                .build(),
        )
        .send()
        .await
        .expect("CreateEndpointConfig");
    client
        .create_endpoint()
        .endpoint_name("api-ep")
        .endpoint_config_name("c")
        .send()
        .await
        .expect("CreateEndpoint");

    let (status, variant) = describe(&client, "api-ep").await;
    assert_eq!(status, EndpointStatus::InService);
    assert_eq!(variant.current_instance_count(), Some(2));
    assert_eq!(variant.desired_instance_count(), Some(2));
    assert_eq!(variant.current_weight(), Some(1.0));
    assert_eq!(variant.desired_weight(), Some(1.0));
}

#[tokio::test]
async fn throttling_below_max_attempts_is_retried_by_the_sdk_and_succeeds() {
    let emu = Emulator::start();
    emu.create_endpoint("ep", "AllTraffic", 2);
    emu.inject_fault("sagemaker", UPDATE, FaultKind::Throttle, 2);
    let client = sagemaker(&emu).await;

    update(&client, "ep", instances("AllTraffic", 4))
        .await
        .expect("third attempt succeeds");

    let log = emu.requests_for("sagemaker", UPDATE);
    assert_eq!(
        faults(&log),
        vec![
            (400, Some("throttle")),
            (400, Some("throttle")),
            (200, None)
        ]
    );
    assert_eq!(emu.describe_variant("ep", "AllTraffic").0, 4);
}

#[tokio::test]
async fn throttling_on_every_attempt_surfaces_the_throttling_error() {
    let emu = Emulator::start();
    emu.create_endpoint("ep", "AllTraffic", 2);
    emu.inject_fault("sagemaker", UPDATE, FaultKind::Throttle, 3);
    let client = sagemaker(&emu).await;

    let err = update(&client, "ep", instances("AllTraffic", 4))
        .await
        .expect_err("all attempts throttled")
        .into_service_error();
    assert_eq!(err.code(), Some("ThrottlingException"));
    assert_eq!(err.message(), Some("Rate exceeded"));
    assert_eq!(emu.requests_for("sagemaker", UPDATE).len(), 3);
    assert_eq!(emu.describe_variant("ep", "AllTraffic").0, 2);

    // The fault is used up: the next call goes through.
    update(&client, "ep", instances("AllTraffic", 4))
        .await
        .expect("fault exhausted");
}

#[tokio::test]
async fn resource_limit_is_a_modeled_error_with_the_quota_message_and_not_retried() {
    let emu = Emulator::start();
    emu.create_endpoint("ep", "AllTraffic", 2);
    emu.inject_fault("sagemaker", UPDATE, FaultKind::ResourceLimit, 1);
    let client = sagemaker(&emu).await;

    let err = update(&client, "ep", instances("AllTraffic", 9))
        .await
        .expect_err("limit")
        .into_service_error();
    assert!(err.is_resource_limit_exceeded(), "{err:?}");
    assert!(
        err.message()
            .is_some_and(|m| m.contains("account-level service limit")),
        "{err:?}"
    );
    assert_eq!(
        faults(&emu.requests_for("sagemaker", UPDATE)),
        vec![(400, Some("resource_limit"))]
    );
}

#[tokio::test]
async fn server_errors_are_retried() {
    let emu = Emulator::start();
    emu.create_endpoint("ep", "AllTraffic", 2);
    emu.inject_fault("sagemaker", "DescribeEndpoint", FaultKind::ServerError, 1);
    emu.inject_fault("sagemaker", "DescribeEndpoint", FaultKind::Unavailable, 1);
    let client = sagemaker(&emu).await;

    let (status, _) = describe(&client, "ep").await;
    assert_eq!(status, EndpointStatus::InService);
    assert_eq!(
        faults(&emu.requests_for("sagemaker", "DescribeEndpoint")),
        vec![(500, Some("5xx")), (503, Some("unavailable")), (200, None)]
    );
}

#[tokio::test]
async fn request_log_lists_every_aws_call_in_order_and_can_be_cleared() {
    let emu = Emulator::start();
    emu.create_endpoint("ep", "AllTraffic", 1);
    let config = emu.sdk_config().await;
    let sm = aws_sdk_sagemaker::Client::new(&config);
    let ddb = aws_sdk_dynamodb::Client::new(&config);
    let aas = aws_sdk_applicationautoscaling::Client::new(&config);
    assert!(emu.requests().is_empty(), "control routes are not logged");

    describe(&sm, "ep").await;
    ddb.list_tables().send().await.expect("ListTables");
    aas.describe_scalable_targets()
        .service_namespace(aws_sdk_applicationautoscaling::types::ServiceNamespace::Sagemaker)
        .send()
        .await
        .expect("DescribeScalableTargets");
    describe(&sm, "ep").await;

    let log = emu.requests();
    let calls: Vec<(&str, &str)> = log
        .iter()
        .map(|e| (e.service.as_str(), e.operation.as_str()))
        .collect();
    assert_eq!(
        calls,
        vec![
            ("sagemaker", "DescribeEndpoint"),
            ("dynamodb", "ListTables"),
            ("application-autoscaling", "DescribeScalableTargets"),
            ("sagemaker", "DescribeEndpoint"),
        ]
    );
    for entry in &log {
        chrono::DateTime::parse_from_rfc3339(&entry.time).expect("RFC 3339 time");
        assert_eq!((entry.status, entry.fault.as_deref()), (200, None));
    }

    emu.clear_requests();
    assert!(emu.requests().is_empty());
}

#[tokio::test]
async fn reset_forgets_all_aws_state() {
    let emu = Emulator::start();
    emu.create_endpoint("ep", "AllTraffic", 1);
    let client = sagemaker(&emu).await;
    describe(&client, "ep").await;

    emu.reset();

    assert!(emu.requests().is_empty());
    let err = client
        .describe_endpoint()
        .endpoint_name("ep")
        .send()
        .await
        .expect_err("gone after reset");
    assert_eq!(err.code(), Some("ValidationException"));
}

async fn state_table(client: &aws_sdk_dynamodb::Client) {
    client
        .create_table()
        .table_name("state")
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name("pk")
                .attribute_type(ScalarAttributeType::S)
                .build()
                .expect("attribute"),
        )
        .key_schema(
            KeySchemaElement::builder()
                .attribute_name("pk")
                .key_type(KeyType::Hash)
                .build()
                .expect("key"),
        )
        .send()
        .await
        .expect("CreateTable");
}

async fn claim(
    client: &aws_sdk_dynamodb::Client,
    writer: &str,
) -> Result<(), SdkError<aws_sdk_dynamodb::operation::put_item::PutItemError>> {
    client
        .put_item()
        .table_name("state")
        .item("pk", AttributeValue::S("TARGET#ep".into()))
        .item("writer", AttributeValue::S(writer.into()))
        .condition_expression("attribute_not_exists(pk)")
        .send()
        .await
        .map(|_| ())
}

#[tokio::test]
async fn dynamodb_conditional_put_rejects_the_second_writer() {
    let emu = Emulator::start();
    let client = aws_sdk_dynamodb::Client::new(&emu.sdk_config().await);
    state_table(&client).await;

    claim(&client, "first").await.expect("first writer wins");
    let err = claim(&client, "second")
        .await
        .expect_err("second writer loses")
        .into_service_error();
    assert!(err.is_conditional_check_failed_exception(), "{err:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dynamodb_conditional_put_has_exactly_one_winner_among_concurrent_writers() {
    let emu = Emulator::start();
    let client = aws_sdk_dynamodb::Client::new(&emu.sdk_config().await);
    state_table(&client).await;

    let writers: Vec<_> = (0..8)
        .map(|i| {
            let client = client.clone();
            tokio::spawn(async move { (i, claim(&client, &format!("w{i}")).await) })
        })
        .collect();
    let mut winners = Vec::new();
    for writer in writers {
        let (i, result) = writer.await.expect("task");
        match result {
            Ok(()) => winners.push(format!("w{i}")),
            Err(err) => assert!(
                err.into_service_error()
                    .is_conditional_check_failed_exception(),
                "writer {i}"
            ),
        }
    }
    assert_eq!(winners.len(), 1, "{winners:?}");
    let item = client
        .get_item()
        .table_name("state")
        .key("pk", AttributeValue::S("TARGET#ep".into()))
        .consistent_read(true)
        .send()
        .await
        .expect("GetItem");
    assert_eq!(
        item.item().and_then(|i| i.get("writer")),
        Some(&AttributeValue::S(winners[0].clone()))
    );
}

// ---- Inference components (tests/emulator/inference_components.py) ----

const IC_UPDATE: &str = "UpdateInferenceComponentRuntimeConfig";

fn component_arn(name: &str) -> String {
    format!("arn:aws:sagemaker:{REGION}:{ACCOUNT_ID}:inference-component/{name}")
}

async fn set_copies(
    client: &aws_sdk_sagemaker::Client,
    name: &str,
    copies: i32,
) -> Result<(), SdkError<UpdateInferenceComponentRuntimeConfigError>> {
    client
        .update_inference_component_runtime_config()
        .inference_component_name(name)
        .desired_runtime_config(
            InferenceComponentRuntimeConfig::builder()
                .copy_count(copies)
                .build(),
        )
        .send()
        .await
        .map(|_| ())
}

/// (status, desired copies, current copies) through DescribeInferenceComponent.
async fn copies(client: &aws_sdk_sagemaker::Client, name: &str) -> (String, i32, i32) {
    let out = client
        .describe_inference_component()
        .inference_component_name(name)
        .send()
        .await
        .expect("DescribeInferenceComponent");
    let rc = out.runtime_config().expect("RuntimeConfig");
    (
        out.inference_component_status()
            .map(|s| s.as_str().to_string())
            .expect("InferenceComponentStatus"),
        rc.desired_copy_count().expect("DesiredCopyCount"),
        rc.current_copy_count().expect("CurrentCopyCount"),
    )
}

#[tokio::test]
async fn inference_component_update_is_updating_then_in_service_and_refuses_a_second_update() {
    let emu = Emulator::start();
    emu.create_endpoint("ep", "AllTraffic", 1);
    let client = sagemaker(&emu).await;
    client
        .create_inference_component()
        .inference_component_name("ic")
        .endpoint_name("ep")
        .variant_name("AllTraffic")
        .specification(
            InferenceComponentSpecification::builder()
                .model_name("ep-model")
                .build(),
        )
        .runtime_config(
            InferenceComponentRuntimeConfig::builder()
                .copy_count(2)
                .build(),
        )
        .send()
        .await
        .expect("CreateInferenceComponent");
    assert_eq!(copies(&client, "ic").await, ("InService".into(), 2, 2));

    emu.set_inference_component_update_delay("ic", 1.0);
    set_copies(&client, "ic", 4).await.expect("update accepted");
    assert_eq!(copies(&client, "ic").await, ("Updating".into(), 4, 2));

    let err = set_copies(&client, "ic", 5)
        .await
        .expect_err("an update in progress refuses another");
    let se = err.as_service_error().expect("service error");
    assert_eq!(se.code(), Some("ValidationException"));
    assert_eq!(
        se.message().unwrap(),
        format!(
            "Cannot update inference component \"{}\" while it is in state UPDATE_RC_IN_PROGRESS.",
            component_arn("ic")
        )
    );

    let mut settled = None;
    for _ in 0..600 {
        let state = copies(&client, "ic").await;
        if state.0 != "Updating" {
            settled = Some(state);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(settled, Some(("InService".into(), 4, 4)));

    // Both updates are logged with the count each asked for.
    let log = emu.requests_for("sagemaker", IC_UPDATE);
    let asked: Vec<(u16, serde_json::Value)> = log
        .iter()
        .map(|e| {
            let p = e.params.as_ref().expect("params logged");
            assert_eq!(p["InferenceComponentName"], "ic");
            (e.status, p["DesiredRuntimeConfig"]["CopyCount"].clone())
        })
        .collect();
    assert_eq!(asked, vec![(200, 4.into()), (400, 5.into())]);
}

#[tokio::test]
async fn unknown_inference_component_and_injected_faults_answer_as_sagemaker_does() {
    let emu = Emulator::start();
    emu.create_inference_component("ic", "ep", 1);
    let client = sagemaker(&emu).await;

    for err in [
        set_copies(&client, "nope", 2)
            .await
            .expect_err("unknown component")
            .into_service_error()
            .meta()
            .clone(),
        client
            .describe_inference_component()
            .inference_component_name("nope")
            .send()
            .await
            .expect_err("unknown component")
            .into_service_error()
            .meta()
            .clone(),
    ] {
        assert_eq!(err.code(), Some("ValidationException"));
        assert_eq!(
            err.message().unwrap(),
            format!(
                "Could not find inference component \"{}\".",
                component_arn("nope")
            )
        );
    }

    // A throttle is retried by the SDK; a resource limit is the caller's to handle.
    emu.clear_requests();
    emu.inject_fault("sagemaker", IC_UPDATE, FaultKind::Throttle, 1);
    set_copies(&client, "ic", 3).await.expect("retried");
    emu.inject_fault("sagemaker", IC_UPDATE, FaultKind::ResourceLimit, 1);
    let err = set_copies(&client, "ic", 9).await.expect_err("limit");
    assert_eq!(
        err.as_service_error().and_then(|e| e.code()),
        Some("ResourceLimitExceeded")
    );
    let log = emu.requests_for("sagemaker", IC_UPDATE);
    assert_eq!(
        faults(&log),
        vec![
            (400, Some("throttle")),
            (200, None),
            (400, Some("resource_limit"))
        ]
    );
    let state = emu.inference_component_state("ic");
    assert_eq!((state.desired_copy_count, state.current_copy_count), (3, 3));
}
