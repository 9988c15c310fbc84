//! `tune`: every candidate is a document `sagescale validate` accepts, the learned schedule
//! follows the daily profile, and the frontier is non-dominated.

mod common;

use sagescale_core::model::Document;
use sagescale_core::validate::{Format, validate_str};
use sagescale_sim::config::{Settings, SimConfig};
use sagescale_sim::trace::{self, Trace};
use sagescale_sim::tune;

/// Two days: 20 req/s at night, 200 req/s from 09:00 to 17:00 UTC.
fn diurnal() -> Trace {
    let minutes = (0..2 * 1440).map(|m| {
        if (540..1020).contains(&(m % 1440)) {
            200.0
        } else {
            20.0
        }
    });
    let ticks = minutes.flat_map(|r: f32| [r * 10.0; 6]).collect();
    trace::from_ticks("diurnal", common::at("2024-01-01T00:00:00Z"), ticks)
}

fn base() -> SimConfig {
    common::config(&common::target_yaml(1, 50, "", "  CapacityPerInstance: 10"))
}

#[test]
fn every_candidate_and_the_written_yaml_validate() {
    let config = base();
    let target = config.target().unwrap();
    for c in tune::candidates(target, &config.settings, &diurnal()) {
        let rec = SimConfig {
            document: Document {
                scalable_targets: vec![c.target.clone()],
            },
            settings: Settings {
                alarms: c.alarms.clone(),
                ..config.settings.clone()
            },
        };
        let yaml = tune::document_yaml(&rec, &c.label).unwrap();
        let report = validate_str(&yaml, Format::Yaml);
        assert!(
            report.is_valid(),
            "{}: {:?}\n{yaml}",
            c.label,
            report.problems
        );
        let again = SimConfig::parse(&tune::simulation_yaml(&rec).unwrap(), Format::Yaml).unwrap();
        assert_eq!(again.settings.alarms, c.alarms);
    }
}

#[test]
fn the_daily_profile_is_the_oracles_count_per_hour() {
    let settings = Settings {
        capacity_per_instance: 10.0,
        ..Settings::default()
    };
    let profile = tune::daily_profile(&diurnal(), &settings, 1.0);
    // 200 req/s needs 20 instances; the oracle launches them 6 minutes ahead, inside hour 8.
    assert_eq!(profile[3], Some(2));
    assert_eq!(profile[8], Some(20));
    assert_eq!(profile[12], Some(20));
    assert_eq!(profile[17], Some(2));
}

#[test]
fn the_search_returns_a_frontier_scored_on_the_holdout() {
    let config = base();
    let t = diurnal();
    let (first, second) = (t.slice_minutes(0..1440), t.slice_minutes(1440..2880));
    let candidates = tune::candidates(config.target().unwrap(), &config.settings, &first);
    let frontier = tune::search(&candidates, &config.settings, &first, &second, || {}).unwrap();
    assert!(!frontier.is_empty());
    for pair in frontier.windows(2) {
        assert!(pair[0].tune.cost <= pair[1].tune.cost);
        assert!(pair[0].tune.above_capacity_pct > pair[1].tune.above_capacity_pct);
    }
    assert!(frontier.iter().all(|s| s.holdout.is_some()));
    // A schedule learned from day one serves day two's 09:00 jump without a shortfall.
    let best = frontier.last().unwrap();
    assert_eq!(
        best.holdout.unwrap().above_capacity_pct,
        0.0,
        "{}",
        best.label
    );
}

#[test]
fn the_committed_configurations_and_recommendations_load() {
    let docs = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/sim");
    for name in [
        "configs/twitter.yaml",
        "configs/azure-functions.yaml",
        "twitter-recommended.sim.yaml",
        "azure-functions-recommended.sim.yaml",
    ] {
        SimConfig::load(&docs.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    for name in [
        "twitter-recommended.yaml",
        "azure-functions-recommended.yaml",
    ] {
        let text = std::fs::read_to_string(docs.join(name)).unwrap();
        let report = validate_str(&text, Format::Yaml);
        assert!(report.is_valid(), "{name}: {:?}", report.problems);
    }
}
