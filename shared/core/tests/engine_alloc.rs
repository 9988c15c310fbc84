//! `decide` must not touch the heap: the simulator calls it ~10M times per second. A counting
//! global allocator (counting only on this test's thread) proves it for every trigger kind and
//! the main outcomes (scale out, scale in, cooldown blocks, bounds, scheduled).

mod engine_support;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use engine_support::*;
use sagescale_core::decide::{TargetTrackingInput, Trigger, decide};
use sagescale_core::model::AdjustmentType;

struct Counting;

thread_local! {
    static COUNTING: Cell<bool> = const { Cell::new(false) };
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if COUNTING.with(Cell::get) {
            ALLOCATIONS.with(|a| a.set(a.get() + 1));
        }
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations_during(f: impl FnOnce()) -> usize {
    ALLOCATIONS.with(|a| a.set(0));
    COUNTING.with(|c| c.set(true));
    f();
    COUNTING.with(|c| c.set(false));
    ALLOCATIONS.with(Cell::get)
}

#[test]
fn the_counter_sees_an_allocation() {
    let n = allocations_during(|| {
        std::hint::black_box(vec![1u8; 8]);
    });
    assert_eq!(n, 1);
}

#[test]
fn decide_does_not_allocate() {
    const INF: Option<f64> = None;
    let mut cfg = step_config(
        AdjustmentType::PercentChangeInCapacity,
        &[
            (INF, Some(0.0), -20),
            (Some(0.0), Some(20.0), 20),
            (Some(20.0), INF, 50),
        ],
    );
    cfg.min_adjustment_magnitude = Some(2);
    let step = step_policy("steps", cfg);
    let a = tt_policy("a", tt_config(70.0));
    let mut no_in = tt_config(50.0);
    no_in.disable_scale_in = Some(true);
    let b = tt_policy("b", no_in);
    let high = [140.0; 15];
    let low = [20.0; 15];
    let inputs_out = [
        TargetTrackingInput {
            policy: &a,
            datapoints: &high,
        },
        TargetTrackingInput {
            policy: &b,
            datapoints: &low,
        },
    ];
    let inputs_in = [
        TargetTrackingInput {
            policy: &a,
            datapoints: &low,
        },
        TargetTrackingInput {
            policy: &b,
            datapoints: &low,
        },
    ];
    let peak = scheduled("peak", Some(20), Some(40));
    let points = [[10.0], [30.0], [-10.0], [f64::NAN]];

    let mut total = 0;
    let n = allocations_during(|| {
        for desired in [0, 1, 5, 10, 40, 60] {
            let mut s = snapshot(desired, 1, 40);
            for round in 0..50 {
                let d = match round % 7 {
                    0..=3 => decide(&s, alarm(&step, 0.0, &points[round % 4])),
                    4 => decide(
                        &s,
                        Trigger::TargetTracking {
                            inputs: &inputs_out,
                        },
                    ),
                    5 => decide(&s, Trigger::TargetTracking { inputs: &inputs_in }),
                    _ => decide(&s, Trigger::Scheduled { action: &peak }),
                };
                total += d.desired;
                s = after(&s, &d, secs(45));
            }
        }
    });
    assert!(total > 0);
    assert_eq!(n, 0, "decide allocated {n} times");
}
