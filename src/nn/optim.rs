//! Optimizers with PyTorch's update formulas (`torch.optim`, default `maximize=False`,
//! non-`foreach` semantics; the `foreach` kernels compute the same values).
//!
//! With gradient `g`, parameter `p`, step count `t` (from 1) and weight decay `λ`
//! (L2: `g ← g + λ p`, applied first, as PyTorch does):
//!
//! ```text
//! SGD:       b ← μ b + (1 − τ) g   (b = g at t = 1);   d = g + μ b (Nesterov) or b;   p ← p − η d
//! RMSProp:   v ← α v + (1 − α) g²;                     p ← p − η g / (√v + ε)
//! Adam:      m ← β1 m + (1 − β1) g;   v ← β2 v + (1 − β2) g²
//!            p ← p − (η / (1 − β1ᵗ)) · m / (√v / √(1 − β2ᵗ) + ε)
//! ```

use serde::{Deserialize, Serialize};

use super::{Params, Scalar};

/// An optimizer and its hyper-parameters.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum OptimizerConfig {
    /// `torch.optim.SGD(lr, momentum, dampening, nesterov, weight_decay)`.
    Sgd {
        lr: f64,
        #[serde(default)]
        momentum: f64,
        #[serde(default)]
        dampening: f64,
        #[serde(default)]
        nesterov: bool,
        #[serde(default)]
        weight_decay: f64,
    },
    /// `torch.optim.RMSprop(lr, alpha, eps, weight_decay)` (not centered, no momentum).
    RmsProp {
        lr: f64,
        #[serde(default = "default_alpha")]
        alpha: f64,
        #[serde(default = "default_rms_eps")]
        eps: f64,
        #[serde(default)]
        weight_decay: f64,
    },
    /// `torch.optim.Adam(lr, betas=(beta1, beta2), eps, weight_decay)` (L2 weight decay).
    Adam {
        lr: f64,
        #[serde(default = "default_beta1")]
        beta1: f64,
        #[serde(default = "default_beta2")]
        beta2: f64,
        #[serde(default = "default_adam_eps")]
        eps: f64,
        #[serde(default)]
        weight_decay: f64,
    },
    /// `keras.optimizers.Adam(learning_rate, beta_1, beta_2, epsilon)`: the same moments as
    /// PyTorch's Adam, but ε is added to `√v` before the bias correction ("epsilon hat"):
    /// `w ← w − α·m / (√v + ε)` with `α = lr·√(1 − β2ᵗ) / (1 − β1ᵗ)`, and ε = 1e-7 by default.
    /// No weight decay (Keras's is decoupled, unlike PyTorch's L2 term).
    KerasAdam {
        lr: f64,
        #[serde(default = "default_beta1")]
        beta1: f64,
        #[serde(default = "default_beta2")]
        beta2: f64,
        #[serde(default = "default_keras_eps")]
        eps: f64,
    },
}

fn default_keras_eps() -> f64 {
    1e-7
}

fn default_alpha() -> f64 {
    0.99
}
fn default_rms_eps() -> f64 {
    1e-8
}
fn default_beta1() -> f64 {
    0.9
}
fn default_beta2() -> f64 {
    0.999
}
fn default_adam_eps() -> f64 {
    1e-8
}

impl OptimizerConfig {
    /// Adam with PyTorch's defaults and learning rate `lr`.
    pub fn adam(lr: f64) -> Self {
        Self::Adam {
            lr,
            beta1: default_beta1(),
            beta2: default_beta2(),
            eps: default_adam_eps(),
            weight_decay: 0.0,
        }
    }

    /// Plain SGD with learning rate `lr`.
    pub fn sgd(lr: f64) -> Self {
        Self::Sgd {
            lr,
            momentum: 0.0,
            dampening: 0.0,
            nesterov: false,
            weight_decay: 0.0,
        }
    }

    /// The learning rate.
    pub fn lr(&self) -> f64 {
        match *self {
            Self::Sgd { lr, .. }
            | Self::RmsProp { lr, .. }
            | Self::Adam { lr, .. }
            | Self::KerasAdam { lr, .. } => lr,
        }
    }

    fn set_lr(&mut self, new: f64) {
        match self {
            Self::Sgd { lr, .. }
            | Self::RmsProp { lr, .. }
            | Self::Adam { lr, .. }
            | Self::KerasAdam { lr, .. } => *lr = new,
        }
    }

    /// Short name (`sgd`, `rmsprop`, `adam`, `keras_adam`).
    pub fn name(&self) -> &'static str {
        match self {
            Self::Sgd { .. } => "sgd",
            Self::RmsProp { .. } => "rmsprop",
            Self::Adam { .. } => "adam",
            Self::KerasAdam { .. } => "keras_adam",
        }
    }

    /// Keras's Adam with its defaults (β = 0.9, 0.999; ε = 1e-7) and learning rate `lr`.
    pub fn keras_adam(lr: f64) -> Self {
        Self::KerasAdam {
            lr,
            beta1: default_beta1(),
            beta2: default_beta2(),
            eps: default_keras_eps(),
        }
    }
}

/// What an optimizer carries from one update to the next.
#[derive(Clone, Debug, PartialEq)]
pub struct OptimizerState<F> {
    /// Updates applied so far.
    pub step: u64,
    /// The learning rate in use (it may have been changed during the run).
    pub lr: f64,
    /// Momentum (SGD), square average (RMSProp) or m (Adam), per tensor.
    pub buf1: Vec<Vec<F>>,
    /// v (Adam) per tensor; empty otherwise.
    pub buf2: Vec<Vec<F>>,
}

/// An optimizer with its state (moment buffers), sized for one model.
#[derive(Clone, Debug)]
pub struct Optimizer<F> {
    config: OptimizerConfig,
    /// Number of updates applied so far.
    step: u64,
    /// First buffer per tensor: momentum (SGD), square average (RMSProp), m (Adam).
    buf1: Vec<Vec<F>>,
    /// Second buffer per tensor: v (Adam); empty otherwise.
    buf2: Vec<Vec<F>>,
}

impl<F: Scalar> Optimizer<F> {
    /// A fresh optimizer (zero state) for parameters shaped like `params`.
    pub fn new(config: OptimizerConfig, params: &Params<F>) -> Self {
        let zeros = || {
            params
                .slices()
                .iter()
                .map(|s| vec![F::zero(); s.len()])
                .collect()
        };
        let buf2 = if matches!(
            config,
            OptimizerConfig::Adam { .. } | OptimizerConfig::KerasAdam { .. }
        ) {
            zeros()
        } else {
            Vec::new()
        };
        Self {
            config,
            step: 0,
            buf1: zeros(),
            buf2,
        }
    }

    /// The configuration, with the current learning rate.
    pub fn config(&self) -> OptimizerConfig {
        self.config
    }

    /// Changes the learning rate from the next update on; the state is kept.
    pub fn set_lr(&mut self, lr: f64) {
        self.config.set_lr(lr);
    }

    /// Updates applied so far.
    pub fn steps(&self) -> u64 {
        self.step
    }

    /// The state to carry a run on later: updates applied, learning rate, moment buffers.
    pub fn state(&self) -> OptimizerState<F> {
        OptimizerState {
            step: self.step,
            lr: self.config.lr(),
            buf1: self.buf1.clone(),
            buf2: self.buf2.clone(),
        }
    }

    /// An optimizer of `config` that goes on from `state` (saved by [`Optimizer::state`] for
    /// parameters shaped like `params`), or why the state does not fit.
    pub fn restore(
        config: OptimizerConfig,
        params: &Params<F>,
        state: OptimizerState<F>,
    ) -> Result<Self, String> {
        let fresh = Self::new(config, params);
        let shapes = |b: &[Vec<F>]| b.iter().map(Vec::len).collect::<Vec<_>>();
        if shapes(&state.buf1) != shapes(&fresh.buf1) || shapes(&state.buf2) != shapes(&fresh.buf2)
        {
            return Err(format!(
                "the {} state has buffers of {:?} and {:?} values, the model needs {:?} and {:?}",
                config.name(),
                shapes(&state.buf1),
                shapes(&state.buf2),
                shapes(&fresh.buf1),
                shapes(&fresh.buf2)
            ));
        }
        let mut config = config;
        config.set_lr(state.lr);
        Ok(Self {
            config,
            step: state.step,
            buf1: state.buf1,
            buf2: state.buf2,
        })
    }

    /// Applies one update `params ← params − Δ(grads)`.
    pub fn step(&mut self, params: &mut Params<F>, grads: &Params<F>) {
        self.step += 1;
        let t = self.step;
        for (k, (p, g)) in params
            .slices_mut()
            .into_iter()
            .zip(grads.slices())
            .enumerate()
        {
            match self.config {
                OptimizerConfig::Sgd {
                    lr,
                    momentum,
                    dampening,
                    nesterov,
                    weight_decay,
                } => {
                    let (lr, mu, tau, wd) = (
                        F::of_f64(lr),
                        F::of_f64(momentum),
                        F::of_f64(dampening),
                        F::of_f64(weight_decay),
                    );
                    let buf = &mut self.buf1[k];
                    for ((p, &g), b) in p.iter_mut().zip(g).zip(buf.iter_mut()) {
                        let mut d = g + wd * *p;
                        if momentum != 0.0 {
                            *b = if t == 1 {
                                d
                            } else {
                                mu * *b + (F::one() - tau) * d
                            };
                            d = if nesterov { d + mu * *b } else { *b };
                        }
                        *p -= lr * d;
                    }
                }
                OptimizerConfig::RmsProp {
                    lr,
                    alpha,
                    eps,
                    weight_decay,
                } => {
                    let (lr, alpha, eps, wd) = (
                        F::of_f64(lr),
                        F::of_f64(alpha),
                        F::of_f64(eps),
                        F::of_f64(weight_decay),
                    );
                    let buf = &mut self.buf1[k];
                    for ((p, &g), v) in p.iter_mut().zip(g).zip(buf.iter_mut()) {
                        let d = g + wd * *p;
                        *v = alpha * *v + (F::one() - alpha) * d * d;
                        *p -= lr * d / (v.sqrt() + eps);
                    }
                }
                OptimizerConfig::Adam {
                    lr,
                    beta1,
                    beta2,
                    eps,
                    weight_decay,
                } => {
                    let exp = i32::try_from(t).unwrap_or(i32::MAX);
                    let bc1 = 1.0 - beta1.powi(exp);
                    let bc2_sqrt = (1.0 - beta2.powi(exp)).sqrt();
                    let step_size = F::of_f64(lr / bc1);
                    let (b1, b2, eps, wd, bc2_sqrt) = (
                        F::of_f64(beta1),
                        F::of_f64(beta2),
                        F::of_f64(eps),
                        F::of_f64(weight_decay),
                        F::of_f64(bc2_sqrt),
                    );
                    let one = F::one();
                    let (m_buf, v_buf) = (&mut self.buf1[k], &mut self.buf2[k]);
                    for (((p, &g), m), v) in p.iter_mut().zip(g).zip(m_buf).zip(v_buf) {
                        let d = g + wd * *p;
                        *m = b1 * *m + (one - b1) * d;
                        *v = b2 * *v + (one - b2) * d * d;
                        let denom = v.sqrt() / bc2_sqrt + eps;
                        *p -= step_size * *m / denom;
                    }
                }
                OptimizerConfig::KerasAdam {
                    lr,
                    beta1,
                    beta2,
                    eps,
                } => keras_adam_update(
                    p,
                    g,
                    (&mut self.buf1[k], &mut self.buf2[k]),
                    t,
                    [lr, beta1, beta2, eps],
                ),
            }
        }
    }
}

/// One tensor's update by Keras's Adam: `[lr, β1, β2, ε]`, update number `t`.
fn keras_adam_update<F: Scalar>(
    p: &mut [F],
    g: &[F],
    (m_buf, v_buf): (&mut [F], &mut [F]),
    t: u64,
    [lr, beta1, beta2, eps]: [f64; 4],
) {
    // As Keras computes it: m += (g − m)(1 − β1), v += (g² − v)(1 − β2),
    // w −= m·α / (√v + ε), α = lr·√(1 − β2ᵗ) / (1 − β1ᵗ), in the weights' type.
    // The powers βᵗ start from β rounded to float32 even for float64 weights:
    // Keras's `ops.cast(β, "float64")` of a Python float makes a float32
    // tensor first (measured against keras 3.15: equal to 1e-17 with this,
    // 7e-6 apart without).
    let (b1, b2, eps, lr) = (
        F::of_f64(beta1),
        F::of_f64(beta2),
        F::of_f64(eps),
        F::of_f64(lr),
    );
    let as_f32 = |b: f64| F::of_f64(f64::from(b as f32));
    let t_f = F::of_f64(t as f64);
    let one = F::one();
    let alpha = lr * (one - as_f32(beta2).powf(t_f)).sqrt() / (one - as_f32(beta1).powf(t_f));
    for (((p, &g), m), v) in p.iter_mut().zip(g).zip(m_buf).zip(v_buf) {
        *m += (g - *m) * (one - b1);
        *v += (g * g - *v) * (one - b2);
        *p -= *m * alpha / (v.sqrt() + eps);
    }
}

#[cfg(test)]
mod tests {
    use super::{Optimizer, OptimizerConfig};
    use crate::nn::{CellKind, Dims, Params};

    /// One parameter tensor with value `w` and gradient `g`, the rest zero.
    fn one(w: f64) -> Params<f64> {
        let mut p = Params::zeros(
            CellKind::Rnn(crate::nn::Activation::Tanh),
            Dims {
                input: 1,
                hidden: 1,
                output: 1,
            },
        );
        p.weight_ih[[0, 0]] = w;
        p
    }

    #[test]
    fn keras_adam_moves_a_weight_as_keras_does() {
        // keras 3.15.1, float64: Adam(learning_rate=0.003, epsilon=1e-7) on w = 0.5 with
        // gradient 0.1 moves it by 0.002999885108085354 (measured; PyTorch's Adam with
        // eps = 1e-7 moves it by 0.0029999970).
        let mut p = one(0.5);
        let g = one(0.1);
        let mut opt = Optimizer::new(OptimizerConfig::keras_adam(0.003), &p);
        opt.step(&mut p, &g);
        let moved = 0.5 - p.weight_ih[[0, 0]];
        assert!(
            (moved - 0.002_999_885_108_085_354).abs() < 1e-17,
            "{moved:e}"
        );
        let mut q = one(0.5);
        let mut torch = Optimizer::new(
            OptimizerConfig::Adam {
                lr: 0.003,
                beta1: 0.9,
                beta2: 0.999,
                eps: 1e-7,
                weight_decay: 0.0,
            },
            &q,
        );
        torch.step(&mut q, &g);
        assert!((0.5 - q.weight_ih[[0, 0]] - 0.003 * 0.1 / (0.1 + 1e-7)).abs() < 1e-15);
    }
}
