//! One training run as a value: model, optimizer state, task, random stream and buffers.
//! `step()` trains on one batch and returns its metrics; the same seed gives bit-identical
//! metrics, run after run.

use std::time::{Duration, Instant};

use ndarray::Array3;
use rand_chacha::ChaCha8Rng;

use super::config::{Precision, TrainConfig};
use super::metrics::{Diagnostics, Spectral, StepMetrics};
use crate::diagnostics::{Analysis, AnalysisOptions, analyze_with};
use crate::nn::init::{InitError, init_params};
use crate::nn::{
    Batch, BpttTerms, Engine, GradOptions, InitialState, Model, Optimizer, OptimizerState, Params,
    Profile, Reduction, Scalar, StepConfig, StepError,
};
use crate::tasks::{Task, evaluation_set, train_rng};

/// Why a run ended without finishing its steps.
#[derive(Clone, Debug, thiserror::Error)]
pub enum RunError {
    #[error("cannot initialize the model: {0}")]
    Init(#[from] InitError),
    #[error("diverged at step {step}: {source}")]
    Diverged { step: u64, source: StepError },
    #[error("the training thread panicked: {0}")]
    Panicked(String),
    /// The run's thread (or a pool's) could not be started.
    #[error("cannot start a thread: {0}")]
    Thread(#[source] std::sync::Arc<std::io::Error>),
    /// Saved state (a checkpoint, given weights) that does not fit the run.
    #[error("cannot carry on from the saved state: {0}")]
    State(String),
}

impl PartialEq for RunError {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Self::Init(a), Self::Init(b)) => a == b,
            (
                Self::Diverged { step, source },
                Self::Diverged {
                    step: step_b,
                    source: source_b,
                },
            ) => step == step_b && source == source_b,
            (Self::Panicked(a), Self::Panicked(b)) | (Self::State(a), Self::State(b)) => a == b,
            // I/O errors have no equality: the same kind and message count as the same.
            (Self::Thread(a), Self::Thread(b)) => {
                a.kind() == b.kind() && a.to_string() == b.to_string()
            }
            _ => false,
        }
    }
}

impl RunError {
    /// Whether the run diverged (a non-finite loss or gradient), which is a result; the other
    /// kinds are failures.
    pub fn is_divergence(&self) -> bool {
        matches!(self, Self::Diverged { .. })
    }
}

/// Everything that decides a run's next steps: carried on from it, a run continues as if it
/// had never stopped (the same metrics, the same weights, bit for bit). The held-out set is
/// drawn again from the seed.
#[derive(Clone, Debug, PartialEq)]
pub struct TrainState<F> {
    /// Steps done.
    pub step: u64,
    pub params: Params<F>,
    pub optimizer: OptimizerState<F>,
    /// Where the training batches' stream is (`ChaCha8Rng::get_word_pos`).
    pub rng_word_pos: u128,
    /// Training wall time so far.
    pub elapsed_secs: f64,
}

/// A training run in float type `F`.
#[derive(Debug)]
pub struct Trainer<F: Scalar> {
    config: TrainConfig,
    model: Model<F>,
    optimizer: Optimizer<F>,
    engine: Engine<F>,
    eval_engine: Engine<F>,
    grads: Params<F>,
    rng: ChaCha8Rng,
    eval_batch: Batch<f64>,
    eval_batch_f: Batch<F>,
    /// The first `batch_size` held-out sequences: what the terms of the BPTT sum are taken on.
    terms_batch: Batch<F>,
    step: u64,
    train_time: Duration,
    /// Time the run waited for a speed cap: the diagnostics' budgets count it with
    /// `train_time` (it is not in the reported training time).
    idle_time: Duration,
    /// Time spent on the spectra and the terms of the BPTT sum.
    diag_time: Duration,
    last_profile: Profile,
    spectral: Option<Spectral>,
    /// The latest terms of the BPTT sum and the step they were taken at.
    terms: Option<(BpttTerms, u64)>,
    /// Time spent on the analysis of the network, and whether it was ever taken.
    analysis_time: Duration,
    analysis_taken: bool,
}

/// Held-out sequences the analysis of the network follows during training.
pub const ANALYSIS_SEQUENCES: usize = 8;

/// The share of the training time the analysis of the network may take (it is skipped while
/// it has cost more); the spectra and the terms of the BPTT sum have a budget of their own.
pub const ANALYSIS_BUDGET: f64 = 0.03;

fn to_f64<F: Scalar>(a: &Array3<F>) -> Array3<f64> {
    a.mapv(Scalar::as_f64)
}

impl<F: Scalar> Trainer<F> {
    /// A fresh run: weights drawn from the seed, optimizer state zero, the held-out set drawn
    /// from the task's evaluation split with its own stream ([`evaluation_set`]).
    pub fn new(config: &TrainConfig) -> Result<Self, RunError> {
        let cell = config.model.cell;
        let dims = config.dims();
        let mut params = init_params::<F>(cell, dims, config.init, config.seed)?;
        if !config.model.recurrent_bias {
            params.bias_hh.fill(F::zero());
        }
        let model = Model::new(cell, dims, params);
        let optimizer = Optimizer::new(config.optimizer, &model.params);
        let eval_batch = evaluation_set(config.task(), config.seed, config.eval.size);
        let mut engine = Engine::new(cell, dims);
        engine.set_threads(config.threads());
        let eval_batch_f: Batch<F> = eval_batch.cast();
        let terms_rows = config.batch_size.min(eval_batch_f.batch_size());
        Ok(Self {
            optimizer,
            engine,
            eval_engine: Engine::new(cell, dims),
            grads: Params::zeros(cell, dims),
            rng: train_rng(config.seed),
            terms_batch: eval_batch_f.rows(0..terms_rows),
            eval_batch_f,
            eval_batch,
            model,
            config: config.clone(),
            step: 0,
            train_time: Duration::ZERO,
            idle_time: Duration::ZERO,
            diag_time: Duration::ZERO,
            last_profile: Profile::default(),
            spectral: None,
            terms: None,
            analysis_time: Duration::ZERO,
            analysis_taken: false,
        })
    }

    /// A run of `config` that carries on from `state` (saved by [`Trainer::state`] of a run of
    /// the same setup), or why the state does not fit.
    pub fn resume(config: &TrainConfig, state: TrainState<F>) -> Result<Self, RunError> {
        let mut t = Self::new(config)?;
        let (cell, dims) = (config.model.cell, config.dims());
        state
            .params
            .shapes_fit(cell, dims)
            .map_err(RunError::State)?;
        t.optimizer = Optimizer::restore(config.optimizer, &state.params, state.optimizer)
            .map_err(RunError::State)?;
        t.model = Model::new(cell, dims, state.params);
        t.rng.set_word_pos(state.rng_word_pos);
        t.step = state.step;
        t.train_time = Duration::from_secs_f64(state.elapsed_secs.max(0.0));
        Ok(t)
    }

    /// A fresh run of `config` whose initial weights are `params` (e.g. trained elsewhere),
    /// or why they do not fit.
    pub fn with_weights(config: &TrainConfig, params: Params<F>) -> Result<Self, RunError> {
        let mut t = Self::new(config)?;
        let (cell, dims) = (config.model.cell, config.dims());
        params.shapes_fit(cell, dims).map_err(RunError::State)?;
        t.optimizer = Optimizer::new(config.optimizer, &params);
        t.model = Model::new(cell, dims, params);
        Ok(t)
    }

    /// The state to carry the run on from later ([`Trainer::resume`]).
    pub fn state(&self) -> TrainState<F> {
        TrainState {
            step: self.step,
            params: self.model.params.clone(),
            optimizer: self.optimizer.state(),
            rng_word_pos: self.rng.get_word_pos(),
            elapsed_secs: self.train_time.as_secs_f64(),
        }
    }

    /// Trains on one new batch. A non-finite loss or gradient ends the run: the error names the
    /// step and the quantity, and the weights stay as they were before that update.
    pub fn step(&mut self) -> Result<StepMetrics, RunError> {
        let start = Instant::now();
        let task = self.config.task();
        let batch64 = task.batch(&mut self.rng, self.config.batch_size);
        let batch: Batch<F> = batch64.cast();
        let step_config = StepConfig {
            bptt: self.config.bptt,
            clip: self.config.clip,
            reduction: Reduction::Mean,
            train_bias_hh: self.config.model.recurrent_bias,
        };
        let lr = self.optimizer.config().lr();
        let stats = self
            .engine
            .train_step(
                &mut self.model,
                &mut self.optimizer,
                step_config,
                &batch,
                &mut self.grads,
            )
            .map_err(|source| RunError::Diverged {
                step: self.step + 1,
                source,
            })?;
        let metric = task.metric(&batch64, &to_f64(&self.engine.outputs()));
        self.step += 1;
        self.last_profile = stats.profile;
        self.train_time += start.elapsed();
        Ok(StepMetrics {
            step: self.step,
            loss: stats.loss,
            metric,
            grad_norm_pre_clip: stats.grad_norm_pre_clip,
            grad_norm_post_clip: stats.grad_norm_post_clip,
            clip_fraction: if stats.updates == 0 {
                0.0
            } else {
                stats.clipped_updates as f64 / stats.updates as f64
            },
            updates: u32::try_from(stats.updates).unwrap_or(u32::MAX),
            tensor_grad_norms: stats.tensor_grad_norms,
            lr,
            elapsed_secs: self.train_time.as_secs_f64(),
        })
    }

    /// Diagnostics after the latest step: its gradient profile, the spectra of `W_hh` and the
    /// terms of the BPTT sum (both skipped and carried over while they have cost more than
    /// 5 % of the training time), saturation and loss on the held-out set.
    pub fn diagnostics(&mut self) -> Diagnostics {
        let mut start = Instant::now();
        let spectral_due = self
            .spectral
            .as_ref()
            .is_none_or(|_| self.diag_time.as_secs_f64() <= 0.05 * self.budget_secs());
        if spectral_due {
            let w_hh = self.model.params.weight_hh.mapv(Scalar::as_f64);
            self.spectral = Some(Spectral::of(self.step, &w_hh, self.model.cell.gates()));
        }
        // The held-out loss is not in the budget: it is taken every time.
        self.diag_time += start.elapsed();
        let eval_loss = self.eval_engine.evaluate(
            &self.model.params,
            &self.eval_batch_f,
            InitialState::default(),
            Reduction::Mean,
        );
        let saturation = self.eval_engine.saturation();
        let eval_metric = self
            .config
            .task()
            .metric(&self.eval_batch, &to_f64(&self.eval_engine.outputs()));
        start = Instant::now();
        if spectral_due || self.terms.is_none() {
            // `grads` is scratch: every training step fills it anew.
            let options = GradOptions {
                bptt: self.config.bptt,
                reduction: Reduction::Mean,
                grad_x: false,
            };
            let terms = self.eval_engine.bptt_terms(
                &self.model.params,
                &self.terms_batch,
                InitialState::default(),
                options,
                &mut self.grads,
                |_| {},
            );
            self.terms = Some((terms, self.step));
        }
        self.diag_time += start.elapsed();
        let analysis = self.analysis();
        let (terms, terms_step) = self.terms.clone().unwrap_or_default();
        Diagnostics {
            step: self.step,
            profile: self.last_profile.clone(),
            spectral: self.spectral.clone().unwrap_or_default(),
            terms,
            terms_step,
            saturation,
            eval_loss,
            eval_metric,
            analysis,
        }
    }

    /// The analysis of the network on the first [`ANALYSIS_SEQUENCES`] held-out sequences,
    /// if it is on and due: the first time and at the last step, and in between while it
    /// has cost at most [`ANALYSIS_BUDGET`] of the training time. A network it cannot analyse (weights that
    /// are no longer finite) gives none.
    fn analysis(&mut self) -> Option<Box<Analysis>> {
        let over_budget = self.analysis_time.as_secs_f64() > ANALYSIS_BUDGET * self.budget_secs();
        // The last step's network is always analysed: a fast run's end is what it is about.
        let last = self.step >= self.config.steps;
        if !self.config.eval.analysis || (self.analysis_taken && over_budget && !last) {
            return None;
        }
        let start = Instant::now();
        let params: Params<f64> = self.model.params.cast();
        let options = AnalysisOptions {
            sequences: ANALYSIS_SEQUENCES,
            ..AnalysisOptions::default()
        };
        let analysis = analyze_with(&self.config, &params, &options);
        self.analysis_time += start.elapsed();
        self.analysis_taken = true;
        analysis.ok().map(Box::new)
    }

    /// The time the diagnostics' budgets are shares of: training and waiting for a speed cap.
    fn budget_secs(&self) -> f64 {
        (self.train_time + self.idle_time).as_secs_f64()
    }

    /// The run waited `waited` for a speed cap: the diagnostics' budgets count it with the
    /// training time, so a slowed run gets its diagnostics at every step.
    pub fn idle(&mut self, waited: Duration) {
        self.idle_time += waited;
    }

    /// Loss and metric on the held-out set, without the other diagnostics.
    pub fn evaluate(&mut self) -> (f64, f64) {
        let loss = self.eval_engine.evaluate(
            &self.model.params,
            &self.eval_batch_f,
            InitialState::default(),
            Reduction::Mean,
        );
        let metric = self
            .config
            .task()
            .metric(&self.eval_batch, &to_f64(&self.eval_engine.outputs()));
        (loss, metric)
    }

    /// Steps completed.
    pub fn steps_done(&self) -> u64 {
        self.step
    }

    /// Whether the configured number of steps is done.
    pub fn is_done(&self) -> bool {
        self.step >= self.config.steps
    }

    /// Changes the learning rate from the next update on.
    pub fn set_lr(&mut self, lr: f64) {
        self.optimizer.set_lr(lr);
    }

    /// The held-out evaluation set (in f64).
    pub fn evaluation_batch(&self) -> &Batch<f64> {
        &self.eval_batch
    }

    /// The model as it is now.
    pub fn model(&self) -> &Model<F> {
        &self.model
    }

    /// The config of this run.
    pub fn config(&self) -> &TrainConfig {
        &self.config
    }

    /// The task of this run.
    pub fn task(&self) -> &dyn Task {
        self.config.task()
    }
}

/// A trainer in the precision the config asks for.
#[derive(Debug)]
pub enum AnyTrainer {
    F32(Box<Trainer<f32>>),
    F64(Box<Trainer<f64>>),
}

macro_rules! dispatch {
    ($self:expr, $t:ident => $body:expr) => {
        match $self {
            AnyTrainer::F32($t) => $body,
            AnyTrainer::F64($t) => $body,
        }
    };
}

impl AnyTrainer {
    /// A fresh run in `config.precision`.
    pub fn new(config: &TrainConfig) -> Result<Self, RunError> {
        Ok(match config.precision {
            Precision::F32 => Self::F32(Box::new(Trainer::new(config)?)),
            Precision::F64 => Self::F64(Box::new(Trainer::new(config)?)),
        })
    }

    pub fn step(&mut self) -> Result<StepMetrics, RunError> {
        dispatch!(self, t => t.step())
    }

    pub fn diagnostics(&mut self) -> Diagnostics {
        dispatch!(self, t => t.diagnostics())
    }

    pub fn evaluate(&mut self) -> (f64, f64) {
        dispatch!(self, t => t.evaluate())
    }

    pub fn steps_done(&self) -> u64 {
        dispatch!(self, t => t.steps_done())
    }

    /// Training wall time so far (pauses and diagnostics excluded), in seconds.
    pub fn elapsed_secs(&self) -> f64 {
        dispatch!(self, t => t.train_time.as_secs_f64())
    }

    pub fn is_done(&self) -> bool {
        dispatch!(self, t => t.is_done())
    }

    pub fn set_lr(&mut self, lr: f64) {
        dispatch!(self, t => t.set_lr(lr));
    }

    /// The run waited `waited` for a speed cap ([`Trainer::idle`]).
    pub fn idle(&mut self, waited: Duration) {
        dispatch!(self, t => t.idle(waited));
    }

    pub fn config(&self) -> &TrainConfig {
        dispatch!(self, t => t.config())
    }

    /// The held-out evaluation set (in f64).
    pub fn evaluation_batch(&self) -> &Batch<f64> {
        dispatch!(self, t => t.evaluation_batch())
    }

    /// The current weights in f64 (PyTorch names via `nn::PARAM_NAMES`).
    pub fn params_f64(&self) -> Params<f64> {
        dispatch!(self, t => t.model().params.cast())
    }

    /// The state to carry the run on from ([`AnyTrainer::resume`]).
    pub fn state(&self) -> AnyTrainState {
        match self {
            Self::F32(t) => AnyTrainState::F32(Box::new(t.state())),
            Self::F64(t) => AnyTrainState::F64(Box::new(t.state())),
        }
    }

    /// A run of `config` carried on from `state`, which must be in `config.precision`.
    pub fn resume(config: &TrainConfig, state: AnyTrainState) -> Result<Self, RunError> {
        Ok(match (config.precision, state) {
            (Precision::F32, AnyTrainState::F32(s)) => {
                Self::F32(Box::new(Trainer::resume(config, *s)?))
            }
            (Precision::F64, AnyTrainState::F64(s)) => {
                Self::F64(Box::new(Trainer::resume(config, *s)?))
            }
            (p, s) => {
                return Err(RunError::State(format!(
                    "the saved state is in {}, the run in {}",
                    s.precision_name(),
                    match p {
                        Precision::F32 => "f32",
                        Precision::F64 => "f64",
                    }
                )));
            }
        })
    }

    /// A fresh run of `config` starting from the weights `params` (cast to its precision).
    pub fn with_weights(config: &TrainConfig, params: &Params<f64>) -> Result<Self, RunError> {
        Ok(match config.precision {
            Precision::F32 => Self::F32(Box::new(Trainer::with_weights(config, params.cast())?)),
            Precision::F64 => Self::F64(Box::new(Trainer::with_weights(config, params.clone())?)),
        })
    }
}

/// A [`TrainState`] in the precision of its run.
#[derive(Clone, Debug, PartialEq)]
pub enum AnyTrainState {
    F32(Box<TrainState<f32>>),
    F64(Box<TrainState<f64>>),
}

impl AnyTrainState {
    /// `f32` or `f64`.
    pub fn precision_name(&self) -> &'static str {
        match self {
            Self::F32(_) => "f32",
            Self::F64(_) => "f64",
        }
    }

    /// Steps done.
    pub fn step(&self) -> u64 {
        match self {
            Self::F32(s) => s.step,
            Self::F64(s) => s.step,
        }
    }
}
