//! Sweeps: the shipped sweep files expand and validate; a 2×2 sweep with 2 seeds runs end to
//! end through the real binary and writes 8 rows; a rerun resumes (only a deleted run runs
//! again); `--emit` writes one preset per run and a Slurm array script whose task 0, run here
//! with bash, trains its run; `--collect` rebuilds the local sweep's table; malformed sweep
//! files give errors naming the axis, the value and the file. Every model is tiny (H = 4,
//! T = 6, 20 steps), so the whole file runs in seconds.

mod array_task;
mod binary;

use array_task::{array_task, assert_refused};
use binary::{describe, run_expecting};

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::SystemTime;

use bptt_lab::preset::Preset;
use bptt_lab::sweep::results::{RESULT_COLUMNS, parse_line};
use bptt_lab::sweep::{DIAGNOSTICS_PER_RUN, Sweep, SweepError};

/// A 2 × 2 sweep of a tiny setup with 2 seeds: 8 runs.
const TINY: &str = r#"(
    version: 1,
    name: "tiny 2×2×2",
    description: "cell × learning rate, two seeds, on a tiny adding problem",
    base_config: (
        seed: 1,
        model: (cell: rnn(tanh), hidden: 4),
        task: adding(seq_len: 6),
        optimizer: adam(lr: 0.01),
        batch_size: 4,
        steps: 20,
        eval: (every: 0, size: 16),
    ),
    axes: [
        (key: "model.cell", values: list([rnn(tanh), gru])),
        (key: "optimizer.lr", values: log(0.001, 0.1, 2)),
    ],
    seeds: 2,
    expect: Some((metric: eval_loss, compare: below, threshold: 0.3, by_step: 20)),
)
"#;

/// A temporary directory holding `tiny.ron`.
fn tiny_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    fs::write(dir.path().join("tiny.ron"), TINY).expect("write tiny.ron");
    dir
}

/// A CSV file as its header and rows of fields.
fn read_csv(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut lines = text.lines();
    let header = parse_line(lines.next().expect("a header"));
    (header, lines.map(parse_line).collect())
}

fn summary_mtimes(out: &Path) -> Vec<(String, SystemTime)> {
    let mut runs: Vec<(String, SystemTime)> = fs::read_dir(out.join("runs"))
        .expect("runs/")
        .map(|e| {
            let e = e.expect("an entry");
            let summary = e.path().join("summary.json");
            let modified = fs::metadata(&summary)
                .and_then(|m| m.modified())
                .unwrap_or_else(|err| panic!("{}: {err}", summary.display()));
            (e.file_name().to_string_lossy().into_owned(), modified)
        })
        .collect();
    runs.sort();
    runs
}

#[test]
fn shipped_sweeps_expand_into_valid_runs() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("sweeps");
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .expect("sweeps/")
        .map(|e| e.expect("an entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "ron"))
        .collect();
    files.sort();
    assert_eq!(files.len(), 5, "five shipped sweeps: {files:?}");
    for path in files {
        let sweep = Sweep::load(&path).unwrap_or_else(|e| panic!("{e}"));
        // A grid's points are every combination of the axes' values; a random search's the
        // samples it drew.
        let points: usize = sweep.random.map_or_else(
            || sweep.axes.iter().map(|a| a.values.len()).product(),
            |r| r.samples,
        );
        assert_eq!(
            sweep.runs.len(),
            points * sweep.seeds.len(),
            "{}",
            path.display()
        );
        assert!(
            sweep.runs[0].preset.expect.is_some(),
            "{}: a shipped sweep says what counts as reached",
            path.display()
        );
        for run in &sweep.runs {
            // What --emit writes is what `train` reads back.
            let back = Preset::from_ron(&run.preset.to_ron(), &path).expect("round trip");
            assert_eq!(back, run.preset, "{} run {}", path.display(), run.index);
            back.validate(&path).expect("validates");
            assert!(run.setup().eval.every > 0, "fixed diagnostics cadence");
        }
    }
}

#[test]
fn runs_are_point_major_with_seeds_innermost_and_integer_ranges_rounded() {
    let dir = tiny_dir();
    let sweep = Sweep::load(&dir.path().join("tiny.ron")).expect("tiny.ron");
    assert_eq!(sweep.keys(), ["model.cell", "optimizer.lr"]);
    assert_eq!(sweep.axes[1].values, ["0.001", "0.1"]);
    let listed: Vec<(Vec<&str>, u64)> = sweep
        .runs
        .iter()
        .map(|r| (r.values.iter().map(String::as_str).collect(), r.seed))
        .collect();
    assert_eq!(
        listed,
        [
            (vec!["rnn(tanh)", "0.001"], 1),
            (vec!["rnn(tanh)", "0.001"], 2),
            (vec!["rnn(tanh)", "0.1"], 1),
            (vec!["rnn(tanh)", "0.1"], 2),
            (vec!["gru", "0.001"], 1),
            (vec!["gru", "0.001"], 2),
            (vec!["gru", "0.1"], 1),
            (vec!["gru", "0.1"], 2),
        ]
    );
    let last = &sweep.runs[7];
    assert_eq!(
        last.setup().model.cell,
        bptt_lab::nn::CellKind::Gru,
        "the value reached the setup"
    );
    assert_eq!(last.setup().seed, 2);
    assert_eq!(
        last.setup().eval.every,
        1,
        "eval.every 0 becomes max(1, steps / {DIAGNOSTICS_PER_RUN})"
    );

    // An integer setting: linear values are rounded and duplicates dropped.
    let text = TINY
        .replace(
            "        (key: \"model.cell\", values: list([rnn(tanh), gru])),\n",
            "",
        )
        .replace(
            "(key: \"optimizer.lr\", values: log(0.001, 0.1, 2))",
            "(key: \"model.hidden\", values: linear(2, 5, 7))",
        )
        .replace("seeds: 2", "seeds: [7, 3]");
    let path = dir.path().join("hidden.ron");
    fs::write(&path, text).expect("write");
    let sweep = Sweep::load(&path).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(sweep.axes[0].values, ["2", "3", "4", "5"]);
    assert_eq!(sweep.seeds, [7, 3]);
    assert_eq!(sweep.runs.len(), 8);
    assert_eq!(sweep.runs[1].setup().model.hidden, 2);
    assert_eq!(sweep.runs[1].seed, 3);
}

#[test]
fn a_2x2_sweep_with_2_seeds_writes_8_rows_and_resumes_without_rerunning_finished_runs() {
    let dir = tiny_dir();
    let (stdout, stderr) = run_expecting(
        dir.path(),
        &["sweep", "tiny.ron", "--jobs", "2", "--out", "out"],
        0,
    );
    let out = dir.path().join("out");
    let (header, rows) = read_csv(&out.join("results.csv"));
    let mut expected_header = vec!["run", "model.cell", "optimizer.lr"];
    expected_header.extend(RESULT_COLUMNS);
    assert_eq!(header, expected_header);
    assert_eq!(rows.len(), 8, "8 rows:\n{stdout}\n{stderr}");
    let col = |name: &str| header.iter().position(|h| h == name).expect(name);
    for (i, row) in rows.iter().enumerate() {
        assert_eq!(row.len(), header.len(), "row {i}: {row:?}");
        assert_eq!(row[col("run")], format!("{i:04}"));
        assert_eq!(row[col("seed")], if i % 2 == 0 { "1" } else { "2" });
        assert_eq!(row[col("steps")], "20");
        assert_eq!(row[col("diverged")], "false");
        let eval_loss: f64 = row[col("eval_loss")].parse().expect("a finite eval_loss");
        assert!(eval_loss > 0.0, "row {i}: eval_loss {eval_loss}");
        let reached = &row[col("steps_to_expect")];
        assert!(
            reached.is_empty() || (1..=20).contains(&reached.parse::<u64>().expect("a step")),
            "row {i}: steps_to_expect {reached:?}"
        );
        assert!(
            out.join(format!("runs/{i:04}/summary.json")).is_file(),
            "run {i} wrote its files"
        );
    }
    assert_eq!(rows[5][col("model.cell")], "gru");
    assert_eq!(rows[5][col("optimizer.lr")], "0.001");
    assert!(
        stdout.contains("8 runs (0 resumed, 8 ran)"),
        "summary line:\n{stdout}"
    );

    // Resume: delete one run; only that one runs again.
    let before = summary_mtimes(&out);
    fs::remove_dir_all(out.join("runs/0005")).expect("delete run 0005");
    let (stdout, stderr) = run_expecting(
        dir.path(),
        &["sweep", "tiny.ron", "--jobs", "2", "--out", "out"],
        0,
    );
    assert!(
        stderr.contains("7 of 8 runs already finished"),
        "resume message:\n{stderr}"
    );
    assert!(
        stdout.contains("8 runs (7 resumed, 1 ran)"),
        "summary line:\n{stdout}"
    );
    let after = summary_mtimes(&out);
    for ((name, t0), (name1, t1)) in before.iter().zip(&after) {
        assert_eq!(name, name1);
        if name == "0005" {
            assert!(t1 > t0, "run 0005 ran again");
        } else {
            assert_eq!(t0, t1, "run {name} was not run again");
        }
    }
    let (_, rows_again) = read_csv(&out.join("results.csv"));
    let without_wall = |rows: &[Vec<String>]| -> Vec<Vec<String>> {
        rows.iter().map(|r| r[..r.len() - 1].to_vec()).collect()
    };
    assert_eq!(
        without_wall(&rows_again),
        without_wall(&rows),
        "the rerun run gives the same numbers (same seed)"
    );

    // A changed sweep file does not silently mix with the old runs: refused before writing.
    fs::write(
        dir.path().join("tiny.ron"),
        TINY.replace("log(0.001, 0.1, 2)", "log(0.001, 0.1, 3)"),
    )
    .expect("write");
    let (_, stderr) = run_expecting(dir.path(), &["sweep", "tiny.ron", "--out", "out"], 2);
    assert!(
        stderr.contains("holds another sweep") && stderr.contains("out/points.csv"),
        "{stderr}"
    );
}

#[test]
fn emit_writes_a_preset_per_run_and_an_array_script_whose_task_0_trains_run_0() {
    let dir = tiny_dir();
    let (stdout, _) = run_expecting(dir.path(), &["sweep", "tiny.ron", "--emit", "cluster"], 0);
    let cluster = dir.path().join("cluster");
    assert!(stdout.contains("sbatch"), "{stdout}");
    let mut presets: Vec<String> = fs::read_dir(cluster.join("presets"))
        .expect("presets/")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    presets.sort();
    let expected: Vec<String> = (0..8).map(|i| format!("{i:04}.ron")).collect();
    assert_eq!(presets, expected);
    let preset0 = cluster.join("presets/0000.ron");
    let p = Preset::load(&preset0).expect("preset 0 loads");
    p.validate(&preset0).expect("preset 0 validates");
    assert!(p.expect.is_some(), "expect kept");
    let (_, points) = read_csv(&cluster.join("points.csv"));
    assert_eq!(points.len(), 8);

    let script = fs::read_to_string(cluster.join("array.sh")).expect("array.sh");
    assert!(script.contains("#SBATCH --array=0-7"), "{script}");
    // The log path is quoted (a space in it broke sbatch's directive) and names the job too
    // (%A_%a), so a resubmitted task does not overwrite the failed attempt's log.
    let output_line = script
        .lines()
        .find(|l| l.starts_with("#SBATCH --output="))
        .expect("an --output directive");
    assert!(
        output_line.starts_with("#SBATCH --output=\"")
            && output_line.ends_with("/logs/%A_%a.out\""),
        "{output_line}"
    );
    assert!(script.contains("SLURM_ARRAY_TASK_ID"), "{script}");
    // The binary that emitted it, copied into the sweep directory and pinned by its hash.
    let pinned = cluster.join("bin/bptt-lab");
    let sha = bptt_lab::sweep::cluster::sha256_file(&pinned).expect("the pinned copy");
    assert_eq!(
        sha,
        bptt_lab::sweep::cluster::sha256_file(Path::new(env!("CARGO_BIN_EXE_bptt-lab")))
            .expect("the binary"),
        "a copy of the binary that emitted it"
    );
    assert!(script.contains(&format!("pinned_sha256={sha}")), "{script}");

    // Task 0, here, as Slurm would run it.
    let out = Command::new("bash")
        .arg(cluster.join("array.sh"))
        .env("SLURM_ARRAY_TASK_ID", "0")
        .env_remove("BPTT_LAB")
        .env_remove("BPTT_SWEEP_DIR")
        .output()
        .expect("run bash");
    assert!(
        out.status.success(),
        "{}",
        describe("array.sh, task 0", &out)
    );
    let summary = cluster.join("runs/0000/summary.json");
    let json: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(&summary).expect("summary.json of run 0000"))
            .expect("JSON");
    assert_eq!(json["outcome"], "finished");
    assert_eq!(json["config"]["seed"], 1);
    assert!(
        !cluster.join("runs/0001/summary.json").exists(),
        "only task 0 ran"
    );
    // Task 0 again (the whole array resubmitted): its finished run is not trained again.
    let before = fs::metadata(&summary)
        .and_then(|m| m.modified())
        .expect("mtime");
    let out = Command::new("bash")
        .arg(cluster.join("array.sh"))
        .env("SLURM_ARRAY_TASK_ID", "0")
        .output()
        .expect("run bash");
    assert!(out.status.success(), "{}", describe("task 0 again", &out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("skipped"));
    assert_eq!(
        fs::metadata(&summary)
            .and_then(|m| m.modified())
            .expect("mtime"),
        before
    );

    // Without Slurm's variable the script says what it needs.
    let out = Command::new("bash")
        .arg(cluster.join("array.sh"))
        .env_remove("SLURM_ARRAY_TASK_ID")
        .output()
        .expect("run bash");
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("SLURM_ARRAY_TASK_ID"),
        "{}",
        describe("array.sh without a task id", &out)
    );
}

#[test]
fn a_task_refuses_a_changed_preset_or_a_changed_pinned_binary() {
    let dir = tiny_dir();
    run_expecting(dir.path(), &["sweep", "tiny.ron", "--emit", "cluster"], 0);
    let cluster = dir.path().join("cluster");
    let preset0 = cluster.join("presets/0000.ron");
    let pinned = cluster.join("bin/bptt-lab");
    let out = Command::new("bash")
        .arg(cluster.join("array.sh"))
        .env("SLURM_ARRAY_TASK_ID", "0")
        .env_remove("BPTT_LAB")
        .output()
        .expect("run bash");
    assert!(out.status.success(), "{}", describe("task 0", &out));
    // A preset changed after its run finished: the task says so instead of keeping or
    // overwriting the other setup's result.
    let preset_text = fs::read_to_string(&preset0).expect("read");
    fs::write(&preset0, preset_text.replace("seed: 1,", "seed: 99,")).expect("edit");
    let out = array_task(&cluster.join("array.sh"), 0, &[]);
    assert_refused("changed preset", &out, 2, "trained another setup");
    fs::write(&preset0, preset_text).expect("restore");

    // A pinned binary that changed (rebuilt, replaced) is refused before it runs a task;
    // BPTT_LAB names another binary on purpose.
    let mut bytes = fs::read(&pinned).expect("read");
    bytes.push(0);
    fs::write(&pinned, bytes).expect("tamper");
    let out = array_task(&cluster.join("array.sh"), 1, &[]);
    assert_refused(
        "tampered binary",
        &out,
        2,
        "not the binary this sweep was emitted with",
    );
    assert!(!cluster.join("runs/0001").exists(), "nothing ran");
    let out = Command::new("bash")
        .arg(cluster.join("array.sh"))
        .env("SLURM_ARRAY_TASK_ID", "1")
        .env("BPTT_LAB", env!("CARGO_BIN_EXE_bptt-lab"))
        .output()
        .expect("run bash");
    assert!(out.status.success(), "{}", describe("BPTT_LAB", &out));
    assert!(cluster.join("runs/0001/summary.json").is_file());
}

#[test]
fn collect_rebuilds_the_table_of_the_local_sweep() {
    let dir = tiny_dir();
    run_expecting(dir.path(), &["sweep", "tiny.ron", "--out", "local"], 0);
    run_expecting(dir.path(), &["sweep", "tiny.ron", "--emit", "cluster"], 0);
    let cluster = dir.path().join("cluster");

    // Before any task ran: a table with no rows, and the missing runs named, with the
    // command that resubmits just them.
    let (_, stderr) = run_expecting(dir.path(), &["sweep", "--collect", "cluster"], 1);
    assert!(
        stderr.contains("8 of 8 runs have no summary.json yet"),
        "{stderr}"
    );
    assert!(stderr.contains("sbatch --array=0-7 "), "{stderr}");

    for i in 0..8 {
        let out = Command::new("bash")
            .arg(cluster.join("array.sh"))
            .env("SLURM_ARRAY_TASK_ID", i.to_string())
            .output()
            .expect("run bash");
        assert!(
            out.status.success(),
            "{}",
            describe(&format!("task {i}"), &out)
        );
    }
    run_expecting(dir.path(), &["sweep", "--collect", "cluster"], 0);
    let (local_header, local_rows) = read_csv(&dir.path().join("local/results.csv"));
    let (header, rows) = read_csv(&cluster.join("results.csv"));
    assert_eq!(header, local_header);
    assert_eq!(header.last().map(String::as_str), Some("wall_secs"));
    let without_wall = |rows: &[Vec<String>]| -> Vec<Vec<String>> {
        rows.iter().map(|r| r[..r.len() - 1].to_vec()).collect()
    };
    assert_eq!(
        without_wall(&rows),
        without_wall(&local_rows),
        "train via array.sh and the local pool give the same numbers"
    );

    // Collecting a local sweep directory rewrites the very same file.
    let local_csv = dir.path().join("local/results.csv");
    let before = fs::read_to_string(&local_csv).expect("read");
    run_expecting(dir.path(), &["sweep", "--collect", "local"], 0);
    assert_eq!(fs::read_to_string(&local_csv).expect("read"), before);

    // Damaged runs are named, each with why, and the others are collected.
    let run = |i: usize| cluster.join("runs").join(format!("{i:04}"));
    fs::remove_file(run(1).join("diagnostics.csv")).expect("remove");
    let diagnostics = fs::read_to_string(run(2).join("diagnostics.csv")).expect("read");
    let header_only = &diagnostics[..=diagnostics.find('\n').expect("a header line")];
    fs::write(run(2).join("diagnostics.csv"), header_only).expect("truncate");
    fs::write(run(3).join("summary.json"), "").expect("empty");
    let (_, stderr) = run_expecting(dir.path(), &["sweep", "--collect", "cluster"], 1);
    for needle in [
        "0001: ",
        "cannot read: No such file",
        "runs/0001/diagnostics.csv",
        "0002: ",
        "cut short: its last row is at step (none) but the run has 20 steps",
        "0003: ",
        "not valid JSON",
        "3 of 8 runs could not be read (0001, 0002, 0003)",
    ] {
        assert!(stderr.contains(needle), "{needle:?} in {stderr}");
    }
    let (_, rows) = read_csv(&cluster.join("results.csv"));
    assert_eq!(rows.len(), 5, "the five sound runs are collected");

    // Not a sweep directory.
    let (_, stderr) = run_expecting(dir.path(), &["sweep", "--collect", "."], 2);
    assert!(stderr.contains("not a sweep directory"), "{stderr}");
}

/// Loads `text` as a sweep file and returns the error message.
fn load_error(dir: &Path, text: &str) -> String {
    let path = dir.join("bad.ron");
    fs::write(&path, text).expect("write");
    match Sweep::load(&path) {
        Ok(s) => panic!("expected an error, got {} runs from:\n{text}", s.runs.len()),
        Err(e) => {
            assert!(
                !matches!(e, SweepError::Io { .. }),
                "a bad file is bad input: {e}"
            );
            e.to_string()
        }
    }
}

/// Malformed variants of [`TINY`] and what their error messages must contain.
fn malformed_cases() -> Vec<(String, Vec<&'static str>)> {
    let lr_axis = "(key: \"optimizer.lr\", values: log(0.001, 0.1, 2))";
    vec![
        (TINY.replace("version: 1", "version: 9"), vec!["version 9"]),
        (TINY.replace("seeds: 2", "seedz: 2"), vec!["seedz"]),
        (
            TINY.replace(
                "    base_config: (",
                "    base: \"adding_lstm_t100\",\n    base_config: (",
            ),
            vec!["`base`", "not both"],
        ),
        (
            TINY.replace(
                "    base_config: (",
                "    base: \"no_such_preset\",\n    unused: (",
            ),
            vec!["unused"],
        ),
        (
            r#"(version: 1, name: "x", description: "", base: "no_such_preset",
                axes: [(key: "optimizer.lr", values: list([0.1]))])"#
                .to_owned(),
            vec!["`base`", "no_such_preset"],
        ),
        (
            TINY.replace("\"model.cell\"", "\"model.cel\""),
            vec!["axis `model.cel`", "has no field"],
        ),
        (
            TINY.replace("list([rnn(tanh), gru])", "list([rnn(tanh), grue])"),
            vec!["axis `model.cell` = grue"],
        ),
        (
            TINY.replace(
                lr_axis,
                "(key: \"bptt\", values: list([full, truncated(k1: 4, k2: 2, mode: per_segment)]))",
            ),
            vec![
                "at model.cell = rnn(tanh), bptt = truncated(k1: 4, k2: 2, mode: per_segment)",
                "bptt.k2",
                "≥ k1",
            ],
        ),
        (
            TINY.replace(lr_axis, "(key: \"optimizer.lr\", values: log(0, 0.1, 2))"),
            vec!["axis `optimizer.lr`", "> 0"],
        ),
        (
            TINY.replace(lr_axis, "(key: \"optimizer.lr\", values: list([]))"),
            vec!["axis `optimizer.lr`", "empty"],
        ),
        (
            TINY.replace(lr_axis, "(key: \"optimizer.lr\", values: list([-1.0]))"),
            vec!["optimizer.adam.lr", "-1"],
        ),
        (
            TINY.replace(lr_axis, "(key: \"model.cell\", values: list([gru]))"),
            vec!["`axes`", "twice"],
        ),
        (
            TINY.replace(
                lr_axis,
                &format!("{lr_axis}, (key: \"batch_size\", values: list([2]))"),
            ),
            vec!["`axes`", "one or two axes"],
        ),
        (
            TINY.replace(lr_axis, "(key: \"seed\", values: list([1, 2]))"),
            vec!["`seeds:"],
        ),
        (TINY.replace("seeds: 2", "seeds: 0"), vec!["`seeds`"]),
        (
            TINY.replace("seeds: 2", "seeds: 18446744073709551615"),
            vec!["`seeds`", "more than a sweep may have runs"],
        ),
        (
            TINY.replace("size: 16", "size: 100000")
                .replace("hidden: 4", "hidden: 128"),
            vec!["eval.size", "held-out set"],
        ),
        (
            TINY.replace("seeds: 2", "seeds: [3, 3]"),
            vec!["`seeds`", "twice"],
        ),
        (
            TINY.replace("by_step: 20", "by_step: 21"),
            vec!["`expect.by_step`", "21"],
        ),
    ]
}

#[test]
fn malformed_sweep_files_give_errors_naming_the_field_axis_value_and_file() {
    let dir = tiny_dir();
    let cases = malformed_cases();
    for (text, wanted) in cases {
        let message = load_error(dir.path(), &text);
        for w in wanted {
            assert!(message.contains(w), "{message:?} should contain {w:?}");
        }
        assert!(
            message.ends_with(&format!("(in {})", dir.path().join("bad.ron").display())),
            "names the file last: {message}"
        );
    }

    // Through the binary: exit code 2 and the message on stderr.
    fs::write(
        dir.path().join("bad.ron"),
        TINY.replace("list([rnn(tanh), gru])", "list([rnn(tanh), grue])"),
    )
    .expect("write");
    let (_, stderr) = run_expecting(dir.path(), &["sweep", "bad.ron"], 2);
    assert!(
        stderr.contains("axis `model.cell` = grue") && stderr.contains("bad.ron"),
        "{stderr}"
    );
    assert!(
        !dir.path().join("runs").exists(),
        "nothing is written for a bad file"
    );
    // The window checks a sweep file before it opens.
    let (_, stderr) = run_expecting(dir.path(), &["gui", "--sweep", "bad.ron"], 2);
    assert!(
        stderr.contains("axis `model.cell` = grue") && stderr.contains("bad.ron"),
        "{stderr}"
    );
}

#[test]
fn a_sweep_of_more_than_200_runs_says_its_size_and_waits_for_yes() {
    let dir = tiny_dir();
    // 2 × 2 points × 60 seeds = 240 runs of 20 steps.
    fs::write(
        dir.path().join("big.ron"),
        TINY.replace("seeds: 2", "seeds: 60"),
    )
    .expect("write");
    let (_, stderr) = run_expecting(dir.path(), &["sweep", "big.ron"], 2);
    assert!(
        stderr.contains("240 runs") && stderr.contains("--yes"),
        "{stderr}"
    );
    assert!(!dir.path().join("runs").exists(), "nothing ran");
    let (_, stderr) = run_expecting(dir.path(), &["sweep", "big.ron", "--yes"], 0);
    let (_, rows) = read_csv(&dir.path().join("runs/sweep-big/results.csv"));
    assert_eq!(rows.len(), 240, "{stderr}");
}

#[test]
fn another_sweep_into_a_sweeps_folder_is_refused_before_anything_is_written() {
    let dir = tiny_dir();
    run_expecting(dir.path(), &["sweep", "tiny.ron", "--out", "a"], 0);
    let a = dir.path().join("a");
    let points_before = fs::read_to_string(a.join("points.csv")).expect("points");
    let preset_before = fs::read_to_string(a.join("presets/0000.ron")).expect("preset");
    // Same axes, another base learning rate: other presets, same points.
    fs::write(
        dir.path().join("b.ron"),
        TINY.replace("adam(lr: 0.01)", "adam(lr: 0.02)")
            .replace("list([rnn(tanh), gru])", "list([rnn(tanh), lstm])"),
    )
    .expect("write");
    for flag in ["--out", "--emit"] {
        let (_, stderr) = run_expecting(dir.path(), &["sweep", "b.ron", flag, "a"], 2);
        assert!(
            stderr.contains("holds another sweep") && stderr.contains("points.csv"),
            "{stderr}"
        );
    }
    assert_eq!(
        fs::read_to_string(a.join("points.csv")).expect("points"),
        points_before
    );
    assert_eq!(
        fs::read_to_string(a.join("presets/0000.ron")).expect("preset"),
        preset_before
    );
    assert!(!a.join("array.sh").exists(), "nothing emitted into it");
    // The same sweep again resumes: nothing to refuse.
    run_expecting(dir.path(), &["sweep", "tiny.ron", "--out", "a"], 0);
}

#[test]
fn a_diverged_run_is_a_result_for_slurm_and_train_says_so_with_exit_code_3() {
    let dir = tempfile::tempdir().expect("tempdir");
    // The unclipped exploding ReLU RNN diverges within its first steps.
    let out = Command::new(env!("CARGO_BIN_EXE_bptt-lab"))
        .current_dir(dir.path())
        .args([
            "train",
            "clip_exploding_rnn_unclipped",
            "--steps",
            "300",
            "--out",
            "run",
        ])
        .output()
        .expect("run bptt-lab");
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        describe("a diverging train", &out)
    );
    let summary = fs::read_to_string(dir.path().join("run/summary.json")).expect("written");
    assert!(summary.contains("diverged"), "{summary}");
    // array.sh's task exits 0 for it (a valid result, not a FAILED task).
    let sweep = dir.path().join("diverging.ron");
    fs::write(
        &sweep,
        r#"(version: 1, name: "diverging", description: "an exploding run", base: "clip_exploding_rnn_unclipped", axes: [(key: "batch_size", values: list([32]))], seeds: 1, steps: 300)"#,
    )
    .expect("write");
    let emitted = Command::new(env!("CARGO_BIN_EXE_bptt-lab"))
        .current_dir(dir.path())
        .args(["sweep", "diverging.ron", "--emit", "cluster"])
        .output()
        .expect("run bptt-lab");
    assert!(emitted.status.success(), "{}", describe("emit", &emitted));
    let task = Command::new("bash")
        .arg(dir.path().join("cluster/array.sh"))
        .env("SLURM_ARRAY_TASK_ID", "0")
        .output()
        .expect("run bash");
    assert!(
        task.status.success(),
        "{}",
        describe("the diverging task", &task)
    );
    assert!(String::from_utf8_lossy(&task.stdout).contains("diverged"));
}

#[test]
fn a_sweep_of_more_than_1000_runs_is_several_arrays_with_offsets_and_asks_for_memory() {
    let dir = tiny_dir();
    let big = TINY
        .replace(
            "values: list([rnn(tanh), gru])",
            "values: list([rnn(tanh)])",
        )
        .replace(
            "values: log(0.001, 0.1, 2)",
            "values: log(0.001, 0.1, 1001)",
        )
        .replace("seeds: 2,", "seeds: 1,");
    fs::write(dir.path().join("big.ron"), big).expect("write");
    let (stdout, _) = run_expecting(dir.path(), &["sweep", "big.ron", "--emit", "cluster"], 0);
    assert!(stdout.contains("submit.sh"), "{stdout}");
    let cluster = dir.path().join("cluster");
    let script = fs::read_to_string(cluster.join("array.sh")).expect("array.sh");
    assert!(
        script.contains("#SBATCH --array=0-999\n"),
        "under MaxArraySize 1001"
    );
    let mem: u64 = script
        .lines()
        .find_map(|l| l.strip_prefix("#SBATCH --mem="))
        .and_then(|m| m.strip_suffix('M'))
        .expect("a --mem request")
        .parse()
        .expect("MiB");
    assert!(
        (256..1024).contains(&mem),
        "a tiny run asks for little: {mem} MiB"
    );
    let submit = fs::read_to_string(cluster.join("submit.sh")).expect("submit.sh");
    assert!(submit.contains("sbatch --array=0-999 "), "{submit}");
    assert!(
        submit.contains("sbatch --array=0 --export=ALL,BPTT_ARRAY_OFFSET=1000 "),
        "{submit}"
    );
    // The second array's task 0 is run 1000.
    let out = Command::new("bash")
        .arg(cluster.join("array.sh"))
        .env("SLURM_ARRAY_TASK_ID", "0")
        .env("BPTT_ARRAY_OFFSET", "1000")
        .output()
        .expect("run bash");
    assert!(out.status.success(), "{}", describe("task 1000", &out));
    assert!(cluster.join("runs/1000/summary.json").is_file());
    assert!(!cluster.join("runs/0000").exists());
}
