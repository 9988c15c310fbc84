//! Crash points: the emulator's cutoff (`tests/emulator/cutoff.py`) stops a function at its
//! n-th AWS call, and the request log tells which counts SageMaker was asked to set.
//!
//! ```no_run
//! # fn demo(emu: &sagescale_tests::Emulator) {
//! use sagescale_tests::crash::Cut;
//! // The 4th call and every later one answer 500: the invocation ends at call 4.
//! emu.cut_off(4, Cut::Fail { served: false });
//! // ... run the function ...
//! emu.lift_cutoff();
//! # }
//! ```

use serde::Deserialize;
use serde_json::json;

use crate::{Emulator, RequestLogEntry};

/// How the cutoff stops the calls from the n-th on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cut {
    /// Answered 500 (the service's 5xx shape), the SDK's retries too: the invocation errors
    /// out at that call. `served`: the n-th call takes effect first and only its answer is
    /// lost (a crash after the call reached AWS).
    Fail { served: bool },
    /// Held until the cutoff is lifted, for the test to kill the caller meanwhile
    /// ([`Emulator::wait_held`]). `served`: the n-th call takes effect before it is held.
    Hold { served: bool },
}

/// The cutoff's counters (`GET /_sagescale/cutoff`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct CutoffStatus {
    pub at: usize,
    /// AWS requests since the cutoff was set.
    pub seen: usize,
    /// Requests waiting in a [`Cut::Hold`].
    pub held: usize,
}

impl Emulator {
    /// From the `at`-th AWS request after this call (1-based), cut every request off as `cut`
    /// says, until [`Emulator::lift_cutoff`] (or a reset).
    pub fn cut_off(&self, at: usize, cut: Cut) {
        let (hold, apply) = match cut {
            Cut::Fail { served } => (false, served),
            Cut::Hold { served } => (true, served),
        };
        self.control(
            "POST",
            "cutoff",
            Some(&json!({"at": at, "hold": hold, "apply": apply})),
        )
        .unwrap_or_else(|err| panic!("{err}"));
    }

    /// The cutoff's counters, `None` without one.
    pub fn cutoff(&self) -> Option<CutoffStatus> {
        let v = self
            .control("GET", "cutoff", None)
            .unwrap_or_else(|err| panic!("{err}"));
        serde_json::from_value(v).unwrap_or_else(|err| panic!("cutoff status: {err}"))
    }

    /// Serves requests again; held ones are released (their caller is gone by then).
    pub fn lift_cutoff(&self) {
        self.control("DELETE", "cutoff", None)
            .unwrap_or_else(|err| panic!("{err}"));
    }

    /// Waits until a request is held by a [`Cut::Hold`]; false when none arrives in `timeout`.
    pub fn wait_held(&self, timeout: std::time::Duration) -> bool {
        let deadline = std::time::Instant::now() + timeout;
        loop {
            if self.cutoff().is_some_and(|c| c.held > 0) {
                return true;
            }
            if std::time::Instant::now() >= deadline {
                return false;
            }
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
    }

    /// The instance counts of the UpdateEndpointWeightsAndCapacities calls SageMaker accepted
    /// (answered 200, whether or not the caller got the answer), in order, one per variant
    /// change.
    pub fn accepted_updates(&self) -> Vec<i64> {
        self.requests()
            .iter()
            .filter(|r| r.operation == "UpdateEndpointWeightsAndCapacities" && r.status == 200)
            .flat_map(requested_counts)
            .collect()
    }
}

/// The DesiredInstanceCount values an UpdateEndpointWeightsAndCapacities asked for.
pub fn requested_counts(entry: &RequestLogEntry) -> Vec<i64> {
    entry
        .detail
        .as_ref()
        .and_then(|d| d["DesiredWeightsAndCapacities"].as_array())
        .map(|changes| {
            changes
                .iter()
                .filter_map(|c| c["DesiredInstanceCount"].as_i64())
                .collect()
        })
        .unwrap_or_default()
}
