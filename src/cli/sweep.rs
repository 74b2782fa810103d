//! `bptt-lab sweep`: run a sweep here with a progress bar, emit it as a Slurm job array, or
//! collect an emitted one.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Instant;

use super::CliError;
use crate::sweep::local::{self, Event};
use crate::sweep::results::{self, Row};
use crate::sweep::task::Done;
use crate::sweep::{Sweep, cluster, halving, run_name};

fn load(path: &Path) -> Result<Sweep, CliError> {
    Ok(Sweep::load(path)?)
}

/// `m:ss` or `h:mm:ss`.
fn clock(secs: f64) -> String {
    let s = secs.max(0.0).round() as u64;
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    } else {
        format!("{}:{:02}", s / 60, s % 60)
    }
}

fn fmt_opt(v: Option<f64>) -> String {
    v.map_or_else(|| "-".to_owned(), |x| format!("{x:.4}"))
}

/// One line for a finished run.
fn row_line(sweep: &Sweep, row: &Row) -> String {
    let point: Vec<String> = sweep
        .axes
        .iter()
        .zip(&row.point.values)
        .map(|(a, v)| format!("{}={v}", a.key))
        .collect();
    let reached = match row.steps_to_expect {
        Some(s) => format!("  expect reached at step {s}"),
        None if sweep.runs[row.point.index].preset.expect.is_some() => {
            "  expect not reached".to_owned()
        }
        None => String::new(),
    };
    format!(
        "run {} {} seed {}: {}eval_loss {} eval_metric {}{reached} ({:.1} s)",
        run_name(row.point.index),
        point.join(" "),
        row.point.seed,
        if row.diverged { "DIVERGED  " } else { "" },
        fmt_opt(row.eval_loss),
        fmt_opt(row.eval_metric),
        row.wall_secs
    )
}

/// `bptt-lab sweep [FILE] [--jobs N] [--out DIR] [--emit DIR] [--collect DIR]` (clap has
/// ruled out the conflicting combinations).
pub(super) fn command(
    file: Option<&Path>,
    jobs: Option<u64>,
    out: Option<PathBuf>,
    emit: Option<&Path>,
    collect: Option<&Path>,
    yes: bool,
) -> Result<(), CliError> {
    match (file, emit, collect) {
        (_, _, Some(dir)) => self::collect(dir),
        (Some(file), Some(dir), None) => self::emit(file, dir),
        (Some(file), None, None) => run(
            file,
            jobs.map(|j| usize::try_from(j).unwrap_or(usize::MAX)),
            out,
            yes,
        ),
        (None, _, None) => Err(CliError::Usage(
            "sweep: give a sweep file, or --collect DIR".into(),
        )),
    }
}

/// Sweeps of more runs than this ask for `--yes`.
pub const CONFIRM_RUNS: usize = 200;

/// Runs `path` on `jobs` threads into `out` (default `runs/sweep-<stem>`); a sweep of more
/// than [`CONFIRM_RUNS`] runs needs `yes`.
pub(super) fn run(
    path: &Path,
    jobs: Option<usize>,
    out: Option<PathBuf>,
    yes: bool,
) -> Result<(), CliError> {
    let sweep = load(path)?;
    if sweep.runs.len() > CONFIRM_RUNS && !yes {
        let secs: f64 = sweep.runs.iter().map(|r| r.config.estimated_secs()).sum();
        return Err(CliError::Usage(format!(
            "{} has {} runs; at a rough estimate from their sizes, about {} of one core's \
             time. Run it with --yes, or emit it for a cluster with --emit DIR",
            path.display(),
            sweep.runs.len(),
            super::commands::duration_words(secs)
        )));
    }
    let stem = path
        .file_stem()
        .map_or_else(|| "sweep".into(), |s| s.to_string_lossy().into_owned());
    let out = out.unwrap_or_else(|| PathBuf::from(format!("runs/sweep-{stem}")));
    let jobs = jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from));
    let total = sweep.runs.len();
    let points = total / sweep.seeds.len();
    let drawn = sweep.random.map_or_else(String::new, |r| {
        format!(" drawn at random (sample seed {})", r.seed)
    });
    eprintln!(
        "{} (base {}): {points} points{drawn} × {} seeds = {total} runs of {} steps on {} jobs, into {}",
        sweep.name,
        sweep.base,
        sweep.seeds.len(),
        sweep.runs[0].config.steps,
        jobs.min(total),
        out.display()
    );

    let reporter = Reporter::new(&sweep, &out);
    let on_event = |event: Event<'_>| reporter.event(event);
    if let Some(schedule) = &sweep.halving {
        let on_rung = |k: usize, runs: usize, steps: u64| {
            eprintln!(
                "rung {k} of {}: {runs} runs ({} setups) to {steps} steps",
                schedule.rungs.len(),
                schedule.rungs[k].setups
            );
        };
        let done = halving::run(&sweep, schedule, &out, jobs, &on_rung, &on_event)?;
        reporter.finish();
        print_halving(&out);
        let failed: Vec<String> = done
            .rungs
            .iter()
            .flat_map(|o| o.failed.iter())
            .map(|(i, m)| format!("run {}: {m}", run_name(*i)))
            .collect();
        if !failed.is_empty() {
            return Err(CliError::RunsFailed {
                count: failed.len(),
                list: failed.join("; "),
            });
        }
        let trained: usize = done.rungs.iter().map(|o| o.ran).sum();
        let secs: f64 = done.rungs.iter().map(|o| o.wall_secs).sum();
        println!(
            "{} rungs, {trained} runs trained now, in {secs:.1} s wall time; wrote {} and {}",
            done.rungs.len(),
            out.join("halving.csv").display(),
            out.join("results.csv").display()
        );
        return Ok(());
    }
    let outcome = local::run(&sweep, &out, jobs, &on_event)?;
    reporter.finish();
    let expect = sweep.runs[0].preset.expect;
    println!(
        "\n{}",
        results::point_table(&sweep.keys(), &outcome.rows, expect.as_ref())
    );
    println!(
        "{} runs ({} resumed, {} ran) in {:.1} s wall time on {} jobs; wrote {}",
        outcome.rows.len(),
        outcome.resumed,
        outcome.ran,
        outcome.wall_secs,
        outcome.jobs,
        out.join("results.csv").display()
    );
    if outcome.failed.is_empty() {
        Ok(())
    } else {
        let list: Vec<String> = outcome
            .failed
            .iter()
            .map(|(i, m)| format!("run {}: {m}", run_name(*i)))
            .collect();
        Err(CliError::RunsFailed {
            count: outcome.failed.len(),
            list: list.join("; "),
        })
    }
}

/// Progress of a local sweep: on a terminal a bar (runs done / total, ETA) with a line per
/// finished run above it; elsewhere a line per finished run with the elapsed time and ETA.
struct Reporter<'a> {
    sweep: &'a Sweep,
    out: &'a Path,
    bar: Option<indicatif::ProgressBar>,
    /// When the first run started, and how many runs had finished before (for the ETA).
    start: Mutex<(Instant, usize)>,
}

impl<'a> Reporter<'a> {
    fn new(sweep: &'a Sweep, out: &'a Path) -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = indicatif::ProgressBar::new(sweep.runs.len() as u64);
            bar.set_style(
                indicatif::ProgressStyle::with_template(
                    "{bar:30} {pos}/{len} runs  elapsed {elapsed}  eta {eta}  {msg}",
                )
                .expect("valid template"),
            );
            bar
        });
        Self {
            sweep,
            out,
            bar,
            start: Mutex::new((Instant::now(), 0)),
        }
    }

    fn event(&self, event: Event<'_>) {
        match event {
            Event::Resumed { finished, total } => {
                if finished > 0 {
                    eprintln!(
                        "{finished} of {total} runs already finished in {}: not run again",
                        self.out.display()
                    );
                }
                *self.start.lock().expect("no poisoning") = (Instant::now(), finished);
                if let Some(bar) = &self.bar {
                    bar.set_position(finished as u64);
                    bar.reset_eta();
                }
            }
            Event::Started { run } => {
                if let Some(bar) = &self.bar {
                    bar.set_message(format!("started run {}", run_name(run.index)));
                }
            }
            Event::Finished {
                run: _,
                row,
                done,
                total,
            } => {
                let line = row_line(self.sweep, row);
                if let Some(bar) = &self.bar {
                    bar.println(line);
                    bar.set_position(done as u64);
                } else {
                    let (start, resumed) = *self.start.lock().expect("no poisoning");
                    let elapsed = start.elapsed().as_secs_f64();
                    let eta = elapsed / (done - resumed).max(1) as f64 * (total - done) as f64;
                    eprintln!(
                        "[{done}/{total}] {line}  elapsed {} eta {}",
                        clock(elapsed),
                        clock(eta)
                    );
                }
            }
            Event::Failed { run, failure } => {
                let line = format!("run {} FAILED: {failure}", run_name(run.index));
                match &self.bar {
                    Some(bar) => bar.println(line),
                    None => eprintln!("{line}"),
                }
            }
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

/// Writes the presets and the Slurm array script of `path` into `dir`.
pub(super) fn emit(path: &Path, dir: &Path) -> Result<(), CliError> {
    let sweep = load(path)?;
    let binary = std::env::current_exe().map_err(CliError::CurrentExe)?;
    let script = cluster::emit(&sweep, dir, &binary)?;
    let n = sweep.runs.len();
    println!(
        "wrote {n} presets ({}/presets/0000.ron … {}.ron), {}/points.csv and {}",
        dir.display(),
        run_name(n - 1),
        dir.display(),
        script.display()
    );
    if n > cluster::MAX_ARRAY_TASKS {
        println!(
            "submit:        bash {}   ({n} runs: one array per {} runs)",
            dir.join("submit.sh").display(),
            cluster::MAX_ARRAY_TASKS
        );
    } else {
        println!("submit:        sbatch {}", script.display());
    }
    println!("then collect:  bptt-lab sweep --collect {}", dir.display());
    Ok(())
}

/// `bptt-lab sweep-task DIR I [--rung K]`: one run of an emitted sweep, as array.sh runs it.
pub(super) fn task(
    dir: &Path,
    index: usize,
    rung: usize,
    pinned_sha256: Option<&str>,
) -> Result<(), CliError> {
    if let Some(want) = pinned_sha256 {
        let exe = std::env::current_exe().map_err(CliError::CurrentExe)?;
        let have = cluster::sha256_file(&exe).map_err(CliError::CurrentExe)?;
        if !have.eq_ignore_ascii_case(want) {
            return Err(CliError::Usage(format!(
                "{} is not the binary this sweep was emitted with (SHA-256 {have}, expected \
                 {want}): emit the sweep again, or name a binary with BPTT_LAB",
                exe.display()
            )));
        }
    }
    let r = crate::sweep::task::run_task(dir, index, rung)?;
    let what = match r.done {
        Done::Skipped => "its result was there: skipped".to_owned(),
        Done::Trained => "trained".to_owned(),
        Done::Continued { from } => format!("carried on from step {from}"),
        Done::DivergedBefore => "diverged at an earlier rung: that is its result".to_owned(),
    };
    println!(
        "run {}: {what}; {} steps, eval_loss {}{}",
        r.name,
        r.row.steps,
        fmt_opt(r.row.eval_loss),
        if r.row.diverged {
            " (diverged: a result, exit 0)"
        } else {
            ""
        }
    );
    Ok(())
}

/// Prints `dir/halving.csv` as an aligned table.
fn print_halving(dir: &Path) {
    let Ok(text) = std::fs::read_to_string(dir.join("halving.csv")) else {
        return;
    };
    let rows: Vec<Vec<String>> = text.lines().map(results::parse_line).collect();
    let widths: Vec<usize> = (0..rows.first().map_or(0, Vec::len))
        .map(|c| {
            rows.iter()
                .map(|r| r.get(c).map_or(0, |f| f.chars().count()))
                .max()
                .unwrap_or(0)
        })
        .collect();
    println!();
    for r in &rows {
        let cells: Vec<String> = r
            .iter()
            .zip(&widths)
            .map(|(f, &w)| format!("{f:<w$}"))
            .collect();
        println!("{}", cells.join("  ").trim_end());
    }
}

/// `--collect` of a successive-halving sweep: the current rung; when it is complete, the
/// next rung's runs and its `sbatch` command.
fn collect_halving(dir: &Path, schedule: &halving::Schedule) -> Result<(), CliError> {
    let p = halving::collect(dir, schedule)?;
    let rung = &schedule.rungs[p.rung];
    let entered = p.entered;
    for (i, e) in &p.unreadable {
        eprintln!("{}: {}", run_name(*i), crate::cli::error_chain(e));
    }
    if !p.unreadable.is_empty() {
        let list: Vec<String> = p.unreadable.iter().map(|(i, _)| run_name(*i)).collect();
        return Err(CliError::Unreadable {
            count: p.unreadable.len(),
            total: entered,
            list: list.join(", "),
        });
    }
    if !p.missing.is_empty() {
        let list: Vec<String> = p.missing.iter().take(20).map(|&i| run_name(i)).collect();
        return Err(CliError::Incomplete {
            missing: p.missing.len(),
            total: entered,
            list: format!(
                "rung {} ({} steps): {}",
                p.rung,
                rung.steps,
                list.join(", ")
            ),
            resubmit: cluster::submit_commands_at(&p.missing, &dir.join("array.sh"), p.rung)
                .join("; "),
        });
    }
    print_halving(dir);
    if let Some((k, runs)) = &p.started {
        println!(
            "\nrung {} complete; rung {k} started: {} setups ({} runs) carry on to {} steps. \
             Submit it with:",
            k - 1,
            schedule.rungs[*k].setups,
            runs.len(),
            schedule.rungs[*k].steps
        );
        for command in cluster::submit_commands_at(runs, &dir.join("array.sh"), *k) {
            println!("  {command}");
        }
        println!(
            "then collect again:  bptt-lab sweep --collect {}",
            dir.display()
        );
    } else if p.finished {
        println!(
            "\nall {} rungs complete; wrote {} and {}",
            schedule.rungs.len(),
            dir.join("halving.csv").display(),
            dir.join("results.csv").display()
        );
    }
    Ok(())
}

/// Gathers `dir/results.csv` from the runs in `dir`.
pub(super) fn collect(dir: &Path) -> Result<(), CliError> {
    if let Some(schedule) = halving::Schedule::read(dir)? {
        return collect_halving(dir, &schedule);
    }
    let c = cluster::collect(dir)?;
    println!(
        "\n{}",
        results::point_table(&c.keys, &c.rows, c.expect.as_ref())
    );
    let total = c.rows.len() + c.missing.len() + c.unreadable.len();
    println!(
        "{} of {total} runs finished; wrote {}",
        c.rows.len(),
        dir.join("results.csv").display()
    );
    for (i, e) in &c.unreadable {
        eprintln!("{}: {}", run_name(*i), crate::cli::error_chain(e));
    }
    let names = |runs: &mut dyn Iterator<Item = usize>, n: usize| {
        let shown: Vec<String> = runs.take(20).map(run_name).collect();
        format!("{}{}", shown.join(", "), if n > 20 { ", …" } else { "" })
    };
    if !c.unreadable.is_empty() {
        return Err(CliError::Unreadable {
            count: c.unreadable.len(),
            total,
            list: names(
                &mut c.unreadable.iter().map(|(i, _)| *i),
                c.unreadable.len(),
            ),
        });
    }
    if c.missing.is_empty() {
        Ok(())
    } else {
        Err(CliError::Incomplete {
            missing: c.missing.len(),
            total,
            list: names(&mut c.missing.iter().copied(), c.missing.len()),
            resubmit: cluster::submit_commands(&c.missing, &dir.join("array.sh")).join("; "),
        })
    }
}
