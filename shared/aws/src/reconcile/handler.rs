//! The schedule-scaler's handler: a tick runs the pass, a Scheduler invocation fires its action.

use chrono::{DateTime, Utc};

use super::scheduled::fire_action;
use super::{ScheduleError, TargetOutcome, run_pass};
use crate::events::{Origin, ScheduleEvent, parse_schedule_event};
use crate::sagemaker::Endpoints;
use crate::scaler::Scaler;

/// The schedule-scaler's handler: a tick runs the pass, a Scheduler invocation fires its action.
pub struct ScheduleHandler<'a, E> {
    pub scaler: &'a Scaler<E>,
    pub origin: Origin,
}

impl<E: Endpoints> ScheduleHandler<'_, E> {
    /// Handle one invocation. A tick runs the pass as of the tick's own `time` (when the rule
    /// was due), so a late delivery is judged by when it was due, within the window
    /// [`crate::tick_clock`] trusts; cursors never move back, so a replayed tick changes
    /// nothing. A Scheduler invocation is judged at `now`.
    pub async fn handle(
        &self,
        payload: &serde_json::Value,
        now: DateTime<Utc>,
    ) -> Result<Vec<TargetOutcome>, ScheduleError> {
        let event = parse_schedule_event(payload)?;
        self.origin.check_schedule(&event)?;
        match event {
            ScheduleEvent::Tick { time, .. } => {
                Ok(run_pass(self.scaler, crate::tick_clock::pass_time(time, now)).await?)
            }
            ScheduleEvent::Action {
                resource_id,
                action_name,
                scheduled_time,
            } => Ok(vec![
                fire_action(self.scaler, &resource_id, &action_name, scheduled_time, now).await?,
            ]),
        }
    }
}
