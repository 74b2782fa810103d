//! `bptt-lab grad` against PyTorch: every pair in tests/data/oracle/ (made by PyTorch autograd in
//! f64, see its README) must agree per tensor to a relative error below 1e-9
//! (largest |ours − theirs| divided by largest |theirs|).

use std::path::{Path, PathBuf};

use bptt_lab::grad::{self, GradSettings};
use bptt_lab::nn::{Activation, CellKind, LossKind, PARAM_NAMES, Reduction};
use ndarray::ArrayD;

const TOLERANCE: f64 = 1e-9;

fn oracle_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/oracle")
}

/// The cases and their `grad` flags, read from the table in the oracle README.
fn cases() -> Vec<(String, GradSettings)> {
    let readme = std::fs::read_to_string(oracle_dir().join("README.md")).expect("oracle README");
    let mut cases = Vec::new();
    for line in readme.lines() {
        let cols: Vec<&str> = line.split('|').map(str::trim).collect();
        if cols.len() < 3 || !cols[2].contains("--cell") {
            continue;
        }
        let name = cols[1].trim_matches('`').to_owned();
        let flags: Vec<&str> = cols[2].trim_matches('`').split_whitespace().collect();
        let value = |flag: &str| flags.iter().position(|f| *f == flag).map(|i| flags[i + 1]);
        let cell = match value("--cell").expect("--cell") {
            "rnn" => CellKind::Rnn(Activation::Tanh),
            "lstm" => CellKind::Lstm,
            "gru" => CellKind::Gru,
            other => panic!("unknown cell {other} in oracle README"),
        };
        let loss = match value("--loss").expect("--loss") {
            "mse_last" => LossKind::MseLast,
            "mse_all" => LossKind::MseAll,
            "xent" => LossKind::Xent,
            other => panic!("unknown loss {other} in oracle README"),
        };
        let tbptt = value("--tbptt").map(|k| k.parse().expect("--tbptt K"));
        cases.push((
            name,
            GradSettings {
                cell,
                loss,
                tbptt,
                reduction: Reduction::Mean,
            },
        ));
    }
    cases
}

fn rel_err(ours: &ArrayD<f64>, theirs: &ArrayD<f64>) -> f64 {
    assert_eq!(ours.shape(), theirs.shape(), "shapes differ");
    let num = ours
        .iter()
        .zip(theirs)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max);
    let den = theirs.iter().map(|b| b.abs()).fold(0.0, f64::max);
    if den == 0.0 { num } else { num / den }
}

#[test]
fn grad_reproduces_every_oracle_pair() {
    let cases = cases();
    assert_eq!(cases.len(), 21, "oracle README lists 21 cases");
    let mut worst_per_cell: Vec<(&str, f64, String)> = Vec::new();
    let mut failures = Vec::new();
    for (name, settings) in &cases {
        let input = oracle_dir().join(format!("{name}.in.npz"));
        let expected = oracle_dir().join(format!("{name}.out.npz"));
        let inputs = grad::read_inputs(&input, *settings).expect("oracle input reads");
        let got = grad::compute(&inputs, *settings);

        let mut compared: Vec<(String, ArrayD<f64>)> = vec![
            ("loss".into(), ndarray::arr0(got.loss).into_dyn()),
            ("grad_norm".into(), ndarray::arr0(got.grad_norm).into_dyn()),
            ("h".into(), got.h.clone().into_dyn()),
            ("out".into(), got.out.clone()),
        ];
        for (pname, slice) in PARAM_NAMES.iter().zip(got.grads.slices()) {
            let theirs = grad::read_array(&expected, &format!("grad.{pname}")).expect("grad");
            let ours = ArrayD::from_shape_vec(theirs.shape(), slice.to_vec()).expect("shape");
            compared.push((format!("grad.{pname}"), ours));
        }
        if let Some(g) = &got.grad_h0 {
            compared.push(("grad.h0".into(), g.clone().into_dyn()));
        }
        if let Some(g) = &got.grad_c0 {
            compared.push(("grad.c0".into(), g.clone().into_dyn()));
        }
        if let Some(c) = &got.c {
            compared.push(("c".into(), c.clone().into_dyn()));
        }
        // The oracle has grad.h0 exactly when h0 was given; we must too.
        let has_h0 = grad::read_array(&expected, "grad.h0").is_ok();
        assert_eq!(has_h0, got.grad_h0.is_some(), "{name}: grad.h0 presence");

        for (key, ours) in &compared {
            let theirs = grad::read_array(&expected, key)
                .unwrap_or_else(|e| panic!("{name}: oracle lacks {key}: {e}"));
            let err = rel_err(ours, &theirs);
            if err >= TOLERANCE || err.is_nan() {
                failures.push(format!("{name} {key}: rel err {err:.3e}"));
            }
            let cell = settings.cell.short_name();
            match worst_per_cell.iter_mut().find(|(c, ..)| *c == cell) {
                Some(entry) if err > entry.1 => *entry = (cell, err, format!("{name} {key}")),
                Some(_) => {}
                None => worst_per_cell.push((cell, err, format!("{name} {key}"))),
            }
        }
    }
    for (cell, err, at) in &worst_per_cell {
        println!("worst relative error {cell}: {err:.2e} ({at})");
    }
    assert!(
        failures.is_empty(),
        "oracle mismatches:\n{}",
        failures.join("\n")
    );
}
