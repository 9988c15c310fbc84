"""CloudWatch over Smithy RPC v2 CBOR, for the realism layer of ``server.py``.

The current AWS SDKs (the Rust ``aws-sdk-cloudwatch`` 1.140, botocore 1.44) speak RPC v2 CBOR
to CloudWatch: ``POST /service/GraniteServiceVersion20100801/operation/<Op>`` with
``smithy-protocol: rpc-v2-cbor`` and a CBOR body. moto 5.2.5 only serves CloudWatch over
awsJson1_0 and the query protocol and answers these requests with 404. This module bridges:

* the request is decoded (gzip too: the SDKs compress large PutMetricData bodies) and typed
  with botocore's CloudWatch model (timestamps, blobs, numbers);
* GetMetricData, DescribeAlarms, PutMetricData, PutMetricAlarm and PutCompositeAlarm are served
  here against moto's ``cloudwatch_backends`` because moto gets them wrong (see below); every
  other operation is forwarded to moto as awsJson1_0 (``X-Amz-Target``) and its JSON answer
  re-encoded;
* answers are CBOR with ``smithy-protocol: rpc-v2-cbor``, typed by the output shape (timestamps
  as tag 1 epoch seconds, doubles as floats, blobs as byte strings, no nulls); errors are a CBOR
  map ``{"__type": "com.amazonaws.cloudwatch#<Shape>", "message"}`` with the modelled HTTP status
  and ``x-amzn-query-error: <Code>;Sender|Receiver``, as CloudWatch sends them (the SDKs map
  the error through that query-compatible code).

What moto 5.2.5 gets wrong, and what is done here instead:

* GetMetricData buckets start at StartTime, not at multiples of Period since the epoch; with
  Dimensions it ignores the namespace; it evaluates an ``Expression`` only when it is a bare
  query id; it never pages (no MaxDatapoints / NextToken); every query walks all data for every
  period (several hundred queries are slow). Here: epoch-aligned buckets with Average / Sum /
  Minimum / Maximum / SampleCount / pNN, exact metric identity (namespace, name, dimension set,
  unit if given), metric math (see ``Expr``), ReturnData, ScanBy (default TimestampDescending),
  MaxDatapoints paging with a stateless NextToken (StatusCode ``PartialData`` while a result
  continues on a later page), CloudWatch's limits (500 queries, id syntax, Period values).
* PutCompositeAlarm is not implemented; DescribeAlarms ignores ``AlarmTypes`` (CloudWatch
  returns only metric alarms unless asked), ``MaxRecords``/``NextToken``, and cannot serialise a
  composite alarm's ``AlarmRule``.
* New alarms start ``OK``; CloudWatch starts them ``INSUFFICIENT_DATA`` and keeps the state
  when an alarm is redefined.
* PutMetricData accepts any number of datums; CloudWatch takes at most 1000 per call.

Alarms are never evaluated (nothing fires on its own); SetAlarmState drives them in tests.
"""

from __future__ import annotations

import base64
import datetime as dt
import gzip
import hashlib
import io
import json
import math
import re
from typing import Any, Callable, Iterable

import botocore.session
import cbor2
from botocore.model import ListShape, MapShape, Shape, StructureShape
from moto.cloudwatch import models as cw
from moto.core import DEFAULT_ACCOUNT_ID
from moto.core.exceptions import ServiceException
from moto.iam.models import get_account_id_from

SERVICE_SHAPE = "GraniteServiceVersion20100801"
SERVICE = "cloudwatch"
ERROR_NAMESPACE = "com.amazonaws.cloudwatch#"
RPC_V2_PATH = re.compile(r"^/service/(?P<service>[^/]+)/operation/(?P<operation>[A-Za-z0-9]+)$")

MAX_QUERIES = 500  # MetricDataQueries per GetMetricData
MAX_DATAPOINTS_DEFAULT = 100_800
MAX_DATUMS = 1000  # MetricData per PutMetricData
HIGH_RESOLUTION_PERIODS = {1, 5, 10, 20, 30}
QUERY_ID = re.compile(r"^[a-z][a-zA-Z0-9_]*$")
PERCENTILE = re.compile(r"^p(\d{1,2}(\.\d{1,2})?|100)$")
DESCRIBE_ALARMS_PAGE = 50  # MaxRecords default (and 100 at most)

_MODEL = botocore.session.get_session().get_service_model("cloudwatch")


def is_rpc_v2(environ: dict[str, Any]) -> bool:
    return environ.get("HTTP_SMITHY_PROTOCOL", "").lower() == "rpc-v2-cbor" or bool(
        RPC_V2_PATH.match(environ.get("PATH_INFO", ""))
    )


def rpc_v2_target(environ: dict[str, Any]) -> tuple[str, str] | None:
    """(service shape name, operation) of an RPC v2 request path, else None."""
    match = RPC_V2_PATH.match(environ.get("PATH_INFO", ""))
    return (match.group("service"), match.group("operation")) if match else None


class CloudWatchError(Exception):
    """An error with CloudWatch's query-compatible code; status and shape from the model."""

    def __init__(self, code: str, message: str, status: int | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


def _error_shapes() -> dict[str, tuple[str, int, bool]]:
    """Query-compatible error code -> (shape name, HTTP status, sender fault)."""
    found: dict[str, tuple[str, int, bool]] = {}
    for shape in _MODEL.error_shapes:
        error = shape.metadata.get("error", {})
        code = error.get("code", shape.name)
        found[code] = (shape.name, int(error.get("httpStatusCode", 400)), bool(error.get("senderFault", True)))
    return found


ERRORS = _error_shapes()


def cbor_response(status: int, payload: Any) -> tuple[int, list[tuple[str, str]], bytes]:
    body = cbor2.dumps(payload)
    headers = [
        ("Content-Type", "application/cbor"),
        ("smithy-protocol", "rpc-v2-cbor"),
        ("Content-Length", str(len(body))),
    ]
    return status, headers, body


def error_response(
    code: str, message: str, status: int | None = None, request_id: str = ""
) -> tuple[int, list[tuple[str, str]], bytes]:
    """CloudWatch's CBOR error: namespaced shape name in ``__type``, query code in a header."""
    shape, model_status, sender = ERRORS.get(code, (code, 400, True))
    status = status or model_status
    sender = sender if code in ERRORS else status < 500
    type_ = ERROR_NAMESPACE + shape if code in ERRORS else code
    status, headers, body = cbor_response(status, {"__type": type_, "message": message})
    headers.append(("x-amzn-query-error", f"{code};{'Sender' if sender else 'Receiver'}"))
    if request_id:
        headers.append(("x-amzn-RequestId", request_id))
    return status, headers, body


# --------------------------------------------------------------------------------------------
# Typing values by the model
# --------------------------------------------------------------------------------------------


def to_datetime(value: Any) -> dt.datetime:
    """A CBOR timestamp (cbor2 gives an aware datetime for tag 1) as moto's naive UTC."""
    if isinstance(value, cbor2.CBORTag):
        value = value.value
    if isinstance(value, (int, float)):
        value = dt.datetime.fromtimestamp(value, dt.timezone.utc)
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
        return value
    raise CloudWatchError("InvalidParameterValue", f"expected a timestamp, got {value!r}")


def epoch(value: dt.datetime) -> float:
    """Epoch seconds of a naive-UTC (moto) or aware datetime."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    return value.timestamp()


def decode_input(value: Any, shape: Shape | None) -> Any:
    """CBOR request value -> Python with naive-UTC datetimes for timestamps (as moto keeps them)."""
    if shape is None or value is None:
        return value
    if isinstance(shape, StructureShape):
        return {k: decode_input(v, shape.members.get(k)) for k, v in value.items() if v is not None}
    if isinstance(shape, ListShape):
        return [decode_input(v, shape.member) for v in value]
    if isinstance(shape, MapShape):
        return {k: decode_input(v, shape.value) for k, v in value.items()}
    if shape.type_name == "timestamp":
        return to_datetime(value)
    return value


def to_json(value: Any) -> Any:
    """Decoded input -> awsJson (epoch seconds, base64 blobs) for moto."""
    if isinstance(value, dict):
        return {k: to_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_json(v) for v in value]
    if isinstance(value, dt.datetime):
        return epoch(value)
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(value).decode()
    return value


def encode_output(value: Any, shape: Shape | None) -> Any:
    """Python/JSON output -> CBOR-ready value with the types the SDK's decoder insists on."""
    if shape is None or value is None:
        return value
    if isinstance(shape, StructureShape):
        return {
            k: encode_output(v, shape.members[k]) for k, v in value.items() if k in shape.members and v is not None
        }
    if isinstance(shape, ListShape):
        return [encode_output(v, shape.member) for v in value]
    if isinstance(shape, MapShape):
        return {k: encode_output(v, shape.value) for k, v in value.items()}
    kind = shape.type_name
    if kind == "timestamp":
        seconds = epoch(to_datetime(value)) if not isinstance(value, (int, float)) else float(value)
        return cbor2.CBORTag(1, float(seconds))
    if kind in ("double", "float"):
        return float(value)
    if kind in ("integer", "long"):
        return int(value)
    if kind == "boolean":
        return bool(value) if not isinstance(value, str) else value.lower() == "true"
    if kind == "blob":
        return value if isinstance(value, (bytes, bytearray)) else base64.b64decode(value)
    return value


# --------------------------------------------------------------------------------------------
# Dispatch
# --------------------------------------------------------------------------------------------


def handle(
    operation: str,
    raw: bytes,
    environ: dict[str, Any],
    region: str,
    moto_app: Callable[..., Iterable[bytes]],
) -> tuple[int, list[tuple[str, str]], bytes]:
    """Serve one RPC v2 CBOR CloudWatch request."""
    try:
        op_model = _MODEL.operation_model(operation)
    except Exception:  # botocore's OperationNotFoundError
        return error_response("UnknownOperationException", f"Unknown operation {operation}", 404)
    try:
        if environ.get("HTTP_CONTENT_ENCODING", "").lower() == "gzip":
            raw = gzip.decompress(raw)
        params = cbor2.loads(raw) if raw else {}
        if not isinstance(params, dict):
            raise CloudWatchError("SerializationException", "the request body must be a CBOR map")
        params = decode_input(params, op_model.input_shape)
        backend = cw.cloudwatch_backends[account_of(environ)][region]
        own = OPERATIONS.get(operation)
        if own is None:
            return forward_to_moto(operation, params, environ, op_model, moto_app)
        result = own(backend, params)
    except CloudWatchError as err:
        return error_response(err.code, err.message, err.status)
    except ServiceException as err:
        return error_response(err.code, err.message)
    except (cbor2.CBORDecodeError, OSError, EOFError) as err:
        return error_response("SerializationException", f"cannot decode the CBOR request: {err}")
    if op_model.output_shape is None:
        return cbor_response(200, {})
    return cbor_response(200, encode_output(result, op_model.output_shape))


def account_of(environ: dict[str, Any]) -> str:
    """The account moto assigns to the request's access key (as its own responses do)."""
    match = re.search(r"Credential=([^/]+)/", environ.get("HTTP_AUTHORIZATION", ""))
    return get_account_id_from(match.group(1)) if match else DEFAULT_ACCOUNT_ID


def forward_to_moto(
    operation: str,
    params: dict[str, Any],
    environ: dict[str, Any],
    op_model: Any,
    moto_app: Callable[..., Iterable[bytes]],
) -> tuple[int, list[tuple[str, str]], bytes]:
    """Ask moto over awsJson1_0 (``X-Amz-Target``) and re-encode its answer as CBOR."""
    body = json.dumps(to_json(params)).encode()
    inner = {
        k: v for k, v in environ.items() if k not in ("HTTP_CONTENT_ENCODING", "HTTP_SMITHY_PROTOCOL", "HTTP_ACCEPT")
    }
    inner.update(
        {
            "PATH_INFO": "/",
            "RAW_URI": "/",
            "REQUEST_URI": "/",
            "QUERY_STRING": "",
            "REQUEST_METHOD": "POST",
            "CONTENT_TYPE": "application/x-amz-json-1.0",
            "CONTENT_LENGTH": str(len(body)),
            "HTTP_X_AMZ_TARGET": f"{SERVICE_SHAPE}.{operation}",
            "wsgi.input": io.BytesIO(body),
        }
    )
    captured: dict[str, Any] = {}

    def start_response(status: str, headers: Any, exc_info: Any = None) -> Callable[[bytes], None]:
        captured["status"] = int(status.split()[0])
        captured["headers"] = headers
        return lambda _data: None

    result = moto_app(inner, start_response)
    try:
        payload = b"".join(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    status = captured.get("status", 500)
    try:
        answer = json.loads(payload) if payload.strip() else {}
    except ValueError:
        answer = {"message": payload.decode(errors="replace")}
    if status >= 400:
        code = str(answer.get("__type") or "InternalServiceError").split("#")[-1]
        message = answer.get("message") or answer.get("Message") or ""
        return error_response(code, message, status)
    if op_model.output_shape is None:
        return cbor_response(200, {})
    return cbor_response(200, encode_output(answer, op_model.output_shape))


# --------------------------------------------------------------------------------------------
# PutMetricData
# --------------------------------------------------------------------------------------------


def put_metric_data(backend: cw.CloudWatchBackend, params: dict[str, Any]) -> None:
    data = params.get("MetricData") or []
    if not params.get("Namespace"):
        raise CloudWatchError("MissingParameter", "The parameter Namespace is required.")
    if len(data) > MAX_DATUMS:
        raise CloudWatchError(
            "InvalidParameterValue",
            f"The collection MetricData must not have a size greater than {MAX_DATUMS}.",
        )
    backend.put_metric_data(params["Namespace"], data)


# --------------------------------------------------------------------------------------------
# GetMetricData
# --------------------------------------------------------------------------------------------

Series = dict[float, float]  # epoch seconds of the period start -> value
MetricKey = tuple[str, str, frozenset[tuple[str, str]]]


def _stat_fn(stat: str) -> Callable[[list[cw.MetricDatumBase]], float | None]:
    """One statistic over the datums of a period (raw values and StatisticSets alike)."""

    def count(datums: list[cw.MetricDatumBase]) -> float:
        return sum(getattr(d, "sample_count", 1.0) for d in datums)

    def total(datums: list[cw.MetricDatumBase]) -> float:
        return sum(d.sum if isinstance(d, cw.MetricAggregatedDatum) else d.value for d in datums)

    if stat == "SampleCount":
        return count
    if stat == "Sum":
        return total
    if stat == "Average":
        return lambda ds: total(ds) / count(ds) if count(ds) else None
    if stat == "Minimum":
        return lambda ds: min(d.min if isinstance(d, cw.MetricAggregatedDatum) else d.value for d in ds)
    if stat == "Maximum":
        return lambda ds: max(d.max if isinstance(d, cw.MetricAggregatedDatum) else d.value for d in ds)
    match = PERCENTILE.match(stat)
    if match:
        rank = float(match.group(1)) / 100.0

        def percentile(datums: list[cw.MetricDatumBase]) -> float | None:
            values = sorted(d.value for d in datums if isinstance(d, cw.MetricDatum))
            if not values:  # percentiles of StatisticSets are unavailable, as in CloudWatch
                return None
            return values[max(0, math.ceil(rank * len(values)) - 1)]

        return percentile
    raise CloudWatchError(
        "InvalidParameterValue",
        f"The value {stat} for parameter Stat is not supported (the emulator knows Average, Sum, "
        "Minimum, Maximum, SampleCount and pNN).",
    )


def _index(backend: cw.CloudWatchBackend, start: float, end: float) -> dict[MetricKey, list[tuple[float, Any]]]:
    """Datums in [start, end) by metric identity, each with its epoch time: one pass over the data."""
    index: dict[MetricKey, list[tuple[float, Any]]] = {}
    for datum in backend.get_all_metrics():
        at = epoch(datum.timestamp)
        if start <= at < end:
            dims = frozenset((d.name, d.value) for d in datum.dimensions)
            index.setdefault((datum.namespace, datum.name, dims), []).append((at, datum))
    return index


def _metric_stat_series(
    query: dict[str, Any], index: dict[MetricKey, list[tuple[float, Any]]], where: str
) -> Series:
    stat = query["MetricStat"]
    metric = stat.get("Metric") or {}
    if not metric.get("Namespace") or not metric.get("MetricName"):
        raise CloudWatchError("ValidationError", f"{where}.MetricStat.Metric needs Namespace and MetricName.")
    period = int(stat.get("Period") or 0)
    if period < 1 or (period not in HIGH_RESOLUTION_PERIODS and period % 60):
        raise CloudWatchError(
            "InvalidParameterValue",
            f"The value {period} for parameter {where}.MetricStat.Period is not valid "
            "(1, 5, 10, 20, 30 or a multiple of 60).",
        )
    if not stat.get("Stat"):
        raise CloudWatchError("ValidationError", f"{where}.MetricStat.Stat is required.")
    compute = _stat_fn(stat["Stat"])
    dims = frozenset((d["Name"], d["Value"]) for d in metric.get("Dimensions") or [])
    unit = stat.get("Unit")
    buckets: dict[float, list[Any]] = {}
    for at, datum in index.get((metric["Namespace"], metric["MetricName"], dims), []):
        if unit and datum.unit != unit:
            continue
        buckets.setdefault(float(math.floor(at / period) * period), []).append(datum)
    series: Series = {}
    for start, datums in buckets.items():
        value = compute(datums)
        if value is not None:
            series[start] = float(value)
    return series


class Expr:
    """Metric math CloudWatch-style, the part sagescale uses.

    Arithmetic ``+ - * /`` between query ids, numbers and parenthesised expressions; unary
    minus; ``SUM``/``AVG``/``MIN``/``MAX`` over ``METRICS()`` (every MetricStat query of the
    request) or an array ``[m1, m2]`` (one series, per timestamp over the inputs present there),
    or over one series (a scalar, as in CloudWatch). Series combine on common timestamps only;
    a division by zero leaves that timestamp out. Anything else is a ValidationError naming it.
    """

    TOKEN = re.compile(
        r"\s*(?:(?P<num>\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+)"
        r"|(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
        r"|(?P<op>[-+*/(),\[\]]))"
    )
    FUNCTIONS = {"SUM": sum, "AVG": lambda v: sum(v) / len(v), "MIN": min, "MAX": max}

    def __init__(self, query_id: str, text: str, lookup: Callable[[str], Series], metric_ids: list[str]):
        self.query_id = query_id
        self.text = text
        self.lookup = lookup
        self.metric_ids = metric_ids
        self.tokens = self._tokenize(text)
        self.pos = 0

    def fail(self, why: str) -> CloudWatchError:
        return CloudWatchError("ValidationError", f"Error in expression {self.query_id} ({self.text!r}): {why}")

    def _tokenize(self, text: str) -> list[tuple[str, str]]:
        tokens, pos = [], 0
        while pos < len(text):
            if text[pos:].strip() == "":
                break
            match = self.TOKEN.match(text, pos)
            if not match:
                raise self.fail(f"unexpected {text[pos:].strip()[:20]!r}")
            kind = match.lastgroup or ""
            tokens.append((kind, match.group(kind)))
            pos = match.end()
        return tokens

    def peek(self) -> str | None:
        return self.tokens[self.pos][1] if self.pos < len(self.tokens) else None

    def take(self, expected: str | None = None) -> tuple[str, str]:
        if self.pos >= len(self.tokens):
            raise self.fail("unexpected end of expression")
        token = self.tokens[self.pos]
        if expected is not None and token[1] != expected:
            raise self.fail(f"expected {expected!r}, found {token[1]!r}")
        self.pos += 1
        return token

    def evaluate(self) -> Series:
        value = self.sum_()
        if self.pos != len(self.tokens):
            raise self.fail(f"unexpected {self.peek()!r}")
        if isinstance(value, list):
            raise self.fail("an array of time series is not a result; aggregate it (SUM, AVG, MIN, MAX)")
        if not isinstance(value, dict):
            raise self.fail("the expression gives a single number, not a time series")
        return value

    def sum_(self) -> Any:
        value = self.product()
        while self.peek() in ("+", "-"):
            op = self.take()[1]
            value = self.combine(value, self.product(), op)
        return value

    def product(self) -> Any:
        value = self.unary()
        while self.peek() in ("*", "/"):
            op = self.take()[1]
            value = self.combine(value, self.unary(), op)
        return value

    def unary(self) -> Any:
        if self.peek() == "-":
            self.take()
            return self.combine(-1.0, self.unary(), "*")
        if self.peek() == "+":
            self.take()
            return self.unary()
        return self.atom()

    def atom(self) -> Any:
        kind, text = self.take()
        if kind == "num":
            return float(text)
        if text == "(":
            value = self.sum_()
            self.take(")")
            return value
        if text == "[":
            items = [self.sum_()]
            while self.peek() == ",":
                self.take()
                items.append(self.sum_())
            self.take("]")
            return [self.series(item) for item in items]
        if kind == "name" and self.peek() == "(":
            return self.call(text)
        if kind == "name":
            return self.lookup(text)
        raise self.fail(f"unexpected {text!r}")

    def series(self, value: Any) -> Series:
        if not isinstance(value, dict):
            raise self.fail("an array may hold only time series")
        return value

    def call(self, name: str) -> Any:
        self.take("(")
        if name == "METRICS":
            if self.peek() != ")":
                raise self.fail("METRICS() with a filter string is not supported by the emulator")
            self.take(")")
            return [self.lookup(query_id) for query_id in self.metric_ids]
        if name not in self.FUNCTIONS:
            raise self.fail(f"function {name} is not supported by the emulator (SUM, AVG, MIN, MAX, METRICS)")
        argument = self.sum_()
        self.take(")")
        fn = self.FUNCTIONS[name]
        if isinstance(argument, list):
            stamps = sorted(set().union(*argument)) if argument else []
            out: Series = {}
            for at in stamps:
                present = [s[at] for s in argument if at in s]
                out[at] = float(fn(present))
            return out
        if isinstance(argument, dict):
            return float(fn(list(argument.values()))) if argument else math.nan
        raise self.fail(f"{name} needs a time series or an array of them")

    def combine(self, left: Any, right: Any, op: str) -> Any:
        if isinstance(left, list) or isinstance(right, list):
            raise self.fail(f"'{op}' between arrays of time series is not supported by the emulator")

        def apply(a: float, b: float) -> float | None:
            if op == "+":
                return a + b
            if op == "-":
                return a - b
            if op == "*":
                return a * b
            return a / b if b != 0 else None

        if isinstance(left, dict) and isinstance(right, dict):
            pairs = {at: (left[at], right[at]) for at in left.keys() & right.keys()}
        elif isinstance(left, dict):
            pairs = {at: (v, right) for at, v in left.items()}
        elif isinstance(right, dict):
            pairs = {at: (left, v) for at, v in right.items()}
        else:
            value = apply(left, right)
            return math.nan if value is None else value
        out = {}
        for at, (a, b) in pairs.items():
            value = apply(a, b)
            if value is not None and math.isfinite(value):
                out[at] = value
        return out


def get_metric_data(backend: cw.CloudWatchBackend, params: dict[str, Any]) -> dict[str, Any]:
    queries = params.get("MetricDataQueries") or []
    if not queries:
        raise CloudWatchError("ValidationError", "The parameter MetricDataQueries is required.")
    if len(queries) > MAX_QUERIES:
        raise CloudWatchError(
            "ValidationError",
            f"The collection MetricDataQueries must not have a size greater than {MAX_QUERIES}.",
        )
    if "StartTime" not in params or "EndTime" not in params:
        raise CloudWatchError("ValidationError", "The parameters StartTime and EndTime are required.")
    start, end = epoch(params["StartTime"]), epoch(params["EndTime"])
    if start >= end:
        raise CloudWatchError("ValidationError", "The parameter StartTime must be less than the parameter EndTime.")
    scan_by = params.get("ScanBy") or "TimestampDescending"
    if scan_by not in ("TimestampDescending", "TimestampAscending"):
        raise CloudWatchError("ValidationError", f"The value {scan_by} for parameter ScanBy is not valid.")
    max_points = int(params.get("MaxDatapoints") or MAX_DATAPOINTS_DEFAULT)
    if max_points < 1:
        raise CloudWatchError("InvalidParameterValue", "The parameter MaxDatapoints must be at least 1.")

    by_id: dict[str, dict[str, Any]] = {}
    for n, query in enumerate(queries, 1):
        where = f"MetricDataQueries.member.{n}"
        query_id = query.get("Id", "")
        if not QUERY_ID.match(query_id):
            raise CloudWatchError(
                "ValidationError",
                f"The value {query_id!r} for {where}.Id is not valid: it must start with a lowercase "
                "letter and contain only letters, digits and underscores.",
            )
        if query_id in by_id:
            raise CloudWatchError("ValidationError", f"The value {query_id} for MetricDataQueries Id is not unique.")
        if ("MetricStat" in query) == ("Expression" in query):
            raise CloudWatchError(
                "ValidationError", f"Exactly one of {where}.MetricStat and {where}.Expression is required."
            )
        if query.get("Expression", "").lstrip().upper().startswith("SELECT"):
            raise CloudWatchError(
                "ValidationError", f"{where}: Metrics Insights queries (SELECT) are not supported by the emulator."
            )
        by_id[query_id] = query

    index = _index(backend, start, end)
    metric_ids = [q["Id"] for q in queries if "MetricStat" in q]
    done: dict[str, Series] = {}
    running: set[str] = set()

    def lookup(query_id: str) -> Series:
        if query_id in done:
            return done[query_id]
        query = by_id.get(query_id)
        if query is None:
            raise CloudWatchError("ValidationError", f"Unrecognized metric or expression id: {query_id}")
        if query_id in running:
            raise CloudWatchError("ValidationError", f"Circular reference through expression {query_id}")
        running.add(query_id)
        where = f"MetricDataQueries.member.{queries.index(query) + 1}"
        if "MetricStat" in query:
            series = _metric_stat_series(query, index, where)
        else:
            series = Expr(query_id, query["Expression"], lookup, metric_ids).evaluate()
        running.discard(query_id)
        done[query_id] = series
        return series

    returned = []
    for query in queries:
        series = lookup(query["Id"])
        if query.get("ReturnData", True):
            stamps = sorted(series, reverse=scan_by == "TimestampDescending")
            label = query.get("Label") or (
                query["MetricStat"]["Metric"]["MetricName"] if "MetricStat" in query else query["Id"]
            )
            returned.append((query["Id"], label, stamps, series))

    fingerprint = _fingerprint(params)
    offset = _read_token(params.get("NextToken"), fingerprint)
    total = sum(len(stamps) for _, _, stamps, _ in returned)
    page_end = min(total, offset + max_points)
    results = []
    seen = 0
    for query_id, label, stamps, series in returned:
        lo = min(max(offset - seen, 0), len(stamps))
        hi = min(max(page_end - seen, 0), len(stamps))
        page = stamps[lo:hi]
        results.append(
            {
                "Id": query_id,
                "Label": label,
                "Timestamps": [dt.datetime.fromtimestamp(at, dt.timezone.utc) for at in page],
                "Values": [series[at] for at in page],
                "StatusCode": "PartialData" if hi < len(stamps) else "Complete",
            }
        )
        seen += len(stamps)
    answer: dict[str, Any] = {"MetricDataResults": results, "Messages": []}
    if page_end < total:
        answer["NextToken"] = _make_token(page_end, fingerprint)
    return answer


def _fingerprint(params: dict[str, Any]) -> str:
    """What a NextToken is valid for: the same request apart from the token and the page size."""
    same = {k: v for k, v in params.items() if k not in ("NextToken", "MaxDatapoints")}
    return hashlib.sha256(json.dumps(to_json(same), sort_keys=True).encode()).hexdigest()[:16]


def _make_token(offset: int, fingerprint: str) -> str:
    return base64.urlsafe_b64encode(json.dumps({"o": offset, "f": fingerprint}).encode()).decode()


def _read_token(token: str | None, fingerprint: str) -> int:
    if not token:
        return 0
    try:
        decoded = json.loads(base64.urlsafe_b64decode(token.encode()))
        if decoded["f"] == fingerprint and int(decoded["o"]) >= 0:
            return int(decoded["o"])
    except (ValueError, KeyError, TypeError):
        pass
    raise CloudWatchError(
        "InvalidNextToken", "The service cannot process the NextToken; it belongs to another request."
    )


# --------------------------------------------------------------------------------------------
# Alarms
# --------------------------------------------------------------------------------------------


def put_metric_alarm(backend: cw.CloudWatchBackend, params: dict[str, Any]) -> None:
    name = params.get("AlarmName")
    if not name:
        raise CloudWatchError("MissingParameter", "The parameter AlarmName is required.")
    metrics = params.get("Metrics") or []
    if metrics and (params.get("MetricName") or params.get("Namespace")):
        raise CloudWatchError(
            "InvalidParameterCombination", "Metrics and MetricName/Namespace are mutually exclusive."
        )
    queries = [
        cw.MetricDataQuery(
            query_id=m.get("Id"),
            label=m.get("Label"),
            period=m.get("Period"),
            return_data=m.get("ReturnData"),
            expression=m.get("Expression"),
            metric_stat=_alarm_metric_stat(m.get("MetricStat")),
        )
        for m in metrics
    ]
    _keep_state(
        backend,
        name,
        lambda: backend.put_metric_alarm(
            name=name,
            namespace=params.get("Namespace"),
            metric_name=params.get("MetricName"),
            metric_data_queries=queries or None,
            comparison_operator=params.get("ComparisonOperator"),
            evaluation_periods=params.get("EvaluationPeriods"),
            datapoints_to_alarm=params.get("DatapointsToAlarm"),
            period=params.get("Period"),
            threshold=params.get("Threshold"),
            statistic=params.get("Statistic"),
            extended_statistic=params.get("ExtendedStatistic"),
            description=params.get("AlarmDescription"),
            dimensions=params.get("Dimensions") or [],
            alarm_actions=params.get("AlarmActions") or [],
            ok_actions=params.get("OKActions") or [],
            insufficient_data_actions=params.get("InsufficientDataActions") or [],
            unit=params.get("Unit"),
            actions_enabled=params.get("ActionsEnabled", True),
            treat_missing_data=params.get("TreatMissingData"),
            evaluate_low_sample_count_percentile=params.get("EvaluateLowSampleCountPercentile"),
            threshold_metric_id=params.get("ThresholdMetricId"),
            tags=params.get("Tags") or [],
        ),
    )


def _alarm_metric_stat(stat: dict[str, Any] | None) -> cw.MetricStat | None:
    if not stat:
        return None
    metric = stat.get("Metric") or {}
    return cw.MetricStat(
        metric=cw.Metric(
            metric_name=metric.get("MetricName"),
            namespace=metric.get("Namespace"),
            dimensions=[cw.Dimension(d.get("Name"), d.get("Value")) for d in metric.get("Dimensions") or []],
        ),
        period=stat.get("Period"),
        stat=stat.get("Stat"),
        unit=stat.get("Unit"),
    )


def put_composite_alarm(backend: cw.CloudWatchBackend, params: dict[str, Any]) -> None:
    name, rule = params.get("AlarmName"), params.get("AlarmRule")
    if not name or not rule:
        raise CloudWatchError("MissingParameter", "The parameters AlarmName and AlarmRule are required.")
    _keep_state(
        backend,
        name,
        lambda: backend.put_metric_alarm(
            name=name,
            namespace=None,  # type: ignore[arg-type]
            metric_name=None,  # type: ignore[arg-type]
            comparison_operator=None,  # type: ignore[arg-type]
            evaluation_periods=None,  # type: ignore[arg-type]
            period=None,  # type: ignore[arg-type]
            threshold=None,  # type: ignore[arg-type]
            statistic=None,  # type: ignore[arg-type]
            description=params.get("AlarmDescription"),
            dimensions=[],
            alarm_actions=params.get("AlarmActions") or [],
            ok_actions=params.get("OKActions") or [],
            insufficient_data_actions=params.get("InsufficientDataActions") or [],
            actions_enabled=params.get("ActionsEnabled", True),
            rule=rule,
            tags=params.get("Tags") or [],
        ),
    )


def _keep_state(backend: cw.CloudWatchBackend, name: str, put: Callable[[], cw.Alarm]) -> None:
    """A new alarm starts INSUFFICIENT_DATA; a redefined one keeps its state (moto: OK)."""
    before = backend.alarms.get(name)
    alarm = put()
    if before is None:
        alarm.state_value = "INSUFFICIENT_DATA"
    else:
        alarm.state_value = before.state_value
        alarm.state_reason = before.state_reason
        alarm.state_reason_data = before.state_reason_data
        alarm.state_updated_timestamp = before.state_updated_timestamp
        alarm.history = before.history


def describe_alarms(backend: cw.CloudWatchBackend, params: dict[str, Any]) -> dict[str, Any]:
    alarms = list(backend.alarms.values())
    names = params.get("AlarmNames")
    if names:
        alarms = [a for a in alarms if a.name in names]
    if params.get("AlarmNamePrefix"):
        alarms = [a for a in alarms if a.name.startswith(params["AlarmNamePrefix"])]
    if params.get("ActionPrefix"):
        alarms = [a for a in alarms if any(x.startswith(params["ActionPrefix"]) for x in a.alarm_actions)]
    if params.get("StateValue"):
        alarms = [a for a in alarms if a.state_value == params["StateValue"]]
    types = params.get("AlarmTypes") or ["MetricAlarm"]  # CloudWatch's default
    alarms = [a for a in alarms if ("CompositeAlarm" if a.rule is not None else "MetricAlarm") in types]
    alarms.sort(key=lambda a: a.name)
    page_size = int(params.get("MaxRecords") or DESCRIBE_ALARMS_PAGE)
    if not 1 <= page_size <= 100:
        raise CloudWatchError("InvalidParameterValue", "MaxRecords must be between 1 and 100.")
    start = 0
    if params.get("NextToken"):
        try:
            start = int(params["NextToken"])
        except ValueError:
            raise CloudWatchError("InvalidNextToken", "The NextToken is not valid.") from None
    page = alarms[start : start + page_size]
    answer: dict[str, Any] = {
        "MetricAlarms": [_metric_alarm(a) for a in page if a.rule is None],
        "CompositeAlarms": [_composite_alarm(a) for a in page if a.rule is not None],
    }
    if start + page_size < len(alarms):
        answer["NextToken"] = str(start + page_size)
    return answer


def _alarm_common(alarm: cw.Alarm) -> dict[str, Any]:
    return {
        "AlarmName": alarm.name,
        "AlarmArn": alarm.alarm_arn,
        "AlarmDescription": alarm.description,
        "AlarmConfigurationUpdatedTimestamp": alarm.configuration_updated_timestamp,
        "ActionsEnabled": alarm.actions_enabled,
        "OKActions": alarm.ok_actions,
        "AlarmActions": alarm.alarm_actions,
        "InsufficientDataActions": alarm.insufficient_data_actions,
        "StateValue": alarm.state_value,
        "StateReason": alarm.state_reason,
        "StateReasonData": alarm.state_reason_data,
        "StateUpdatedTimestamp": alarm.state_updated_timestamp,
        "StateTransitionedTimestamp": alarm.state_updated_timestamp,
    }


def _metric_alarm(alarm: cw.Alarm) -> dict[str, Any]:
    out = _alarm_common(alarm)
    out.update(
        {
            "MetricName": alarm.metric_name,
            "Namespace": alarm.namespace,
            "Statistic": alarm.statistic,
            "ExtendedStatistic": alarm.extended_statistic,
            "Dimensions": [{"Name": d.name, "Value": d.value} for d in alarm.dimensions],
            "Period": alarm.period,
            "Unit": alarm.unit,
            "EvaluationPeriods": alarm.evaluation_periods,
            "DatapointsToAlarm": alarm.datapoints_to_alarm,
            "Threshold": alarm.threshold,
            "ComparisonOperator": alarm.comparison_operator,
            "TreatMissingData": alarm.treat_missing_data,
            "EvaluateLowSampleCountPercentile": alarm.evaluate_low_sample_count_percentile,
            "ThresholdMetricId": alarm.threshold_metric_id,
        }
    )
    if alarm.metric_data_queries:
        out["Metrics"] = [_alarm_query(q) for q in alarm.metric_data_queries]
    return out


def _alarm_query(query: cw.MetricDataQuery) -> dict[str, Any]:
    out: dict[str, Any] = {
        "Id": query.id,
        "Label": query.label,
        "Expression": query.expression,
        "Period": query.period,
        "ReturnData": query.return_data,
    }
    stat = query.metric_stat
    if stat is not None:
        out["MetricStat"] = {
            "Metric": {
                "Namespace": stat.metric.namespace,
                "MetricName": stat.metric.metric_name,
                "Dimensions": [{"Name": d.name, "Value": d.value} for d in stat.metric.dimensions],
            },
            "Period": stat.period,
            "Stat": stat.stat,
            "Unit": stat.unit,
        }
    return out


def _composite_alarm(alarm: cw.Alarm) -> dict[str, Any]:
    out = _alarm_common(alarm)
    out["AlarmRule"] = alarm.rule
    return out


OPERATIONS: dict[str, Callable[[cw.CloudWatchBackend, dict[str, Any]], Any]] = {
    "PutMetricData": put_metric_data,
    "GetMetricData": get_metric_data,
    "PutMetricAlarm": put_metric_alarm,
    "PutCompositeAlarm": put_composite_alarm,
    "DescribeAlarms": describe_alarms,
}
