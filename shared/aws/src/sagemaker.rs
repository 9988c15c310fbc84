//! SageMaker port and its SDK adapter. The port is the two calls a decision needs: read the
//! endpoint's desired count and status, and set an absolute desired count (idempotent, so a
//! retried call never applies a change twice).

use async_trait::async_trait;
use aws_sdk_sagemaker::Client;
use aws_sdk_sagemaker::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_sagemaker::types::{
    DesiredWeightAndCapacity, EndpointStatus, InferenceComponentRuntimeConfig,
    InferenceComponentStatus,
};

/// Which SageMaker resource a scalable target's ResourceId names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resource {
    Variant { endpoint: String, variant: String },
    InferenceComponent { name: String },
}

impl Resource {
    pub fn parse(resource_id: &str) -> Option<Self> {
        if let Some(rest) = resource_id.strip_prefix("endpoint/") {
            let (endpoint, variant) = rest.split_once("/variant/")?;
            return Some(Self::Variant {
                endpoint: endpoint.to_string(),
                variant: variant.to_string(),
            });
        }
        resource_id
            .strip_prefix("inference-component/")
            .map(|name| Self::InferenceComponent {
                name: name.to_string(),
            })
    }
}

/// Whether an update can be made now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Readiness {
    /// InService: updates are accepted.
    Ready,
    /// Updating, SystemUpdating, Creating, RollingBack: an update would be rejected; retry later
    /// without spending the cooldown.
    Busy(String),
    /// Failed, OutOfService, Deleting: do not retry forever; record Unfulfilled.
    Unavailable(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointView {
    pub status: String,
    pub readiness: Readiness,
    /// DesiredInstanceCount (or DesiredCopyCount): the truth decisions start from. While a
    /// claim is pending, [`crate::scaler::Scaler::run`] counts it as done here.
    pub desired: i32,
    /// DesiredInstanceCount (or DesiredCopyCount) as the endpoint reported it, whatever is
    /// pending: whether a claim's call already took effect.
    pub reported_desired: i32,
    pub current: i32,
    /// The endpoint configuration the endpoint runs (DescribeEndpoint's EndpointConfigName;
    /// during an UpdateEndpoint still the old one, until the endpoint is `InService` again).
    /// `None` for an inference component, whose copy count no endpoint update resets.
    pub endpoint_config: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EndpointError {
    /// "Cannot update in-progress endpoint ...": the endpoint became busy.
    #[error("{0}")]
    Busy(String),
    #[error("{0}")]
    NotFound(String),
    /// The endpoint exists but its configuration has no variant of that name (a deployment
    /// removed or renamed it).
    #[error(
        "endpoint {endpoint} (configuration {}) has no variant {variant}; its variants are [{}]",
        endpoint_config.as_deref().unwrap_or("unknown"),
        variants.join(", ")
    )]
    VariantMissing {
        endpoint: String,
        variant: String,
        endpoint_config: Option<String>,
        variants: Vec<String>,
    },
    #[error("ResourceLimitExceeded: {0}")]
    ResourceLimit(String),
    /// Throttled even after the SDK's retries.
    #[error("Throttling: {0}")]
    Throttled(String),
    #[error("{0}")]
    Other(String),
}

impl EndpointError {
    /// Worth retrying from the reconcile pass.
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::Busy(_) | Self::Throttled(_))
    }
}

#[async_trait]
pub trait Endpoints: Send + Sync {
    async fn describe(&self, resource: &Resource) -> Result<EndpointView, EndpointError>;
    async fn set_desired(&self, resource: &Resource, desired: i32) -> Result<(), EndpointError>;

    /// Every endpoint's LastModifiedTime (ListEndpoints, 100 a page): a deployment or an
    /// update changes it, so the pass describes only endpoints modified since it last looked.
    /// An adapter that cannot list says so, and the pass describes every endpoint.
    async fn list_modified(
        &self,
    ) -> Result<std::collections::HashMap<String, chrono::DateTime<chrono::Utc>>, EndpointError>
    {
        Err(EndpointError::Other(
            "listing endpoints is not supported".into(),
        ))
    }
}

pub struct SageMaker {
    client: Client,
}

impl SageMaker {
    pub fn new(client: Client) -> Self {
        Self { client }
    }
}

fn readiness(status: &str) -> Readiness {
    match status {
        "InService" => Readiness::Ready,
        "Updating" | "SystemUpdating" | "Creating" | "RollingBack" | "Pending" => {
            Readiness::Busy(status.to_string())
        }
        other => Readiness::Unavailable(other.to_string()),
    }
}

fn classify<E, R>(e: SdkError<E, R>) -> EndpointError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    let Some(se) = e.as_service_error() else {
        return EndpointError::Other(format!(
            "{}",
            aws_smithy_types::error::display::DisplayErrorContext(&e)
        ));
    };
    let code = se.code().unwrap_or_default();
    classify_service_error(code, se.message().unwrap_or(code))
}

/// An update refused because one is in progress: an endpoint's "Cannot update in-progress
/// endpoint ...", or an inference component's "Cannot update inference component ... while it
/// is in state UPDATE_RC_IN_PROGRESS" (also CREATE_IN_PROGRESS, DELETE_IN_PROGRESS: the states
/// SageMaker names for a component that is Creating or Deleting).
fn is_in_progress(message: &str) -> bool {
    message.contains("in-progress") || message.contains("_IN_PROGRESS")
}

fn classify_service_error(code: &str, message: &str) -> EndpointError {
    let message = message.to_string();
    match code {
        "ValidationException" if is_in_progress(&message) => EndpointError::Busy(message),
        "ValidationException" if message.contains("Could not find") => {
            EndpointError::NotFound(message)
        }
        "ResourceNotFound" => EndpointError::NotFound(message),
        "ResourceLimitExceeded" => EndpointError::ResourceLimit(message),
        "ThrottlingException" | "Throttling" | "TooManyRequestsException" => {
            EndpointError::Throttled(message)
        }
        _ => EndpointError::Other(format!("{code}: {message}")),
    }
}

#[async_trait]
impl Endpoints for SageMaker {
    async fn list_modified(
        &self,
    ) -> Result<std::collections::HashMap<String, chrono::DateTime<chrono::Utc>>, EndpointError>
    {
        let mut out = std::collections::HashMap::new();
        let mut token: Option<String> = None;
        loop {
            let resp = self
                .client
                .list_endpoints()
                .max_results(100)
                .set_next_token(token.take())
                .send()
                .await
                .map_err(classify)?;
            for e in resp.endpoints() {
                if let Some(t) = e
                    .last_modified_time()
                    .and_then(|t| chrono::DateTime::from_timestamp(t.secs(), t.subsec_nanos()))
                {
                    out.insert(e.endpoint_name().unwrap_or_default().to_string(), t);
                }
            }
            match resp.next_token {
                Some(t) if !t.is_empty() => token = Some(t),
                _ => return Ok(out),
            }
        }
    }

    async fn describe(&self, resource: &Resource) -> Result<EndpointView, EndpointError> {
        match resource {
            Resource::Variant { endpoint, variant } => {
                let out = self
                    .client
                    .describe_endpoint()
                    .endpoint_name(endpoint)
                    .send()
                    .await
                    .map_err(classify)?;
                let status = out
                    .endpoint_status()
                    .map(EndpointStatus::as_str)
                    .unwrap_or("Unknown")
                    .to_string();
                let endpoint_config = out.endpoint_config_name().map(str::to_string);
                let v = out
                    .production_variants()
                    .iter()
                    .find(|v| v.variant_name() == Some(variant.as_str()))
                    .ok_or_else(|| EndpointError::VariantMissing {
                        endpoint: endpoint.clone(),
                        variant: variant.clone(),
                        endpoint_config: endpoint_config.clone(),
                        variants: out
                            .production_variants()
                            .iter()
                            .filter_map(|v| v.variant_name().map(str::to_string))
                            .collect(),
                    })?;
                let current = v.current_instance_count().unwrap_or(0);
                let desired = v.desired_instance_count().unwrap_or(current);
                Ok(EndpointView {
                    readiness: readiness(&status),
                    status,
                    desired,
                    reported_desired: desired,
                    current,
                    endpoint_config,
                })
            }
            Resource::InferenceComponent { name } => {
                let out = self
                    .client
                    .describe_inference_component()
                    .inference_component_name(name)
                    .send()
                    .await
                    .map_err(classify)?;
                let status = out
                    .inference_component_status()
                    .map(InferenceComponentStatus::as_str)
                    .unwrap_or("Unknown")
                    .to_string();
                let rc = out.runtime_config();
                let current = rc.and_then(|r| r.current_copy_count()).unwrap_or(0);
                let desired = rc.and_then(|r| r.desired_copy_count()).unwrap_or(current);
                Ok(EndpointView {
                    readiness: readiness(&status),
                    status,
                    desired,
                    reported_desired: desired,
                    current,
                    endpoint_config: None,
                })
            }
        }
    }

    async fn set_desired(&self, resource: &Resource, desired: i32) -> Result<(), EndpointError> {
        match resource {
            Resource::Variant { endpoint, variant } => {
                self.client
                    .update_endpoint_weights_and_capacities()
                    .endpoint_name(endpoint)
                    .desired_weights_and_capacities(
                        DesiredWeightAndCapacity::builder()
                            .variant_name(variant)
                            .desired_instance_count(desired)
                            .build(),
                    )
                    .send()
                    .await
                    .map_err(classify)?;
            }
            Resource::InferenceComponent { name } => {
                self.client
                    .update_inference_component_runtime_config()
                    .inference_component_name(name)
                    .desired_runtime_config(
                        InferenceComponentRuntimeConfig::builder()
                            .copy_count(desired)
                            .build(),
                    )
                    .send()
                    .await
                    .map_err(classify)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resource_ids_parse() {
        assert_eq!(
            Resource::parse("endpoint/my-ep/variant/AllTraffic"),
            Some(Resource::Variant {
                endpoint: "my-ep".into(),
                variant: "AllTraffic".into()
            })
        );
        assert_eq!(
            Resource::parse("inference-component/ic-1"),
            Some(Resource::InferenceComponent {
                name: "ic-1".into()
            })
        );
        assert_eq!(Resource::parse("table/x"), None);
    }

    #[test]
    fn an_update_in_progress_is_busy_for_endpoints_and_inference_components() {
        for message in [
            "Cannot update in-progress endpoint \"arn:aws:sagemaker:us-east-1:1:endpoint/e\".",
            "Cannot update inference component \"arn:aws:sagemaker:us-east-1:1:\
             inference-component/ic\" while it is in state UPDATE_RC_IN_PROGRESS.",
            "Cannot update inference component ic while it is in state CREATE_IN_PROGRESS",
        ] {
            assert_eq!(
                classify_service_error("ValidationException", message),
                EndpointError::Busy(message.into())
            );
        }
        assert!(matches!(
            classify_service_error(
                "ValidationException",
                "Could not find inference component \"arn:aws:sagemaker:us-east-1:1:inference-component/x\"."
            ),
            EndpointError::NotFound(_)
        ));
        assert!(matches!(
            classify_service_error("ValidationException", "CopyCount must be at most 10"),
            EndpointError::Other(_)
        ));
    }

    #[test]
    fn statuses_map_to_readiness() {
        assert_eq!(readiness("InService"), Readiness::Ready);
        assert!(matches!(readiness("Updating"), Readiness::Busy(_)));
        assert!(matches!(readiness("SystemUpdating"), Readiness::Busy(_)));
        assert!(matches!(readiness("RollingBack"), Readiness::Busy(_)));
        assert!(matches!(readiness("Failed"), Readiness::Unavailable(_)));
        assert!(matches!(
            readiness("OutOfService"),
            Readiness::Unavailable(_)
        ));
        assert!(matches!(readiness("Deleting"), Readiness::Unavailable(_)));
    }
}
