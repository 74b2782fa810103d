//! Random search: a sweep file with `random: Some((samples: n, seed: s))` draws n points from
//! `uniform`, `log_uniform`, `choice` and grid values; the same file draws the same points and
//! another sample seed others; the draws stay in their ranges and lists; malformed files are
//! refused naming the field or axis and the file; a tiny random sweep runs here, resumes, and
//! as Slurm array tasks gives the same table, with the drawn values in `results.csv`; with
//! `halving` the survivors are the best third of the drawn setups. Every model is tiny (H ≤ 5,
//! T = 6, at most 30 steps).

mod array_task;
mod binary;

use array_task::{array_task, assert_refused};
use binary::{describe, run_expecting};

use std::fs;
use std::path::Path;

use bptt_lab::sweep::results::{RESULT_COLUMNS, parse_line};
use bptt_lab::sweep::{Sweep, SweepError};

/// 6 points drawn over three axes (one of each random kind), 1 seed: 6 runs of 20 steps.
const RANDOM: &str = r#"(
    version: 1,
    name: "tiny random search",
    description: "learning rate × gain × hidden, drawn at random",
    base_config: (
        seed: 1,
        model: (cell: rnn(tanh), hidden: 4),
        task: adding(seq_len: 6),
        init: (weight_ih: pytorch_default, weight_hh: orthogonal(gain: 1.0), bias: zero),
        optimizer: adam(lr: 0.01),
        batch_size: 4,
        steps: 20,
        eval: (every: 0, size: 16),
    ),
    axes: [
        (key: "optimizer.lr", values: log_uniform(0.001, 0.1)),
        (key: "init.weight_hh.gain", values: uniform(0.5, 1.5)),
        (key: "model.hidden", values: choice([3, 4, 5])),
    ],
    seeds: 1,
    random: Some((samples: 6, seed: 7)),
    expect: Some((metric: eval_loss, compare: below, threshold: 0.3, by_step: 20)),
)
"#;

/// `text` written as `name` in `dir`, loaded and expanded.
fn load(dir: &Path, name: &str, text: &str) -> Sweep {
    let path = dir.join(name);
    fs::write(&path, text).expect("write");
    Sweep::load(&path).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

fn points(sweep: &Sweep) -> Vec<Vec<String>> {
    sweep.runs.iter().map(|r| r.values.clone()).collect()
}

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

#[test]
fn the_same_file_draws_the_same_points_and_another_sample_seed_others() {
    let dir = tempfile::tempdir().expect("tempdir");
    let a = load(dir.path(), "a.ron", RANDOM);
    let again = load(dir.path(), "again.ron", RANDOM);
    assert_eq!(points(&a), points(&again));
    assert_eq!(a.runs.len(), 6);
    assert_eq!(
        a.keys(),
        ["optimizer.lr", "init.weight_hh.gain", "model.hidden"]
    );
    let other = load(
        dir.path(),
        "other.ron",
        &RANDOM.replace("samples: 6, seed: 7", "samples: 6, seed: 8"),
    );
    assert_ne!(points(&a), points(&other));
    // The values reached the setups, and every point is distinct.
    for run in &a.runs {
        let lr: f64 = run.values[0].parse().expect("a learning rate");
        assert_eq!(
            bptt_lab::preset::setting(run.setup(), "optimizer.lr").expect("lr"),
            serde_json::json!(lr)
        );
        let hidden: usize = run.values[2].parse().expect("an integer");
        assert_eq!(run.setup().model.hidden, hidden);
    }
    let mut distinct = points(&a);
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), 6);

    // Seeds are innermost, as in a grid: 2 seeds give each point twice, seed then seed + 1.
    let two = load(
        dir.path(),
        "two.ron",
        &RANDOM.replace("seeds: 1,", "seeds: 2,"),
    );
    assert_eq!(two.runs.len(), 12);
    for (i, pair) in two.runs.chunks(2).enumerate() {
        assert_eq!(pair[0].values, a.runs[i].values, "the same points");
        assert_eq!((pair[0].seed, pair[1].seed), (1, 2));
        assert_eq!(pair[0].values, pair[1].values);
    }
}

#[test]
fn draws_stay_in_their_ranges_and_lists_and_grid_values_are_drawn_among() {
    let dir = tempfile::tempdir().expect("tempdir");
    // 300 points: every value of the 3-value choice appears (missing one has probability
    // 3·(2/3)^300), and the grid axis draws among its 4 integers.
    let text = RANDOM
        .replace("samples: 6, seed: 7", "samples: 300, seed: 11")
        .replace(
            "(key: \"model.hidden\", values: choice([3, 4, 5])),",
            "(key: \"model.cell\", values: choice([rnn(tanh), gru, lstm])),\n        \
             (key: \"model.hidden\", values: linear(2, 5, 7)),",
        );
    let sweep = load(dir.path(), "many.ron", &text);
    assert_eq!(sweep.runs.len(), 300);
    let col = |i: usize| -> Vec<&str> { sweep.runs.iter().map(|r| r.values[i].as_str()).collect() };
    let nums = |i: usize| -> Vec<f64> {
        col(i)
            .iter()
            .map(|v| v.parse().expect("a number"))
            .collect()
    };
    assert!(
        nums(0).iter().all(|x| (0.001..0.1).contains(x)),
        "{:?}",
        nums(0)
    );
    assert!(
        nums(1).iter().all(|x| (0.5..1.5).contains(x)),
        "{:?}",
        nums(1)
    );
    // log_uniform is spread in log scale: about half below √(0.001 · 0.1) = 0.01 (a uniform
    // draw in [0.001, 0.1) would put 9% there; the binomial sd of the fraction is 0.03).
    let below = nums(0).iter().filter(|&&x| x < 0.01).count() as f64 / 300.0;
    assert!((below - 0.5).abs() < 0.12, "fraction below 0.01: {below}");
    for (i, listed) in [
        (2, &["rnn(tanh)", "gru", "lstm"][..]),
        (3, &["2", "3", "4", "5"][..]),
    ] {
        for v in col(i) {
            assert!(listed.contains(&v), "{v} not in {listed:?}");
        }
        for want in listed {
            assert!(col(i).contains(want), "{want} never drawn");
        }
        let mut seen = sweep.axes[i].values.clone();
        seen.sort();
        let mut listed: Vec<String> = listed.iter().map(|&s| s.to_owned()).collect();
        listed.sort();
        assert_eq!(seen, listed, "the axis's values are those drawn");
    }
}

/// Loads `text` as a sweep file and returns the error message.
fn load_error(dir: &Path, text: &str) -> String {
    let path = dir.join("bad.ron");
    fs::write(&path, text).expect("write");
    match Sweep::load(&path) {
        Ok(s) => panic!("expected an error, got {} runs from:\n{text}", s.runs.len()),
        Err(e) => {
            assert!(!matches!(e, SweepError::Io { .. }), "bad input: {e}");
            e.to_string()
        }
    }
}

const LR_AXIS: &str = "(key: \"optimizer.lr\", values: log_uniform(0.001, 0.1))";

/// [`RANDOM`] without its `random` line: a grid.
fn without_random() -> String {
    RANDOM.replace("    random: Some((samples: 6, seed: 7)),\n", "")
}

/// Malformed variants of [`RANDOM`] and what their error messages must contain.
fn malformed_cases() -> Vec<(String, Vec<&'static str>)> {
    let lr = LR_AXIS;
    let no_random = without_random();
    let nine_axes: String = (0..9)
        .map(|i| format!("(key: \"a{i}\", values: uniform(0, 1))"))
        .collect::<Vec<_>>()
        .join(", ");
    vec![
        (
            no_random.clone(),
            vec![
                "axis `optimizer.lr`",
                "log_uniform(a, b) is drawn at random",
                "add `random: Some((samples: n, seed: s))`",
            ],
        ),
        (
            no_random.replace(lr, "(key: \"optimizer.lr\", values: list([0.01]))"),
            vec![
                "axis `init.weight_hh.gain`",
                "uniform(a, b) is drawn at random",
            ],
        ),
        (
            RANDOM.replace("log_uniform(0.001, 0.1)", "log_uniform(0, 0.1)"),
            vec!["axis `optimizer.lr`", "log_uniform(0, 0.1)", "> 0"],
        ),
        (
            RANDOM.replace("log_uniform(0.001, 0.1)", "log_uniform(-1, 0.1)"),
            vec!["axis `optimizer.lr`", "> 0"],
        ),
        (
            RANDOM.replace("uniform(0.5, 1.5)", "uniform(1.5, 0.5)"),
            vec!["axis `init.weight_hh.gain`", "a must be less than b"],
        ),
        (
            RANDOM.replace("uniform(0.5, 1.5)", "uniform(1, 1)"),
            vec!["axis `init.weight_hh.gain`", "a must be less than b"],
        ),
        (
            RANDOM.replace("samples: 6,", "samples: 0,"),
            vec!["`random.samples`", "at least 1"],
        ),
        (
            RANDOM.replace(lr, &nine_axes),
            vec!["`axes`", "a random search has 1 to 8 axes, this one 11"],
        ),
        (
            RANDOM.replace("choice([3, 4, 5])", "uniform(3, 6)"),
            vec![
                "axis `model.hidden`",
                "an integer setting",
                "uniform(3, 6) draws real numbers",
                "choice([..])",
            ],
        ),
        (
            RANDOM.replace("choice([3, 4, 5])", "log_uniform(3, 60)"),
            vec!["axis `model.hidden`", "an integer setting", "log(3, 60, n)"],
        ),
        (
            RANDOM.replace("choice([3, 4, 5])", "choice([])"),
            vec!["axis `model.hidden`", "empty"],
        ),
        (
            RANDOM.replace("choice([3, 4, 5])", "choice([3, 3])"),
            vec!["axis `model.hidden`", "listed twice"],
        ),
        (
            // Every listed value is checked against the base before any is drawn.
            RANDOM.replace("choice([3, 4, 5])", "choice([3, 4, 5, -4])"),
            vec!["axis `model.hidden` = -4"],
        ),
        (
            RANDOM
                .replace(lr, "(key: \"model.cell\", values: choice([gru, lstm]))")
                .replace(
                    "(key: \"init.weight_hh.gain\", values: uniform(0.5, 1.5)),",
                    "",
                )
                .replace("samples: 6,", "samples: 7,"),
            vec!["`random.samples`", "more than the 6 distinct points"],
        ),
        (
            RANDOM
                .replace("samples: 6,", "samples: 5001,")
                .replace("seeds: 1,", "seeds: 2,"),
            vec!["`random.samples`", "10002 runs", "more than 10000"],
        ),
        (
            RANDOM.replace("seed: 7))", "seed: 7, count: 2))"),
            vec!["count"],
        ),
    ]
}

#[test]
fn malformed_random_searches_name_the_field_or_axis_and_the_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let lr = LR_AXIS;
    let no_random = without_random();
    let cases = malformed_cases();
    for (text, wanted) in cases {
        let message = load_error(dir.path(), &text);
        for w in wanted {
            assert!(message.contains(w), "{message:?} should contain {w:?}");
        }
        assert!(
            message.ends_with(&format!("(in {})", dir.path().join("bad.ron").display())),
            "names the file last: {message}"
        );
    }
    // 2 cells × 3 hidden sizes are 6 points: 7 samples are refused above, 6 are every one.
    let six = RANDOM
        .replace(lr, "(key: \"model.cell\", values: choice([gru, lstm]))")
        .replace(
            "(key: \"init.weight_hh.gain\", values: uniform(0.5, 1.5)),",
            "",
        );
    let sweep = load(dir.path(), "six.ron", &six);
    let mut all = points(&sweep);
    all.sort();
    assert_eq!(all.len(), 6);
    all.dedup();
    assert_eq!(all.len(), 6, "each of the 6 points once");
    // A grid keeps its limit of two axes, and the message says what random search allows.
    let message = load_error(
        dir.path(),
        &no_random
            .replace("log_uniform(0.001, 0.1)", "list([0.01])")
            .replace("uniform(0.5, 1.5)", "list([1.0])")
            .replace("choice([3, 4, 5])", "list([4])"),
    );
    assert!(
        message.contains("one or two axes, this one 3") && message.contains("up to 8"),
        "{message}"
    );
}

#[test]
fn a_random_sweep_runs_here_resumes_and_as_array_tasks_gives_the_same_table() {
    let dir = tempfile::tempdir().expect("tempdir");
    fs::write(dir.path().join("random.ron"), RANDOM).expect("write");
    let sweep = Sweep::load(&dir.path().join("random.ron")).expect("loads");
    let (stdout, stderr) = run_expecting(
        dir.path(),
        &["sweep", "random.ron", "--jobs", "2", "--out", "local"],
        0,
    );
    assert!(
        stderr.contains("6 points drawn at random (sample seed 7) × 1 seeds = 6 runs"),
        "{stderr}"
    );
    assert!(stdout.contains("6 runs (0 resumed, 6 ran)"), "{stdout}");
    let local = dir.path().join("local");
    let (header, rows) = read_csv(&local.join("results.csv"));
    let mut want = vec!["run", "optimizer.lr", "init.weight_hh.gain", "model.hidden"];
    want.extend(RESULT_COLUMNS);
    assert_eq!(header, want);
    assert_eq!(rows.len(), 6);
    for (row, run) in rows.iter().zip(&sweep.runs) {
        assert_eq!(row[1..4], run.values[..], "the drawn values, as RON");
        assert_eq!(row[column(&header, "steps")], "20");
        let loss: f64 = row[column(&header, "eval_loss")].parse().expect("a loss");
        assert!(loss.is_finite() && loss > 0.0, "{row:?}");
    }
    // The preset of each run holds its drawn values.
    let preset = bptt_lab::preset::Preset::load(&local.join("presets/0003.ron")).expect("preset");
    assert_eq!(
        preset.config.model.hidden.to_string(),
        sweep.runs[3].values[2]
    );

    // Again into the same directory: every run is resumed, none trained.
    let (stdout, _) = run_expecting(dir.path(), &["sweep", "random.ron", "--out", "local"], 0);
    assert!(stdout.contains("6 runs (6 resumed, 0 ran)"), "{stdout}");

    // The same sweep emitted for Slurm, every task run as Slurm would, then collected.
    run_expecting(dir.path(), &["sweep", "random.ron", "--emit", "cluster"], 0);
    let cluster = dir.path().join("cluster");
    assert_eq!(
        fs::read_to_string(cluster.join("points.csv")).expect("points"),
        fs::read_to_string(local.join("points.csv")).expect("points"),
        "the same points drawn for the cluster"
    );
    for i in 0..6 {
        let out = array_task(&cluster.join("array.sh"), i, &[]);
        assert!(
            out.status.success(),
            "{}",
            describe(&format!("task {i}"), &out)
        );
    }
    // A task past the last drawn point has no run.
    let out = array_task(&cluster.join("array.sh"), 6, &[]);
    assert_refused("task 6", &out, 2, "no run 6: the sweep has runs 0 to 5");
    run_expecting(dir.path(), &["sweep", "--collect", "cluster"], 0);
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
fn random_search_with_halving_keeps_the_best_third_of_the_drawn_setups() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = RANDOM
        .replace("samples: 6,", "samples: 9,")
        .replace("steps: 20,", "steps: 30,")
        .replace("by_step: 20", "by_step: 30")
        .replace(
            "    random: Some(",
            "    halving: Some((eta: 3, rungs: 2)),\n    random: Some(",
        );
    fs::write(dir.path().join("h.ron"), &text).expect("write");
    let sweep = Sweep::load(&dir.path().join("h.ron")).expect("loads");
    run_expecting(dir.path(), &["sweep", "h.ron", "--out", "local"], 0);
    let local = dir.path().join("local");
    assert_eq!(
        fs::read_to_string(local.join("rungs.csv")).expect("rungs.csv"),
        "rung,steps,setups,eta\n0,10,9,3\n1,30,3,3\n"
    );
    // The survivors: the 3 drawn setups with the lowest held-out loss at rung 0.
    let (header, rows) = read_csv(&local.join("rungs/0-results.csv"));
    let loss = column(&header, "eval_loss");
    let mut ranked: Vec<(f64, usize)> = rows
        .iter()
        .map(|r| {
            (
                r[loss].parse().unwrap_or(f64::INFINITY),
                r[0].parse().expect("run"),
            )
        })
        .collect();
    ranked.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let mut best: Vec<usize> = ranked.iter().take(3).map(|&(_, i)| i).collect();
    best.sort_unstable();
    let (_, survivors) = read_csv(&local.join("rungs/1.csv"));
    let survivors: Vec<usize> = survivors
        .iter()
        .map(|r| r[0].parse().expect("a run"))
        .collect();
    assert_eq!(survivors, best);
    // halving.csv names each setup by its drawn values; the survivors reached rung 1.
    let (header, setups) = read_csv(&local.join("halving.csv"));
    assert_eq!(
        header[1..4],
        ["optimizer.lr", "init.weight_hh.gain", "model.hidden"]
    );
    assert_eq!(setups.len(), 9);
    for (setup, run) in setups.iter().zip(&sweep.runs) {
        assert_eq!(setup[1..4], run.values[..]);
        let last = setup.last().expect("last_rung");
        let want = if survivors.contains(&run.index) {
            "1"
        } else {
            "0"
        };
        assert_eq!(last, want, "setup {setup:?}");
    }
}
