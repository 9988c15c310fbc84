//! Azure LLM inference trace 2023: one row per request, `TIMESTAMP,ContextTokens,
//! GeneratedTokens`, timestamps `YYYY-MM-DD HH:MM:SS.fffffff` (7 fractional digits, which
//! chrono's `%.f` accepts up to 9).

use std::path::Path;

use chrono::NaiveDateTime;

use super::{TickBuilder, floor_minute};
use crate::SimError;
use crate::trace::Trace;
use crate::trace::azure_functions::csv_error;

pub fn read_azure_llm(path: &Path) -> Result<Trace, SimError> {
    let mut reader = csv::Reader::from_path(path).map_err(|e| csv_error(path, e))?;
    let mut builder = TickBuilder::new();
    let mut start = None;
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| csv_error(path, e))?;
        let text = record.get(0).unwrap_or_default();
        let at = parse_timestamp(text)
            .ok_or_else(|| SimError::parse(path, i + 2, format!("bad TIMESTAMP {text:?}")))?
            .and_utc();
        let start = *start.get_or_insert_with(|| floor_minute(at));
        let offset = (at - start).num_milliseconds() as f64 / 1000.0;
        if offset < 0.0 {
            return Err(SimError::parse(path, i + 2, "rows are not sorted by time"));
        }
        builder.add(offset, 0.0, 1.0);
    }
    let start = start.ok_or_else(|| SimError::trace(path, "no requests"))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    Ok(builder.finish(name, start))
}

pub(crate) fn parse_timestamp(text: &str) -> Option<NaiveDateTime> {
    NaiveDateTime::parse_from_str(text.trim(), "%Y-%m-%d %H:%M:%S%.f").ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seven_fractional_digits_parse() {
        let t = parse_timestamp("2023-11-16 18:17:03.9799600").unwrap();
        assert_eq!(t.and_utc().timestamp_subsec_micros(), 979_960);
    }
}
