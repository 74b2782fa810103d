//! The subcommands that train: `train`, `reproduce`, `presets`.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use super::CliError;
use crate::headless::{self, RunReport, Start};
use crate::preset::{self, Preset, PresetError};
use crate::reproduce::{self, SeedChoice};
use crate::store::{FolderStatus, RunFolder};
use crate::train::{StepMetrics, TrainConfig};

/// Opens the window with a preset or a sweep file, both checked first (exit 2 if broken).
pub(super) fn gui(
    preset: Option<&str>,
    sweep: Option<PathBuf>,
    autostart: u64,
    workspace: Option<PathBuf>,
) -> Result<(), CliError> {
    let preset = match preset {
        Some(name) => Some(resolve_preset(name)?.0),
        None => None,
    };
    if let Some(path) = &sweep {
        crate::gui::check_sweep_file(path)?;
    }
    Ok(crate::gui::run_gui(crate::gui::GuiOptions {
        preset,
        sweep,
        autostart,
        workspace,
    })?)
}

/// A preset from a path, or a built-in one by name (with or without `.ron`).
pub(super) fn resolve_preset(name: &str) -> Result<(Preset, PathBuf), CliError> {
    let path = Path::new(name);
    if path.exists() {
        return Ok((Preset::load(path)?, path.to_owned()));
    }
    if let Some((shown, text)) = preset::find_builtin(name) {
        return Ok((Preset::from_ron(text, &shown)?, shown));
    }
    let names: Vec<&str> = preset::builtin()
        .into_iter()
        .map(|(f, _)| f.trim_end_matches(".ron"))
        .collect();
    Err(CliError::Usage(format!(
        "no preset file `{name}` and no built-in preset of that name; built-in: {}",
        names.join(", ")
    )))
}

/// `bptt-lab export`: the preset (a file, a built-in's name or a run folder's preset.ron)
/// with `--seed` and `--set` applied, exported for `framework` into `out`.
pub(super) fn export(
    framework: crate::frameworks::Framework,
    name: &str,
    out: &Path,
    batches: usize,
    seed: Option<u64>,
    set: &[String],
) -> Result<(), CliError> {
    let folder_preset = Path::new(name).join(crate::store::PRESET);
    let (mut preset, path) = if Path::new(name).is_dir() && folder_preset.is_file() {
        (Preset::load(&folder_preset)?, folder_preset)
    } else {
        resolve_preset(name)?
    };
    if let Some(s) = seed {
        preset.config.seed = s;
    }
    for assignment in set {
        preset.apply_set(assignment)?;
    }
    preset.validate(&path)?;
    let exported = crate::frameworks::export(&preset, framework, batches, out)?;
    let n = exported.lab_losses.len();
    if n < batches.min(usize::try_from(preset.config.steps).unwrap_or(usize::MAX)) {
        eprintln!("note: the lab's run diverged after {n} steps; the export holds those {n}");
    }
    for f in &exported.files {
        println!("wrote {}", f.display());
    }
    println!(
        "{} steps; run `python {}` to train them in {} and compare with the lab's losses",
        n,
        out.join("train.py").display(),
        framework.name()
    );
    Ok(())
}

/// Applies `--seed`, `--steps` and `--set` to a preset, then validates it.
fn prepare(
    preset: &mut Preset,
    path: &Path,
    steps: Option<u64>,
    seed: Option<u64>,
    set: &[String],
) -> Result<TrainConfig, CliError> {
    if let Some(s) = seed {
        preset.config.seed = s;
    }
    if let Some(n) = steps {
        preset.config.steps = n;
    }
    for assignment in set {
        preset.apply_set(assignment)?;
    }
    // A shorter run (`--steps` or `--set steps=`) judges its claims at its end.
    let n = preset.config.steps;
    let moved = preset.cap_claims(n);
    if moved {
        eprintln!("note: the preset's claims are checked at step {n}, the end of this shorter run");
    }
    let config = preset.validate(path)?;
    // The run folder's preset names the data exactly (a CSV file's hash filled in).
    preset.config.task = config.setup().task.clone();
    Ok(config)
}

/// Reports progress on a terminal with a bar, elsewhere with a line every few seconds.
struct Progress {
    bar: Option<indicatif::ProgressBar>,
    total: u64,
    last_line: Instant,
}

impl Progress {
    fn new(total: u64) -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = indicatif::ProgressBar::new(total);
            bar.set_style(
                indicatif::ProgressStyle::with_template(
                    "{bar:30} {pos}/{len} steps  {per_sec}  eta {eta}  {msg}",
                )
                .expect("valid template"),
            );
            bar
        });
        Self {
            bar,
            total,
            last_line: Instant::now(),
        }
    }

    fn update(&mut self, m: &StepMetrics) {
        if let Some(bar) = &self.bar {
            bar.set_position(m.step);
            if m.step.is_multiple_of(10) || m.step == self.total {
                bar.set_message(format!("loss {:.4}", m.loss));
            }
        } else if self.last_line.elapsed() >= Duration::from_secs(5) || m.step == self.total {
            self.last_line = Instant::now();
            eprintln!(
                "step {}/{}  loss {:.5}  metric {:.4}  grad_norm {:.3e}  {:.1} s",
                m.step, self.total, m.loss, m.metric, m.grad_norm_pre_clip, m.elapsed_secs
            );
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

/// `train`'s options besides the preset.
pub(super) struct TrainArgs<'a> {
    pub steps: Option<u64>,
    pub seed: Option<u64>,
    pub set: &'a [String],
    pub out: Option<PathBuf>,
    pub threads: usize,
    pub init_from: Option<PathBuf>,
}

/// Raised by Ctrl-C (SIGINT) and SIGTERM: the run ends after its step, with its files.
fn stop_flag() -> &'static AtomicBool {
    static STOP: AtomicBool = AtomicBool::new(false);
    static INSTALL: std::sync::Once = std::sync::Once::new();
    INSTALL.call_once(|| {
        if let Err(e) = ctrlc::set_handler(|| STOP.store(true, Ordering::Relaxed)) {
            eprintln!("note: Ctrl-C will not end the run cleanly: {e}");
        }
    });
    &STOP
}

pub(super) fn train(name: &str, args: TrainArgs<'_>) -> Result<(), CliError> {
    let TrainArgs {
        steps,
        seed,
        set,
        out,
        threads,
        init_from,
    } = args;
    let (mut preset, path) = resolve_preset(name)?;
    let config = prepare(&mut preset, &path, steps, seed, set)?.with_threads(threads);
    let start = match &init_from {
        None => Start::Fresh,
        Some(weights) => Start::Weights(Box::new(crate::grad::read_params(weights, "")?)),
    };
    let stem = path
        .file_stem()
        .map_or_else(|| "run".into(), |s| s.to_string_lossy().into_owned());
    let out = out.unwrap_or_else(|| PathBuf::from(format!("runs/{stem}-seed{}", config.seed)));
    eprintln!(
        "{}: {} steps of {} (H={}) on {}, baseline {:.4}",
        preset.name,
        config.steps,
        config.model.cell.short_name(),
        config.model.hidden,
        config.task().name(),
        config.task().baseline()
    );
    train_into(&out, &preset, &config, start, config.steps)
}

/// `train --resume DIR [--steps N]`: carries the run in `dir` on from its checkpoint to `steps`
/// steps in all (default: its preset's).
pub(super) fn resume(dir: &Path, steps: Option<u64>, threads: usize) -> Result<(), CliError> {
    let folder = RunFolder::open(dir)?;
    if folder.status == FolderStatus::Running {
        return Err(CliError::Usage(format!(
            "{}: a process is writing this run now",
            dir.display()
        )));
    }
    let checkpoint_path = dir.join(crate::store::CHECKPOINT);
    if !checkpoint_path.is_file() {
        return Err(CliError::Usage(format!(
            "{}: no checkpoint.npz to carry on from (the run was killed before its first, {} s \
             in); train it again instead",
            dir.display(),
            crate::headless::CHECKPOINT_EVERY.as_secs()
        )));
    }
    let checkpoint = crate::store::checkpoint::load(&checkpoint_path)?;
    let mut preset = folder.preset;
    let target = steps.unwrap_or(preset.config.steps);
    let done = checkpoint.state.step();
    if target <= done {
        return Err(CliError::Usage(format!(
            "{}: the run has done {done} steps; give --steps more than that to carry it on",
            dir.display()
        )));
    }
    if let FolderStatus::Diverged(why) = &folder.status
        && checkpoint.state.step() + 1 >= target
    {
        return Err(CliError::Usage(format!(
            "{}: the run diverged ({why})",
            dir.display()
        )));
    }
    if target != preset.config.steps {
        preset.config.steps = target;
        if let Some(e) = preset.expect.as_mut() {
            e.by_step = e.by_step.min(target);
        }
        preset
            .save(&dir.join(crate::store::PRESET))
            .map_err(|source| CliError::Write {
                path: dir.join(crate::store::PRESET),
                source,
            })?;
    }
    let config = preset
        .validate(&dir.join(crate::store::PRESET))?
        .with_threads(threads);
    eprintln!(
        "{}: carrying on from step {done} to step {target}",
        preset.name
    );
    train_into(
        dir,
        &preset,
        &config,
        Start::Resume(Box::new(checkpoint)),
        target,
    )
}

/// Trains into the run folder `out` (written live; Ctrl-C ends the run cleanly) and reports.
fn train_into(
    out: &Path,
    preset: &Preset,
    config: &TrainConfig,
    start: Start,
    steps: u64,
) -> Result<(), CliError> {
    let mut progress = Progress::new(steps);
    let options = crate::headless::Options {
        steps,
        start,
        folder: Some((out, preset)),
        stop: Some(stop_flag()),
        progress: &mut |m| progress.update(m),
    };
    let report = headless::run_with(config, options)?;
    progress.finish();
    print_report(preset, &report, out);
    if report.stopped {
        println!(
            "stopped at step {}; carry it on with `bptt-lab train --resume {}`",
            report.steps_done,
            out.display()
        );
    }
    match report.error {
        None => Ok(()),
        Some(source) => Err(CliError::DivergedRun {
            dir: out.to_owned(),
            source,
        }),
    }
}

fn print_report(preset: &Preset, r: &RunReport, out: &Path) {
    println!(
        "{} steps in {:.1} s ({:.1} steps/s); eval loss {:.5}, eval metric {:.4}",
        r.steps_done, r.elapsed_secs, r.steps_per_sec, r.eval_loss, r.eval_metric
    );
    if let Some(e) = &preset.expect {
        let value = headless::observed(e, r);
        if r.steps_done > e.by_step {
            // The observed figures are the end's: a claim about an earlier step cannot be
            // judged from them.
            println!(
                "expect {}: judged at step {} (`--steps {}` or `bptt-lab reproduce`), not at \
                 this run's end",
                e.describe(),
                e.by_step,
                e.by_step
            );
        } else if r.steps_done == e.by_step {
            println!(
                "expect {}: observed {} -> {}",
                e.describe(),
                fmt_value(value),
                if e.holds(value) { "holds" } else { "FAILS" }
            );
        }
    }
    println!("wrote {}", out.display());
}

pub(super) fn reproduce(
    quick: bool,
    seeds: SeedChoice,
    jobs: Option<usize>,
    csv: &Path,
    names: &[String],
) -> Result<(), CliError> {
    let mut chosen: Vec<(Preset, PathBuf)> = Vec::new();
    if names.is_empty() {
        for (file, text) in preset::builtin() {
            if quick && file.starts_with("paper/") {
                continue;
            }
            let path = PathBuf::from(format!("presets/{file}"));
            chosen.push((Preset::from_ron(text, &path)?, path));
        }
    } else {
        for n in names {
            chosen.push(resolve_preset(n)?);
        }
    }
    chosen.retain(|(p, _)| p.expect.is_some() || p.versus.is_some());
    if chosen.is_empty() {
        return Err(CliError::Usage(
            "none of the chosen presets has an `expect` or `versus` clause".into(),
        ));
    }
    let plan = reproduce::plan(chosen, seeds)?;
    let jobs = jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from))
        .clamp(1, plan.runs.len());
    eprintln!(
        "reproducing {} claims of {} presets: {} runs on {jobs} threads",
        plan.claims.len(),
        plan.presets.len(),
        plan.runs.len()
    );
    let start = Instant::now();
    let finished = std::sync::atomic::AtomicUsize::new(0);
    let total = plan.runs.len();
    let results = reproduce::run(&plan, jobs, &|key, result| {
        let n = finished.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        let name = &plan.presets[key.preset].preset.name;
        match result {
            Ok(o) => eprintln!("  [{n}/{total}] {name}, seed {}: {:.0} s", key.seed, o.secs),
            Err(e) => eprintln!("  [{n}/{total}] {name}, seed {}: FAILED: {e}", key.seed),
        }
    })
    .map_err(|e| CliError::Run(crate::train::RunError::Thread(e.into())))?;
    let verdicts = reproduce::judge(&plan, &results);
    println!();
    let mut last = None;
    for v in &verdicts {
        if last != Some(v.preset) {
            println!("{}", plan.presets[v.preset].preset.name);
            last = Some(v.preset);
        }
        print_verdict(v);
    }
    if let Some(dir) = csv.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|source| CliError::Write {
            path: dir.to_owned(),
            source,
        })?;
    }
    crate::fsutil::write_atomic(csv, reproduce::verdicts_csv(&plan, &verdicts).as_bytes())
        .map_err(|source| CliError::Write {
            path: csv.to_owned(),
            source,
        })?;
    let failed = verdicts.iter().filter(|v| !v.pass).count();
    println!(
        "\n{} of {} claims hold, {failed} fail ({:.0} s wall time); per-seed table in {}",
        verdicts.len() - failed,
        verdicts.len(),
        start.elapsed().as_secs_f64(),
        csv.display()
    );
    if failed == 0 {
        Ok(())
    } else {
        Err(CliError::NotReproduced {
            failed,
            total: verdicts.len(),
        })
    }
}

/// A claim's lines: its words, the per-seed values (✗ where one does not hold), the verdict
/// with the distribution.
fn print_verdict(v: &reproduce::Verdict) {
    println!("    {}", v.clause);
    let values: Vec<String> = v
        .per_seed
        .iter()
        .map(|(seed, r)| match r {
            Ok((x, Some(y), h)) => format!(
                "{seed}: {} vs {}{}",
                fmt_value(*x),
                fmt_value(*y),
                if *h { "" } else { " ✗" }
            ),
            Ok((x, None, h)) => {
                format!("{seed}: {}{}", fmt_value(*x), if *h { "" } else { " ✗" })
            }
            Err(e) => format!("{seed}: error ({e})"),
        })
        .collect();
    println!("    seeds {}", values.join(" · "));
    let observed: Vec<f64> = v
        .per_seed
        .iter()
        .filter_map(|(_, r)| r.as_ref().ok().map(|(x, _, _)| *x))
        .collect();
    println!(
        "    held on {}/{} (≥ {} needed) → {}   [min {} · median {} · max {}]",
        v.held,
        v.per_seed.len(),
        v.required,
        if v.pass { "ok" } else { "FAIL" },
        stat(&observed, 0.0),
        stat(&observed, 0.5),
        stat(&observed, 1.0)
    );
}

/// The `q` quantile (0 = min, 0.5 = median, 1 = max) of the finite values, formatted.
fn stat(values: &[f64], q: f64) -> String {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| !x.is_nan()).collect();
    if v.is_empty() {
        return "–".into();
    }
    v.sort_by(f64::total_cmp);
    let i = ((v.len() - 1) as f64 * q).round() as usize;
    fmt_value(v[i])
}

/// Five significant digits, in scientific notation for very small or large values.
fn fmt_value(v: f64) -> String {
    if v != 0.0 && (v.abs() < 1e-3 || v.abs() >= 1e5) {
        format!("{v:.4e}")
    } else {
        format!("{v:.5}")
    }
}

pub(super) fn presets_list() {
    for (file, text) in preset::builtin() {
        match Preset::from_ron(text, Path::new(file)) {
            Ok(p) => {
                println!("{:<36} {}", file.trim_end_matches(".ron"), p.name);
                println!("{:<36} {}", "", p.description);
            }
            Err(e) => println!("{file}: {e}"),
        }
    }
}

pub(super) fn presets_check(dir: Option<PathBuf>) -> Result<(), CliError> {
    let mut results: Vec<(String, Result<String, PresetError>)> = Vec::new();
    let dir = dir.or_else(|| {
        Path::new("presets")
            .is_dir()
            .then(|| PathBuf::from("presets"))
    });
    match dir {
        Some(dir) => {
            let mut files = Vec::new();
            collect_ron(&dir, &mut files)
                .map_err(|e| CliError::Usage(format!("{}: {e}", dir.display())))?;
            files.sort();
            for f in files {
                let r = Preset::load(&f).and_then(|p| p.validate(&f).map(|_| p.name));
                results.push((f.display().to_string(), r));
            }
        }
        None => {
            for (file, text) in preset::builtin() {
                let path = PathBuf::from(format!("presets/{file}"));
                let r =
                    Preset::from_ron(text, &path).and_then(|p| p.validate(&path).map(|_| p.name));
                results.push((path.display().to_string(), r));
            }
        }
    }
    let mut errors = 0;
    for (file, r) in &results {
        match r {
            Ok(name) => println!("ok     {file}  ({name})"),
            Err(e) => {
                errors += 1;
                println!("error  {e}");
            }
        }
    }
    println!("{} presets, {errors} with errors", results.len());
    if errors == 0 {
        Ok(())
    } else {
        Err(CliError::Usage(format!("{errors} preset(s) are invalid")))
    }
}

fn collect_ron(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect_ron(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "ron") {
            out.push(path);
        }
    }
    Ok(())
}

pub(super) fn bench(
    cells: &[super::CellArg],
    (hidden, seq, batch): (&[usize], &[usize], &[usize]),
    threads: usize,
    timing: crate::bench::Timing,
    options: crate::bench::Options,
) -> Result<(), CliError> {
    if hidden.contains(&0) || seq.iter().any(|&t| t < 2) || batch.contains(&0) {
        return Err(CliError::Usage(
            "bench: --hidden and --batch must be ≥ 1 and --seq ≥ 2".into(),
        ));
    }
    let mut points = Vec::new();
    for &c in cells {
        for &h in hidden {
            for &t in seq {
                for &b in batch {
                    points.push(crate::bench::Point {
                        cell: c.into(),
                        hidden: h,
                        seq: t,
                        batch: b,
                    });
                }
            }
        }
    }
    crate::bench::run(&points, threads, timing, options, |line| println!("{line}"));
    Ok(())
}

/// `bench --gemm-peak`: the f32 GEMM yardstick as one JSON line.
pub(super) fn gemm_peak() {
    let peak = crate::bench::gemm_peak(1024, 5);
    let round2 = |v: f64| (v * 100.0).round() / 100.0;
    let line = serde_json::json!({
        "sgemm_n": 1024,
        "threads": 1,
        "gflops": round2(peak.matrixmultiply),
        "engine_gflops": round2(peak.engine),
        "engine_step_32x256x1024_gflops": round2(peak.engine_step),
        "engine_kernel": peak.kernel.name(),
    });
    println!("{line}");
}

/// A time in words: `40 s`, `12 min`, `3.5 h`, `6 days`.
pub(super) fn duration_words(secs: f64) -> String {
    if secs < 90.0 {
        format!("{secs:.0} s")
    } else if secs < 5400.0 {
        format!("{:.0} min", secs / 60.0)
    } else if secs < 172_800.0 {
        format!("{:.1} h", secs / 3600.0)
    } else {
        format!("{:.0} days", secs / 86400.0)
    }
}

#[cfg(test)]
mod tests {
    use super::duration_words;

    #[test]
    fn durations_are_said_in_the_unit_that_fits() {
        assert_eq!(duration_words(40.0), "40 s");
        assert_eq!(duration_words(720.0), "12 min");
        assert_eq!(duration_words(12_600.0), "3.5 h");
        assert_eq!(duration_words(6.0 * 86_400.0), "6 days");
    }
}
