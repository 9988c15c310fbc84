//! `sagescale plan`: upcoming scheduled actions in local time and UTC, pinned with --from.

mod support;

use support::sagescale;

/// `cron(0 18 ? * FRI *)` and `cron(0 8 ? * MON *)` in America/New_York keep their local
/// times across the end of DST (1 November 2026): 22:00/12:00 UTC before, 23:00/13:00 after.
#[test]
fn plan_keeps_local_times_across_the_autumn_dst_change() {
    let run = sagescale(&[
        "plan",
        "examples/endpoint-full.yaml",
        "--from",
        "2026-10-20T00:00:00Z",
        "--next",
        "3",
    ]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let lines: Vec<&str> = run.stdout.lines().filter(|l| l.starts_with("  ")).collect();
    assert_eq!(
        lines,
        vec![
            "  Fri 2026-10-23 18:00 EDT  (2026-10-23 22:00 UTC)  friday-peak       MinCapacity=50 MaxCapacity=60",
            "  Mon 2026-10-26 08:00 EDT  (2026-10-26 12:00 UTC)  monday-back-down  MinCapacity=2 MaxCapacity=10",
            "  Fri 2026-10-30 18:00 EDT  (2026-10-30 22:00 UTC)  friday-peak       MinCapacity=50 MaxCapacity=60",
            "  Mon 2026-11-02 08:00 EST  (2026-11-02 13:00 UTC)  monday-back-down  MinCapacity=2 MaxCapacity=10",
            "  Fri 2026-11-06 18:00 EST  (2026-11-06 23:00 UTC)  friday-peak       MinCapacity=50 MaxCapacity=60",
            "  Mon 2026-11-09 08:00 EST  (2026-11-09 13:00 UTC)  monday-back-down  MinCapacity=2 MaxCapacity=10",
        ]
    );
}

/// The spring change (8 March 2026): the Friday peak moves from 23:00 to 22:00 UTC.
#[test]
fn plan_keeps_local_times_across_the_spring_dst_change() {
    let run = sagescale(&[
        "plan",
        "examples/endpoint-full.yaml",
        "--from",
        "2026-03-01T00:00:00Z",
        "--next",
        "2",
    ]);
    assert_eq!(run.code, 0);
    let fridays: Vec<&str> = run
        .stdout
        .lines()
        .filter(|l| l.contains("friday-peak"))
        .collect();
    assert_eq!(fridays.len(), 2, "{}", run.stdout);
    assert!(fridays[0].contains("Fri 2026-03-06 18:00 EST  (2026-03-06 23:00 UTC)"));
    assert!(fridays[1].contains("Fri 2026-03-13 18:00 EDT  (2026-03-13 22:00 UTC)"));
}

#[test]
fn plan_names_the_target_and_the_start_time() {
    let run = sagescale(&[
        "plan",
        "examples/endpoint-full.yaml",
        "--from",
        "2026-10-20T00:00:00+02:00",
        "--next",
        "1",
    ]);
    assert_eq!(run.code, 0);
    assert!(
        run.stdout.contains("after 2026-10-19 22:00:00 UTC"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("ScalableTargets[0] endpoint/my-model-endpoint/variant/AllTraffic")
    );
    assert_eq!(
        run.stdout
            .lines()
            .filter(|l| l.contains("friday-peak"))
            .count(),
        1
    );
}

#[test]
fn plan_refuses_an_invalid_file_with_its_errors() {
    let run = sagescale(&["plan", "tests/fixtures/invalid/bad-timezone.yaml"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stdout.contains("Timezone: unknown time zone 'EST5'"),
        "{}",
        run.stdout
    );
}

#[test]
fn plan_rejects_a_from_time_that_is_not_rfc3339() {
    let run = sagescale(&["plan", "examples/endpoint-full.yaml", "--from", "yesterday"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("RFC 3339"), "{}", run.stderr);
}

/// `--next N` counts per action: a frequent action does not hide a weekly one.
#[test]
fn plan_shows_the_next_firings_of_every_action() {
    let dir = std::env::temp_dir().join(format!("sagescale-plan-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("frequent.yaml");
    std::fs::write(
        &file,
        r#"
ScalableTargets:
  - ServiceNamespace: sagemaker
    ResourceId: endpoint/my-model-endpoint/variant/AllTraffic
    ScalableDimension: sagemaker:variant:DesiredInstanceCount
    MinCapacity: 1
    MaxCapacity: 10
    ScheduledActions:
      - ScheduledActionName: every-five-minutes
        Schedule: rate(5 minutes)
        ScalableTargetAction: {MinCapacity: 2}
      - ScheduledActionName: friday-peak
        Schedule: cron(0 18 ? * FRI *)
        Timezone: America/New_York
        ScalableTargetAction: {MinCapacity: 5}
"#,
    )
    .unwrap();
    let run = sagescale(&[
        "plan",
        file.to_str().unwrap(),
        "--from",
        "2026-12-01T00:00:00Z",
        "--next",
        "3",
    ]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let count = |name: &str| run.stdout.lines().filter(|l| l.contains(name)).count();
    assert_eq!(count("every-five-minutes  "), 3, "{}", run.stdout);
    assert_eq!(count("friday-peak"), 3, "{}", run.stdout);
}

#[test]
fn plan_refuses_next_zero() {
    let run = sagescale(&["plan", "examples/endpoint-full.yaml", "--next", "0"]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("--next"), "{}", run.stderr);
}

/// An action that can never fire is named, not silently absent.
#[test]
fn plan_names_an_action_that_never_fires() {
    let run = sagescale(&["plan", "tests/fixtures/warnings/never-fires.yaml"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout
            .contains("launch-day never fires: at(2020-01-01T00:00:00) is in the past"),
        "{}",
        run.stdout
    );
}
