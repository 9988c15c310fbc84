//! The readers on the real traces in ../shared/traces (skipped with a notice when absent);
//! totals from the traces' READMEs.

mod common;

use sagescale_sim::trace::{self, FunctionSelection, TraceSpec};

#[test]
fn twitter_tbz2_is_read_in_place() {
    let Some(path) = common::shared_trace("twitter-stream-2021-08-per-second/workload.tbz2") else {
        return;
    };
    let mut t = trace::load(&path, &TraceSpec::default()).unwrap();
    assert_eq!(t.total_requests(), 120_774_326.0);
    assert_eq!(t.minutes(), 31_652); // 1,899,061 s, padded to whole minutes
    assert_eq!(
        t.peak_rps() * 10.0,
        t.demand.iter().copied().fold(0.0, f32::max) as f64
    );
    t.fill_gaps(1);
    // 21 daily gaps of 28-29 minutes and one of 2 minutes.
    assert!(
        (21 * 28..=21 * 29 + 2).contains(&(t.filled_ticks() / 6)),
        "{}",
        t.filled_ticks()
    );
}

#[test]
fn azure_functions_sum_and_selections() {
    let Some(path) = common::shared_trace("azure-functions-2019-invitro-sample/1000_inv.csv")
    else {
        return;
    };
    let sum = trace::load(&path, &TraceSpec::default()).unwrap();
    assert_eq!(sum.minutes(), 1440);
    assert!((sum.total_requests() - 11_639_447.0).abs() < 1.0);
    let busiest = trace::load(
        &path,
        &TraceSpec {
            functions: FunctionSelection::Busiest(1),
            ..TraceSpec::default()
        },
    )
    .unwrap();
    assert!(
        (busiest.total_requests() - 1.21e6).abs() < 0.01e6,
        "{}",
        busiest.total_requests()
    );
    let first = trace::load(
        &path,
        &TraceSpec {
            functions: FunctionSelection::Indices(vec![0]),
            ..TraceSpec::default()
        },
    )
    .unwrap();
    assert!(first.total_requests() <= busiest.total_requests());
}

#[test]
fn azure_llm_requests_land_in_their_ticks() {
    let Some(path) =
        common::shared_trace("azure-llm-inference-2023/AzureLLMInferenceTrace_code.csv")
    else {
        return;
    };
    let t = trace::load(&path, &TraceSpec::default()).unwrap();
    assert_eq!(t.total_requests(), 8_819.0);
    assert_eq!(t.start, common::at("2023-11-16T18:17:00Z"));
    assert_eq!(t.minutes(), 58);
}

#[test]
fn counts_csv_with_header_spreads_each_row_over_its_interval() {
    let dir = std::env::temp_dir().join(format!("sagescale-sim-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("counts.csv");
    std::fs::write(
        &path,
        "timestamp,count\n2024-05-01T12:00:00Z,600\n2024-05-01T12:01:00Z,60\n",
    )
    .unwrap();
    let t = trace::load(&path, &TraceSpec::default()).unwrap();
    assert_eq!(t.start, common::at("2024-05-01T12:00:00Z"));
    assert_eq!(&t.demand[..6], &[100.0; 6]);
    assert_eq!(&t.demand[6..], &[10.0; 6]);
    std::fs::remove_dir_all(dir).unwrap();
}
