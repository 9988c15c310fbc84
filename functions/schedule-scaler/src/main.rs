//! schedule-scaler: the one-minute reconcile pass (EventBridge rule `rate(1 minute)`) and named
//! scheduled actions invoked by EventBridge Scheduler. See `sagescale_aws::reconcile`.

// The pass's future nests the store, SageMaker and SDK futures deeper than the default limit
// allows the compiler to lay out.
#![recursion_limit = "256"]

use serde_json::json;

use sagescale_aws::emf;
use sagescale_aws::lambda::{Invocation, serve};
use sagescale_aws::reconcile::{ScheduleError, ScheduleHandler};

// One thread: a Lambda environment runs one invocation at a time, nothing here spawns tasks
// (the SDK calls are futures joined within the one task), and below 1,769 MB a function has
// less than one vCPU (https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html).
// The multi-threaded runtime's worker threads cost about 1 ms of init (README, Performance).
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    serve(|inv: Invocation| async move {
        let handler = ScheduleHandler {
            scaler: inv.scaler,
            origin: inv.origin,
        };
        let outcomes = handler.handle(&inv.payload, inv.now).await?;
        for o in &outcomes {
            if let Some(outcome) = &o.outcome {
                emf::emit(&emf::decision_line(
                    &o.resource_id,
                    &o.trigger,
                    outcome.previous(),
                    outcome,
                    inv.now,
                ));
            }
        }
        let failed = outcomes.iter().filter(|o| o.error.is_some()).count();
        // One entry per step that did something (a target can have several); failures of
        // single targets are listed too, the pass goes on with the others.
        Ok::<_, ScheduleError>(json!({
            "Failed": failed,
            "Outcomes": outcomes,
        }))
    })
    .await
}
