//! `make test`'s share of the fuzzing (`make fuzz` runs a million cases per parser): a fixed
//! seed, a few thousand mutated and generated inputs per reader of outside input, each checked
//! for no panic, the documented rejection (`EventError`, or a report with errors) and time.
//! Debug builds are slow and the machine is shared, so a case fails the test only past 5 s;
//! `make fuzz` (optimised) flags anything over 100 ms.

use std::time::Duration;

use sagescale_tests::fuzz::{Corpus, Heartbeat, Parser, run};

const SEED: u64 = 20261202;

fn fuzz(parser: Parser, cases: u64) {
    let corpus = Corpus::load();
    let st = run(
        &corpus,
        parser,
        SEED,
        0,
        cases,
        Duration::from_secs(5),
        &Heartbeat::default(),
    );
    eprintln!(
        "{}: {} cases in {:.1} s: accepted {}, rejected {:?}; slowest case {} ({:.0} ms)",
        parser.name(),
        st.cases,
        st.elapsed.as_secs_f64(),
        st.accepted,
        st.rejected,
        st.slowest.0,
        st.slowest.1.as_secs_f64() * 1e3
    );
    assert!(st.panics.is_empty(), "panics: {:?}", st.panics);
    assert!(st.violations.is_empty(), "violations: {:?}", st.violations);
    assert!(st.slow.is_empty(), "cases over 5 s: {:?}", st.slow);
    assert_eq!(st.cases, cases);
    // The mutations must reach both outcomes, or the fuzzing tests nothing.
    assert!(st.accepted > 0, "nothing accepted");
    assert!(
        st.rejected_total() > cases / 4,
        "few rejections: {:?}",
        st.rejected
    );
}

#[test]
fn alarm_events() {
    fuzz(Parser::Alarm, 5_000);
}

#[test]
fn schedule_events() {
    fuzz(Parser::Schedule, 5_000);
}

#[test]
fn yaml_configurations() {
    fuzz(Parser::ConfigYaml, 300);
}

#[test]
fn json_configurations() {
    fuzz(Parser::ConfigJson, 500);
}

/// Every case can be rebuilt alone from (seed, parser, case): what `--case N --dump` relies on.
#[test]
fn cases_are_reproducible() {
    let corpus = Corpus::load();
    for parser in Parser::ALL {
        for case in [0, 1, 977] {
            assert_eq!(
                corpus.case(parser, SEED, case),
                corpus.case(parser, SEED, case)
            );
        }
        assert_ne!(corpus.case(parser, SEED, 1), corpus.case(parser, SEED, 2));
    }
}

/// The inputs the fuzzer found (tests/fixtures/fuzz): each one refused, without panic, quickly.
#[test]
fn regressions_are_refused_quickly() {
    use sagescale_tests::fuzz::{Verdict, check};
    let dir = sagescale_tests::repo_root().join("tests/fixtures/fuzz");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let parser = match path.extension().and_then(|e| e.to_str()) {
            Some("yaml") => Parser::ConfigYaml,
            Some("json") => Parser::ConfigJson,
            Some("event") => Parser::Alarm,
            _ => continue,
        };
        let input = std::fs::read(&path).unwrap();
        let start = std::time::Instant::now();
        let verdict = check(parser, &input);
        assert!(
            matches!(verdict, Verdict::Rejected { .. }),
            "{}: {verdict:?}",
            path.display()
        );
        assert!(
            start.elapsed() < Duration::from_secs(2),
            "{}: {:?}",
            path.display(),
            start.elapsed()
        );
        seen += 1;
    }
    assert!(seen > 0);
}
