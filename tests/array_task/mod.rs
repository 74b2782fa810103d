//! Running a task of an emitted sweep's `array.sh` with bash, as Slurm would, for the
//! integration tests of sweeps.

use std::path::Path;
use std::process::{Command, Output};

use super::binary::describe;

/// Runs task `task` of `script` with the environment variables `env` added
/// (`BPTT_RUNG`, `BPTT_LAB`, …); `BPTT_LAB` is unset unless `env` names it.
pub fn array_task(script: &Path, task: usize, env: &[(&str, &str)]) -> Output {
    let mut command = Command::new("bash");
    command
        .arg(script)
        .env("SLURM_ARRAY_TASK_ID", task.to_string())
        .env_remove("BPTT_LAB");
    for (key, value) in env {
        command.env(key, value);
    }
    command.output().expect("run bash")
}

/// Checks that `out` exited with `code` and said `needle` on stderr.
#[track_caller]
pub fn assert_refused(what: &str, out: &Output, code: i32, needle: &str) {
    assert_eq!(out.status.code(), Some(code), "{}", describe(what, out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains(needle),
        "{needle:?}: {}",
        describe(what, out)
    );
}
