//! Successive halving: a 9-setup sweep of a tiny model over 2 rungs of η = 3, here and as
//! Slurm array tasks (array.sh run with bash, one rung at a time as `--collect` says); the
//! survivors are the best third by rung 0's held-out loss, they carry on to rung 1's steps
//! bit-identically to a run trained that long from the start, and both ways keep the same
//! setups and write the same tables.

mod array_task;
mod binary;

use array_task::{array_task, assert_refused};
use binary::{describe, run_expecting};

use std::fs;
use std::path::Path;
use std::process::Command;

use bptt_lab::sweep::results::parse_line;

/// 9 setups (3 learning rates × 3 gains), 1 seed, 2 rungs of η = 3: 10 then 30 steps.
const HALVING: &str = r#"(
    version: 1,
    name: "tiny halving",
    description: "9 setups, 2 rungs",
    base_config: (
        seed: 3,
        model: (cell: rnn(tanh), hidden: 4),
        task: adding(seq_len: 6),
        init: (weight_ih: pytorch_default, weight_hh: orthogonal(gain: 1.0), bias: zero),
        optimizer: adam(lr: 0.01),
        batch_size: 4,
        steps: 30,
        eval: (every: 0, size: 16),
    ),
    axes: [
        (key: "optimizer.lr", values: log(0.001, 0.1, 3)),
        (key: "init.weight_hh.gain", values: linear(0.5, 1.5, 3)),
    ],
    seeds: 1,
    halving: Some((eta: 3, rungs: 2)),
)
"#;

fn read_csv(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut lines = text.lines();
    let header = parse_line(lines.next().expect("a header"));
    (header, lines.map(parse_line).collect())
}

fn column(header: &[String], name: &str) -> usize {
    header
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no column {name} in {header:?}"))
}

fn rung_runs(dir: &Path, rung: usize) -> Vec<usize> {
    let (_, rows) = read_csv(&dir.join(format!("rungs/{rung}.csv")));
    rows.iter().map(|r| r[0].parse().expect("a run")).collect()
}

#[test]
#[expect(
    clippy::too_many_lines,
    reason = "one scenario: the local run, then the same sweep as array tasks, compared"
)]
fn the_best_third_carries_on_bit_identically_and_slurm_keeps_the_same_setups() {
    let dir = tempfile::tempdir().expect("tempdir");
    fs::write(dir.path().join("halving.ron"), HALVING).expect("write");
    let (stdout, _) = run_expecting(dir.path(), &["sweep", "halving.ron", "--out", "local"], 0);
    let local = dir.path().join("local");
    assert_eq!(
        fs::read_to_string(local.join("rungs.csv")).expect("rungs.csv"),
        "rung,steps,setups,eta\n0,10,9,3\n1,30,3,3\n"
    );
    assert_eq!(rung_runs(&local, 0), (0..9).collect::<Vec<_>>());

    // The survivors: the 3 setups with the lowest held-out loss at rung 0 (ties to the
    // earlier one), from rung 0's own table.
    let (header, rows) = read_csv(&local.join("rungs/0-results.csv"));
    let (loss, steps) = (column(&header, "eval_loss"), column(&header, "steps"));
    let mut ranked: Vec<(f64, usize)> = rows
        .iter()
        .map(|r| {
            assert_eq!(r[steps], "10", "rung 0 trains 10 steps");
            (
                r[loss].parse().unwrap_or(f64::INFINITY),
                r[0].parse().expect("run"),
            )
        })
        .collect();
    ranked.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let mut best: Vec<usize> = ranked.iter().take(3).map(|&(_, i)| i).collect();
    best.sort_unstable();
    let survivors = rung_runs(&local, 1);
    assert_eq!(survivors, best, "{stdout}");

    // Survivors reached 30 steps, the others stayed at 10, in the final results.csv.
    let (header, rows) = read_csv(&local.join("results.csv"));
    let (loss, steps) = (column(&header, "eval_loss"), column(&header, "steps"));
    assert_eq!(rows.len(), 9);
    for r in &rows {
        let run: usize = r[0].parse().expect("run");
        let want = if survivors.contains(&run) { "30" } else { "10" };
        assert_eq!(r[steps], want, "run {run}");
    }

    // A survivor carried on from 10 to 30 steps is the run trained 30 steps at once.
    let s = survivors[0];
    let name = format!("{s:04}");
    let fresh = dir.path().join("fresh");
    let out = Command::new(env!("CARGO_BIN_EXE_bptt-lab"))
        .current_dir(dir.path())
        .args([
            "train",
            &format!("local/presets/{name}.ron"),
            "--out",
            "fresh",
        ])
        .output()
        .expect("run bptt-lab");
    assert!(out.status.success(), "{}", describe("train", &out));
    let summary = |d: &Path| -> serde_json::Value {
        serde_json::from_str(&fs::read_to_string(d.join("summary.json")).expect("summary"))
            .expect("JSON")
    };
    let (carried, direct) = (summary(&local.join("runs").join(&name)), summary(&fresh));
    assert_eq!(carried["steps"], 30);
    assert_eq!(carried["eval_loss"], direct["eval_loss"], "bit-identical");
    assert_eq!(
        rows.iter().find(|r| r[0] == name).expect("its row")[loss],
        format!("{}", direct["eval_loss"].as_f64().expect("a loss"))
    );

    // The same sweep as Slurm array tasks, rung by rung, as --collect says.
    run_expecting(
        dir.path(),
        &["sweep", "halving.ron", "--emit", "cluster"],
        0,
    );
    let cluster = dir.path().join("cluster");
    let task = |i: usize, rung: usize| {
        let out = array_task(
            &cluster.join("array.sh"),
            i,
            &[("BPTT_RUNG", &rung.to_string())],
        );
        assert!(
            out.status.success(),
            "{}",
            describe(&format!("task {i} rung {rung}"), &out)
        );
    };
    // A task of rung 1 before rung 1 started is refused, naming why.
    let out = array_task(&cluster.join("array.sh"), 0, &[("BPTT_RUNG", "1")]);
    assert_refused("early rung 1", &out, 2, "rung 1 has not started");
    for i in 0..9 {
        if i != 4 {
            task(i, 0);
        }
    }
    let (_, stderr) = run_expecting(dir.path(), &["sweep", "--collect", "cluster"], 1);
    assert!(
        stderr.contains("0004") && stderr.contains("sbatch --array=4 "),
        "{stderr}"
    );
    task(4, 0);
    let (stdout, _) = run_expecting(dir.path(), &["sweep", "--collect", "cluster"], 0);
    let expected = format!(
        "sbatch --array={} --export=ALL,BPTT_RUNG=1 ",
        bptt_lab::sweep::cluster::array_ranges(&survivors)
    );
    assert!(stdout.contains(&expected), "{expected:?} in {stdout}");
    assert_eq!(rung_runs(&cluster, 1), survivors);
    // A dropped run is not trained at rung 1.
    let dropped = (0..9)
        .find(|i| !survivors.contains(i))
        .expect("a dropped run");
    let out = array_task(&cluster.join("array.sh"), dropped, &[("BPTT_RUNG", "1")]);
    assert_refused("dropped", &out, 2, "was dropped before rung 1");
    for &i in &survivors {
        task(i, 1);
    }
    let (stdout, _) = run_expecting(dir.path(), &["sweep", "--collect", "cluster"], 0);
    assert!(stdout.contains("all 2 rungs complete"), "{stdout}");
    for f in ["rungs/1.csv", "halving.csv"] {
        assert_eq!(
            fs::read_to_string(cluster.join(f)).expect("read"),
            fs::read_to_string(local.join(f)).expect("read"),
            "{f}"
        );
    }
    let without_wall = |p: &Path| -> Vec<Vec<String>> {
        let (_, rows) = read_csv(p);
        rows.iter().map(|r| r[..r.len() - 1].to_vec()).collect()
    };
    assert_eq!(
        without_wall(&cluster.join("results.csv")),
        without_wall(&local.join("results.csv"))
    );
}

#[test]
fn a_halving_sweep_too_small_for_its_rungs_names_what_it_needs() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = HALVING.replace("rungs: 2", "rungs: 4");
    fs::write(dir.path().join("h.ron"), text).expect("write");
    let (_, stderr) = run_expecting(dir.path(), &["sweep", "h.ron", "--out", "o"], 2);
    assert!(
        stderr.contains("`halving`") && stderr.contains("give at least 27 setups"),
        "{stderr}"
    );
    let text = HALVING.replace("eta: 3", "eta: 1");
    fs::write(dir.path().join("h.ron"), text).expect("write");
    let (_, stderr) = run_expecting(dir.path(), &["sweep", "h.ron", "--out", "o"], 2);
    assert!(stderr.contains("eta = 1: must be at least 2"), "{stderr}");
}
