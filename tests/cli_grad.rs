//! The `bptt-lab grad` command as a user runs it: good files give the NPZ, bad files give a
//! message naming the key and the expected shape, with exit code 2 and no panic.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use ndarray::{Array1, Array2, Array3, ArrayD, ShapeBuilder};
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

#[test]
fn an_empty_batch_or_hidden_size_is_named() {
    expect_bad_input(
        RNN_MSE_LAST,
        |a| {
            a[0].1 = Array3::<f64>::zeros((3, 0, 2)).into_dyn();
            a[1].1 = Array2::<f64>::zeros((0, 1)).into_dyn();
        },
        &["`x`", "T, B, I ≥ 1", "[3, 0, 2]"],
    );
    expect_bad_input(
        RNN_MSE_LAST,
        |a| a[0].1 = Array3::<f64>::zeros((0, 2, 2)).into_dyn(),
        &["`x`", "[0, 2, 2]"],
    );
    expect_bad_input(
        RNN_MSE_LAST,
        |a| {
            a[2].1 = Array2::<f64>::zeros((0, 2)).into_dyn();
            a[3].1 = Array2::<f64>::zeros((0, 0)).into_dyn();
        },
        &["`weight_hh_l0`", "H = 0"],
    );
}

#[test]
fn a_nan_weight_is_named() {
    expect_bad_input(
        RNN_MSE_LAST,
        |a| a[3].1[[1, 2]] = f64::NAN,
        &["`weight_hh_l0`", "NaN", "finite"],
    );
    expect_bad_input(
        RNN_MSE_LAST,
        |a| a[0].1[[0, 0, 0]] = f64::INFINITY,
        &["`x`", "inf"],
    );
}

/// The loss `grad` prints for an input edited by `edit`.
fn printed_loss(edit: impl FnOnce(&mut Vec<(&'static str, ArrayD<f64>)>)) -> String {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("in.npz");
    write_input(&input, edit);
    let o = grad(RNN_MSE_LAST, &input, &dir.path().join("out.npz"));
    let stdout = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    stdout.split_whitespace().nth(1).expect("loss").to_owned()
}

#[test]
fn a_fortran_ordered_array_means_the_same_numbers() {
    let x = Array3::from_shape_fn((3, 2, 2), |(t, b, i)| {
        0.1 * f64::from(u8::try_from(t * 4 + b * 2 + i).unwrap()) - 0.5
    });
    let w = Array2::from_shape_fn((3, 3), |(r, c)| {
        0.07 * f64::from(u8::try_from(r * 3 + c).unwrap()) - 0.3
    });
    let standard = printed_loss(|a| {
        a[0].1 = x.clone().into_dyn();
        a[3].1 = w.clone().into_dyn();
    });
    // The same values held column-major: NPY writes them with fortran_order True.
    let x_f = {
        let mut f = Array3::<f64>::zeros(x.raw_dim().f());
        f.assign(&x);
        f
    };
    let w_f = {
        let mut f = Array2::<f64>::zeros(w.raw_dim().f());
        f.assign(&w);
        f
    };
    assert!(!x_f.is_standard_layout() && !w_f.is_standard_layout());
    let fortran = printed_loss(|a| {
        a[0].1 = x_f.into_dyn();
        a[3].1 = w_f.into_dyn();
    });
    assert_eq!(standard, fortran);
    assert_ne!(standard, printed_loss(|_| {}), "the edit changes the loss");
}

#[test]
fn a_shape_larger_than_the_data_is_refused_before_reading() {
    use std::io::Write;
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("in.npz");
    // x declares 10^15 values (8 PB) but holds 16 bytes.
    let dict = "{'descr': '<f8', 'fortran_order': False, 'shape': (100000, 100000, 100000), }";
    let mut npy = b"\x93NUMPY\x01\x00".to_vec();
    let pad = 64 - (10 + dict.len() + 1) % 64;
    let header = format!("{dict}{}\n", " ".repeat(pad));
    npy.extend(u16::try_from(header.len()).unwrap().to_le_bytes());
    npy.extend(header.as_bytes());
    npy.extend([0u8; 16]);
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&input).expect("create"));
    zip.start_file("x.npy", zip::write::SimpleFileOptions::default())
        .expect("start");
    zip.write_all(&npy).expect("write");
    zip.finish().expect("finish");
    let out = dir.path().join("out.npz");
    let o = grad(RNN_MSE_LAST, &input, &out);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "stderr: {stderr}");
    assert!(
        stderr.contains("`x`") && stderr.contains("bytes"),
        "{stderr}"
    );
    assert!(!out.exists());
}

#[test]
fn an_overflowing_loss_is_an_error_with_the_results_kept() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("in.npz");
    let out = dir.path().join("out.npz");
    write_input(&input, |a| a[6].1.fill(1e200));
    let o = grad(RNN_MSE_LAST, &input, &out);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "stderr: {stderr}");
    assert!(
        stderr.contains("overflow") && stderr.contains("inf"),
        "{stderr}"
    );
    assert!(out.exists(), "the results are written for a look");
}
