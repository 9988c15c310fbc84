//! Property: for random valid AWS cron expressions, the field-by-field search finds exactly
//! the firings a brute-force scan of local minutes finds, in UTC and in zones with DST.
//!
//! The reference below does not share code with the implementation: it renders the generated
//! fields to text (parsed by the crate), and decides matches itself with plain predicates and
//! chrono calendar arithmetic.

use chrono::{DateTime, Datelike, Days, NaiveDate, TimeDelta, TimeZone, Utc, Weekday};
use chrono_tz::Tz;
use proptest::prelude::*;
use sagescale_core::schedule::Schedule;

/// Named so that `cargo test -p sagescale-core schedule` selects these tests.
mod schedule_vs_brute_force {
    use super::*;

    const ZONES: [Tz; 4] = [
        Tz::UTC,
        Tz::America__New_York,
        Tz::Europe__London,
        Tz::Australia__Sydney,
    ];
    const MONTHS: [&str; 12] = [
        "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
    ];
    const WEEKDAYS: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

    /// One comma-separated item of a numeric field.
    #[derive(Debug, Clone)]
    enum Item {
        Star,
        StarStep(u32),
        Value(u32),
        Range(u32, u32),
        ValueStep(u32, u32),
        RangeStep(u32, u32, u32),
    }

    #[derive(Debug, Clone)]
    struct Field {
        min: u32,
        items: Vec<Item>,
        /// Render values as names (JAN, MON) instead of numbers.
        names: Option<&'static [&'static str]>,
    }

    impl Field {
        fn allows(&self, v: u32) -> bool {
            let min = self.min;
            self.items.iter().any(|item| match *item {
                Item::Star => true,
                Item::StarStep(s) => (v - min).is_multiple_of(s),
                Item::Value(a) => v == a,
                Item::Range(a, b) => a <= v && v <= b,
                Item::ValueStep(a, s) => v >= a && (v - a).is_multiple_of(s),
                Item::RangeStep(a, b, s) => a <= v && v <= b && (v - a).is_multiple_of(s),
            })
        }

        fn render(&self) -> String {
            let v = |x: u32| match self.names {
                Some(names) => names[(x - self.min) as usize].to_string(),
                None => x.to_string(),
            };
            let items: Vec<String> = self
                .items
                .iter()
                .map(|item| match *item {
                    Item::Star => "*".to_string(),
                    Item::StarStep(s) => format!("*/{s}"),
                    Item::Value(a) => v(a),
                    Item::Range(a, b) => format!("{}-{}", v(a), v(b)),
                    Item::ValueStep(a, s) => format!("{}/{s}", v(a)),
                    Item::RangeStep(a, b, s) => format!("{}-{}/{s}", v(a), v(b)),
                })
                .collect();
            items.join(",")
        }
    }

    /// The day part: which of day-of-month / day-of-week is given (the other is `?`).
    #[derive(Debug, Clone)]
    enum DayPart {
        MonthDays(Field),
        Last(u32),
        NearestWeekday(u32),
        LastWeekday,
        WeekDays(Field),
        Nth(u32, u32),
        LastOf(u32),
        Saturday,
    }

    #[derive(Debug, Clone)]
    struct Cron {
        minutes: Field,
        hours: Field,
        days: DayPart,
        months: Field,
        years: Field,
    }

    impl Cron {
        fn render(&self) -> String {
            let (dom, dow) = match &self.days {
                DayPart::MonthDays(f) => (f.render(), "?".into()),
                DayPart::Last(0) => ("L".into(), "?".into()),
                DayPart::Last(n) => (format!("L-{n}"), "?".into()),
                DayPart::NearestWeekday(n) => (format!("{n}W"), "?".into()),
                DayPart::LastWeekday => ("LW".into(), "?".into()),
                DayPart::WeekDays(f) => ("?".into(), f.render()),
                DayPart::Nth(w, k) => ("?".into(), format!("{w}#{k}")),
                DayPart::LastOf(w) => ("?".into(), format!("{w}L")),
                DayPart::Saturday => ("?".into(), "L".into()),
            };
            format!(
                "cron({} {} {dom} {} {dow} {})",
                self.minutes.render(),
                self.hours.render(),
                self.months.render(),
                self.years.render()
            )
        }

        fn day_matches(&self, date: NaiveDate) -> bool {
            let weekday = date.weekday().num_days_from_sunday() + 1; // AWS: 1=SUN .. 7=SAT
            let same_month = |d: Option<NaiveDate>| d.is_some_and(|d| d.month() == date.month());
            let is_workday = |d: NaiveDate| !matches!(d.weekday(), Weekday::Sat | Weekday::Sun);
            match &self.days {
                DayPart::MonthDays(f) => f.allows(date.day()),
                // n days later is the last day: still this month, and the day after is not.
                DayPart::Last(n) => {
                    same_month(date.checked_add_days(Days::new(u64::from(*n))))
                        && !same_month(date.checked_add_days(Days::new(u64::from(*n) + 1)))
                }
                // The Mon-Fri day of this month closest to day n (there are never ties).
                DayPart::NearestWeekday(n) => {
                    let Some(target) = date.with_day(*n) else {
                        return false;
                    };
                    let month_days = (1..=31).filter_map(|d| date.with_day(d));
                    let best = month_days
                        .filter(|d| is_workday(*d))
                        .min_by_key(|d| (d.day() as i64 - target.day() as i64).abs());
                    best == Some(date)
                }
                DayPart::LastWeekday => {
                    is_workday(date)
                        && (1..=3).all(|k| {
                            let later = date.checked_add_days(Days::new(k));
                            !same_month(later) || later.is_some_and(|d| !is_workday(d))
                        })
                }
                DayPart::WeekDays(f) => f.allows(weekday),
                DayPart::Nth(w, k) => weekday == *w && (date.day() - 1) / 7 + 1 == *k,
                DayPart::LastOf(w) => {
                    weekday == *w && !same_month(date.checked_add_days(Days::new(7)))
                }
                DayPart::Saturday => weekday == 7,
            }
        }

        /// Brute force: every local minute of every local day in range, mapped to its first
        /// instant (none in a DST gap), kept when in `(t0, t1]`.
        fn firings(&self, tz: Tz, t0: DateTime<Utc>, t1: DateTime<Utc>) -> Vec<DateTime<Utc>> {
            let first = t0.with_timezone(&tz).date_naive().pred_opt().unwrap();
            let last = t1.with_timezone(&tz).date_naive().succ_opt().unwrap();
            let mut out = Vec::new();
            for date in first.iter_days().take_while(|d| *d <= last) {
                if !(self.years.allows(date.year() as u32)
                    && self.months.allows(date.month())
                    && self.day_matches(date))
                {
                    continue;
                }
                for h in (0..24).filter(|h| self.hours.allows(*h)) {
                    for m in (0..60).filter(|m| self.minutes.allows(*m)) {
                        let local = date.and_hms_opt(h, m, 0).unwrap();
                        if let Some(at) = tz.from_local_datetime(&local).earliest() {
                            let at = at.to_utc();
                            if t0 < at && at <= t1 {
                                out.push(at);
                            }
                        }
                    }
                }
            }
            out.sort();
            out
        }
    }

    fn item(min: u32, max: u32) -> impl Strategy<Value = Item> {
        let value = min..=max;
        let pair = (min..=max, min..=max).prop_map(|(a, b)| (a.min(b), a.max(b)));
        let step = 1..=(max - min + 1);
        prop_oneof![
            1 => Just(Item::Star),
            2 => step.clone().prop_map(Item::StarStep),
            4 => value.clone().prop_map(Item::Value),
            2 => pair.clone().prop_map(|(a, b)| Item::Range(a, b)),
            1 => (value, step.clone()).prop_map(|(a, s)| Item::ValueStep(a, s)),
            1 => (pair, step).prop_map(|((a, b), s)| Item::RangeStep(a, b, s)),
        ]
    }

    fn field(
        min: u32,
        max: u32,
        names: Option<&'static [&'static str]>,
    ) -> impl Strategy<Value = Field> {
        (prop::collection::vec(item(min, max), 1..=3), any::<bool>()).prop_map(
            move |(items, named)| Field {
                min,
                items,
                names: names.filter(|_| named),
            },
        )
    }

    fn star(min: u32) -> Field {
        Field {
            min,
            items: vec![Item::Star],
            names: None,
        }
    }

    /// Without steps: day-of-week does not allow `/`.
    fn weekday_field() -> impl Strategy<Value = Field> {
        let item = prop_oneof![
            1 => Just(Item::Star),
            3 => (1u32..=7).prop_map(Item::Value),
            2 => (1u32..=7, 1u32..=7).prop_map(|(a, b)| Item::Range(a.min(b), a.max(b))),
        ];
        (prop::collection::vec(item, 1..=3), any::<bool>()).prop_map(|(items, named)| Field {
            min: 1,
            items,
            names: named.then_some(&WEEKDAYS[..]),
        })
    }

    fn day_part() -> impl Strategy<Value = DayPart> {
        prop_oneof![
            2 => Just(DayPart::MonthDays(star(1))),
            4 => field(1, 31, None).prop_map(DayPart::MonthDays),
            1 => (0u32..=5).prop_map(DayPart::Last),
            1 => (1u32..=31).prop_map(DayPart::NearestWeekday),
            1 => Just(DayPart::LastWeekday),
            3 => weekday_field().prop_map(DayPart::WeekDays),
            1 => (1u32..=7, 1u32..=5).prop_map(|(w, k)| DayPart::Nth(w, k)),
            1 => (1u32..=7).prop_map(DayPart::LastOf),
            1 => Just(DayPart::Saturday),
        ]
    }

    fn cron() -> impl Strategy<Value = Cron> {
        let months = prop_oneof![3 => Just(star(1)), 2 => field(1, 12, Some(&MONTHS[..]))];
        let years = prop_oneof![
            4 => Just(star(1970)),
            1 => (2025u32..=2029, 2026u32..=2030)
                .prop_map(|(a, b)| Field { min: 1970, items: vec![Item::Range(a.min(b), a.max(b))], names: None }),
        ];
        (
            field(0, 59, None),
            field(0, 23, None),
            day_part(),
            months,
            years,
        )
            .prop_map(|(minutes, hours, days, months, years)| Cron {
                minutes,
                hours,
                days,
                months,
                years,
            })
    }

    fn check(
        cron: &Cron,
        tz: Tz,
        t0: DateTime<Utc>,
        t1: DateTime<Utc>,
    ) -> Result<(), TestCaseError> {
        let expr = cron.render();
        let schedule = Schedule::parse(&expr, Some(tz.name()), None, None)
            .map_err(|e| TestCaseError::fail(format!("{expr} rejected: {e}")))?;
        let got: Vec<_> = schedule.firings_in(t0, t1).collect();
        let want = cron.firings(tz, t0, t1);
        if got != want {
            let first_diff = got.iter().zip(&want).position(|(a, b)| a != b);
            return Err(TestCaseError::fail(format!(
                "{expr} in {tz} from {t0}: {} firings, brute force {}; first difference at {first_diff:?}: got {:?} want {:?}",
                got.len(),
                want.len(),
                first_diff.map(|i| got[i]),
                first_diff.map(|i| want[i]),
            )));
        }
        Ok(())
    }

    fn instant(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(seconds, 0).unwrap()
    }

    /// `latest_at_or_before(t)` is the last firing forward iteration finds in `(t0, t]`; when
    /// forward iteration finds none there, it is before `t0` (or there is none), and nothing
    /// fires between it and `t`.
    fn check_latest(
        schedule: &Schedule,
        t0: DateTime<Utc>,
        t: DateTime<Utc>,
    ) -> Result<(), TestCaseError> {
        let latest = schedule.latest_at_or_before(t);
        match schedule.firings_in(t0, t).last() {
            Some(want) => prop_assert_eq!(latest, Some(want), "{:?} at {}", schedule, t),
            None => prop_assert!(
                latest.is_none_or(|l| l <= t0),
                "{:?} at {}: {:?}",
                schedule,
                t,
                latest
            ),
        }
        if let Some(l) = latest {
            prop_assert!(l <= t);
            // It is a firing, and the next one is after `t`.
            prop_assert_eq!(schedule.next_after(l - TimeDelta::nanoseconds(1)), Some(l));
            prop_assert!(schedule.next_after(l).is_none_or(|n| n > t));
        }
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(32))]

        /// A year of firings from a random instant, in each zone.
        #[test]
        fn next_firing_agrees_with_brute_force_over_a_year(
            cron in cron(),
            zone in 0..ZONES.len(),
            // 2026-01-01 .. 2028-01-01, any second.
            start in 1_767_225_600i64..1_830_297_600,
        ) {
            let t0 = instant(start);
            check(&cron, ZONES[zone], t0, t0 + TimeDelta::days(366))?;
        }

        /// Queries that start inside or next to a DST change, where skips and repeats happen.
        #[test]
        fn next_firing_agrees_with_brute_force_around_dst_changes(
            mut cron in cron(),
            every_day in any::<bool>(),
            zone in 1..ZONES.len(),
            change in 0..4usize,
            offset_minutes in -180i64..180,
        ) {
            // 2026 changes: New York Mar 8 / Nov 1, London Mar 29 / Oct 25, Sydney Apr 5 / Oct 4.
            let changes: [[&str; 4]; 3] = [
                ["2026-03-08T07:00:00Z", "2026-11-01T06:00:00Z", "2027-03-14T07:00:00Z", "2027-11-07T06:00:00Z"],
                ["2026-03-29T01:00:00Z", "2026-10-25T01:00:00Z", "2027-03-28T01:00:00Z", "2027-10-31T01:00:00Z"],
                ["2026-04-04T16:00:00Z", "2026-10-03T16:00:00Z", "2027-04-03T16:00:00Z", "2027-10-02T16:00:00Z"],
            ];
            // Make firings inside the skipped or repeated local hour likely (01:00-03:59 covers
            // all three zones), and often on the day of the change itself.
            cron.hours.items.push(Item::Range(1, 3));
            if every_day {
                cron.days = DayPart::MonthDays(star(1));
            }
            let at: DateTime<Utc> = changes[zone - 1][change].parse().unwrap();
            let t0 = at + TimeDelta::minutes(offset_minutes) + TimeDelta::seconds(offset_minutes.rem_euclid(60));
            check(&cron, ZONES[zone], t0, t0 + TimeDelta::days(3))?;
        }

        /// The latest firing at or before a random instant, in each zone, with and without a
        /// StartTime/EndTime window.
        #[test]
        fn latest_firing_agrees_with_forward_iteration(
            cron in cron(),
            zone in 0..ZONES.len(),
            at in 1_767_225_600i64..1_830_297_600,
            window in prop::option::of((-400i64..0, 0i64..400)),
        ) {
            let t = instant(at);
            let (start, end) = match window {
                Some((s, e)) => (Some(t + TimeDelta::days(s)), Some(t + TimeDelta::days(e) - TimeDelta::days(200))),
                None => (None, None),
            };
            let (start, end) = match (start, end) {
                (Some(s), Some(e)) if s > e => (Some(e), Some(s)),
                other => other,
            };
            let expr = cron.render();
            let schedule = Schedule::parse(&expr, Some(ZONES[zone].name()), start, end)
                .map_err(|e| TestCaseError::fail(format!("{expr} rejected: {e}")))?;
            check_latest(&schedule, t - TimeDelta::days(40), t)?;
        }

        /// Around DST changes the local time of an earlier firing can read later than `t`'s
        /// (fall back) or not exist (spring forward).
        #[test]
        fn latest_firing_agrees_with_forward_iteration_around_dst_changes(
            mut cron in cron(),
            zone in 1..ZONES.len(),
            change in 0..4usize,
            offset_minutes in -180i64..180,
            second in 0i64..60,
        ) {
            let changes: [[&str; 4]; 3] = [
                ["2026-03-08T07:00:00Z", "2026-11-01T06:00:00Z", "2027-03-14T07:00:00Z", "2027-11-07T06:00:00Z"],
                ["2026-03-29T01:00:00Z", "2026-10-25T01:00:00Z", "2027-03-28T01:00:00Z", "2027-10-31T01:00:00Z"],
                ["2026-04-04T16:00:00Z", "2026-10-03T16:00:00Z", "2027-04-03T16:00:00Z", "2027-10-02T16:00:00Z"],
            ];
            cron.hours.items.push(Item::Range(1, 3));
            cron.days = DayPart::MonthDays(star(1));
            let at: DateTime<Utc> = changes[zone - 1][change].parse().unwrap();
            let t = at + TimeDelta::minutes(offset_minutes) + TimeDelta::seconds(second);
            let expr = cron.render();
            let schedule = Schedule::parse(&expr, Some(ZONES[zone].name()), None, None)
                .map_err(|e| TestCaseError::fail(format!("{expr} rejected: {e}")))?;
            check_latest(&schedule, t - TimeDelta::days(3), t)?;
        }

        /// `rate()` with and without StartTime, EndTime and anchor; `at()` in a zone.
        #[test]
        fn latest_firing_of_rate_and_at_agrees_with_forward_iteration(
            amount in 1u32..=90,
            unit in 0..3usize,
            at in 1_767_225_600i64..1_830_297_600,
            start in prop::option::of(-5_000_000i64..0),
            end in prop::option::of(-2_000_000i64..2_000_000),
            anchor in prop::option::of(-5_000_000i64..5_000_000),
            once in 0i64..40_000_000,
            zone in 0..ZONES.len(),
        ) {
            let t = instant(at);
            let (singular, plural) = [("minute", "minutes"), ("hour", "hours"), ("day", "days")][unit];
            let expr = if amount == 1 { format!("rate(1 {singular})") } else { format!("rate({amount} {plural})") };
            let start = start.map(|s| t + TimeDelta::seconds(s));
            let end = end.map(|e| t + TimeDelta::seconds(e)).filter(|e| start.is_none_or(|s| s <= *e));
            let mut schedule = Schedule::parse(&expr, None, start, end).unwrap();
            if let Some(a) = anchor {
                schedule = schedule.with_anchor(t + TimeDelta::seconds(a));
            }
            check_latest(&schedule, t - TimeDelta::days(120), t)?;

            let local = (t - TimeDelta::seconds(once - 20_000_000)).naive_utc().format("%Y-%m-%dT%H:%M:%S");
            let schedule = Schedule::parse(&format!("at({local})"), Some(ZONES[zone].name()), None, None).unwrap();
            check_latest(&schedule, t - TimeDelta::days(400), t)?;
        }
    }
}
