//! "Instance capacity vs. demand" charts as hand-written SVG: one panel per policy, demand
//! as a grey area, capacity in service as a line, minutes with requests above capacity
//! marked red under the axis. Long traces are drawn at one column per bucket of minutes,
//! with the bucket's highest demand and lowest capacity, so short shortfalls stay visible.

use std::fmt::Write as _;

use crate::run::Series;
use crate::simulate::Report;

const WIDTH: f64 = 1100.0;
const PANEL: f64 = 150.0;
const LEFT: f64 = 60.0;
const RIGHT: f64 = 20.0;
const TOP: f64 = 40.0;
const GAP: f64 = 40.0;
const COLUMNS: usize = 1040;

struct Column {
    demand: f32,
    capacity: f32,
    above: bool,
    /// The bucket's highest load forecast (predictive policies); NaN where none.
    forecast: f32,
}

fn columns(series: &Series, bucket: usize) -> Vec<Column> {
    series
        .demand_rps
        .chunks(bucket)
        .zip(series.capacity_rps.chunks(bucket))
        .zip(series.above.chunks(bucket))
        .enumerate()
        .map(|(i, ((d, c), a))| Column {
            demand: d.iter().copied().fold(0.0, f32::max),
            capacity: c.iter().copied().fold(f32::INFINITY, f32::min),
            above: a.iter().any(|&a| a > 0.0),
            forecast: series
                .forecast_rps
                .iter()
                .skip(i * bucket)
                .take(bucket)
                .copied()
                .filter(|f| f.is_finite())
                .fold(f32::NAN, f32::max),
        })
        .collect()
}

/// A round axis maximum at or above `v`.
fn nice_max(v: f64) -> f64 {
    if v <= 0.0 {
        return 1.0;
    }
    let p = 10f64.powf(v.log10().floor());
    [1.0, 2.0, 2.5, 5.0, 10.0]
        .into_iter()
        .map(|m| m * p)
        .find(|&m| m >= v)
        .unwrap_or(10.0 * p)
}

pub fn chart(report: &Report, title: &str) -> String {
    let panels: Vec<(&str, &Series)> = report
        .outcomes
        .iter()
        .filter_map(|o| o.series.as_ref().map(|s| (o.policy.as_str(), s)))
        .collect();
    let minutes = panels.first().map_or(0, |(_, s)| s.demand_rps.len());
    let bucket = minutes.div_ceil(COLUMNS).max(1);
    let cols: Vec<Vec<Column>> = panels.iter().map(|(_, s)| columns(s, bucket)).collect();
    let ymax = nice_max(
        cols.iter()
            .flatten()
            .map(|c| {
                c.demand.max(if c.capacity.is_finite() {
                    c.capacity
                } else {
                    0.0
                }) as f64
            })
            .fold(0.0, f64::max),
    );
    let height = TOP + panels.len() as f64 * (PANEL + GAP) + 10.0;
    let plot_w = WIDTH - LEFT - RIGHT;
    let n = cols.first().map_or(1, |c| c.len().max(1));
    let x = |i: usize| LEFT + plot_w * i as f64 / n as f64;
    let mut svg = String::new();
    let _ = writeln!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" font-family="sans-serif" font-size="11">"#
    );
    let _ = writeln!(svg, r#"<rect width="100%" height="100%" fill="white"/>"#);
    let _ = writeln!(
        svg,
        r#"<text x="{LEFT}" y="18" font-size="14" font-weight="bold">{}</text>"#,
        escape(title)
    );
    let _ = writeln!(
        svg,
        r##"<text x="{LEFT}" y="32" fill="#555">requests/s; grey: demand (bucket max), blue: capacity in service (bucket min), orange dashes: load forecast of a predictive policy (bucket max), red: minutes with requests above capacity; {} min per column</text>"##,
        bucket
    );
    for (p, ((name, _), cols)) in panels.iter().zip(&cols).enumerate() {
        let top = TOP + p as f64 * (PANEL + GAP) + 14.0;
        let y = |v: f64| top + PANEL - PANEL * (v / ymax).min(1.05);
        let _ = writeln!(
            svg,
            r#"<text x="{LEFT}" y="{:.1}" font-weight="bold">{}</text>"#,
            top - 4.0,
            escape(name)
        );
        // Axes and grid.
        for k in 0..=4 {
            let v = ymax * k as f64 / 4.0;
            let (x2, yv, xl, label) = (WIDTH - RIGHT, y(v), LEFT - 4.0, format_value(v));
            let _ = writeln!(
                svg,
                r##"<line x1="{LEFT}" x2="{x2:.1}" y1="{yv:.1}" y2="{yv:.1}" stroke="#e5e5e5"/><text x="{xl:.1}" y="{:.1}" text-anchor="end">{label}</text>"##,
                yv + 4.0
            );
        }
        // Demand area.
        let mut d = format!("M{:.1},{:.1}", x(0), y(0.0));
        for (i, c) in cols.iter().enumerate() {
            let _ = write!(
                d,
                " L{:.1},{:.1} L{:.1},{:.1}",
                x(i),
                y(c.demand as f64),
                x(i + 1),
                y(c.demand as f64)
            );
        }
        let _ = write!(d, " L{:.1},{:.1} Z", x(cols.len()), y(0.0));
        let _ = writeln!(svg, r##"<path d="{d}" fill="#bbbbbb" stroke="none"/>"##);
        // Capacity line.
        let mut c_path = String::new();
        for (i, c) in cols.iter().enumerate() {
            let v = if c.capacity.is_finite() {
                c.capacity as f64
            } else {
                0.0
            };
            let cmd = if i == 0 { 'M' } else { 'L' };
            let _ = write!(
                c_path,
                "{cmd}{:.1},{:.1} L{:.1},{:.1} ",
                x(i),
                y(v),
                x(i + 1),
                y(v)
            );
        }
        let _ = writeln!(
            svg,
            r##"<path d="{}" fill="none" stroke="#1f5fbf" stroke-width="1.2"/>"##,
            c_path.trim_end()
        );
        // Load forecast (predictive policies), broken where there was none.
        let mut f_path = String::new();
        let mut drawing = false;
        for (i, c) in cols.iter().enumerate() {
            if !c.forecast.is_finite() {
                drawing = false;
                continue;
            }
            let cmd = if drawing { 'L' } else { 'M' };
            drawing = true;
            let v = c.forecast as f64;
            let _ = write!(
                f_path,
                "{cmd}{:.1},{:.1} L{:.1},{:.1} ",
                x(i),
                y(v),
                x(i + 1),
                y(v)
            );
        }
        if !f_path.is_empty() {
            let _ = writeln!(
                svg,
                r##"<path d="{}" fill="none" stroke="#ff7f0e" stroke-width="1" stroke-dasharray="3,2"/>"##,
                f_path.trim_end()
            );
        }
        // Shortfall marks.
        for (i, _) in cols.iter().enumerate().filter(|(_, c)| c.above) {
            let _ = writeln!(
                svg,
                r##"<rect x="{:.1}" y="{:.1}" width="{:.2}" height="5" fill="#d62728"/>"##,
                x(i),
                top + PANEL + 2.0,
                (x(i + 1) - x(i)).max(1.0)
            );
        }
        time_axis(&mut svg, report, minutes, top + PANEL + 18.0, &x, bucket);
    }
    svg.push_str("</svg>\n");
    svg
}

/// Day ticks for traces over two days, hour ticks otherwise.
fn time_axis(
    svg: &mut String,
    report: &Report,
    minutes: usize,
    y: f64,
    x: &dyn Fn(usize) -> f64,
    bucket: usize,
) {
    let step = if minutes > 2 * 1440 {
        1440 * (minutes / 1440 / 12).max(1)
    } else if minutes > 360 {
        180
    } else {
        15
    };
    let start = report.trace.start;
    let mut m = 0;
    while m <= minutes {
        let at = start + chrono::TimeDelta::minutes(m as i64);
        let label = if step >= 1440 {
            at.format("%m-%d").to_string()
        } else {
            at.format("%H:%M").to_string()
        };
        let _ = writeln!(
            svg,
            r##"<text x="{:.1}" y="{y:.1}" text-anchor="middle" fill="#444">{label}</text>"##,
            x(m / bucket)
        );
        m += step;
    }
}

fn format_value(v: f64) -> String {
    if v >= 1000.0 {
        format!("{:.0}k", v / 1000.0)
    } else if v >= 10.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

/// Text made safe inside an SVG element (also used by `sagescale forecast --svg`).
pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
