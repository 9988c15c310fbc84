//! Reading a configuration file and printing its problems, shared by every subcommand that
//! takes one (validate, plan, and later apply and simulate): all of them refuse an invalid
//! document with the same messages.

use std::path::Path;
use std::process::ExitCode;

use sagescale_core::model::Document;
use sagescale_core::validate::{Format, Report, Severity, validate_str};

/// Exit code for a file that can't be read.
pub const UNREADABLE: u8 = 2;
/// Exit code for a document with errors.
pub const INVALID: u8 = 1;

/// Reads and validates `path`; YAML or JSON by its extension.
pub fn load(path: &Path) -> std::io::Result<Report> {
    let text = std::fs::read_to_string(path)?;
    Ok(validate_str(&text, Format::from_path(path)))
}

/// Prints `error: FILE: <path>: <message>` / `warning: ...` lines.
pub fn print_problems(file: &Path, report: &Report) {
    for problem in &report.problems {
        let severity = match problem.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        println!("{severity}: {}: {problem}", file.display());
    }
}

/// The valid document in `path`, or the exit code after printing why there is none.
pub fn load_valid(path: &Path) -> Result<Document, ExitCode> {
    let report = match load(path) {
        Ok(report) => report,
        Err(e) => {
            println!("error: {}: cannot read: {e}", path.display());
            return Err(ExitCode::from(UNREADABLE));
        }
    };
    print_problems(path, &report);
    report.document.ok_or(ExitCode::from(INVALID))
}
