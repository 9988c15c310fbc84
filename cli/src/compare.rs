//! `sagescale compare RESOURCE [--since DURATION] [--tolerance DURATION] [--output table|json]`:
//! Application Auto Scaling's scaling activities (`DescribeScalingActivities`, every page) next
//! to sagescale's (the table's; for a target in `Mode: dry-run`, the decisions it would have
//! taken) for the same target and window, to judge whether sagescale decides like AAS before
//! `sagescale takeover`.
//!
//! A *decision* is an activity that sets a capacity ("Setting desired instance count to 4.");
//! not-scaled activities are not decisions. Its direction is up or down against the capacity
//! before it: the "from A to B" of AAS's cause when it says so, else the side's previous
//! decision in the window, else unknown (first decision). Matching, greedy in time order:
//!
//! 1. **matched**: an AAS decision and a sagescale decision at most `--tolerance` apart (default
//!    5 minutes: AAS acts on an alarm's evaluation a minute or two after sagescale's pass sees
//!    the same datapoints, and a cooldown is at least that long), with the same target capacity
//!    and the same direction (an unknown direction matches either); the closest in time wins;
//! 2. **capacity differences**: of what is left, an AAS and a sagescale decision within the
//!    tolerance and in a compatible direction, but to different capacities;
//! 3. **only AAS** / **only sagescale**: the rest.
//!
//! Agreement = matched / (matched + differences + only AAS + only sagescale): each pair counts
//! once in the union. No decision at all in the window: no agreement figure.

use std::process::ExitCode;

use anyhow::Context;
use aws_sdk_applicationautoscaling::types::{ScalableDimension, ServiceNamespace};
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use serde_json::json;

use crate::connect::Aws;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Output {
    Table,
    Json,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// ResourceId of the scalable target, e.g. endpoint/my-endpoint/variant/AllTraffic.
    #[arg(value_name = "RESOURCE")]
    target: String,
    /// The window: activities that started at most this long ago (e.g. 90m, 24h, 7d).
    #[arg(long, value_name = "DURATION", default_value = "24h", value_parser = parse_duration)]
    since: Duration,
    /// How far apart two decisions may start and still be the same decision.
    #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = parse_duration)]
    tolerance: Duration,
    #[arg(long, value_enum, default_value_t = Output::Table)]
    output: Output,
}

/// `90s`, `30m`, `24h`, `7d` (a bare number is seconds).
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let (number, unit) = match text.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => text.split_at(i),
        None => (text, "s"),
    };
    let n: i64 = number
        .parse()
        .map_err(|_| format!("'{text}': expected a number with s, m, h or d"))?;
    match unit {
        "s" => Ok(Duration::seconds(n)),
        "m" => Ok(Duration::minutes(n)),
        "h" => Ok(Duration::hours(n)),
        "d" => Ok(Duration::days(n)),
        _ => Err(format!("'{text}': the unit is one of s, m, h, d")),
    }
}

/// One capacity decision of either side.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Decision {
    pub activity_id: String,
    pub start_time: DateTime<Utc>,
    pub capacity: i32,
    /// "out", "in", or absent when unknown.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub direction: Option<&'static str>,
    pub cause: String,
    pub status_code: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Pair {
    pub aas: Decision,
    pub sagescale: Decision,
    /// sagescale's start minus AAS's.
    pub offset_seconds: i64,
}

#[derive(Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Comparison {
    pub matched: Vec<Pair>,
    pub capacity_differences: Vec<Pair>,
    pub aas_only: Vec<Decision>,
    pub sagescale_only: Vec<Decision>,
}

impl Comparison {
    pub fn union(&self) -> usize {
        self.matched.len()
            + self.capacity_differences.len()
            + self.aas_only.len()
            + self.sagescale_only.len()
    }

    /// matched / union; `None` when neither side decided anything.
    pub fn agreement(&self) -> Option<f64> {
        let union = self.union();
        (union > 0).then(|| self.matched.len() as f64 / union as f64)
    }
}

/// "Setting desired instance count to 4." -> 4.
fn capacity_of(description: &str) -> Option<i32> {
    let rest = description.strip_prefix("Setting desired ")?;
    let (_, n) = rest.rsplit_once(" to ")?;
    n.trim_end_matches('.').trim().parse().ok()
}

/// AAS's "... changing the desired capacity from 1 to 2." -> 1.
fn from_of(cause: &str) -> Option<i32> {
    let (_, rest) = cause.rsplit_once(" from ")?;
    let (from, _) = rest.split_once(" to ")?;
    from.trim().parse().ok()
}

/// Raw (id, start, description, cause, status) -> decisions, oldest first, with directions.
pub fn decisions(raw: Vec<(String, DateTime<Utc>, String, String, String)>) -> Vec<Decision> {
    let mut out: Vec<(Decision, Option<i32>)> = raw
        .into_iter()
        .filter_map(|(id, start, description, cause, status)| {
            let capacity = capacity_of(&description)?;
            let from = from_of(&cause);
            Some((
                Decision {
                    activity_id: id,
                    start_time: start,
                    capacity,
                    direction: None,
                    cause,
                    status_code: status,
                },
                from,
            ))
        })
        .collect();
    out.sort_by_key(|(d, _)| d.start_time);
    let mut previous: Option<i32> = None;
    for (d, from) in &mut out {
        let before = from.or(previous);
        d.direction = before.and_then(|b| match d.capacity.cmp(&b) {
            std::cmp::Ordering::Greater => Some("out"),
            std::cmp::Ordering::Less => Some("in"),
            std::cmp::Ordering::Equal => None,
        });
        previous = Some(d.capacity);
    }
    out.into_iter().map(|(d, _)| d).collect()
}

fn compatible(a: &Decision, b: &Decision) -> bool {
    match (a.direction, b.direction) {
        (Some(x), Some(y)) => x == y,
        _ => true,
    }
}

/// The matching described in the module documentation.
pub fn compare(theirs: Vec<Decision>, sagescale: Vec<Decision>, tolerance: Duration) -> Comparison {
    let mut used = vec![false; sagescale.len()];
    let mut left = Vec::new();
    let mut result = Comparison::default();
    for pass in [true, false] {
        let todo = if pass {
            theirs.clone()
        } else {
            std::mem::take(&mut left)
        };
        for a in todo {
            let best = sagescale
                .iter()
                .enumerate()
                .filter(|(i, s)| {
                    !used[*i]
                        && (s.start_time - a.start_time).abs() <= tolerance
                        && compatible(&a, s)
                        && (!pass || s.capacity == a.capacity)
                })
                .min_by_key(|(_, s)| (s.start_time - a.start_time).abs());
            match best {
                Some((i, s)) => {
                    used[i] = true;
                    let pair = Pair {
                        offset_seconds: (s.start_time - a.start_time).num_seconds(),
                        aas: a,
                        sagescale: s.clone(),
                    };
                    if pass {
                        result.matched.push(pair);
                    } else {
                        result.capacity_differences.push(pair);
                    }
                }
                None if pass => left.push(a),
                None => result.aas_only.push(a),
            }
        }
    }
    result.sagescale_only = sagescale
        .into_iter()
        .zip(used)
        .filter(|(_, u)| !u)
        .map(|(s, _)| s)
        .collect();
    result
}

pub fn run(args: &Args, aws: &Aws) -> ExitCode {
    aws.block_on(async {
        let clients = aws.clients().await;
        let rid = &args.target;
        let loaded = clients.store.load(rid).await?.with_context(|| {
            format!(
                "{rid} is not configured in table {} (import and apply it first)",
                aws.table
            )
        })?;
        let dimension = loaded.config.scalable_dimension;
        let now = aws.now()?;
        let since = now - args.since;

        let aas = clients.autoscaling();
        let mut aas_raw = Vec::new();
        let mut next_token = None;
        'pages: loop {
            let page = aas
                .describe_scaling_activities()
                .service_namespace(ServiceNamespace::Sagemaker)
                .resource_id(rid)
                .scalable_dimension(ScalableDimension::from(dimension.as_str()))
                .set_next_token(next_token.take())
                .send()
                .await
                .context("Application Auto Scaling DescribeScalingActivities")?;
            for a in page.scaling_activities() {
                let start =
                    DateTime::from_timestamp(a.start_time().secs(), a.start_time().subsec_nanos())
                        .unwrap_or(now);
                // Newest first: the rest of the pages are older still.
                if start < since {
                    break 'pages;
                }
                aas_raw.push((
                    a.activity_id().to_string(),
                    start,
                    a.description().to_string(),
                    a.cause().to_string(),
                    a.status_code().as_str().to_string(),
                ));
            }
            match page.next_token() {
                Some(t) if !t.is_empty() => next_token = Some(t.to_string()),
                _ => break,
            }
        }
        // The table keeps activities newest first; the window rarely holds more than this.
        let ours = clients.store.activities(rid, 1000).await?;
        let ours_raw = ours
            .into_iter()
            .filter(|a| a.start_time >= since && a.not_scaled_reasons.is_empty())
            .map(|a| {
                (
                    a.activity_id,
                    a.start_time,
                    a.description,
                    a.cause,
                    format!("{:?}", a.status_code),
                )
            })
            .collect();
        let result = compare(decisions(aas_raw), decisions(ours_raw), args.tolerance);
        match args.output {
            Output::Json => println!(
                "{}",
                serde_json::to_string_pretty(&json!({
                    "ResourceId": rid,
                    "Mode": loaded.config.mode,
                    "Since": since,
                    "Until": now,
                    "ToleranceSeconds": args.tolerance.num_seconds(),
                    "Agreement": result.agreement(),
                    "Matched": result.matched,
                    "CapacityDifferences": result.capacity_differences,
                    "OnlyAas": result.aas_only,
                    "OnlySagescale": result.sagescale_only,
                }))?
            ),
            Output::Table => print_table(rid, since, args.tolerance, &result),
        }
        Ok(ExitCode::SUCCESS)
    })
}

fn at(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S").to_string()
}

fn print_table(rid: &str, since: DateTime<Utc>, tolerance: Duration, r: &Comparison) {
    println!(
        "{rid}: since {} UTC, tolerance {}s",
        at(since),
        tolerance.num_seconds()
    );
    match r.agreement() {
        Some(a) => println!(
            "agreement {:.0}% ({} matched of {} decisions)",
            a * 100.0,
            r.matched.len(),
            r.union()
        ),
        None => println!("agreement -: neither side took a decision in the window"),
    }
    println!(
        "{:<20}  {:<9}  {:<20}  {:<9}  RESULT",
        "AAS (UTC)", "CAPACITY", "SAGESCALE (UTC)", "CAPACITY"
    );
    let mut rows: Vec<(DateTime<Utc>, String)> = Vec::new();
    for p in &r.matched {
        rows.push((
            p.aas.start_time,
            format!(
                "{:<20}  {:<9}  {:<20}  {:<9}  matched ({:+}s)",
                at(p.aas.start_time),
                p.aas.capacity,
                at(p.sagescale.start_time),
                p.sagescale.capacity,
                p.offset_seconds
            ),
        ));
    }
    for p in &r.capacity_differences {
        rows.push((
            p.aas.start_time,
            format!(
                "{:<20}  {:<9}  {:<20}  {:<9}  capacity differs ({:+})",
                at(p.aas.start_time),
                p.aas.capacity,
                at(p.sagescale.start_time),
                p.sagescale.capacity,
                p.sagescale.capacity - p.aas.capacity
            ),
        ));
    }
    for a in &r.aas_only {
        rows.push((
            a.start_time,
            format!(
                "{:<20}  {:<9}  {:<20}  {:<9}  only AAS",
                at(a.start_time),
                a.capacity,
                "-",
                "-"
            ),
        ));
    }
    for s in &r.sagescale_only {
        rows.push((
            s.start_time,
            format!(
                "{:<20}  {:<9}  {:<20}  {:<9}  only sagescale",
                "-",
                "-",
                at(s.start_time),
                s.capacity
            ),
        ));
    }
    rows.sort_by_key(|(t, _)| *t);
    for (_, row) in rows {
        println!("{row}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn d(
        minute: i64,
        capacity: i32,
        cause: &str,
    ) -> (String, DateTime<Utc>, String, String, String) {
        let t0 = Utc.with_ymd_and_hms(2026, 12, 1, 12, 0, 0).unwrap();
        (
            format!("id-{minute}-{capacity}"),
            t0 + Duration::minutes(minute),
            format!("Setting desired instance count to {capacity}."),
            cause.to_string(),
            "Successful".to_string(),
        )
    }

    #[test]
    fn matched_differing_and_one_sided_decisions() {
        let aas = decisions(vec![
            d(0, 4, "policy x changing the desired capacity from 2 to 4."),
            d(30, 6, "policy x changing the desired capacity from 4 to 6."),
            d(90, 3, "policy y changing the desired capacity from 6 to 3."),
        ]);
        let ours = decisions(vec![
            d(2, 4, "monitor alarm a"),
            d(31, 7, "monitor alarm a"),
            d(200, 2, "target tracking"),
        ]);
        assert_eq!(aas[1].direction, Some("out"));
        assert_eq!(ours[1].direction, Some("out"));
        let r = compare(aas, ours, Duration::minutes(5));
        assert_eq!(r.matched.len(), 1);
        assert_eq!(r.matched[0].offset_seconds, 120);
        assert_eq!(r.capacity_differences.len(), 1);
        assert_eq!(r.capacity_differences[0].sagescale.capacity, 7);
        assert_eq!(r.aas_only.len(), 1);
        assert_eq!(r.aas_only[0].capacity, 3);
        assert_eq!(r.sagescale_only.len(), 1);
        assert_eq!(r.agreement(), Some(0.25));
    }

    #[test]
    fn opposite_directions_do_not_match_and_nothing_has_no_figure() {
        let aas = decisions(vec![d(
            0,
            4,
            "policy p changing the desired capacity from 6 to 4.",
        )]);
        let ours = decisions(vec![d(-10, 2, "x"), d(1, 4, "x")]);
        // ours: 2 then 4 = out; AAS: 6 -> 4 = in.
        let r = compare(aas, ours, Duration::minutes(5));
        assert!(r.matched.is_empty());
        assert_eq!(r.aas_only.len(), 1);
        assert_eq!(
            compare(vec![], vec![], Duration::minutes(5)).agreement(),
            None
        );
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90m"), Ok(Duration::minutes(90)));
        assert_eq!(parse_duration("7d"), Ok(Duration::days(7)));
        assert_eq!(parse_duration("30"), Ok(Duration::seconds(30)));
        assert!(parse_duration("3w").is_err());
    }
}
