//! Presets: every shipped file loads, validates, round-trips through RON, is compiled in and
//! trains; malformed files give named errors (field, value, what is allowed, file), never a
//! panic; saving is atomic; `--set` assignments edit the config by their RON path.

use std::collections::BTreeSet;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::time::Instant;

use bptt_lab::headless;
use bptt_lab::nn::{Activation, Bptt, CellKind, OptimizerConfig, UpdateMode};
use bptt_lab::preset::{self, ExpectMetric, Preset, PresetError};
use bptt_lab::tasks::TaskConfig;
use bptt_lab::train::RunError;

fn presets_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("presets")
}

fn collect_ron(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            collect_ron(&path, out);
        } else if path.extension().is_some_and(|e| e == "ron") {
            out.push(path);
        }
    }
}

/// Every `presets/**/*.ron`, sorted, with its path relative to `presets/` (`/`-separated).
fn preset_files() -> Vec<(String, PathBuf)> {
    let root = presets_dir();
    let mut files = Vec::new();
    collect_ron(&root, &mut files);
    let mut named: Vec<(String, PathBuf)> = files
        .into_iter()
        .map(|p| {
            let rel = p
                .strip_prefix(&root)
                .expect("under presets/")
                .to_string_lossy()
                .replace('\\', "/");
            (rel, p)
        })
        .collect();
    named.sort();
    assert!(!named.is_empty(), "no presets in {}", root.display());
    named
}

#[test]
fn every_preset_file_loads_validates_and_round_trips() {
    for (name, path) in preset_files() {
        let preset = Preset::load(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
        let config = preset
            .validate(&path)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(config.setup(), &preset.config, "{name}: validated setup");
        assert!(
            !preset.name.trim().is_empty() && !preset.description.trim().is_empty(),
            "{name}: a preset needs a name and a description"
        );
        let text = preset.to_ron();
        let again = Preset::from_ron(&text, Path::new("round-trip.ron"))
            .unwrap_or_else(|e| panic!("{name}: its own to_ron does not parse: {e}\n{text}"));
        assert_eq!(
            again, preset,
            "{name}: to_ron → from_ron changed the preset:\n{text}"
        );
        assert_eq!(
            again.to_ron(),
            text,
            "{name}: to_ron is not stable across a round trip"
        );
    }
}

#[test]
fn every_shipped_preset_has_its_chinese_name_and_description() {
    let is_han = |c: char| ('\u{4e00}'..='\u{9fff}').contains(&c);
    for (file, text) in preset::builtin() {
        let p = Preset::from_ron(text, Path::new(file)).expect("a shipped preset parses");
        let zh = p
            .zh_cn
            .as_ref()
            .unwrap_or_else(|| panic!("{file}: no zh_cn (name, description)"));
        assert!(
            zh.name.chars().any(is_han),
            "{file}: the Chinese name is not Chinese"
        );
        assert!(
            zh.description.chars().filter(|c| is_han(*c)).count() * 4
                > zh.description.chars().count() / 2,
            "{file}: the Chinese description is mostly not Chinese"
        );
        // Numbers carry the claims: the translation keeps every number of the English.
        let numbers = |s: &str| {
            let mut v: Vec<String> = s
                .split(|c: char| !(c.is_ascii_digit() || c == '.'))
                .map(|w| w.trim_matches('.').to_owned())
                .filter(|w| w.chars().any(|c| c.is_ascii_digit()))
                .collect();
            v.sort();
            v
        };
        assert_eq!(
            numbers(&p.description),
            numbers(&zh.description),
            "{file}: the Chinese description does not keep the English one's numbers"
        );
    }
}

#[test]
fn builtin_presets_are_exactly_the_files_on_disk() {
    let on_disk: Vec<(String, String)> = preset_files()
        .into_iter()
        .map(|(name, path)| {
            let text = std::fs::read_to_string(&path).expect("readable");
            (name, text)
        })
        .collect();
    let builtin: Vec<(String, String)> = preset::builtin()
        .into_iter()
        .map(|(n, t)| (n.to_owned(), t.to_owned()))
        .collect();
    let disk_names: BTreeSet<&str> = on_disk.iter().map(|(n, _)| n.as_str()).collect();
    let builtin_names: BTreeSet<&str> = builtin.iter().map(|(n, _)| n.as_str()).collect();
    let missing: Vec<_> = disk_names.difference(&builtin_names).collect();
    let extra: Vec<_> = builtin_names.difference(&disk_names).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "presets/ and preset::builtin() differ: on disk but not built in {missing:?}; built in \
         but not on disk {extra:?}"
    );
    assert_eq!(
        builtin.len(),
        builtin_names.len(),
        "builtin() lists a file twice"
    );
    for (name, text) in &on_disk {
        let (_, compiled) = builtin
            .iter()
            .find(|(n, _)| n == name)
            .expect("checked above");
        assert!(
            compiled == text,
            "{name}: the compiled-in text differs from the file on disk"
        );
    }
}

/// Steps to run a preset for in this test: 20, fewer for presets whose steps are expensive
/// (estimated `T·B·G·H·(H + I)` multiply-adds per step); none are, today.
fn smoke_steps(preset: &Preset) -> u64 {
    let config = &preset.config;
    let task = config.task.build().expect("validated");
    let work = task.max_seq_len()
        * config.batch_size
        * config.model.cell.gates()
        * config.model.hidden
        * (config.model.hidden + task.input_size());
    if work > 2_000_000_000 { 3 } else { 20 }
}

#[test]
fn every_preset_trains_20_steps_with_finite_loss() {
    let mut timings = Vec::new();
    for (name, path) in preset_files() {
        let preset = Preset::load(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
        let config = preset
            .validate(&path)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let steps = smoke_steps(&preset);
        let start = Instant::now();
        let report = headless::run(&config, steps, &mut |_| {})
            .unwrap_or_else(|e| panic!("{name}: cannot start: {e}"));
        let outcome = report
            .error
            .as_ref()
            .map_or_else(|| "finished".to_owned(), ToString::to_string);
        timings.push((
            name.clone(),
            report.steps_done,
            start.elapsed().as_secs_f64(),
            outcome,
        ));
        let history = &report.history.steps;
        let loss = history.column("loss").expect("a loss column");
        // Short runs: one bucket per step, so these are the step losses.
        let losses: Vec<f64> = history.buckets(loss).map(|(_, a)| a.last).collect();
        assert_eq!(
            losses.len() as u64,
            report.steps_done,
            "{name}: a loss per step"
        );
        assert!(
            losses.iter().all(|l| l.is_finite()),
            "{name}: non-finite loss in {losses:?}"
        );
        let expects_divergence = preset
            .expect
            .is_some_and(|e| e.metric == ExpectMetric::Diverged);
        match &report.error {
            None => {
                assert_eq!(report.steps_done, steps, "{name}: steps done");
                assert!(
                    report.eval_loss.is_finite(),
                    "{name}: eval loss {}",
                    report.eval_loss
                );
                assert!(
                    report.params.all_finite(),
                    "{name}: final weights not finite"
                );
            }
            Some(RunError::Diverged { step, .. }) if expects_divergence => {
                assert_eq!(
                    *step,
                    report.steps_done + 1,
                    "{name}: diverged (as its expect clause says) at the step after the last \
                     good one"
                );
            }
            Some(e) => panic!("{name}: failed after {} steps: {e}", report.steps_done),
        }
    }
    for (name, steps, secs, outcome) in &timings {
        println!("{name:<40} {steps:>3} steps  {secs:>6.2} s  {outcome}");
    }
}

// ---------------------------------------------------------------------------------------------
// Malformed presets.

/// A valid preset; each malformed case changes it in one place. Line numbers matter for the
/// syntax cases: `batch_size` is on line 13.
const BASE: &str = r#"(
    version: 1,
    name: "malformed-test",
    description: "A valid base that each case breaks in one place.",
    config: (
        seed: 1,
        model: (cell: lstm, hidden: 8),
        task: adding(seq_len: 10),
        init: (weight_ih: pytorch_default, weight_hh: pytorch_default, bias: pytorch_default),
        bptt: full,
        clip: global_norm(max_norm: 1.0),
        optimizer: adam(lr: 0.01),
        batch_size: 4,
        steps: 100,
        eval: (every: 0, size: 16),
    ),
    expect: Some((metric: eval_loss, compare: below, threshold: 0.05, by_step: 100)),
)"#;

/// `BASE` with the one occurrence of `from` replaced by `to`.
#[track_caller]
fn base_with(from: &str, to: &str) -> String {
    assert_eq!(BASE.matches(from).count(), 1, "{from:?} must occur once");
    BASE.replace(from, to)
}

const BAD_PATH: &str = "presets/broken/bad.ron";

/// Parses and validates `text` as if read from [`BAD_PATH`]; a panic becomes an `Err` text
/// that fails the calling assertion.
fn load_and_validate(text: &str) -> Result<Result<(), String>, String> {
    let path = Path::new(BAD_PATH);
    catch_unwind(AssertUnwindSafe(|| {
        Preset::from_ron(text, path)
            .and_then(|p| p.validate(path).map(|_| ()))
            .map_err(|e| e.to_string())
    }))
    .map_err(|payload| {
        payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
            .unwrap_or_default()
    })
}

#[track_caller]
fn assert_named_error(case: &str, text: &str, fragments: &[&str]) {
    let message = match load_and_validate(text) {
        Err(panic) => panic!("{case}: panicked: {panic}"),
        Ok(Ok(())) => panic!("{case}: accepted, expected an error naming {fragments:?}"),
        Ok(Err(message)) => message,
    };
    for f in fragments {
        assert!(
            message.contains(f),
            "{case}: message {message:?} should contain {f:?}"
        );
    }
    let suffix = format!("(in {BAD_PATH})");
    assert!(
        message.ends_with(&suffix),
        "{case}: message {message:?} should end with the file, {suffix:?}"
    );
    assert_eq!(
        message.matches(BAD_PATH).count(),
        1,
        "{case}: the file is named once, at the end: {message:?}"
    );
}

#[test]
fn the_base_of_the_malformed_cases_is_valid() {
    assert_eq!(load_and_validate(BASE), Ok(Ok(())), "BASE must be valid");
}

#[test]
#[expect(clippy::too_many_lines, reason = "one table of cases, one per row")]
fn malformed_presets_give_named_errors() {
    let cases: Vec<(&str, String, Vec<&str>)> = vec![
        (
            "unknown field",
            base_with("batch_size: 4,", "batch_size: 4, lerning_rate: 0.1,"),
            vec!["line 13,", "`lerning_rate`", "`optimizer`", "`batch_size`"],
        ),
        (
            "unknown field at the top",
            base_with("name: \"malformed-test\",", "nmae: \"x\","),
            vec!["line 3,", "`nmae`", "`name`", "`description`"],
        ),
        (
            "unknown task setting",
            base_with("adding(seq_len: 10)", "adding(seqlen: 10)"),
            vec!["line 8,", "`seqlen`", "`seq_len`"],
        ),
        (
            "unknown cell",
            base_with("cell: lstm", "cell: lstn"),
            vec!["line 7,", "`lstn`", "`rnn`", "`lstm`", "`gru`"],
        ),
        (
            "wrong type",
            base_with("batch_size: 4,", "batch_size: \"4\","),
            vec!["line 13,", "integer"],
        ),
        (
            "negative learning rate",
            base_with("adam(lr: 0.01)", "adam(lr: -0.01)"),
            vec!["`optimizer.adam.lr`", "-0.01", "> 0"],
        ),
        (
            "NaN learning rate",
            base_with("adam(lr: 0.01)", "adam(lr: NaN)"),
            vec!["`optimizer.adam.lr`", "NaN", "finite"],
        ),
        (
            "SGD momentum 1",
            base_with("adam(lr: 0.01)", "sgd(lr: 0.01, momentum: 1.0)"),
            vec!["`optimizer.sgd.momentum`", "= 1", "[0, 1)"],
        ),
        (
            "k1 > k2",
            base_with(
                "bptt: full,",
                "bptt: truncated(k1: 10, k2: 5, mode: per_segment),",
            ),
            vec!["`bptt.k2`", "= 5", "≥ k1 = 10"],
        ),
        (
            "k1 = 0",
            base_with(
                "bptt: full,",
                "bptt: truncated(k1: 0, k2: 5, mode: accumulate),",
            ),
            vec!["`bptt.k1`", "= 0", "1..="],
        ),
        (
            "hidden size 0",
            base_with("hidden: 8", "hidden: 0"),
            vec!["`model.hidden`", "= 0", "1..=4096"],
        ),
        (
            "batch 0",
            base_with("batch_size: 4,", "batch_size: 0,"),
            vec!["`batch_size`", "= 0", "1..=65536"],
        ),
        (
            "steps 0",
            base_with("steps: 100,", "steps: 0,"),
            vec!["`steps`", "= 0", "1..="],
        ),
        (
            "evaluation set 0",
            base_with("size: 16", "size: 0"),
            vec!["`eval.size`", "= 0", "1..="],
        ),
        (
            "sequence length too long",
            base_with("seq_len: 10", "seq_len: 200000"),
            vec!["`task.adding.seq_len` = 200000", "2..=100000"],
        ),
        (
            "sequence length too short",
            base_with("seq_len: 10", "seq_len: 1"),
            vec!["`task.adding.seq_len` = 1", "2..=100000"],
        ),
        (
            "too many stored activations",
            base_with("seq_len: 10", "seq_len: 100000")
                .replace("batch_size: 4", "batch_size: 1000"),
            vec!["`batch_size`", "= 1000", "stored activations", "67108864"],
        ),
        (
            "forget_bias on a GRU",
            base_with("cell: lstm", "cell: gru")
                .replace("bias: pytorch_default", "bias: forget_bias(value: 1.0)"),
            vec!["`init.bias`", "forget_bias", "LSTM", "model.cell is gru"],
        ),
        (
            "chrono t_max ≤ 2",
            base_with("bias: pytorch_default", "bias: chrono(t_max: 1.5)"),
            vec!["`init.bias.chrono.t_max`", "1.5", "> 2"],
        ),
        (
            "sparse nonzeros > H",
            base_with(
                "weight_hh: pytorch_default",
                "weight_hh: sparse(nonzeros: 9, radius: 1.1)",
            ),
            vec!["`init.weight_hh.sparse.nonzeros`", "= 9", "1..=8"],
        ),
        (
            "negative orthogonal gain",
            base_with(
                "weight_hh: pytorch_default",
                "weight_hh: orthogonal(gain: -1.0)",
            ),
            vec!["`init.weight_hh.gain`", "-1", "≥ 0"],
        ),
        (
            "clip max_norm 0",
            base_with("max_norm: 1.0", "max_norm: 0.0"),
            vec!["`clip.global_norm.max_norm`", "= 0", "> 0"],
        ),
        (
            "unsupported version",
            base_with("version: 1,", "version: 2,"),
            vec!["version 2", "reads version 1", "newer"],
        ),
        (
            "missing required field",
            base_with("        steps: 100,\n", ""),
            vec!["missing", "`steps`"],
        ),
        (
            "syntax error",
            base_with("batch_size: 4,", "batch_size: 4"),
            vec!["line 14, column 9", "comma"],
        ),
        (
            "unclosed parenthesis",
            base_with("(cell: lstm, hidden: 8),", "(cell: lstm, hidden: 8,"),
            vec!["line 8,", "`task`"],
        ),
        ("empty file", String::new(), vec!["line 1, column 1"]),
        (
            "expect.by_step > steps",
            base_with("by_step: 100", "by_step: 101"),
            vec!["expect.by_step", "101", "steps (100)"],
        ),
        (
            "expect.by_step 0",
            base_with("by_step: 100", "by_step: 0"),
            vec!["expect.by_step", "= 0", "1..="],
        ),
        (
            "text file that does not exist",
            base_with(
                "adding(seq_len: 10)",
                "text(seq_len: 10, path: Some(\"/nonexistent/corpus.txt\"))",
            ),
            vec!["task.text", "/nonexistent/corpus.txt"],
        ),
    ];
    for (case, text, fragments) in &cases {
        assert_named_error(case, text, fragments);
    }
}

#[test]
fn an_unsupported_older_version_is_not_called_newer() {
    let text = base_with("version: 1,", "version: 0,");
    let message = load_and_validate(&text)
        .expect("no panic")
        .expect_err("version 0 is not supported");
    assert!(
        message.contains("version 0") && !message.contains("newer"),
        "{message:?}"
    );
}

#[test]
fn a_missing_file_names_the_file() {
    let path = Path::new("/nonexistent/dir/preset.ron");
    let e = Preset::load(path).expect_err("no such file");
    assert!(matches!(e, PresetError::Io { .. }), "{e:?}");
    let message = e.to_string();
    assert!(
        message.ends_with("(in /nonexistent/dir/preset.ron)"),
        "{message:?}"
    );
}

/// Misspelt settings inside `init`, a weight-init scheme, `clip`, `bptt` or `optimizer` must be
/// errors, as they are everywhere else (`model`, `task`, `eval`, `expect`): otherwise the
/// setting silently keeps its default and the run is not the one the file describes.
#[test]
fn misspelt_nested_settings_are_errors_not_silent_defaults() {
    let cases = [
        (
            "init.bais",
            base_with(
                "bias: pytorch_default)",
                "bias: pytorch_default, bais: zero)",
            ),
            "`bais`",
        ),
        (
            "orthogonal(gian)",
            base_with(
                "weight_hh: pytorch_default",
                "weight_hh: orthogonal(gain: 1.0, gian: 2.0)",
            ),
            "`gian`",
        ),
        (
            "global_norm(norm_type)",
            base_with("max_norm: 1.0", "max_norm: 1.0, norm_type: 2.0"),
            "`norm_type`",
        ),
        (
            "truncated(k3)",
            base_with(
                "bptt: full,",
                "bptt: truncated(k1: 2, k2: 5, mode: per_segment, k3: 1),",
            ),
            "`k3`",
        ),
        (
            "sgd(momentun)",
            base_with("adam(lr: 0.01)", "sgd(lr: 0.01, momentun: 0.9)"),
            "`momentun`",
        ),
        (
            "adam(beta_1)",
            base_with("adam(lr: 0.01)", "adam(lr: 0.01, beta_1: 0.5)"),
            "`beta_1`",
        ),
    ];
    let mut accepted = Vec::new();
    for (case, text, field) in &cases {
        match load_and_validate(text) {
            Err(panic) => panic!("{case}: panicked: {panic}"),
            Ok(Ok(())) => accepted.push(*case),
            Ok(Err(message)) => assert!(
                message.contains(field) && message.ends_with(&format!("(in {BAD_PATH})")),
                "{case}: {message:?} should name {field} and the file"
            ),
        }
    }
    assert!(
        accepted.is_empty(),
        "misspelt settings silently accepted (the setting keeps its default): {accepted:?}"
    );
}

/// A value of the wrong type names the field it was given for, not only a line and column.
#[test]
fn type_errors_name_the_field() {
    let cases = [
        (
            "batch_size: \"4\"",
            base_with("batch_size: 4,", "batch_size: \"4\","),
            "batch_size",
        ),
        (
            "hidden: 8.5",
            base_with("hidden: 8", "hidden: 8.5"),
            "hidden",
        ),
        ("seed: true", base_with("seed: 1,", "seed: true,"), "seed"),
    ];
    let mut unnamed = Vec::new();
    for (case, text, field) in &cases {
        let message = load_and_validate(text)
            .unwrap_or_else(|p| panic!("{case}: panicked: {p}"))
            .expect_err("a type error");
        if !message.contains(field) {
            unnamed.push(format!("{case} → {message}"));
        }
    }
    assert!(
        unnamed.is_empty(),
        "type errors that do not name their field:\n{}",
        unnamed.join("\n")
    );
}

// ---------------------------------------------------------------------------------------------
// Saving.

fn dir_listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("readable dir")
        .map(|e| {
            e.expect("an entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    names
}

fn base_preset() -> Preset {
    Preset::from_ron(BASE, Path::new("base.ron")).expect("BASE parses")
}

#[test]
fn save_writes_atomically_and_round_trips() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("mine.ron");
    let mut preset = base_preset();
    preset.save(&path).expect("save");
    assert_eq!(dir_listing(dir.path()), vec!["mine.ron"], "only the preset");
    let loaded = Preset::load(&path).expect("load what was saved");
    assert_eq!(loaded, preset, "saved preset round-trips");
    loaded.validate(&path).expect("and still validates");

    // Overwriting replaces the whole file, and leaves nothing else behind.
    preset.name = "second version".to_owned();
    preset.description = "shorter".to_owned();
    preset.config.task = TaskConfig::Copy { delay: 5 };
    preset.save(&path).expect("save again");
    assert_eq!(dir_listing(dir.path()), vec!["mine.ron"], "only the preset");
    assert_eq!(Preset::load(&path).expect("load"), preset, "overwritten");
}

#[test]
fn a_failed_save_leaves_no_temporary_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let preset = base_preset();

    // Into a folder that does not exist: nothing is created anywhere.
    let missing = dir.path().join("no-such-dir").join("p.ron");
    assert!(preset.save(&missing).is_err(), "saving into a missing dir");
    assert_eq!(
        dir_listing(dir.path()),
        Vec::<String>::new(),
        "nothing left"
    );

    // Over a directory of the same name: the rename fails; the temporary file must go.
    std::fs::create_dir(dir.path().join("taken.ron")).expect("mkdir");
    let result = preset.save(&dir.path().join("taken.ron"));
    assert!(result.is_err(), "saving over a directory must fail");
    assert_eq!(
        dir_listing(dir.path()),
        vec!["taken.ron"],
        "a failed save left a temporary file behind"
    );
}

// ---------------------------------------------------------------------------------------------
// --set.

fn applied(preset: &Preset, assignments: &[&str]) -> Preset {
    let mut p = preset.clone();
    for a in assignments {
        p.apply_set(a).unwrap_or_else(|e| panic!("--set {a}: {e}"));
    }
    p
}

#[test]
fn apply_set_edits_fields_by_their_ron_path() {
    let base = base_preset();
    let OptimizerConfig::Adam {
        beta1,
        beta2,
        eps,
        weight_decay,
        ..
    } = base.config.optimizer
    else {
        panic!("BASE uses Adam");
    };

    let p = applied(&base, &["optimizer.lr=0.5"]);
    assert_eq!(
        p.config.optimizer,
        OptimizerConfig::Adam {
            lr: 0.5,
            beta1,
            beta2,
            eps,
            weight_decay
        },
        "optimizer.lr changes Adam's lr only"
    );
    assert_eq!(
        Preset {
            config: bptt_lab::train::Setup {
                optimizer: base.config.optimizer,
                ..p.config.clone()
            },
            ..p.clone()
        },
        base,
        "nothing else changed"
    );

    let p = applied(&base, &["model.cell=gru"]);
    assert_eq!(p.config.model.cell, CellKind::Gru, "model.cell=gru");
    let p = applied(&base, &["model.cell=rnn(relu)"]);
    assert_eq!(
        p.config.model.cell,
        CellKind::Rnn(Activation::Relu),
        "model.cell=rnn(relu)"
    );
    let p = applied(&base, &["task.seq_len=20"]);
    assert_eq!(
        p.config.task,
        TaskConfig::Adding { seq_len: 20 },
        "task.seq_len=20"
    );
    let p = applied(&base, &["bptt=truncated(k1: 5, k2: 10, mode: per_segment)"]);
    assert_eq!(
        p.config.bptt,
        Bptt::Truncated {
            k1: 5,
            k2: 10,
            mode: UpdateMode::PerSegment
        },
        "bptt=truncated(..)"
    );
    let p = applied(&p, &["bptt.k1=3"]);
    assert_eq!(
        p.config.bptt,
        Bptt::Truncated {
            k1: 3,
            k2: 10,
            mode: UpdateMode::PerSegment
        },
        "bptt.k1=3 after bptt=truncated(..)"
    );
    let p = applied(&base, &["optimizer=sgd(lr: 0.1, momentum: 0.9)", "seed=7"]);
    assert_eq!(
        p.config.optimizer,
        OptimizerConfig::Sgd {
            lr: 0.1,
            momentum: 0.9,
            dampening: 0.0,
            nesterov: false,
            weight_decay: 0.0
        },
        "a whole optimizer, with PyTorch's defaults for the rest"
    );
    assert_eq!(p.config.seed, 7, "seed=7");
}

#[test]
fn apply_set_results_still_validate() {
    let base = base_preset();
    let p = applied(
        &base,
        &[
            "optimizer.lr=0.01",
            "model.cell=rnn(relu)",
            "task.seq_len=20",
            "bptt=truncated(k1: 5, k2: 10, mode: per_segment)",
            "bptt.k1=3",
            " clip.max_norm = 2.5 ",
        ],
    );
    let config = p
        .validate(Path::new("set.ron"))
        .unwrap_or_else(|e| panic!("edited preset should validate: {e}"));
    assert_eq!(config.dims().hidden, 8);
    assert_eq!(
        p.config.clip,
        bptt_lab::nn::Clip::GlobalNorm { max_norm: 2.5 },
        "spaces around key and value are ignored"
    );
}

#[test]
fn apply_set_rejects_unknown_keys_and_ill_typed_values_and_keeps_the_preset() {
    let base = base_preset();
    let cases: [(&str, &[&str]); 7] = [
        (
            "optimizer.foo=1",
            &["optimizer.foo", "`foo`", "lr", "beta1"],
        ),
        ("modle.hidden=3", &["`modle`", "model", "optimizer"]),
        ("bptt.k1=3", &["`bptt`", "`k1`"]),
        ("batch_size=abc", &["batch_size", "abc"]),
        ("model.hidden=1.5", &["model.hidden", "1.5"]),
        ("model.cell=lstn", &["model.cell", "lstn"]),
        ("optimizer.lr", &["optimizer.lr", "key=value"]),
    ];
    for (assignment, fragments) in cases {
        let mut p = base.clone();
        let result = catch_unwind(AssertUnwindSafe(|| p.apply_set(assignment)))
            .unwrap_or_else(|_| panic!("--set {assignment} panicked"));
        let e = result.expect_err(assignment);
        assert!(matches!(e, PresetError::Set { .. }), "{assignment}: {e:?}");
        let message = e.to_string();
        for f in fragments {
            assert!(
                message.contains(f),
                "--set {assignment}: message {message:?} should contain {f:?}"
            );
        }
        assert_eq!(p, base, "--set {assignment} failed but changed the preset");
    }
}

/// `--set` values are RON, so what a preset file accepts for a field, `--set` accepts too:
/// `copy()` (every setting at its default, as `TaskConfig` documents) and `adding()`.
#[test]
fn deeply_nested_set_values_are_an_error_not_a_stack_overflow() {
    let base = base_preset();
    for (open, close) in [("[", "]"), ("(", ")"), ("a(", ")"), ("Some(", ")")] {
        let value = format!("{}1{}", open.repeat(60_000), close.repeat(60_000));
        let mut p = base.clone();
        let e = p
            .apply_set(&format!("model.hidden={value}"))
            .expect_err("nested 60,000 deep");
        assert!(e.to_string().contains("nested deeper than"), "{open}: {e}");
        assert_eq!(p, base);
    }
    // Sixty levels are still a value (of the wrong type here).
    let mut p = base.clone();
    let value = format!("{}1{}", "[".repeat(60), "]".repeat(60));
    let e = p
        .apply_set(&format!("model.hidden={value}"))
        .expect_err("a list");
    assert!(!e.to_string().contains("nested deeper"), "{e}");
}

#[test]
fn apply_set_accepts_struct_variants_with_all_defaults() {
    let base = base_preset();
    let mut failures = Vec::new();
    for (assignment, want) in [
        ("task=copy()", TaskConfig::Copy { delay: 100 }),
        ("task=adding()", TaskConfig::Adding { seq_len: 100 }),
    ] {
        let mut p = base.clone();
        match p.apply_set(assignment) {
            Ok(()) if p.config.task == want => {}
            Ok(()) => failures.push(format!("{assignment} gave {:?}", p.config.task)),
            Err(e) => failures.push(format!("{assignment}: {e}")),
        }
    }
    let file = base_with("adding(seq_len: 10)", "copy()");
    let from_file =
        Preset::from_ron(&file, Path::new("copy.ron")).expect("a preset file may write copy()");
    assert_eq!(from_file.config.task, TaskConfig::Copy { delay: 100 });
    assert!(
        failures.is_empty(),
        "--set rejects RON that a preset file accepts:\n{}",
        failures.join("\n")
    );
}

#[test]
fn apply_set_then_validate_names_the_bad_field() {
    let mut p = base_preset();
    p.apply_set("optimizer.lr=-1")
        .expect("a number fits the type; the range is checked by validate");
    let e = p
        .validate(Path::new("edited.ron"))
        .expect_err("a negative learning rate");
    let message = e.to_string();
    assert!(
        message.contains("`optimizer.adam.lr`")
            && message.contains("-1")
            && message.ends_with("(in edited.ron)"),
        "{message:?}"
    );

    let mut p = base_preset();
    p.apply_set("bptt=truncated(k1: 8, k2: 4, mode: accumulate)")
        .expect("fits the type");
    let message = p
        .validate(Path::new("edited.ron"))
        .expect_err("k1 > k2")
        .to_string();
    assert!(message.contains("`bptt.k2`"), "{message:?}");
}
