"""Application Auto Scaling realism for sagescale's emulator (see ``server.py``).

moto's Application Auto Scaling lacks what the migration commands (import, compare, takeover,
handback) meet in AWS:

* ``DescribeScalingActivities`` (moto answers nothing for it): served here from activities the
  tests seed through ``POST /_sagescale/aas-activities``, in AAS's response shape (ActivityId,
  ServiceNamespace, ResourceId, ScalableDimension, Description, Cause, StartTime, EndTime,
  StatusCode, StatusMessage, Details, NotScaledReasons), newest first, filtered by
  ServiceNamespace (required), ResourceId and ScalableDimension, paged with MaxResults (1-50,
  default 50) and NextToken. Activities with NotScaledReasons are not-scaled activities: AAS
  returns them only with ``IncludeNotScaledActivities: true``.
* ``DeregisterScalableTarget`` deletes the target's scaling policies and scheduled actions, as
  AAS does (moto keeps them, orphaned).
* A step policy's ``Alarms`` lists the CloudWatch alarms whose actions name the policy ARN (AAS
  reports them; moto only lists the alarms it created for DynamoDB/ECS target tracking).
* DescribeScalableTargets pages correctly (moto's NextToken repeats the second page).
* SageMaker inference components (``inference-component/NAME``,
  ``sagemaker:inference-component:DesiredCopyCount``), which moto refuses as an unsupported
  dimension.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import uuid
from typing import Any

from moto.applicationautoscaling import models as aas_models
from moto.applicationautoscaling import responses as aas_responses

INFERENCE_COMPONENT_DIMENSION = "sagemaker:inference-component:DesiredCopyCount"
STATUS_CODES = {"Pending", "InProgress", "Successful", "Overridden", "Unfulfilled", "Failed"}

# (account, region) -> seeded activities, in seeding order.
ACTIVITIES: dict[tuple[str, str], list[dict[str, Any]]] = {}


def clear() -> None:
    ACTIVITIES.clear()


class AasError(Exception):
    def __init__(self, code: str, message: str, status: int = 400):
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


# --------------------------------------------------------------------------------------------
# moto patches
# --------------------------------------------------------------------------------------------


def install_patches() -> None:
    original_valid = aas_models._target_params_are_valid

    def target_params_are_valid(namespace: str, r_id: str, dimension: str) -> bool:
        if namespace == "sagemaker" and dimension == INFERENCE_COMPONENT_DIMENSION:
            if r_id.startswith("inference-component/") and len(r_id.split("/")) == 2:
                return True
        return original_valid(namespace, r_id, dimension)

    aas_models._target_params_are_valid = target_params_are_valid

    response_class = aas_responses.ApplicationAutoScalingResponse
    original_validate = response_class._validate_params

    def validate_params(self: Any) -> None:
        if self._get_param("ScalableDimension") == INFERENCE_COMPONENT_DIMENSION:
            if self._get_param("ServiceNamespace") == "sagemaker":
                return
        original_validate(self)

    response_class._validate_params = validate_params

    def describe_scalable_targets(self: Any) -> str:
        # moto's NextToken is the page length minus one, so a third page repeats the second.
        self._validate_params()
        targets = self.applicationautoscaling_backend.describe_scalable_targets(
            self._get_param("ServiceNamespace"),
            self._get_param("ResourceIds"),
            self._get_param("ScalableDimension"),
        )
        max_results = self._get_int_param("MaxResults") or 50
        start = int(self._get_param("NextToken") or 0)
        page = targets[start : start + max_results]
        result: dict[str, Any] = {"ScalableTargets": [aas_responses._build_target(t) for t in page]}
        if start + max_results < len(targets):
            result["NextToken"] = str(start + max_results)
        return json.dumps(result)

    response_class.describe_scalable_targets = describe_scalable_targets

    original_deregister = aas_models.ApplicationAutoscalingBackend.deregister_scalable_target

    def deregister_scalable_target(self: Any, namespace: str, r_id: str, dimension: str) -> None:
        original_deregister(self, namespace, r_id, dimension)
        for key, policy in list(self.policies.items()):
            if (policy.service_namespace, policy.resource_id, policy.scalable_dimension) == (namespace, r_id, dimension):
                policy.delete_alarms(self.account_id, self.region_name)
                del self.policies[key]
        self.scheduled_actions = [
            a
            for a in self.scheduled_actions
            if (a.service_namespace, a.resource_id, a.scalable_dimension) != (namespace, r_id, dimension)
        ]

    aas_models.ApplicationAutoscalingBackend.deregister_scalable_target = deregister_scalable_target

    original_build_alarms = aas_responses._build_alarms

    def build_alarms(policy: Any) -> list[dict[str, str]]:
        alarms = original_build_alarms(policy)
        if policy.policy_type != "StepScaling":
            return alarms
        from moto.cloudwatch.models import cloudwatch_backends

        known = {a["AlarmName"] for a in alarms}
        cloudwatch = cloudwatch_backends[policy.account_id][policy.region_name]
        for alarm in cloudwatch.alarms.values():
            actions = list(getattr(alarm, "alarm_actions", None) or [])
            if policy.policy_arn in actions and alarm.name not in known:
                alarms.append({"AlarmARN": alarm.alarm_arn, "AlarmName": alarm.name})
        return alarms

    aas_responses._build_alarms = build_alarms


# --------------------------------------------------------------------------------------------
# Activities
# --------------------------------------------------------------------------------------------


def _epoch(value: Any) -> float:
    if isinstance(value, (int, float)):
        return float(value)
    text = str(value).replace("Z", "+00:00")
    parsed = dt.datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.timezone.utc)
    return parsed.timestamp()


def seed(body: dict[str, Any]) -> dict[str, Any]:
    """``POST /_sagescale/aas-activities``: ``{"activities": [...], "account"?, "region"?}``.

    Each activity needs ResourceId, ScalableDimension and StartTime (RFC 3339 or epoch
    seconds); the rest defaults like a successful AAS activity.
    """
    account = body.get("account") or "123456789012"
    region = body.get("region") or "us-east-1"
    items = body.get("activities")
    if not isinstance(items, list):
        raise ValueError("activities must be a list")
    stored = []
    for item in items:
        for required in ("ResourceId", "ScalableDimension", "StartTime"):
            if not item.get(required):
                raise ValueError(f"{required} is required")
        status = item.get("StatusCode", "Successful")
        if status not in STATUS_CODES:
            raise ValueError(f"StatusCode must be one of {sorted(STATUS_CODES)}")
        activity = {
            "ActivityId": item.get("ActivityId") or str(uuid.uuid4()),
            "ServiceNamespace": item.get("ServiceNamespace", "sagemaker"),
            "ResourceId": item["ResourceId"],
            "ScalableDimension": item["ScalableDimension"],
            "Description": item.get("Description", ""),
            "Cause": item.get("Cause", ""),
            "StartTime": _epoch(item["StartTime"]),
            "StatusCode": status,
        }
        if item.get("EndTime") is not None:
            activity["EndTime"] = _epoch(item["EndTime"])
        elif status in ("Successful", "Failed", "Overridden", "Unfulfilled"):
            activity["EndTime"] = activity["StartTime"] + 30.0
        for optional in ("StatusMessage", "Details"):
            if item.get(optional) is not None:
                activity[optional] = item[optional]
        if item.get("NotScaledReasons"):
            activity["NotScaledReasons"] = item["NotScaledReasons"]
        stored.append(activity)
    ACTIVITIES.setdefault((account, region), []).extend(stored)
    return {"seeded": len(stored)}


def _token(offset: int, fingerprint: str) -> str:
    return base64.urlsafe_b64encode(json.dumps([offset, fingerprint]).encode()).decode()


def describe_scaling_activities(params: dict[str, Any], account: str, region: str) -> dict[str, Any]:
    namespace = params.get("ServiceNamespace")
    if not namespace:
        raise AasError(
            "ValidationException",
            "1 validation error detected: Value null at 'serviceNamespace' failed to satisfy constraint: Member must not be null",
        )
    resource_id = params.get("ResourceId")
    dimension = params.get("ScalableDimension")
    if dimension and not resource_id:
        raise AasError("ValidationException", "ResourceId must be specified when ScalableDimension is specified")
    max_results = params.get("MaxResults", 50)
    if not isinstance(max_results, int) or not 1 <= max_results <= 50:
        raise AasError(
            "ValidationException",
            f"1 validation error detected: Value '{max_results}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 50",
        )
    include_not_scaled = bool(params.get("IncludeNotScaledActivities"))
    found = [
        a
        for a in ACTIVITIES.get((account, region), [])
        if a["ServiceNamespace"] == namespace
        and (not resource_id or a["ResourceId"] == resource_id)
        and (not dimension or a["ScalableDimension"] == dimension)
        and (include_not_scaled or not a.get("NotScaledReasons"))
    ]
    found.sort(key=lambda a: a["StartTime"], reverse=True)
    fingerprint = json.dumps([namespace, resource_id, dimension, include_not_scaled])
    offset = 0
    token = params.get("NextToken")
    if token:
        try:
            offset, seen = json.loads(base64.urlsafe_b64decode(token.encode()))
        except (ValueError, TypeError) as err:
            raise AasError("InvalidNextTokenException", "Invalid token") from err
        if seen != fingerprint:
            raise AasError("InvalidNextTokenException", "Invalid token")
    page = found[offset : offset + max_results]
    if not include_not_scaled:
        page = [{k: v for k, v in a.items() if k != "NotScaledReasons"} for a in page]
    result: dict[str, Any] = {"ScalingActivities": page}
    if offset + max_results < len(found):
        result["NextToken"] = _token(offset + max_results, fingerprint)
    return result


def handle(operation: str, raw: bytes, account: str, region: str) -> tuple[int, list[tuple[str, str]], bytes] | None:
    """The realism layer's answer to an AAS JSON request, or None to let moto answer."""
    if operation != "DescribeScalingActivities":
        return None
    request_id = str(uuid.uuid4())
    try:
        params = json.loads(raw) if raw.strip() else {}
        status, payload, extra = 200, describe_scaling_activities(params, account, region), []
    except AasError as err:
        status, payload = err.status, {"__type": err.code, "message": err.message}
        extra = [("x-amzn-ErrorType", err.code)]
    body = json.dumps(payload).encode()
    headers = [
        ("Content-Type", "application/x-amz-json-1.1"),
        ("x-amzn-RequestId", request_id),
        ("Content-Length", str(len(body))),
        *extra,
    ]
    return status, headers, body
