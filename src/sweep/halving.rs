//! Successive halving (Jamieson & Talwalkar 2016; the inner loop of Li et al.'s Hyperband):
//! every setup (point) of a sweep trains for a few steps, the best 1/η of them by held-out
//! loss carry on for η times as many steps, and so on for a number of rungs. A sweep file asks
//! for it with `halving: Some((eta: 3, rungs: 3))`; its `steps` are the last rung's, rung k
//! trains for steps / η^(rungs − 1 − k). A run that carries on resumes from its checkpoint
//! (bit-identical to one trained for the rung's steps from the start), so the survivors do not
//! depend on where the rungs ran: on this machine ([`run`]) or as one Slurm array per rung
//! (`--collect` starts the next rung when one is complete).
//!
//! A setup's score at a rung is the mean held-out loss over its seeds (a run that diverged, or
//! has no held-out loss, scores +∞); ties go to the earlier setup. Rung k keeps
//! `max(1, ⌊n_k / η⌋)` setups.
//!
//! Files, beside a sweep's own: `rungs.csv` (rung, steps, setups), `rungs/K.csv` (the runs
//! that entered rung K), `rungs/K-results.csv` (their rows at the end of rung K, as
//! `results.csv`) and `halving.csv` (per setup: its axis values, its score at every rung it
//! trained, and the last rung it reached).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use serde::{Deserialize, Serialize};

use super::local::{self, Event, Outcome};
use super::results::{self, Row};
use super::{Sweep, SweepError, SweepRun, run_name};
use crate::preset::Preset;

/// Most rungs a sweep may have.
pub const MAX_RUNGS: u32 = 8;

/// `halving: Some((eta: 3, rungs: 3))` in a sweep file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Halving {
    /// Keep the best 1/η of the setups at each rung, and give them η times the steps.
    pub eta: u32,
    /// Number of rungs, the first included.
    pub rungs: u32,
}

/// One rung: how many steps its runs reach, and how many setups train in it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rung {
    pub steps: u64,
    pub setups: usize,
}

/// The rungs of a successive-halving sweep.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Schedule {
    pub eta: u32,
    pub rungs: Vec<Rung>,
}

impl Schedule {
    /// The rungs for `setups` setups whose last rung trains for `steps` steps; why not, if
    /// the numbers do not make a schedule.
    pub fn new(halving: Halving, steps: u64, setups: usize) -> Result<Self, String> {
        let Halving { eta, rungs } = halving;
        if eta < 2 {
            return Err(format!("eta = {eta}: must be at least 2"));
        }
        if !(2..=MAX_RUNGS).contains(&rungs) {
            return Err(format!("rungs = {rungs}: must be in 2..={MAX_RUNGS}"));
        }
        let mut out = Vec::new();
        let mut n = setups;
        for k in 0..rungs {
            let divisor = u64::from(eta).pow(rungs - 1 - k);
            let rung_steps = steps / divisor;
            if rung_steps == 0 {
                return Err(format!(
                    "steps = {steps}: rung {k} would train for {steps}/{divisor} = 0 steps; give \
                     at least {divisor} steps"
                ));
            }
            out.push(Rung {
                steps: rung_steps,
                setups: n,
            });
            n = (n / eta as usize).max(1);
        }
        let last_before = out[out.len() - 2].setups;
        if last_before < eta as usize {
            return Err(format!(
                "{setups} setups are too few for {rungs} rungs of η = {eta}: rung {} would keep \
                 {last_before}; give at least {} setups",
                rungs - 2,
                (eta as usize).pow(rungs - 1)
            ));
        }
        Ok(Self { eta, rungs: out })
    }

    /// The steps runs reach at `rung`.
    pub fn steps_at(&self, rung: usize) -> Option<u64> {
        self.rungs.get(rung).map(|r| r.steps)
    }

    /// `rungs.csv`.
    fn csv(&self) -> String {
        let mut s = "rung,steps,setups,eta\n".to_owned();
        for (k, r) in self.rungs.iter().enumerate() {
            let _ = writeln!(s, "{k},{},{},{}", r.steps, r.setups, self.eta);
        }
        s
    }

    /// Writes `dir/rungs.csv` and `dir/rungs/`.
    pub(crate) fn write(&self, dir: &Path) -> Result<(), SweepError> {
        let path = dir.join("rungs.csv");
        crate::fsutil::write_atomic(&path, self.csv().as_bytes()).map_err(SweepError::io(&path))?;
        let rungs = dir.join("rungs");
        std::fs::create_dir_all(&rungs).map_err(SweepError::io(&rungs))
    }

    /// Reads `dir/rungs.csv`; `None` if the sweep is not a successive-halving one.
    pub fn read(dir: &Path) -> Result<Option<Self>, SweepError> {
        let path = dir.join("rungs.csv");
        let text = match crate::fsutil::read_text_capped(&path, crate::fsutil::CSV_FILE_CAP) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(SweepError::io(&path)(e)),
        };
        let bad = |message: String| SweepError::Dir {
            path: path.clone(),
            message,
        };
        let mut eta = None;
        let mut rungs = Vec::new();
        for (n, line) in text.lines().enumerate().skip(1) {
            let fields: Vec<&str> = line.split(',').collect();
            let parsed = (fields.len() == 4)
                .then(|| {
                    Some((
                        fields[0].parse::<usize>().ok()?,
                        fields[1].parse::<u64>().ok()?,
                        fields[2].parse::<usize>().ok()?,
                        fields[3].parse::<u32>().ok()?,
                    ))
                })
                .flatten();
            let Some((_, steps, setups, e)) = parsed.filter(|p| p.0 == rungs.len()) else {
                return Err(bad(format!(
                    "line {}: expected `{},STEPS,SETUPS,ETA`",
                    n + 1,
                    rungs.len()
                )));
            };
            eta = Some(e);
            rungs.push(Rung { steps, setups });
        }
        match eta {
            Some(eta) if rungs.len() >= 2 => Ok(Some(Self { eta, rungs })),
            _ => Err(bad("fewer than two rungs".to_owned())),
        }
    }
}

/// Sets a rung's steps on a run's preset (its claims' `by_step` capped to them).
pub(crate) fn set_steps(preset: &mut Preset, steps: u64) {
    preset.config.steps = steps;
    preset.cap_claims(steps);
}

fn rung_runs_path(dir: &Path, rung: usize) -> PathBuf {
    dir.join("rungs").join(format!("{rung}.csv"))
}

fn rung_results_path(dir: &Path, rung: usize) -> PathBuf {
    dir.join("rungs").join(format!("{rung}-results.csv"))
}

/// The runs that entered `rung` (`rungs/K.csv`), `None` if it has not started.
pub fn read_rung_runs(dir: &Path, rung: usize) -> Result<Option<Vec<usize>>, SweepError> {
    let path = rung_runs_path(dir, rung);
    let text = match crate::fsutil::read_text_capped(&path, crate::fsutil::CSV_FILE_CAP) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(SweepError::io(&path)(e)),
    };
    text.lines()
        .skip(1)
        .enumerate()
        .map(|(n, line)| {
            line.trim().parse::<usize>().map_err(|_| SweepError::Dir {
                path: path.clone(),
                message: format!("line {}: expected a run number, found `{line}`", n + 2),
            })
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

/// Writes `rungs/0.csv`: every one of the `runs` runs enters rung 0.
pub(crate) fn start_rung_0(dir: &Path, runs: usize) -> Result<(), SweepError> {
    write_rung_runs(dir, 0, &(0..runs).collect::<Vec<_>>())
}

fn write_rung_runs(dir: &Path, rung: usize, runs: &[usize]) -> Result<(), SweepError> {
    let mut text = "run\n".to_owned();
    for r in runs {
        let _ = writeln!(text, "{r}");
    }
    let path = rung_runs_path(dir, rung);
    crate::fsutil::write_atomic(&path, text.as_bytes()).map_err(SweepError::io(&path))
}

/// A setup's score: the mean held-out loss of its runs, +∞ if one diverged or has none.
fn score(rows: &[&Row]) -> f64 {
    let mut sum = 0.0;
    for r in rows {
        match r.eval_loss {
            Some(l) if !r.diverged && l.is_finite() => sum += l,
            _ => return f64::INFINITY,
        }
    }
    sum / rows.len().max(1) as f64
}

/// The rows of one rung grouped by setup (axis values), in order of first run, with scores.
fn setups(rows: &[Row]) -> Vec<(Vec<String>, Vec<&Row>, f64)> {
    let mut order: Vec<Vec<String>> = Vec::new();
    let mut groups: BTreeMap<Vec<String>, Vec<&Row>> = BTreeMap::new();
    let mut sorted: Vec<&Row> = rows.iter().collect();
    sorted.sort_by_key(|r| r.point.index);
    for r in sorted {
        let entry = groups.entry(r.point.values.clone()).or_default();
        if entry.is_empty() {
            order.push(r.point.values.clone());
        }
        entry.push(r);
    }
    order
        .into_iter()
        .map(|values| {
            let group = groups.remove(&values).unwrap_or_default();
            let s = score(&group);
            (values, group, s)
        })
        .collect()
}

/// The runs of the best `keep` setups among `rows` (all the runs of one rung), in run order.
pub fn survivors(rows: &[Row], keep: usize) -> Vec<usize> {
    let mut ranked = setups(rows);
    // Stable: ties keep the earlier setup first.
    ranked.sort_by(|a, b| a.2.total_cmp(&b.2));
    let mut runs: Vec<usize> = ranked
        .iter()
        .take(keep)
        .flat_map(|(_, group, _)| group.iter().map(|r| r.point.index))
        .collect();
    runs.sort_unstable();
    runs
}

/// Ends rung `rung` with its rows: writes `rungs/K-results.csv` and `halving.csv`, and
/// (unless it was the last) `rungs/K+1.csv` with the survivors. Returns them.
fn close_rung(
    dir: &Path,
    keys: &[String],
    schedule: &Schedule,
    rung: usize,
    rows: &[Row],
) -> Result<Option<Vec<usize>>, SweepError> {
    results::write_results_csv(&rung_results_path(dir, rung), keys, rows)?;
    let next = if rung + 1 < schedule.rungs.len() {
        let keep = schedule.rungs[rung + 1].setups;
        let runs = survivors(rows, keep);
        write_rung_runs(dir, rung + 1, &runs)?;
        Some(runs)
    } else {
        None
    };
    write_halving_csv(dir, keys, schedule)?;
    Ok(next)
}

/// The rows of every closed rung, in rung order.
fn closed_rungs(dir: &Path, schedule: &Schedule) -> Result<Vec<Vec<Row>>, SweepError> {
    let (keys, points) = results::read_points_csv(&dir.join("points.csv"))?;
    let mut out = Vec::new();
    for k in 0..schedule.rungs.len() {
        let path = rung_results_path(dir, k);
        if !path.is_file() {
            break;
        }
        out.push(results::read_results_csv(&path, &keys, &points)?);
    }
    Ok(out)
}

/// `halving.csv`: per setup, its axis values, its score at every closed rung it trained in
/// (empty where it had been dropped) and the last rung it reached.
fn write_halving_csv(dir: &Path, keys: &[String], schedule: &Schedule) -> Result<(), SweepError> {
    let closed = closed_rungs(dir, schedule)?;
    let mut header: Vec<String> = vec!["setup".to_owned()];
    header.extend(keys.iter().cloned());
    for (k, r) in schedule.rungs.iter().enumerate() {
        header.push(format!("loss_rung{k}_{}steps", r.steps));
    }
    header.push("last_rung".to_owned());
    let mut text = header.join(",") + "\n";
    let Some(first) = closed.first() else {
        let path = dir.join("halving.csv");
        return crate::fsutil::write_atomic(&path, text.as_bytes()).map_err(SweepError::io(&path));
    };
    let per_rung: Vec<BTreeMap<Vec<String>, f64>> = closed
        .iter()
        .map(|rows| setups(rows).into_iter().map(|(v, _, s)| (v, s)).collect())
        .collect();
    for (n, (values, _, _)) in setups(first).into_iter().enumerate() {
        let mut line = vec![n.to_string()];
        line.extend(values.iter().map(|v| results::field(v)));
        let mut last = 0;
        for (k, _) in schedule.rungs.iter().enumerate() {
            match per_rung.get(k).and_then(|m| m.get(&values)) {
                Some(s) => {
                    last = k;
                    line.push(if s.is_finite() {
                        format!("{s}")
                    } else {
                        "inf".to_owned()
                    });
                }
                None => line.push(String::new()),
            }
        }
        line.push(last.to_string());
        text.push_str(&(line.join(",") + "\n"));
    }
    let path = dir.join("halving.csv");
    crate::fsutil::write_atomic(&path, text.as_bytes()).map_err(SweepError::io(&path))
}

/// The runs of `sweep` that enter a rung, with the rung's steps, validated.
fn rung_runs(sweep: &Sweep, entering: &[usize], steps: u64) -> Result<Vec<SweepRun>, SweepError> {
    entering
        .iter()
        .map(|&i| {
            let run = sweep.runs.get(i).ok_or_else(|| SweepError::Dir {
                path: sweep.path.clone(),
                message: format!("rung lists run {i}, which the sweep does not have"),
            })?;
            let mut preset = run.preset.clone();
            set_steps(&mut preset, steps);
            let config = preset
                .validate(&sweep.path)
                .map_err(SweepError::Read)?
                .with_threads(run.config.threads());
            Ok(SweepRun {
                index: run.index,
                values: run.values.clone(),
                seed: run.seed,
                preset,
                config,
            })
        })
        .collect()
}

/// How a successive-halving sweep went on this machine.
#[derive(Debug)]
pub struct HalvingOutcome {
    /// Each rung's outcome, in rung order (up to the one that failed, if one did).
    pub rungs: Vec<Outcome>,
    /// The runs that entered each rung.
    pub entered: Vec<Vec<usize>>,
}

/// Runs a successive-halving sweep on `jobs` threads into `out`: every rung in turn, each
/// resuming where an earlier call stopped. Stops after a rung with failed runs (they are
/// retried when it is run again). `on_rung` is told when a rung starts (rung, runs, steps).
pub fn run(
    sweep: &Sweep,
    schedule: &Schedule,
    out: &Path,
    jobs: usize,
    on_rung: &dyn Fn(usize, usize, u64),
    on_event: &(dyn Fn(Event<'_>) + Sync),
) -> Result<HalvingOutcome, SweepError> {
    run_until(
        sweep,
        schedule,
        out,
        jobs,
        &AtomicBool::new(false),
        on_rung,
        on_event,
    )
}

/// [`run`], stopping when `stop` is set: no more runs start (those training finish), and the
/// rung they are in is not closed, so running the sweep again into `out` carries on there.
pub fn run_until(
    sweep: &Sweep,
    schedule: &Schedule,
    out: &Path,
    jobs: usize,
    stop: &AtomicBool,
    on_rung: &dyn Fn(usize, usize, u64),
    on_event: &(dyn Fn(Event<'_>) + Sync),
) -> Result<HalvingOutcome, SweepError> {
    sweep.write_layout(out)?;
    let keys = sweep.keys();
    let mut outcome = HalvingOutcome {
        rungs: Vec::new(),
        entered: Vec::new(),
    };
    for (k, rung) in schedule.rungs.iter().enumerate() {
        // A rung whose next one has started is closed: its survivors have trained on.
        if read_rung_runs(out, k + 1)?.is_some() {
            continue;
        }
        let entering = match read_rung_runs(out, k)? {
            Some(runs) => runs,
            None if k == 0 => {
                let all: Vec<usize> = (0..sweep.runs.len()).collect();
                write_rung_runs(out, 0, &all)?;
                all
            }
            None => {
                return Err(SweepError::Dir {
                    path: out.to_owned(),
                    message: format!("rung {k} has no list of runs (rungs/{k}.csv)"),
                });
            }
        };
        on_rung(k, entering.len(), rung.steps);
        let runs = rung_runs(sweep, &entering, rung.steps)?;
        let done = local::run_runs(
            sweep,
            &runs,
            out,
            &rung_results_path(out, k),
            jobs,
            stop,
            on_event,
        )?;
        // A rung with a run missing (failed, or not started after a stop) is not closed.
        let failed = !done.failed.is_empty() || done.rows.len() < runs.len();
        if !failed {
            close_rung(out, &keys, schedule, k, &done.rows)?;
        }
        outcome.entered.push(entering);
        outcome.rungs.push(done);
        if failed {
            break;
        }
    }
    write_final_results(out, &keys, schedule)?;
    Ok(outcome)
}

/// `results.csv`: every run's row at the last rung it trained in.
fn write_final_results(dir: &Path, keys: &[String], schedule: &Schedule) -> Result<(), SweepError> {
    let mut latest: BTreeMap<usize, Row> = BTreeMap::new();
    for rows in closed_rungs(dir, schedule)? {
        for row in rows {
            latest.insert(row.point.index, row);
        }
    }
    let rows: Vec<Row> = latest.into_values().collect();
    results::write_results_csv(&dir.join("results.csv"), keys, &rows)
}

/// Where a successive-halving sweep on Slurm stands after `--collect`.
#[derive(Debug)]
pub struct Progress {
    /// The rung that is running (or the last one, when all are done).
    pub rung: usize,
    /// How many runs entered it.
    pub entered: usize,
    /// Its runs without a result yet.
    pub missing: Vec<usize>,
    /// Runs whose files cannot be read, with why.
    pub unreadable: Vec<(usize, SweepError)>,
    /// The runs of the rung `--collect` just started (the one after a complete rung).
    pub started: Option<(usize, Vec<usize>)>,
    /// Whether every rung is complete.
    pub finished: bool,
}

/// Collects the current rung of the sweep directory `dir` (emitted with `--emit`); when it is
/// complete, closes it and writes the next rung's runs, for its own Slurm array.
pub fn collect(dir: &Path, schedule: &Schedule) -> Result<Progress, SweepError> {
    let (keys, points) = results::read_points_csv(&dir.join("points.csv"))?;
    let last = schedule.rungs.len() - 1;
    let mut rung = 0;
    while rung < last && read_rung_runs(dir, rung + 1)?.is_some() {
        rung += 1;
    }
    let entering = read_rung_runs(dir, rung)?.ok_or_else(|| SweepError::Dir {
        path: dir.to_owned(),
        message: format!("rung {rung} has no list of runs (rungs/{rung}.csv)"),
    })?;
    let steps = schedule.rungs[rung].steps;
    let mut rows = Vec::new();
    let mut missing = Vec::new();
    let mut unreadable = Vec::new();
    for &i in &entering {
        let point = points.get(i).ok_or_else(|| SweepError::Dir {
            path: dir.to_owned(),
            message: format!("rungs/{rung}.csv lists run {i}, which points.csv does not have"),
        })?;
        let name = run_name(i);
        let mut preset = Preset::load(&dir.join("presets").join(format!("{name}.ron")))
            .map_err(SweepError::Read)?;
        set_steps(&mut preset, steps);
        match super::task::finished_row(&dir.join("runs").join(&name), point, &preset) {
            Ok(Some(row)) => rows.push(row),
            Ok(None) => missing.push(i),
            Err(e) => unreadable.push((i, e)),
        }
    }
    let complete = missing.is_empty() && unreadable.is_empty();
    let mut started = None;
    if complete {
        if let Some(next) = close_rung(dir, &keys, schedule, rung, &rows)? {
            started = Some((rung + 1, next));
        }
        write_final_results(dir, &keys, schedule)?;
    }
    Ok(Progress {
        rung,
        entered: entering.len(),
        missing,
        unreadable,
        finished: complete && rung == last,
        started,
    })
}

#[cfg(test)]
mod tests {
    use super::{Halving, Rung, Schedule, survivors};
    use crate::sweep::results::{Point, Row};

    #[test]
    fn rungs_divide_the_steps_and_the_setups_by_eta() {
        let s = Schedule::new(Halving { eta: 3, rungs: 3 }, 90, 27).expect("a schedule");
        let want = [(10, 27), (30, 9), (90, 3)].map(|(steps, setups)| Rung { steps, setups });
        assert_eq!(s.rungs, want);
        // 28 setups keep ⌊28/3⌋ = 9, then 3.
        let s = Schedule::new(Halving { eta: 3, rungs: 3 }, 100, 28).expect("a schedule");
        assert_eq!(
            s.rungs
                .iter()
                .map(|r| (r.steps, r.setups))
                .collect::<Vec<_>>(),
            [(11, 28), (33, 9), (100, 3)]
        );
        let e = Schedule::new(Halving { eta: 1, rungs: 3 }, 90, 27).expect_err("eta 1");
        assert!(e.contains("at least 2"), "{e}");
        let e = Schedule::new(Halving { eta: 3, rungs: 3 }, 8, 27).expect_err("few steps");
        assert!(e.contains("give at least 9 steps"), "{e}");
        let e = Schedule::new(Halving { eta: 3, rungs: 4 }, 270, 9).expect_err("few setups");
        assert!(e.contains("give at least 27 setups"), "{e}");
        let e = Schedule::new(Halving { eta: 2, rungs: 1 }, 90, 9).expect_err("one rung");
        assert!(e.contains("2..="), "{e}");
    }

    fn row(index: usize, values: &[&str], seed: u64, loss: Option<f64>, diverged: bool) -> Row {
        Row {
            point: Point {
                index,
                values: values.iter().map(|&v| v.to_owned()).collect(),
                seed,
            },
            steps: 10,
            train_loss: None,
            eval_loss: loss,
            eval_metric: None,
            steps_to_expect: None,
            diverged,
            wall_secs: 0.0,
        }
    }

    #[test]
    fn survivors_are_the_setups_with_the_lowest_mean_loss_over_their_seeds() {
        // Setups a, b, c, d with two seeds each: means a 0.5, b 0.3125, c +∞ (a seed
        // diverged, though its other seed is the best run), d 0.3125 (ties b: b is earlier).
        // (Binary fractions, so that the tie is exact.)
        let rows = [
            row(0, &["a"], 1, Some(0.25), false),
            row(1, &["a"], 2, Some(0.75), false),
            row(2, &["b"], 1, Some(0.25), false),
            row(3, &["b"], 2, Some(0.375), false),
            row(4, &["c"], 1, Some(0.01), false),
            row(5, &["c"], 2, None, true),
            row(6, &["d"], 1, Some(0.3125), false),
            row(7, &["d"], 2, Some(0.3125), false),
        ];
        assert_eq!(survivors(&rows, 1), [2, 3]);
        assert_eq!(survivors(&rows, 2), [2, 3, 6, 7]);
        assert_eq!(survivors(&rows, 3), [0, 1, 2, 3, 6, 7]);
        // Order of the rows does not matter.
        let mut reversed = rows.to_vec();
        reversed.reverse();
        assert_eq!(survivors(&reversed, 2), [2, 3, 6, 7]);
    }
}
