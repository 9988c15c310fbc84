//! The harness itself: process lifetime, isolation, errors.

use sagescale_tests::{Emulator, HarnessError};
use std::path::Path;

fn alive(pid: u32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
}

#[test]
fn dropping_the_handle_kills_the_emulator() {
    let emu = Emulator::start();
    let pid = emu.pid();
    assert!(alive(pid));
    assert!(emu.endpoint_url().starts_with("http://127.0.0.1:"));
    assert_ne!(emu.port(), 0);

    drop(emu);

    assert!(!alive(pid), "emulator {pid} outlived its handle");
}

#[test]
fn a_panicking_test_still_kills_the_emulator() {
    let (tx, rx) = std::sync::mpsc::channel();
    let outcome = std::thread::spawn(move || {
        let emu = Emulator::start();
        tx.send(emu.pid()).expect("send pid");
        panic!("test failure while the emulator runs");
    })
    .join();
    assert!(outcome.is_err());
    let pid = rx.recv().expect("pid");
    assert!(!alive(pid), "emulator {pid} outlived a panicking test");
}

#[test]
fn emulators_are_independent() {
    let a = Emulator::start();
    let b = Emulator::start();
    assert_ne!(a.port(), b.port());

    a.create_endpoint("only-in-a", "AllTraffic", 1);

    assert_eq!(a.describe_variant("only-in-a", "AllTraffic").0, 1);
    let err = b
        .control("GET", "endpoints/only-in-a", None)
        .expect_err("not in b");
    assert!(
        matches!(err, HarnessError::Control { status: 404, .. }),
        "{err}"
    );
}

#[test]
fn missing_venv_says_how_to_fix_it() {
    let err = Emulator::try_start_with_python(Path::new("/nonexistent/.venv/bin/python"))
        .expect_err("no interpreter");
    assert!(matches!(err, HarnessError::MissingVenv(_)));
    assert!(err.to_string().contains("run `make venv` first"), "{err}");
}

#[test]
fn bad_control_requests_are_explained() {
    let emu = Emulator::start();
    let err = emu
        .control(
            "POST",
            "faults",
            Some(&serde_json::json!({"service": "sagemaker", "operation": "X", "kind": "nope"})),
        )
        .expect_err("unknown kind");
    assert!(err.to_string().contains("kind must be one of"), "{err}");
    let err = emu
        .control(
            "POST",
            "endpoints/missing/status",
            Some(&serde_json::json!({"status": "Failed"})),
        )
        .expect_err("unknown endpoint");
    assert!(
        matches!(err, HarnessError::Control { status: 404, .. }),
        "{err}"
    );
}

#[test]
fn aws_env_points_a_child_process_at_the_emulator() {
    let emu = Emulator::start();
    emu.create_endpoint("ep", "AllTraffic", 3);
    // boto3 from the emulator's venv stands in for any SDK-based child (Lambda binary, CLI).
    let script = "import boto3; e = boto3.client('sagemaker').describe_endpoint(EndpointName='ep'); \
                  print(e['ProductionVariants'][0]['DesiredInstanceCount'])";
    let out = std::process::Command::new(sagescale_tests::venv_python())
        .args(["-c", script])
        .env_clear()
        .envs(emu.aws_env())
        .output()
        .expect("run python");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "3");
    let log = emu.requests();
    assert_eq!(log.len(), 1);
    assert_eq!(
        (log[0].service.as_str(), log[0].operation.as_str()),
        ("sagemaker", "DescribeEndpoint")
    );
}
