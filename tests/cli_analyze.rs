//! The analysis of the network through the real binary: the files a run writes as it trains
//! (`analysis.csv`, `eigenvalues.csv`, `lyapunov.csv`, `memory.csv`), and `bptt-lab analyze`
//! on a run folder and on a weights file.

mod binary;

use binary::run_expecting;

use std::fs;
use std::path::Path;

/// A tanh RNN with `W_hh` = 0.5·Q (Q orthogonal), cut down to H = 8, T = 20.
const TRAIN: [&str; 10] = [
    "train",
    "orthogonal_gain_0_5",
    "--steps",
    "5",
    "--set",
    "model.hidden=8",
    "--set",
    "task.seq_len=20",
    "--out",
    "run",
];

/// The rows of a CSV file as fields, after checking its header.
fn rows(path: &Path, header: &str) -> Vec<Vec<String>> {
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some(header), "{}", path.display());
    lines
        .map(|l| l.split(',').map(str::to_owned).collect())
        .collect()
}

fn num(field: &str) -> f64 {
    field
        .parse()
        .unwrap_or_else(|e| panic!("`{field}` is not a number: {e}"))
}

#[test]
fn a_run_writes_its_analysis_and_the_eigenvalues_at_initialization_are_the_gain() {
    let dir = tempfile::tempdir().expect("tempdir");
    run_expecting(dir.path(), &TRAIN, 0);
    let run = dir.path().join("run");
    let analysis = rows(
        &run.join("analysis.csv"),
        bptt_lab::diagnostics::csv::ANALYSIS_HEADER,
    );
    assert!(!analysis.is_empty(), "no analysis row");
    let first = &analysis[0];
    assert_eq!(first[0], "1", "the first analysis is at step 1");
    assert_eq!((first[3].as_str(), first[4].as_str()), ("8", "8"));
    // Every exponent of 0.5·Q through tanh is at most ln 0.5 (the step Jacobian
    // diag(1 − h²)·0.5Q has norm ≤ 0.5); the weights of step 1 are one Adam step away.
    assert!(num(&first[5]) < 0.5_f64.ln() + 0.05, "λ₁ = {}", first[5]);
    let eig = rows(
        &run.join("eigenvalues.csv"),
        bptt_lab::diagnostics::csv::EIGENVALUES_HEADER,
    );
    let at_1: Vec<_> = eig.iter().filter(|r| r[0] == "1").collect();
    assert_eq!(at_1.len(), 8, "H eigenvalues of the one block");
    for r in at_1 {
        assert_eq!(r[1], "h");
        let modulus = num(&r[2]).hypot(num(&r[3]));
        assert!((modulus - num(&r[4])).abs() < 1e-12);
        assert!((modulus - 0.5).abs() < 0.02, "|λ| = {modulus}");
        assert!((num(&r[5]) - 1.0).abs() < 1e-12, "1/γ of tanh");
    }
    let lyapunov = rows(
        &run.join("lyapunov.csv"),
        bptt_lab::diagnostics::csv::LYAPUNOV_HEADER,
    );
    assert_eq!(lyapunov.iter().filter(|r| r[0] == "1").count(), 8);
    let memory = rows(
        &run.join("memory.csv"),
        bptt_lab::diagnostics::csv::MEMORY_HEADER,
    );
    assert!(memory.is_empty(), "memory horizons are the LSTM's");
}

#[test]
fn analyze_a_run_folder_and_a_weights_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    run_expecting(dir.path(), &TRAIN, 0);
    let (stdout, _) = run_expecting(dir.path(), &["analyze", "run"], 0);
    assert!(
        stdout.contains("Lyapunov exponents (top 8 of 8"),
        "{stdout}"
    );
    assert!(stdout.contains("predicted by lambda_1"), "{stdout}");
    let out = dir.path().join("run/analysis");
    let analysis = rows(
        &out.join("analysis.csv"),
        bptt_lab::diagnostics::csv::ANALYSIS_HEADER,
    );
    assert_eq!(analysis.len(), 1);
    assert_eq!(analysis[0][0], "5", "the step of the run's weights");
    let lyapunov = rows(
        &out.join("lyapunov.csv"),
        bptt_lab::diagnostics::csv::LYAPUNOV_HEADER,
    );
    assert_eq!(lyapunov.len(), 8);
    assert_eq!(lyapunov[0][2], analysis[0][5], "λ₁ in both files");
    let exponents: Vec<f64> = lyapunov.iter().map(|r| num(&r[2])).collect();
    assert!(exponents.windows(2).all(|w| w[0] >= w[1]), "{exponents:?}");

    // A weights file needs its setup; with it, the files go beside the weights.
    let (_, stderr) = run_expecting(dir.path(), &["analyze", "run/weights.npz"], 2);
    assert!(stderr.contains("--preset"), "{stderr}");
    let (_, stderr) = run_expecting(dir.path(), &["analyze", "nowhere"], 2);
    assert!(stderr.contains("nowhere"), "{stderr}");
    let args = [
        "analyze",
        "run/weights.npz",
        "--preset",
        "run/preset.ron",
        "--lyapunov-k",
        "3",
        "--sequences",
        "2",
    ];
    let (stdout, _) = run_expecting(dir.path(), &args, 0);
    assert!(
        stdout.contains("2 held-out sequences of 20 steps"),
        "{stdout}"
    );
    let beside = dir.path().join("run/weights-analysis");
    let lyapunov = rows(
        &beside.join("lyapunov.csv"),
        bptt_lab::diagnostics::csv::LYAPUNOV_HEADER,
    );
    assert_eq!(lyapunov.len(), 3);
    // Weights of another setup are refused, naming what does not fit.
    let args = ["analyze", "run/weights.npz", "--preset", "adding_lstm_t100"];
    let (_, stderr) = run_expecting(dir.path(), &args, 2);
    assert!(stderr.contains("weight_"), "{stderr}");
}
