//! The adding problem, in the variant of Le, Jaitly & Hinton (2015, "A simple way to initialize
//! recurrent networks of rectified linear units", §4.1) and Arjovsky, Shah & Bengio (2016,
//! "Unitary evolution recurrent neural networks", §4.2).
//!
//! ## Generator
//!
//! Each sequence has T steps and 2 input channels. Channel 0 holds values `v_t ~ U[0, 1)`,
//! drawn for t = 0..T−1 in order; channel 1 is 0 except for two markers (value 1): the first at
//! `i₁ ~ U{0, …, ⌊T/2⌋−1}` (first half), the second at `i₂ ~ U{⌊T/2⌋, …, T−1}` (second half),
//! drawn after the values. The target is `y = v_{i₁} + v_{i₂}`, compared with the readout of the
//! last step (`mse_last`, O = 1).
//!
//! ## Baseline: 1/6
//!
//! A model that ignores the input predicts a constant c; the best constant is `E[y] = 1`, with
//! MSE `Var(y) = Var(v_{i₁}) + Var(v_{i₂}) = 1/12 + 1/12 = 1/6 ≈ 0.1667`.
//!
//! ## Metric and solved
//!
//! The metric is the MSE itself; the task counts as solved below 0.01 (as in Arjovsky et al.'s
//! plots, an order of magnitude under the baseline).

use ndarray::{Array2, Array3};
use rand::RngExt;
use rand_chacha::ChaCha8Rng;

use super::error::{MAX_SEQ_LEN, check_range};
use super::{Task, TaskError, mean_loss};
use crate::nn::{Batch, LossKind, Target};

/// MSE below which the adding problem is solved.
pub const SOLVED_MSE: f64 = 0.01;

/// The adding problem with sequence length T.
#[derive(Clone, Debug)]
pub struct Adding {
    seq_len: usize,
}

impl Adding {
    /// The adding problem with `seq_len` T ∈ 2..=[`MAX_SEQ_LEN`].
    pub fn new(seq_len: usize) -> Result<Self, TaskError> {
        check_range("adding", "seq_len", seq_len, 2, MAX_SEQ_LEN)?;
        Ok(Self { seq_len })
    }
}

impl Task for Adding {
    fn name(&self) -> &'static str {
        "adding"
    }

    fn input_size(&self) -> usize {
        2
    }

    fn output_size(&self) -> usize {
        1
    }

    fn loss_kind(&self) -> LossKind {
        LossKind::MseLast
    }

    fn max_seq_len(&self) -> usize {
        self.seq_len
    }

    fn batch(&self, rng: &mut ChaCha8Rng, batch_size: usize) -> Batch<f64> {
        let t_len = self.seq_len;
        let half = t_len / 2;
        let mut x = Array3::zeros((t_len, batch_size, 2));
        let mut y = Array2::zeros((batch_size, 1));
        for b in 0..batch_size {
            for t in 0..t_len {
                x[[t, b, 0]] = rng.random::<f64>();
            }
            let i1 = rng.random_range(0..half);
            let i2 = rng.random_range(half..t_len);
            x[[i1, b, 1]] = 1.0;
            x[[i2, b, 1]] = 1.0;
            y[[b, 0]] = x[[i1, b, 0]] + x[[i2, b, 0]];
        }
        Batch {
            x,
            target: Target::Last(y),
        }
    }

    fn baseline(&self) -> f64 {
        1.0 / 6.0
    }

    fn baseline_formula(&self) -> String {
        "Var(v₁ + v₂) = 2·(1/12) = 1/6 (predict 1)".into()
    }

    fn metric_name(&self) -> &'static str {
        "mse"
    }

    fn metric(&self, batch: &Batch<f64>, outputs: &Array3<f64>) -> f64 {
        mean_loss(batch, outputs)
    }

    fn metric_baseline(&self) -> Option<f64> {
        Some(self.baseline())
    }

    fn solved(&self, metric: f64) -> bool {
        metric < SOLVED_MSE
    }

    fn solved_rule(&self) -> String {
        format!("mse < {SOLVED_MSE}")
    }

    fn trivial_outputs(&self, batch: &Batch<f64>) -> Option<Array3<f64>> {
        Some(Array3::ones((batch.seq_len(), batch.batch_size(), 1)))
    }
}
