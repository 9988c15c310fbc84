//! The short fixed-seed form of the long randomized run (`make soak` runs the long one): a few
//! hundred steps of alarms flapping, duplicate, out-of-order, concurrent and retried deliveries,
//! passes, scheduled actions, busy endpoints and injected faults against the emulator, with
//! every invariant of `harness/soak/invariants.rs` checked after each step.

use sagescale_tests::soak::{Options, run};

#[tokio::test(flavor = "multi_thread")]
async fn a_short_randomized_run_with_faults_breaks_no_invariant() {
    let steps = std::env::var("SOAK_TEST_STEPS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(300);
    let stats = run(&Options {
        steps,
        seed: 7,
        trace: false,
        progress_every: 0,
    })
    .await;
    println!("{stats}");
    // The run must have exercised what it claims to, or a green result means nothing.
    assert!(stats.faults_total() > 0, "no fault was injected: {stats}");
    assert!(
        stats.concurrent_steps > 0,
        "nothing ran concurrently: {stats}"
    );
    assert!(
        stats.decisions.get("Scaled").copied().unwrap_or(0) > 0,
        "nothing scaled: {stats}"
    );
    assert!(
        stats.occurrences_fired > 0,
        "no scheduled occurrence was checked: {stats}"
    );
    assert!(
        stats.cooldown_checks > 0,
        "no policy change was checked: {stats}"
    );
    let violations: Vec<String> = stats.violations.iter().map(ToString::to_string).collect();
    assert!(violations.is_empty(), "{}", violations.join("\n"));
}
