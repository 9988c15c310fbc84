//! An IANA time zone, as a chrono [`TimeZone`], read from the copy of the IANA tz database
//! compiled into the binary (jiff's bundled database).
//!
//! Why not chrono-tz, which did this before: its zones are Rust tables of pointers, and a
//! position-independent executable has the dynamic loader patch every one of them (29,400
//! relocations) at each start, before `main`, in a Lambda function that may never read a time
//! zone. The bundled database is one byte blob with a small index (about 1,100 relocations in
//! all), and a zone is parsed from it on first lookup (about 30 µs).
//!
//! Nothing is read from the system (`/usr/share/zoneinfo`): the answer does not depend on what
//! the Lambda runtime image ships, as with chrono-tz. Names are matched case-sensitively, as
//! chrono-tz did, though the database itself would accept any case.

use std::fmt;

use chrono::{Datelike, NaiveTime};
use chrono::{FixedOffset, LocalResult, NaiveDate, NaiveDateTime, Offset, TimeZone, Timelike};
use jiff::tz::{AmbiguousOffset, TimeZoneDatabase};

/// An IANA time zone. Cheap to clone (the parsed zone is shared).
#[derive(Clone, PartialEq)]
pub struct Zone(jiff::tz::TimeZone);

impl Zone {
    /// Coordinated Universal Time, AAS's default.
    pub fn utc() -> Zone {
        Zone(jiff::tz::TimeZone::UTC)
    }

    /// The zone of an IANA name (`America/New_York`, `UTC`, a link such as `US/Eastern`), or
    /// `None` when the database has no zone of exactly that name.
    pub fn named(name: &str) -> Option<Zone> {
        let zone = TimeZoneDatabase::bundled().get(name).ok()?;
        (zone.iana_name() == Some(name)).then_some(Zone(zone))
    }

    /// The IANA name it was looked up by.
    pub fn name(&self) -> &str {
        self.0.iana_name().unwrap_or("UTC")
    }

    fn offset_at(&self, at: jiff::Timestamp) -> ZoneOffset {
        ZoneOffset {
            zone: self.clone(),
            at,
            fixed: fixed(self.0.to_offset(at)),
        }
    }
}

impl fmt::Display for Zone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl fmt::Debug for Zone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Zone({})", self.name())
    }
}

/// The offset of a [`Zone`] at one instant: displays as the zone's abbreviation there (`EST`,
/// `EDT`), which `%Z` prints.
#[derive(Clone)]
pub struct ZoneOffset {
    zone: Zone,
    at: jiff::Timestamp,
    fixed: FixedOffset,
}

impl Offset for ZoneOffset {
    fn fix(&self) -> FixedOffset {
        self.fixed
    }
}

impl fmt::Display for ZoneOffset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.zone.0.to_offset_info(self.at).abbreviation())
    }
}

impl fmt::Debug for ZoneOffset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self}{:?}", self.fixed)
    }
}

impl TimeZone for Zone {
    type Offset = ZoneOffset;

    fn from_offset(offset: &ZoneOffset) -> Zone {
        offset.zone.clone()
    }

    fn offset_from_local_date(&self, local: &NaiveDate) -> LocalResult<ZoneOffset> {
        self.offset_from_local_datetime(&local.and_time(NaiveTime::MIN))
    }

    /// A local time in a spring-forward gap has no offset; one repeated by a fall-back change
    /// has two, the earlier instant (the offset before the change) first.
    fn offset_from_local_datetime(&self, local: &NaiveDateTime) -> LocalResult<ZoneOffset> {
        let Some(civil) = civil(local) else {
            return LocalResult::None;
        };
        let at = |offset: jiff::tz::Offset| {
            let utc = local.checked_sub_offset(fixed(offset))?;
            Some(self.offset_at(timestamp(&utc)))
        };
        match self.0.to_ambiguous_timestamp(civil).offset() {
            AmbiguousOffset::Unambiguous { offset } => {
                at(offset).map_or(LocalResult::None, LocalResult::Single)
            }
            AmbiguousOffset::Gap { .. } => LocalResult::None,
            AmbiguousOffset::Fold { before, after } => match (at(before), at(after)) {
                (Some(first), Some(second)) => LocalResult::Ambiguous(first, second),
                _ => LocalResult::None,
            },
        }
    }

    fn offset_from_utc_date(&self, utc: &NaiveDate) -> ZoneOffset {
        self.offset_from_utc_datetime(&utc.and_time(NaiveTime::MIN))
    }

    fn offset_from_utc_datetime(&self, utc: &NaiveDateTime) -> ZoneOffset {
        self.offset_at(timestamp(utc))
    }
}

fn fixed(offset: jiff::tz::Offset) -> FixedOffset {
    // jiff's offsets are within ±25:59:59, chrono's within ±23:59:59; no zone comes near.
    FixedOffset::east_opt(offset.seconds()).unwrap_or(FixedOffset::east_opt(0).expect("zero"))
}

/// The instant of a UTC date-time, clamped to jiff's range (years -9999 to 9999): far outside
/// it only a zone's last rule applies anyway.
fn timestamp(utc: &NaiveDateTime) -> jiff::Timestamp {
    let utc = utc.and_utc();
    jiff::Timestamp::new(utc.timestamp(), utc.timestamp_subsec_nanos() as i32).unwrap_or(
        if utc.timestamp() < 0 {
            jiff::Timestamp::MIN
        } else {
            jiff::Timestamp::MAX
        },
    )
}

/// The same wall-clock time in jiff's terms, `None` outside its years -9999 to 9999.
fn civil(local: &NaiveDateTime) -> Option<jiff::civil::DateTime> {
    jiff::civil::DateTime::new(
        i16::try_from(local.year()).ok()?,
        local.month() as i8,
        local.day() as i8,
        local.hour() as i8,
        local.minute() as i8,
        local.second() as i8,
        local.nanosecond() as i32,
    )
    .ok()
}
