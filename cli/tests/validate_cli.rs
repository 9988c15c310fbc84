//! `sagescale validate`: the examples pass, every bad configuration under
//! tests/fixtures/invalid fails with the messages in its `.expected` file (one substring per
//! line), and the exit codes tell valid (0), invalid (1) and unreadable (2) apart.

mod support;

use support::{files, repo_root, sagescale};

#[test]
fn every_example_passes_validate() {
    let examples = files("examples", &["yaml", "yml", "json"]);
    assert!(examples.len() >= 3, "examples: {examples:?}");
    for example in &examples {
        let run = sagescale(&["validate", example]);
        assert_eq!(run.code, 0, "{example}:\n{}", run.stdout);
        assert!(
            run.stdout.contains(&format!("ok: {example} (")),
            "{example}:\n{}",
            run.stdout
        );
        assert!(!run.stdout.contains("error:"), "{}", run.stdout);
    }
}

#[test]
fn every_invalid_fixture_fails_with_its_expected_messages() {
    let fixtures = files("tests/fixtures/invalid", &["yaml", "yml", "json"]);
    assert!(fixtures.len() >= 40, "fixtures: {}", fixtures.len());
    let mut failures = Vec::new();
    for fixture in &fixtures {
        let stem = fixture.rsplit_once('.').unwrap().0;
        let expected = std::fs::read_to_string(repo_root().join(format!("{stem}.expected")))
            .unwrap_or_else(|_| panic!("{fixture} has no {stem}.expected"));
        let run = sagescale(&["validate", fixture]);
        if run.code != 1 {
            failures.push(format!("{fixture}: exit {} instead of 1", run.code));
        }
        if run.stdout.contains(&format!("ok: {fixture}")) {
            failures.push(format!("{fixture}: reported ok"));
        }
        for line in expected.lines().filter(|l| !l.trim().is_empty()) {
            // Every expected message is an error line about this file.
            let wanted = format!("error: {fixture}: ");
            let found = run
                .stdout
                .lines()
                .any(|out| out.starts_with(&wanted) && out.contains(line));
            if !found {
                failures.push(format!(
                    "{fixture}: no error containing {line:?}; got:\n{}",
                    run.stdout
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_multi_error_file_reports_all_its_errors_at_once() {
    let run = sagescale(&["validate", "tests/fixtures/invalid/multiple-errors.yaml"]);
    assert_eq!(run.code, 1);
    let errors = run
        .stdout
        .lines()
        .filter(|l| l.starts_with("error: "))
        .count();
    assert_eq!(errors, 5, "{}", run.stdout);
}

#[test]
fn an_unknown_field_is_an_error_with_a_suggestion() {
    let run = sagescale(&[
        "validate",
        "tests/fixtures/invalid/unknown-field-suggestion.yaml",
    ]);
    assert_eq!(run.code, 1);
    assert_eq!(
        run.stdout.trim_end(),
        "error: tests/fixtures/invalid/unknown-field-suggestion.yaml: ScalableTargets[0] \
         (endpoint/my-ep/variant/AllTraffic) > ScalingPolicies[0] (latency-steps) > Alarm: \
         unknown field; did you mean Alarms?"
    );
}

#[test]
fn warnings_are_printed_but_do_not_fail() {
    let file = "tests/fixtures/warnings/variant-min-zero.yaml";
    let run = sagescale(&["validate", file]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(
        run.stdout.contains(&format!(
            "warning: {file}: ScalableTargets[0] (endpoint/async-ep/variant/AllTraffic) > \
             MinCapacity: 0 on an endpoint variant"
        )),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains(&format!(
        "ok: {file} (1 target, 0 policies, 0 scheduled actions)"
    )));
}

#[test]
fn a_schedule_that_can_never_fire_is_a_warning_naming_the_action_and_why() {
    let file = "tests/fixtures/warnings/never-fires.yaml";
    let run = sagescale(&["validate", file]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    let target = "ScalableTargets[0] (endpoint/my-model-endpoint/variant/AllTraffic)";
    for expected in [
        format!(
            "warning: {file}: {target} > ScheduledActions[0] (launch-day): never fires: \
             at(2020-01-01T00:00:00) is in the past"
        ),
        format!(
            "warning: {file}: {target} > ScheduledActions[1] (february-30): never fires: \
             cron(0 12 30 2 ? *) matches no date"
        ),
    ] {
        assert!(run.stdout.contains(&expected), "{expected}\n{}", run.stdout);
    }
    assert!(!run.stdout.contains("(daily)"), "{}", run.stdout);
    assert!(
        run.stdout.contains(&format!("ok: {file}")),
        "{}",
        run.stdout
    );
}

#[test]
fn several_files_are_all_checked_and_any_error_fails_the_run() {
    let run = sagescale(&[
        "validate",
        "examples/endpoint-full.yaml",
        "tests/fixtures/invalid/min-above-max.yaml",
        "examples/dry-run.yaml",
    ]);
    assert_eq!(run.code, 1);
    assert!(
        run.stdout.contains(
            "ok: examples/endpoint-full.yaml (1 target, 3 policies, 2 scheduled actions)"
        )
    );
    assert!(
        run.stdout
            .contains("error: tests/fixtures/invalid/min-above-max.yaml: ")
    );
    assert!(run.stdout.contains("ok: examples/dry-run.yaml ("));
}

#[test]
fn an_unreadable_file_exits_2_after_checking_the_others() {
    let run = sagescale(&["validate", "does-not-exist.yaml", "examples/dry-run.yaml"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stdout
            .contains("error: does-not-exist.yaml: cannot read: ")
    );
    assert!(run.stdout.contains("ok: examples/dry-run.yaml ("));
}

#[test]
fn validate_needs_at_least_one_file() {
    let run = sagescale(&["validate"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("FILE"), "{}", run.stderr);
}
