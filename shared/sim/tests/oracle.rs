//! The oracle never leaves a request above capacity and never costs more than static peak.

mod common;

use proptest::prelude::*;
use sagescale_sim::config::Settings;
use sagescale_sim::oracle::run_oracle;
use sagescale_sim::run::{Fixed, run};
use sagescale_sim::simulate::static_instances;
use sagescale_sim::trace::{self, FunctionSelection, TraceSpec};

fn check(trace: &trace::Trace, settings: &Settings) {
    let rs = settings.run_settings(false);
    let oracle = run_oracle(trace, &rs);
    let fixed = run(
        "static",
        trace,
        &rs,
        static_instances(settings, trace),
        &mut Fixed,
    );
    assert_eq!(oracle.requests_above_capacity, 0.0);
    assert_eq!(oracle.minutes_above_capacity, 0);
    assert_eq!(fixed.requests_above_capacity, 0.0);
    assert!(
        oracle.cost <= fixed.cost + 1e-9,
        "oracle {} > static {}",
        oracle.cost,
        fixed.cost
    );
}

proptest! {
    #[test]
    fn oracle_serves_everything_for_at_most_the_static_cost(
        demand in proptest::collection::vec(0.0f32..500.0, 6..600),
        capacity in 1.0f64..50.0,
        delay_ticks in 0u32..60,
    ) {
        let t = trace::from_ticks("random", common::at("2024-01-01T00:00:00Z"), demand);
        let settings = Settings {
            capacity_per_instance: capacity,
            provisioning_delay_seconds: delay_ticks * 10,
            ..Settings::default()
        };
        check(&t, &settings);
    }
}

#[test]
fn oracle_on_the_azure_functions_day() {
    let Some(path) = common::shared_trace("azure-functions-2019-invitro-sample/1000_inv.csv")
    else {
        return;
    };
    let spec = TraceSpec {
        functions: FunctionSelection::Sum,
        ..TraceSpec::default()
    };
    let t = trace::load(&path, &spec).unwrap();
    check(
        &t,
        &Settings {
            capacity_per_instance: 20.0,
            ..Settings::default()
        },
    );
}
