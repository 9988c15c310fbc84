//! Running the built `sagescale` binary from the repository root, as a user would.

// Each test binary compiles its own copy of this module and uses only part of it.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("cli/ is inside the repository")
        .to_path_buf()
}

/// `sagescale ARGS...` with the repository root as working directory, so paths in the output
/// read `examples/...` and `tests/fixtures/...`.
pub fn sagescale(args: &[&str]) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_sagescale"))
        .args(args)
        .current_dir(repo_root())
        .output()
        .expect("sagescale runs");
    Run {
        code: output.status.code().expect("exit code"),
        stdout: String::from_utf8(output.stdout).expect("utf-8 stdout"),
        stderr: String::from_utf8(output.stderr).expect("utf-8 stderr"),
    }
}

/// Repository-relative paths of the files in `dir` with one of `extensions`, sorted.
pub fn files(dir: &str, extensions: &[&str]) -> Vec<String> {
    let mut found: Vec<String> = std::fs::read_dir(repo_root().join(dir))
        .expect("directory exists")
        .map(|entry| entry.expect("readable entry").path())
        .filter(|path| {
            path.extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| extensions.contains(&e))
        })
        .map(|path| format!("{dir}/{}", path.file_name().unwrap().to_string_lossy()))
        .collect();
    found.sort();
    found
}
