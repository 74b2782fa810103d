//! Losses on the linear readout `out_t = h_t W_oᵀ + b_o` (`[B, O]`), and the batch they read.
//!
//! With mean reduction (PyTorch's default):
//!
//! ```text
//! mse_last = Σ_{b,o} (out_T − y)² / (B·O)                     y [B, O]
//! mse_all  = Σ_{t,b,o} (out_t − y_t)² / (T·B·O)               y [T, B, O]
//! xent     = Σ_{t,b} m_{t,b} · CE(out_t[b], y_{t,b}) / Σ m     y [T, B] class indices, m 0/1
//! CE(z, k) = −log softmax(z)_k = logsumexp(z) − z_k
//! ```
//!
//! With sum reduction the divisor is 1. Gradients with respect to the readout output:
//! `2 (out − y) / D` for the squared errors and `m (softmax(z) − onehot(k)) / D` for xent.

use ndarray::{Array2, Array3, ArrayView2};
use serde::{Deserialize, Serialize};

use super::Scalar;

/// Which loss a task trains with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LossKind {
    /// Squared error of the last step only.
    MseLast,
    /// Squared error averaged over all steps.
    MseAll,
    /// Masked softmax cross-entropy over all steps.
    Xent,
}

impl LossKind {
    /// The name used on the command line (`mse_last`, `mse_all`, `xent`).
    pub fn name(self) -> &'static str {
        match self {
            Self::MseLast => "mse_last",
            Self::MseAll => "mse_all",
            Self::Xent => "xent",
        }
    }
}

/// How the loss terms are combined.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reduction {
    /// Divide by the number of terms (mask sum for xent), as PyTorch's default.
    #[default]
    Mean,
    /// Plain sum.
    Sum,
}

/// Targets of a batch; the variant decides the loss.
#[derive(Clone, Debug, PartialEq)]
pub enum Target<F> {
    /// `mse_last`: `y [B, O]`, compared with the readout of the last step.
    Last(Array2<F>),
    /// `mse_all`: `y [T, B, O]`.
    All(Array3<F>),
    /// `xent`: class indices `labels [T, B]` and a 0/1 `mask [T, B]` of the terms that count.
    Classes {
        labels: Array2<usize>,
        mask: Array2<F>,
    },
}

/// One batch of sequences: inputs `x [T, B, I]` and their targets.
#[derive(Clone, Debug, PartialEq)]
pub struct Batch<F> {
    pub x: Array3<F>,
    pub target: Target<F>,
}

impl<F: Scalar> Batch<F> {
    /// Sequence length T.
    pub fn seq_len(&self) -> usize {
        self.x.shape()[0]
    }

    /// Batch size B.
    pub fn batch_size(&self) -> usize {
        self.x.shape()[1]
    }

    /// Input size I.
    pub fn input_size(&self) -> usize {
        self.x.shape()[2]
    }

    /// The loss this batch's targets call for.
    pub fn loss_kind(&self) -> LossKind {
        match self.target {
            Target::Last(_) => LossKind::MseLast,
            Target::All(_) => LossKind::MseAll,
            Target::Classes { .. } => LossKind::Xent,
        }
    }

    /// Panics with the offending shape if the targets do not fit `x` and `output` classes
    /// or values. Labels must be below `output`.
    #[track_caller]
    pub fn check_shapes(&self, output: usize) {
        let (t, b) = (self.seq_len(), self.batch_size());
        match &self.target {
            Target::Last(y) => assert_eq!(y.dim(), (b, output), "mse_last target y [B, O]"),
            Target::All(y) => assert_eq!(y.dim(), (t, b, output), "mse_all target y [T, B, O]"),
            Target::Classes { labels, mask } => {
                assert_eq!(labels.dim(), (t, b), "xent labels [T, B]");
                assert_eq!(mask.dim(), (t, b), "xent mask [T, B]");
                assert!(
                    labels.iter().all(|&k| k < output),
                    "xent label out of range 0..{output}"
                );
            }
        }
        assert!(
            self.x.is_standard_layout(),
            "x [T, B, I] must be in standard layout"
        );
    }

    /// The sequences `rows` of the batch (inputs and targets), as a batch of their own.
    #[track_caller]
    #[must_use]
    pub fn rows(&self, rows: std::ops::Range<usize>) -> Batch<F> {
        use ndarray::s;
        let x = self.x.slice(s![.., rows.clone(), ..]).to_owned();
        let target = match &self.target {
            Target::Last(y) => Target::Last(y.slice(s![rows, ..]).to_owned()),
            Target::All(y) => Target::All(y.slice(s![.., rows, ..]).to_owned()),
            Target::Classes { labels, mask } => Target::Classes {
                labels: labels.slice(s![.., rows.clone()]).to_owned(),
                mask: mask.slice(s![.., rows]).to_owned(),
            },
        };
        Batch { x, target }
    }

    /// Converts inputs and targets to another float type.
    pub fn cast<G: Scalar>(&self) -> Batch<G> {
        let x = self.x.mapv(|v| G::of_f64(v.as_f64()));
        let target = match &self.target {
            Target::Last(y) => Target::Last(y.mapv(|v| G::of_f64(v.as_f64()))),
            Target::All(y) => Target::All(y.mapv(|v| G::of_f64(v.as_f64()))),
            Target::Classes { labels, mask } => Target::Classes {
                labels: labels.clone(),
                mask: mask.mapv(|v| G::of_f64(v.as_f64())),
            },
        };
        Batch { x, target }
    }

    /// Whether any loss term falls in the steps `t0..t1`.
    pub fn has_terms(&self, t0: usize, t1: usize) -> bool {
        match &self.target {
            Target::Last(_) => t0 < self.seq_len() && self.seq_len() <= t1,
            Target::All(_) => t0 < t1,
            Target::Classes { mask, .. } => mask
                .slice(ndarray::s![t0..t1, ..])
                .iter()
                .any(|&m| m != F::zero()),
        }
    }

    /// The divisor D of the terms in steps `t0..t1` (`(1, T)` = the whole sequence), or 1 with
    /// sum reduction. Zero when there are no terms.
    pub fn divisor(&self, t0: usize, t1: usize, reduction: Reduction) -> f64 {
        if reduction == Reduction::Sum {
            return 1.0;
        }
        let b = self.batch_size() as f64;
        match &self.target {
            Target::Last(y) => {
                if self.has_terms(t0, t1) {
                    b * y.shape()[1] as f64
                } else {
                    0.0
                }
            }
            Target::All(y) => (t1 - t0) as f64 * b * y.shape()[2] as f64,
            Target::Classes { mask, .. } => mask
                .slice(ndarray::s![t0..t1, ..])
                .iter()
                .map(|m| m.as_f64())
                .sum(),
        }
    }

    /// Loss of the steps `t0..t1` divided by `divisor`, and its gradient with respect to the
    /// readout output written into `dout`. `out` and `dout` are `[(t1 − t0)·B, O]`, rows of step
    /// `t0` first. Returns the loss in f64 (accumulated in f64).
    #[track_caller]
    pub(crate) fn loss_and_dout(
        &self,
        out: &ArrayView2<'_, F>,
        t0: usize,
        t1: usize,
        divisor: f64,
        mut dout: ndarray::ArrayViewMut2<'_, F>,
    ) -> f64 {
        let b = self.batch_size();
        let o = out.ncols();
        assert_eq!(
            out.nrows(),
            (t1 - t0) * b,
            "readout rows for steps {t0}..{t1}"
        );
        assert_eq!(out.dim(), dout.dim(), "dout shape");
        dout.fill(F::zero());
        if divisor == 0.0 {
            return 0.0;
        }
        let inv = 1.0 / divisor;
        let inv_f = F::of_f64(inv);
        let two_inv = F::of_f64(2.0 * inv);
        let mut total = 0.0;
        match &self.target {
            Target::Last(y) => {
                let last = self.seq_len() - 1;
                if t0 <= last && last < t1 {
                    let r0 = (last - t0) * b;
                    for bi in 0..b {
                        for k in 0..o {
                            let e = out[[r0 + bi, k]] - y[[bi, k]];
                            total += e.as_f64() * e.as_f64();
                            dout[[r0 + bi, k]] = two_inv * e;
                        }
                    }
                }
            }
            Target::All(y) => {
                for t in t0..t1 {
                    for bi in 0..b {
                        let r = (t - t0) * b + bi;
                        for k in 0..o {
                            let e = out[[r, k]] - y[[t, bi, k]];
                            total += e.as_f64() * e.as_f64();
                            dout[[r, k]] = two_inv * e;
                        }
                    }
                }
            }
            Target::Classes { labels, mask } => {
                for t in t0..t1 {
                    for bi in 0..b {
                        let m = mask[[t, bi]];
                        if m == F::zero() {
                            continue;
                        }
                        let r = (t - t0) * b + bi;
                        let z = out.row(r);
                        let zmax = z.iter().fold(F::neg_infinity(), |a, &v| a.max(v));
                        let sum_exp: F = z.iter().map(|&v| (v - zmax).exp()).sum();
                        let lse = zmax + sum_exp.ln();
                        let k = labels[[t, bi]];
                        total += m.as_f64() * (lse - z[k]).as_f64();
                        let scale = m * inv_f;
                        for (j, d) in dout.row_mut(r).iter_mut().enumerate() {
                            let p = (z[j] - lse).exp();
                            let onehot = if j == k { F::one() } else { F::zero() };
                            *d = scale * (p - onehot);
                        }
                    }
                }
            }
        }
        total * inv
    }
}
