//! alarm-scaler: CloudWatch alarm state changes (direct alarm action, EventBridge rule, or
//! SNS) -> step scaling decisions on the SageMaker targets bound to the alarm.

use lambda_runtime::{Diagnostic, LambdaEvent, service_fn};
use serde_json::{Value, json};

use sagescale_aws::alarm::{AlarmHandler, HandlerError};
use sagescale_aws::emf;
use sagescale_aws::lambda::{Settings, build_scaler, init_logging};

/// A stable error type for the runtime: rejected events are not worth retrying.
#[derive(Debug)]
struct Failure(HandlerError);

impl From<Failure> for Diagnostic {
    fn from(f: Failure) -> Self {
        let error_type = match &f.0 {
            HandlerError::Event(_) => "RejectedEvent",
            HandlerError::Scaler(_) => "ScalingError",
        };
        Diagnostic {
            error_type: error_type.into(),
            error_message: f.0.to_string(),
        }
    }
}

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    init_logging();
    let settings = Settings::from_env()?;
    let (_config, scaler) = build_scaler(&settings).await;
    // Built once, used by every invocation for the life of the execution environment.
    let scaler: &'static _ = Box::leak(Box::new(scaler));
    let settings: &'static Settings = Box::leak(Box::new(settings));
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move {
        let now = chrono::Utc::now();
        let handler = AlarmHandler {
            scaler,
            origin: settings.origin(&event.context.invoked_function_arn),
        };
        let outcomes = handler.handle(&event.payload, now).await.map_err(|e| {
            tracing::error!(error = %e, "event not handled");
            Failure(e)
        })?;
        for o in &outcomes {
            emf::emit(&emf::decision_line(
                &o.resource_id,
                &format!("alarm:{}", o.alarm),
                o.outcome.previous(),
                &o.outcome,
                now,
            ));
        }
        Ok::<Value, Failure>(json!({ "Outcomes": outcomes }))
    }))
    .await
}
