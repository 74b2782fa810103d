//! Running the real `bptt-lab` binary from the integration tests that drive the command line.

use std::path::Path;
use std::process::{Command, Output};

/// Runs the binary with `args` in `dir` and collects its output.
pub fn bptt_lab(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_bptt-lab"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run bptt-lab")
}

/// What ran and what it printed, for a failed assertion's message.
pub fn describe(what: &str, out: &Output) -> String {
    format!(
        "{what}\nexit: {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Runs the binary in `dir` and checks its exit code; returns (stdout, stderr).
#[track_caller]
pub fn run_expecting(dir: &Path, args: &[&str], code: i32) -> (String, String) {
    let out = bptt_lab(dir, args);
    assert_eq!(
        out.status.code(),
        Some(code),
        "expected exit code {code}:\n{}",
        describe(&format!("bptt-lab {}", args.join(" ")), &out)
    );
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
