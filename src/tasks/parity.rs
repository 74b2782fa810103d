//! Parity of a random bit stream: the running XOR at every step, or the parity of the whole
//! sequence at its end (the setting `at_end`: the parity problem of Bengio, Simard & Frasconi
//! 1994, "Learning long-term dependencies with gradient descent is difficult", hard for a
//! gradient method because the answer depends on every bit and is only given at the end).
//!
//! ## Generator
//!
//! Each sequence draws T fair bits `b_t ∈ {0, 1}` in order; the input is the bit itself, one
//! channel (I = 1). The label at step t is `b_0 ⊕ … ⊕ b_t` (O = 2 classes). Running parity
//! counts every step (mask all ones); parity at the end counts only the last step.
//!
//! ## Baseline: ln 2, 50 %
//!
//! Every label is a fair coin (the XOR of fair bits is fair), independent of anything short of
//! all the bits up to its step, so a model that ignores the input can only guess: `ln 2 ≈ 0.693`,
//! accuracy 50 %.
//!
//! ## Metric and solved
//!
//! Accuracy over the counted steps; solved at ≥ 99 %.

use ndarray::{Array2, Array3};
use rand::RngExt;
use rand_chacha::ChaCha8Rng;

use super::common::accuracy_over_classes;
use super::error::{MAX_SEQ_LEN, check_range};
use super::{Task, TaskError};
use crate::nn::{Batch, LossKind, Target};

/// Accuracy at or above which the task is solved.
pub const SOLVED_ACCURACY: f64 = 0.99;

/// Parity of T bits, at every step or at the end.
#[derive(Clone, Debug)]
pub struct Parity {
    seq_len: usize,
    at_end: bool,
}

impl Parity {
    /// Parity of `seq_len` T ∈ 1..=[`MAX_SEQ_LEN`] bits.
    pub fn new(seq_len: usize, at_end: bool) -> Result<Self, TaskError> {
        check_range("parity", "seq_len", seq_len, 1, MAX_SEQ_LEN)?;
        Ok(Self { seq_len, at_end })
    }

    /// Whether only the parity at the end counts.
    pub fn at_end(&self) -> bool {
        self.at_end
    }
}

impl Task for Parity {
    fn name(&self) -> &'static str {
        "parity"
    }

    fn input_size(&self) -> usize {
        1
    }

    fn output_size(&self) -> usize {
        2
    }

    fn loss_kind(&self) -> LossKind {
        LossKind::Xent
    }

    fn max_seq_len(&self) -> usize {
        self.seq_len
    }

    fn batch(&self, rng: &mut ChaCha8Rng, batch_size: usize) -> Batch<f64> {
        let t_len = self.seq_len;
        let mut x = Array3::zeros((t_len, batch_size, 1));
        let mut labels = Array2::zeros((t_len, batch_size));
        let mut mask = Array2::zeros((t_len, batch_size));
        for b in 0..batch_size {
            let mut parity = 0;
            for t in 0..t_len {
                let bit = usize::from(rng.random::<bool>());
                parity ^= bit;
                x[[t, b, 0]] = bit as f64;
                labels[[t, b]] = parity;
                if !self.at_end || t == t_len - 1 {
                    mask[[t, b]] = 1.0;
                }
            }
        }
        Batch {
            x,
            target: Target::Classes { labels, mask },
        }
    }

    accuracy_over_classes!(classes: 2, solved: SOLVED_ACCURACY, rule: "accuracy ≥ 99 %");
}
