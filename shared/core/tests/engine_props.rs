//! Property tests: random AAS-valid step lists partition the breach line (every breach matches
//! exactly one step), and for random valid policies, states and triggers the engine keeps the
//! desired capacity within bounds and honours cooldowns and suspension.

mod engine_support;

use engine_support::*;
use proptest::prelude::*;
use sagescale_core::decide::{
    CooldownState, ScaleOutCooldown, Snapshot, TargetTrackingInput, Trigger, decide,
};
use sagescale_core::model::{AdjustmentType, ScalingPolicy, StepAdjustment, SuspendedState};
use sagescale_core::step::{check_step_adjustments, percent_change, step_matches};

/// Which part of the line a generated step list covers.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Cover {
    /// (-inf, +inf)
    All,
    /// [first cut >= 0, +inf): a scale-out-only policy.
    FromCut(f64),
    /// (-inf, last cut <= 0]: a scale-in-only policy.
    UpToCut(f64),
}

/// An AAS-valid step list: sorted distinct cut points partition the line into
/// (-inf, c1], [c1, c2], ..., [cn, +inf); optionally only the part above some cut >= 0 or below
/// some cut <= 0 is kept (AAS allows one-sided policies). Steps come in random order.
fn valid_steps() -> impl Strategy<Value = (Vec<StepAdjustment>, Cover)> {
    (
        proptest::collection::btree_set(-200i32..200, 1..20),
        0u8..3,
        proptest::collection::vec(-5i32..=5, 20),
        any::<prop::sample::Index>(),
    )
        .prop_flat_map(|(cuts, mode, adjustments, pick)| {
            let cuts: Vec<f64> = cuts.into_iter().map(|c| f64::from(c) / 2.0).collect();
            let bound = |i: usize| cuts.get(i).copied();
            // Step i spans (cut[i-1], cut[i]); the first has no lower, the last no upper bound.
            let mut all: Vec<StepAdjustment> = (0..=cuts.len())
                .map(|i| StepAdjustment {
                    metric_interval_lower_bound: if i == 0 { None } else { bound(i - 1) },
                    metric_interval_upper_bound: bound(i),
                    scaling_adjustment: adjustments[i],
                })
                .collect();
            let non_negative: Vec<usize> = (0..cuts.len()).filter(|&i| cuts[i] >= 0.0).collect();
            let non_positive: Vec<usize> = (0..cuts.len()).filter(|&i| cuts[i] <= 0.0).collect();
            let cover = match mode {
                1 if !non_negative.is_empty() => {
                    let k = non_negative[pick.index(non_negative.len())];
                    all.drain(..=k); // keep the steps whose lower bound is cut[k] or above
                    Cover::FromCut(cuts[k])
                }
                2 if !non_positive.is_empty() => {
                    let k = non_positive[pick.index(non_positive.len())];
                    all.truncate(k + 1); // keep the steps whose upper bound is cut[k] or below
                    Cover::UpToCut(cuts[k])
                }
                _ => Cover::All,
            };
            (Just(all).prop_shuffle(), Just(cover))
        })
}

fn expected_matches(cover: Cover, b: f64) -> usize {
    let covered = match cover {
        Cover::All => true,
        // At or above the threshold the lower bound is inclusive.
        Cover::FromCut(c) => b >= c,
        // Below the threshold the upper bound is inclusive; at 0 it is exclusive.
        Cover::UpToCut(c) => {
            if c < 0.0 {
                b <= c
            } else {
                b < 0.0
            }
        }
    };
    usize::from(covered)
}

proptest! {
    #[test]
    fn generated_step_lists_are_valid_for_aas((steps, _) in valid_steps()) {
        prop_assert_eq!(check_step_adjustments(&steps), vec![]);
    }

    #[test]
    fn every_breach_matches_exactly_one_step_of_a_valid_list(
        (steps, cover) in valid_steps(),
        random in -300.0f64..300.0,
    ) {
        let mut breaches = vec![random, 0.0, -0.0, 1e-9, -1e-9];
        for s in &steps {
            for b in [s.metric_interval_lower_bound, s.metric_interval_upper_bound].into_iter().flatten() {
                breaches.extend([b, b - 1e-9, b + 1e-9]);
            }
        }
        for b in breaches {
            let n = steps.iter().filter(|s| step_matches(s, b)).count();
            prop_assert_eq!(n, expected_matches(cover, b), "breach {} cover {:?}", b, cover);
        }
    }

    #[test]
    fn percent_change_matches_the_documented_rounding(current in 0i32..100_000, percent in -100i32..=500) {
        let f = f64::from(current) * f64::from(percent) / 100.0;
        let expected = if f.fract() == 0.0 { f }
            else if f > 1.0 { f.floor() }
            else if f > 0.0 { 1.0 }
            else if f > -1.0 { -1.0 }
            else { f.ceil() };
        prop_assert_eq!(f64::from(percent_change(current, percent)), expected);
    }
}

/// A random valid step policy of any adjustment type.
fn step_policy_strategy() -> impl Strategy<Value = ScalingPolicy> {
    (
        valid_steps(),
        0u8..3,
        proptest::option::of(1i32..5),
        proptest::option::of(0i32..600),
    )
        .prop_map(|((mut steps, _), kind, magnitude, cooldown)| {
            let adjustment_type = match kind {
                0 => AdjustmentType::ChangeInCapacity,
                1 => AdjustmentType::PercentChangeInCapacity,
                _ => AdjustmentType::ExactCapacity,
            };
            if adjustment_type == AdjustmentType::ExactCapacity {
                for s in &mut steps {
                    s.scaling_adjustment = s.scaling_adjustment.abs() * 7;
                }
            } else if adjustment_type == AdjustmentType::PercentChangeInCapacity {
                for s in &mut steps {
                    s.scaling_adjustment *= 20;
                }
            }
            let mut cfg = step_config(adjustment_type, &[]);
            cfg.step_adjustments = steps;
            cfg.cooldown = cooldown;
            if adjustment_type == AdjustmentType::PercentChangeInCapacity {
                cfg.min_adjustment_magnitude = magnitude;
            }
            step_policy("p", cfg)
        })
}

fn tt_policy_strategy() -> impl Strategy<Value = (ScalingPolicy, Vec<f64>)> {
    (
        1.0f64..200.0,
        any::<bool>(),
        proptest::option::of(0i32..600),
        proptest::option::of(0i32..600),
        proptest::collection::vec(0.0f64..400.0, 0..20),
    )
        .prop_map(|(target, disable, out_cd, in_cd, points)| {
            let mut cfg = tt_config(target);
            cfg.disable_scale_in = Some(disable);
            cfg.scale_out_cooldown = out_cd;
            cfg.scale_in_cooldown = in_cd;
            (tt_policy("tt", cfg), points)
        })
}

/// A state whose capacity may or may not be inside its bounds, with random clocks and flags.
fn state_strategy() -> impl Strategy<Value = Snapshot> {
    (
        0i32..10,
        0i32..30,
        0i32..60,
        proptest::option::of((-100i64..400, 0i32..60)),
        proptest::option::of(-100i64..400),
        any::<(bool, bool, bool)>(),
    )
        .prop_map(|(min, span, desired, out, inn, (s_in, s_out, s_sched))| {
            let mut s = snapshot(desired, min, min + span);
            s.cooldown = CooldownState {
                scale_out: out.map(|(dt, base)| ScaleOutCooldown {
                    until: t0() + secs(dt),
                    base_capacity: base,
                }),
                scale_in_until: inn.map(|dt| t0() + secs(dt)),
            };
            s.suspended = SuspendedState {
                dynamic_scaling_in_suspended: s_in,
                dynamic_scaling_out_suspended: s_out,
                scheduled_scaling_suspended: s_sched,
            };
            s
        })
}

/// Invariants of any decision taken by a policy.
fn check_policy_decision(
    s: &Snapshot,
    d: &sagescale_core::decide::Decision<'_>,
) -> Result<(), TestCaseError> {
    prop_assert_eq!(d.bounds, s.bounds, "policies never change bounds");
    if d.scaled() {
        prop_assert!(d.not_scaled.is_empty());
        prop_assert!(
            s.bounds.contains(d.desired),
            "{} outside {:?}",
            d.desired,
            s.bounds
        );
        let inside = s.bounds.contains(s.desired);
        if d.desired > d.previous {
            prop_assert!(!s.suspended.dynamic_scaling_out_suspended);
            prop_assert_eq!(
                d.cooldown.scale_in_until,
                None,
                "scale-out ends the scale-in cooldown"
            );
        } else {
            prop_assert!(!s.suspended.dynamic_scaling_in_suspended);
            // Only the bounds correction may scale in during the scale-in cooldown.
            if s.cooldown.scale_in_blocked(s.now) {
                prop_assert!(!inside, "scale-in during its cooldown");
                prop_assert_eq!(d.desired, s.bounds.max, "only to the bound");
            }
        }
    } else {
        prop_assert_eq!(d.not_scaled.len(), 1);
        prop_assert_eq!(d.desired, s.desired);
    }
    // Inside stays inside.
    if s.bounds.contains(s.desired) {
        prop_assert!(s.bounds.contains(d.desired));
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn a_step_policy_keeps_capacity_within_bounds(
        s in state_strategy(),
        policy in step_policy_strategy(),
        points in proptest::collection::vec(-150.0f64..150.0, 0..4),
    ) {
        let d = decide(&s, alarm(&policy, 0.0, &points));
        check_policy_decision(&s, &d)?;
    }

    #[test]
    fn target_tracking_keeps_capacity_within_bounds(
        s in state_strategy(),
        policies in proptest::collection::vec(tt_policy_strategy(), 1..4),
    ) {
        let inputs: Vec<TargetTrackingInput<'_>> = policies
            .iter()
            .map(|(p, points)| TargetTrackingInput { policy: p, datapoints: points })
            .collect();
        let d = decide(&s, Trigger::TargetTracking { inputs: &inputs });
        check_policy_decision(&s, &d)?;
    }

    #[test]
    fn a_scheduled_action_lands_capacity_within_its_new_bounds(
        s in state_strategy(),
        min in proptest::option::of(0i32..60),
        max in proptest::option::of(0i32..60),
    ) {
        let action = scheduled("a", min, max);
        let d = decide(&s, Trigger::Scheduled { action: &action });
        if s.suspended.scheduled_scaling_suspended {
            prop_assert!(!d.scaled());
            prop_assert_eq!(d.bounds, s.bounds);
        } else {
            prop_assert!(d.bounds.min <= d.bounds.max);
            prop_assert!(d.bounds.contains(d.desired));
            if let Some(m) = min { prop_assert_eq!(d.bounds.min, m); }
            if let (Some(m), Some(n)) = (max, min) { prop_assert_eq!(d.bounds.max, m.max(n)); }
            prop_assert_eq!(d.cooldown, s.cooldown.active(s.now), "scheduled actions leave the clocks alone");
        }
    }
}
