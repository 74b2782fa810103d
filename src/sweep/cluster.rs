//! Beyond one machine: [`emit`] writes a sweep directory whose runs are `bptt-lab train`
//! commands, one per task of a Slurm job array (`array.sh`); [`collect`] reads the finished
//! runs back into `results.csv`, in the same format as a local sweep.

use std::path::{Path, PathBuf};

use super::results::{self, Row};
use super::{Sweep, SweepError, run_name};
use crate::preset::Preset;

/// Writes `dir/points.csv`, `dir/presets/NNNN.ron` (each run's full preset, `expect` kept),
/// `dir/logs/`, `dir/bin/bptt-lab` (a copy of `binary`, so that a later build does not change
/// what queued tasks run) and `dir/array.sh`, a Slurm job-array script whose task i runs
/// `bptt-lab sweep-task dir i`: the preset `dir/presets/<i>.ron` into `dir/runs/<i>` (i as
/// four digits), skipped if its result is there, carried on if it was interrupted. The script
/// checks the copy's SHA-256 before it runs it; the environment variable `BPTT_LAB` names
/// another binary instead (not checked), and `BPTT_SWEEP_DIR` overrides `dir` (for a directory
/// copied elsewhere). For a successive-halving sweep it also writes `rungs.csv` and
/// `rungs/0.csv` (every run enters rung 0). Returns the script's path.
pub fn emit(sweep: &Sweep, dir: &Path, binary: &Path) -> Result<PathBuf, SweepError> {
    sweep.write_layout(dir)?;
    let logs = dir.join("logs");
    std::fs::create_dir_all(&logs).map_err(SweepError::io(&logs))?;
    if sweep.halving.is_some() && super::halving::read_rung_runs(dir, 0)?.is_none() {
        super::halving::start_rung_0(dir, sweep.runs.len())?;
    }
    let abs = dir.canonicalize().map_err(SweepError::io(dir))?;
    let sha256 = pin_binary(binary, &abs.join("bin"))?;
    let script = array_script(sweep, &abs, &sha256);
    let path = dir.join("array.sh");
    crate::fsutil::write_atomic(&path, script.as_bytes()).map_err(SweepError::io(&path))?;
    if sweep.runs.len() > MAX_ARRAY_TASKS {
        let all: Vec<usize> = (0..sweep.runs.len()).collect();
        let submit = format!(
            "#!/bin/bash\n# {} runs are more than one Slurm array may hold ({MAX_ARRAY_TASKS} here, under the\n# default MaxArraySize of 1001): one array per {MAX_ARRAY_TASKS} runs, each with its offset.\nset -euo pipefail\n{}\n",
            sweep.runs.len(),
            submit_commands(&all, &abs.join("array.sh")).join("\n")
        );
        let submit_path = dir.join("submit.sh");
        crate::fsutil::write_atomic(&submit_path, submit.as_bytes())
            .map_err(SweepError::io(&submit_path))?;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755))
            .map_err(SweepError::io(&path))?;
    }
    Ok(path)
}

/// The file name of the pinned binary in an emitted sweep's `bin/`.
pub const PINNED_BINARY: &str = "bptt-lab";

/// Copies `binary` into `bin_dir/bptt-lab` (atomically: a copy, then a rename) and returns
/// its SHA-256 in hex.
fn pin_binary(binary: &Path, bin_dir: &Path) -> Result<String, SweepError> {
    std::fs::create_dir_all(bin_dir).map_err(SweepError::io(bin_dir))?;
    let dest = bin_dir.join(PINNED_BINARY);
    let tmp = bin_dir.join(format!(".{PINNED_BINARY}.{}.tmp", std::process::id()));
    std::fs::copy(binary, &tmp).map_err(|source| SweepError::Io {
        path: binary.to_owned(),
        source,
    })?;
    let sha = sha256_file(&tmp).map_err(SweepError::io(&tmp))?;
    std::fs::rename(&tmp, &dest).map_err(SweepError::io(&dest))?;
    Ok(sha)
}

/// The SHA-256 of a file, in lower-case hex (as `sha256sum` prints it).
pub fn sha256_file(path: &Path) -> std::io::Result<String> {
    use sha2::Digest as _;
    use std::io::Read as _;
    let mut file = std::fs::File::open(path)?;
    let mut hasher = sha2::Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hasher
        .finalize()
        .iter()
        .fold(String::with_capacity(64), |mut s, b| {
            use std::fmt::Write as _;
            let _ = write!(s, "{b:02x}");
            s
        }))
}

/// Most tasks in one job array: indices 0..=999, under Slurm's default `MaxArraySize` of 1001.
/// A larger sweep is several arrays of `array.sh`, each with its offset (`submit.sh`).
pub const MAX_ARRAY_TASKS: usize = 1000;

/// Memory to ask Slurm for, in MiB, for the largest run of `sweep`: its stored activations
/// (about 4·T·(B + held-out size)·G·H floats: the training batch and the held-out set) with
/// half again for scratch, and 256 MiB for the process, its task data and the binary.
pub fn memory_mib(sweep: &Sweep) -> u64 {
    sweep
        .runs
        .iter()
        .map(|r| {
            let c = &r.config;
            let d = c.dims();
            let floats = 4.0
                * c.task().max_seq_len() as f64
                * (c.batch_size + c.eval.size) as f64
                * (c.model.cell.gates() * d.hidden) as f64;
            let bytes = floats
                * match c.precision {
                    crate::train::Precision::F32 => 4.0,
                    crate::train::Precision::F64 => 8.0,
                };
            256 + (1.5 * bytes / f64::from(1 << 20)).ceil() as u64
        })
        .max()
        .unwrap_or(256)
}

/// The `sbatch` commands that submit the tasks `tasks`: one per array of
/// [`MAX_ARRAY_TASKS`], with its offset, the tasks in `--array` syntax.
pub fn submit_commands(tasks: &[usize], script: &Path) -> Vec<String> {
    submit_commands_at(tasks, script, 0)
}

/// [`submit_commands`] for rung `rung` of a successive-halving sweep (`BPTT_RUNG`).
pub fn submit_commands_at(tasks: &[usize], script: &Path, rung: usize) -> Vec<String> {
    let mut by_array: std::collections::BTreeMap<usize, Vec<usize>> =
        std::collections::BTreeMap::new();
    for &t in tasks {
        by_array
            .entry(t / MAX_ARRAY_TASKS)
            .or_default()
            .push(t % MAX_ARRAY_TASKS);
    }
    by_array
        .into_iter()
        .map(|(chunk, local)| {
            let offset = chunk * MAX_ARRAY_TASKS;
            let mut vars = Vec::new();
            if offset != 0 {
                vars.push(format!("BPTT_ARRAY_OFFSET={offset}"));
            }
            if rung != 0 {
                vars.push(format!("BPTT_RUNG={rung}"));
            }
            let export = if vars.is_empty() {
                String::new()
            } else {
                format!(" --export=ALL,{}", vars.join(","))
            };
            format!(
                "sbatch --array={}{export} {}",
                array_ranges(&local),
                shell_quote(&script.display().to_string())
            )
        })
        .collect()
}

/// Task indices in Slurm's `--array` syntax: runs of consecutive ones as ranges
/// (`[10, 17, 18, 19]` → `10,17-19`).
pub fn array_ranges(tasks: &[usize]) -> String {
    let mut sorted = tasks.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let mut parts: Vec<String> = Vec::new();
    let mut i = 0;
    while i < sorted.len() {
        let start = sorted[i];
        let mut end = start;
        while i + 1 < sorted.len() && sorted[i + 1] == end + 1 {
            i += 1;
            end = sorted[i];
        }
        parts.push(if end == start {
            start.to_string()
        } else {
            format!("{start}-{end}")
        });
        i += 1;
    }
    parts.join(",")
}

/// `text` as one single-quoted shell word.
fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

fn array_script(sweep: &Sweep, dir: &Path, sha256: &str) -> String {
    let n = sweep.runs.len();
    let job_name: String = sweep
        .name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .take(40)
        .collect();
    let shown = dir.display();
    let halving = if let Some(s) = &sweep.halving {
        format!(
            "# Successive halving, {} rungs (rungs.csv): this array is rung 0, every run for {} \
             steps.\n# `--collect` starts each next rung when one is complete and prints its \
             sbatch command\n# (--export=ALL,BPTT_RUNG=k: only the surviving runs, carried \
             on to the rung's steps).\n",
            s.rungs.len(),
            s.rungs[0].steps
        )
    } else {
        String::new()
    };
    format!(
        r#"#!/bin/bash
# bptt-lab sweep "{name}" ({file}): {n} runs, one Slurm array task each.
#   submit:         sbatch {shown}/array.sh
#   then collect:   bptt-lab sweep --collect {shown}
#   task i here:    SLURM_ARRAY_TASK_ID=i bash {shown}/array.sh
{halving}# Add your cluster's #SBATCH lines (partition, account, --time) below. More than {max} runs
# go in several arrays: submit them with submit.sh. Compute nodes must see this directory
# (a shared file system): the runs are written into it, and it holds the binary they run,
# bin/bptt-lab, copied when the sweep was emitted and checked against its SHA-256 below.
# BPTT_LAB names another binary instead (not checked), BPTT_SWEEP_DIR another directory.
#SBATCH --job-name=bptt-{job_name}
#SBATCH --array=0-{last}
#SBATCH --cpus-per-task=1
# Memory: the largest run's activations, estimated (edit it if your site needs more).
#SBATCH --mem={mem}M
#SBATCH --output="{shown}/logs/%A_%a.out"
set -euo pipefail
default_dir={dir}
pinned_sha256={sha256}
SWEEP_DIR="${{BPTT_SWEEP_DIR:-$default_dir}}"
task="${{SLURM_ARRAY_TASK_ID:?is set by sbatch --array; to run task i by hand: SLURM_ARRAY_TASK_ID=i bash array.sh}}"
# Sweeps of more than {max} runs are several arrays (submit.sh): each adds its offset.
task=$(( ${{BPTT_ARRAY_OFFSET:-0}} + task ))
pin=()
if [ -n "${{BPTT_LAB:-}}" ]; then
    echo "running $BPTT_LAB (BPTT_LAB), not the pinned bin/bptt-lab"
else
    BPTT_LAB="$SWEEP_DIR/bin/bptt-lab"
    # The task hashes its own executable and refuses to run if it is not this one.
    pin=(--pinned-sha256 "$pinned_sha256")
fi
# The run's result for its setup already written: skipped. A run that diverges is a result
# too (exit 0). Real failures exit non-zero.
exec "$BPTT_LAB" sweep-task "$SWEEP_DIR" "$task" --rung "${{BPTT_RUNG:-0}}" "${{pin[@]}}"
"#,
        name = sweep.name.replace('\n', " "),
        file = sweep.path.display(),
        last = n.min(MAX_ARRAY_TASKS).saturating_sub(1),
        mem = memory_mib(sweep),
        max = MAX_ARRAY_TASKS,
        dir = shell_quote(&dir.display().to_string()),
    )
}

/// What [`collect`] found.
#[derive(Debug)]
pub struct Collected {
    /// The axis keys.
    pub keys: Vec<String>,
    /// The finished runs' rows, in run order.
    pub rows: Vec<Row>,
    /// Runs without a result yet (no `summary.json`).
    pub missing: Vec<usize>,
    /// Runs whose files cannot be read or are cut short, with why (the others are collected).
    pub unreadable: Vec<(usize, SweepError)>,
    /// The `expect` clause of the first run (every run of a sweep has the same).
    pub expect: Option<crate::preset::Expect>,
}

/// Reads every run of the sweep directory `dir` (`points.csv`, `presets/NNNN.ron`,
/// `runs/NNNN/`) and writes `dir/results.csv` with the finished ones.
pub fn collect(dir: &Path) -> Result<Collected, SweepError> {
    let points_path = dir.join("points.csv");
    if !points_path.is_file() {
        return Err(SweepError::Dir {
            path: dir.to_owned(),
            message: "no points.csv: not a sweep directory (`bptt-lab sweep SWEEP --emit DIR` \
                      or `--out DIR` writes one)"
                .to_owned(),
        });
    }
    let (keys, points) = results::read_points_csv(&points_path)?;
    let mut rows = Vec::new();
    let mut missing = Vec::new();
    let mut unreadable = Vec::new();
    let mut expect = None;
    for point in &points {
        let name = run_name(point.index);
        let preset_path = dir.join("presets").join(format!("{name}.ron"));
        let preset = Preset::load(&preset_path).map_err(SweepError::Read)?;
        if point.index == 0 {
            expect = preset.expect;
        }
        let config = serde_json::to_value(&preset.config).expect("a setup always serializes");
        match results::read_run(
            &dir.join("runs").join(&name),
            point,
            &config,
            preset.expect.as_ref(),
        ) {
            Ok(Some(row)) => rows.push(row),
            Ok(None) => missing.push(point.index),
            Err(e) => unreadable.push((point.index, e)),
        }
    }
    results::write_results_csv(&dir.join("results.csv"), &keys, &rows)?;
    Ok(Collected {
        keys,
        rows,
        missing,
        unreadable,
        expect,
    })
}

#[cfg(test)]
mod tests {
    use super::array_ranges;

    #[test]
    fn tasks_beyond_one_array_are_submitted_with_their_offset() {
        let script = std::path::Path::new("/s/array.sh");
        assert_eq!(
            super::submit_commands(&[3, 4, 5, 999, 1000, 1002], script),
            [
                "sbatch --array=3-5,999 '/s/array.sh'",
                "sbatch --array=0,2 --export=ALL,BPTT_ARRAY_OFFSET=1000 '/s/array.sh'"
            ]
        );
    }

    #[test]
    fn missing_tasks_read_as_slurm_array_ranges() {
        assert_eq!(array_ranges(&[10, 17, 18, 19]), "10,17-19");
        assert_eq!(array_ranges(&[3, 1, 2, 2, 7]), "1-3,7");
        assert_eq!(array_ranges(&[0]), "0");
        assert_eq!(array_ranges(&[]), "");
    }
}
