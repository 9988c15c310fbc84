//! The time zones of scheduled actions (`Zone`, the bundled IANA database) against chrono-tz,
//! an independent reading of the same database that the core used before: the same names,
//! the same offsets and the same DST gaps and overlaps.

use chrono::{DateTime, LocalResult, NaiveDate, Offset, TimeDelta, TimeZone, Utc};
use chrono_tz::Tz;
use sagescale_core::schedule::{ScheduleError, Zone, parse_time_zone};

/// Named so that `cargo test -p sagescale-core schedule` selects these tests.
mod schedule_zones {
    use super::*;

    /// DST at ±1 h, a half-hour DST shift (Lord Howe), a 45-minute offset (Chatham), no DST
    /// (Kolkata), the southern hemisphere and a zone whose DST rules were dropped (São Paulo).
    const ZONES: [&str; 8] = [
        "UTC",
        "America/New_York",
        "Europe/London",
        "Australia/Sydney",
        "Australia/Lord_Howe",
        "Pacific/Chatham",
        "Asia/Kolkata",
        "America/Sao_Paulo",
    ];

    fn zone(name: &str) -> Zone {
        Zone::named(name).unwrap_or_else(|| panic!("{name} not found"))
    }

    /// Years both databases agree on (a newer release may revise recent or future years).
    fn instants() -> impl Iterator<Item = DateTime<Utc>> {
        let start = Utc.with_ymd_and_hms(2000, 1, 1, 0, 0, 0).unwrap();
        (0..25 * 365 * 4).map(move |i| start + TimeDelta::hours(6 * i))
    }

    #[test]
    fn every_zone_name_chrono_tz_accepts_is_accepted_under_the_same_name() {
        for tz in chrono_tz::TZ_VARIANTS {
            let found = Zone::named(tz.name());
            assert_eq!(
                found.map(|z| z.name().to_string()),
                Some(tz.name().to_string())
            );
        }
    }

    #[test]
    fn names_are_exact_and_unknown_ones_are_rejected() {
        assert_eq!(zone("US/Eastern").name(), "US/Eastern");
        for name in [
            "america/new_york",
            "AMERICA/NEW_YORK",
            "utc",
            "Mars/Olympus",
            "",
            "EST5",
        ] {
            assert!(Zone::named(name).is_none(), "{name:?} was accepted");
            assert_eq!(
                parse_time_zone(name).err(),
                Some(ScheduleError::UnknownTimeZone(name.to_string()))
            );
        }
    }

    #[test]
    fn offsets_agree_with_chrono_tz() {
        for name in ZONES {
            let (ours, theirs) = (zone(name), name.parse::<Tz>().unwrap());
            for at in instants() {
                assert_eq!(
                    at.with_timezone(&ours).offset().fix(),
                    at.with_timezone(&theirs).offset().fix(),
                    "{name} at {at}"
                );
            }
        }
    }

    #[test]
    fn local_times_resolve_like_chrono_tz_in_gaps_and_overlaps() {
        let as_utc = |r: LocalResult<DateTime<Utc>>| match r {
            LocalResult::Single(a) => vec![a],
            LocalResult::Ambiguous(a, b) => vec![a, b],
            LocalResult::None => vec![],
        };
        for name in ZONES {
            let (ours, theirs) = (zone(name), name.parse::<Tz>().unwrap());
            let mut changes = 0;
            // Every quarter hour of the years 2017 to 2021 (São Paulo dropped DST in 2019), read as a wall-clock time.
            let start = NaiveDate::from_ymd_opt(2017, 1, 1)
                .unwrap()
                .and_hms_opt(0, 0, 0)
                .unwrap();
            for i in 0..5 * 365 * 96 {
                let local = start + TimeDelta::minutes(15 * i);
                let got = as_utc(ours.from_local_datetime(&local).map(|t| t.to_utc()));
                let want = as_utc(theirs.from_local_datetime(&local).map(|t| t.to_utc()));
                assert_eq!(got, want, "{name} at local {local}");
                changes += usize::from(got.len() != 1);
            }
            // The zones with DST really went through gaps and overlaps.
            let has_dst = !matches!(name, "UTC" | "Asia/Kolkata");
            assert_eq!(
                changes > 0,
                has_dst,
                "{name}: {changes} gap or overlap quarter hours"
            );
        }
    }

    #[test]
    fn percent_z_prints_the_abbreviation_in_force() {
        let new_york = zone("America/New_York");
        let at = |m, d| Utc.with_ymd_and_hms(2026, m, d, 17, 0, 0).unwrap();
        let print = |t: DateTime<Utc>| t.with_timezone(&new_york).format("%H:%M %Z").to_string();
        assert_eq!(print(at(1, 15)), "12:00 EST");
        assert_eq!(print(at(7, 15)), "13:00 EDT");
        assert_eq!(new_york.to_string(), "America/New_York");
    }
}
