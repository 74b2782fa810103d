//! Sequence tasks: the classic long-memory benchmarks, each a pinned variant from the
//! literature with its trivial baseline, a task metric and a "solved" predicate.
//!
//! Generators are deterministic for a seed: training batches come from stream 0 of a ChaCha8
//! generator seeded with the run's seed, the held-out evaluation set from stream 1
//! ([`train_rng`], [`eval_rng`]), so the evaluation set never overlaps the training stream.

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
