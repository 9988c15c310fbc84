//! `sagescale activities TARGET [--max N] [--output table|json]`: the target's scaling
//! activities, newest first. `--output json` prints `{"ScalingActivities": [...]}`, the shape of
//! `aws application-autoscaling describe-scaling-activities`.

use std::process::ExitCode;

use sagescale_core::activity::ScalingActivity;

use crate::connect::Aws;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Output {
    Table,
    Json,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// ResourceId of the scalable target, e.g. endpoint/my-endpoint/variant/AllTraffic.
    #[arg(value_name = "TARGET")]
    target: String,
    /// At most this many activities.
    #[arg(long, value_name = "N", default_value_t = 50)]
    max: i32,
    #[arg(long, value_enum, default_value_t = Output::Table)]
    output: Output,
}

pub fn run(args: &Args, aws: &Aws) -> ExitCode {
    aws.block_on(async {
        let clients = aws.clients().await;
        // Said as `status` and `suspend` say it, rather than "no scaling activities".
        if clients.store.load(&args.target).await?.is_none() {
            anyhow::bail!("{} is not configured in table {}", args.target, aws.table);
        }
        let activities = clients.store.activities(&args.target, args.max).await?;
        match args.output {
            Output::Json => println!(
                "{}",
                serde_json::to_string_pretty(
                    &serde_json::json!({ "ScalingActivities": activities })
                )?
            ),
            Output::Table => print_table(&args.target, &activities),
        }
        Ok(ExitCode::SUCCESS)
    })
}

fn print_table(target: &str, activities: &[ScalingActivity]) {
    print!("{}", render_table(target, activities, table_width()));
}

/// The width the table keeps to: the terminal's when stdout is one, else [`DEFAULT_WIDTH`]
/// (pipes, files, the demo's transcript), never under [`MIN_WIDTH`].
fn table_width() -> usize {
    use std::io::IsTerminal;
    let width = if std::io::stdout().is_terminal() {
        terminal_columns()
            .or_else(|| std::env::var("COLUMNS").ok()?.parse().ok())
            .unwrap_or(DEFAULT_WIDTH)
    } else {
        DEFAULT_WIDTH
    };
    width.max(MIN_WIDTH)
}

const DEFAULT_WIDTH: usize = 100;
const MIN_WIDTH: usize = 60;

#[cfg(any(target_os = "linux", target_os = "macos"))]
fn terminal_columns() -> Option<usize> {
    #[repr(C)]
    struct Winsize {
        rows: u16,
        cols: u16,
        xpixel: u16,
        ypixel: u16,
    }
    unsafe extern "C" {
        fn ioctl(fd: i32, request: std::ffi::c_ulong, ...) -> i32;
    }
    #[cfg(target_os = "linux")]
    const TIOCGWINSZ: std::ffi::c_ulong = 0x5413;
    #[cfg(target_os = "macos")]
    const TIOCGWINSZ: std::ffi::c_ulong = 0x4008_7468;
    let mut ws = Winsize {
        rows: 0,
        cols: 0,
        xpixel: 0,
        ypixel: 0,
    };
    // SAFETY: TIOCGWINSZ on stdout writes one winsize into `ws`, which outlives the call.
    let rc = unsafe { ioctl(1, TIOCGWINSZ, &mut ws as *mut Winsize) };
    (rc == 0 && ws.cols > 0).then_some(ws.cols as usize)
}

#[cfg(not(any(target_os = "linux", target_os = "macos")))]
fn terminal_columns() -> Option<usize> {
    None
}

/// START and STATUS columns, then the description with the cause, the status message and the
/// not-scaled reasons under it, each wrapped to `width` (continuation lines indented two more),
/// so that no line overflows and the columns stay aligned whatever the messages' length.
fn render_table(target: &str, activities: &[ScalingActivity], width: usize) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    if activities.is_empty() {
        let _ = writeln!(out, "{target}: no scaling activities");
        return out;
    }
    let indent = " ".repeat(TEXT_COLUMN);
    let _ = writeln!(
        out,
        "{:<20}  {:<11}  DESCRIPTION, CAUSE, STATUS MESSAGE",
        "START (UTC)", "STATUS"
    );
    for a in activities {
        let mut items = vec![a.description.clone(), format!("cause: {}", a.cause)];
        items.extend(a.status_message.clone());
        items.extend(
            a.not_scaled_reasons
                .iter()
                .map(|r| format!("not scaled: {}", r.code)),
        );
        let mut first = true;
        for item in &items {
            for line in wrap(item, width.saturating_sub(TEXT_COLUMN).max(20)) {
                if first {
                    let _ = writeln!(
                        out,
                        "{:<20}  {:<11}  {line}",
                        a.start_time.format("%Y-%m-%d %H:%M:%S"),
                        format!("{:?}", a.status_code),
                    );
                    first = false;
                } else {
                    let _ = writeln!(out, "{indent}{line}");
                }
            }
        }
    }
    out
}

/// Where the description column starts: START (20), STATUS (11), two spaces after each.
const TEXT_COLUMN: usize = 20 + 2 + 11 + 2;

/// `text` in lines of at most `width` characters, broken at spaces (a word longer than a line
/// is cut); every line after the first is indented by two spaces, within the width.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    let mut len = 0;
    for word in text.split_whitespace() {
        let mut word: Vec<char> = word.chars().collect();
        loop {
            let room = if lines.is_empty() {
                width
            } else {
                width.saturating_sub(2)
            }
            .max(1);
            let sep = usize::from(len > 0);
            if len + sep + word.len() <= room {
                if sep == 1 {
                    line.push(' ');
                }
                line.extend(word.iter());
                len += sep + word.len();
                break;
            }
            if len > 0 {
                lines.push(std::mem::take(&mut line));
                len = 0;
                continue;
            }
            // A word longer than a whole line: cut it.
            let rest = word.split_off(room);
            lines.push(word.iter().collect());
            word = rest;
        }
    }
    if len > 0 || lines.is_empty() {
        lines.push(line);
    }
    for l in lines.iter_mut().skip(1) {
        l.insert_str(0, "  ");
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use sagescale_core::activity::{NotScaledCode, NotScaledReason, StatusCode};
    use sagescale_core::model::{ScalableDimension, ServiceNamespace};

    fn activity(status: StatusCode, message: &str) -> ScalingActivity {
        ScalingActivity {
            activity_id: "a".into(),
            service_namespace: ServiceNamespace::SageMaker,
            resource_id: "endpoint/e/variant/AllTraffic".into(),
            scalable_dimension: ScalableDimension::VariantDesiredInstanceCount,
            description: "Setting min capacity to 50 and max capacity to 60.".into(),
            cause: "monitor alarm my-model-endpoint-invocations-low in state ALARM triggered \
                    policy idle-steps"
                .into(),
            start_time: "2026-12-04T23:00:00Z".parse().unwrap(),
            end_time: None,
            status_code: status,
            status_message: Some(message.into()),
            details: None,
            not_scaled_reasons: vec![NotScaledReason {
                code: NotScaledCode::ScaleInCooldown,
                max_capacity: None,
                min_capacity: None,
                current_capacity: None,
            }],
        }
    }

    #[test]
    fn long_unfulfilled_messages_wrap_within_the_width_under_the_description_column() {
        let long = format!(
            "Failed to set desired instance count to 12. {} ARN \
             arn:aws:sagemaker:us-east-1:123456789012:endpoint/{}",
            "The endpoint is being updated; SageMaker refused the change. ".repeat(4),
            "x".repeat(120)
        );
        let acts = [
            activity(StatusCode::Unfulfilled, &long),
            activity(StatusCode::Successful, "ok"),
        ];
        for width in [100, 80, 160] {
            let table = render_table("t", &acts, width);
            for line in table.lines() {
                assert!(line.chars().count() <= width, "{width}: {line:?}\n{table}");
            }
            let rows: Vec<&str> = table.lines().filter(|l| l.starts_with("2026-")).collect();
            assert_eq!(rows.len(), 2, "{table}");
            for l in table.lines().skip(1).filter(|l| !l.starts_with("2026-")) {
                assert!(l.starts_with(&" ".repeat(TEXT_COLUMN)), "{l:?}\n{table}");
            }
            // Every word of the message is there, in order, once the lines are joined.
            let joined: Vec<&str> = table.split_whitespace().collect::<Vec<_>>();
            assert!(
                joined.windows(2).any(|w| w == ["SageMaker", "refused"]),
                "{table}"
            );
            assert!(table.contains("Unfulfilled"), "{table}");
            assert!(table.contains("not scaled: ScaleInCooldown"), "{table}");
        }
    }

    #[test]
    fn wrap_breaks_at_spaces_indents_continuations_and_cuts_overlong_words() {
        assert_eq!(wrap("a bb ccc", 4), ["a bb", "  cc", "  c"]);
        assert_eq!(wrap("short", 10), ["short"]);
        assert_eq!(wrap("", 10), [""]);
        assert_eq!(wrap("abcdefghij", 4), ["abcd", "  ef", "  gh", "  ij"]);
    }
}
