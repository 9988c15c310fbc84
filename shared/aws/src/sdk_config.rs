//! The AWS SDK config of the Lambda functions, built for a short start.
//!
//! In Lambda the region and the execution role's credentials are environment variables
//! (`AWS_REGION`, `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`: "Defined
//! runtime environment variables",
//! <https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime>),
//! so the config takes them from there instead of building the default region and credentials
//! chains (profile files, web identity, ECS, IMDS). Everything else still comes from the standard
//! variables and files, as `aws_config::load_defaults` reads them (`AWS_ENDPOINT_URL`, which
//! points the functions at an emulator in tests, `AWS_MAX_ATTEMPTS`, `AWS_USE_FIPS_ENDPOINT`,
//! ...: <https://docs.aws.amazon.com/sdkref/latest/guide/settings-reference.html>).
//!
//! All SDK clients share one HTTP client, and its TLS connector (the root certificates parsed
//! into a rustls config) is built once, on the first request. Without this, each SDK client
//! built its own HTTP client and built a connector twice: once when the client was created (to
//! load the certificates early, then thrown away) and once on its first request. The root
//! certificates are the system CA bundle alone ([`crate::trust_roots`]).

use aws_config::environment::EnvironmentVariableCredentialsProvider;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_smithy_http_client::proxy::ProxyConfig;
use aws_smithy_http_client::tls::{Provider, TlsContext, rustls_provider::CryptoMode};
use aws_smithy_http_client::{Builder, ConnectorBuilder};
use aws_smithy_runtime_api::client::connector_metadata::ConnectorMetadata;
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnectorSettings, SharedHttpClient, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;

/// The shared SDK config for `region`, credentials from the environment.
pub async fn lambda_sdk_config(region: &str) -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new(region.to_string()))
        .credentials_provider(EnvironmentVariableCredentialsProvider::new())
        .http_client(ConnectOnFirstRequest(https_client()))
        .load()
        .await
}

/// The SDK's default HTTPS client (hyper 1, rustls with aws-lc, proxy from the environment), as
/// `aws_smithy_runtime`'s `default_https_client` builds it for the latest behavior version,
/// but trusting the roots [`crate::trust_roots::trust_store`] reads.
fn https_client() -> SharedHttpClient {
    Builder::new().build_with_connector_fn(|settings, components| {
        let tls = TlsContext::builder()
            .with_trust_store(crate::trust_roots::trust_store())
            .build()
            .expect("a TLS context without extra server names always builds");
        let mut connector = ConnectorBuilder::default()
            .tls_provider(Provider::Rustls(CryptoMode::AwsLc))
            .tls_context(tls);
        connector.set_connector_settings(settings.cloned());
        if let Some(components) = components {
            connector.set_sleep_impl(components.sleep_impl());
        }
        connector.set_proxy_config(Some(ProxyConfig::from_env()));
        connector.build()
    })
}

/// An HTTP client that skips the connector the SDK builds when each client is created
/// (`validate_base_client_config`, which only warms the certificate cache and discards the
/// connector): the inner client builds its connector on the first request and caches it.
#[derive(Debug, Clone)]
struct ConnectOnFirstRequest(SharedHttpClient);

impl HttpClient for ConnectOnFirstRequest {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        self.0.http_connector(settings, components)
    }

    fn connector_metadata(&self) -> Option<ConnectorMetadata> {
        self.0.connector_metadata()
    }
}
