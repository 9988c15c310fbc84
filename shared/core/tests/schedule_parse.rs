//! Parsing `Schedule` strings: what AAS accepts, what it rejects and the message the user sees.

use chrono::NaiveDate;
use sagescale_core::schedule::{RateUnit, ScheduleError, ScheduleExpr};

/// Named so that `cargo test -p sagescale-core schedule` selects these tests.
mod schedule_syntax {
    use super::*;

    #[test]
    fn every_rejected_expression_explains_itself() {
        let cases = [
            // kind
            (
                "every 5 minutes",
                "'every 5 minutes': expected at(yyyy-mm-ddThh:mm:ss), rate(value unit) or cron(fields)",
            ),
            (
                "daily(1)",
                "'daily(1)': expected at(yyyy-mm-ddThh:mm:ss), rate(value unit) or cron(fields)",
            ),
            ("cron(0 0 * * ? *", "cron(0 0 * * ? *: missing closing ')'"),
            // at
            (
                "at(2026-13-01T00:00:00)",
                "at(2026-13-01T00:00:00): '2026-13-01T00:00:00' is not a date and time yyyy-mm-ddThh:mm:ss (e.g. at(2026-03-01T08:00:00))",
            ),
            (
                "at(2026-03-01 08:00)",
                "at(2026-03-01 08:00): '2026-03-01 08:00' is not a date and time yyyy-mm-ddThh:mm:ss (e.g. at(2026-03-01T08:00:00))",
            ),
            // rate
            (
                "rate(1 minutes)",
                "rate(1 minutes): use the singular unit 'minute' for a value of 1",
            ),
            (
                "rate(1 days)",
                "rate(1 days): use the singular unit 'day' for a value of 1",
            ),
            (
                "rate(5 minute)",
                "rate(5 minute): use the plural unit 'minutes' for values above 1",
            ),
            (
                "rate(2 hour)",
                "rate(2 hour): use the plural unit 'hours' for values above 1",
            ),
            (
                "rate(0 minutes)",
                "rate(0 minutes): value '0' must be a positive whole number",
            ),
            (
                "rate(-5 minutes)",
                "rate(-5 minutes): value '-5' must be a positive whole number",
            ),
            (
                "rate(1.5 hours)",
                "rate(1.5 hours): value '1.5' must be a positive whole number",
            ),
            (
                "rate(5 weeks)",
                "rate(5 weeks): unit 'weeks' must be one of minute, minutes, hour, hours, day, days",
            ),
            (
                "rate(5 Minutes)",
                "rate(5 Minutes): unit 'Minutes' must be one of minute, minutes, hour, hours, day, days",
            ),
            (
                "rate(5)",
                "rate(5): expected rate(value unit), e.g. rate(5 minutes)",
            ),
            // cron shape and the day-of-month / day-of-week rule
            (
                "cron(0 18 ? * FRI)",
                "cron(0 18 ? * FRI): expected 6 fields (minutes hours day-of-month month day-of-week year), found 5",
            ),
            (
                "cron(0 18 * * * *)",
                "cron(0 18 * * * *): day-of-month and day-of-week: exactly one must be '?'",
            ),
            (
                "cron(0 18 ? * ? *)",
                "cron(0 18 ? * ? *): day-of-month and day-of-week: exactly one must be '?'",
            ),
            (
                "cron(0 18 1 * MON *)",
                "cron(0 18 1 * MON *): day-of-month and day-of-week: exactly one must be '?'",
            ),
            // ranges
            (
                "cron(60 * * * ? *)",
                "cron(60 * * * ? *): minutes: '60' is out of range 0-59",
            ),
            (
                "cron(0 24 * * ? *)",
                "cron(0 24 * * ? *): hours: '24' is out of range 0-23",
            ),
            (
                "cron(0 0 32 * ? *)",
                "cron(0 0 32 * ? *): day-of-month: '32' is out of range 1-31",
            ),
            (
                "cron(0 0 0 * ? *)",
                "cron(0 0 0 * ? *): day-of-month: '0' is out of range 1-31",
            ),
            (
                "cron(0 0 1 13 ? *)",
                "cron(0 0 1 13 ? *): month: '13' is out of range 1-12 or JAN-DEC",
            ),
            (
                "cron(0 0 1 FOO ? *)",
                "cron(0 0 1 FOO ? *): month: 'FOO' is not a valid value (use 1-12 or JAN-DEC)",
            ),
            (
                "cron(0 0 ? * 0 *)",
                "cron(0 0 ? * 0 *): day-of-week: '0' is out of range 1-7 or SUN-SAT",
            ),
            (
                "cron(0 0 ? * 8 *)",
                "cron(0 0 ? * 8 *): day-of-week: '8' is out of range 1-7 or SUN-SAT",
            ),
            (
                "cron(0 0 ? * MONDAY *)",
                "cron(0 0 ? * MONDAY *): day-of-week: 'MONDAY' is not a valid value (use 1-7 or SUN-SAT)",
            ),
            (
                "cron(0 0 * * ? 1969)",
                "cron(0 0 * * ? 1969): year: '1969' is out of range 1970-2199",
            ),
            (
                "cron(0 0 * * ? 2200)",
                "cron(0 0 * * ? 2200): year: '2200' is out of range 1970-2199",
            ),
            (
                "cron(x 0 * * ? *)",
                "cron(x 0 * * ? *): minutes: 'x' is not a valid value (use 0-59)",
            ),
            // lists, ranges, steps
            (
                "cron(0 20-5 * * ? *)",
                "cron(0 20-5 * * ? *): hours: range '20-5' runs backwards (write the smaller value first)",
            ),
            (
                "cron(0/0 * * * ? *)",
                "cron(0/0 * * * ? *): minutes: step in '0/0' must be a whole number of at least 1",
            ),
            (
                "cron(*/x * * * ? *)",
                "cron(*/x * * * ? *): minutes: step in '*/x' must be a whole number of at least 1",
            ),
            (
                "cron(1,,2 * * * ? *)",
                "cron(1,,2 * * * ? *): minutes: empty value in list '1,,2'",
            ),
            // special characters out of place
            (
                "cron(0 ? * * ? *)",
                "cron(0 ? * * ? *): hours: '?' is not allowed here; it is only valid in day-of-month and day-of-week",
            ),
            (
                "cron(L 0 * * ? *)",
                "cron(L 0 * * ? *): minutes: 'L' is not allowed here; it is only valid in day-of-month (L, L-n, LW) and day-of-week (L, nL)",
            ),
            (
                "cron(0 0 * 5W ? *)",
                "cron(0 0 * 5W ? *): month: 'W' is not allowed here; it is only valid in day-of-month (nW, LW)",
            ),
            (
                "cron(0 0 * * ? 2026#1)",
                "cron(0 0 * * ? 2026#1): year: '#' is not allowed here; it is only valid in day-of-week (e.g. 6#3)",
            ),
            (
                "cron(0 0 ? * 5W *)",
                "cron(0 0 ? * 5W *): day-of-week: 'W' is not allowed here; it is only valid in day-of-month (nW, LW)",
            ),
            (
                "cron(0 0 1#2 * ? *)",
                "cron(0 0 1#2 * ? *): day-of-month: '#' is not allowed here; it is only valid in day-of-week (e.g. 6#3)",
            ),
            (
                "cron(0 0 ? * MON/2 *)",
                "cron(0 0 ? * MON/2 *): day-of-week: '/' is not allowed here",
            ),
            (
                "cron(0 0 ? * 1,? *)",
                "cron(0 0 ? * 1,? *): day-of-week: '?' must be the whole field",
            ),
            // day-of-month L and W
            (
                "cron(0 0 1,L * ? *)",
                "cron(0 0 1,L * ? *): day-of-month: 'L' and 'W' must stand alone (L, L-3, LW, 15W), not in '1,L'",
            ),
            (
                "cron(0 0 1-5W * ? *)",
                "cron(0 0 1-5W * ? *): day-of-month: 'W' needs a single day 1-31 before it (e.g. 15W) or LW, found '1-5W'",
            ),
            (
                "cron(0 0 32W * ? *)",
                "cron(0 0 32W * ? *): day-of-month: 'W' needs a single day 1-31 before it (e.g. 15W) or LW, found '32W'",
            ),
            (
                "cron(0 0 L-31 * ? *)",
                "cron(0 0 L-31 * ? *): day-of-month: offset in 'L-31' must be 0-30 (e.g. L-3)",
            ),
            // day-of-week # and L
            (
                "cron(0 0 ? * 3#1,6#3 *)",
                "cron(0 0 ? * 3#1,6#3 *): day-of-week: '#' allows a single expression only (e.g. 6#3), not a list '3#1,6#3'",
            ),
            (
                "cron(0 0 ? * 6#6 *)",
                "cron(0 0 ? * 6#6 *): day-of-week: the week in '6#6' must be 1-5 (e.g. 6#3 is the third Friday)",
            ),
            (
                "cron(0 0 ? * 6#0 *)",
                "cron(0 0 ? * 6#0 *): day-of-week: the week in '6#0' must be 1-5 (e.g. 6#3 is the third Friday)",
            ),
            (
                "cron(0 0 ? * 9#1 *)",
                "cron(0 0 ? * 9#1 *): day-of-week: '9' is out of range 1-7 or SUN-SAT",
            ),
            (
                "cron(0 0 ? * 1,6L *)",
                "cron(0 0 ? * 1,6L *): day-of-week: 'L' needs a single day before it (e.g. 6L), not '1,6L'",
            ),
            (
                "cron(0 0 ? * L-2 *)",
                "cron(0 0 ? * L-2 *): day-of-week: 'L' must stand alone (L) or follow a single day (6L), not in 'L-2'",
            ),
        ];
        let mut failures = Vec::new();
        for (expr, message) in cases {
            match ScheduleExpr::parse(expr) {
                Ok(parsed) => failures.push(format!("{expr}: accepted as {parsed}")),
                Err(e) if e.to_string() != message => {
                    failures.push(format!("{expr}:\n  got  {e}\n  want {message}"))
                }
                Err(_) => {}
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    #[test]
    fn accepted_expressions_print_back_in_aas_syntax() {
        let cases = [
            ("cron(0 18 ? * FRI *)", "cron(0 18 ? * FRI *)"),
            ("  cron(0  18 ? *  fri * )  ", "cron(0 18 ? * FRI *)"),
            ("cron(0/15 * * * ? *)", "cron(0/15 * * * ? *)"),
            ("cron(0 10 ? * 6L 2026)", "cron(0 10 ? * 6L 2026)"),
            ("cron(0 9 ? * 2#1 *)", "cron(0 9 ? * 2#1 *)"),
            ("cron(0 12 LW * ? *)", "cron(0 12 LW * ? *)"),
            ("cron(0 12 15W * ? *)", "cron(0 12 15W * ? *)"),
            (
                "cron(0 12 L-3 JAN-MAR,DEC ? 2026-2030/2)",
                "cron(0 12 L-3 JAN-MAR,DEC ? 2026-2030/2)",
            ),
            ("cron(0/10 * ? * MON-FRI *)", "cron(0/10 * ? * MON-FRI *)"),
            ("rate(1 minute)", "rate(1 minute)"),
            ("rate(5 minutes)", "rate(5 minutes)"),
            ("rate(1 hour)", "rate(1 hour)"),
            ("rate(12 hours)", "rate(12 hours)"),
            ("rate(1 day)", "rate(1 day)"),
            ("rate(7 days)", "rate(7 days)"),
            ("at(2026-03-01T08:00:00)", "at(2026-03-01T08:00:00)"),
        ];
        for (input, shown) in cases {
            let parsed = ScheduleExpr::parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(parsed.to_string(), shown, "{input}");
            assert_eq!(ScheduleExpr::parse(shown), Ok(parsed), "{shown} round trip");
        }
    }

    #[test]
    fn rate_and_at_parse_to_their_values() {
        assert_eq!(
            ScheduleExpr::parse("rate(5 minutes)"),
            Ok(ScheduleExpr::Rate {
                amount: 5,
                unit: RateUnit::Minute
            })
        );
        assert_eq!(
            ScheduleExpr::parse("at(2026-03-01T08:00:00)"),
            Ok(ScheduleExpr::At(
                NaiveDate::from_ymd_opt(2026, 3, 1)
                    .unwrap()
                    .and_hms_opt(8, 0, 0)
                    .unwrap()
            ))
        );
    }

    #[test]
    fn errors_carry_the_expression_for_callers_that_match_on_them() {
        let err = ScheduleExpr::parse("rate(1 minutes)").unwrap_err();
        assert_eq!(
            err,
            ScheduleError::Invalid {
                expr: "rate(1 minutes)".into(),
                reason: "use the singular unit 'minute' for a value of 1".into(),
            }
        );
    }

    #[test]
    fn names_and_special_characters_are_case_insensitive() {
        for (lower, upper) in [
            ("cron(0 18 ? jan-mar fri *)", "cron(0 18 ? JAN-MAR FRI *)"),
            ("cron(0 12 lw * ? *)", "cron(0 12 LW * ? *)"),
            ("cron(0 12 15w * ? *)", "cron(0 12 15W * ? *)"),
            ("cron(0 10 ? * 6l *)", "cron(0 10 ? * 6L *)"),
        ] {
            assert_eq!(
                ScheduleExpr::parse(lower),
                ScheduleExpr::parse(upper),
                "{lower}"
            );
        }
    }
}
