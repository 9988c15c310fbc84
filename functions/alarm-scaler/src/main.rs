//! alarm-scaler: CloudWatch alarm state changes (direct alarm action, EventBridge rule, or
//! SNS) -> step scaling decisions on the SageMaker targets bound to the alarm.

use serde_json::json;

use sagescale_aws::alarm::{AlarmHandler, HandlerError, TargetOutcome};
use sagescale_aws::emf;
use sagescale_aws::lambda::{Invocation, serve};

// One thread: a Lambda environment runs one invocation at a time, nothing here spawns tasks
// (the SDK calls are futures joined within the one task), and below 1,769 MB a function has
// less than one vCPU (https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html).
// The multi-threaded runtime's worker threads cost about 1 ms of init (README, Performance).
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    serve(|inv: Invocation| async move {
        let handler = AlarmHandler {
            scaler: inv.scaler,
            origin: inv.origin,
        };
        let emit = |outcomes: &[TargetOutcome]| {
            for o in outcomes {
                emf::emit(&emf::decision_line(
                    &o.resource_id,
                    &format!("alarm:{}", o.alarm),
                    o.outcome.previous(),
                    &o.outcome,
                    inv.now,
                ));
            }
        };
        match handler.handle(&inv.payload, inv.now).await {
            Ok(outcomes) => {
                emit(&outcomes);
                Ok(json!({ "Outcomes": outcomes }))
            }
            Err(HandlerError::Targets { done, failed }) => {
                // The targets that were handled get their metric lines all the same.
                emit(&done);
                Err(HandlerError::Targets { done, failed })
            }
            Err(e) => Err(e),
        }
    })
    .await
}
