//! The message of an AWS SDK error as an operator reads it: the service's own error, or the
//! transport failure with its causes. Every SDK crate re-exports the same `SdkError`, so one
//! function serves the DynamoDB, CloudWatch and other adapters.

use aws_sdk_dynamodb::error::SdkError;

pub fn message<E, R>(e: &SdkError<E, R>) -> String
where
    E: std::error::Error + 'static,
    R: std::fmt::Debug,
{
    match e.as_service_error() {
        Some(se) => format!("{se}"),
        None => format!(
            "{}",
            aws_smithy_types::error::display::DisplayErrorContext(e)
        ),
    }
}
