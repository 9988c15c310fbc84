"""Crash points: cut a client off at its n-th AWS request (tests/tests/crash_points.rs).

A function that crashes at some call makes the calls before it and none after. The cutoff
reproduces that from the emulator's side, for any call index, without touching the function:

``POST /_sagescale/cutoff {"at": n, "hold": false, "apply": false}``: counting the AWS requests
that arrive from now on (control routes are not counted), the n-th and every later one are cut
off.

* ``hold`` false (fail): each is answered with the service's 500 (the ``5xx`` fault shape), so
  the SDK's own retries fail as well and the invocation ends at that call.
* ``hold`` true: each blocks (its thread waits, without holding the emulator's lock) until the
  cutoff is lifted, so the test can SIGKILL the function while that call is in flight; ``held``
  in ``GET`` says when it arrived.
* ``apply`` true: the n-th request is served first (its effect happens: a write lands, an update
  starts) and only its answer is lost (a 500, or never read by the killed function): a crash
  after the call reached AWS and before its response. Requests after it are never served.

Log entries of cut requests carry ``"fault": "cutoff"`` (not served; ``status`` is the 500) or
``"cutoff-applied"`` (served; ``status`` is what the service answered, which the client never
got).

``GET /_sagescale/cutoff``: ``{"at", "hold", "apply", "seen", "held"}``, or null without one.
``DELETE /_sagescale/cutoff``: lifts it: requests are served again, held ones are released
(answered as above; their client is gone by then). A reset lifts it too.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from typing import Any, Callable

# A held request gives up after this long, so a test that forgets to lift never hangs the server.
HOLD_TIMEOUT_SECONDS = 120.0

Answer = tuple[str, list[tuple[str, str]], bytes]


class Cutoff:
    def __init__(self, at: int, hold: bool, apply: bool) -> None:
        if at < 1:
            raise ValueError("at must be at least 1 (the first request is 1)")
        self.at = at
        self.hold = hold
        self.apply = apply
        self.seen = 0
        self.held = 0
        self.released = threading.Event()
        self._count_lock = threading.Lock()

    def describe(self) -> dict[str, Any]:
        return {"at": self.at, "hold": self.hold, "apply": self.apply, "seen": self.seen, "held": self.held}

    def lift(self) -> None:
        self.released.set()

    def admit(self) -> "Cut | None":
        """Called under the emulator's lock for each AWS request, in arrival order."""
        self.seen += 1
        if self.seen < self.at:
            return None
        return Cut(self, serve=self.apply and self.seen == self.at)


class Cut:
    """One request the cutoff caught. ``serve``: it is served before its answer is lost."""

    def __init__(self, cutoff: Cutoff, serve: bool) -> None:
        self.cutoff = cutoff
        self.serve = serve

    def answer(self, entry: dict[str, Any], served: Answer | None, fault: Callable[[], tuple[int, list, bytes]]) -> Answer:
        """What the client is answered (after the hold, outside the lock); records the entry."""
        entry["fault"] = "cutoff-applied" if served is not None else "cutoff"
        if self.cutoff.hold:
            with self.cutoff._count_lock:
                self.cutoff.held += 1
            self.cutoff.released.wait(HOLD_TIMEOUT_SECONDS)
        if served is not None and self.cutoff.hold:
            return served  # nobody reads it: the function was killed meanwhile
        status, headers, body = fault()
        if served is None:
            entry["status"] = status
        return f"{status} Error", headers, body


def parse(body: dict[str, Any]) -> Cutoff:
    at = body.get("at")
    if not isinstance(at, int) or isinstance(at, bool):
        raise ValueError("at (the 1-based index of the first request cut off) is required")
    return Cutoff(at, bool(body.get("hold", False)), bool(body.get("apply", False)))


def control(state: Any, method: str, body: dict[str, Any]) -> dict[str, Any] | None:
    """``/_sagescale/cutoff``: POST sets (replacing and lifting any other), GET shows, DELETE lifts."""
    if method == "GET":
        return None if state.cutoff is None else state.cutoff.describe()
    if method not in ("POST", "DELETE"):
        raise ValueError(f"no control route {method} /_sagescale/cutoff")
    new = parse(body) if method == "POST" else None
    if state.cutoff is not None:
        state.cutoff.lift()
    state.cutoff = new
    return None if new is None else new.describe()


class CutoffApp:
    """WSGI middleware in front of the realism layer: applies the cutoff to AWS requests, and
    logs the counts each UpdateEndpointWeightsAndCapacities or
    UpdateInferenceComponentRuntimeConfig asks for (``detail`` of its log entry), so a test can tell which count each call set."""

    def __init__(
        self,
        inner: Callable[..., Any],
        state: Any,
        identify: Callable[[dict[str, Any]], tuple[str, str, str | None]],
        fault_response: Callable[[dict[str, Any], dict[str, Any]], tuple[int, list, bytes]],
        replay: Callable[[dict[str, Any], bytes], dict[str, Any]],
    ) -> None:
        self.inner = inner
        self.state = state
        self.identify = identify
        self.fault_response = fault_response
        self.replay = replay

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        path = environ.get("PATH_INFO", "")
        if path.startswith("/_sagescale/") or path.startswith("/moto-api"):
            return self.inner(environ, start_response)
        service, operation, _ = self.identify(environ)
        raw = _read(environ)
        environ = self.replay(environ, raw)
        # The lock is re-entrant: the realism layer takes it again and appends the log entry,
        # which is then the last one.
        with self.state.lock:
            cut = self.state.cutoff.admit() if self.state.cutoff is not None else None
            served: Answer | None = None
            if cut is None or cut.serve:
                captured: list[Any] = []

                def capture(status: str, headers: Any, exc_info: Any = None) -> Any:
                    captured[:] = [status, headers]
                    return start_response(status, headers, exc_info) if cut is None else (lambda _data: None)

                body = b"".join(self.inner(environ, capture))
                entry = self.state.requests[-1]
                served = (captured[0], captured[1], body)
            else:
                entry = {"service": service, "operation": operation, "time": _now_iso(), "status": 0, "fault": None}
                self.state.requests.append(entry)
            if service == "sagemaker" and operation in CAPACITY_PARAMS:
                entry["detail"] = _capacities(raw, CAPACITY_PARAMS[operation])
        if cut is None:
            return [served[2]]
        answer = cut.answer(entry, served, lambda: self.fault_response({"service": service, "kind": "5xx"}, environ))
        start_response(answer[0], answer[1])
        return [answer[2]]


def _read(environ: dict[str, Any]) -> bytes:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    return environ["wsgi.input"].read(length) if length > 0 else b""


# The SageMaker calls that set a capacity -> the parameter that carries it.
CAPACITY_PARAMS = {
    "UpdateEndpointWeightsAndCapacities": "DesiredWeightsAndCapacities",
    "UpdateInferenceComponentRuntimeConfig": "DesiredRuntimeConfig",
}


def _capacities(raw: bytes, key: str) -> dict[str, Any] | None:
    try:
        request = json.loads(raw or b"{}")
        return {key: request.get(key)}
    except (ValueError, AttributeError):
        return None


def _now_iso() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
