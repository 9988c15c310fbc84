//! Text, CSV and JSON renderings of a [`Report`].

use std::fmt::Write as _;

use crate::run::Outcome;
use crate::simulate::Report;

/// The results table as GitHub markdown (also readable in a terminal).
pub fn table(outcomes: &[Outcome]) -> String {
    let mut out = String::from(
        "| policy | instance-hours | cost | requests above capacity | % above | minutes above capacity | scaling actions | p95 utilisation | max instances |\n\
         |---|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for o in outcomes {
        let _ = writeln!(
            out,
            "| {} | {:.1} | {:.2} | {:.0} | {:.3}% | {} | {} | {:.0}% | {} |",
            o.policy,
            o.instance_hours,
            o.cost,
            o.requests_above_capacity,
            o.above_capacity_pct,
            o.minutes_above_capacity,
            o.scaling_actions,
            o.p95_utilization_pct,
            o.max_instances,
        );
    }
    out
}

/// A short description of the trace and the model's settings.
pub fn header(report: &Report) -> String {
    let t = &report.trace;
    let s = &report.settings;
    format!(
        "trace {}: {} .. {} ({} min, {:.0} requests, mean {:.1} req/s, peak tick {:.1} req/s{})\n\
         model: {} req/s per instance, provisioning delay {} s, metric lag {} s, price {}/instance-hour, \
         start {} instances, static {} instances, AAS target {:.0} invocations/instance/min\n",
        t.name,
        t.start.format("%Y-%m-%d %H:%M"),
        t.end.format("%Y-%m-%d %H:%M"),
        t.minutes,
        t.requests,
        t.mean_rps,
        t.peak_rps,
        if t.filled_minutes > 0.0 {
            format!(", {:.0} gap minutes interpolated", t.filled_minutes)
        } else {
            String::new()
        },
        s.capacity_per_instance,
        s.provisioning_delay_seconds,
        s.metric_lag_seconds,
        s.price_per_instance_hour,
        report.initial_capacity,
        report.static_instances,
        report.aas_target_value,
    )
}

/// Per-minute series: `minute,time,demand_rps` then `<policy> capacity_rps`,
/// `<policy> instances` and `<policy> above_capacity` (requests) for each policy that kept
/// its series.
pub fn series_csv(report: &Report) -> String {
    let with: Vec<&Outcome> = report
        .outcomes
        .iter()
        .filter(|o| o.series.is_some())
        .collect();
    let mut out = String::from("minute,time,demand_rps");
    for o in &with {
        let _ = write!(
            out,
            ",{0} capacity_rps,{0} instances",
            o.policy.replace(',', ";")
        );
    }
    out.push('\n');
    let Some(first) = with.first().and_then(|o| o.series.as_ref()) else {
        return out;
    };
    for m in 0..first.demand_rps.len() {
        let at = report.trace.start + chrono::TimeDelta::minutes(m as i64);
        let _ = write!(
            out,
            "{m},{},{:.3}",
            at.format("%Y-%m-%dT%H:%M:%SZ"),
            first.demand_rps[m]
        );
        for o in &with {
            let s = o.series.as_ref().expect("filtered");
            let _ = write!(
                out,
                ",{:.3},{},{:.1}",
                s.capacity_rps[m], s.desired[m], s.above[m]
            );
        }
        out.push('\n');
    }
    out
}

/// Scaling actions, one per line: `time,policy,from,to,cause`.
pub fn actions_csv(report: &Report) -> String {
    let mut out = String::from("time,policy,from,to,cause\n");
    for o in &report.outcomes {
        for a in &o.actions {
            let at = report.trace.start + chrono::TimeDelta::seconds(a.at);
            let _ = writeln!(
                out,
                "{},{},{},{},\"{}\"",
                at.format("%Y-%m-%dT%H:%M:%SZ"),
                o.policy,
                a.from,
                a.to,
                a.cause.replace('"', "'")
            );
        }
    }
    out
}
