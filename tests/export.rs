//! `bptt-lab export pytorch|keras`: what the folder holds (the script compiles, the NPZ files
//! have exactly the names, shapes and dtypes the framework expects), that the exported
//! weights map back to the lab's bit for bit, that the batches and losses are the lab's own,
//! and that what has no counterpart is refused with a reason. (That the scripts reproduce the
//! lab's losses in torch and TensorFlow is `scripts/check_export.sh`, run where they are
//! installed; its output is in `docs/export-check.txt`.)

#![expect(
    clippy::float_cmp,
    reason = "exports move the lab's numbers: they must be equal bit for bit"
)]

use std::fs::File;
use std::path::Path;

use bptt_lab::frameworks::layout::KERAS_NAMES;
use bptt_lab::frameworks::{ExportError, Framework, export, from_keras};
use bptt_lab::nn::{CellKind, PARAM_NAMES, Params};
use bptt_lab::preset::{self, Preset};
use bptt_lab::tasks::train_rng;
use bptt_lab::train::{Precision, Trainer};
use ndarray::{ArrayD, IxDyn, OwnedRepr};
use ndarray_npy::NpzReader;

fn builtin(name: &str) -> Preset {
    let (path, text) = preset::find_builtin(name).expect("a shipped preset");
    Preset::from_ron(text, &path).expect("it parses")
}

/// A shipped preset made small and Keras-ready: cell `cell`, H = 5, T = 12, batch 4, random
/// biases (so that their layout is checked too).
fn small(cell: &str, precision: &str) -> Preset {
    let mut p = builtin("adding_lstm_t100");
    for a in [
        format!("model.cell={cell}"),
        "model.hidden=5".to_owned(),
        "task.seq_len=12".to_owned(),
        "batch_size=4".to_owned(),
        format!("precision={precision}"),
        "optimizer=keras_adam(lr: 0.01)".to_owned(),
        "init.bias=pytorch_default".to_owned(),
    ] {
        p.apply_set(&a).unwrap_or_else(|e| panic!("{a}: {e}"));
    }
    // Keras's SimpleRNN and LSTM have one bias; its GRU two, as the lab's.
    if !cell.starts_with("gru") {
        p.apply_set("model.recurrent_bias=false").expect("set");
    }
    p
}

/// Every array of an NPZ file, read as `F`, or the names that are not of type `F`.
fn read_all<F: ndarray_npy::ReadableElement>(path: &Path) -> Vec<(String, ArrayD<F>)> {
    let mut npz = NpzReader::new(File::open(path).expect("the NPZ exists")).expect("an NPZ");
    let names = npz.names().expect("its names");
    names
        .into_iter()
        .map(|n| {
            let a = npz.by_name::<OwnedRepr<F>, IxDyn>(&n).unwrap_or_else(|e| {
                panic!("{}: {n} is not of the run's type: {e}", path.display())
            });
            (n.trim_end_matches(".npy").to_owned(), a)
        })
        .collect()
}

fn python_compiles(script: &Path) {
    let out = std::process::Command::new("python3")
        .args(["-m", "py_compile"])
        .arg(script)
        .output()
        .expect("python3 runs (this test needs it: apt-get install python3)");
    assert!(
        out.status.success(),
        "{} does not compile: {}",
        script.display(),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The lab's initial weights of `p` in f64.
fn initial(p: &Preset) -> Params<f64> {
    let config = p.config.validate().expect("valid");
    match config.precision {
        Precision::F32 => Trainer::<f32>::new(&config)
            .expect("a run")
            .state()
            .params
            .cast(),
        Precision::F64 => Trainer::<f64>::new(&config).expect("a run").state().params,
    }
}

#[test]
fn every_cell_exports_to_both_frameworks_with_their_layouts_and_back_bit_for_bit() {
    for cell in ["rnn(tanh)", "rnn(relu)", "lstm", "gru"] {
        for precision in ["f32", "f64"] {
            let p = small(cell, precision);
            let cell_kind = p.config.model.cell;
            let (g, h, i, o) = (cell_kind.gates(), 5, 2, 1);
            let want = initial(&p);
            for framework in [Framework::Pytorch, Framework::Keras] {
                let mut p = p.clone();
                if framework == Framework::Pytorch {
                    p.apply_set("optimizer=adam(lr: 0.01)").expect("adam");
                }
                let dir = tempfile::tempdir().expect("a temp dir");
                let out = export(&p, framework, 7, dir.path())
                    .unwrap_or_else(|e| panic!("{cell} {precision} {framework:?}: {e}"));
                assert_eq!(out.lab_losses.len(), 7);
                python_compiles(&dir.path().join("train.py"));
                let script = std::fs::read_to_string(dir.path().join("train.py")).expect("read");
                assert!(
                    script.contains("def make_batch(rng)"),
                    "the adding problem's generator, for training beyond the lab's batches"
                );
                let weights = dir.path().join("init_weights.npz");
                let tensors: Vec<(String, ArrayD<f64>)> = if precision == "f32" {
                    read_all::<f32>(&weights)
                        .into_iter()
                        .map(|(n, a)| (n, a.mapv(f64::from)))
                        .collect()
                } else {
                    read_all::<f64>(&weights)
                };
                let shape = |name: &str| -> Vec<usize> {
                    tensors
                        .iter()
                        .find(|(n, _)| n == name)
                        .unwrap_or_else(|| panic!("{framework:?}: no {name}"))
                        .1
                        .shape()
                        .to_vec()
                };
                let back = match framework {
                    Framework::Pytorch => {
                        let names: Vec<&str> = tensors.iter().map(|(n, _)| n.as_str()).collect();
                        assert_eq!(names, PARAM_NAMES, "PyTorch's names, in order");
                        assert_eq!(shape("weight_ih_l0"), [g * h, i]);
                        assert_eq!(shape("weight_hh_l0"), [g * h, h]);
                        assert_eq!(shape("bias_ih_l0"), [g * h]);
                        assert_eq!(shape("readout.weight"), [o, h]);
                        let two = |n: &str| {
                            tensors
                                .iter()
                                .find(|(k, _)| k == n)
                                .expect("present")
                                .1
                                .clone()
                        };
                        Params {
                            weight_ih: two("weight_ih_l0").into_dimensionality().expect("2-d"),
                            weight_hh: two("weight_hh_l0").into_dimensionality().expect("2-d"),
                            bias_ih: two("bias_ih_l0").into_dimensionality().expect("1-d"),
                            bias_hh: two("bias_hh_l0").into_dimensionality().expect("1-d"),
                            readout_weight: two("readout.weight")
                                .into_dimensionality()
                                .expect("2-d"),
                            readout_bias: two("readout.bias").into_dimensionality().expect("1-d"),
                        }
                    }
                    Framework::Keras => {
                        let names: Vec<&str> = tensors.iter().map(|(n, _)| n.as_str()).collect();
                        assert_eq!(names, KERAS_NAMES, "Keras's set_weights order");
                        assert_eq!(shape("rnn_kernel"), [i, g * h], "kernel [I, G·H]");
                        assert_eq!(shape("rnn_recurrent_kernel"), [h, g * h]);
                        let bias: &[usize] = if cell_kind == CellKind::Gru {
                            &[2, g * h]
                        } else {
                            &[g * h]
                        };
                        assert_eq!(shape("rnn_bias"), bias);
                        assert_eq!(shape("readout_kernel"), [h, o]);
                        let named: Vec<(&str, ArrayD<f64>)> = tensors
                            .iter()
                            .map(|(n, a)| (n.as_str(), a.clone()))
                            .collect();
                        from_keras(cell_kind, &named).expect("maps back")
                    }
                };
                assert_eq!(back, want, "{cell} {precision} {framework:?}: bit for bit");
            }
        }
    }
}

#[test]
fn the_batches_and_losses_are_the_labs_own() {
    let p = small("gru", "f64");
    let config = p.config.validate().expect("valid");
    let dir = tempfile::tempdir().expect("a temp dir");
    let out = export(&p, Framework::Keras, 5, dir.path()).expect("exports");
    // The losses: a run of the lab, step by step.
    let mut trainer = Trainer::<f64>::new(&config).expect("a run");
    let losses: Vec<f64> = (0..5)
        .map(|_| trainer.step().expect("a step").loss)
        .collect();
    assert_eq!(out.lab_losses, losses);
    let csv = std::fs::read_to_string(dir.path().join("lab_losses.csv")).expect("written");
    let read: Vec<f64> = csv
        .lines()
        .skip(1)
        .map(|l| {
            l.split(',')
                .nth(1)
                .expect("a loss")
                .parse()
                .expect("a number")
        })
        .collect();
    assert_eq!(read, losses, "written exactly");
    // The batches: the training stream's, batch-major for Keras.
    let batches = read_all::<f64>(&dir.path().join("batches.npz"));
    let mut rng = train_rng(config.seed);
    for step in 0..5 {
        let b = config.task().batch(&mut rng, config.batch_size);
        let x = &batches
            .iter()
            .find(|(n, _)| *n == format!("x_{step:05}"))
            .expect("x of each step")
            .1;
        let (t, bsz, i) = b.x.dim();
        assert_eq!(x.shape(), [bsz, t, i], "Keras's [B, T, I]");
        for (bi, ti) in [(0, 0), (bsz - 1, t - 1), (1, 3)] {
            assert_eq!(x[[bi, ti, 0]], b.x[[ti, bi, 0]]);
            assert_eq!(x[[bi, ti, 1]], b.x[[ti, bi, 1]]);
        }
    }
    assert_eq!(batches.len(), 10, "x and y of 5 steps");
}

#[test]
fn what_has_no_counterpart_is_refused_with_the_reason() {
    let unsupported =
        |p: &Preset, f: Framework| match export(p, f, 3, Path::new("/nonexistent/never")) {
            Err(ExportError::Unsupported { what, why, .. }) => format!("{what}: {why}"),
            other => panic!("not refused: {other:?}"),
        };
    let mut p = small("lstm", "f64");
    p.apply_set("model.recurrent_bias=true").expect("set");
    assert!(p.config.validate().is_ok(), "the setup itself is valid");
    assert!(unsupported(&p, Framework::Keras).contains("model.recurrent_bias=false"));
    let mut p = small("rnn(tanh)", "f64");
    p.apply_set("optimizer=adam(lr: 0.01)").expect("set");
    assert!(unsupported(&p, Framework::Keras).contains("keras_adam"));
    p.apply_set("optimizer=rms_prop(lr: 0.01)").expect("set");
    assert!(unsupported(&p, Framework::Keras).contains("RMSprop"));
    let p = small("gru", "f64");
    assert!(unsupported(&p, Framework::Pytorch).contains("`adam`"));
    let mut p = small("gru", "f64");
    p.apply_set("optimizer=adam(lr: 0.01)").expect("set");
    p.apply_set("bptt=truncated(k1: 3, k2: 6, mode: per_segment)")
        .expect("set");
    assert!(unsupported(&p, Framework::Pytorch).contains("chunked"));
    // What a framework can do is exported: the same windows, accumulated.
    p.apply_set("bptt=truncated(k1: 3, k2: 6, mode: accumulate)")
        .expect("set");
    let dir = tempfile::tempdir().expect("a temp dir");
    export(&p, Framework::Pytorch, 3, dir.path()).expect("accumulated windows export");
    python_compiles(&dir.path().join("train.py"));
}

#[test]
fn every_loss_and_schedule_writes_a_script_that_compiles() {
    let cases = [
        (
            "copy_lstm_forget1",
            Framework::Pytorch,
            vec!["bptt=chunked(k: 7, mode: per_segment)"],
        ),
        (
            "text_sonnets_lstm",
            Framework::Keras,
            vec![
                "model.recurrent_bias=false",
                "optimizer=keras_adam(lr: 0.003)",
                "clip=per_tensor_norm(max_norm: 1.0)",
            ],
        ),
        (
            "reber_lstm",
            Framework::Pytorch,
            vec!["clip=value(max_value: 0.5)"],
        ),
        (
            "clip_exploding_rnn",
            Framework::Keras,
            vec![
                "model.recurrent_bias=false",
                "bptt=chunked(k: 10, mode: accumulate)",
            ],
        ),
        (
            "adding_gru_t100",
            Framework::Keras,
            vec![
                "optimizer=sgd(lr: 0.1, momentum: 0.9, nesterov: true)",
                "clip=per_tensor_norm(max_norm: 1.0)",
            ],
        ),
    ];
    for (name, framework, sets) in cases {
        let mut p = builtin(name);
        for s in sets {
            p.apply_set(s)
                .unwrap_or_else(|e| panic!("{name}: {s}: {e}"));
        }
        let dir = tempfile::tempdir().expect("a temp dir");
        export(&p, framework, 2, dir.path()).unwrap_or_else(|e| panic!("{name}: {e}"));
        let script = std::fs::read_to_string(dir.path().join("train.py")).expect("written");
        assert!(
            script.contains(&p.name),
            "{name}: the script names its preset"
        );
        // The adding problem's generator is written in Python; the others say there is none.
        let adding = matches!(p.config.task, bptt_lab::tasks::TaskConfig::Adding { .. });
        assert_eq!(script.contains("def make_batch(rng)"), adding, "{name}");
        assert_eq!(script.contains("the lab's batches only"), !adding, "{name}");
        python_compiles(&dir.path().join("train.py"));
    }
}

#[test]
fn without_a_recurrent_bias_b_hh_stays_zero_and_the_run_is_another() {
    let one = small("lstm", "f64");
    let mut two = one.clone();
    two.apply_set("model.recurrent_bias=true").expect("set");
    let run = |p: &Preset| {
        let config = p.config.validate().expect("valid");
        let mut t = Trainer::<f64>::new(&config).expect("a run");
        let losses: Vec<f64> = (0..20).map(|_| t.step().expect("a step").loss).collect();
        (t.state().params, losses)
    };
    let (p1, l1) = run(&one);
    let (p2, l2) = run(&two);
    assert!(
        p1.bias_hh.iter().all(|&b| b == 0.0),
        "b_hh is zero after 20 updates"
    );
    assert!(p2.bias_hh.iter().any(|&b| b != 0.0));
    assert_ne!(l1[19], l2[19], "two biases train differently from one");
}
