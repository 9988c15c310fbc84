//! Deployments: the emulator's UpdateEndpoint (through the real SDK client) and the pass's
//! deployment safety step. SageMaker UpdateEndpoint resets each variant's desired count to the
//! new configuration's InitialInstanceCount unless RetainAllVariantProperties is true; the
//! pass restores the count sagescale holds, and reports a variant a deployment removed.

use aws_sdk_sagemaker::Client as SageMakerClient;
use aws_sdk_sagemaker::error::ProvideErrorMetadata;
use aws_sdk_sagemaker::types::{
    ProductionVariant, ProductionVariantInstanceType, VariantProperty, VariantPropertyType,
};
use chrono::{DateTime, Duration, TimeZone, Utc};

use sagescale_aws::reconcile::{TargetOutcome, run_pass};
use sagescale_aws::sagemaker::SageMaker;
use sagescale_aws::scaler::{Outcome, Scaler};
use sagescale_aws::store::Store;
use sagescale_core::activity::{ScalingActivity, StatusCode};
use sagescale_core::state::TargetState;
use sagescale_core::validate::{Format, validate_str};
use sagescale_tests::Emulator;

const TABLE: &str = "sagescale-deployment-test";
const ENDPOINT: &str = "deploy-endpoint";
const FIRST_CONFIG: &str = "deploy-endpoint-config"; // what create_endpoint names it
const MODEL: &str = "deploy-endpoint-model";
const VARIANT: &str = "AllTraffic";
const RID: &str = "endpoint/deploy-endpoint/variant/AllTraffic";
const UPDATE: &str = "UpdateEndpointWeightsAndCapacities";

/// Bounds 1..=20 and an action at 18:00 UTC raising the minimum to 6: sagescale's way of
/// scaling the endpoint to 6 in these tests.
const CONFIG: &str = r#"
ScalableTargets:
  - ServiceNamespace: sagemaker
    ResourceId: endpoint/deploy-endpoint/variant/AllTraffic
    ScalableDimension: sagemaker:variant:DesiredInstanceCount
    MinCapacity: 1
    MaxCapacity: 20
    ScheduledActions:
      - ScheduledActionName: peak
        Schedule: cron(0 18 * * ? *)
        ScalableTargetAction: {MinCapacity: 6, MaxCapacity: 20}
"#;

fn fire() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 27, 18, 0, 0).unwrap()
}

fn secs(n: i64) -> Duration {
    Duration::seconds(n)
}

struct Env {
    emu: Emulator,
    store: Store,
    scaler: Scaler<SageMaker>,
    sagemaker: SageMakerClient,
}

impl Env {
    /// The endpoint at 2 with its first configuration, the target applied, a first pass (which
    /// records the configuration), then the 18:00 action scaling it to 6.
    async fn scaled_to_six() -> Env {
        let emu = Emulator::start();
        let sdk = emu.sdk_config().await;
        let store = Store::new(aws_sdk_dynamodb::Client::new(&sdk), TABLE);
        store.create_table().await.expect("create table");
        emu.create_endpoint(ENDPOINT, VARIANT, 2);
        let sagemaker = SageMakerClient::new(&sdk);
        let scaler = Scaler::new(store.clone(), SageMaker::new(sagemaker.clone()));
        let env = Env {
            emu,
            store,
            scaler,
            sagemaker,
        };
        let doc = validate_str(CONFIG, Format::Yaml)
            .document
            .expect("valid configuration");
        for t in &doc.scalable_targets {
            env.store
                .put_config(t, &[], fire() - secs(600))
                .await
                .expect("put config");
        }
        assert!(env.pass(fire() - secs(60)).await.is_empty());
        let state = env.state().await;
        assert_eq!(state.endpoint_config.as_deref(), Some(FIRST_CONFIG));
        assert_eq!(state.last_set, Some(2));
        let out = env.pass(fire() + secs(5)).await;
        assert!(
            matches!(
                out.last().and_then(|o| o.outcome.as_ref()),
                Some(Outcome::Scaled { desired: 6, .. })
            ),
            "{out:?}"
        );
        assert_eq!(env.desired(VARIANT), 6);
        assert_eq!(env.state().await.last_set, Some(6));
        env
    }

    async fn pass(&self, now: DateTime<Utc>) -> Vec<TargetOutcome> {
        run_pass(&self.scaler, now).await.expect("pass")
    }

    async fn state(&self) -> TargetState {
        self.store.load(RID).await.unwrap().unwrap().state
    }

    async fn activities(&self) -> Vec<ScalingActivity> {
        self.store.activities(RID, 100).await.expect("activities")
    }

    fn desired(&self, variant: &str) -> i64 {
        self.emu.describe_variant(ENDPOINT, variant).0
    }

    fn updates(&self) -> usize {
        self.emu.requests_for("sagemaker", UPDATE).len()
    }

    /// CreateEndpointConfig `name` with `(variant, InitialInstanceCount)` variants.
    async fn create_config(&self, name: &str, variants: &[(&str, i32)]) {
        let mut req = self
            .sagemaker
            .create_endpoint_config()
            .endpoint_config_name(name);
        for (variant, count) in variants {
            req = req.production_variants(
                ProductionVariant::builder()
                    .variant_name(*variant)
                    .model_name(MODEL)
                    .initial_instance_count(*count)
                    .instance_type(ProductionVariantInstanceType::MlM5Large)
                    .build(),
            );
        }
        req.send().await.expect("CreateEndpointConfig");
    }

    async fn deploy(&self, config: &str, retain: bool) {
        self.sagemaker
            .update_endpoint()
            .endpoint_name(ENDPOINT)
            .endpoint_config_name(config)
            .retain_all_variant_properties(retain)
            .send()
            .await
            .expect("UpdateEndpoint");
    }
}

#[tokio::test]
async fn update_endpoint_resets_counts_to_the_new_configuration_unless_retained() {
    let env = Env::scaled_to_six().await;
    env.create_config("v2", &[(VARIANT, 2)]).await;
    env.emu.set_endpoint_update_delay(ENDPOINT, 600.0);
    env.deploy("v2", false).await;

    // Updating: the old configuration and counts, the new one pending.
    let d = env
        .sagemaker
        .describe_endpoint()
        .endpoint_name(ENDPOINT)
        .send()
        .await
        .unwrap();
    assert_eq!(d.endpoint_status().unwrap().as_str(), "Updating");
    assert_eq!(d.endpoint_config_name(), Some(FIRST_CONFIG));
    assert_eq!(
        d.pending_deployment_summary()
            .and_then(|p| p.endpoint_config_name()),
        Some("v2")
    );
    assert_eq!(env.desired(VARIANT), 6);
    // A second update while the first is in progress is refused.
    let err = env
        .sagemaker
        .update_endpoint()
        .endpoint_name(ENDPOINT)
        .endpoint_config_name("v2")
        .send()
        .await
        .unwrap_err();
    let msg = err.message().unwrap_or_default().to_string();
    assert!(msg.contains("Cannot update in-progress endpoint"), "{msg}");

    env.emu.complete_update(ENDPOINT);
    let d = env.emu.describe_endpoint(ENDPOINT);
    assert_eq!(d["EndpointConfigName"], "v2");
    assert!(d.get("PendingDeploymentSummary").is_none(), "{d}");
    assert_eq!(
        env.emu.describe_variant(ENDPOINT, VARIANT),
        (2, 2, "InService".into())
    );

    // Retained: counts kept; a new variant appears with its initial count.
    env.emu.set_endpoint_update_delay(ENDPOINT, 0.0);
    env.create_config("v3", &[(VARIANT, 1), ("Blue", 3)]).await;
    env.deploy("v3", true).await;
    assert_eq!(
        env.emu.describe_endpoint(ENDPOINT)["EndpointConfigName"],
        "v3"
    );
    assert_eq!(env.desired(VARIANT), 2);
    assert_eq!(env.desired("Blue"), 3);

    // Retained but DesiredInstanceCount excluded: the configuration's count.
    env.create_config("v4", &[(VARIANT, 4), ("Blue", 3)]).await;
    env.sagemaker
        .update_endpoint()
        .endpoint_name(ENDPOINT)
        .endpoint_config_name("v4")
        .retain_all_variant_properties(true)
        .exclude_retained_variant_properties(
            VariantProperty::builder()
                .variant_property_type(VariantPropertyType::DesiredInstanceCount)
                .build(),
        )
        .send()
        .await
        .expect("UpdateEndpoint");
    assert_eq!(env.desired(VARIANT), 4);

    // A variant absent from the new configuration disappears.
    env.create_config("v5", &[("Blue", 3)]).await;
    env.deploy("v5", true).await;
    let d = env.emu.describe_endpoint(ENDPOINT);
    let names: Vec<&str> = d["ProductionVariants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["VariantName"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Blue"]);
}

#[tokio::test]
async fn a_deployment_that_resets_the_count_is_restored() {
    let env = Env::scaled_to_six().await;
    env.create_config("v2", &[(VARIANT, 2)]).await;
    env.deploy("v2", false).await;
    assert_eq!(env.desired(VARIANT), 2);
    let updates = env.updates();

    let out = env.pass(fire() + secs(65)).await;
    assert_eq!(out.len(), 1, "{out:?}");
    assert_eq!(out[0].trigger, "deployment");
    assert!(
        matches!(
            out[0].outcome,
            Some(Outcome::Scaled {
                previous: 2,
                desired: 6,
                ..
            })
        ),
        "{out:?}"
    );
    assert_eq!(env.desired(VARIANT), 6);
    assert_eq!(env.updates(), updates + 1);
    let a = &env.activities().await[0];
    assert_eq!(
        a.cause,
        format!(
            "endpoint configuration changed from {FIRST_CONFIG} to v2 and reset the desired instance count to 2; restoring 6"
        )
    );
    assert_eq!(a.status_code, StatusCode::Successful);
    let state = env.state().await;
    assert_eq!(state.endpoint_config.as_deref(), Some("v2"));
    assert_eq!(state.last_set, Some(6));

    // Restored once: the next pass leaves it.
    assert!(env.pass(fire() + secs(125)).await.is_empty());
    assert_eq!(env.updates(), updates + 1);
}

#[tokio::test]
async fn a_deployment_that_retains_the_count_needs_nothing() {
    let env = Env::scaled_to_six().await;
    env.create_config("v2", &[(VARIANT, 2)]).await;
    env.deploy("v2", true).await;
    assert_eq!(env.desired(VARIANT), 6);
    let (updates, activities) = (env.updates(), env.activities().await.len());

    assert!(env.pass(fire() + secs(65)).await.is_empty());
    assert_eq!(env.updates(), updates);
    assert_eq!(env.activities().await.len(), activities);
    assert_eq!(env.state().await.endpoint_config.as_deref(), Some("v2"));
}

#[tokio::test]
async fn a_restore_waits_while_the_endpoint_is_updating() {
    let env = Env::scaled_to_six().await;
    env.create_config("v2", &[(VARIANT, 2)]).await;
    env.emu.set_endpoint_update_delay(ENDPOINT, 600.0);
    env.deploy("v2", false).await;
    let updates = env.updates();

    // During the deployment SageMaker still shows the old configuration: nothing to do.
    assert!(env.pass(fire() + secs(65)).await.is_empty());
    // Deployed (count reset), then busy again before a pass saw it InService: it waits.
    env.emu.complete_update(ENDPOINT);
    env.emu.set_endpoint_status(ENDPOINT, "SystemUpdating");
    assert!(env.pass(fire() + secs(125)).await.is_empty());
    assert_eq!(env.updates(), updates);
    assert_eq!(
        env.state().await.endpoint_config.as_deref(),
        Some(FIRST_CONFIG)
    );

    env.emu.set_endpoint_status(ENDPOINT, "InService");
    let out = env.pass(fire() + secs(185)).await;
    assert!(
        matches!(
            out[0].outcome,
            Some(Outcome::Scaled {
                previous: 2,
                desired: 6,
                ..
            })
        ),
        "{out:?}"
    );
    assert_eq!(env.desired(VARIANT), 6);
}

#[tokio::test]
async fn a_renamed_variant_is_reported_and_not_scaled() {
    let env = Env::scaled_to_six().await;
    env.create_config("v2", &[("Blue", 2)]).await;
    env.deploy("v2", false).await;
    let updates = env.updates();

    let out = env.pass(fire() + secs(65)).await;
    let deployment: Vec<_> = out.iter().filter(|o| o.trigger == "deployment").collect();
    assert!(
        matches!(
            deployment.as_slice(),
            [TargetOutcome {
                outcome: Some(Outcome::Unfulfilled { .. }),
                ..
            }]
        ),
        "{out:?}"
    );
    assert_eq!(env.updates(), updates);
    let a = &env.activities().await[0];
    assert_eq!(a.status_code, StatusCode::Unfulfilled);
    assert_eq!(
        a.cause,
        format!(
            "endpoint configuration changed from {FIRST_CONFIG} to v2 and the variant {VARIANT} is gone"
        )
    );
    assert!(
        a.status_message.as_deref().unwrap().contains("[Blue]"),
        "{a:?}"
    );
    let state = env.state().await;
    let missing = state.missing_variant.expect("recorded");
    assert_eq!(missing.endpoint_config.as_deref(), Some("v2"));
    assert_eq!(missing.variants, ["Blue"]);

    // Reported once; still never scaled.
    let count = env.activities().await.len();
    env.pass(fire() + secs(125)).await;
    assert_eq!(env.activities().await.len(), count);
    assert_eq!(env.updates(), updates);
    assert_eq!(env.desired("Blue"), 2);
}
