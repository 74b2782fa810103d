//! The run folder as a lab notebook: written while the run trains, read back whole or
//! damaged, carried on bit-identically from its checkpoint, and never torn by a kill.

use std::fs;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use bptt_lab::headless::{self, Options, Start};
use bptt_lab::preset::Preset;
use bptt_lab::store::{FolderStatus, RunFolder, checkpoint};
use bptt_lab::train::TrainConfig;

/// A small LSTM on adding (T = 12), diagnostics every 7 steps.
fn preset(bptt: &str, steps: u64) -> Preset {
    let text = format!(
        r#"(
    version: 1,
    name: "store test",
    description: "A small run.",
    config: (
        seed: 9,
        model: (cell: lstm, hidden: 40),
        task: adding(seq_len: 12),
        bptt: {bptt},
        clip: global_norm(max_norm: 1.0),
        optimizer: adam(lr: 0.01),
        batch_size: 8,
        steps: {steps},
        eval: (every: 7, size: 32),
    ),
)"#
    );
    Preset::from_ron(&text, Path::new("store-test.ron")).expect("parses")
}

fn train(
    dir: &Path,
    p: &Preset,
    config: &TrainConfig,
    start: Start,
    stop_at: Option<u64>,
) -> headless::RunReport {
    let stop = AtomicBool::new(false);
    let mut progress = |m: &bptt_lab::train::StepMetrics| {
        if stop_at == Some(m.step) {
            stop.store(true, Ordering::Relaxed);
        }
    };
    let report = headless::run_with(
        config,
        Options {
            steps: config.steps,
            start,
            folder: Some((dir, p)),
            stop: Some(&stop),
            progress: &mut progress,
        },
    )
    .expect("trains");
    assert_eq!(report.stopped, stop_at.is_some());
    report
}

/// `metrics.csv` without its `elapsed_secs` column (wall time differs between runs).
fn metrics_without_time(dir: &Path) -> Vec<String> {
    fs::read_to_string(dir.join("metrics.csv"))
        .expect("metrics.csv")
        .lines()
        .map(|l| l.rsplit_once(',').map_or(l, |(a, _)| a).to_owned())
        .collect()
}

#[test]
fn a_stopped_run_carried_on_equals_an_uninterrupted_one_bit_for_bit() {
    let truncated = "truncated(k1: 5, k2: 8, mode: per_segment)";
    for (bptt, threads) in [("full", 1), ("full", 2), (truncated, 1), (truncated, 2)] {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = preset(bptt, 60);
        let config = p
            .validate(Path::new("store-test.ron"))
            .expect("valid")
            .with_threads(threads);
        let whole = dir.path().join("whole");
        train(&whole, &p, &config, Start::Fresh, None);
        let parts = dir.path().join("parts");
        train(&parts, &p, &config, Start::Fresh, Some(23));
        let folder = RunFolder::open(&parts).expect("opens");
        assert_eq!(folder.status, FolderStatus::Stopped, "{bptt}");
        assert!(folder.resumable());
        let cp = checkpoint::load(&parts.join("checkpoint.npz")).expect("a checkpoint");
        assert_eq!(cp.state.step(), 23);
        train(&parts, &p, &config, Start::Resume(Box::new(cp)), None);
        let what = format!("{bptt}, {threads} thread(s)");
        assert_eq!(
            metrics_without_time(&parts),
            metrics_without_time(&whole),
            "{what}: metrics"
        );
        // The weights bit for bit. (Diagnostics are not compared: a stopped run takes one at
        // its last step, and the spectra are skipped by wall time.)
        let weights = |d: &Path| fs::read(d.join("weights.npz")).expect("weights");
        assert!(weights(&whole) == weights(&parts), "{what}: weights differ");
        assert_eq!(
            RunFolder::open(&parts).expect("opens").status,
            FolderStatus::Finished
        );
    }
}

#[test]
fn a_run_folder_reads_back_into_the_curves_it_recorded() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = preset("full", 30);
    let config = p.validate(Path::new("store-test.ron")).expect("valid");
    let run = dir.path().join("run");
    let report = train(&run, &p, &config, Start::Fresh, None);
    let folder = RunFolder::open(&run).expect("opens");
    assert_eq!(folder.preset, p);
    assert_eq!(folder.figure("steps"), Some(30.0));
    let history = folder
        .history(config.model.cell.gate_names())
        .expect("curves");
    assert_eq!(history.steps.len(), 30, "a row per step");
    // Diagnostics at 7, 14, 21, 28 and the last step.
    assert_eq!(history.diagnostics.len(), 5);
    let latest = history.latest.expect("diagnostics");
    assert_eq!(latest.step, 30);
    assert_eq!(latest.profile.values.len(), 12, "a profile of T values");
    // The terms of the BPTT sum over training (their heatmap) come back from terms.csv as
    // the run had them: per step taken, the norm of each time step's term of ∂L/∂W_hh.
    let live = report.history.term_profiles.rows();
    let back = history.term_profiles.rows();
    assert!(!live.is_empty(), "the run took its terms");
    assert_eq!(back.len(), live.len());
    for ((s0, t0, v0), (s1, t1, v1)) in live.iter().zip(back) {
        assert_eq!((s0, t0, v0.len()), (s1, t1, v1.len()));
        for (a, b) in v0.iter().zip(v1) {
            // (zero at t = 0, where h_{t−1} is the zero initial state)
            assert!(a.is_finite() && *a >= 0.0, "a term's norm: {a}");
            assert!((a - b).abs() <= 1e-12 * a, "step {s0}: {a} vs {b}");
        }
    }
}

#[test]
fn a_folder_is_never_written_over() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = preset("full", 5);
    let config = p.validate(Path::new("store-test.ron")).expect("valid");
    let run = dir.path().join("run");
    train(&run, &p, &config, Start::Fresh, None);
    let before = fs::read(run.join("metrics.csv")).expect("metrics");
    let err = headless::run_with(
        &config,
        Options {
            steps: 5,
            start: Start::Fresh,
            folder: Some((&run, &p)),
            stop: None,
            progress: &mut |_| {},
        },
    )
    .expect_err("the folder holds a run");
    assert!(err.to_string().contains("never written over"), "{err}");
    assert_eq!(fs::read(run.join("metrics.csv")).expect("metrics"), before);
}

#[test]
fn damaged_folders_each_get_their_message() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = preset("full", 10);
    let config = p.validate(Path::new("store-test.ron")).expect("valid");
    let gates = config.model.cell.gate_names();
    let good = dir.path().join("good");
    train(&good, &p, &config, Start::Fresh, None);
    let copy = |name: &str| {
        let to = dir.path().join(name);
        fs::create_dir(&to).expect("mkdir");
        for e in fs::read_dir(&good).expect("ls") {
            let e = e.expect("entry");
            fs::copy(e.path(), to.join(e.file_name())).expect("copy");
        }
        to
    };
    // A torn last line (a kill while writing) is not an error: it is left out.
    let torn = copy("torn");
    let mut text = fs::read_to_string(torn.join("metrics.csv")).expect("read");
    text.truncate(text.len() - 7);
    fs::write(torn.join("metrics.csv"), text).expect("write");
    let h = RunFolder::open(&torn)
        .expect("opens")
        .history(gates)
        .expect("curves");
    assert_eq!(h.steps.len(), 9, "the torn row is left out");
    // A row that does not parse names the file and the line.
    let garbled = copy("garbled");
    let text = fs::read_to_string(garbled.join("metrics.csv")).expect("read");
    fs::write(
        garbled.join("metrics.csv"),
        text.replacen("\n1,", "\nx,", 1),
    )
    .expect("write");
    let e = RunFolder::open(&garbled)
        .expect("opens")
        .history(gates)
        .expect_err("garbled");
    assert!(
        e.to_string().contains("metrics.csv") && e.to_string().contains("line 2"),
        "{e}"
    );
    // A missing summary: the run is interrupted (no checkpoint: not resumable).
    let no_summary = copy("no-summary");
    fs::remove_file(no_summary.join("summary.json")).expect("rm");
    fs::remove_file(no_summary.join("checkpoint.npz")).expect("rm");
    let f = RunFolder::open(&no_summary).expect("opens");
    assert_eq!(f.status, FolderStatus::Interrupted);
    assert!(!f.resumable());
    // An empty summary and a garbage preset name their file.
    let empty = copy("empty-summary");
    fs::write(empty.join("summary.json"), "").expect("write");
    let e = RunFolder::open(&empty).expect_err("empty summary");
    assert!(
        e.to_string().contains("summary.json") && e.to_string().contains("not valid JSON"),
        "{e}"
    );
    let garbage = copy("garbage-preset");
    fs::write(garbage.join("preset.ron"), "(version: 1, name: ").expect("write");
    let e = RunFolder::open(&garbage).expect_err("garbage preset");
    assert!(e.to_string().contains("preset.ron"), "{e}");
    let e = RunFolder::open(dir.path()).expect_err("not a run folder");
    assert!(e.to_string().contains("no preset.ron"), "{e}");
    // The good one still opens.
    assert_eq!(
        RunFolder::open(&good).expect("opens").status,
        FolderStatus::Finished
    );
}

/// `bptt-lab train` killed with SIGKILL mid-run: its folder opens, and its metrics are whole
/// lines, the first rows of an uninterrupted run of the same setup.
#[test]
fn a_killed_train_leaves_a_prefix_of_the_uninterrupted_run() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = preset("full", 1_000_000);
    p.save(&dir.path().join("long.ron")).expect("save");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_bptt-lab"))
        .args(["train", "long.ron", "--out", "killed"])
        .current_dir(dir.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start train");
    // Wait for some rows to be written (flushed about once a second), then kill it.
    let metrics = dir.path().join("killed/metrics.csv");
    let deadline = Instant::now() + Duration::from_mins(1);
    while fs::read_to_string(&metrics).map_or(0, |t| t.lines().count()) < 50 {
        assert!(Instant::now() < deadline, "train wrote no rows");
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_millis(700));
    child.kill().expect("SIGKILL");
    child.wait().expect("reaped");
    let killed = dir.path().join("killed");
    let folder = RunFolder::open(&killed).expect("the folder opens");
    assert_eq!(folder.status, FolderStatus::Interrupted);
    let text = fs::read_to_string(&metrics).expect("metrics");
    assert!(text.ends_with('\n'), "only whole lines");
    let rows = metrics_without_time(&killed);
    let n = rows.len() as u64 - 1;
    // The same setup, uninterrupted, for as many steps.
    let config = p
        .validate(Path::new("long.ron"))
        .expect("valid")
        .with_threads(1);
    let mut short = p.clone();
    short.config.steps = n;
    let whole = dir.path().join("whole");
    let short_config = short.validate(Path::new("long.ron")).expect("valid");
    assert_eq!(short_config.setup().seed, config.setup().seed);
    train(&whole, &short, &short_config, Start::Fresh, None);
    assert_eq!(rows, metrics_without_time(&whole), "{n} rows");
    assert!(
        folder
            .history(config.model.cell.gate_names())
            .is_ok_and(|h| h.steps.len() as u64 == n)
    );
}

#[test]
fn the_long_csv_has_a_row_per_run_step_and_quantity_with_the_settings() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = preset("full", 14);
    let config = p.validate(Path::new("store-test.ron")).expect("valid");
    let run = dir.path().join("run");
    train(&run, &p, &config, Start::Fresh, None);
    let h = RunFolder::open(&run)
        .expect("opens")
        .history(config.model.cell.gate_names())
        .expect("curves");
    let text = bptt_lab::export::long_csv(&[("a, b".to_owned(), &config, &h)]);
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("run,cell,hidden,task,seq_len,bptt,clip,optimizer,lr,seed,step,metric,value")
    );
    let rows: Vec<&str> = lines.collect();
    let loss_rows = rows.iter().filter(|r| r.contains(",loss,")).count();
    assert_eq!(loss_rows, 14, "a loss row per step");
    let eval_rows = rows.iter().filter(|r| r.contains(",eval_loss,")).count();
    assert_eq!(eval_rows, 2, "diagnostics at steps 7 and 14");
    assert!(
        rows[0].starts_with("\"a, b\",lstm,40,adding,12,full,"),
        "{}",
        rows[0]
    );
}
