//! Activities the pass records without calling SageMaker: outcomes final the moment they are
//! written (a ForecastOnly decision, a metric without data, firings missed, a variant gone).

use chrono::{DateTime, Utc};
use uuid::Uuid;

use sagescale_core::activity::{NotScaledReason, ScalingActivity, StatusCode};
use sagescale_core::model::ScalableTarget;

/// A final activity of `target` that starts and ends at `now`.
pub(super) fn ended(
    target: &ScalableTarget,
    now: DateTime<Utc>,
    status_code: StatusCode,
    description: String,
    cause: String,
    message: String,
    not_scaled_reasons: Vec<NotScaledReason>,
) -> ScalingActivity {
    ScalingActivity {
        activity_id: Uuid::new_v4().to_string(),
        service_namespace: target.service_namespace,
        resource_id: target.resource_id.clone(),
        scalable_dimension: target.scalable_dimension,
        description,
        cause,
        start_time: now,
        end_time: Some(now),
        status_code,
        status_message: Some(message),
        details: None,
        not_scaled_reasons,
    }
}
