//! Gradient clipping, with PyTorch's and Keras's formulas.

use serde::{Deserialize, Serialize};

use super::{Params, Scalar};

/// Added to the norm before dividing, as `torch.nn.utils.clip_grad_norm_` does.
pub const CLIP_EPS: f64 = 1e-6;

/// How gradients are clipped before the update.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Clip {
    /// No clipping.
    #[default]
    None,
    /// `torch.nn.utils.clip_grad_norm_`: every gradient is multiplied by
    /// `min(1, max_norm / (n + 1e-6))`, `n` the global L2 norm over all tensors. (So a norm
    /// within 1e-6 below `max_norm` is scaled a little too, as in PyTorch.)
    GlobalNorm { max_norm: f64 },
    /// Keras `clipnorm` (`tf.clip_by_norm` per tensor): each tensor is multiplied by
    /// `max_norm / max(n, max_norm)`, `n` its own L2 norm (no epsilon).
    PerTensorNorm { max_norm: f64 },
    /// `torch.nn.utils.clip_grad_value_`: every element clamped to `[-max_value, max_value]`.
    Value { max_value: f64 },
}

/// What clipping did.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ClipReport {
    /// Global L2 norm of the gradients before clipping.
    pub norm_pre: f64,
    /// Global L2 norm after clipping (equal to `norm_pre` when nothing changed).
    pub norm_post: f64,
    /// Whether clipping changed anything.
    pub engaged: bool,
    /// Whether the gradient was finite. A non-finite gradient is left untouched and must not
    /// be applied.
    pub finite: bool,
}

impl Clip {
    /// Clips `grads` in place and reports the norms before and after.
    pub fn apply<F: Scalar>(&self, grads: &mut Params<F>) -> ClipReport {
        let norms = grads.norms();
        let norm_pre = norms.iter().map(|n| n * n).sum::<f64>().sqrt();
        if !norm_pre.is_finite() {
            return ClipReport {
                norm_pre,
                norm_post: norm_pre,
                engaged: false,
                finite: false,
            };
        }
        let engaged = match *self {
            Self::None => false,
            Self::GlobalNorm { max_norm } => {
                // Multiplying by exactly 1 changes nothing: scale only when the factor is < 1.
                let factor = max_norm / (norm_pre + CLIP_EPS);
                let engaged = factor < 1.0;
                if engaged {
                    let scale = F::of_f64(factor);
                    for s in grads.slices_mut() {
                        for g in s.iter_mut() {
                            *g *= scale;
                        }
                    }
                }
                engaged
            }
            Self::PerTensorNorm { max_norm } => {
                let mut engaged = false;
                for (s, n) in grads.slices_mut().into_iter().zip(norms) {
                    if n > max_norm {
                        engaged = true;
                        let scale = F::of_f64(max_norm / n);
                        for g in s.iter_mut() {
                            *g *= scale;
                        }
                    }
                }
                engaged
            }
            Self::Value { max_value } => {
                let hi = F::of_f64(max_value);
                let mut engaged = false;
                for s in grads.slices_mut() {
                    for g in s.iter_mut() {
                        if g.abs() > hi {
                            engaged = true;
                            *g = g.max(-hi).min(hi);
                        }
                    }
                }
                engaged
            }
        };
        let norm_post = if engaged {
            grads.global_norm()
        } else {
            norm_pre
        };
        ClipReport {
            norm_pre,
            norm_post,
            engaged,
            finite: true,
        }
    }
}
