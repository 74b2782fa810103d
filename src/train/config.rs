//! What one training run is: a plain, editable [`Setup`] (what presets store and the GUI
//! edits) and the validated [`TrainConfig`] that alone can start a run.

use serde::{Deserialize, Serialize};

use crate::nn::init::{BiasInit, WeightInit};
use crate::nn::{Bptt, CellKind, Clip, Init, OptimizerConfig, UpdateMode};
use crate::tasks::TaskError;
use crate::tasks::{Task, TaskConfig};

/// Float precision of a training run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Precision {
    #[default]
    F32,
    F64,
}

/// The model: cell kind and hidden size.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelConfig {
    /// `rnn(tanh)`, `rnn(relu)`, `lstm` or `gru`.
    pub cell: CellKind,
    /// Hidden size H.
    pub hidden: usize,
    /// `false`: `b_hh` is zero and does not learn, leaving one bias per gate (`b_ih`), as in
    /// Keras's `SimpleRNN` and `LSTM`, whose single `bias` is PyTorch's `b_ih + b_hh`. (Two
    /// biases with the same gradient move their sum twice as fast: the same weights then
    /// train differently in the two frameworks.) Default `true`, PyTorch's.
    #[serde(default = "yes")]
    pub recurrent_bias: bool,
}

fn yes() -> bool {
    true
}

/// How often diagnostics are computed and how large the held-out set is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EvalConfig {
    /// Diagnostics (gradient profile, spectra, saturation, held-out loss) every this many
    /// steps; 0 = automatic: at least 4 times a second of training and about 100 times over
    /// the run's steps, while they take at most a fifth of the time
    /// ([`super::DiagnosticsClock`]).
    pub every: u64,
    /// Number of sequences in the fixed held-out evaluation set.
    pub size: usize,
    /// Whether diagnostics include the analysis of the network
    /// ([`crate::diagnostics::analyze()`]: eigenvalues of `W_hh`, Lyapunov exponents, Pascanu's
    /// Ω, memory horizons) on the first held-out sequences, taken only while it costs at most
    /// 3 % of the training time (and at the first and last steps).
    pub analysis: bool,
}

impl Default for EvalConfig {
    fn default() -> Self {
        Self {
            every: 0,
            size: 256,
            analysis: true,
        }
    }
}

/// Everything that defines a training run, as plain data. Read from presets (untrusted) and
/// edited by the GUI; [`Setup::validate`] turns it into a [`TrainConfig`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Setup {
    pub seed: u64,
    pub model: ModelConfig,
    pub task: TaskConfig,
    #[serde(default)]
    pub init: Init,
    #[serde(default = "full_bptt")]
    pub bptt: Bptt,
    #[serde(default)]
    pub clip: Clip,
    pub optimizer: OptimizerConfig,
    pub batch_size: usize,
    pub steps: u64,
    #[serde(default)]
    pub eval: EvalConfig,
    #[serde(default)]
    pub precision: Precision,
}

fn full_bptt() -> Bptt {
    Bptt::Full
}

/// Largest values a run accepts: beyond them the lab is not the right tool (or the machine
/// runs out of memory for the stored activations, about `4·T·B·G·H` floats).
pub mod limits {
    pub const HIDDEN: usize = 4096;
    pub const BATCH: usize = 65_536;
    pub const SEQ_LEN: usize = 100_000;
    pub const STEPS: u64 = 1_000_000_000;
    pub const EVAL_SIZE: usize = 100_000;
    /// Stored floats per run (`T·B·G·H` ≤ this): 2^26 floats = 256 MiB in f32 per buffer; a run
    /// keeps about six such buffers, so one run stays under ~2 GiB and several fit in memory.
    pub const ACTIVATIONS: usize = 1 << 26;
}

/// A setting that is out of range: names the field, the value and what is allowed.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("`{field}`{}: {allowed}", if value.is_empty() { String::new() } else { format!(" = {value}") })]
pub struct ConfigError {
    /// Path of the field, as in the RON file (`optimizer.lr`, `bptt.k1`…).
    pub field: String,
    pub value: String,
    pub allowed: String,
}

fn err(field: &str, value: impl std::fmt::Display, allowed: impl Into<String>) -> ConfigError {
    ConfigError {
        field: field.to_owned(),
        value: value.to_string(),
        allowed: allowed.into(),
    }
}

fn positive(field: &str, v: f64) -> Result<(), ConfigError> {
    if v.is_finite() && v > 0.0 {
        Ok(())
    } else {
        Err(err(field, v, "must be a finite number > 0"))
    }
}

fn non_negative(field: &str, v: f64) -> Result<(), ConfigError> {
    if v.is_finite() && v >= 0.0 {
        Ok(())
    } else {
        Err(err(field, v, "must be a finite number ≥ 0"))
    }
}

fn unit_interval(field: &str, v: f64) -> Result<(), ConfigError> {
    if (0.0..1.0).contains(&v) {
        Ok(())
    } else {
        Err(err(field, v, "must be in [0, 1)"))
    }
}

fn in_range<T: PartialOrd + std::fmt::Display + Copy>(
    field: &str,
    v: T,
    lo: T,
    hi: T,
) -> Result<(), ConfigError> {
    if lo <= v && v <= hi {
        Ok(())
    } else {
        Err(err(field, v, format!("must be in {lo}..={hi}")))
    }
}

/// A validated [`Setup`] with its task built. Only this can start a run.
#[derive(Debug, Clone)]
pub struct TrainConfig {
    setup: Setup,
    task: std::sync::Arc<dyn Task>,
    /// Threads a training step may use (a property of the machine, not of the experiment, so
    /// not in the setup): 2 splits the batch over two cores where that pays
    /// ([`crate::nn::Engine::set_threads`]). The numbers agree with one thread to rounding.
    threads: usize,
}

impl TrainConfig {
    /// Threads a training step may use.
    pub fn threads(&self) -> usize {
        self.threads
    }

    /// The same config with `threads` per training step (at least 1).
    #[must_use]
    pub fn with_threads(mut self, threads: usize) -> Self {
        self.threads = threads.max(1);
        self
    }

    /// The setup this config was validated from.
    pub fn setup(&self) -> &Setup {
        &self.setup
    }

    /// The task, built from `setup.task`.
    pub fn task(&self) -> &dyn Task {
        self.task.as_ref()
    }

    /// The task as a shared handle (for threads).
    pub fn task_arc(&self) -> std::sync::Arc<dyn Task> {
        std::sync::Arc::clone(&self.task)
    }

    /// Multiply-adds of one training step, roughly: T·B·G·H·(H + I + 1) (the recurrent and
    /// input products), for ordering and estimating work.
    pub fn step_cost(&self) -> u64 {
        let d = self.dims();
        let per = self.task.max_seq_len()
            * self.setup.batch_size
            * self.setup.model.cell.gates()
            * d.hidden
            * (d.hidden + d.input + 1);
        per as u64
    }

    /// A rough estimate of a run's training time on one core, in seconds: six floating-point
    /// operations per multiply-add of [`TrainConfig::step_cost`] (forward and backward) at
    /// 10 GFLOP/s. By this count, `bench --threads 1` measured 12–15 GFLOP/s per CPU second
    /// for RNN and LSTM at H = 32 and 40 for LSTM at H = 128, so large models finish sooner.
    pub fn estimated_secs(&self) -> f64 {
        self.step_cost() as f64 * 6.0 * self.setup.steps as f64 / 1e10
    }

    /// The model sizes implied by task and setup.
    pub fn dims(&self) -> crate::nn::Dims {
        crate::nn::Dims {
            input: self.task.input_size(),
            hidden: self.setup.model.hidden,
            output: self.task.output_size(),
        }
    }
}

impl std::ops::Deref for TrainConfig {
    type Target = Setup;
    fn deref(&self) -> &Setup {
        &self.setup
    }
}

impl Setup {
    /// Checks every setting and builds the task. The error names the first bad field.
    pub fn validate(&self) -> Result<TrainConfig, ConfigError> {
        let Self {
            seed: _,
            model,
            task,
            init,
            bptt,
            clip,
            optimizer,
            batch_size,
            steps,
            eval,
            precision: _,
        } = self;
        in_range("model.hidden", model.hidden, 1, limits::HIDDEN)?;
        in_range("batch_size", *batch_size, 1, limits::BATCH)?;
        in_range("steps", *steps, 1, limits::STEPS)?;
        in_range("eval.size", eval.size, 1, limits::EVAL_SIZE)?;
        let built = task.build().map_err(task_error)?;
        let seq_len = built.max_seq_len();
        in_range("task: sequence length", seq_len, 1, limits::SEQ_LEN)?;
        let floats = seq_len
            .saturating_mul(*batch_size)
            .saturating_mul(model.cell.gates() * model.hidden);
        if floats > limits::ACTIVATIONS {
            return Err(err(
                "batch_size",
                batch_size,
                format!(
                    "T·B·G·H = {seq_len}·{batch_size}·{}·{} = {floats} stored activations is \
                     more than {}; use a smaller batch, hidden size or sequence",
                    model.cell.gates(),
                    model.hidden,
                    limits::ACTIVATIONS
                ),
            ));
        }
        // The held-out set is one batch through the evaluation engine: its activations too.
        let eval_floats = seq_len
            .saturating_mul(eval.size)
            .saturating_mul(model.cell.gates() * model.hidden);
        if eval_floats > limits::ACTIVATIONS {
            return Err(err(
                "eval.size",
                eval.size,
                format!(
                    "T·N·G·H = {seq_len}·{}·{}·{} = {eval_floats} stored activations for the \
                     held-out set is more than {}; use a smaller held-out set",
                    eval.size,
                    model.cell.gates(),
                    model.hidden,
                    limits::ACTIVATIONS
                ),
            ));
        }
        match *bptt {
            Bptt::Full => {}
            Bptt::Truncated { k1, k2, mode: _ } => {
                in_range("bptt.k1", k1, 1, limits::SEQ_LEN)?;
                if k2 < k1 {
                    return Err(err(
                        "bptt.k2",
                        k2,
                        format!("must be ≥ k1 = {k1} (back-propagate at least the k1 new steps)"),
                    ));
                }
                in_range("bptt.k2", k2, k1, limits::SEQ_LEN)?;
            }
            Bptt::Chunked { k, mode: _ } => in_range("bptt.k", k, 1, limits::SEQ_LEN)?,
        }
        match *clip {
            Clip::None => {}
            Clip::GlobalNorm { max_norm } => positive("clip.global_norm.max_norm", max_norm)?,
            Clip::PerTensorNorm { max_norm } => {
                positive("clip.per_tensor_norm.max_norm", max_norm)?;
            }
            Clip::Value { max_value } => positive("clip.value.max_value", max_value)?,
        }
        validate_optimizer(optimizer)?;
        validate_weight_init("init.weight_ih", init.weight_ih, built.input_size())?;
        validate_weight_init("init.weight_hh", init.weight_hh, model.hidden)?;
        match init.bias {
            BiasInit::PytorchDefault | BiasInit::Zero => {}
            BiasInit::ForgetBias { value } => {
                lstm_only(model.cell, "init.bias", "forget_bias")?;
                if !value.is_finite() {
                    return Err(err("init.bias.forget_bias.value", value, "must be finite"));
                }
            }
            BiasInit::Chrono { t_max } => {
                lstm_only(model.cell, "init.bias", "chrono")?;
                if !(t_max.is_finite() && t_max > 2.0) {
                    return Err(err("init.bias.chrono.t_max", t_max, "must be > 2"));
                }
            }
        }
        Ok(TrainConfig {
            setup: self.pinned_to(built.as_ref()),
            task: std::sync::Arc::from(built),
            threads: 1,
        })
    }

    /// This setup naming exactly the data `task` was built on (a CSV file's hash filled in).
    fn pinned_to(&self, task: &dyn Task) -> Self {
        let mut setup = self.clone();
        if let Some(pinned) = task.pinned_config() {
            setup.task = pinned;
        }
        setup
    }

    /// Whether truncated BPTT updates per segment (for display).
    pub fn per_segment(&self) -> bool {
        self.bptt != Bptt::Full && self.bptt.mode() == UpdateMode::PerSegment
    }
}

/// A task setting error as a config error naming its field.
fn task_error(e: TaskError) -> ConfigError {
    match e {
        TaskError::Setting {
            task,
            field,
            value,
            allowed,
        } => ConfigError {
            field: format!("task.{task}.{field}"),
            value,
            allowed: format!("allowed: {allowed}"),
        },
        other => {
            // These messages start with the field path (`task.text.path: …`).
            let msg = other.to_string();
            let (field, rest) = msg.split_once(": ").unwrap_or(("task", msg.as_str()));
            ConfigError {
                field: field.to_owned(),
                value: String::new(),
                allowed: rest.to_owned(),
            }
        }
    }
}

fn lstm_only(cell: CellKind, field: &str, scheme: &str) -> Result<(), ConfigError> {
    if cell == CellKind::Lstm {
        Ok(())
    } else {
        Err(err(
            field,
            scheme,
            format!(
                "applies to the LSTM's forget gate only; model.cell is {}",
                cell.short_name()
            ),
        ))
    }
}

fn validate_optimizer(o: &OptimizerConfig) -> Result<(), ConfigError> {
    match *o {
        OptimizerConfig::Sgd {
            lr,
            momentum,
            dampening,
            nesterov,
            weight_decay,
        } => {
            positive("optimizer.sgd.lr", lr)?;
            unit_interval("optimizer.sgd.momentum", momentum)?;
            unit_interval("optimizer.sgd.dampening", dampening)?;
            non_negative("optimizer.sgd.weight_decay", weight_decay)?;
            if nesterov && (momentum <= 0.0 || dampening != 0.0) {
                return Err(err(
                    "optimizer.sgd.nesterov",
                    nesterov,
                    "needs momentum > 0 and dampening = 0 (as in PyTorch)",
                ));
            }
        }
        OptimizerConfig::RmsProp {
            lr,
            alpha,
            eps,
            weight_decay,
        } => {
            positive("optimizer.rms_prop.lr", lr)?;
            unit_interval("optimizer.rms_prop.alpha", alpha)?;
            positive("optimizer.rms_prop.eps", eps)?;
            non_negative("optimizer.rms_prop.weight_decay", weight_decay)?;
        }
        OptimizerConfig::Adam {
            lr,
            beta1,
            beta2,
            eps,
            weight_decay,
        } => {
            positive("optimizer.adam.lr", lr)?;
            unit_interval("optimizer.adam.beta1", beta1)?;
            unit_interval("optimizer.adam.beta2", beta2)?;
            positive("optimizer.adam.eps", eps)?;
            non_negative("optimizer.adam.weight_decay", weight_decay)?;
        }
        OptimizerConfig::KerasAdam {
            lr,
            beta1,
            beta2,
            eps,
        } => {
            positive("optimizer.keras_adam.lr", lr)?;
            unit_interval("optimizer.keras_adam.beta1", beta1)?;
            unit_interval("optimizer.keras_adam.beta2", beta2)?;
            positive("optimizer.keras_adam.eps", eps)?;
        }
    }
    Ok(())
}

fn validate_weight_init(field: &str, w: WeightInit, cols: usize) -> Result<(), ConfigError> {
    match w {
        WeightInit::PytorchDefault | WeightInit::Zero => Ok(()),
        WeightInit::XavierUniform { gain }
        | WeightInit::XavierNormal { gain }
        | WeightInit::Orthogonal { gain }
        | WeightInit::Identity { gain } => non_negative(&format!("{field}.gain"), gain),
        WeightInit::SpectralRadius { radius } => non_negative(&format!("{field}.radius"), radius),
        WeightInit::Sparse { nonzeros, radius } => {
            in_range(&format!("{field}.sparse.nonzeros"), nonzeros, 1, cols)?;
            non_negative(&format!("{field}.radius"), radius)
        }
    }
}
