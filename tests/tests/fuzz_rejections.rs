//! A rejected event makes no AWS call: a sample of the fuzzer's rejected alarm and schedule
//! events (the first 100 of each, fixed seed) through the real handlers against the emulator,
//! with a configured target and an endpoint that an accepted event would read and scale; the
//! emulator's request log must stay empty, and every error must be the event rejection
//! (`HandlerError::Event` / `ScheduleError::Event`, reported as `RejectedEvent`).

mod support;

use chrono::{DateTime, Utc};
use serde_json::Value;

use sagescale_aws::alarm::{AlarmHandler, HandlerError};
use sagescale_aws::reconcile::{ScheduleError, ScheduleHandler};
use sagescale_tests::fuzz::{Corpus, Parser, event_result, origin};
use support::*;

const SEED: u64 = 20261202;
const SAMPLE: usize = 100;

/// The first `SAMPLE` inputs of `parser` that are JSON and that the parser rejects.
fn rejected(corpus: &Corpus, parser: Parser) -> Vec<Value> {
    let mut out = Vec::new();
    for case in 0.. {
        if out.len() == SAMPLE {
            break;
        }
        assert!(case < 100_000, "too few rejected events");
        let input = corpus.case(parser, SEED, case);
        let Ok(payload) = serde_json::from_slice::<Value>(&input) else {
            continue;
        };
        if event_result(parser, &payload).is_err() {
            out.push(payload);
        }
    }
    out
}

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-27T18:02:30Z")
        .unwrap()
        .with_timezone(&Utc)
}

#[tokio::test(flavor = "multi_thread")]
async fn rejected_events_make_no_aws_call() {
    let env = env_with(&step_config("enforce"), 2).await;
    let corpus = Corpus::load();
    let alarm = AlarmHandler {
        scaler: &env.scaler,
        origin: origin(Parser::Alarm),
    };
    let schedule = ScheduleHandler {
        scaler: &env.scaler,
        origin: origin(Parser::Schedule),
    };

    env.emu.clear_requests();
    for payload in rejected(&corpus, Parser::Alarm) {
        match alarm.handle(&payload, now()).await {
            Err(HandlerError::Event(_)) => {}
            other => panic!("not rejected as an event: {other:?}\n{payload}"),
        }
    }
    for payload in rejected(&corpus, Parser::Schedule) {
        match schedule.handle(&payload, now()).await {
            Err(ScheduleError::Event(_)) => {}
            other => panic!("not rejected as an event: {other:?}\n{payload}"),
        }
    }
    let requests = env.emu.requests();
    assert!(
        requests.is_empty(),
        "{} AWS calls for rejected events: {:?}",
        requests.len(),
        env.emu.request_counts()
    );

    // The log does record calls: the unmutated alarm fixture, accepted, reads the table.
    let accepted: Value = serde_json::from_slice(
        &std::fs::read(
            sagescale_tests::repo_root().join("tests/fixtures/events/alarm-action-metric.json"),
        )
        .unwrap(),
    )
    .unwrap();
    alarm.handle(&accepted, now()).await.expect("handled");
    assert!(!env.emu.requests().is_empty());
}
