//! The subcommands that train: `train`, `reproduce`, `presets`.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use super::CliError;
use crate::headless::{self, RunReport};
use crate::preset::{self, ExpectMetric, Preset, PresetError};
use crate::train::{StepMetrics, TrainConfig};

/// Opens the window with a preset or a sweep file, both checked first (exit 2 if broken).
pub(super) fn gui(
    preset: Option<&str>,
    sweep: Option<PathBuf>,
    autostart: u64,
) -> Result<(), CliError> {
    let preset = match preset {
        Some(name) => Some(resolve_preset(name)?.0),
        None => None,
    };
    if let Some(path) = &sweep {
        crate::gui::check_sweep_file(path)?;
    }
    Ok(crate::gui::run_gui(preset, sweep, autostart)?)
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
        if let Some(e) = preset.expect.as_mut() {
            e.by_step = e.by_step.min(n);
        }
    }
    for assignment in set {
        preset.apply_set(assignment)?;
    }
    Ok(preset.validate(path)?)
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

pub(super) fn train(
    name: &str,
    steps: Option<u64>,
    seed: Option<u64>,
    set: &[String],
    out: Option<PathBuf>,
    threads: usize,
) -> Result<(), CliError> {
    let (mut preset, path) = resolve_preset(name)?;
    let config = prepare(&mut preset, &path, steps, seed, set)?.with_threads(threads);
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
    let mut progress = Progress::new(config.steps);
    let report = headless::run(&config, config.steps, &mut |m| progress.update(m))?;
    progress.finish();
    headless::write_run_files(&out, &preset, &config, &report).map_err(|source| {
        CliError::Write {
            path: out.clone(),
            source,
        }
    })?;
    print_report(&preset, &report, &out);
    match report.error {
        None => Ok(()),
        Some(source) => Err(CliError::DivergedRun { dir: out, source }),
    }
}

fn print_report(preset: &Preset, r: &RunReport, out: &Path) {
    println!(
        "{} steps in {:.1} s ({:.1} steps/s); eval loss {:.5}, eval metric {:.4}",
        r.steps_done, r.elapsed_secs, r.steps_per_sec, r.eval_loss, r.eval_metric
    );
    if let Some(e) = &preset.expect {
        let value = headless::observed(e, r);
        if r.steps_done >= e.by_step {
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
    seed: Option<u64>,
    jobs: Option<usize>,
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
    chosen.retain(|(p, _)| p.expect.is_some());
    if chosen.is_empty() {
        return Err(CliError::Usage(
            "none of the chosen presets has an `expect` clause".into(),
        ));
    }
    let mut prepared = Vec::new();
    for (mut p, path) in chosen {
        let config = prepare(&mut p, &path, None, seed, &[])?;
        prepared.push((p, path, config));
    }
    let jobs = jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from))
        .clamp(1, prepared.len());
    eprintln!("reproducing {} presets on {jobs} threads", prepared.len());
    let start = Instant::now();
    let results: Mutex<Vec<Option<Row>>> = Mutex::new(vec![None; prepared.len()]);
    crate::pool::run(
        "reproduce",
        &prepared,
        jobs,
        &AtomicBool::new(false),
        |_, (p, _, config)| reproduce_one(p, config),
        |i, result| {
            let row = result.unwrap_or_else(|panic| Row {
                name: prepared[i].0.name.clone(),
                expected: prepared[i]
                    .0
                    .expect
                    .map(|e| e.describe())
                    .unwrap_or_default(),
                observed: panic.to_string(),
                pass: false,
                secs: 0.0,
            });
            eprintln!("  {}", row.line());
            results.lock().unwrap_or_else(PoisonError::into_inner)[i] = Some(row);
        },
    )
    .map_err(|source| CliError::Run(crate::train::RunError::Thread(source.into())))?;
    let rows: Vec<Row> = results
        .into_inner()
        .unwrap_or_else(PoisonError::into_inner)
        .into_iter()
        .flatten()
        .collect();
    println!(
        "\npreset\n    {:<40} {:>12}  result",
        "expected", "observed"
    );
    for r in &rows {
        println!("{}", r.line());
    }
    let failed = rows.iter().filter(|r| !r.pass).count();
    println!(
        "\n{} passed, {} failed ({:.0} s wall time)",
        rows.len() - failed,
        failed,
        start.elapsed().as_secs_f64()
    );
    if failed == 0 {
        Ok(())
    } else {
        Err(CliError::NotReproduced {
            failed,
            total: rows.len(),
        })
    }
}

#[derive(Clone, Debug)]
struct Row {
    name: String,
    expected: String,
    observed: String,
    pass: bool,
    secs: f64,
}

impl Row {
    /// The preset's name on its own line, then claim, observation and verdict aligned.
    fn line(&self) -> String {
        format!(
            "{}\n    {:<40} {:>12}  {} ({:.0} s)",
            self.name,
            self.expected,
            self.observed,
            if self.pass { "ok" } else { "FAIL" },
            self.secs
        )
    }
}

fn reproduce_one(p: &Preset, config: &TrainConfig) -> Row {
    let e = p.expect.expect("filtered on expect");
    let start = Instant::now();
    let (observed, pass) = match headless::run(config, e.by_step, &mut |_| {}) {
        Ok(r) => match &r.error {
            Some(err) if e.metric != ExpectMetric::Diverged => (format!("diverged: {err}"), false),
            _ => {
                let v = headless::observed(&e, &r);
                (fmt_value(v), e.holds(v))
            }
        },
        Err(err) => (format!("error: {err}"), false),
    };
    Row {
        name: p.name.clone(),
        expected: e.describe(),
        observed,
        pass,
        secs: start.elapsed().as_secs_f64(),
    }
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
    hidden: &[usize],
    seq: &[usize],
    batch: &[usize],
    threads: usize,
    steps: usize,
    repeats: usize,
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
    let timing = crate::bench::Timing {
        steps,
        repeats,
        ..crate::bench::Timing::default()
    };
    crate::bench::run(&points, threads, timing, |line| println!("{line}"));
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
        "engine_kernel": if peak.avx512 { "avx512" } else { "matrixmultiply" },
    });
    println!("{line}");
}
