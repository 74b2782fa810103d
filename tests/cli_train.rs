//! The headless commands through the real binary, each in its own temporary working
//! directory: `train` and the files it writes, bad presets and `--set` keys (exit code 2),
//! `presets check`, `reproduce`, `tasks`.

mod binary;

use binary::run_expecting;

use std::fs;
use std::path::Path;

use bptt_lab::nn::PARAM_NAMES;
use bptt_lab::preset::{self, Preset};
use bptt_lab::train::STEP_COLUMNS;
use ndarray::ArrayD;

/// The built-in preset `train` runs here: the LSTM on adding, cut down by `--set` and
/// `--steps` to T = 10 and 15 steps.
const TRAIN_PRESET: &str = "adding_lstm_t100";

fn read_npz(path: &Path) -> Vec<(String, ArrayD<f32>)> {
    let file = fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut npz = ndarray_npy::NpzReader::new(file).expect("a valid npz");
    let names = npz.names().expect("npz names");
    names
        .into_iter()
        .map(|n| {
            let a: ArrayD<f32> = npz
                .by_name(&n)
                .unwrap_or_else(|e| panic!("{n}: not a float32 array: {e}"));
            (n, a)
        })
        .collect()
}

#[test]
fn train_writes_metrics_profile_diagnostics_summary_and_weights() {
    let dir = tempfile::tempdir().expect("tempdir");
    let args = [
        "train",
        TRAIN_PRESET,
        "--steps",
        "15",
        "--set",
        "task.seq_len=10",
        "--out",
        "run",
    ];
    run_expecting(dir.path(), &args, 0);
    let out = dir.path().join("run");
    check_metrics_csv(&out.join("metrics.csv"), 15);

    let summary: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(out.join("summary.json")).expect("summary.json"))
            .expect("summary.json parses");
    assert_eq!(summary["steps"], 15, "summary steps: {summary:#}");
    assert_eq!(
        summary["outcome"], "finished",
        "summary outcome: {summary:#}"
    );
    let eval_loss = summary["eval_loss"].as_f64().expect("a finite eval_loss");
    assert!(
        eval_loss.is_finite() && eval_loss > 0.0,
        "eval_loss {eval_loss}"
    );
    let config = &summary["config"];
    assert_eq!(
        config["task"],
        serde_json::json!({ "adding": { "seq_len": 10 } }),
        "--set task.seq_len=10 reached the config: {config:#}"
    );
    assert_eq!(config["steps"], 15, "--steps 15 reached the config");
    let (_, text) = preset::builtin()
        .into_iter()
        .find(|(f, _)| f.trim_end_matches(".ron") == TRAIN_PRESET)
        .expect("the built-in preset");
    let builtin = Preset::from_ron(text, Path::new(TRAIN_PRESET)).expect("parses");
    assert_eq!(
        config["model"],
        serde_json::to_value(builtin.config.model).expect("json"),
        "model as in the preset"
    );

    check_profile_csv(&out.join("profile.csv"), 15, 10);
    check_diagnostics_csv(
        &out.join("diagnostics.csv"),
        15,
        builtin.config.model.cell.gate_names(),
    );
    let m = builtin.config.model;
    // The adding problem: I = 2, O = 1.
    check_weights_npz(&out.join("weights.npz"), m.cell.gates(), m.hidden, 2, 1);
}

/// The `STEP_COLUMNS` header and one row per step, steps 1..=n, finite positive losses.
#[expect(
    clippy::float_cmp,
    reason = "the step column holds small integers, exact in f64"
)]
fn check_metrics_csv(path: &Path, n: usize) {
    let metrics = fs::read_to_string(path).expect("metrics.csv");
    let mut lines = metrics.lines();
    assert_eq!(
        lines.next(),
        Some(STEP_COLUMNS.join(",").as_str()),
        "metrics.csv header"
    );
    let rows: Vec<Vec<f64>> = lines
        .map(|l| {
            l.split(',')
                .map(|v| v.parse().unwrap_or_else(|e| panic!("{l:?}: {v:?}: {e}")))
                .collect()
        })
        .collect();
    assert_eq!(rows.len(), n, "metrics.csv data rows:\n{metrics}");
    let loss_col = STEP_COLUMNS
        .iter()
        .position(|c| *c == "loss")
        .expect("loss");
    for (i, row) in rows.iter().enumerate() {
        assert_eq!(row.len(), STEP_COLUMNS.len(), "row {i} width: {row:?}");
        assert_eq!(row[0], (i + 1) as f64, "row {i} step");
        assert!(
            row[loss_col].is_finite() && row[loss_col] > 0.0,
            "row {i} loss {}",
            row[loss_col]
        );
    }
}

/// `step,t,g`: at the last step, `g_t` for t in `0..seq_len`; every g finite and ≥ 0.
fn check_profile_csv(path: &Path, last_step: u64, seq_len: usize) {
    let profile = fs::read_to_string(path).expect("profile.csv");
    let mut lines = profile.lines();
    assert_eq!(lines.next(), Some("step,t,g"), "profile.csv header");
    let rows: Vec<(u64, usize, f64)> = lines
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (
                f[0].parse().expect("step"),
                f[1].parse().expect("t"),
                f[2].parse().expect("g"),
            )
        })
        .collect();
    let last: Vec<usize> = rows
        .iter()
        .filter(|r| r.0 == last_step)
        .map(|r| r.1)
        .collect();
    assert_eq!(
        last,
        (0..seq_len).collect::<Vec<_>>(),
        "profile.csv at step {last_step}:\n{profile}"
    );
    assert!(
        rows.iter().all(|r| r.2.is_finite() && r.2 >= 0.0),
        "g_t values:\n{profile}"
    );
}

/// Held-out loss and metric, ρ and `σ_max` per gate block, and a row for the last step.
fn check_diagnostics_csv(path: &Path, last_step: u64, gates: &[&str]) {
    let diagnostics = fs::read_to_string(path).expect("diagnostics.csv");
    let header: Vec<&str> = diagnostics
        .lines()
        .next()
        .expect("a header")
        .split(',')
        .collect();
    let mut wanted = vec![
        "step".to_owned(),
        "eval_loss".to_owned(),
        "eval_metric".to_owned(),
    ];
    wanted.extend(gates.iter().map(|g| format!("rho_{g}")));
    wanted.extend(gates.iter().map(|g| format!("sigma_max_{g}")));
    for col in &wanted {
        assert!(
            header.contains(&col.as_str()),
            "diagnostics.csv header {header:?} lacks {col}"
        );
    }
    let last = last_step.to_string();
    assert!(
        diagnostics
            .lines()
            .skip(1)
            .any(|l| l.split(',').next() == Some(last.as_str())),
        "diagnostics.csv has no row for step {last}:\n{diagnostics}"
    );
}

/// Exactly PyTorch's six names, with PyTorch's shapes for G gate blocks, all finite.
fn check_weights_npz(path: &Path, g: usize, h: usize, i: usize, o: usize) {
    let weights = read_npz(path);
    let mut names: Vec<&str> = weights.iter().map(|(n, _)| n.as_str()).collect();
    names.sort_unstable();
    let expected_shapes: [(&str, Vec<usize>); 6] = [
        ("weight_ih_l0", vec![g * h, i]),
        ("weight_hh_l0", vec![g * h, h]),
        ("bias_ih_l0", vec![g * h]),
        ("bias_hh_l0", vec![g * h]),
        ("readout.weight", vec![o, h]),
        ("readout.bias", vec![o]),
    ];
    let mut expected_names: Vec<&str> = expected_shapes.iter().map(|(n, _)| *n).collect();
    expected_names.sort_unstable();
    assert_eq!(names, expected_names, "weights.npz keys");
    let mut in_order = PARAM_NAMES.to_vec();
    in_order.sort_unstable();
    assert_eq!(
        in_order, expected_names,
        "nn::PARAM_NAMES are PyTorch's names"
    );
    for (name, shape) in expected_shapes {
        let (_, a) = weights
            .iter()
            .find(|(n, _)| n == name)
            .expect("checked above");
        assert_eq!(
            a.shape(),
            shape.as_slice(),
            "shape of {name} (G={g}, H={h})"
        );
        assert!(
            a.iter().all(|v| v.is_finite()),
            "{name} has non-finite values"
        );
    }
}

#[test]
fn train_on_a_diverging_preset_exits_1_and_keeps_the_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    fs::write(
        dir.path().join("explode.ron"),
        r#"(
    version: 1,
    name: "IRNN with gain 2 and SGD lr 1",
    description: "Overflows on the second step.",
    config: (
        seed: 1,
        model: (cell: rnn(relu), hidden: 8),
        task: adding(seq_len: 10),
        init: (weight_hh: identity(gain: 2.0)),
        clip: none,
        optimizer: sgd(lr: 1.0),
        batch_size: 8,
        steps: 50,
        eval: (every: 1, size: 16),
    ),
)"#,
    )
    .expect("write");
    let args = ["train", "explode.ron", "--out", "run"];
    let (_, stderr) = run_expecting(dir.path(), &args, 1);
    assert!(
        stderr.contains("diverged at step 2") && stderr.contains("not finite"),
        "stderr should name the step and the quantity:\n{stderr}"
    );
    let summary: serde_json::Value = serde_json::from_str(
        &fs::read_to_string(dir.path().join("run/summary.json")).expect("summary.json"),
    )
    .expect("parses");
    assert_eq!(summary["steps"], 1, "{summary:#}");
    let diverged = summary["outcome"]["diverged"].as_str().unwrap_or_default();
    assert!(diverged.contains("step 2"), "outcome: {summary:#}");
    let metrics = fs::read_to_string(dir.path().join("run/metrics.csv")).expect("metrics.csv");
    assert_eq!(metrics.lines().count(), 2, "header + 1 step:\n{metrics}");
}

const GOOD: &str = r#"(
    version: 1,
    name: "good one",
    description: "valid",
    config: (
        seed: 1,
        model: (cell: gru, hidden: 4),
        task: adding(seq_len: 5),
        optimizer: adam(lr: 0.01),
        batch_size: 2,
        steps: 3,
    ),
)"#;

#[test]
fn a_bad_preset_file_exits_2_naming_the_field_and_the_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    fs::write(
        dir.path().join("bad.ron"),
        GOOD.replace("lr: 0.01", "lr: -0.01"),
    )
    .expect("write");
    let (_, stderr) = run_expecting(dir.path(), &["train", "bad.ron", "--out", "run"], 2);
    assert!(
        stderr.contains("`optimizer.adam.lr`")
            && stderr.contains("-0.01")
            && stderr.contains("bad.ron"),
        "stderr should name the field, the value and the file:\n{stderr}"
    );
    assert!(
        !dir.path().join("run").exists(),
        "no output for a bad preset"
    );

    fs::write(
        dir.path().join("syntax.ron"),
        GOOD.replace("batch_size: 2,", "batch_size: 2"),
    )
    .expect("write");
    let (_, stderr) = run_expecting(dir.path(), &["train", "syntax.ron"], 2);
    assert!(
        stderr.contains("line 11, column 9") && stderr.contains("syntax.ron"),
        "stderr should give line, column and file:\n{stderr}"
    );
}

#[test]
fn unknown_set_keys_and_unknown_presets_exit_2() {
    let dir = tempfile::tempdir().expect("tempdir");
    fs::write(dir.path().join("good.ron"), GOOD).expect("write");
    let (_, stderr) = run_expecting(
        dir.path(),
        &[
            "train",
            "good.ron",
            "--set",
            "optimizer.foo=1",
            "--out",
            "run",
        ],
        2,
    );
    assert!(
        stderr.contains("optimizer.foo") && stderr.contains("`foo`") && stderr.contains("lr"),
        "stderr should name the key and the known fields:\n{stderr}"
    );
    let (_, stderr) = run_expecting(
        dir.path(),
        &[
            "train",
            "good.ron",
            "--set",
            "model.hidden=0",
            "--out",
            "run",
        ],
        2,
    );
    assert!(
        stderr.contains("`model.hidden`") && stderr.contains("good.ron"),
        "a --set value out of range is named with the file:\n{stderr}"
    );
    let (_, stderr) = run_expecting(dir.path(), &["train", "no_such_preset"], 2);
    assert!(
        stderr.contains("no_such_preset") && stderr.contains(TRAIN_PRESET),
        "stderr should name the missing preset and list the built-in ones:\n{stderr}"
    );
    assert!(!dir.path().join("run").exists(), "no output for bad input");
    assert!(
        !dir.path().join("runs").exists(),
        "no default output dir for bad input"
    );
}

#[test]
fn presets_check_reports_every_file_and_exits_2_on_any_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let presets = dir.path().join("mine");
    fs::create_dir_all(presets.join("sub")).expect("mkdir");
    fs::write(presets.join("a_good.ron"), GOOD).expect("write");
    fs::write(
        presets.join("sub/b_bad.ron"),
        GOOD.replace("hidden: 4", "hidden: 0"),
    )
    .expect("write");
    fs::write(presets.join("notes.txt"), "not a preset").expect("write");
    let (stdout, _) = run_expecting(dir.path(), &["presets", "check", "mine"], 2);
    let good_line = stdout
        .lines()
        .find(|l| l.contains("a_good.ron"))
        .unwrap_or_else(|| panic!("the good file is not reported:\n{stdout}"));
    assert!(
        good_line.starts_with("ok") && good_line.contains("good one"),
        "{good_line:?}"
    );
    let bad_line = stdout
        .lines()
        .find(|l| l.contains("b_bad.ron"))
        .unwrap_or_else(|| panic!("the bad file is not reported:\n{stdout}"));
    assert!(
        bad_line.starts_with("error") && bad_line.contains("`model.hidden`"),
        "{bad_line:?}"
    );
    assert!(
        stdout.contains("2 presets, 1 with errors"),
        "summary line:\n{stdout}"
    );

    fs::remove_file(presets.join("sub/b_bad.ron")).expect("rm");
    run_expecting(dir.path(), &["presets", "check", "mine"], 0);

    // Without a folder and without ./presets: the built-in presets, all valid.
    let (stdout, _) = run_expecting(dir.path(), &["presets", "check"], 0);
    let n = preset::builtin().len();
    assert!(
        stdout.contains(&format!("{n} presets, 0 with errors")),
        "{n} built-in presets:\n{stdout}"
    );
}

#[test]
fn presets_list_names_every_builtin_preset() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (stdout, _) = run_expecting(dir.path(), &["presets", "list"], 0);
    for (file, text) in preset::builtin() {
        let p = Preset::from_ron(text, Path::new(file)).expect("parses");
        let stem = file.trim_end_matches(".ron");
        assert!(
            stdout
                .lines()
                .any(|l| l.starts_with(stem) && l.contains(&p.name)),
            "no line for {stem} ({}):\n{stdout}",
            p.name
        );
    }
}

/// An LSTM with forget-gate bias 1 on the adding problem at T = 10 gets well below the
/// baseline (1/6) within 300 steps: measured eval loss 0.0039 at step 300 (seed 3), 0.176 at step 20.
fn tiny_preset(threshold: f64, by_step: u64) -> String {
    format!(
        r#"(
    version: 1,
    name: "tiny LSTM on adding, T = 10",
    description: "Learns the sum in a few hundred steps.",
    config: (
        seed: 3,
        model: (cell: lstm, hidden: 16),
        task: adding(seq_len: 10),
        init: (bias: forget_bias(value: 1.0)),
        clip: global_norm(max_norm: 1.0),
        optimizer: adam(lr: 0.01),
        batch_size: 32,
        steps: 300,
        eval: (every: 50, size: 256),
    ),
    expect: Some((metric: eval_loss, compare: below, threshold: {threshold:?}, by_step: {by_step})),
)"#
    )
}

#[test]
fn reproduce_passes_a_true_claim_and_fails_a_false_one() {
    let dir = tempfile::tempdir().expect("tempdir");
    fs::write(dir.path().join("tiny.ron"), tiny_preset(0.05, 300)).expect("write");
    let (stdout, _) = run_expecting(dir.path(), &["reproduce", "tiny.ron"], 0);
    // The name on one line, the claim, observation and verdict on the next.
    let lines: Vec<&str> = stdout.lines().collect();
    let at = lines
        .iter()
        .rposition(|l| l.starts_with("tiny LSTM on adding"))
        .unwrap_or_else(|| panic!("no result row:\n{stdout}"));
    let row = lines
        .get(at + 1)
        .unwrap_or_else(|| panic!("no result line after the name:\n{stdout}"));
    assert!(
        row.contains("eval_loss < 0.05 by step 300") && row.contains("ok"),
        "{row:?}"
    );
    assert!(stdout.contains("1 passed, 0 failed"), "{stdout}");

    // After 20 steps the loss is still near the baseline: the claim fails, exit code 1.
    fs::write(dir.path().join("early.ron"), tiny_preset(0.05, 20)).expect("write");
    let (stdout, _) = run_expecting(dir.path(), &["reproduce", "early.ron"], 1);
    assert!(
        stdout.contains("FAIL") && stdout.contains("0 passed, 1 failed"),
        "{stdout}"
    );

    // A preset that does not exist is bad input.
    let (_, stderr) = run_expecting(dir.path(), &["reproduce", "missing.ron"], 2);
    assert!(stderr.contains("missing.ron"), "{stderr}");
}

#[test]
fn reproduce_passes_the_cheapest_builtin_preset_with_an_expect_clause() {
    // Cost of checking a claim: by_step × T·B·G·H·(H + I).
    let cheapest = preset::builtin()
        .into_iter()
        .filter_map(|(file, text)| {
            let p = Preset::from_ron(text, Path::new(file)).expect("built-in presets parse");
            let e = p.expect?;
            let task = p.config.task.build().expect("built-in presets build");
            let m = p.config.model;
            let cost = e.by_step as usize
                * task.max_seq_len()
                * p.config.batch_size
                * m.cell.gates()
                * m.hidden
                * (m.hidden + task.input_size());
            Some((cost, file))
        })
        .min()
        .expect("at least one built-in preset has an expect clause");
    let name = cheapest.1.trim_end_matches(".ron");
    let dir = tempfile::tempdir().expect("tempdir");
    let (stdout, _) = run_expecting(dir.path(), &["reproduce", name], 0);
    assert!(stdout.contains("1 passed, 0 failed"), "{name}:\n{stdout}");
}

#[test]
fn tasks_prints_one_row_per_task() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (stdout, _) = run_expecting(dir.path(), &["tasks"], 0);
    let mut lines = stdout.lines();
    let header = lines.next().expect("a header");
    assert!(
        header.starts_with("task") && header.contains("baseline"),
        "{header:?}"
    );
    let names: Vec<&str> = lines
        .take_while(|l| !l.trim().is_empty())
        .map(|l| l.split_whitespace().next().unwrap_or_default())
        .collect();
    assert_eq!(
        names,
        [
            "adding",
            "copy",
            "temporal_order",
            "reber",
            "parity",
            "sine",
            "sine",
            "digits",
            "text"
        ],
        "task rows:\n{stdout}"
    );
    assert!(
        stdout.contains("mackey_glass") && stdout.contains("sines"),
        "both sine series:\n{stdout}"
    );
}

#[test]
fn train_with_two_threads_makes_the_same_run_to_rounding() {
    let dir = tempfile::tempdir().expect("tempdir");
    let run = |threads: &str, out: &str| -> serde_json::Value {
        let args = [
            "train",
            TRAIN_PRESET,
            "--steps",
            "15",
            "--set",
            "task.seq_len=10",
            "--set",
            "precision=f64",
            "--threads",
            threads,
            "--out",
            out,
        ];
        run_expecting(dir.path(), &args, 0);
        let text = fs::read_to_string(dir.path().join(out).join("summary.json")).expect("summary");
        serde_json::from_str(&text).expect("JSON")
    };
    let (one, two) = (run("1", "one"), run("2", "two"));
    for key in ["eval_loss", "eval_metric"] {
        let (a, b) = (one[key].as_f64().unwrap(), two[key].as_f64().unwrap());
        assert!(
            (a - b).abs() <= 1e-9 * a.abs().max(1e-12),
            "{key}: 1 thread {a}, 2 threads {b}"
        );
    }
    let (_, stderr) = run_expecting(dir.path(), &["train", TRAIN_PRESET, "--threads", "3"], 2);
    assert!(stderr.contains("--threads"), "{stderr}");
}
