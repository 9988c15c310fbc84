//! The schedule-scaler's work against the emulator, through the real SDK clients: scheduled
//! actions exactly once (DST, catch-up, concurrent passes, direct Scheduler invocations), alarm
//! re-fires, deferred and crash-left claims. Every pass is given an explicit `now`.

use chrono::{DateTime, Duration, TimeZone, Utc};
use serde_json::{Value, json};

use sagescale_aws::alarm::AlarmHandler;
use sagescale_aws::events::Origin;
use sagescale_aws::reconcile::{
    CATCH_UP, ScheduleError, ScheduleHandler, TargetOutcome, fire_action, run_pass,
};
use sagescale_aws::sagemaker::SageMaker;
use sagescale_aws::scaler::{Outcome, Scaler};
use sagescale_aws::store::Store;
use sagescale_core::activity::{ScalingActivity, StatusCode};
use sagescale_core::state::{PendingChange, TargetState};
use sagescale_core::validate::{Format, validate_str};
use sagescale_tests::{ACCOUNT_ID, Emulator, REGION};

const TABLE: &str = "sagescale-schedule-test";
const ENDPOINT: &str = "sched-endpoint";
const VARIANT: &str = "AllTraffic";
const RID: &str = "endpoint/sched-endpoint/variant/AllTraffic";
const ALARM: &str = "sagescale-latency-high";
const ACTION: &str = "evening-peak";
const UPDATE: &str = "UpdateEndpointWeightsAndCapacities";

/// Bounds 1..=20; a step policy (+2 when the breach is >= 0, cooldown 300 s) on `ALARM`; an
/// action at 18:00 New York time raising the minimum to 5 (`suspended` suspends it).
fn config(suspended: bool) -> String {
    format!(
        r#"
ScalableTargets:
  - ServiceNamespace: sagemaker
    ResourceId: {RID}
    ScalableDimension: sagemaker:variant:DesiredInstanceCount
    MinCapacity: 1
    MaxCapacity: 20
    SuspendedState: {{ScheduledScalingSuspended: {suspended}}}
    ScalingPolicies:
      - PolicyName: latency-out
        PolicyType: StepScaling
        Alarms: [{ALARM}]
        StepScalingPolicyConfiguration:
          AdjustmentType: ChangeInCapacity
          Cooldown: 300
          StepAdjustments:
            - {{MetricIntervalLowerBound: 0, ScalingAdjustment: 2}}
    ScheduledActions:
      - ScheduledActionName: {ACTION}
        Schedule: cron(0 18 * * ? *)
        Timezone: America/New_York
        ScalableTargetAction: {{MinCapacity: 5, MaxCapacity: 20}}
"#
    )
}

struct Env {
    emu: Emulator,
    store: Store,
    scaler: Scaler<SageMaker>,
}

impl Env {
    /// An emulator with the table, the endpoint at `instances`, and `yaml` applied at
    /// `applied_at`.
    async fn new(yaml: &str, instances: i32, applied_at: DateTime<Utc>) -> Env {
        let emu = Emulator::start();
        let sdk = emu.sdk_config().await;
        let store = Store::new(aws_sdk_dynamodb::Client::new(&sdk), TABLE);
        store.create_table().await.expect("create table");
        emu.create_endpoint(ENDPOINT, VARIANT, instances);
        let scaler = Scaler::new(
            store.clone(),
            SageMaker::new(aws_sdk_sagemaker::Client::new(&sdk)),
        );
        let env = Env { emu, store, scaler };
        env.apply(yaml, applied_at).await;
        env
    }

    async fn apply(&self, yaml: &str, at: DateTime<Utc>) {
        let report = validate_str(yaml, Format::Yaml);
        let problems: Vec<String> = report.errors().map(|p| p.to_string()).collect();
        let doc = report
            .document
            .unwrap_or_else(|| panic!("test configuration invalid: {problems:?}"));
        for t in &doc.scalable_targets {
            self.store.put_config(t, &[], at).await.expect("put config");
        }
    }

    /// The schedule-scaler's handler, for events from this deployment.
    fn handler(&self) -> ScheduleHandler<'_, SageMaker> {
        ScheduleHandler {
            scaler: &self.scaler,
            origin: Origin {
                account: ACCOUNT_ID.to_string(),
                region: REGION.to_string(),
                alarm_prefix: None,
            },
        }
    }

    async fn pass(&self, now: DateTime<Utc>) -> Vec<TargetOutcome> {
        run_pass(&self.scaler, now).await.expect("pass")
    }

    async fn state(&self) -> TargetState {
        sagescale_tests::target::target_state(&self.store, RID).await
    }

    async fn activities(&self) -> Vec<ScalingActivity> {
        self.store.activities(RID, 100).await.expect("activities")
    }

    /// Activities caused by the scheduled action, oldest first.
    async fn scheduled_activities(&self) -> Vec<ScalingActivity> {
        let mut acts: Vec<_> = self
            .activities()
            .await
            .into_iter()
            .filter(|a| a.cause == format!("scheduled action name {ACTION} was triggered"))
            .collect();
        acts.reverse();
        acts
    }

    fn desired(&self) -> i64 {
        self.emu.describe_variant(ENDPOINT, VARIANT).0
    }

    fn updates(&self) -> usize {
        self.emu.requests_for("sagemaker", UPDATE).len()
    }

    async fn alarm(&self, state: &str, now: DateTime<Utc>) -> Vec<Outcome> {
        let handler = AlarmHandler {
            scaler: &self.scaler,
            origin: Origin {
                account: ACCOUNT_ID.to_string(),
                region: REGION.to_string(),
                alarm_prefix: None,
            },
        };
        handler
            .handle(&alarm_event(state, now), now)
            .await
            .expect("alarm handled")
            .into_iter()
            .map(|o| o.outcome)
            .collect()
    }
}

/// A direct CloudWatch alarm action for `ALARM` (threshold 100, datapoint 150: breach 50).
fn alarm_event(state: &str, at: DateTime<Utc>) -> Value {
    let ts = at.format("%Y-%m-%dT%H:%M:%S%.3f+0000").to_string();
    sagescale_tests::events::alarm_action(ALARM, state, 100.0, &[150.0], &ts)
}

fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, s).unwrap()
}

fn secs(n: i64) -> Duration {
    Duration::seconds(n)
}

fn is_scaled(o: &Outcome, to: i32) -> bool {
    matches!(o, Outcome::Scaled { desired, .. } if *desired == to)
}

/// The action is due at 18:00 New York time on `day1` and `day2`, on either side of a DST
/// change (`day1_fire`/`day2_fire` in UTC). Passes run every minute around each firing, the
/// first `offset` after 18:00; the action fires once per day, and not at the other day's UTC
/// time.
async fn fires_once_per_day_across_dst(
    day1_fire: DateTime<Utc>,
    day2_fire: DateTime<Utc>,
    offset: Duration,
) {
    let env = Env::new(&config(false), 2, day1_fire - secs(600)).await;
    // A pass before 18:00 only brings the action's cursor in.
    assert!(env.pass(day1_fire - secs(300)).await.is_empty());
    assert_eq!(env.updates(), 0);

    let first = env.pass(day1_fire + offset).await;
    assert_eq!(first.len(), 1, "{first:?}");
    assert_eq!(first[0].trigger, format!("scheduled:{ACTION}"));
    assert!(
        is_scaled(first[0].outcome.as_ref().unwrap(), 5),
        "{first:?}"
    );
    assert_eq!(env.desired(), 5);
    for minute in 1..=3 {
        let later = env.pass(day1_fire + offset + secs(60 * minute)).await;
        assert!(later.is_empty(), "fired again: {later:?}");
    }
    // Day 2 at day 1's UTC time is not 18:00 in New York any more: nothing fires then.
    let same_utc_time = day1_fire + Duration::hours(24) + offset;
    if same_utc_time < day2_fire {
        assert!(env.pass(same_utc_time).await.is_empty());
    }
    let second = env.pass(day2_fire + offset).await;
    assert_eq!(second.len(), 1, "{second:?}");
    // Already at the new minimum: decided and recorded, no SageMaker call.
    assert!(matches!(second[0].outcome, Some(Outcome::NotScaled { .. })));
    assert!(env.pass(day2_fire + offset + secs(60)).await.is_empty());
    if same_utc_time > day2_fire {
        assert!(env.pass(same_utc_time).await.is_empty());
    }

    let acts = env.scheduled_activities().await;
    let starts: Vec<_> = acts.iter().map(|a| a.start_time).collect();
    assert_eq!(starts, vec![day1_fire + offset, day2_fire + offset]);
    assert_eq!(acts[0].status_code, StatusCode::Successful);
    assert_eq!(env.updates(), 1);
    let cursor = env.state().await.schedule_cursors[ACTION];
    assert!(cursor >= day2_fire + offset);
}

// 2026-03-08 02:00 EST -> 03:00 EDT. 18:00 New York: 23:00 UTC on the 7th, 22:00 UTC on the 8th.
#[tokio::test]
async fn action_at_18_new_york_fires_once_at_18_00_05_across_spring_forward() {
    fires_once_per_day_across_dst(
        utc(2026, 3, 7, 23, 0, 0),
        utc(2026, 3, 8, 22, 0, 0),
        secs(5),
    )
    .await;
}

#[tokio::test]
async fn action_at_18_new_york_fires_once_at_18_03_across_spring_forward() {
    fires_once_per_day_across_dst(
        utc(2026, 3, 7, 23, 0, 0),
        utc(2026, 3, 8, 22, 0, 0),
        secs(180),
    )
    .await;
}

// 2026-11-01 02:00 EDT -> 01:00 EST. 18:00 New York: 22:00 UTC on Oct 31, 23:00 UTC on Nov 1.
#[tokio::test]
async fn action_at_18_new_york_fires_once_across_fall_back() {
    fires_once_per_day_across_dst(
        utc(2026, 10, 31, 22, 0, 0),
        utc(2026, 11, 1, 23, 0, 0),
        secs(180),
    )
    .await;
}

#[tokio::test]
async fn firing_missed_beyond_the_catch_up_window_is_skipped_and_recorded() {
    let fire = utc(2026, 11, 27, 23, 0, 0); // Friday 18:00 EST
    let env = Env::new(&config(false), 2, fire - secs(600)).await;
    assert!(env.pass(fire - secs(300)).await.is_empty());

    let late = fire + CATCH_UP + secs(60);
    let out = env.pass(late).await;
    assert_eq!(out.len(), 1, "{out:?}");
    assert!(matches!(out[0].outcome, Some(Outcome::Unfulfilled { .. })));
    assert_eq!(env.desired(), 2, "a missed action is not replayed");
    assert_eq!(env.updates(), 0);
    let acts = env.scheduled_activities().await;
    assert_eq!(acts.len(), 1);
    assert_eq!(acts[0].status_code, StatusCode::Unfulfilled);
    let msg = acts[0].status_message.as_deref().unwrap();
    assert!(msg.contains("beyond the catch-up window"), "{msg}");
    assert!(msg.contains("2026-11-27T23:00:00Z"), "{msg}");
    assert_eq!(env.state().await.schedule_cursors[ACTION], late);

    assert!(env.pass(late + secs(60)).await.is_empty());
    assert_eq!(env.scheduled_activities().await.len(), 1);
}

#[tokio::test]
async fn two_concurrent_passes_fire_an_action_once() {
    let fire = utc(2026, 11, 27, 23, 0, 0);
    let env = Env::new(&config(false), 2, fire - secs(600)).await;
    assert!(env.pass(fire - secs(300)).await.is_empty());

    let (a, b) = tokio::join!(env.pass(fire + secs(5)), env.pass(fire + secs(6)));
    let fired: Vec<_> = a.iter().chain(&b).collect();
    assert_eq!(fired.len(), 1, "{fired:?}");
    assert!(is_scaled(fired[0].outcome.as_ref().unwrap(), 5));
    assert_eq!(env.updates(), 1);
    assert_eq!(env.scheduled_activities().await.len(), 1);
    assert_eq!(env.desired(), 5);
}

#[tokio::test]
async fn scheduled_minimum_scales_out_during_a_step_cooldown() {
    let fire = utc(2026, 11, 27, 23, 0, 0);
    let env = Env::new(&config(false), 1, fire - secs(600)).await;
    assert!(env.pass(fire - secs(300)).await.is_empty());

    // The alarm scales 1 -> 3 at 17:59 and starts a 300 s cooldown.
    let out = env.alarm("ALARM", fire - secs(60)).await;
    assert!(is_scaled(&out[0], 3), "{out:?}");
    let cooldown = env
        .state()
        .await
        .cooldown
        .scale_out
        .expect("cooldown running");
    assert!(cooldown.until > fire + secs(5));

    let out = env.pass(fire + secs(5)).await;
    let scheduled: Vec<_> = out
        .iter()
        .filter(|o| o.trigger.starts_with("scheduled:"))
        .collect();
    assert_eq!(scheduled.len(), 1, "{out:?}");
    assert!(
        is_scaled(scheduled[0].outcome.as_ref().unwrap(), 5),
        "{out:?}"
    );
    assert_eq!(env.desired(), 5);
    // Scheduled actions neither start nor end cooldowns.
    assert_eq!(env.state().await.cooldown.scale_out, Some(cooldown));
}

#[tokio::test]
async fn alarm_still_in_alarm_is_refired_after_the_cooldown() {
    let t0 = utc(2026, 11, 27, 12, 0, 0);
    let env = Env::new(&config(false), 2, t0 - secs(600)).await;
    let out = env.alarm("ALARM", t0).await;
    assert!(is_scaled(&out[0], 4), "{out:?}");

    // Within the cooldown a re-fire proposes 4 again (the +2 counts): nothing is written.
    for t in [t0 + secs(60), t0 + secs(240)] {
        assert!(env.pass(t).await.is_empty());
    }
    assert_eq!(env.desired(), 4);

    let out = env.pass(t0 + secs(300)).await;
    assert_eq!(out.len(), 1, "{out:?}");
    assert_eq!(out[0].trigger, format!("alarm:{ALARM}"));
    assert!(is_scaled(out[0].outcome.as_ref().unwrap(), 6));
    assert_eq!(env.desired(), 6);
    assert_eq!(
        env.state().await.alarms[ALARM].last_fired,
        Some(t0 + secs(300))
    );
    // A new cooldown: the next minute does nothing.
    assert!(env.pass(t0 + secs(360)).await.is_empty());

    // Back to OK: no more re-fires.
    env.alarm("OK", t0 + secs(400)).await;
    assert!(env.pass(t0 + secs(700)).await.is_empty());
    assert_eq!(env.desired(), 6);
    assert_eq!(env.updates(), 2);
}

#[tokio::test]
async fn deferred_decision_is_applied_once_the_endpoint_is_in_service() {
    let t0 = utc(2026, 11, 27, 12, 0, 0);
    let env = Env::new(&config(false), 2, t0 - secs(600)).await;
    env.emu.set_endpoint_status(ENDPOINT, "Updating");
    let out = env.alarm("ALARM", t0).await;
    assert!(matches!(out[0], Outcome::Deferred { .. }), "{out:?}");
    assert!(env.state().await.pending.expect("pending").deferred);

    // Still updating: left alone, and the alarm does not re-fire on top of the pending change.
    assert!(env.pass(t0 + secs(60)).await.is_empty());
    assert_eq!(env.updates(), 0);

    env.emu.set_endpoint_status(ENDPOINT, "InService");
    let out = env.pass(t0 + secs(120)).await;
    assert_eq!(out[0].trigger, "pending");
    assert!(is_scaled(out[0].outcome.as_ref().unwrap(), 4), "{out:?}");
    assert_eq!(env.desired(), 4);
    assert!(env.state().await.pending.is_none());
    let acts = env.activities().await;
    assert_eq!(acts[0].status_code, StatusCode::Successful);
    assert_eq!(acts.len(), 1, "the deferred activity is updated in place");

    assert!(env.pass(t0 + secs(180)).await.is_empty());
    assert_eq!(env.updates(), 1);
}

/// A claim written as an invocation would before calling SageMaker, then never finished.
async fn crash_left_claim(env: &Env, at: DateTime<Utc>, desired: i32) {
    let loaded = env.store.load(RID).await.unwrap().unwrap();
    let claim = PendingChange {
        activity_id: "crashed-claim".into(),
        activity_sk: String::new(), // set below, once the activity exists
        desired,
        previous: 2,
        cause: format!("monitor alarm {ALARM} in state ALARM triggered policy latency-out"),
        decided_at: at,
        cooldown: Default::default(),
        prior_cooldown: Default::default(),
        deferred: false,
        attempts: 0,
    };
    let activity = sagescale_aws::scaler::claim_activity(&loaded.config, &claim);
    let mut state = loaded.state.clone();
    state.pending = Some(PendingChange {
        activity_sk: sagescale_aws::store::activity_sk(&activity),
        ..claim
    });
    env.store
        .commit(RID, loaded.version, &state, &[&activity])
        .await
        .expect("claim");
}

#[tokio::test]
async fn claim_left_by_a_crash_is_completed() {
    let t0 = utc(2026, 11, 27, 12, 0, 0);
    let env = Env::new(&config(false), 2, t0 - secs(600)).await;
    crash_left_claim(&env, t0, 4).await;

    // Younger than a minute: the invocation may still be calling SageMaker.
    assert!(env.pass(t0 + secs(30)).await.is_empty());
    assert_eq!(env.updates(), 0);

    let out = env.pass(t0 + secs(90)).await;
    assert!(is_scaled(out[0].outcome.as_ref().unwrap(), 4), "{out:?}");
    assert_eq!(env.desired(), 4);
    assert!(env.state().await.pending.is_none());
    let acts = env.activities().await;
    assert_eq!(acts.len(), 1);
    assert_eq!(acts[0].activity_id, "crashed-claim");
    assert_eq!(acts[0].status_code, StatusCode::Successful);
}

#[tokio::test]
async fn claim_on_a_failed_endpoint_is_unfulfilled() {
    let t0 = utc(2026, 11, 27, 12, 0, 0);
    let env = Env::new(&config(false), 2, t0 - secs(600)).await;
    crash_left_claim(&env, t0, 4).await;
    env.emu.set_endpoint_status(ENDPOINT, "Failed");

    let out = env.pass(t0 + secs(90)).await;
    assert!(
        matches!(out[0].outcome, Some(Outcome::Unfulfilled { .. })),
        "{out:?}"
    );
    assert!(env.state().await.pending.is_none());
    let acts = env.activities().await;
    assert_eq!(acts[0].status_code, StatusCode::Unfulfilled);
    assert!(
        acts[0]
            .status_message
            .as_deref()
            .unwrap()
            .contains("Failed")
    );
    assert_eq!(env.updates(), 0);
}

#[tokio::test]
async fn direct_scheduler_invocation_and_pass_do_not_double_fire() {
    let day1 = utc(2026, 11, 26, 23, 0, 0);
    let day2 = utc(2026, 11, 27, 23, 0, 0);
    let env = Env::new(&config(false), 2, day1 - secs(600)).await;
    assert!(env.pass(day1 - secs(300)).await.is_empty());

    // Day 1: Scheduler first (and a retried delivery), then the pass.
    let out = fire_action(&env.scaler, RID, ACTION, Some(day1), day1 + secs(1))
        .await
        .unwrap();
    assert!(is_scaled(out.outcome.as_ref().unwrap(), 5), "{out:?}");
    let dup = fire_action(&env.scaler, RID, ACTION, Some(day1), day1 + secs(20))
        .await
        .unwrap();
    assert_eq!(dup.outcome, Some(Outcome::Unchanged));
    assert!(env.pass(day1 + secs(30)).await.is_empty());

    // Day 2: the pass first, then Scheduler.
    let out = env.pass(day2 + secs(5)).await;
    assert_eq!(out.len(), 1);
    let late = fire_action(&env.scaler, RID, ACTION, Some(day2), day2 + secs(7))
        .await
        .unwrap();
    assert_eq!(late.outcome, Some(Outcome::Unchanged));

    assert_eq!(env.scheduled_activities().await.len(), 2);
    assert_eq!(env.updates(), 1);

    let unknown = fire_action(&env.scaler, RID, "no-such-action", Some(day2), day2).await;
    assert!(unknown.is_err());
}

#[tokio::test]
async fn suspended_scheduled_scaling_skips_and_resume_does_not_replay() {
    let fire = utc(2026, 11, 27, 23, 0, 0);
    let env = Env::new(&config(true), 2, fire - secs(600)).await;
    assert!(env.pass(fire - secs(300)).await.is_empty());
    assert!(env.pass(fire + secs(5)).await.is_empty());
    assert_eq!(env.state().await.schedule_cursors[ACTION], fire + secs(5));

    env.apply(&config(false), fire + secs(60)).await;
    assert!(env.pass(fire + secs(120)).await.is_empty());
    assert_eq!(env.desired(), 2);
    assert!(env.scheduled_activities().await.is_empty());
    assert_eq!(env.updates(), 0);
}

/// The handler as the function runs it: a tick delivered late is a pass as of the tick's `time`, a Scheduler
/// input fires its action once, a foreign tick changes nothing.
#[tokio::test]
async fn handler_runs_the_pass_at_the_tick_time_and_fires_scheduler_inputs_once() {
    let fire = utc(2026, 11, 27, 23, 0, 0);
    let env = Env::new(&config(false), 2, fire - secs(600)).await;
    let handler = ScheduleHandler {
        scaler: &env.scaler,
        origin: Origin {
            account: ACCOUNT_ID.to_string(),
            region: REGION.to_string(),
            alarm_prefix: None,
        },
    };
    let tick = sagescale_tests::events::tick;
    // Ticks delivered late, within EventBridge's maximum event age: the pass goes by the
    // tick's time, not the wall clock (`now`).
    let wall = fire + secs(40);
    assert!(
        handler
            .handle(&tick("2026-11-27T22:55:00Z", ACCOUNT_ID), wall)
            .await
            .unwrap()
            .is_empty()
    );

    let writes = env.emu.requests_for("dynamodb", "TransactWriteItems").len();
    let foreign = handler
        .handle(&tick("2026-11-27T23:00:05Z", "999999999999"), wall)
        .await;
    assert!(
        matches!(foreign, Err(ScheduleError::Event(_))),
        "{foreign:?}"
    );
    assert_eq!(
        env.emu.requests_for("dynamodb", "TransactWriteItems").len(),
        writes
    );

    let out = handler
        .handle(&tick("2026-11-27T23:00:05Z", ACCOUNT_ID), wall)
        .await
        .unwrap();
    assert_eq!(out.len(), 1, "{out:?}");
    assert!(is_scaled(out[0].outcome.as_ref().unwrap(), 5));

    let input = json!({"ScheduledActionName": ACTION, "ResourceId": RID,
                       "ScheduledTime": "2026-11-27T23:00:00Z"});
    let out = handler.handle(&input, fire + secs(9)).await.unwrap();
    assert_eq!(out[0].outcome, Some(Outcome::Unchanged));
    assert_eq!(env.updates(), 1);
}

/// A scheduled action that fires while an alarm's change waits for the endpoint supersedes it:
/// the alarm's activity is Overridden, the action's change waits in turn and is applied once the
/// endpoint is InService.
#[tokio::test]
async fn scheduled_action_supersedes_a_deferred_change_which_is_recorded_overridden() {
    let fire = utc(2026, 11, 27, 23, 0, 0);
    let env = Env::new(&config(false), 2, fire - secs(600)).await;
    assert!(env.pass(fire - secs(300)).await.is_empty());
    env.emu.set_endpoint_status(ENDPOINT, "Updating");
    let out = env.alarm("ALARM", fire - secs(60)).await;
    assert!(matches!(out[0], Outcome::Deferred { .. }), "{out:?}");

    let out = env.pass(fire + secs(5)).await;
    assert_eq!(out.len(), 1, "{out:?}");
    assert!(
        matches!(out[0].outcome, Some(Outcome::Deferred { .. })),
        "{out:?}"
    );
    assert_eq!(env.state().await.pending.expect("pending").desired, 5);

    env.emu.set_endpoint_status(ENDPOINT, "InService");
    let out = env.pass(fire + secs(65)).await;
    assert!(is_scaled(out[0].outcome.as_ref().unwrap(), 5), "{out:?}");
    assert_eq!(env.desired(), 5);
    assert_eq!(env.updates(), 1);

    let acts = env.activities().await;
    let alarm = acts.iter().find(|a| a.cause.contains(ALARM)).unwrap();
    assert_eq!(alarm.status_code, StatusCode::Overridden);
    let scheduled = env.scheduled_activities().await;
    assert_eq!(scheduled.len(), 1);
    assert_eq!(scheduled[0].status_code, StatusCode::Successful);
}

/// Suspending dynamic scale-out blocks the re-fires; on resume the pass evaluates the alarm
/// still in ALARM again at once.
#[tokio::test]
async fn alarm_in_alarm_is_evaluated_again_on_resume() {
    let t0 = utc(2026, 11, 27, 12, 0, 0);
    let env = Env::new(&config(false), 2, t0 - secs(600)).await;
    let set_out_suspended = |on: bool| {
        let store = env.store.clone();
        async move {
            let mut target = store.load(RID).await.unwrap().unwrap().config;
            target
                .suspended_state
                .get_or_insert_default()
                .dynamic_scaling_out_suspended = on;
            store
                .put_config(&target, &[ALARM.to_string()], t0)
                .await
                .unwrap();
        }
    };
    set_out_suspended(true).await;
    let out = env.alarm("ALARM", t0).await;
    assert!(matches!(out[0], Outcome::NotScaled { .. }), "{out:?}");
    assert!(env.pass(t0 + secs(120)).await.is_empty());
    assert_eq!(env.desired(), 2);

    set_out_suspended(false).await;
    let out = env.pass(t0 + secs(180)).await;
    assert_eq!(out.len(), 1, "{out:?}");
    assert!(is_scaled(out[0].outcome.as_ref().unwrap(), 4), "{out:?}");
    assert_eq!(env.desired(), 4);
}

#[tokio::test]
async fn a_pass_makes_only_the_aws_calls_it_needs() {
    let fire = utc(2026, 11, 27, 23, 0, 0);
    let env = Env::new(&config(false), 2, fire - Duration::hours(1)).await;
    env.pass(fire - secs(120)).await;
    // Nothing due: the registry of targets (Query), the targets' configurations and states
    // (one BatchGetItem for up to 50 targets), and ListEndpoints (100 endpoints a call): the
    // endpoint has not changed since the first pass's deployment check, so it is not described.
    env.emu.clear_requests();
    assert!(env.pass(fire - secs(60)).await.is_empty());
    let idle = vec![
        ("dynamodb:BatchGetItem".to_string(), 1),
        ("dynamodb:Query".to_string(), 1),
        ("sagemaker:ListEndpoints".to_string(), 1),
    ];
    assert_eq!(env.emu.request_counts(), idle);
    // One action due: the same reads (the firing starts from the pass's read), the endpoint,
    // the claim, the SageMaker call and the outcome on the claim's known version; with no
    // other action due, no second round.
    env.emu.clear_requests();
    let out = env.pass(fire + secs(5)).await;
    assert!(is_scaled(out[0].outcome.as_ref().unwrap(), 5), "{out:?}");
    assert_eq!(
        env.emu.request_counts(),
        vec![
            ("dynamodb:BatchGetItem".to_string(), 1),
            ("dynamodb:Query".to_string(), 1),
            ("dynamodb:TransactWriteItems".to_string(), 2),
            ("sagemaker:DescribeEndpoint".to_string(), 1),
            ("sagemaker:ListEndpoints".to_string(), 1),
            (format!("sagemaker:{UPDATE}"), 1),
        ]
    );
    // The update changed the endpoint's LastModifiedTime: the next pass checks it once for a
    // deployment (one describe, one write of the time seen); the pass after is idle again.
    env.emu.clear_requests();
    assert!(env.pass(fire + secs(65)).await.is_empty());
    let mut checked = idle.clone();
    checked.insert(2, ("dynamodb:TransactWriteItems".to_string(), 1));
    checked.insert(3, ("sagemaker:DescribeEndpoint".to_string(), 1));
    assert_eq!(env.emu.request_counts(), checked);
    env.emu.clear_requests();
    assert!(env.pass(fire + secs(125)).await.is_empty());
    assert_eq!(env.emu.request_counts(), idle);
}

/// A tick dated far ahead of the function's clock (2028) runs the pass at the function's
/// clock: no cursor moves past it, and the firing due later still fires.
#[tokio::test]
async fn a_tick_dated_in_the_future_moves_no_cursor_past_the_function_clock() {
    let fire = utc(2026, 11, 27, 23, 0, 0);
    let env = Env::new(&config(false), 2, fire - secs(600)).await;
    let tick = sagescale_tests::events::tick;
    let wall = fire - secs(300);
    // 2028-02-29 23:00:05 UTC is 18:00:05 in New York: the action would fire then.
    let out = env
        .handler()
        .handle(&tick("2028-02-29T23:00:05Z", ACCOUNT_ID), wall)
        .await
        .unwrap();
    assert!(out.is_empty(), "{out:?}");
    assert_eq!(env.updates(), 0);
    let cursor = env.state().await.schedule_cursors[ACTION];
    assert!(cursor <= wall, "cursor {cursor} is past the clock {wall}");

    let out = env
        .handler()
        .handle(&tick("2026-11-27T23:00:05Z", ACCOUNT_ID), fire + secs(5))
        .await
        .unwrap();
    assert_eq!(out.len(), 1, "{out:?}");
    assert!(is_scaled(out[0].outcome.as_ref().unwrap(), 5), "{out:?}");
}

/// A tick older than EventBridge's maximum event age (days late) runs the pass at the
/// function's clock: the firing due now fires, instead of the pass being judged in the past.
#[tokio::test]
async fn a_tick_older_than_the_maximum_event_age_runs_the_pass_at_the_function_clock() {
    let fire = utc(2026, 11, 30, 23, 0, 0); // Monday 18:00 EST
    let env = Env::new(&config(false), 2, fire - secs(600)).await;
    let wall = fire + secs(5);
    let out = env
        .handler()
        .handle(
            &sagescale_tests::events::tick("2026-11-27T23:00:05Z", ACCOUNT_ID),
            wall,
        )
        .await
        .unwrap();
    assert_eq!(out.len(), 1, "{out:?}");
    assert!(is_scaled(out[0].outcome.as_ref().unwrap(), 5), "{out:?}");
    assert_eq!(env.state().await.schedule_cursors[ACTION], wall);
}

/// An EventBridge Scheduler input dated in the future fires as due now and does not move the
/// action's cursor past the function's clock.
#[tokio::test]
async fn a_scheduler_input_dated_in_the_future_moves_no_cursor_past_the_function_clock() {
    let fire = utc(2026, 11, 27, 23, 0, 0);
    let env = Env::new(&config(false), 2, fire - secs(600)).await;
    let wall = fire + secs(5);
    let input = json!({"ScheduledActionName": ACTION, "ResourceId": RID,
                       "ScheduledTime": "2028-02-29T23:00:00Z"});
    env.handler().handle(&input, wall).await.unwrap();
    assert_eq!(env.state().await.schedule_cursors[ACTION], wall);
    // The next day's firing is not swallowed.
    let next = fire + Duration::days(1);
    let out = env.pass(next + secs(5)).await;
    assert_eq!(out.len(), 1, "{out:?}");
}

/// After a gap longer than any forward count of firings (a `rate(1 minute)` action, 70 days
/// without a pass), the firing due now fires; the firings it overtook are recorded as missed in
/// one activity (counted up to the cap), not replayed.
#[tokio::test]
async fn after_a_long_gap_the_firing_due_now_fires() {
    let start = utc(2026, 11, 27, 23, 0, 0);
    let yaml = config(false).replace("cron(0 18 * * ? *)", "rate(1 minute)");
    let env = Env::new(&yaml, 2, start - secs(10)).await;
    let first = env.pass(start + secs(5)).await;
    assert!(
        is_scaled(first[0].outcome.as_ref().unwrap(), 5),
        "{first:?}"
    );

    let later = start + Duration::days(70) + secs(5);
    let out = env.pass(later).await;
    assert_eq!(out.len(), 2, "{out:?}");
    assert!(
        matches!(out[1].outcome, Some(Outcome::NotScaled { .. })),
        "the firing due at {} is decided: {out:?}",
        later - secs(5)
    );
    let acts = env.scheduled_activities().await;
    let missed: Vec<_> = acts
        .iter()
        .filter(|a| a.status_code == StatusCode::Unfulfilled)
        .collect();
    assert_eq!(missed.len(), 1, "{acts:?}");
    let msg = missed[0].status_message.as_deref().unwrap();
    assert!(msg.contains("missed at least 100000 firings"), "{msg}");
    assert!(
        msg.contains("overtaken by its firing due at 2027-02-05T23:00:00Z"),
        "{msg}"
    );
    assert_eq!(env.state().await.schedule_cursors[ACTION], later);
}

/// Found by the soak (`make soak`): after the function was down for a while, the pass fired the
/// latest firing of an action and the earlier one it overtook was neither fired nor recorded.
/// It is now recorded as missed (Unfulfilled), in its own write before the latest one fires.
#[tokio::test]
async fn a_firing_overtaken_by_a_later_one_is_recorded_as_missed() {
    let start = utc(2026, 11, 27, 23, 0, 0);
    let yaml = config(false).replace("cron(0 18 * * ? *)", "rate(10 minutes)");
    let env = Env::new(&yaml, 2, start - secs(10)).await;
    let first = env.pass(start + secs(5)).await;
    assert!(
        is_scaled(first[0].outcome.as_ref().unwrap(), 5),
        "{first:?}"
    );

    // No pass at 23:10 (the function was down); at 23:25 the 23:20 firing is due.
    let out = env.pass(start + Duration::minutes(25)).await;
    assert_eq!(out.len(), 2, "{out:?}");
    assert!(
        matches!(out[0].outcome, Some(Outcome::Unfulfilled { .. })),
        "{out:?}"
    );
    assert!(
        matches!(out[1].outcome, Some(Outcome::NotScaled { .. })),
        "{out:?}"
    );
    // The record and the firing share a start time, so their order in the log is arbitrary.
    let missed = |acts: &[ScalingActivity]| -> Vec<ScalingActivity> {
        acts.iter()
            .filter(|a| a.status_code == StatusCode::Unfulfilled)
            .cloned()
            .collect()
    };
    let acts = env.scheduled_activities().await;
    assert_eq!(acts.len(), 3, "{acts:?}");
    let skipped = missed(&acts);
    assert_eq!(skipped.len(), 1, "{acts:?}");
    assert_eq!(
        skipped[0].description,
        format!("Skipping scheduled action {ACTION} due at 2026-11-27T23:10:00Z.")
    );
    let msg = skipped[0].status_message.as_deref().unwrap();
    assert!(msg.contains("missed its firing"), "{msg}");
    assert!(
        msg.contains("overtaken by its firing due at 2026-11-27T23:20:00Z"),
        "{msg}"
    );
    assert_eq!(
        env.state().await.schedule_cursors[ACTION],
        start + Duration::minutes(25)
    );

    // A direct Scheduler invocation for 23:40 after a missed 23:30: the same record.
    let late = start + Duration::minutes(40);
    let out = fire_action(&env.scaler, RID, ACTION, Some(late), late + secs(2))
        .await
        .unwrap();
    assert!(
        matches!(out.outcome, Some(Outcome::NotScaled { .. })),
        "{out:?}"
    );
    let acts = env.scheduled_activities().await;
    assert_eq!(acts.len(), 5, "{acts:?}");
    let skipped = missed(&acts);
    assert_eq!(skipped.len(), 2, "{acts:?}");
    assert!(
        skipped
            .iter()
            .any(|a| a.description.contains("due at 2026-11-27T23:30:00Z")),
        "{acts:?}"
    );
    assert!(env.pass(late + secs(5)).await.is_empty());
}
