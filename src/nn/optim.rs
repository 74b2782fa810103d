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
            Self::Sgd { lr, .. } | Self::RmsProp { lr, .. } | Self::Adam { lr, .. } => lr,
        }
    }

    fn set_lr(&mut self, new: f64) {
        match self {
            Self::Sgd { lr, .. } | Self::RmsProp { lr, .. } | Self::Adam { lr, .. } => *lr = new,
        }
    }

    /// Short name (`sgd`, `rmsprop`, `adam`).
    pub fn name(&self) -> &'static str {
        match self {
            Self::Sgd { .. } => "sgd",
            Self::RmsProp { .. } => "rmsprop",
            Self::Adam { .. } => "adam",
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
        let buf2 = if matches!(config, OptimizerConfig::Adam { .. }) {
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
            }
        }
    }
}
