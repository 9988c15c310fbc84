//! sagescale's AWS side: event parsing, DynamoDB state, the SageMaker port and adapter, and
//! the decision loop the Lambda functions share. Handlers stay thin: parse -> load -> decide
//! -> store -> act -> record.

pub mod alarm;
pub mod emf;
pub mod events;
pub mod lambda;
pub mod metrics;
pub mod reconcile;
pub mod sagemaker;
pub mod scaler;
pub mod sdk_config;
pub mod sdk_error;
pub mod store;
pub mod tick_clock;
pub mod trust_roots;
