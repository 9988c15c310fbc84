//! `timestamp,count`: the format for users' own CloudWatch exports (e.g. the `Sum` of
//! `Invocations` per period). A header line is optional. `timestamp` is RFC 3339
//! (`2024-05-01T12:00:00Z`), `YYYY-MM-DD HH:MM:SS` (UTC) or Unix epoch seconds; rows are
//! sorted and evenly spaced, and `count` is the requests in `[timestamp, next timestamp)`.
//! The spacing is read from the first two rows (60 s when there is one row).

use std::path::Path;

use chrono::{DateTime, Utc};

use super::{TickBuilder, floor_minute};
use crate::SimError;
use crate::trace::Trace;
use crate::trace::azure_functions::csv_error;
use crate::trace::azure_llm::parse_timestamp;

pub fn read_counts_csv(path: &Path) -> Result<Trace, SimError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .trim(csv::Trim::All)
        .from_path(path)
        .map_err(|e| csv_error(path, e))?;
    let mut rows: Vec<(DateTime<Utc>, f64)> = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| csv_error(path, e))?;
        let (ts, count) = (
            record.get(0).unwrap_or_default(),
            record.get(1).unwrap_or_default(),
        );
        let parsed = parse_time(ts).zip(count.parse::<f64>().ok());
        match parsed {
            Some(row) => rows.push(row),
            None if i == 0 => continue, // header
            None => {
                return Err(SimError::parse(
                    path,
                    i + 1,
                    format!("expected timestamp,count; got {ts:?},{count:?}"),
                ));
            }
        }
    }
    let first = rows
        .first()
        .ok_or_else(|| SimError::trace(path, "no rows"))?
        .0;
    let interval = rows
        .get(1)
        .map_or(60.0, |r| (r.0 - first).num_milliseconds() as f64 / 1000.0);
    if interval <= 0.0 {
        return Err(SimError::trace(path, "timestamps must increase"));
    }
    let start = floor_minute(first);
    let mut builder = TickBuilder::new();
    for (i, (at, count)) in rows.iter().enumerate() {
        let offset = (*at - start).num_milliseconds() as f64 / 1000.0;
        if offset < 0.0 {
            return Err(SimError::parse(path, i + 1, "rows are not sorted by time"));
        }
        builder.add(offset, interval, *count);
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    Ok(builder.finish(name, start))
}

fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.to_utc());
    }
    if let Some(t) = parse_timestamp(text) {
        return Some(t.and_utc());
    }
    text.parse::<i64>()
        .ok()
        .and_then(|s| DateTime::from_timestamp(s, 0))
}
