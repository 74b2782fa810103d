//! The temporal order problem, experiment 6a of Hochreiter & Schmidhuber (1997, "Long
//! short-term memory", §5.6, "two relevant, widely separated symbols"), scalable in its length.
//!
//! ## Generator
//!
//! Eight symbols, one-hot (I = 8): distractors `a b c d`, the relevant `X Y`, the start symbol
//! `E` and the trigger `B`. With the scale L (100 in the paper), each sequence draws, in order:
//!
//! - its length `n ~ U{L, …, round(1.1·L)}` (100…110),
//! - `t₁ ~ U{round(0.1·L), …, round(0.2·L)}` (10…20) and `t₂ ~ U{round(0.5·L), …, round(0.6·L)}`
//!   (50…60), positions counted from 1 as in the paper,
//! - the symbols at `t₁` and `t₂`, each X or Y with probability 1/2,
//! - a distractor `~ U{a, b, c, d}` for every other position from 2 to n − 1.
//!
//! Position 1 is `E`, position n is `B`. The class (O = 4) is the order of the two relevant
//! symbols: `X,X → Q`, `X,Y → R`, `Y,X → S`, `Y,Y → U` (class indices 0, 1, 2, 3). It is the
//! target at the last step only (`xent` with mask 1 at step n); a batch is padded with zero
//! inputs and mask 0 to its longest sequence.
//!
//! ## Baseline: ln 4, 25 %
//!
//! The four classes are equally likely and independent of everything but the two relevant
//! symbols, so a model that has not found them can do no better than a uniform guess:
//! cross-entropy `ln 4 ≈ 1.386`, accuracy 25 %.
//!
//! ## Metric and solved
//!
//! Accuracy of the class at the last step. Hochreiter & Schmidhuber count the task solved when
//! every test sequence is classified with all output errors below 0.3; here it is solved at an
//! accuracy of at least 99 % on the evaluation set.

use rand::RngExt;
use rand_chacha::ChaCha8Rng;

use super::common::{SymbolSeq, accuracy_over_classes, pad_symbols};
use super::error::{MAX_SEQ_LEN, check_range};
use super::{Task, TaskError};
use crate::nn::{Batch, LossKind};

/// Symbol indices of the one-hot input.
pub mod symbol {
    pub const A: usize = 0;
    pub const B_DISTRACTOR: usize = 1;
    pub const C: usize = 2;
    pub const D: usize = 3;
    pub const X: usize = 4;
    pub const Y: usize = 5;
    /// The start symbol `E`.
    pub const START: usize = 6;
    /// The trigger symbol `B`.
    pub const TRIGGER: usize = 7;
}

/// The smallest scale L: keeps `t₁ ≥ 2` (after the start symbol) and `t₁ < t₂ < L`.
pub const MIN_LENGTH: usize = 20;
/// Accuracy at or above which the task is solved.
pub const SOLVED_ACCURACY: f64 = 0.99;

/// Temporal order, exp. 6a, with scale L.
#[derive(Clone, Debug)]
pub struct TemporalOrder {
    length: usize,
    len_range: (usize, usize),
    t1_range: (usize, usize),
    t2_range: (usize, usize),
}

/// `round(frac · l)` for the ranges of the generator.
fn scaled(l: usize, frac: f64) -> usize {
    (frac * l as f64).round() as usize
}

impl TemporalOrder {
    /// Temporal order with scale `length` L ∈ [`MIN_LENGTH`]..=[`MAX_SEQ_LEN`]/1.1.
    pub fn new(length: usize) -> Result<Self, TaskError> {
        check_range(
            "temporal_order",
            "length",
            length,
            MIN_LENGTH,
            MAX_SEQ_LEN * 10 / 11,
        )?;
        Ok(Self {
            length,
            len_range: (length, scaled(length, 1.1)),
            t1_range: (scaled(length, 0.1), scaled(length, 0.2)),
            t2_range: (scaled(length, 0.5), scaled(length, 0.6)),
        })
    }

    /// The scale L.
    pub fn length(&self) -> usize {
        self.length
    }

    /// Inclusive ranges of the length n and of the 1-based positions t₁ and t₂.
    pub fn ranges(&self) -> [(usize, usize); 3] {
        [self.len_range, self.t1_range, self.t2_range]
    }

    fn sequence(&self, rng: &mut ChaCha8Rng) -> SymbolSeq {
        let n = rng.random_range(self.len_range.0..=self.len_range.1);
        let t1 = rng.random_range(self.t1_range.0..=self.t1_range.1);
        let t2 = rng.random_range(self.t2_range.0..=self.t2_range.1);
        let first_is_y = rng.random::<bool>();
        let second_is_y = rng.random::<bool>();
        let relevant = |is_y: bool| if is_y { symbol::Y } else { symbol::X };
        let mut inputs = Vec::with_capacity(n);
        for pos in 1..=n {
            inputs.push(match pos {
                1 => symbol::START,
                p if p == n => symbol::TRIGGER,
                p if p == t1 => relevant(first_is_y),
                p if p == t2 => relevant(second_is_y),
                _ => rng.random_range(symbol::A..=symbol::D),
            });
        }
        let class = 2 * usize::from(first_is_y) + usize::from(second_is_y);
        let mut labels = vec![0; n];
        labels[n - 1] = class;
        let mut counts = vec![false; n];
        counts[n - 1] = true;
        SymbolSeq {
            inputs,
            labels,
            counts,
        }
    }
}

impl Task for TemporalOrder {
    fn name(&self) -> &'static str {
        "temporal_order"
    }

    fn input_size(&self) -> usize {
        8
    }

    fn output_size(&self) -> usize {
        4
    }

    fn loss_kind(&self) -> LossKind {
        LossKind::Xent
    }

    fn max_seq_len(&self) -> usize {
        self.len_range.1
    }

    fn batch(&self, rng: &mut ChaCha8Rng, batch_size: usize) -> Batch<f64> {
        let seqs: Vec<SymbolSeq> = (0..batch_size).map(|_| self.sequence(rng)).collect();
        pad_symbols(&seqs, self.input_size())
    }

    accuracy_over_classes!(classes: 4, solved: SOLVED_ACCURACY, rule: "accuracy ≥ 99 %");
}
