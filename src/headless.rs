//! Running a training setup without a window: the loop behind `bptt-lab train` and
//! `bptt-lab reproduce`, on the same [`AnyTrainer`] the GUI's workers run.

use std::path::Path;
use std::time::Instant;

use serde_json::json;

use crate::expect::{Expect, ExpectMetric, profile_ratio};
use crate::export;
use crate::preset::Preset;
use crate::train::{AnyTrainer, Diagnostics, DiagnosticsClock, RunError, StepMetrics, TrainConfig};

/// How a headless run went.
#[derive(Clone, Debug)]
pub struct RunReport {
    pub steps_done: u64,
    pub last_step: Option<StepMetrics>,
    pub eval_loss: f64,
    pub eval_metric: f64,
    pub elapsed_secs: f64,
    pub steps_per_sec: f64,
    /// Why the run stopped early, if it did (divergence).
    pub error: Option<RunError>,
    /// Every step's metrics and every diagnostics row.
    pub steps: Vec<StepMetrics>,
    pub profiles: Vec<Diagnostics>,
    /// The weights at the end, in f64.
    pub params: crate::nn::Params<f64>,
}

/// Trains `config` for `steps` steps (stopping early on divergence), calling `progress` after
/// every step. Diagnostics follow `config.eval.every` (0 = automatic) and always include the
/// last step.
pub fn run(
    config: &TrainConfig,
    steps: u64,
    progress: &mut dyn FnMut(&StepMetrics),
) -> Result<RunReport, RunError> {
    let mut trainer = AnyTrainer::new(config)?;
    let mut clock = DiagnosticsClock::new(config.eval.every);
    let mut all = Vec::with_capacity(usize::try_from(steps).unwrap_or(0).min(1 << 20));
    let mut profiles = Vec::new();
    let start = Instant::now();
    let mut error = None;
    for _ in 0..steps {
        match trainer.step() {
            Ok(m) => {
                progress(&m);
                if clock.due(m.step) {
                    profiles.push(trainer.diagnostics());
                }
                all.push(m);
            }
            Err(e) => {
                error = Some(e);
                break;
            }
        }
    }
    let done = trainer.steps_done();
    if done > 0 && profiles.last().is_none_or(|p| p.step < done) && error.is_none() {
        profiles.push(trainer.diagnostics());
    }
    let elapsed_secs = start.elapsed().as_secs_f64();
    let (eval_loss, eval_metric) = if error.is_none() {
        trainer.evaluate()
    } else {
        (f64::NAN, f64::NAN)
    };
    let train_secs = all.last().map_or(0.0, |m| m.elapsed_secs);
    Ok(RunReport {
        steps_done: done,
        last_step: all.last().cloned(),
        eval_loss,
        eval_metric,
        elapsed_secs,
        steps_per_sec: if train_secs > 0.0 {
            done as f64 / train_secs
        } else {
            0.0
        },
        error,
        params: trainer.params_f64(),
        steps: all,
        profiles,
    })
}

/// The observed value of an `expect` clause in a report.
pub fn observed(expect: &Expect, report: &RunReport) -> f64 {
    match expect.metric {
        ExpectMetric::EvalLoss => report.eval_loss,
        ExpectMetric::EvalMetric => report.eval_metric,
        ExpectMetric::ProfileRatio => report
            .profiles
            .last()
            .map_or(f64::NAN, |p| profile_ratio(&p.profile.values)),
        ExpectMetric::Diverged => f64::from(u8::from(report.error.is_some())),
    }
}

/// Writes `metrics.csv`, `profile.csv`, `diagnostics.csv`, `weights.npz` and `summary.json`
/// of a finished (or diverged) run into `dir`.
pub fn write_run_files(
    dir: &Path,
    preset: &Preset,
    config: &TrainConfig,
    report: &RunReport,
) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    export::write_metrics_csv(&dir.join("metrics.csv"), &report.steps)?;
    export::write_profile_csv(&dir.join("profile.csv"), &report.profiles)?;
    export::write_diagnostics_csv(
        &dir.join("diagnostics.csv"),
        config.model.cell.gate_names(),
        &report.profiles,
    )?;
    export::write_weights_npz(&dir.join("weights.npz"), &report.params, config.precision)?;
    let expect = preset.expect.map(|e| {
        let value = observed(&e, report);
        let checked = report.steps_done >= e.by_step;
        json!({
            "clause": e.describe(),
            "observed": finite_or_null(value),
            "checked_at_step": report.steps_done,
            "holds": if checked { json!(e.holds(value)) } else { serde_json::Value::Null },
        })
    });
    let task = config.task();
    let summary = json!({
        "preset": preset.name,
        "description": preset.description,
        "config": serde_json::to_value(config.setup()).unwrap_or(serde_json::Value::Null),
        "task": {
            "name": task.name(),
            "baseline": task.baseline(),
            "metric": task.metric_name(),
        },
        "outcome": match &report.error {
            None => json!("finished"),
            Some(e) => json!({ "diverged": e.to_string() }),
        },
        "steps": report.steps_done,
        "bptt_depths": config.bptt.depths(task.max_seq_len()),
        "final": report.last_step.as_ref().map(|m| json!({
            "loss": finite_or_null(m.loss),
            "metric": finite_or_null(m.metric),
            "grad_norm_pre_clip": finite_or_null(m.grad_norm_pre_clip),
        })),
        "eval_loss": finite_or_null(report.eval_loss),
        "eval_metric": finite_or_null(report.eval_metric),
        "steps_per_sec": report.steps_per_sec,
        "elapsed_secs": report.elapsed_secs,
        "expect": expect,
    });
    export::write_json(&dir.join("summary.json"), &summary)
}

fn finite_or_null(v: f64) -> serde_json::Value {
    if v.is_finite() {
        json!(v)
    } else {
        serde_json::Value::Null
    }
}
