//! The oracle: knows demand one provisioning delay ahead and runs the fewest instances that
//! serve every request.
//!
//! Let need(t) be the instances tick t's demand needs. An instance must be launched a delay
//! P before it serves, and is billed from launch; removal is instant. Instance k (the k-th
//! level) is needed on the ticks where need >= k; across a gap in those ticks it is cheaper
//! to keep it than to stop and relaunch it exactly when the gap is no longer than P. Both
//! cases give: level k is billed at t iff need(u) >= k for some u in [t, t+P]. So
//!   billed(t)     = max(need(t..=t+P))        (never above the static peak)
//!   in_service(t) = min(billed(t-P..=t))      (>= need(t), since t is in each window)
//! At the start the instances for the first window are already in service, as for every
//! policy. At least one instance always runs (a SageMaker variant's minimum).

use std::collections::VecDeque;

use crate::run::{Outcome, RunSettings, Tally, instances_for};
use crate::trace::{TICK_SECONDS, TICKS_PER_MINUTE, Trace};

/// Instances each tick needs (at least one).
pub fn needs(trace: &Trace, capacity_per_instance: f64) -> Vec<i32> {
    trace
        .demand
        .iter()
        .map(|&d| instances_for(d, capacity_per_instance).max(1))
        .collect()
}

/// max(values[t..=t+w]) for every t (the window is cut at the end).
pub fn forward_max(values: &[i32], w: usize) -> Vec<i32> {
    let mut out = vec![0; values.len()];
    let mut window: VecDeque<usize> = VecDeque::new();
    for t in (0..values.len()).rev() {
        while window.back().is_some_and(|&j| values[j] <= values[t]) {
            window.pop_back();
        }
        window.push_back(t);
        while window.front().is_some_and(|&j| j > t + w) {
            window.pop_front();
        }
        out[t] = values[window[0]];
    }
    out
}

/// min(values[t-w..=t]) for every t (the window is cut at the start).
pub fn backward_min(values: &[i32], w: usize) -> Vec<i32> {
    let mut out = vec![0; values.len()];
    let mut window: VecDeque<usize> = VecDeque::new();
    for t in 0..values.len() {
        while window.back().is_some_and(|&j| values[j] >= values[t]) {
            window.pop_back();
        }
        window.push_back(t);
        while window.front().is_some_and(|&j| j + w < t) {
            window.pop_front();
        }
        out[t] = values[window[0]];
    }
    out
}

/// The oracle's billed and in-service instances per tick.
pub fn plan(trace: &Trace, capacity_per_instance: f64, delay_seconds: u32) -> (Vec<i32>, Vec<i32>) {
    let w = (i64::from(delay_seconds) / TICK_SECONDS) as usize;
    let billed = forward_max(&needs(trace, capacity_per_instance), w);
    let in_service = backward_min(&billed, w);
    (billed, in_service)
}

pub fn run_oracle(trace: &Trace, settings: &RunSettings<'_>) -> Outcome {
    let (billed, in_service) = plan(
        trace,
        settings.model.capacity_per_instance,
        settings.model.provisioning_delay_seconds,
    );
    let mut tally = Tally::new(
        settings.model.capacity_per_instance,
        trace.minutes(),
        settings.keep_series,
    );
    let mut changes = 0u64;
    for (i, &demand) in trace.demand.iter().enumerate() {
        tally.tick(demand, in_service[i], billed[i]);
        changes += u64::from(i > 0 && billed[i] != billed[i - 1]);
        if (i + 1) % TICKS_PER_MINUTE == 0 {
            tally.end_minute();
        }
    }
    tally.finish(
        "oracle",
        settings.model.price_per_instance_hour,
        changes,
        Vec::new(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_match_brute_force() {
        let v = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5];
        for w in 0..4 {
            let fmax: Vec<i32> = (0..v.len())
                .map(|t| *v[t..(t + w + 1).min(v.len())].iter().max().unwrap())
                .collect();
            let bmin: Vec<i32> = (0..v.len())
                .map(|t| *v[t.saturating_sub(w)..=t].iter().min().unwrap())
                .collect();
            assert_eq!(forward_max(&v, w), fmax);
            assert_eq!(backward_min(&v, w), bmin);
        }
    }
}
