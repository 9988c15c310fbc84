//! The chart of `sagescale forecast --svg`: one panel per predictive policy, the actual load
//! (black) and the forecast load (blue, dashed) per interval on the left scale, the capacity
//! forecast (orange steps) on the right scale, and a line at now.

use std::fmt::Write as _;

use chrono::{DateTime, Duration, Utc};

use sagescale_sim::svg::escape;

use crate::forecast::View;

const WIDTH: f64 = 900.0;
const PANEL: f64 = 220.0;
const LEFT: f64 = 70.0;
const RIGHT: f64 = 60.0;
const TOP: f64 = 40.0;
const GAP: f64 = 60.0;

/// A round upper bound for an axis.
fn axis_max(v: f64) -> f64 {
    if v.is_nan() || v <= 0.0 {
        return 1.0;
    }
    let p = 10f64.powf(v.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * p)
        .find(|m| *m >= v)
        .unwrap_or(10.0 * p)
}

/// A polyline path through the points that have a value (a gap breaks the line).
fn path(points: impl Iterator<Item = Option<(f64, f64)>>) -> String {
    let mut d = String::new();
    let mut pen_down = false;
    for p in points {
        match p {
            Some((x, y)) => {
                let _ = write!(d, "{}{x:.1},{y:.1} ", if pen_down { "L" } else { "M" });
                pen_down = true;
            }
            None => pen_down = false,
        }
    }
    d
}

pub fn chart(target: &str, views: &[View], now: DateTime<Utc>) -> String {
    let height = TOP + views.len() as f64 * (PANEL + GAP);
    let mut svg = String::new();
    let _ = writeln!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" font-family="sans-serif" font-size="11">"#
    );
    let _ = writeln!(svg, r#"<rect width="100%" height="100%" fill="white"/>"#);
    let _ = writeln!(
        svg,
        r#"<text x="{LEFT}" y="18" font-size="14">{} at {}</text>"#,
        escape(target),
        now.format("%Y-%m-%d %H:%M UTC")
    );
    for (n, v) in views.iter().enumerate() {
        panel(&mut svg, v, now, TOP + n as f64 * (PANEL + GAP));
    }
    svg.push_str("</svg>\n");
    svg
}

fn panel(svg: &mut String, v: &View, now: DateTime<Utc>, top: f64) {
    let (Some(first), Some(last)) = (v.rows.first(), v.rows.last()) else {
        return;
    };
    let step = Duration::seconds(v.interval_seconds.into());
    let (t0, t1) = (first.start, last.start + step);
    let span = (t1 - t0).num_seconds().max(1) as f64;
    let plot = WIDTH - LEFT - RIGHT;
    let x = |t: DateTime<Utc>| LEFT + (t - t0).num_seconds() as f64 / span * plot;
    let load_max = axis_max(
        v.rows
            .iter()
            .flat_map(|r| [r.actual, r.load])
            .flatten()
            .fold(0.0, f64::max),
    );
    let cap_max = axis_max(v.rows.iter().filter_map(|r| r.capacity).max().unwrap_or(0) as f64);
    let y = |value: f64, max: f64| top + PANEL - value / max * PANEL;
    let bottom = top + PANEL;
    let _ = writeln!(
        svg,
        r#"<text x="{LEFT}" y="{:.1}">policy {} ({}): actual load (black), forecast load (blue, dashed), capacity forecast (orange, right scale)</text>"#,
        top - 8.0,
        escape(&v.policy),
        v.mode
    );
    let _ = writeln!(
        svg,
        r##"<rect x="{LEFT}" y="{top:.1}" width="{plot:.1}" height="{PANEL}" fill="none" stroke="#999"/>"##
    );
    for (value, anchor, at, max) in [
        (load_max, "end", LEFT - 4.0, load_max),
        (cap_max, "start", WIDTH - RIGHT + 4.0, cap_max),
    ] {
        let _ = writeln!(
            svg,
            r#"<text x="{at:.1}" y="{:.1}" text-anchor="{anchor}">{value}</text><text x="{at:.1}" y="{bottom:.1}" text-anchor="{anchor}">0</text>"#,
            y(max, max) + 10.0
        );
    }
    let mid = |r: &crate::forecast::Row| x(r.start + step / 2);
    let actual = path(
        v.rows
            .iter()
            .map(|r| r.actual.map(|a| (mid(r), y(a, load_max)))),
    );
    let load = path(
        v.rows
            .iter()
            .map(|r| r.load.map(|l| (mid(r), y(l, load_max)))),
    );
    let mut steps = Vec::new();
    for r in &v.rows {
        match r.capacity {
            Some(c) => {
                let cy = y(c as f64, cap_max);
                steps.push(Some((x(r.start), cy)));
                steps.push(Some((x(r.start + step), cy)));
            }
            None => steps.push(None),
        }
    }
    let capacity = path(steps.into_iter());
    let _ = writeln!(
        svg,
        r##"<path d="{capacity}" fill="none" stroke="#e67e00" stroke-width="2"/>"##
    );
    let _ = writeln!(
        svg,
        r##"<path d="{load}" fill="none" stroke="#1f5fbf" stroke-width="1.5" stroke-dasharray="5,3"/>"##
    );
    let _ = writeln!(
        svg,
        r##"<path d="{actual}" fill="none" stroke="#000" stroke-width="1.5"/>"##
    );
    if (t0..t1).contains(&now) {
        let nx = x(now);
        let _ = writeln!(
            svg,
            r##"<line x1="{nx:.1}" y1="{top:.1}" x2="{nx:.1}" y2="{bottom:.1}" stroke="#c00" stroke-dasharray="2,2"/><text x="{nx:.1}" y="{:.1}" fill="#c00" text-anchor="middle">now</text>"##,
            bottom + 24.0
        );
    }
    for (t, anchor) in [(t0, "start"), (t1, "end")] {
        let _ = writeln!(
            svg,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="{anchor}">{}</text>"#,
            x(t),
            bottom + 12.0,
            t.format("%m-%d %H:%M")
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axes_round_up_and_gaps_break_lines() {
        assert_eq!(axis_max(0.0), 1.0);
        assert_eq!(axis_max(730.0), 1000.0);
        assert_eq!(axis_max(10.0), 10.0);
        assert_eq!(axis_max(11.0), 20.0);
        let d = path([Some((1.0, 2.0)), Some((3.0, 4.0)), None, Some((5.0, 6.0))].into_iter());
        assert_eq!(d, "M1.0,2.0 L3.0,4.0 M5.0,6.0 ");
    }
}
