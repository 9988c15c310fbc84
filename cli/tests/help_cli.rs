//! The AWS flags (`--endpoint-url`, `--region`, `--table`) belong to the subcommands that talk
//! to AWS: their help lists them, the offline subcommands' help does not, and they parse both
//! before the subcommand (`sagescale --table T apply F`) and after it (`sagescale apply
//! --table T F`).

mod support;

use support::sagescale;

const AWS_FLAGS: [&str; 3] = ["--endpoint-url", "--region", "--table"];

#[test]
fn offline_subcommands_do_not_list_the_aws_flags() {
    for sub in ["validate", "plan", "simulate", "tune"] {
        let run = sagescale(&[sub, "--help"]);
        assert_eq!(run.code, 0, "{sub} --help:\n{}{}", run.stdout, run.stderr);
        for flag in AWS_FLAGS {
            assert!(
                !run.stdout.contains(flag),
                "{sub} --help lists {flag}:\n{}",
                run.stdout
            );
        }
    }
    let run = sagescale(&["--help"]);
    for flag in AWS_FLAGS {
        assert!(
            !run.stdout.contains(flag),
            "--help lists {flag}:\n{}",
            run.stdout
        );
    }
}

#[test]
fn aws_subcommands_list_the_aws_flags() {
    for sub in [
        "init",
        "apply",
        "status",
        "activities",
        "forecast",
        "suspend",
        "resume",
        "import",
        "compare",
        "takeover",
        "handback",
    ] {
        let run = sagescale(&[sub, "--help"]);
        assert_eq!(run.code, 0, "{sub} --help:\n{}{}", run.stdout, run.stderr);
        for flag in AWS_FLAGS {
            assert!(
                run.stdout.contains(flag),
                "{sub} --help lacks {flag}:\n{}",
                run.stdout
            );
        }
    }
    let run = sagescale(&["status", "--help"]);
    assert!(run.stdout.contains("SAGESCALE_TABLE"), "{}", run.stdout);
}

/// Offline: an invalid file is refused before any AWS call, whichever side of the subcommand
/// the AWS flags are on (a flag clap did not accept would be a usage error, exit 2).
#[test]
fn the_aws_flags_parse_before_and_after_the_subcommand() {
    let file = "tests/fixtures/invalid/action-min-above-max.yaml";
    let url = "http://127.0.0.1:9";
    for args in [
        vec![
            "--endpoint-url",
            url,
            "--region",
            "us-east-1",
            "--table",
            "t",
            "apply",
            file,
        ],
        vec![
            "apply",
            "--endpoint-url",
            url,
            "--region",
            "us-east-1",
            "--table",
            "t",
            file,
        ],
        vec!["apply", file, "--table", "t", "--endpoint-url", url],
        vec!["--table", "a", "apply", "--table", "b", file],
    ] {
        let run = sagescale(&args);
        assert_eq!(run.code, 1, "{args:?}:\n{}{}", run.stdout, run.stderr);
        assert!(run.stderr.is_empty(), "{args:?}: {}", run.stderr);
    }
}
