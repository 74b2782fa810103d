//! Helpers the tasks share: one-hot symbol sequences padded to the batch's longest with a
//! mask, the arg-max, and the accuracy and loss of readout outputs.

use ndarray::{Array2, Array3, ArrayRef1, ArrayView2};
use rand::RngExt;
use rand_chacha::ChaCha8Rng;

use crate::nn::{Batch, Reduction, Target};

/// Index of the largest entry, the first one on ties; NaN never wins (all NaN gives 0).
pub fn argmax(row: &ArrayRef1<f64>) -> usize {
    let mut best = 0;
    let mut best_value = f64::NEG_INFINITY;
    for (k, &v) in row.iter().enumerate() {
        if v > best_value {
            best = k;
            best_value = v;
        }
    }
    best
}

/// The loss of readout outputs `[T, B, O]` on `batch` with mean reduction, exactly as the
/// engine computes it (`mse_last` reads the last step only; xent counts the masked terms).
#[track_caller]
pub fn mean_loss(batch: &Batch<f64>, outputs: &Array3<f64>) -> f64 {
    let (t, b) = (batch.seq_len(), batch.batch_size());
    let o = outputs.shape()[2];
    assert_eq!(
        (outputs.shape()[0], outputs.shape()[1]),
        (t, b),
        "outputs [T, B, O] must match the batch's T and B"
    );
    let outputs = outputs.as_standard_layout();
    let flat = ArrayView2::from_shape((t * b, o), outputs.as_slice().expect("standard layout"))
        .expect("outputs rows");
    let mut dout = Array2::zeros((t * b, o));
    let divisor = batch.divisor(0, t, Reduction::Mean);
    batch.loss_and_dout(&flat, 0, t, divisor, dout.view_mut())
}

/// Fraction of the counted terms (mask 1) of an xent batch whose arg-max output is the label;
/// NaN when nothing counts. Panics if the batch has no class targets.
#[track_caller]
pub fn masked_accuracy(batch: &Batch<f64>, outputs: &Array3<f64>) -> f64 {
    let Target::Classes { labels, mask } = &batch.target else {
        panic!("accuracy needs class targets, got {:?}", batch.loss_kind());
    };
    let (mut hits, mut terms) = (0.0, 0.0);
    for ((t, b), &m) in mask.indexed_iter() {
        if m != 0.0 {
            terms += m;
            if argmax(&outputs.slice(ndarray::s![t, b, ..])) == labels[[t, b]] {
                hits += m;
            }
        }
    }
    hits / terms
}

/// One sequence of a symbolic task: the input symbol of each step, the label of each step and
/// whether that step's label counts in the loss.
#[derive(Clone, Debug, Default)]
pub(crate) struct SymbolSeq {
    pub inputs: Vec<usize>,
    pub labels: Vec<usize>,
    pub counts: Vec<bool>,
}

/// One-hot inputs `x [T, B, input_size]` and class targets for `seqs`, padded to the longest
/// sequence: padding steps have all-zero inputs, label 0 and mask 0. Padding sits after the
/// last real step, so a causal network never reads it before a counted step.
pub(crate) fn pad_symbols(seqs: &[SymbolSeq], input_size: usize) -> Batch<f64> {
    let t_max = seqs.iter().map(|s| s.inputs.len()).max().unwrap_or(0);
    let b = seqs.len();
    let mut x = Array3::zeros((t_max, b, input_size));
    let mut labels = Array2::zeros((t_max, b));
    let mut mask = Array2::zeros((t_max, b));
    for (bi, seq) in seqs.iter().enumerate() {
        debug_assert_eq!(seq.inputs.len(), seq.labels.len());
        debug_assert_eq!(seq.inputs.len(), seq.counts.len());
        for (t, ((&sym, &label), &counts)) in seq
            .inputs
            .iter()
            .zip(&seq.labels)
            .zip(&seq.counts)
            .enumerate()
        {
            x[[t, bi, sym]] = 1.0;
            labels[[t, bi]] = label;
            mask[[t, bi]] = if counts { 1.0 } else { 0.0 };
        }
    }
    Batch {
        x,
        target: Target::Classes { labels, mask },
    }
}

/// A standard normal draw (Box–Muller, one value per pair of uniforms).
pub(crate) fn normal(rng: &mut ChaCha8Rng) -> f64 {
    let u1: f64 = 1.0 - rng.random::<f64>(); // (0, 1]
    let u2: f64 = rng.random::<f64>();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// Logits that put probability `p[k]` on class `k` (`ln p`, with zero probabilities at
/// −1e9 so they never win and cost nothing).
pub(crate) fn log_probs(p: &[f64]) -> Vec<f64> {
    p.iter()
        .map(|&v| if v > 0.0 { v.ln() } else { -1e9 })
        .collect()
}

/// `[T, B, O]` outputs that repeat `logits` at every step and sequence.
pub(crate) fn constant_outputs(t: usize, b: usize, logits: &[f64]) -> Array3<f64> {
    Array3::from_shape_fn((t, b, logits.len()), |(_, _, k)| logits[k])
}

/// Entropy `−Σ p ln p` in nats of a distribution given by counts.
pub(crate) fn entropy_of_counts(counts: &[f64]) -> f64 {
    let total: f64 = counts.iter().sum();
    counts
        .iter()
        .filter(|&&c| c > 0.0)
        .map(|&c| {
            let p = c / total;
            -p * p.ln()
        })
        .sum()
}

/// The [`super::Task`] methods every classification task scored by accuracy shares: the
/// baseline `ln n` of a uniform guess over `n` classes (its accuracy `1/n`), the accuracy over
/// the counted terms as metric, and "solved" at an accuracy of at least `solved`. `rule` says
/// what solved means in words. Used inside `impl Task for …`.
macro_rules! accuracy_over_classes {
    (classes: $n:expr, solved: $solved:expr, rule: $rule:expr) => {
        fn baseline(&self) -> f64 {
            f64::from($n).ln()
        }

        fn baseline_formula(&self) -> String {
            format!("ln {n} (a uniform guess over {n} classes)", n = $n)
        }

        fn metric_name(&self) -> &'static str {
            "accuracy"
        }

        fn metric(&self, batch: &Batch<f64>, outputs: &ndarray::Array3<f64>) -> f64 {
            super::common::masked_accuracy(batch, outputs)
        }

        fn metric_baseline(&self) -> Option<f64> {
            Some(1.0 / f64::from($n))
        }

        fn solved(&self, metric: f64) -> bool {
            metric >= $solved
        }

        fn solved_rule(&self) -> String {
            $rule.into()
        }

        fn trivial_outputs(&self, batch: &Batch<f64>) -> Option<ndarray::Array3<f64>> {
            Some(super::common::constant_outputs(
                batch.seq_len(),
                batch.batch_size(),
                &[0.0; $n as usize],
            ))
        }
    };
}
pub(crate) use accuracy_over_classes;
