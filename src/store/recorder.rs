//! Recording a run as it trains: its folder's rows ([`RunWriter`]), `summary.json` while it
//! runs (outcome `running`, the process id, the steps so far) and at its end, and a checkpoint
//! every [`CHECKPOINT_EVERY`] and at the end. `bptt-lab train`, sweep runs and the app's
//! workers all record through this.

use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::RunWriter;
use crate::expect::{ExpectMetric, profile_ratio};
use crate::preset::Preset;
pub use crate::train::RecordEnd as End;
use crate::train::{AnyTrainState, Diagnostics, StepMetrics, TrainConfig};

/// How often a recorded run writes its checkpoint (and its summary so far).
pub const CHECKPOINT_EVERY: Duration = Duration::from_secs(30);

/// A run being recorded into its folder.
pub struct Recorder {
    writer: RunWriter,
    preset: Preset,
    config: TrainConfig,
    last_checkpoint: Instant,
}

impl Recorder {
    /// Starts recording a new run of `preset` (validated as `config`) into the empty folder
    /// `dir`.
    pub fn create(dir: &Path, preset: &Preset, config: &TrainConfig) -> std::io::Result<Self> {
        let writer = RunWriter::create(dir, preset, config.model.cell.gate_names())?;
        Self::started(writer, preset, config, 0)
    }

    /// Goes on recording the run in `dir` from its checkpoint at `step`, with
    /// `diagnostics_seen` diagnostics by then (rows after the checkpoint are cut off).
    pub fn resume(
        dir: &Path,
        preset: &Preset,
        config: &TrainConfig,
        step: u64,
        diagnostics_seen: u64,
    ) -> std::io::Result<Self> {
        let writer =
            RunWriter::resume(dir, step, diagnostics_seen, config.model.cell.gate_names())?;
        Self::started(writer, preset, config, step)
    }

    fn started(
        writer: RunWriter,
        preset: &Preset,
        config: &TrainConfig,
        step: u64,
    ) -> std::io::Result<Self> {
        let r = Self {
            writer,
            preset: preset.clone(),
            config: config.clone(),
            last_checkpoint: Instant::now(),
        };
        r.writer.summary(&r.running_summary(step))?;
        Ok(r)
    }

    /// The folder.
    pub fn dir(&self) -> &Path {
        self.writer.dir()
    }

    /// Records a step.
    pub fn step(&mut self, m: &StepMetrics) {
        self.writer.step(m);
    }

    /// Records a diagnostics row.
    pub fn diagnostics(&mut self, d: &Diagnostics) {
        self.writer.diagnostics(d);
    }

    /// Writes the pending rows about once a second, and a checkpoint (from `state`) with the
    /// summary so far every [`CHECKPOINT_EVERY`].
    pub fn tick(
        &mut self,
        steps: u64,
        state: impl FnOnce() -> Option<AnyTrainState>,
    ) -> std::io::Result<()> {
        self.writer.flush_if_due()?;
        if self.last_checkpoint.elapsed() >= CHECKPOINT_EVERY {
            self.last_checkpoint = Instant::now();
            if let Some(s) = state() {
                self.writer.checkpoint(&s)?;
            }
            self.writer.summary(&self.running_summary(steps))?;
        }
        Ok(())
    }

    /// Writes the pending rows and a checkpoint now (a pause, a stop that may not return).
    pub fn checkpoint(&mut self, steps: u64, state: &AnyTrainState) -> std::io::Result<()> {
        self.last_checkpoint = Instant::now();
        self.writer.checkpoint(state)?;
        self.writer.summary(&self.running_summary(steps))
    }

    /// Ends the record: the last rows, the final weights, the checkpoint (if the end has a
    /// state) and the summary.
    pub fn finish(&mut self, end: &End<'_>) -> std::io::Result<()> {
        let summary = final_summary(&self.preset, &self.config, end);
        self.writer.finish(
            end.params,
            self.config.precision,
            end.state.as_ref(),
            &summary,
        )
    }

    fn running_summary(&self, steps: u64) -> Value {
        let mut m = summary_head(&self.preset, &self.config);
        m.insert("outcome".into(), json!("running"));
        m.insert("pid".into(), json!(std::process::id()));
        m.insert("steps".into(), json!(steps));
        Value::Object(m)
    }
}

/// The summary's common part: what the run is.
fn summary_head(preset: &Preset, config: &TrainConfig) -> serde_json::Map<String, Value> {
    let task = config.task();
    let v = json!({
        "preset": preset.name,
        "description": preset.description,
        "config": serde_json::to_value(config.setup()).unwrap_or(Value::Null),
        "task": {
            "name": task.name(),
            "baseline": task.baseline(),
            "metric": task.metric_name(),
            "data": task.data_summary(),
        },
        "bptt_depths": config.bptt.depths(task.max_seq_len()),
    });
    match v {
        Value::Object(m) => m,
        _ => unreachable!("an object"),
    }
}

/// The value of `metric` at the end.
fn observed(metric: ExpectMetric, end: &End<'_>) -> f64 {
    match metric {
        ExpectMetric::EvalLoss => end.eval_loss,
        ExpectMetric::EvalMetric => end.eval_metric,
        ExpectMetric::ProfileRatio => end
            .last_diagnostics
            .map_or(f64::NAN, |d| profile_ratio(&d.profile.values)),
        ExpectMetric::Diverged => f64::from(u8::from(end.diverged.is_some())),
    }
}

/// `summary.json` at the end.
fn final_summary(preset: &Preset, config: &TrainConfig, end: &End<'_>) -> Value {
    let expect = preset.expect.map(|e| {
        let value = observed(e.metric, end);
        let checked = end.steps >= e.by_step;
        json!({
            "clause": e.describe(),
            "observed": finite_or_null(value),
            "checked_at_step": end.steps,
            "holds": if checked { json!(e.holds(value)) } else { Value::Null },
        })
    });
    let mut m = summary_head(preset, config);
    m.insert(
        "outcome".into(),
        match &end.diverged {
            Some(why) => json!({ "diverged": why }),
            None if end.stopped => json!("stopped"),
            None => json!("finished"),
        },
    );
    m.insert("steps".into(), json!(end.steps));
    m.insert(
        "final".into(),
        end.last_step.map_or(Value::Null, |s| {
            json!({
                "loss": finite_or_null(s.loss),
                "metric": finite_or_null(s.metric),
                "grad_norm_pre_clip": finite_or_null(s.grad_norm_pre_clip),
            })
        }),
    );
    m.insert("eval_loss".into(), finite_or_null(end.eval_loss));
    m.insert("eval_metric".into(), finite_or_null(end.eval_metric));
    m.insert("steps_per_sec".into(), json!(end.steps_per_sec));
    m.insert(
        "elapsed_secs".into(),
        json!(end.last_step.map_or(0.0, |s| s.elapsed_secs)),
    );
    m.insert("expect".into(), expect.unwrap_or(Value::Null));
    Value::Object(m)
}

fn finite_or_null(v: f64) -> Value {
    if v.is_finite() { json!(v) } else { Value::Null }
}

impl crate::train::Record for Recorder {
    fn step(&mut self, m: &StepMetrics) {
        Recorder::step(self, m);
    }

    fn diagnostics(&mut self, d: &Diagnostics) {
        Recorder::diagnostics(self, d);
    }

    fn tick(
        &mut self,
        steps: u64,
        state: &mut dyn FnMut() -> Option<AnyTrainState>,
    ) -> Result<(), String> {
        Recorder::tick(self, steps, state).map_err(|e| self.message(&e))
    }

    fn pause(&mut self, steps: u64, state: Option<AnyTrainState>) -> Result<(), String> {
        match state {
            Some(s) => self.checkpoint(steps, &s),
            None => self.writer.flush(),
        }
        .map_err(|e| self.message(&e))
    }

    fn finish(&mut self, end: &End<'_>) -> Result<(), String> {
        Recorder::finish(self, end).map_err(|err| self.message(&err))
    }
}

impl Recorder {
    fn message(&self, e: &std::io::Error) -> String {
        format!("cannot write the run folder {}: {e}", self.dir().display())
    }
}
