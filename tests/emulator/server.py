#!/usr/bin/env python3
"""sagescale's emulated AWS: moto's server in-process plus a realism layer.

moto answers DynamoDB, SageMaker, Application Auto Scaling (and the rest of its services).
This module closes the gaps listed in DESIGN.md section 9 that would make tests lie:

* SageMaker UpdateEndpointWeightsAndCapacities moves the endpoint to ``Updating`` for a
  configurable delay (default 0 s: instantly ``InService``). Meanwhile DescribeEndpoint shows
  the new DesiredInstanceCount and the old CurrentInstanceCount. Updates of an endpoint that is
  Creating/Updating/SystemUpdating/RollingBack/Deleting are rejected like SageMaker does
  (400 ValidationException "Cannot update in-progress endpoint ..."). A variant update merges
  (only DesiredInstanceCount and/or DesiredWeight change) instead of replacing the variant.
* SageMaker UpdateEndpoint (moto does not implement it), as the API reference describes it
  (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_UpdateEndpoint.html,
  API_DescribeEndpoint.html, API_PendingDeploymentSummary.html): the endpoint goes ``Updating``
  for the update delay, then ``InService``. Meanwhile DescribeEndpoint still shows the old
  EndpointConfigName and variants, plus a ``PendingDeploymentSummary`` naming the new
  configuration and its variants. When the update completes, EndpointConfigName is the new one
  and the variants are those of the new configuration (created with moto's
  CreateEndpointConfig): a variant absent from it disappears, a new one appears, and each
  variant's Desired/CurrentInstanceCount and weights are the configuration's
  InitialInstanceCount and InitialVariantWeight (the production "reset to
  InitialInstanceCount" of aws/sagemaker-python-sdk#3126), unless ``RetainAllVariantProperties``
  is true: variants present before keep their counts and weights, except the properties listed
  in ``ExcludeRetainedVariantProperties`` (``DesiredInstanceCount``, ``DesiredWeight``), which
  come from the configuration. An update of an endpoint in progress is rejected like
  UpdateEndpointWeightsAndCapacities ("Cannot update in-progress endpoint ..."); an unknown
  endpoint configuration is a ValidationException "Could not find endpoint configuration ...".
  ``DeploymentConfig`` (blue/green traffic shifting, rolling batches, auto-rollback) and
  ``RetainDeploymentConfig`` are accepted and not emulated: the switch is atomic at the end of
  the delay.
* SageMaker inference components (moto has none): ``inference_components.py`` beside this file
  serves CreateInferenceComponent, DescribeInferenceComponent and
  UpdateInferenceComponentRuntimeConfig. An update moves the component to ``Updating`` for the
  update delay (new DesiredCopyCount, old CurrentCopyCount), then ``InService`` with
  CurrentCopyCount = DesiredCopyCount; an update while Creating/Updating/Deleting is refused
  (400 ValidationException ``Cannot update inference component "ARN" while it is in state
  UPDATE_RC_IN_PROGRESS.``); an unknown name is a ValidationException ``Could not find inference
  component "ARN".``. Logged, fault-injected and cut off like every SageMaker request.
* Variants always report Current/Desired instance counts and weights (moto drops a count or a
  weight that is 0 or absent; SageMaker's default weight is 1.0).
* All AWS requests are serialised by one lock, so DynamoDB conditional writes are linearizable
  under concurrent clients.
* CloudWatch over Smithy RPC v2 CBOR, the protocol of the current SDKs (aws-sdk-cloudwatch
  1.140, botocore 1.44), to which moto answers 404: ``cloudwatch.py`` beside this file decodes
  the CBOR request, serves it against moto's CloudWatch backend (GetMetricData with epoch-aligned
  periods, metric math and NextToken paging; PutCompositeAlarm; DescribeAlarms with AlarmTypes;
  alarms start INSUFFICIENT_DATA) or forwards it to moto as awsJson1_0, and answers in CBOR.
  Such requests are logged and matched for faults as service ``cloudwatch`` with the operation
  of the ``/service/<Service>/operation/<Operation>`` path; faults answer CBOR-shaped errors.
* Application Auto Scaling: ``aas.py`` beside this file serves DescribeScalingActivities from
  activities seeded with ``POST /_sagescale/aas-activities``, makes DeregisterScalableTarget
  delete the target's policies and scheduled actions, lists a step policy's alarms, and accepts
  inference-component targets.
* Crash points: ``cutoff.py`` beside this file cuts a client off at its n-th request (answered
  500, or held until the test has killed the client), optionally after serving it.
* Control routes under ``/_sagescale/`` (JSON): endpoint status, update delay, fault injection,
  request log, reset, demo endpoint and inference component creation. See ``control`` below.

Usage: ``server.py [--host 127.0.0.1] [--port 0] [--port-file F] [--exit-on-stdin-eof] [--verbose]``.
Prints ``READY <port>`` on stdout once the socket accepts connections; SIGTERM/SIGINT exit 0.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import signal
import sys
import threading
import time
import uuid
from typing import Any, Callable, Iterable
from urllib.parse import parse_qs

from moto.core.responses import ActionResult
from moto.moto_api import _internal as moto_api_internal
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from moto.sagemaker import models as sm
from moto.sagemaker.exceptions import AWSValidationException, ValidationError
from moto.sagemaker.responses import SageMakerResponse
from werkzeug.serving import make_server

import aas  # tests/emulator/aas.py: DescribeScalingActivities, deregistration, step alarms
import cloudwatch  # tests/emulator/cloudwatch.py: CloudWatch over Smithy RPC v2 CBOR
import cutoff  # tests/emulator/cutoff.py: cut a client off at its n-th request (crash points)
import inference_components  # tests/emulator/inference_components.py: SageMaker inference components

DEFAULT_ACCOUNT = "123456789012"
DEFAULT_REGION = "us-east-1"

# SageMaker statuses in which UpdateEndpointWeightsAndCapacities is refused as "in progress".
IN_PROGRESS = {"Creating", "Updating", "SystemUpdating", "RollingBack", "Deleting"}
# Statuses the control route accepts (SageMaker's EndpointStatus enum).
ENDPOINT_STATUSES = IN_PROGRESS | {"InService", "OutOfService", "Failed", "UpdateRollbackFailed"}

# X-Amz-Target prefix -> service name used in the request log and fault matching.
TARGET_PREFIXES = {
    "SageMaker": "sagemaker",
    "DynamoDB_20120810": "dynamodb",
    "DynamoDBStreams_20120810": "dynamodbstreams",
    "AnyScaleFrontendService": "application-autoscaling",
    "GraniteServiceVersion20100801": "cloudwatch",
    "AWSEvents": "events",
    "AWSLambda": "lambda",
}
# SigV4 signing name -> service name (for requests without X-Amz-Target).
SIGNING_NAMES = {"monitoring": "cloudwatch"}


def utc_now_iso() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class State:
    """Everything the realism layer keeps beside moto's own backends."""

    def __init__(self) -> None:
        # Re-entrant: control routes call patched backend methods while holding it.
        self.lock = threading.RLock()
        self.clear()

    def clear(self) -> None:
        if getattr(self, "cutoff", None) is not None:
            self.cutoff.lift()  # a held request must not outlive a reset
        self.cutoff: cutoff.Cutoff | None = None
        self.default_update_delay = 0.0
        self.endpoint_update_delay: dict[str, float] = {}  # endpoint name -> seconds
        self.transition_due: dict[str, float] = {}  # endpoint ARN -> monotonic deadline
        # endpoint ARN -> (new endpoint config name, its variants) of an UpdateEndpoint in progress
        self.deployments: dict[str, tuple[str, list[dict[str, Any]]]] = {}
        self.faults: list[dict[str, Any]] = []
        self.requests: list[dict[str, Any]] = []
        aas.clear()  # seeded AAS scaling activities
        inference_components.clear()  # moto has none: they live beside its backends

    def update_delay(self, endpoint_name: str) -> float:
        return self.endpoint_update_delay.get(endpoint_name, self.default_update_delay)

    def take_fault(self, service: str, operation: str) -> dict[str, Any] | None:
        for fault in self.faults:
            if fault["service"] == service and fault["operation"] in (operation, "*"):
                fault["remaining"] -= 1
                if fault["remaining"] <= 0:
                    self.faults.remove(fault)
                return fault
        return None


STATE = State()


# --------------------------------------------------------------------------------------------
# SageMaker realism: patches of moto's SageMakerModelBackend / FakeEndpoint.
# Our own per-endpoint state lives in STATE, never as attributes of FakeEndpoint: moto
# serialises every attribute of that object into DescribeEndpoint.
# --------------------------------------------------------------------------------------------


def settle(endpoint: sm.FakeEndpoint, force: bool = False) -> None:
    """Finish a timed transition (Updating/Creating/...) whose deadline has passed."""
    due = STATE.transition_due.get(endpoint.arn)
    if due is None and not force:
        return
    if not force and time.monotonic() < due:
        return
    STATE.transition_due.pop(endpoint.arn, None)
    deployment = STATE.deployments.pop(endpoint.arn, None)
    if deployment is not None:
        endpoint.endpoint_config_name, endpoint.production_variants = deployment
        endpoint.pending_deployment_summary = None  # None is left out of DescribeEndpoint
    for variant in endpoint.production_variants:
        if "DesiredInstanceCount" in variant:
            variant["CurrentInstanceCount"] = variant["DesiredInstanceCount"]
        if "DesiredWeight" in variant:
            variant["CurrentWeight"] = variant["DesiredWeight"]
        variant.pop("VariantStatus", None)
    endpoint.endpoint_status = "InService"
    endpoint.failure_reason = None
    endpoint.last_modified_time = sm.utcnow()


_orig_process_variants = sm.FakeEndpoint._process_production_variants


def process_production_variants(self: sm.FakeEndpoint, production_variants: list[dict[str, Any]]) -> list[dict[str, Any]]:
    processed = _orig_process_variants(self, production_variants)
    for source, variant in zip(production_variants, processed):
        count = source.get("InitialInstanceCount")
        if count is not None:  # moto skips a count of 0
            variant["CurrentInstanceCount"] = count
            variant["DesiredInstanceCount"] = count
        weight = source.get("InitialVariantWeight")
        weight = 1.0 if weight is None else weight  # SageMaker's default weight
        variant["CurrentWeight"] = weight
        variant["DesiredWeight"] = weight
    return processed


def update_endpoint_weights_and_capacities(
    self: sm.SageMakerModelBackend, endpoint_name: str, desired_weights_and_capacities: list[dict[str, Any]]
) -> str:
    endpoint = self.endpoints.get(endpoint_name)
    if endpoint is None:
        arn = sm.FakeEndpoint.arn_formatter(endpoint_name, self.account_id, self.region_name)
        raise AWSValidationException(f'Could not find endpoint "{arn}".')
    settle(endpoint)
    if endpoint.endpoint_status in IN_PROGRESS:
        raise AWSValidationException(f'Cannot update in-progress endpoint "{endpoint.arn}".')
    if endpoint.endpoint_status != "InService":
        # SageMaker refuses to update an endpoint that is not serving; the exact wording for
        # Failed/OutOfService is not documented, so this message is the emulator's own.
        raise AWSValidationException(
            f'Cannot update endpoint "{endpoint.arn}" in status {endpoint.endpoint_status}.'
        )
    by_name = {v["VariantName"]: v for v in endpoint.production_variants}
    seen: set[str] = set()
    for change in desired_weights_and_capacities:
        name = change.get("VariantName")
        if name in seen:
            raise AWSValidationException(f'The variant name "{name}" was non-unique within the request.')
        if name not in by_name:
            raise AWSValidationException(
                f'The variant name(s) "{name}" is/are not present within endpoint configuration '
                f'"{endpoint.endpoint_config_name}".'
            )
        seen.add(name)

    delay = STATE.update_delay(endpoint_name)
    started = sm.utcnow()
    for change in desired_weights_and_capacities:
        variant = by_name[change["VariantName"]]
        if change.get("DesiredInstanceCount") is not None:
            variant["DesiredInstanceCount"] = change["DesiredInstanceCount"]
        if change.get("DesiredWeight") is not None:
            variant["DesiredWeight"] = change["DesiredWeight"]
        if delay > 0:
            variant["VariantStatus"] = [
                {"Status": "Updating", "StatusMessage": "Updating variant capacity", "StartTime": started}
            ]
    endpoint.last_modified_time = started
    endpoint.endpoint_status = "Updating"
    STATE.transition_due[endpoint.arn] = time.monotonic() + delay
    settle(endpoint)  # a zero delay completes at once
    return endpoint.arn


def update_endpoint(
    self: sm.SageMakerModelBackend,
    endpoint_name: str,
    endpoint_config_name: str,
    retain_all_variant_properties: bool = False,
    exclude_retained_variant_properties: list[dict[str, Any]] | None = None,
) -> str:
    endpoint = self.endpoints.get(endpoint_name)
    if endpoint is None:
        arn = sm.FakeEndpoint.arn_formatter(endpoint_name, self.account_id, self.region_name)
        raise AWSValidationException(f'Could not find endpoint "{arn}".')
    settle(endpoint)
    if endpoint.endpoint_status in IN_PROGRESS:
        raise AWSValidationException(f'Cannot update in-progress endpoint "{endpoint.arn}".')
    config = self.endpoint_configs.get(endpoint_config_name)
    if config is None:
        arn = sm.FakeEndpointConfig.arn_formatter(endpoint_config_name, self.account_id, self.region_name)
        raise AWSValidationException(f'Could not find endpoint configuration "{arn}".')
    excluded = {p.get("VariantPropertyType") for p in exclude_retained_variant_properties or []}
    old = {v["VariantName"]: v for v in endpoint.production_variants}
    variants = process_production_variants(endpoint, config.production_variants)
    if retain_all_variant_properties:
        for variant in variants:
            before = old.get(variant["VariantName"])
            if before is None:
                continue
            if "DesiredInstanceCount" not in excluded:
                for key in ("DesiredInstanceCount", "CurrentInstanceCount"):
                    if key in before:
                        variant[key] = before[key]
            if "DesiredWeight" not in excluded:
                for key in ("DesiredWeight", "CurrentWeight"):
                    if key in before:
                        variant[key] = before[key]
    started = sm.utcnow()
    STATE.deployments[endpoint.arn] = (endpoint_config_name, variants)
    endpoint.pending_deployment_summary = {
        "EndpointConfigName": endpoint_config_name,
        "ProductionVariants": [
            {
                key: variant[key]
                for key in ("VariantName", "DesiredInstanceCount", "DesiredWeight")
                if key in variant
            }
            | {"VariantStatus": [{"Status": "Creating", "StartTime": started}]}
            for variant in variants
        ],
        "StartTime": started,
    }
    endpoint.last_modified_time = started
    endpoint.endpoint_status = "Updating"
    STATE.transition_due[endpoint.arn] = time.monotonic() + STATE.update_delay(endpoint_name)
    settle(endpoint)  # a zero delay completes at once
    return endpoint.arn


def update_endpoint_response(self: SageMakerResponse) -> ActionResult:
    arn = self.sagemaker_backend.update_endpoint(
        endpoint_name=self._get_param("EndpointName"),
        endpoint_config_name=self._get_param("EndpointConfigName"),
        retain_all_variant_properties=bool(self._get_param("RetainAllVariantProperties")),
        exclude_retained_variant_properties=self._get_param("ExcludeRetainedVariantProperties"),
    )
    return ActionResult({"EndpointArn": arn})


_orig_describe_endpoint = sm.SageMakerModelBackend.describe_endpoint


def describe_endpoint(self: sm.SageMakerModelBackend, endpoint_name: str) -> dict[str, Any]:
    endpoint = self.endpoints.get(endpoint_name)
    if endpoint is not None:
        settle(endpoint)
    return _orig_describe_endpoint(self, endpoint_name)


_orig_list_endpoints = sm.SageMakerModelBackend.list_endpoints


def list_endpoints(self: sm.SageMakerModelBackend, *args: Any, **kwargs: Any) -> list[sm.FakeEndpoint]:
    for endpoint in list(self.endpoints.values()):
        settle(endpoint)
    return _orig_list_endpoints(self, *args, **kwargs)


def install_sagemaker_patches() -> None:
    sm.FakeEndpoint._process_production_variants = process_production_variants
    sm.SageMakerModelBackend.update_endpoint_weights_and_capacities = update_endpoint_weights_and_capacities
    sm.SageMakerModelBackend.describe_endpoint = describe_endpoint
    sm.SageMakerModelBackend.update_endpoint = update_endpoint
    SageMakerResponse.update_endpoint = update_endpoint_response
    sm.SageMakerModelBackend.list_endpoints = list_endpoints


# --------------------------------------------------------------------------------------------
# Request identification, faults
# --------------------------------------------------------------------------------------------

_CREDENTIAL_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/([^/]+)/([^/]+)/aws4_request")


def identify(environ: dict[str, Any]) -> tuple[str, str, str | None]:
    """(service, operation, region) of an AWS request."""
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    match = _CREDENTIAL_SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
    region = match.group(1) if match else None
    rpc_v2 = cloudwatch.rpc_v2_target(environ)
    if rpc_v2 is not None:  # Smithy RPC v2: /service/<ServiceShape>/operation/<Operation>
        return TARGET_PREFIXES.get(rpc_v2[0], rpc_v2[0]), rpc_v2[1], region
    if "." in target:
        prefix, operation = target.split(".", 1)
        service = TARGET_PREFIXES.get(prefix, prefix)
        return service, operation, region
    service = match.group(2) if match else "unknown"
    service = SIGNING_NAMES.get(service, service)
    action = parse_qs(environ.get("QUERY_STRING", "")).get("Action")
    operation = action[0] if action else f"{environ.get('REQUEST_METHOD', 'GET')} {environ.get('PATH_INFO', '/')}"
    return service, operation, region


DYNAMODB_NS = "com.amazonaws.dynamodb.v20120810#"

# kind -> (HTTP status, error code, default message); per-service codes where they differ.
FAULT_KINDS: dict[str, tuple[int, str, str]] = {
    "throttle": (400, "ThrottlingException", "Rate exceeded"),
    "5xx": (500, "InternalFailure", "An internal error occurred. Try again."),
    "unavailable": (503, "ServiceUnavailable", "Service is unavailable. Try again later."),
    "resource_limit": (
        400,
        "ResourceLimitExceeded",
        "The account-level service limit 'ml.m5.large for endpoint usage' is 4 Instances, with "
        "current utilization of 4 Instances and a request delta of 1 Instances. Please use AWS "
        "Service Quotas to request an increase for this quota. If AWS Service Quotas is not "
        "available, contact AWS support to request an increase for this quota.",
    ),
}
SERVICE_CODES = {
    ("dynamodb", "5xx"): "InternalServerError",
    ("dynamodb", "resource_limit"): "LimitExceededException",
    ("application-autoscaling", "5xx"): "InternalServiceException",
    ("application-autoscaling", "resource_limit"): "LimitExceededException",
    ("cloudwatch", "5xx"): "InternalServiceError",
    ("cloudwatch", "resource_limit"): "LimitExceeded",
}


def fault_response(fault: dict[str, Any], environ: dict[str, Any]) -> tuple[int, list[tuple[str, str]], bytes]:
    status, code, message = FAULT_KINDS[fault["kind"]]
    status = int(fault.get("status") or status)
    code = fault.get("code") or SERVICE_CODES.get((fault["service"], fault["kind"]), code)
    message = fault.get("message") or message
    request_id = str(uuid.uuid4())
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    if cloudwatch.is_rpc_v2(environ):  # Smithy RPC v2 CBOR (CloudWatch)
        return cloudwatch.error_response(code, message, status, request_id)
    if target:  # awsJson1.0 / 1.1
        type_ = DYNAMODB_NS + code if fault["service"] == "dynamodb" else code
        body = json.dumps({"__type": type_, "message": message}).encode()
        content_type = "application/x-amz-json-1.0" if fault["service"] == "dynamodb" else "application/x-amz-json-1.1"
        headers = [("Content-Type", content_type), ("x-amzn-RequestId", request_id), ("x-amzn-ErrorType", code)]
    else:  # awsQuery
        kind = "Receiver" if status >= 500 else "Sender"
        body = (
            f"<ErrorResponse><Error><Type>{kind}</Type><Code>{code}</Code><Message>{message}</Message>"
            f"</Error><RequestId>{request_id}</RequestId></ErrorResponse>"
        ).encode()
        headers = [("Content-Type", "text/xml"), ("x-amzn-RequestId", request_id)]
    headers.append(("Content-Length", str(len(body))))
    return status, headers, body


# --------------------------------------------------------------------------------------------
# Control routes
# --------------------------------------------------------------------------------------------


class HttpError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


def find_endpoint(name: str, query: dict[str, list[str]]) -> tuple[sm.SageMakerModelBackend, sm.FakeEndpoint]:
    regions = query.get("region")
    accounts = query.get("account")
    for account_id, by_region in sm.sagemaker_backends.items():
        if accounts and account_id not in accounts:
            continue
        for region, backend in by_region.items():
            if regions and region not in regions:
                continue
            if name in backend.endpoints:
                return backend, backend.endpoints[name]
    raise HttpError(404, f"endpoint {name!r} not found")


def backend_for(body: dict[str, Any]) -> sm.SageMakerModelBackend:
    return sm.sagemaker_backends[body.get("account", DEFAULT_ACCOUNT)][body.get("region", DEFAULT_REGION)]


def create_demo_endpoint(body: dict[str, Any]) -> dict[str, Any]:
    """Model + endpoint config + endpoint in one call; the endpoint is InService."""
    backend = backend_for(body)
    name = body["name"]
    variant = body.get("variant", "AllTraffic")
    model_name = f"{name}-model"
    config_name = f"{name}-config"
    if model_name not in backend._models:
        backend.create_model(
            model_name=model_name,
            execution_role_arn=f"arn:aws:iam::{backend.account_id}:role/sagescale-demo",
            primary_container={"Image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/demo:latest"},
            vpc_config=None,
            containers=None,
            tags=None,
        )
    production_variant = {
        "VariantName": variant,
        "ModelName": model_name,
        "InitialInstanceCount": int(body.get("instance_count", 1)),
        "InstanceType": body.get("instance_type", "ml.m5.large"),
        "InitialVariantWeight": float(body.get("weight", 1.0)),
    }
    backend.create_endpoint_config(
        endpoint_config_name=config_name,
        production_variants=[production_variant],
        data_capture_config={},
        async_inference_config={},
        tags=[],
        kms_key_id=None,
    )
    backend.create_endpoint(endpoint_name=name, endpoint_config_name=config_name, tags=[])
    return backend.describe_endpoint(name)


def set_endpoint_status(name: str, query: dict[str, list[str]], body: dict[str, Any]) -> dict[str, Any]:
    backend, endpoint = find_endpoint(name, query)
    status = body.get("status")
    if status not in ENDPOINT_STATUSES:
        raise HttpError(400, f"status must be one of {sorted(ENDPOINT_STATUSES)}")
    if status == "InService":
        settle(endpoint, force=True)
    else:
        endpoint.endpoint_status = status
        endpoint.failure_reason = body.get("failure_reason") or (
            "Set to Failed by the sagescale emulator" if status == "Failed" else None
        )
        seconds = body.get("seconds")
        if seconds is None:
            STATE.transition_due.pop(endpoint.arn, None)  # stays until changed
        else:
            STATE.transition_due[endpoint.arn] = time.monotonic() + float(seconds)
    return backend.describe_endpoint(name)


def control(method: str, path: str, query: dict[str, list[str]], body: dict[str, Any]) -> Any:
    parts = [p for p in path[len("/_sagescale/") :].split("/") if p]
    if len(parts) >= 2 and parts[0] == "endpoints":
        return control_endpoint(method, parts[1], "/".join(parts[2:]), query, body)
    if parts and parts[0] == "inference-components":
        try:
            return inference_components.control(method, parts[1:], query, body)
        except LookupError as err:
            raise HttpError(404, str(err)) from err
        except ValueError as err:
            raise HttpError(400, str(err)) from err
    route = (method, "/".join(parts))
    if route == ("GET", "health"):
        return {"ok": True}
    if route == ("POST", "reset"):
        moto_api_internal.moto_api_backend.reset()
        STATE.clear()
        return {"reset": True}
    if route == ("GET", "requests"):
        return list(STATE.requests)
    if route == ("DELETE", "requests"):
        STATE.requests.clear()
        return []
    if route == ("GET", "faults"):
        return list(STATE.faults)
    if route == ("DELETE", "faults"):
        STATE.faults.clear()
        return []
    if route == ("POST", "faults"):
        return add_fault(body)
    if route[1] == "cutoff":
        return cutoff.control(STATE, method, body)
    if route == ("POST", "aas-activities"):
        return aas.seed(body)
    if route == ("POST", "update-delay"):
        return set_update_delay(body)
    if route == ("POST", "endpoints"):
        if not body.get("name"):
            raise HttpError(400, "name is required")
        return create_demo_endpoint(body)
    raise HttpError(404, f"no control route {method} {path}")


def control_endpoint(method: str, name: str, action: str, query: dict[str, list[str]], body: dict[str, Any]) -> Any:
    backend, endpoint = find_endpoint(name, query)
    if (method, action) == ("GET", ""):
        return backend.describe_endpoint(name)
    if (method, action) == ("POST", "status"):
        return set_endpoint_status(name, query, body)
    if (method, action) == ("POST", "complete"):
        if endpoint.endpoint_status in IN_PROGRESS:
            settle(endpoint, force=True)
        return backend.describe_endpoint(name)
    raise HttpError(404, f"no control route {method} /_sagescale/endpoints/{name}/{action}")


def add_fault(body: dict[str, Any]) -> dict[str, Any]:
    fault = {
        "service": body.get("service"),
        "operation": body.get("operation"),
        "kind": body.get("kind"),
        "remaining": int(body.get("count", 1)),
    }
    for optional in ("message", "status", "code"):
        if body.get(optional) is not None:
            fault[optional] = body[optional]
    if not fault["service"] or not fault["operation"]:
        raise HttpError(400, "service and operation are required")
    if fault["kind"] not in FAULT_KINDS:
        raise HttpError(400, f"kind must be one of {sorted(FAULT_KINDS)}")
    if fault["remaining"] > 0:
        STATE.faults.append(fault)
    return fault


def set_update_delay(body: dict[str, Any]) -> dict[str, Any]:
    seconds = body.get("seconds")
    endpoint = body.get("endpoint")
    component = body.get("inference_component")
    if component:
        inference_components.set_delay(component, seconds)
    elif endpoint:
        if seconds is None:
            STATE.endpoint_update_delay.pop(endpoint, None)
        else:
            STATE.endpoint_update_delay[endpoint] = float(seconds)
    else:
        STATE.default_update_delay = float(seconds or 0)
    return {
        "default": STATE.default_update_delay,
        "endpoints": STATE.endpoint_update_delay,
        "inference_components": dict(inference_components.DELAYS),
    }


# --------------------------------------------------------------------------------------------
# WSGI
# --------------------------------------------------------------------------------------------


# Requests whose parameters the request log keeps (the rest log service and operation only).
LOGGED_PARAMS: dict[tuple[str, str], tuple[str, ...]] = {
    ("sagemaker", "UpdateEndpointWeightsAndCapacities"): ("EndpointName", "DesiredWeightsAndCapacities"),
    ("sagemaker", "UpdateInferenceComponentRuntimeConfig"): ("InferenceComponentName", "DesiredRuntimeConfig"),
}


class RealismApp:
    """WSGI middleware in front of moto: control routes, faults, request log, one lock."""

    def __init__(self, moto_app: Callable[..., Iterable[bytes]]):
        self.moto_app = moto_app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path.startswith("/_sagescale/"):
            return self.control(environ, start_response, path)
        if path.startswith("/moto-api"):
            with STATE.lock:
                if path == "/moto-api/reset":
                    STATE.clear()
                return [b"".join(self.moto_app(environ, start_response))]

        service, operation, region = identify(environ)
        entry = {"service": service, "operation": operation, "time": utc_now_iso(), "status": 0, "fault": None}
        if (service, operation) in LOGGED_PARAMS:
            # Kept in the log so a test can match each capacity change to its scaling activity.
            raw = drain(environ)
            environ = replay(environ, raw)
            try:
                body = json.loads(raw or b"{}")
            except ValueError:
                body = {}
            entry["params"] = {k: body.get(k) for k in LOGGED_PARAMS[(service, operation)]}
        with STATE.lock:
            STATE.requests.append(entry)
            fault = STATE.take_fault(service, operation)
            if fault is not None:
                status, headers, body = fault_response(fault, environ)
                entry["status"], entry["fault"] = status, fault["kind"]
                drain(environ)
                start_response(f"{status} Error", headers)
                return [body]

            if service == "cloudwatch" and cloudwatch.rpc_v2_target(environ) is not None:
                status, headers, body = cloudwatch.handle(
                    operation, drain(environ), environ, region or DEFAULT_REGION, self.moto_app
                )
                entry["status"] = status
                start_response(f"{status} {'OK' if status == 200 else 'Error'}", headers)
                return [body]

            if service == "application-autoscaling":
                raw = drain(environ)
                answer = aas.handle(operation, raw, cloudwatch.account_of(environ), region or DEFAULT_REGION)
                if answer is not None:
                    status, headers, body = answer
                    entry["status"] = status
                    start_response(f"{status} {'OK' if status == 200 else 'Error'}", headers)
                    return [body]
                environ = replay(environ, raw)

            if service == "sagemaker" and operation in inference_components.OPERATIONS:
                answer = inference_components.handle(
                    operation,
                    drain(environ),
                    cloudwatch.account_of(environ),
                    region or DEFAULT_REGION,
                    STATE.default_update_delay,
                )
                status, headers, body = answer
                entry["status"] = status
                start_response(f"{status} {'OK' if status == 200 else 'Error'}", headers)
                return [body]

            def recording_start_response(status: str, headers: Any, exc_info: Any = None) -> Any:
                entry["status"] = int(status.split()[0])
                return start_response(status, headers, exc_info)

            result = self.moto_app(environ, recording_start_response)
            try:
                return [b"".join(result)]
            finally:
                close = getattr(result, "close", None)
                if close is not None:
                    close()

    def control(self, environ: dict[str, Any], start_response: Callable[..., Any], path: str) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "GET")
        query = parse_qs(environ.get("QUERY_STRING", ""))
        raw = drain(environ)
        status = 200
        try:
            body = json.loads(raw) if raw.strip() else {}
            if not isinstance(body, dict):
                raise HttpError(400, "body must be a JSON object")
            with STATE.lock:
                result = control(method, path, query, body)
        except HttpError as err:
            status, result = err.status, {"error": str(err)}
        except (ValidationError, AWSValidationException) as err:
            status, result = 400, {"error": err.message if hasattr(err, "message") else str(err)}
        except (ValueError, KeyError, TypeError) as err:
            status, result = 400, {"error": f"{type(err).__name__}: {err}"}
        payload = json.dumps(result, default=json_default).encode()
        start_response(
            f"{status} {'OK' if status == 200 else 'Error'}",
            [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))],
        )
        return [payload]


def json_default(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return str(value)


def drain(environ: dict[str, Any]) -> bytes:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    return environ["wsgi.input"].read(length) if length > 0 else b""


def replay(environ: dict[str, Any], raw: bytes) -> dict[str, Any]:
    """``environ`` with a drained body put back, for moto to read."""
    import io

    environ = dict(environ)
    environ["wsgi.input"] = io.BytesIO(raw)
    environ["CONTENT_LENGTH"] = str(len(raw))
    return environ


class QuietHandler(MotoRequestHandler):
    verbose = False

    def log_request(self, *args: Any, **kwargs: Any) -> None:
        if self.verbose:
            super().log_request(*args, **kwargs)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument(
        "--exit-on-stdin-eof",
        action="store_true",
        help="exit when stdin closes (the parent died); used by the Rust harness",
    )
    parser.add_argument("--port-file", help="also write the port to this file once ready (for scripts)")
    parser.add_argument("--verbose", action="store_true", help="log every request on stderr")
    args = parser.parse_args(argv)

    install_sagemaker_patches()
    aas.install_patches()
    QuietHandler.verbose = args.verbose
    app = RealismApp(DomainDispatcherApplication(create_backend_app))
    app = cutoff.CutoffApp(app, STATE, identify, fault_response, replay)
    server = make_server(args.host, args.port, app, threaded=True, request_handler=QuietHandler)
    os.environ.setdefault("MOTO_PORT", str(server.server_port))

    def stop(_signum: int, _frame: Any) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    if args.exit_on_stdin_eof:

        def watch_stdin() -> None:
            # os.read, not sys.stdin: a daemon thread blocked in a buffered reader aborts
            # interpreter shutdown.
            while os.read(0, 4096):
                pass
            os.kill(os.getpid(), signal.SIGTERM)

        threading.Thread(target=watch_stdin, daemon=True).start()

    if args.port_file:
        with open(args.port_file, "w", encoding="utf-8") as port_file:
            port_file.write(f"{server.server_port}\n")
    print(f"READY {server.server_port}", flush=True)
    try:
        server.serve_forever()
    except SystemExit:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
