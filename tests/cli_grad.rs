//! The `bptt-lab grad` command as a user runs it: good files give the NPZ, bad files give a
//! message naming the key and the expected shape, with exit code 2 and no panic.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use ndarray::{Array1, Array2, Array3, ArrayD};
use ndarray_npy::NpzWriter;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_bptt-lab"))
}

fn oracle(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/data/oracle/{name}"))
}

fn grad(args: &[&str], input: &Path, output: &Path) -> Output {
    bin()
        .arg("grad")
        .args(args)
        .arg(input)
        .arg(output)
        .output()
        .expect("run bptt-lab")
}

/// A valid tanh-RNN `mse_last` input (T=3, B=2, I=2, H=3, O=1) with some keys changed.
fn write_input(path: &Path, edit: impl FnOnce(&mut Vec<(&'static str, ArrayD<f64>)>)) {
    let mut arrays: Vec<(&'static str, ArrayD<f64>)> = vec![
        ("x", Array3::<f64>::from_elem((3, 2, 2), 0.5).into_dyn()),
        ("y", Array2::<f64>::ones((2, 1)).into_dyn()),
        (
            "weight_ih_l0",
            Array2::<f64>::from_elem((3, 2), 0.1).into_dyn(),
        ),
        (
            "weight_hh_l0",
            Array2::<f64>::from_elem((3, 3), 0.2).into_dyn(),
        ),
        ("bias_ih_l0", Array1::<f64>::zeros(3).into_dyn()),
        ("bias_hh_l0", Array1::<f64>::zeros(3).into_dyn()),
        (
            "readout.weight",
            Array2::<f64>::from_elem((1, 3), 0.3).into_dyn(),
        ),
        ("readout.bias", Array1::<f64>::zeros(1).into_dyn()),
    ];
    edit(&mut arrays);
    let mut npz = NpzWriter::new(std::fs::File::create(path).expect("create"));
    for (name, a) in &arrays {
        npz.add_array(*name, a).expect("add");
    }
    npz.finish().expect("finish");
}

#[test]
fn grad_writes_loss_gradients_and_states() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("got.npz");
    let o = grad(
        &["--cell", "lstm", "--loss", "mse_last", "--tbptt", "3"],
        &oracle("lstm_mse_last_h0_tbptt3.in.npz"),
        &out,
    );
    assert!(
        o.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let mut npz =
        ndarray_npy::NpzReader::new(std::fs::File::open(&out).expect("out")).expect("npz");
    let mut names = npz.names().expect("names");
    names.sort();
    for key in [
        "loss",
        "grad.weight_ih_l0",
        "grad.weight_hh_l0",
        "grad.bias_ih_l0",
        "grad.bias_hh_l0",
        "grad.readout.weight",
        "grad.readout.bias",
        "grad.h0",
        "grad.c0",
        "grad_norm",
        "h",
    ] {
        assert!(
            names.iter().any(|n| n == key),
            "{key} missing from {names:?}"
        );
    }
    let h: ArrayD<f64> = npz.by_name("h").expect("h");
    assert_eq!(h.shape(), &[7, 3, 4], "h [T, B, H]");
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .expect("dir")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert_eq!(leftovers.len(), 1, "only the output remains: {leftovers:?}");
}

/// Runs `grad` on an input edited by `edit`; expects exit code 2 and every `needle` in stderr.
fn expect_bad_input(
    flags: &[&str],
    edit: impl FnOnce(&mut Vec<(&'static str, ArrayD<f64>)>),
    needles: &[&str],
) {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("in.npz");
    let out = dir.path().join("out.npz");
    write_input(&input, edit);
    let o = grad(flags, &input, &out);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "exit code; stderr: {stderr}");
    assert!(!stderr.contains("panicked"), "no panic: {stderr}");
    for needle in needles {
        assert!(
            stderr.contains(needle),
            "stderr should mention {needle:?}: {stderr}"
        );
    }
    assert!(!out.exists(), "no output file on error");
}

const RNN_MSE_LAST: &[&str] = &["--cell", "rnn", "--loss", "mse_last"];

#[test]
fn the_valid_test_input_is_accepted() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("in.npz");
    write_input(&input, |_| {});
    let o = grad(RNN_MSE_LAST, &input, &dir.path().join("out.npz"));
    assert!(
        o.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn a_missing_key_is_named_with_its_shape() {
    expect_bad_input(
        RNN_MSE_LAST,
        |a| a.retain(|(n, _)| *n != "readout.bias"),
        &["missing key `readout.bias`", "[O] = [1]"],
    );
}

#[test]
fn a_wrong_shape_is_named_with_the_expected_one() {
    expect_bad_input(
        RNN_MSE_LAST,
        |a| a[2].1 = Array2::<f64>::zeros((3, 5)).into_dyn(),
        &["`weight_ih_l0`", "[3, 2]", "found shape [3, 5]"],
    );
}

#[test]
fn a_gate_count_that_does_not_fit_the_cell_is_named() {
    expect_bad_input(
        &["--cell", "lstm", "--loss", "mse_last"],
        |_| {},
        &["`weight_hh_l0`", "[12, 3]", "found shape [3, 3]"],
    );
}

#[test]
fn xent_labels_must_be_integers() {
    expect_bad_input(
        &["--cell", "rnn", "--loss", "xent"],
        |a| {
            a[1].1 = Array2::<f64>::zeros((3, 2)).into_dyn();
        },
        &["`y`", "int64"],
    );
}

#[test]
fn a_file_that_is_not_npz_is_reported() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("in.npz");
    std::fs::write(&input, b"not a zip file").expect("write");
    let o = grad(RNN_MSE_LAST, &input, &dir.path().join("out.npz"));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "stderr: {stderr}");
    assert!(stderr.contains("cannot open as NPZ"), "{stderr}");
}
