//! Per-second counts: the Twitter trace's `workload.tbz2` (a bzip2 tar holding one text file of
//! space-separated integers, one per second), read in place, or such a text file on its own.

use std::io::Read;
use std::path::Path;

use chrono::{DateTime, Utc};

use super::{TickBuilder, Trace};
use crate::SimError;

/// The trace counts the Archive Team "twitter-stream-2021-08" collection from its first
/// second; the file carries no timestamps. We assume it starts at 2021-08-01 00:00 UTC (days
/// are aligned to the file start, see its README). Override with `--start`.
pub const TWITTER_START: &str = "2021-08-01T00:00:00Z";

pub fn read_twitter_tbz2(path: &Path) -> Result<Trace, SimError> {
    let file = std::fs::File::open(path).map_err(|e| SimError::io(path, e))?;
    let mut archive = tar::Archive::new(bzip2::read::BzDecoder::new(std::io::BufReader::new(file)));
    let entries = archive.entries().map_err(|e| SimError::io(path, e))?;
    for entry in entries {
        let mut entry = entry.map_err(|e| SimError::io(path, e))?;
        if !entry.header().entry_type().is_file() {
            continue;
        }
        let mut text = String::new();
        entry
            .read_to_string(&mut text)
            .map_err(|e| SimError::io(path, e))?;
        return parse_per_second(path, &text, name_of(path));
    }
    Err(SimError::trace(path, "the archive holds no file"))
}

pub fn read_per_second_text(path: &Path) -> Result<Trace, SimError> {
    let text = std::fs::read_to_string(path).map_err(|e| SimError::io(path, e))?;
    parse_per_second(path, &text, name_of(path))
}

fn name_of(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn parse_per_second(path: &Path, text: &str, name: String) -> Result<Trace, SimError> {
    let mut builder = TickBuilder::new();
    for (second, word) in text.split_ascii_whitespace().enumerate() {
        let count: u64 = word.parse().map_err(|_| {
            SimError::parse(
                path,
                second + 1,
                format!("not a count: {word:?} (value {})", second + 1),
            )
        })?;
        builder.add(second as f64, 1.0, count as f64);
    }
    let start: DateTime<Utc> = TWITTER_START.parse().expect("constant is RFC 3339");
    Ok(builder.finish(name, start))
}
