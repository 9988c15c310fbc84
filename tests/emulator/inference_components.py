"""SageMaker inference components for sagescale's emulator (see ``server.py``).

moto 5.2.5 has no inference components at all. sagescale scales them
(``inference-component/NAME``, ``sagemaker:inference-component:DesiredCopyCount``) with
DescribeInferenceComponent and UpdateInferenceComponentRuntimeConfig, so this module serves
those two and CreateInferenceComponent, in SageMaker's JSON shapes (API reference:
https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateInferenceComponent.html,
API_DescribeInferenceComponent.html, API_UpdateInferenceComponentRuntimeConfig.html,
API_InferenceComponentRuntimeConfigSummary.html):

* CreateInferenceComponent (InferenceComponentName, EndpointName required; VariantName,
  Specification(s), RuntimeConfig.CopyCount): the endpoint must exist (moto's), and the variant
  if given (default: the endpoint's first variant). The component is ``Creating`` for the
  update delay, with DesiredCopyCount = CopyCount and CurrentCopyCount 0, then ``InService``
  with CurrentCopyCount = DesiredCopyCount. Without RuntimeConfig it gets one copy (the
  emulator's choice: the reference does not say).
* DescribeInferenceComponent: InferenceComponentName/Arn, EndpointName/Arn, VariantName,
  Specification as given, RuntimeConfig {DesiredCopyCount, CurrentCopyCount},
  InferenceComponentStatus (``InService``, ``Creating``, ``Updating``, ``Failed``,
  ``Deleting``), FailureReason when Failed, CreationTime, LastModifiedTime.
* UpdateInferenceComponentRuntimeConfig (DesiredRuntimeConfig.CopyCount, 0 or more): the
  component is ``Updating`` for the update delay with the new DesiredCopyCount and the old
  CurrentCopyCount, then ``InService`` with CurrentCopyCount = DesiredCopyCount. An update
  while the component is Creating/Updating/Deleting is refused: 400 ValidationException
  ``Cannot update inference component "ARN" while it is in state UPDATE_RC_IN_PROGRESS.``
  (``CREATE_IN_PROGRESS``, ``DELETE_IN_PROGRESS``). The reference documents no such error;
  the state names are those SageMaker answers in practice (seen by users scaling components
  under Application Auto Scaling), the rest of the wording is the emulator's. A Failed
  component: ``... while it is in state FAILED.`` (the emulator's wording).
* An unknown name: 400 ValidationException ``Could not find inference component "ARN".``
  (SageMaker's prefix, which its Python SDK and the Terraform provider match on).

Transitions are lazy, against a monotonic clock, like the endpoints'. Components live in
``COMPONENTS`` beside moto's backends and are cleared with them (``clear``).
"""

from __future__ import annotations

import json
import re
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from moto.core import DEFAULT_ACCOUNT_ID
from moto.sagemaker import models as sm

OPERATIONS = {
    "CreateInferenceComponent",
    "DescribeInferenceComponent",
    "UpdateInferenceComponentRuntimeConfig",
}
STATUSES = {"InService", "Creating", "Updating", "Failed", "Deleting"}
# Status -> the state SageMaker names when it refuses an update.
REFUSED_IN = {
    "Creating": "CREATE_IN_PROGRESS",
    "Updating": "UPDATE_RC_IN_PROGRESS",
    "Deleting": "DELETE_IN_PROGRESS",
    "Failed": "FAILED",
}
NAME = re.compile(r"^[a-zA-Z0-9]([\-a-zA-Z0-9]*[a-zA-Z0-9])?$")


@dataclass
class Component:
    name: str
    arn: str
    endpoint_name: str
    endpoint_arn: str
    variant_name: str
    specification: dict[str, Any] | None
    desired: int
    current: int
    status: str
    created: float = field(default_factory=time.time)
    modified: float = field(default_factory=time.time)
    failure_reason: str | None = None
    due: float | None = None  # monotonic deadline of the transition in progress

    def settle(self, force: bool = False) -> None:
        if self.due is None and not force:
            return
        if not force and time.monotonic() < self.due:
            return
        self.due = None
        self.current = self.desired
        self.status = "InService"
        self.failure_reason = None
        self.modified = time.time()

    def describe(self) -> dict[str, Any]:
        self.settle()
        out: dict[str, Any] = {
            "InferenceComponentName": self.name,
            "InferenceComponentArn": self.arn,
            "EndpointName": self.endpoint_name,
            "EndpointArn": self.endpoint_arn,
            "VariantName": self.variant_name,
            "RuntimeConfig": {"DesiredCopyCount": self.desired, "CurrentCopyCount": self.current},
            "CreationTime": self.created,
            "LastModifiedTime": self.modified,
            "InferenceComponentStatus": self.status,
        }
        if self.specification is not None:
            out["Specification"] = self.specification
        if self.failure_reason:
            out["FailureReason"] = self.failure_reason
        return out


# (account, region) -> name -> component
COMPONENTS: dict[tuple[str, str], dict[str, Component]] = {}
# name -> update delay overriding the emulator's default
DELAYS: dict[str, float] = {}


def clear() -> None:
    COMPONENTS.clear()
    DELAYS.clear()


class SageMakerError(Exception):
    def __init__(self, message: str, code: str = "ValidationException", status: int = 400):
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


def arn(account: str, region: str, name: str) -> str:
    return f"arn:aws:sagemaker:{region}:{account}:inference-component/{name}"


def _name(params: dict[str, Any], key: str = "InferenceComponentName") -> str:
    value = params.get(key)
    member = key[0].lower() + key[1:]
    if value is None:
        raise SageMakerError(
            f"1 validation error detected: Value null at '{member}' failed to satisfy constraint: "
            "Member must not be null"
        )
    if not isinstance(value, str) or len(value) > 63 or not NAME.match(value):
        raise SageMakerError(
            f"1 validation error detected: Value '{value}' at '{member}' failed to satisfy "
            "constraint: Member must satisfy regular expression pattern: "
            "^[a-zA-Z0-9]([\\-a-zA-Z0-9]*[a-zA-Z0-9])?$"
        )
    return value


def _copy_count(config: Any, member: str) -> int:
    count = config.get("CopyCount") if isinstance(config, dict) else None
    if count is None:
        raise SageMakerError(
            f"1 validation error detected: Value null at '{member}.copyCount' failed to satisfy "
            "constraint: Member must not be null"
        )
    if not isinstance(count, int) or isinstance(count, bool) or count < 0:
        raise SageMakerError(
            f"1 validation error detected: Value '{count}' at '{member}.copyCount' failed to "
            "satisfy constraint: Member must have value greater than or equal to 0"
        )
    return count


def find(account: str, region: str, name: str) -> Component:
    component = COMPONENTS.get((account, region), {}).get(name)
    if component is None:
        raise SageMakerError(f'Could not find inference component "{arn(account, region, name)}".')
    return component


def create(params: dict[str, Any], account: str, region: str, delay: float) -> Component:
    name = _name(params)
    endpoint_name = _name(params, "EndpointName")
    components = COMPONENTS.setdefault((account, region), {})
    if name in components:
        raise SageMakerError(f'Cannot create already existing inference component "{arn(account, region, name)}".')
    endpoint = sm.sagemaker_backends[account][region].endpoints.get(endpoint_name)
    if endpoint is None:
        endpoint_arn = sm.FakeEndpoint.arn_formatter(endpoint_name, account, region)
        raise SageMakerError(f'Could not find endpoint "{endpoint_arn}".')
    variants = [v["VariantName"] for v in endpoint.production_variants]
    variant = params.get("VariantName") or (variants[0] if variants else None)
    if variant not in variants:
        raise SageMakerError(
            f'The variant name(s) "{variant}" is/are not present within endpoint configuration '
            f'"{endpoint.endpoint_config_name}".'
        )
    runtime = params.get("RuntimeConfig")
    copies = 1 if runtime is None else _copy_count(runtime, "runtimeConfig")
    component = Component(
        name=name,
        arn=arn(account, region, name),
        endpoint_name=endpoint_name,
        endpoint_arn=endpoint.arn,
        variant_name=variant,
        specification=params.get("Specification"),
        desired=copies,
        current=0,
        status="Creating",
        due=time.monotonic() + DELAYS.get(name, delay),
    )
    component.settle()  # a zero delay completes at once
    components[name] = component
    return component


def update_runtime_config(params: dict[str, Any], account: str, region: str, default_delay: float) -> Component:
    name = _name(params)
    copies = _copy_count(params.get("DesiredRuntimeConfig"), "desiredRuntimeConfig")
    component = find(account, region, name)
    component.settle()
    if component.status in REFUSED_IN:
        raise SageMakerError(
            f'Cannot update inference component "{component.arn}" while it is in state '
            f"{REFUSED_IN[component.status]}."
        )
    component.desired = copies
    component.status = "Updating"
    component.modified = time.time()
    component.due = time.monotonic() + DELAYS.get(name, default_delay)
    component.settle()
    return component


def handle(
    operation: str, raw: bytes, account: str, region: str, default_delay: float
) -> tuple[int, list[tuple[str, str]], bytes] | None:
    """The answer to a SageMaker JSON request for an inference component, or None for moto."""
    if operation not in OPERATIONS:
        return None
    extra: list[tuple[str, str]] = []
    try:
        params = json.loads(raw) if raw.strip() else {}
        if operation == "DescribeInferenceComponent":
            payload = find(account, region, _name(params)).describe()
        elif operation == "CreateInferenceComponent":
            payload = {"InferenceComponentArn": create(params, account, region, default_delay).arn}
        else:
            payload = {"InferenceComponentArn": update_runtime_config(params, account, region, default_delay).arn}
        status = 200
    except SageMakerError as err:
        status, payload = err.status, {"__type": err.code, "message": err.message}
        extra = [("x-amzn-ErrorType", err.code)]
    body = json.dumps(payload).encode()
    headers = [
        ("Content-Type", "application/x-amz-json-1.1"),
        ("x-amzn-RequestId", str(uuid.uuid4())),
        ("Content-Length", str(len(body))),
        *extra,
    ]
    return status, headers, body


# --------------------------------------------------------------------------------------------
# Control routes (``server.py`` dispatches ``/_sagescale/inference-components...`` here)
# --------------------------------------------------------------------------------------------


def locate(name: str, query: dict[str, list[str]]) -> Component:
    regions, accounts = query.get("region"), query.get("account")
    for (account, region), components in COMPONENTS.items():
        if (accounts and account not in accounts) or (regions and region not in regions):
            continue
        if name in components:
            return components[name]
    raise LookupError(f"inference component {name!r} not found")


def set_status(component: Component, body: dict[str, Any]) -> dict[str, Any]:
    status = body.get("status")
    if status not in STATUSES:
        raise ValueError(f"status must be one of {sorted(STATUSES)}")
    if status == "InService":
        component.settle(force=True)
        return component.describe()
    component.status = status
    component.failure_reason = body.get("failure_reason") or (
        "Set to Failed by the sagescale emulator" if status == "Failed" else None
    )
    seconds = body.get("seconds")
    component.due = None if seconds is None else time.monotonic() + float(seconds)
    return component.describe()


def control(method: str, parts: list[str], query: dict[str, list[str]], body: dict[str, Any]) -> Any:
    """``parts``: the path below ``inference-components``. LookupError means 404, ValueError 400."""
    if not parts:
        if method != "POST":
            raise LookupError(f"no control route {method} /_sagescale/inference-components")
        return create_ready(body)
    component = locate(parts[0], query)
    action = "/".join(parts[1:])
    if (method, action) == ("GET", ""):
        return component.describe()
    if (method, action) == ("POST", "status"):
        return set_status(component, body)
    if (method, action) == ("POST", "complete"):
        if component.status in ("Creating", "Updating"):
            component.settle(force=True)
        return component.describe()
    raise LookupError(f"no control route {method} /_sagescale/inference-components/{parts[0]}/{action}")


def create_ready(body: dict[str, Any]) -> dict[str, Any]:
    """A component ``InService`` at once, on an existing endpoint (the caller creates it)."""
    account, region = body.get("account", DEFAULT_ACCOUNT_ID), body.get("region", "us-east-1")
    params = {
        "InferenceComponentName": body.get("name"),
        "EndpointName": body.get("endpoint"),
        "VariantName": body.get("variant"),
        "RuntimeConfig": {"CopyCount": body.get("copy_count", 1)},
    }
    try:
        component = create(params, account, region, 0.0)
    except SageMakerError as err:
        raise ValueError(err.message) from err
    component.settle(force=True)  # whatever delay is set for the name
    return component.describe()


def set_delay(name: str, seconds: float | None) -> dict[str, float]:
    if seconds is None:
        DELAYS.pop(name, None)
    else:
        DELAYS[name] = float(seconds)
    return dict(DELAYS)
