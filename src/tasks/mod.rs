//! Sequence tasks: the classic long-memory benchmarks, each a pinned variant from the
//! literature with its trivial baseline, a task metric and a "solved" predicate.
//!
//! Generators are deterministic for a seed: training batches come from stream 0 of a `ChaCha8`
//! generator seeded with the run's seed, the held-out evaluation set from stream 1
//! ([`train_rng`], [`eval_rng`]) and the initial weights from stream 2
//! ([`crate::nn::init::INIT_STREAM`]): no two share a draw. The held-out set is drawn from the
//! task's evaluation split ([`Task::evaluation_batch`]): for the digits the test rows, for
//! text the last 10 % of the corpus, for Mackey–Glass and a CSV series the last part of the
//! series, which no training window touches; for the generated tasks, fresh sequences of the
//! same generator.
//!
//! | task | file | loss | metric | baseline |
//! |---|---|---|---|---|
//! | adding | [`adding`] | `mse_last` | MSE | 1/6 |
//! | copy | [`copy`] | `xent`, all steps | accuracy on the last 10 | 10·ln 8/(T+20) |
//! | temporal order | [`temporal_order`] | `xent`, last step | accuracy | ln 4 |
//! | embedded Reber | [`reber`] | `xent`, all steps | strings predicted legally | unigram entropy |
//! | parity | [`parity`] | `xent` | accuracy | ln 2 |
//! | sine / Mackey–Glass | [`sine`] | `mse_all` | MSE | MSE of repeating the last value |
//! | sequential digits | [`digits`] | `xent`, last step | test accuracy | ln 10 |
//! | text | [`text`] | `xent`, all steps | bits per char | unigram entropy |
//! | csv | [`csv`] (file: [`csv_file`]) | `mse_last`, scaled | RMSE in the file's units | persistence (next = last) |
//!
//! A task is built from a [`TaskConfig`] (plain data, read from presets);
//! [`task_table`] lists every task with its default settings and baseline.

pub mod adding;
pub mod common;
pub mod config;
pub mod copy;
pub mod csv;
pub mod csv_file;
pub mod digits;
pub mod error;
pub mod parity;
pub mod reber;
pub mod sine;
pub mod table;
pub mod temporal_order;
pub mod text;

pub use common::{argmax, masked_accuracy, mean_loss};
pub use config::TaskConfig;
pub use csv::{CsvSeries, CsvSettings, Missing, Normalize};
pub use csv_file::{Column, CsvError, Delimiter, HeaderRow};
pub use digits::PixelOrder;
pub use error::TaskError;
pub use sine::Series;
pub use table::{TaskRow, format_task_table, task_rows, task_table};

use ndarray::Array3;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::nn::{Batch, LossKind};

/// A sequence task. Batches are generated in f64 and cast by the caller
/// ([`Batch::cast`]); variable-length tasks pad to the batch's longest sequence and mask the
/// padding out of the loss.
pub trait Task: Send + Sync + std::fmt::Debug {
    /// Short name, as in configs (`adding`, `copy`, …).
    fn name(&self) -> &'static str;
    /// Input size I (one-hot width for symbolic tasks).
    fn input_size(&self) -> usize;
    /// Output size O (number of classes for xent).
    fn output_size(&self) -> usize;
    /// The loss the task trains with.
    fn loss_kind(&self) -> LossKind;
    /// The longest sequence a batch can have (the length of every batch for fixed-length tasks).
    fn max_seq_len(&self) -> usize;
    /// A batch of `batch_size` sequences drawn from `rng`.
    fn batch(&self, rng: &mut ChaCha8Rng, batch_size: usize) -> Batch<f64>;
    /// The trivial baseline of the loss (what a model that ignores the input achieves),
    /// drawn as a horizontal line under the loss curve.
    fn baseline(&self) -> f64;
    /// Name of the task metric (`mse`, `accuracy`, `bits_per_char`, …).
    fn metric_name(&self) -> &'static str;
    /// The task metric for a batch and the readout outputs `[T, B, O]` of the steps whose loss
    /// was computed.
    fn metric(&self, batch: &Batch<f64>, outputs: &Array3<f64>) -> f64;
    /// Whether a metric value means the task is solved.
    fn solved(&self, metric: f64) -> bool;

    /// The baseline as a formula with the task's numbers, e.g. `10·ln 8/(T+20), T = 100`.
    fn baseline_formula(&self) -> String {
        String::new()
    }

    /// The task metric of the trivial predictor, where it has a simple value (25 % for four
    /// balanced classes); `None` otherwise.
    fn metric_baseline(&self) -> Option<f64> {
        None
    }

    /// What "solved" means, in words (`mse < 0.01`, `accuracy ≥ 99 %`, …).
    fn solved_rule(&self) -> String {
        String::new()
    }

    /// The readout outputs `[T, B, O]` of the trivial predictor behind [`Task::baseline`]
    /// for `batch` (for xent: logits), so that `mean_loss(batch, outputs)` measures the
    /// baseline on generated data; `None` where the task does not define one.
    fn trivial_outputs(&self, batch: &Batch<f64>) -> Option<Array3<f64>> {
        let _ = batch;
        None
    }

    /// What a run records about its data beyond the config, for `summary.json` (`task.data`):
    /// for a CSV series its file, hash, split, the scaling of each column (to map predictions
    /// back to the file's units) and the baselines; `None` for generated tasks.
    fn data_summary(&self) -> Option<serde_json::Value> {
        None
    }

    /// The config that names exactly the data this task was built on, where it can say more
    /// than the config it was built from (a CSV file's SHA-256, filled in); `None` otherwise.
    fn pinned_config(&self) -> Option<TaskConfig> {
        None
    }

    /// The task as a CSV series, for what the app draws of one (its file's lines, the series
    /// with its split, a forecast of the held-out part); `None` for every other task.
    fn csv_series(&self) -> Option<&csv::CsvSeries> {
        None
    }

    /// A batch of the held-out evaluation data drawn from `rng`. For synthetic tasks it is a
    /// batch like any other; tasks with real data draw it from their test split.
    fn evaluation_batch(&self, rng: &mut ChaCha8Rng, batch_size: usize) -> Batch<f64> {
        self.batch(rng, batch_size)
    }
}

/// The generator of training batches for `seed` (stream 0).
pub fn train_rng(seed: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(0);
    rng
}

/// The generator of the held-out evaluation set for `seed` (stream 1).
pub fn eval_rng(seed: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(1);
    rng
}

/// The fixed held-out evaluation set of `task` for `seed`: `n` sequences from the evaluation
/// stream ([`eval_rng`]) through [`Task::evaluation_batch`]. The same seed gives the same set.
pub fn evaluation_set(task: &dyn Task, seed: u64, n: usize) -> Batch<f64> {
    task.evaluation_batch(&mut eval_rng(seed), n)
}

/// The loss of the trivial predictor of `task` on `batch` ([`Task::trivial_outputs`]), the
/// baseline as measured on data; `None` where the task defines no trivial predictor.
pub fn measured_baseline(task: &dyn Task, batch: &Batch<f64>) -> Option<f64> {
    task.trivial_outputs(batch)
        .map(|outputs| mean_loss(batch, &outputs))
}
