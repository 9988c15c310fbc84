//! Firing times of documented AWS examples and of the DST, window and anchor rules.

use chrono::{DateTime, TimeDelta, Utc};
use sagescale_core::schedule::{Schedule, ScheduleError, Zone};

/// Named so that `cargo test -p sagescale-core schedule` selects these tests.
mod schedule_firings {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        s.parse()
            .unwrap_or_else(|e| panic!("bad test time {s}: {e}"))
    }

    fn schedule(expr: &str, tz: &str) -> Schedule {
        Schedule::parse(expr, Some(tz), None, None).unwrap_or_else(|e| panic!("{e}"))
    }

    fn fmt(times: &[DateTime<Utc>]) -> Vec<String> {
        times
            .iter()
            .map(|t| t.format("%Y-%m-%dT%H:%MZ").to_string())
            .collect()
    }

    /// One row: expression, zone, query time, the next firings (UTC).
    struct Case {
        expr: &'static str,
        tz: &'static str,
        after: &'static str,
        expect: &'static [&'static str],
    }

    #[test]
    fn next_firings_match_aws_examples_and_calendar_rules() {
        let cases = [
            // Friday 18:00 New York: 22:00 UTC in summer, 23:00 UTC after DST ends on 2026-11-01.
            Case {
                expr: "cron(0 18 ? * FRI *)",
                tz: "America/New_York",
                after: "2026-10-28T00:00:00Z",
                expect: &["2026-10-30T22:00Z", "2026-11-06T23:00Z"],
            },
            Case {
                expr: "cron(0/15 * * * ? *)",
                tz: "UTC",
                after: "2026-01-01T00:07:00Z",
                expect: &[
                    "2026-01-01T00:15Z",
                    "2026-01-01T00:30Z",
                    "2026-01-01T00:45Z",
                    "2026-01-01T01:00Z",
                ],
            },
            Case {
                expr: "cron(0 8 1 * ? *)",
                tz: "UTC",
                after: "2026-01-15T00:00:00Z",
                expect: &[
                    "2026-02-01T08:00Z",
                    "2026-03-01T08:00Z",
                    "2026-04-01T08:00Z",
                ],
            },
            Case {
                expr: "cron(0 18 ? * MON-FRI *)",
                tz: "UTC",
                after: "2026-01-02T18:00:00Z", // a Friday, exactly at the firing: strictly after
                expect: &["2026-01-05T18:00Z", "2026-01-06T18:00Z"],
            },
            // 6L: last Friday of each month, 2026 only.
            Case {
                expr: "cron(0 10 ? * 6L 2026)",
                tz: "UTC",
                after: "2026-01-01T00:00:00Z",
                expect: &[
                    "2026-01-30T10:00Z",
                    "2026-02-27T10:00Z",
                    "2026-03-27T10:00Z",
                    "2026-04-24T10:00Z",
                    "2026-05-29T10:00Z",
                    "2026-06-26T10:00Z",
                    "2026-07-31T10:00Z",
                    "2026-08-28T10:00Z",
                    "2026-09-25T10:00Z",
                    "2026-10-30T10:00Z",
                    "2026-11-27T10:00Z",
                    "2026-12-25T10:00Z",
                ],
            },
            // 2#1: first Monday.
            Case {
                expr: "cron(0 9 ? * 2#1 *)",
                tz: "UTC",
                after: "2026-01-01T00:00:00Z",
                expect: &[
                    "2026-01-05T09:00Z",
                    "2026-02-02T09:00Z",
                    "2026-03-02T09:00Z",
                ],
            },
            // LW: last weekday; Jan 31 and Feb 28 2026 are Saturdays, May 31 a Sunday.
            Case {
                expr: "cron(0 12 LW * ? *)",
                tz: "UTC",
                after: "2026-01-01T00:00:00Z",
                expect: &[
                    "2026-01-30T12:00Z",
                    "2026-02-27T12:00Z",
                    "2026-03-31T12:00Z",
                    "2026-04-30T12:00Z",
                    "2026-05-29T12:00Z",
                ],
            },
            // 15W: Feb 15 and Mar 15 2026 are Sundays (-> Monday), Aug 15 a Saturday (-> Friday).
            Case {
                expr: "cron(0 12 15W * ? *)",
                tz: "UTC",
                after: "2026-02-01T00:00:00Z",
                expect: &[
                    "2026-02-16T12:00Z",
                    "2026-03-16T12:00Z",
                    "2026-04-15T12:00Z",
                ],
            },
            Case {
                expr: "cron(0 12 15W AUG ? 2026)",
                tz: "UTC",
                after: "2026-01-01T00:00:00Z",
                expect: &["2026-08-14T12:00Z"],
            },
            // W never leaves the month: Aug 1 2026 is a Saturday -> Monday 3rd; May 31 a Sunday -> Friday 29th.
            Case {
                expr: "cron(0 12 1W 8 ? 2026)",
                tz: "UTC",
                after: "2026-01-01T00:00:00Z",
                expect: &["2026-08-03T12:00Z"],
            },
            Case {
                expr: "cron(0 12 31W 5 ? 2026)",
                tz: "UTC",
                after: "2026-01-01T00:00:00Z",
                expect: &["2026-05-29T12:00Z"],
            },
            // L and L-n count back from the month's length, leap years included.
            Case {
                expr: "cron(0 0 L * ? *)",
                tz: "UTC",
                after: "2028-01-31T00:00:00Z",
                expect: &[
                    "2028-02-29T00:00Z",
                    "2028-03-31T00:00Z",
                    "2028-04-30T00:00Z",
                ],
            },
            Case {
                expr: "cron(0 0 L-2 * ? *)",
                tz: "UTC",
                after: "2027-02-01T00:00:00Z",
                expect: &["2027-02-26T00:00Z", "2027-03-29T00:00Z"],
            },
            // L alone in day-of-week is Saturday.
            Case {
                expr: "cron(0 0 ? * L *)",
                tz: "UTC",
                after: "2026-01-01T00:00:00Z",
                expect: &["2026-01-03T00:00Z", "2026-01-10T00:00Z"],
            },
            // Day 31 only fires in 31-day months; the search jumps the short ones.
            Case {
                expr: "cron(0 0 31 * ? *)",
                tz: "UTC",
                after: "2026-01-31T00:00:00Z",
                expect: &["2026-03-31T00:00Z", "2026-05-31T00:00Z"],
            },
            // Spring forward: 02:30 does not exist in New York on 2027-03-14, so that day is skipped.
            Case {
                expr: "cron(30 2 * * ? *)",
                tz: "America/New_York",
                after: "2027-03-13T00:00:00Z",
                expect: &["2027-03-13T07:30Z", "2027-03-15T06:30Z"],
            },
            // Fall back: 01:30 happens twice in New York on 2026-11-01; it fires once, the first time (EDT).
            Case {
                expr: "cron(30 1 * * ? *)",
                tz: "America/New_York",
                after: "2026-10-31T12:00:00Z",
                expect: &["2026-11-01T05:30Z", "2026-11-02T06:30Z"],
            },
            // Asked between the two 01:30s, the second one is not a firing.
            Case {
                expr: "cron(30 1 * * ? *)",
                tz: "America/New_York",
                after: "2026-11-01T05:30:00Z",
                expect: &["2026-11-02T06:30Z"],
            },
            // Every 20 minutes through the repeated hour: 01:00-01:40 fire in EDT only, then 02:00 EST.
            Case {
                expr: "cron(0/20 1-2 1 NOV ? 2026)",
                tz: "America/New_York",
                after: "2026-11-01T00:00:00Z",
                expect: &[
                    "2026-11-01T05:00Z",
                    "2026-11-01T05:20Z",
                    "2026-11-01T05:40Z",
                    "2026-11-01T07:00Z",
                    "2026-11-01T07:20Z",
                    "2026-11-01T07:40Z",
                ],
            },
            // Southern hemisphere: Sydney leaves DST on 2026-04-05 (03:00 -> 02:00).
            Case {
                expr: "cron(30 2 5 APR ? 2026)",
                tz: "Australia/Sydney",
                after: "2026-01-01T00:00:00Z",
                expect: &["2026-04-04T15:30Z"],
            },
            Case {
                expr: "cron(0 0 29 2 ? 2026-2030)",
                tz: "UTC",
                after: "2026-01-01T00:00:00Z",
                expect: &["2028-02-29T00:00Z"],
            },
        ];
        for case in cases {
            let got = schedule(case.expr, case.tz).next_n(utc(case.after), case.expect.len() + 1);
            let got = fmt(&got);
            let expect_more = got.len() > case.expect.len();
            assert_eq!(
                &got[..case.expect.len().min(got.len())],
                case.expect,
                "{} in {} after {}",
                case.expr,
                case.tz,
                case.after
            );
            // Finite schedules (a year field, at()) must stop where the table stops.
            if case.expr.contains(" 2026)") || case.expr.contains("2026-2030") {
                assert!(!expect_more, "{} fired again: {got:?}", case.expr);
            }
        }
    }

    #[test]
    fn schedule_that_can_never_match_has_no_next_firing() {
        let s = schedule("cron(0 0 30 FEB ? *)", "UTC");
        assert_eq!(s.next_after(utc("2026-01-01T00:00:00Z")), None);
    }

    #[test]
    fn years_end_at_2199() {
        let s = schedule("cron(0 0 1 1 ? *)", "UTC");
        assert_eq!(
            fmt(&s.next_n(utc("2199-01-01T00:00:00Z"), 2)),
            Vec::<String>::new()
        );
        assert_eq!(
            fmt(&s.next_n(utc("2198-06-01T00:00:00Z"), 2)),
            ["2199-01-01T00:00Z"]
        );
    }

    #[test]
    fn at_fires_once_at_local_time() {
        let s = schedule("at(2026-11-01T01:30:00)", "America/New_York");
        // Repeated local time: the first occurrence (EDT).
        assert_eq!(
            fmt(&s.next_n(utc("2026-01-01T00:00:00Z"), 3)),
            ["2026-11-01T05:30Z"]
        );
        assert_eq!(s.next_after(utc("2026-11-01T05:30:00Z")), None);
    }

    #[test]
    fn at_in_a_spring_forward_gap_never_fires() {
        // 02:30 on 2026-03-08 does not exist in New York; EventBridge skips such times.
        let s = schedule("at(2026-03-08T02:30:00)", "America/New_York");
        assert_eq!(s.next_after(utc("2026-01-01T00:00:00Z")), None);
    }

    #[test]
    fn rate_counts_from_start_time_inclusive_and_stops_at_end_time_inclusive() {
        let start = utc("2026-01-01T00:02:30Z");
        let s = Schedule::parse(
            "rate(5 minutes)",
            None,
            Some(start),
            Some(start + TimeDelta::minutes(10)),
        )
        .unwrap();
        let all: Vec<_> = s
            .firings_in(utc("2025-12-31T00:00:00Z"), utc("2027-01-01T00:00:00Z"))
            .collect();
        assert_eq!(
            fmt(&all),
            [
                "2026-01-01T00:02Z",
                "2026-01-01T00:07Z",
                "2026-01-01T00:12Z"
            ]
        );
        assert_eq!(all[0], start);
        // Strictly after: asking at a firing gives the following one.
        assert_eq!(s.next_after(start), Some(start + TimeDelta::minutes(5)));
    }

    #[test]
    fn rate_without_start_counts_from_the_given_anchor() {
        let anchor = utc("2026-01-01T00:01:00Z");
        let s = schedule("rate(1 hour)", "UTC").with_anchor(anchor);
        assert_eq!(
            fmt(&s.next_n(utc("2026-01-01T03:30:00Z"), 2)),
            ["2026-01-01T04:01Z", "2026-01-01T05:01Z"]
        );
    }

    #[test]
    fn rate_without_start_or_anchor_is_aligned_to_the_unix_epoch() {
        let s = schedule("rate(5 minutes)", "UTC");
        assert_eq!(
            fmt(&s.next_n(utc("2026-01-01T00:07:10Z"), 2)),
            ["2026-01-01T00:10Z", "2026-01-01T00:15Z"]
        );
    }

    #[test]
    fn rate_days_are_24_hours_whatever_the_time_zone() {
        let start = utc("2026-10-31T12:00:00Z");
        let s =
            Schedule::parse("rate(1 day)", Some("America/New_York"), Some(start), None).unwrap();
        assert_eq!(
            fmt(&s.next_n(start, 2)),
            ["2026-11-01T12:00Z", "2026-11-02T12:00Z"]
        );
    }

    #[test]
    fn cron_window_includes_start_and_end() {
        let s = Schedule::parse(
            "cron(0 * * * ? *)",
            None,
            Some(utc("2026-01-01T10:00:00Z")),
            Some(utc("2026-01-01T12:00:00Z")),
        )
        .unwrap();
        let all: Vec<_> = s
            .firings_in(utc("2026-01-01T00:00:00Z"), utc("2026-01-02T00:00:00Z"))
            .collect();
        assert_eq!(
            fmt(&all),
            [
                "2026-01-01T10:00Z",
                "2026-01-01T11:00Z",
                "2026-01-01T12:00Z"
            ]
        );
        // StartTime is a bound for cron, not a firing of its own.
        let late = Schedule::parse(
            "cron(0 * * * ? *)",
            None,
            Some(utc("2026-01-01T10:00:01Z")),
            None,
        )
        .unwrap();
        assert_eq!(
            fmt(&late.next_n(utc("2026-01-01T00:00:00Z"), 1)),
            ["2026-01-01T11:00Z"]
        );
    }

    #[test]
    fn firings_in_is_half_open() {
        let s = schedule("cron(0/15 * * * ? *)", "UTC");
        let got: Vec<_> = s
            .firings_in(utc("2026-01-01T00:00:00Z"), utc("2026-01-01T00:30:00Z"))
            .collect();
        assert_eq!(fmt(&got), ["2026-01-01T00:15Z", "2026-01-01T00:30Z"]);
    }

    #[test]
    fn unknown_time_zone_is_rejected_with_a_hint() {
        let err = Schedule::parse("cron(0 18 ? * FRI *)", Some("Eastern"), None, None).unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown time zone 'Eastern' (use an IANA name such as America/New_York)"
        );
    }

    #[test]
    fn start_after_end_is_rejected() {
        let err = Schedule::parse(
            "rate(1 hour)",
            None,
            Some(utc("2026-02-01T00:00:00Z")),
            Some(utc("2026-01-01T00:00:00Z")),
        )
        .unwrap_err();
        assert!(matches!(err, ScheduleError::StartAfterEnd { .. }));
        assert_eq!(
            err.to_string(),
            "StartTime 2026-02-01 00:00:00 UTC is after EndTime 2026-01-01 00:00:00 UTC"
        );
    }

    #[test]
    fn time_zone_defaults_to_utc() {
        let s = Schedule::parse("cron(0 18 ? * FRI *)", None, None, None).unwrap();
        assert_eq!(s.tz, Zone::utc());
        assert_eq!(s.tz.name(), "UTC");
    }
}
