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
fn train_on_a_diverging_preset_exits_3_and_keeps_the_files() {
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
    // Exit code 3: diverged, a result with its files written (not 1, a failure).
    let (_, stderr) = run_expecting(dir.path(), &args, 3);
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
/// baseline (1/6) within 300 steps: measured eval loss 0.0039 at step 300 (seed 3), 0.176 at
/// step 20. `claims` is the text after `config: (..),` (an `expect`, a `versus`).
fn tiny_preset_with(name: &str, lr: f64, claims: &str) -> String {
    format!(
        r#"(
    version: 1,
    name: "{name}",
    description: "Learns the sum in a few hundred steps.",
    config: (
        seed: 3,
        model: (cell: lstm, hidden: 16),
        task: adding(seq_len: 10),
        init: (bias: forget_bias(value: 1.0)),
        clip: global_norm(max_norm: 1.0),
        optimizer: adam(lr: {lr:?}),
        batch_size: 32,
        steps: 300,
        eval: (every: 50, size: 256),
    ),
    {claims}
)"#
    )
}

fn tiny_preset(threshold: f64, by_step: u64) -> String {
    tiny_preset_with(
        "tiny LSTM on adding, T = 10",
        0.01,
        &format!(
            "expect: Some((metric: eval_loss, compare: below, threshold: {threshold:?}, \
             by_step: {by_step})),"
        ),
    )
}

/// The line after the one that starts with `start`.
fn line_after<'a>(stdout: &'a str, start: &str) -> &'a str {
    let lines: Vec<&str> = stdout.lines().collect();
    let at = lines
        .iter()
        .rposition(|l| l.trim_start().starts_with(start))
        .unwrap_or_else(|| panic!("no line starting with {start:?}:\n{stdout}"));
    lines
        .get(at + 1)
        .unwrap_or_else(|| panic!("nothing after {start:?}:\n{stdout}"))
}

#[test]
fn reproduce_passes_a_true_claim_and_fails_a_false_one() {
    let dir = tempfile::tempdir().expect("tempdir");
    fs::write(dir.path().join("tiny.ron"), tiny_preset(0.05, 300)).expect("write");
    let (stdout, _) = run_expecting(dir.path(), &["reproduce", "tiny.ron"], 0);
    // The name on one line, the claim on the next, then the per-seed values and the verdict.
    let clause = line_after(&stdout, "tiny LSTM on adding");
    assert!(
        clause.contains("eval_loss < 0.05 by step 300"),
        "{clause:?}"
    );
    let verdict = line_after(&stdout, "seeds 3:");
    assert!(
        verdict.contains("held on 1/1") && verdict.contains("ok"),
        "{verdict:?}"
    );
    assert!(stdout.contains("1 of 1 claims hold, 0 fail"), "{stdout}");

    // After 20 steps the loss is still near the baseline: the claim fails, exit code 1.
    fs::write(dir.path().join("early.ron"), tiny_preset(0.05, 20)).expect("write");
    let (stdout, _) = run_expecting(dir.path(), &["reproduce", "early.ron"], 1);
    assert!(
        stdout.contains("FAIL") && stdout.contains("0 of 1 claims hold, 1 fail"),
        "{stdout}"
    );

    // A preset that does not exist is bad input.
    let (_, stderr) = run_expecting(dir.path(), &["reproduce", "missing.ron"], 2);
    assert!(stderr.contains("missing.ron"), "{stderr}");
}

#[test]
fn a_claim_is_judged_over_seeds_and_against_another_preset_on_paired_seeds() {
    let dir = tempfile::tempdir().expect("tempdir");
    // lr 0.01 learns; lr 1e-5 stays near the baseline: below it on every paired seed.
    fs::write(
        dir.path().join("slow.ron"),
        tiny_preset_with("slow", 1e-5, ""),
    )
    .expect("write");
    fs::write(
        dir.path().join("fast.ron"),
        tiny_preset_with(
            "fast",
            0.01,
            "expect: Some((metric: eval_loss, compare: below, threshold: 0.05, by_step: 300, \
             seeds: 3, at_least: 2)),
    versus: Some((other: \"slow.ron\", metric: eval_loss, compare: below, by_step: 300, \
             seeds: 3, at_least: 3)),",
        ),
    )
    .expect("write");
    let (stdout, _) = run_expecting(
        dir.path(),
        &["reproduce", "fast.ron", "--csv", "out/claims.csv"],
        0,
    );
    assert!(
        stdout.contains("eval_loss < 0.05 by step 300, ≥ 2 of 3 seeds"),
        "{stdout}"
    );
    let values = line_after(&stdout, "eval_loss below slow.ron's");
    assert!(
        values.contains("3: ") && values.contains("4: ") && values.contains("5: "),
        "three paired seeds: {values}"
    );
    assert!(values.contains(" vs "), "both values: {values}");
    assert!(stdout.contains("2 of 2 claims hold"), "{stdout}");
    let csv = fs::read_to_string(dir.path().join("out/claims.csv")).expect("the CSV");
    let rows: Vec<&str> = csv.lines().collect();
    assert_eq!(
        rows.len(),
        1 + 3 + 3,
        "a header, then a row per claim and seed:\n{csv}"
    );
    assert!(rows[0].starts_with("preset,file,clause,seed,value,other_value,holds"));
    assert!(rows[4..].iter().all(|r| r.ends_with(",3,3,true")), "{csv}");

    // With --seeds 1 the versus clause needs its one paired seed.
    let (stdout, _) = run_expecting(dir.path(), &["reproduce", "fast.ron", "--seeds", "1"], 0);
    assert!(stdout.contains("≥ 1 of 1 paired seeds"), "{stdout}");
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
    assert!(stdout.contains(" claims hold, 0 fail"), "{name}:\n{stdout}");
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
            "text",
            "csv"
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

/// `train --resume DIR --steps N` carries a finished run on to N steps, as if it had been
/// trained to N at once; a run folder is never written over.
#[test]
fn train_resume_carries_a_run_on_as_if_it_never_stopped() {
    let dir = tempfile::tempdir().expect("tempdir");
    fs::write(dir.path().join("tiny.ron"), tiny_preset(0.05, 40)).expect("write");
    let set = ["--set", "steps=40"];
    let mut args = vec!["train", "tiny.ron", "--out", "short"];
    args.extend(set);
    run_expecting(dir.path(), &args, 0);
    let (_, stderr) = run_expecting(dir.path(), &["train", "tiny.ron", "--out", "short"], 1);
    assert!(stderr.contains("never written over"), "{stderr}");
    let (_, stderr) = run_expecting(
        dir.path(),
        &["train", "--resume", "short", "--steps", "80"],
        0,
    );
    assert!(
        stderr.contains("carrying on from step 40 to step 80"),
        "{stderr}"
    );
    run_expecting(
        dir.path(),
        &["train", "tiny.ron", "--steps", "80", "--out", "whole"],
        0,
    );
    let rows = |d: &str| -> Vec<String> {
        fs::read_to_string(dir.path().join(d).join("metrics.csv"))
            .expect("metrics")
            .lines()
            .map(|l| l.rsplit_once(',').map_or(l, |(a, _)| a).to_owned())
            .collect()
    };
    assert_eq!(rows("short"), rows("whole"));
    assert!(
        fs::read(dir.path().join("short/weights.npz")).expect("weights")
            == fs::read(dir.path().join("whole/weights.npz")).expect("weights"),
        "the weights differ"
    );
    let (_, stderr) = run_expecting(
        dir.path(),
        &["train", "--resume", "short", "--steps", "50"],
        2,
    );
    assert!(stderr.contains("has done 80 steps"), "{stderr}");
}

#[test]
fn runs_list_show_and_rm_work_on_the_workspace() {
    let dir = tempfile::tempdir().expect("tempdir");
    fs::write(dir.path().join("tiny.ron"), tiny_preset(0.05, 20)).expect("write");
    let ws = dir.path().join("ws");
    let out = ws.join("runs/0001-tiny");
    let out_s = out.to_string_lossy().into_owned();
    run_expecting(
        dir.path(),
        &["train", "tiny.ron", "--steps", "20", "--out", &out_s],
        0,
    );
    let ws_s = ws.to_string_lossy().into_owned();
    let (stdout, _) = run_expecting(dir.path(), &["runs", "list", "--workspace", &ws_s], 0);
    assert!(
        stdout.contains("0001-tiny") && stdout.contains("finished"),
        "{stdout}"
    );
    let (stdout, _) = run_expecting(
        dir.path(),
        &["runs", "show", "0001-tiny", "--workspace", &ws_s],
        0,
    );
    assert!(stdout.contains("20 of 20"), "{stdout}");
    run_expecting(
        dir.path(),
        &["train", "tiny.ron", "--steps", "5", "--out", "outside"],
        0,
    );
    let (_, stderr) = run_expecting(
        dir.path(),
        &["runs", "rm", "outside", "--workspace", &ws_s],
        2,
    );
    assert!(stderr.contains("not a run of the workspace"), "{stderr}");
    assert!(
        dir.path().join("outside/summary.json").is_file(),
        "left alone"
    );
    run_expecting(
        dir.path(),
        &["runs", "rm", "0001-tiny", "--workspace", &ws_s],
        0,
    );
    assert!(!out.exists() && ws.join("trash/0001-tiny/summary.json").is_file());
}

/// `train --init-from` starts from given weights (PyTorch names): a run from another run's
/// final weights starts where that one ended; weights of another shape are refused.
#[test]
fn train_init_from_starts_from_given_weights() {
    let dir = tempfile::tempdir().expect("tempdir");
    fs::write(dir.path().join("tiny.ron"), tiny_preset(0.05, 60)).expect("write");
    run_expecting(
        dir.path(),
        &["train", "tiny.ron", "--steps", "60", "--out", "a"],
        0,
    );
    run_expecting(
        dir.path(),
        &["train", "tiny.ron", "--steps", "1", "--out", "fresh"],
        0,
    );
    run_expecting(
        dir.path(),
        &[
            "train",
            "tiny.ron",
            "--steps",
            "1",
            "--out",
            "b",
            "--init-from",
            "a/weights.npz",
        ],
        0,
    );
    let first_loss = |d: &str| -> f64 {
        let text = fs::read_to_string(dir.path().join(d).join("metrics.csv")).expect("metrics");
        text.lines()
            .nth(1)
            .expect("a row")
            .split(',')
            .nth(1)
            .expect("loss")
            .parse()
            .expect("a number")
    };
    // The trained weights predict the sum: the first loss is far below a fresh run's.
    assert!(
        first_loss("b") < 0.5 * first_loss("fresh"),
        "{} vs {}",
        first_loss("b"),
        first_loss("fresh")
    );
    let (_, stderr) = run_expecting(
        dir.path(),
        &[
            "train",
            "tiny.ron",
            "--steps",
            "1",
            "--out",
            "c",
            "--set",
            "model.hidden=5",
            "--init-from",
            "a/weights.npz",
        ],
        2,
    );
    assert!(
        stderr.contains("weight_ih_l0") && stderr.contains("shape"),
        "{stderr}"
    );
}
