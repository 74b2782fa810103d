//! The training runtime that both the GUI and the command line drive: a run's config, the
//! trainer that steps it, the worker thread that streams its metrics, and its history.

pub mod config;
pub mod example;
pub mod history;
pub mod metrics;
pub mod sample;
pub mod trainer;
pub mod worker;

pub use config::{ConfigError, EvalConfig, ModelConfig, Precision, Setup, TrainConfig};
pub use history::{AnalysisPoint, History};
pub use metrics::{Diagnostics, DiagnosticsClock, STEP_COLUMNS, Spectral, StepMetrics};
pub use trainer::{AnyTrainState, AnyTrainer, RunError, TrainState, Trainer};
pub use worker::{
    Command, Event, MakeRecord, Pace, Record, RecordEnd, RunOutcome, Trainable, Worker,
};
