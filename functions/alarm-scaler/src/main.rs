//! alarm-scaler: CloudWatch alarm state changes (direct alarm action, EventBridge rule, or
//! SNS) -> step scaling decisions on the SageMaker targets bound to the alarm.

use serde_json::json;

use sagescale_aws::alarm::{AlarmHandler, HandlerError};
use sagescale_aws::emf;
use sagescale_aws::lambda::{Invocation, serve};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    serve(|inv: Invocation| async move {
        let handler = AlarmHandler {
            scaler: inv.scaler,
            origin: inv.origin,
        };
        let outcomes = handler.handle(&inv.payload, inv.now).await?;
        for o in &outcomes {
            emf::emit(&emf::decision_line(
                &o.resource_id,
                &format!("alarm:{}", o.alarm),
                o.outcome.previous(),
                &o.outcome,
                inv.now,
            ));
        }
        Ok::<_, HandlerError>(json!({ "Outcomes": outcomes }))
    })
    .await
}
