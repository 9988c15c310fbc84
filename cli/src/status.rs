//! `sagescale status [TARGET]`: for each configured target (or one), its bounds as configured
//! and as scheduled actions left them, the endpoint's desired/current count and status,
//! cooldowns remaining, alarms in ALARM, the pending change, each predictive policy's forecast
//! (mode, age, floor now) and the next scheduled actions.

use std::process::ExitCode;

use chrono::{DateTime, Utc};
use sagescale_aws::sagemaker::{Endpoints, Resource};
use sagescale_aws::store::Loaded;
use sagescale_core::decide::Bounds;
use sagescale_core::schedule::Schedule;

use crate::connect::{Aws, Clients};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// ResourceId of one scalable target (default: every configured target).
    #[arg(value_name = "TARGET")]
    target: Option<String>,
}

pub fn run(args: &Args, aws: &Aws) -> ExitCode {
    aws.block_on(async {
        let clients = aws.clients().await;
        let targets = match &args.target {
            Some(t) => vec![t.clone()],
            None => clients.store.list_targets().await?,
        };
        if targets.is_empty() {
            println!("no targets configured in table {}", aws.table);
        }
        let now = aws.now()?;
        let mut code = ExitCode::SUCCESS;
        for rid in &targets {
            match clients.store.load(rid).await? {
                Some(loaded) => print_target(&clients, &loaded, now).await,
                None => {
                    println!("error: {rid} is not configured in table {}", aws.table);
                    code = ExitCode::from(1);
                }
            }
        }
        Ok(code)
    })
}

fn secs_left(until: DateTime<Utc>, now: DateTime<Utc>) -> Option<i64> {
    (until > now).then(|| (until - now).num_seconds().max(1))
}

async fn print_target(clients: &Clients, loaded: &Loaded, now: DateTime<Utc>) {
    let (config, state) = (&loaded.config, &loaded.state);
    println!("{}", config.resource_id);
    let configured = Bounds {
        min: config.min_capacity,
        max: config.max_capacity,
    };
    let effective = state.effective_bounds(configured);
    println!(
        "  mode        {:?}, configuration version {}{}",
        config.mode,
        loaded.config_version,
        loaded
            .applied_at
            .map(|t| format!(", applied {}", t.format("%Y-%m-%d %H:%M:%S UTC")))
            .unwrap_or_default()
    );
    println!(
        "  bounds      configured [{}, {}], effective [{}, {}]",
        configured.min, configured.max, effective.min, effective.max
    );
    let endpoint = match Resource::parse(&config.resource_id) {
        Some(resource) => match clients.sagemaker().describe(&resource).await {
            Ok(v) => format!(
                "{}, desired {}, current {}{}",
                v.status,
                v.desired,
                v.current,
                v.endpoint_config
                    .map(|c| format!(", configuration {c}"))
                    .unwrap_or_default()
            ),
            Err(e) => format!("unavailable ({e})"),
        },
        None => "not a SageMaker resource".to_string(),
    };
    println!("  endpoint    {endpoint}");
    if let Some(m) = &state.missing_variant {
        println!(
            "  deployment  variant missing since {}: configuration {} has [{}]; not scaled",
            m.since.format("%Y-%m-%d %H:%M:%S UTC"),
            m.endpoint_config.as_deref().unwrap_or("unknown"),
            m.variants.join(", ")
        );
    } else if let Some(n) = state.last_set {
        println!(
            "  deployment  holds {n} across endpoint updates (configuration {})",
            state.endpoint_config.as_deref().unwrap_or("not seen yet")
        );
    }

    let mut cooldowns = Vec::new();
    if let Some(c) = state.cooldown.scale_out
        && let Some(left) = secs_left(c.until, now)
    {
        cooldowns.push(format!(
            "scale-out {left} s left (from capacity {})",
            c.base_capacity
        ));
    }
    if let Some(left) = state
        .cooldown
        .scale_in_until
        .and_then(|t| secs_left(t, now))
    {
        cooldowns.push(format!("scale-in {left} s left"));
    }
    println!("  cooldowns   {}", list_or_none(&cooldowns));

    let alarms: Vec<String> = state
        .alarms
        .iter()
        .filter(|(_, r)| r.in_alarm())
        .map(|(name, r)| {
            format!(
                "{name} since {}",
                r.state_timestamp.format("%Y-%m-%d %H:%M:%S UTC")
            )
        })
        .collect();
    println!("  in ALARM    {}", list_or_none(&alarms));

    print_tracking(clients, config, state, now).await;

    let pending = state.pending.as_ref().map(|p| {
        format!(
            "desired {} (from {}), {} since {}: {}",
            p.desired,
            p.previous,
            if p.deferred {
                "deferred"
            } else {
                "in progress"
            },
            p.decided_at.format("%Y-%m-%d %H:%M:%S UTC"),
            p.cause
        )
    });
    println!("  pending     {}", pending.as_deref().unwrap_or("none"));

    let s = config.suspended();
    let suspended: Vec<String> = [
        (s.dynamic_scaling_in_suspended, "DynamicScalingIn"),
        (s.dynamic_scaling_out_suspended, "DynamicScalingOut"),
        (s.scheduled_scaling_suspended, "ScheduledScaling"),
    ]
    .iter()
    .filter(|(on, _)| *on)
    .map(|(_, name)| name.to_string())
    .collect();
    println!("  suspended   {}", list_or_none(&suspended));

    // Per predictive policy: mode, the forecast's age, the floor it puts under the target now.
    for p in sagescale_core::predictive_policy::PredictivePolicy::all(config) {
        let entry = state.forecasts.get(p.name());
        let floor = entry.and_then(|e| p.floor(e, now)).map_or_else(
            || "none".to_string(),
            |f| {
                format!(
                    "{} (interval from {})",
                    f.capacity,
                    f.interval.format("%H:%M UTC")
                )
            },
        );
        println!(
            "  predictive  {} {:?}: floor now {floor}; {}",
            p.name(),
            p.mode(),
            crate::forecast::summary(entry, now)
        );
    }

    // The next firing of each action, soonest first.
    let mut next: Vec<_> = config
        .scheduled_actions
        .iter()
        .filter_map(|action| {
            let schedule = Schedule::for_action(action).ok()?;
            Some((schedule.next_after(now)?, schedule.tz, action))
        })
        .collect();
    next.sort_by_key(|(at, _, _)| *at);
    if next.is_empty() {
        println!("  scheduled   none");
    }
    for (i, (at, tz, action)) in next.iter().enumerate() {
        let a = action.scalable_target_action;
        let bound = |v: Option<i32>| v.map_or("-".to_string(), |v| v.to_string());
        println!(
            "  {}{}  {} ({} UTC)  min {} max {}",
            if i == 0 {
                "scheduled   "
            } else {
                "            "
            },
            action.scheduled_action_name,
            at.with_timezone(tz).format("%a %Y-%m-%d %H:%M %Z"),
            at.format("%H:%M"),
            bound(a.min_capacity),
            bound(a.max_capacity)
        );
    }
}

/// Per target-tracking policy: the latest completed datapoint against the target, and how many
/// datapoints of each alarm's window breach (what the pass decides from, read the same way).
async fn print_tracking(
    clients: &Clients,
    config: &sagescale_core::model::ScalableTarget,
    state: &sagescale_core::state::TargetState,
    now: DateTime<Utc>,
) {
    use sagescale_aws::metrics::{Batch, CloudWatch, Metrics};
    use sagescale_core::target_tracking::AlarmRule;
    let policies: Vec<_> = config
        .scaling_policies
        .iter()
        .filter_map(|p| {
            let cfg = p.target_tracking_scaling_policy_configuration.as_ref()?;
            Some((
                p,
                cfg,
                sagescale_core::metric_query::for_target_tracking(cfg, config),
            ))
        })
        .collect();
    if policies.is_empty() {
        return;
    }
    let mut batch = Batch::default();
    let indexes: Vec<Option<usize>> = policies
        .iter()
        .map(|(p, _, spec)| {
            spec.clone()
                .map(|s| batch.add(s, AlarmRule::of(p).history()))
        })
        .collect();
    let metrics = CloudWatch::new(aws_sdk_cloudwatch::Client::new(&clients.sdk));
    let series = metrics.read(&batch, now).await;
    for (i, ((p, cfg, _), index)) in policies.iter().zip(indexes).enumerate() {
        let rule = AlarmRule::of(p);
        let target = cfg.target_value;
        let line = match (&series, index) {
            (_, None) => "metric not mappable to this resource".to_string(),
            (Err(e), _) => format!("metric unavailable ({e})"),
            (Ok(s), Some(i)) => {
                let s = &s[i];
                let last = |n: usize| &s[s.len().saturating_sub(n)..];
                let latest = s.last().copied().filter(|v| v.is_finite());
                let above = last(rule.out_periods)
                    .iter()
                    .filter(|v| **v > target)
                    .count();
                let low = rule.in_ratio * target;
                let below = last(rule.in_periods).iter().filter(|v| **v < low).count();
                format!(
                    "{}: latest {} against target {target}; {above} of last {} above (scale out at {}), {below} of last {} below {low:.2} (scale in at {}){}",
                    p.policy_name,
                    latest.map_or("no data".to_string(), |v| format!("{v:.2}")),
                    rule.out_periods,
                    rule.out_datapoints,
                    rule.in_periods,
                    rule.in_datapoints,
                    match state.insufficient_data.get(&p.policy_name) {
                        Some(t) => format!(
                            "; insufficient data since {}",
                            t.format("%Y-%m-%d %H:%M UTC")
                        ),
                        None => String::new(),
                    }
                )
            }
        };
        println!(
            "  {}{line}",
            if i == 0 {
                "tracking    "
            } else {
                "            "
            }
        );
    }
}

fn list_or_none(items: &[String]) -> String {
    if items.is_empty() {
        "none".to_string()
    } else {
        items.join("; ")
    }
}
