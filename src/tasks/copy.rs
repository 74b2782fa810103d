//! The copy (copying memory) task of Arjovsky, Shah & Bengio (2016, "Unitary evolution
//! recurrent neural networks", §4.1).
//!
//! ## Generator
//!
//! Ten categories `a₀ … a₉`: `a₀` is the blank, `a₁ … a₈` the data symbols, `a₉` the delimiter.
//! With delay T, a sequence has T + 20 steps:
//!
//! ```text
//! input:  s₁ … s₁₀  a₀ × (T−1)  a₉  a₀ × 10        sᵢ ~ U{a₁, …, a₈}, independent, in order
//! target: a₀ × (T+10)                s₁ … s₁₀
//! ```
//!
//! Inputs are one-hot over the 10 categories (I = 10); the targets are classes over
//! `a₀ … a₈` (O = 9: the delimiter is never a target). The loss is `xent` over all T + 20
//! steps (mask all ones).
//!
//! ## Baseline: 10·ln 8/(T+20)
//!
//! The memoryless strategy predicts `a₀` with certainty for the first T + 10 steps (cost 0)
//! and a uniform guess over the 8 symbols for the last 10 (cost ln 8 each); averaged over the
//! T + 20 steps that is `10·ln 8/(T+20)` (≈ 0.1733 for T = 100). A model below that line has
//! remembered something of the symbols.
//!
//! ## Metric and solved
//!
//! Accuracy of the arg-max over the last 10 steps (the copied symbols; the trivial guess gets
//! 1/8). Solved at ≥ 99 %.

use ndarray::{Array2, Array3, s};
use rand::RngExt;
use rand_chacha::ChaCha8Rng;

use super::common::argmax;
use super::error::{MAX_SEQ_LEN, check_range};
use super::{Task, TaskError};
use crate::nn::{Batch, LossKind, Target};

/// Number of symbols to copy.
pub const COPY_LEN: usize = 10;
/// Number of data symbols `a₁ … a₈`.
pub const SYMBOLS: usize = 8;
/// The blank `a₀`.
pub const BLANK: usize = 0;
/// The delimiter `a₉`.
pub const DELIMITER: usize = 9;
/// Accuracy on the copied symbols at or above which the task is solved.
pub const SOLVED_ACCURACY: f64 = 0.99;

/// The copy task with delay T (sequences of T + 20 steps).
#[derive(Clone, Debug)]
pub struct CopyTask {
    delay: usize,
}

impl CopyTask {
    /// The copy task with `delay` T ∈ 1..=[`MAX_SEQ_LEN`] − 20.
    pub fn new(delay: usize) -> Result<Self, TaskError> {
        check_range("copy", "delay", delay, 1, MAX_SEQ_LEN - 2 * COPY_LEN)?;
        Ok(Self { delay })
    }

    /// The delay T.
    pub fn delay(&self) -> usize {
        self.delay
    }
}

impl Task for CopyTask {
    fn name(&self) -> &'static str {
        "copy"
    }

    fn input_size(&self) -> usize {
        SYMBOLS + 2
    }

    fn output_size(&self) -> usize {
        SYMBOLS + 1
    }

    fn loss_kind(&self) -> LossKind {
        LossKind::Xent
    }

    fn max_seq_len(&self) -> usize {
        self.delay + 2 * COPY_LEN
    }

    fn batch(&self, rng: &mut ChaCha8Rng, batch_size: usize) -> Batch<f64> {
        let t_len = self.max_seq_len();
        let delim_at = COPY_LEN + self.delay - 1;
        let out_from = self.delay + COPY_LEN;
        let mut x = Array3::zeros((t_len, batch_size, SYMBOLS + 2));
        let mut labels = Array2::from_elem((t_len, batch_size), BLANK);
        for b in 0..batch_size {
            for i in 0..COPY_LEN {
                let sym = rng.random_range(1..=SYMBOLS);
                x[[i, b, sym]] = 1.0;
                labels[[out_from + i, b]] = sym;
            }
            for t in COPY_LEN..t_len {
                let sym = if t == delim_at { DELIMITER } else { BLANK };
                x[[t, b, sym]] = 1.0;
            }
        }
        Batch {
            x,
            target: Target::Classes {
                labels,
                mask: Array2::ones((t_len, batch_size)),
            },
        }
    }

    fn baseline(&self) -> f64 {
        COPY_LEN as f64 * (SYMBOLS as f64).ln() / self.max_seq_len() as f64
    }

    fn baseline_formula(&self) -> String {
        format!("10·ln 8/(T+20), T = {}", self.delay)
    }

    fn metric_name(&self) -> &'static str {
        "accuracy_last_10"
    }

    /// Accuracy over the last 10 steps of every sequence.
    fn metric(&self, batch: &Batch<f64>, outputs: &Array3<f64>) -> f64 {
        let Target::Classes { labels, .. } = &batch.target else {
            panic!("copy batches have class targets");
        };
        let t_len = batch.seq_len();
        let mut hits = 0usize;
        for t in t_len - COPY_LEN..t_len {
            for b in 0..batch.batch_size() {
                hits += usize::from(argmax(&outputs.slice(s![t, b, ..])) == labels[[t, b]]);
            }
        }
        hits as f64 / (COPY_LEN * batch.batch_size()) as f64
    }

    fn metric_baseline(&self) -> Option<f64> {
        Some(1.0 / SYMBOLS as f64)
    }

    fn solved(&self, metric: f64) -> bool {
        metric >= SOLVED_ACCURACY
    }

    fn solved_rule(&self) -> String {
        "accuracy on the last 10 ≥ 99 %".into()
    }

    /// Blank with certainty for the first T + 10 steps, uniform over `a₁ … a₈` for the last 10.
    fn trivial_outputs(&self, batch: &Batch<f64>) -> Option<Array3<f64>> {
        let t_len = batch.seq_len();
        Some(Array3::from_shape_fn(
            (t_len, batch.batch_size(), SYMBOLS + 1),
            |(t, _, k)| {
                let copying = t >= t_len - COPY_LEN;
                match (copying, k == BLANK) {
                    (false, true) | (true, false) => 0.0,
                    _ => -1e9,
                }
            },
        ))
    }
}
