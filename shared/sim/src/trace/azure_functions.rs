//! Azure Functions 2019 (InVitro sample): one row per function, `HashFunction,HashApp,
//! HashOwner,minute_1..minute_1440` invocations per minute of one day.

use std::path::Path;

use chrono::{DateTime, Utc};

use super::{TickBuilder, Trace};
use crate::SimError;

/// The sample does not say which day it is; we place it on Monday 2019-07-15 (inside the
/// original two weeks) so daily schedules have a date. Override with `--start`.
pub const AZURE_FUNCTIONS_START: &str = "2019-07-15T00:00:00Z";

/// Which functions make up the demand.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum FunctionSelection {
    /// The sum over every function (the default).
    #[default]
    Sum,
    /// The `n` busiest functions by daily total, summed.
    Busiest(usize),
    /// Rows by zero-based index, summed.
    Indices(Vec<usize>),
    /// Rows by `HashFunction` (a unique prefix is enough), summed.
    Hashes(Vec<String>),
}

fn list(rest: &str) -> impl Iterator<Item = &str> {
    rest.split(',').map(str::trim).filter(|x| !x.is_empty())
}

impl std::str::FromStr for FunctionSelection {
    type Err = String;

    /// `sum`, `busiest:N`, `index:I[,J..]`, `hash:H[,H..]`.
    fn from_str(s: &str) -> Result<Self, String> {
        match s.split_once(':') {
            None if s == "sum" => Ok(FunctionSelection::Sum),
            Some(("busiest", n)) => n
                .parse()
                .map(FunctionSelection::Busiest)
                .map_err(|_| format!("busiest:N needs a number, got {n:?}")),
            Some(("index", rest)) => list(rest)
                .map(|i| i.parse().map_err(|_| format!("not an index: {i:?}")))
                .collect::<Result<_, _>>()
                .map(FunctionSelection::Indices),
            Some(("hash", rest)) => Ok(FunctionSelection::Hashes(
                list(rest).map(str::to_string).collect(),
            )),
            _ => Err(format!(
                "function selection {s:?}: expected sum, busiest:N, index:I[,J..] or hash:H[,H..]"
            )),
        }
    }
}

struct Row {
    hash: String,
    counts: Vec<f64>,
}

pub fn read_azure_functions(path: &Path, selection: &FunctionSelection) -> Result<Trace, SimError> {
    let mut reader = csv::Reader::from_path(path).map_err(|e| csv_error(path, e))?;
    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| csv_error(path, e))?;
        let counts = record
            .iter()
            .skip(3)
            .map(|v| v.parse::<f64>())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| SimError::parse(path, i + 2, e.to_string()))?;
        rows.push(Row {
            hash: record.get(0).unwrap_or_default().to_string(),
            counts,
        });
    }
    let chosen = choose(path, &rows, selection)?;
    let mut builder = TickBuilder::new();
    for row in &chosen {
        for (minute, &count) in row.counts.iter().enumerate() {
            builder.add(minute as f64 * 60.0, 60.0, count);
        }
    }
    let name = match selection {
        FunctionSelection::Sum => "azure-functions (sum of all)".to_string(),
        FunctionSelection::Busiest(n) => format!("azure-functions (busiest {n})"),
        _ => format!("azure-functions ({} selected)", chosen.len()),
    };
    let start: DateTime<Utc> = AZURE_FUNCTIONS_START.parse().expect("constant is RFC 3339");
    Ok(builder.finish(name, start))
}

fn choose<'a>(
    path: &Path,
    rows: &'a [Row],
    selection: &FunctionSelection,
) -> Result<Vec<&'a Row>, SimError> {
    match selection {
        FunctionSelection::Sum => Ok(rows.iter().collect()),
        FunctionSelection::Busiest(n) => {
            let mut by_total: Vec<&Row> = rows.iter().collect();
            let total = |r: &Row| r.counts.iter().sum::<f64>();
            by_total.sort_by(|a, b| total(b).total_cmp(&total(a)));
            by_total.truncate(*n);
            Ok(by_total)
        }
        FunctionSelection::Indices(indices) => indices
            .iter()
            .map(|&i| {
                rows.get(i).ok_or_else(|| {
                    SimError::trace(
                        path,
                        format!("no function at index {i} ({} rows)", rows.len()),
                    )
                })
            })
            .collect(),
        FunctionSelection::Hashes(hashes) => hashes
            .iter()
            .map(|h| {
                let mut found = rows.iter().filter(|r| r.hash.starts_with(h.as_str()));
                match (found.next(), found.next()) {
                    (Some(row), None) => Ok(row),
                    (None, _) => Err(SimError::trace(
                        path,
                        format!("no function hash starts with {h:?}"),
                    )),
                    (Some(_), Some(_)) => Err(SimError::trace(
                        path,
                        format!("hash prefix {h:?} is ambiguous"),
                    )),
                }
            })
            .collect(),
    }
}

pub(super) fn csv_error(path: &Path, e: csv::Error) -> SimError {
    let line = e.position().map_or(0, |p| p.line() as usize);
    SimError::parse(path, line, e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selections_parse() {
        assert_eq!("sum".parse(), Ok(FunctionSelection::Sum));
        assert_eq!("busiest:3".parse(), Ok(FunctionSelection::Busiest(3)));
        assert_eq!(
            "index:0,7".parse(),
            Ok(FunctionSelection::Indices(vec![0, 7]))
        );
        assert_eq!(
            "hash:ab12".parse(),
            Ok(FunctionSelection::Hashes(vec!["ab12".to_string()]))
        );
        assert!("busiest".parse::<FunctionSelection>().is_err());
    }
}
