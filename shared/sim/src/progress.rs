//! Progress bars on stderr for long runs; indicatif hides them when stderr is not a terminal,
//! so scripts and CI logs stay clean.

use indicatif::{ProgressBar, ProgressStyle};

/// A bar of `len` steps.
pub fn bar(len: u64, label: &str) -> ProgressBar {
    let bar = ProgressBar::new(len);
    bar.set_style(
        ProgressStyle::with_template("{prefix} [{bar:40}] {pos}/{len} {msg} ({elapsed})")
            .expect("constant template")
            .progress_chars("=> "),
    );
    bar.set_prefix(label.to_string());
    bar
}

/// A spinner for a step of unknown length (reading a trace).
pub fn spinner(message: &str) -> ProgressBar {
    let spinner = ProgressBar::new_spinner();
    spinner.set_message(message.to_string());
    spinner.enable_steady_tick(std::time::Duration::from_millis(120));
    spinner
}
