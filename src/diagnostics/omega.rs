//! The gradient `δ_t = ∂L/∂s_t` of held-out sequences, step by step, and what Pascanu,
//! Mikolov & Bengio (2013) read from it: the regularizer
//!
//! ```text
//! Ω = Σ_t ( ‖δ_t J_t‖ / ‖δ_t‖ − 1 )²        t = 1 … T−1,  J_t = ∂s_t/∂s_{t−1}
//! ```
//!
//! (the paper's `Σ_k (‖δ_{k+1} ∂x_{k+1}/∂x_k‖ / ‖δ_{k+1}‖ − 1)²`, averaged over the sequences),
//! which is 0 when every step keeps the gradient's norm, and "steps in the past", the share of
//! steps whose gradient is still above a floor.
//!
//! The floor is that of their training script (`RNN.py` of `trainingRNNs`): its `bound`,
//! 1e-20, compared with the *squared* norm `‖δ_t‖²` (so `‖δ_t‖ ≥ 1e-10`), per sequence and
//! step; a step below it counts as ratio 1 (a zero term) in Ω, and "steps in the past" is the
//! share of (sequence, step) pairs at or above it, over t = 1 … T−1. The script's own Ω differs
//! from the paper's formula: it uses the ratio of squared norms and divides by that share
//! summed over the steps; [`Omega::script`] is that number, for comparison with its logs.
//!
//! `δ_t` is the total gradient of the engine's backward pass (the loss at t plus what flows
//! back from t+1): `δ_{t−1} = δ_t J_t + ∂L_{t−1}/∂s_{t−1}`. For the LSTM it is the pair
//! `(∂L/∂h_t, ∂L/∂c_t)` (the c part with `h_t` held, i.e. what flows through `c_{t+1}`), the
//! gradient the engine carries; the profile's `g_t` is the mean of `‖∂L/∂h_t‖` alone.

use ndarray::{Array2, s};
use serde::{Deserialize, Serialize};

use super::DiagnosticsError;
use super::jacobian::{Net, Trajectory};
use crate::nn::{Batch, Profile, Reduction};

/// Pascanu et al.'s floor on `‖δ_t‖²` (their script's `bound`).
pub const STEPS_FLOOR_SQUARED: f64 = 1e-20;

/// The backward pass of full BPTT for a batch of sequences, one at a time.
#[derive(Clone, Debug, PartialEq)]
pub struct Backward {
    /// `delta[b][t] = ∂L/∂s_t [n]` (total), for every sequence b and step t.
    pub delta: Vec<Vec<Vec<f64>>>,
    /// `through[b][t] = δ_t J_t`: the gradient on `s_{t−1}` that flows through step t
    /// (`through[b][0]` is `∂L/∂s_{−1}`, the engine's `∂L/∂h0` and, for the LSTM, `∂L/∂c0`).
    pub through: Vec<Vec<Vec<f64>>>,
    /// Hidden units H (the h part of each state comes first).
    pub hidden: usize,
}

impl Backward {
    /// Runs the backward pass of `batch` (the loss with mean reduction, as training uses it)
    /// along `trajectories`, one per sequence of `batch`, from the readout down.
    pub fn of(
        net: &Net<'_>,
        params_readout: (&Array2<f64>, &ndarray::Array1<f64>),
        batch: &Batch<f64>,
        trajectories: &[Trajectory],
    ) -> Result<Self, DiagnosticsError> {
        let (t_len, b_len) = (batch.seq_len(), batch.batch_size());
        let dims = net.dims();
        let (w_o, b_o) = params_readout;
        if trajectories.len() != b_len || trajectories.iter().any(|t| t.steps.len() != t_len) {
            return Err(DiagnosticsError::Sequence {
                sequence: 0,
                what: format!(
                    "{b_len} sequences of {t_len} steps need as many trajectories of that length"
                ),
            });
        }
        if batch.input_size() != dims.input {
            return Err(DiagnosticsError::Sequence {
                sequence: 0,
                what: format!(
                    "has {} inputs per step; the model takes {}",
                    batch.input_size(),
                    dims.input
                ),
            });
        }
        let hidden = dims.hidden;
        // The readout of every step, rows of step t then sequence b, and the loss's gradient.
        let mut out = Array2::<f64>::zeros((t_len * b_len, dims.output));
        for (b, traj) in trajectories.iter().enumerate() {
            for (t, h) in traj.hidden(hidden).enumerate() {
                let y = w_o.dot(&ndarray::ArrayView1::from(h)) + b_o;
                out.row_mut(t * b_len + b).assign(&y);
            }
        }
        let divisor = batch.divisor(0, t_len, Reduction::Mean);
        let mut dout = Array2::<f64>::zeros(out.dim());
        batch.loss_and_dout(&out.view(), 0, t_len, divisor, dout.view_mut());
        let n = net.state_size();
        let mut delta = Vec::with_capacity(b_len);
        let mut through = Vec::with_capacity(b_len);
        for (b, traj) in trajectories.iter().enumerate() {
            let mut d = vec![vec![0.0; n]; t_len];
            let mut th = vec![Vec::new(); t_len];
            let mut carried = vec![0.0; n];
            for t in (0..t_len).rev() {
                let direct = dout.slice(s![t * b_len + b, ..]).dot(w_o);
                let dt = &mut d[t];
                dt.copy_from_slice(&carried);
                for (v, l) in dt[..hidden].iter_mut().zip(direct.iter()) {
                    *v += l;
                }
                carried = net.vjp(&traj.steps[t], dt);
                th[t].clone_from(&carried);
            }
            delta.push(d);
            through.push(th);
        }
        Ok(Self {
            delta,
            through,
            hidden,
        })
    }

    /// The gradient profile `g_t = mean_b ‖∂L/∂h_t‖₂` over all steps (the engine's [`Profile`]
    /// of full BPTT).
    pub fn profile(&self) -> Profile {
        let b_len = self.delta.len();
        let t_len = self.delta.first().map_or(0, Vec::len);
        let values = (0..t_len)
            .map(|t| {
                self.delta
                    .iter()
                    .map(|d| norm(&d[t][..self.hidden]))
                    .sum::<f64>()
                    / b_len as f64
            })
            .collect();
        Profile { start: 0, values }
    }
}

/// Ω and "steps in the past" of a backward pass.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Omega {
    /// The paper's Ω: `Σ_t mean_b (‖δ_t J_t‖ / ‖δ_t‖ − 1)²` over t = 1 … T−1.
    pub paper: f64,
    /// The training script's Ω: `Σ_t mean_b (‖δ_t J_t‖² / ‖δ_t‖² − 1)²` divided by
    /// `Σ_t mean_b [‖δ_t‖² ≥ floor]`; `None` when no step is above the floor.
    pub script: Option<f64>,
    /// The share of (sequence, step) pairs, t = 1 … T−1, with `‖δ_t‖² ≥ floor`; `None` for
    /// sequences of one step.
    pub steps_in_the_past: Option<f64>,
    /// The floor on `‖δ_t‖²` used.
    pub floor_squared: f64,
}

/// Ω and "steps in the past" of `backward`, with the floor `floor_squared` on `‖δ_t‖²`
/// ([`STEPS_FLOOR_SQUARED`] is Pascanu et al.'s).
pub fn omega(backward: &Backward, floor_squared: f64) -> Omega {
    let b_len = backward.delta.len() as f64;
    let t_len = backward.delta.first().map_or(0, Vec::len);
    let (mut paper, mut script, mut active) = (0.0, 0.0, 0usize);
    for t in 1..t_len {
        for (d, th) in backward.delta.iter().zip(&backward.through) {
            let below = norm_sq(&d[t]);
            if below < floor_squared || below == 0.0 {
                continue;
            }
            let ratio_sq = norm_sq(&th[t]) / below;
            paper += (ratio_sq.sqrt() - 1.0).powi(2);
            script += (ratio_sq - 1.0).powi(2);
            active += 1;
        }
    }
    Omega {
        paper: paper / b_len,
        script: (active > 0).then(|| script / active as f64),
        steps_in_the_past: (t_len > 1).then(|| active as f64 / (b_len * (t_len - 1) as f64)),
        floor_squared,
    }
}

/// The share of the steps of `profile` whose `g_t² ≥ floor_squared`: "steps in the past"
/// read off the batch-mean profile (the live one), `None` for an empty profile.
pub fn profile_steps_in_the_past(profile: &Profile, floor_squared: f64) -> Option<f64> {
    let len = profile.values.len();
    (len > 0).then(|| {
        profile
            .values
            .iter()
            .filter(|&&g| g * g >= floor_squared)
            .count() as f64
            / len as f64
    })
}

fn norm_sq(v: &[f64]) -> f64 {
    v.iter().map(|x| x * x).sum()
}

fn norm(v: &[f64]) -> f64 {
    norm_sq(v).sqrt()
}

#[cfg(test)]
mod tests {
    use super::super::jacobian::tests::{CELLS, params};
    use super::*;
    use crate::nn::{Bptt, Dims, Engine, GradOptions, InitialState, Params, Target};
    use nalgebra::{DMatrix, DVector};
    use ndarray::Array3;

    fn batch_for(cell_out: usize, t: usize, b: usize, kind: usize) -> Batch<f64> {
        let x = Array3::from_shape_fn((t, b, 2), |(i, j, k)| {
            ((i * 7 + j * 3 + k) as f64 * 0.53).sin()
        });
        let target = match kind {
            0 => Target::Last(Array2::from_shape_fn((b, cell_out), |(i, j)| {
                (i + j) as f64 * 0.3
            })),
            1 => Target::All(Array3::from_shape_fn((t, b, cell_out), |(i, j, k)| {
                ((i + j + k) as f64).cos()
            })),
            _ => Target::Classes {
                labels: Array2::from_shape_fn((t, b), |(i, j)| (i + j) % cell_out),
                mask: Array2::from_shape_fn((t, b), |(i, _)| f64::from(u8::from(i % 2 == 1))),
            },
        };
        Batch { x, target }
    }

    fn trajectories(net: &Net<'_>, batch: &Batch<f64>) -> Vec<Trajectory> {
        (0..batch.batch_size())
            .map(|b| net.run(&batch.x.slice(s![.., b, ..]), None).unwrap())
            .collect()
    }

    /// δ from this backward pass gives the engine's profile `g_t` and its `∂L/∂h0`, `∂L/∂c0` for
    /// every cell and loss (full BPTT, f64).
    #[test]
    fn deltas_match_the_engine() {
        let dims = Dims {
            input: 2,
            hidden: 3,
            output: 3,
        };
        for (c, cell) in CELLS.into_iter().enumerate() {
            for kind in 0..3 {
                let p: Params<f64> = params(cell, dims, 0.6, 300 + c as u64);
                let batch = batch_for(3, 6, 2, kind);
                let net = Net::new(cell, dims, &p).unwrap();
                let back = Backward::of(
                    &net,
                    (&p.readout_weight, &p.readout_bias),
                    &batch,
                    &trajectories(&net, &batch),
                )
                .unwrap();
                let mut engine = Engine::<f64>::new(cell, dims);
                let mut grads = Params::zeros(cell, dims);
                let opts = GradOptions {
                    bptt: Bptt::Full,
                    reduction: Reduction::Mean,
                    grad_x: false,
                };
                let out =
                    engine.loss_and_grad(&p, &batch, InitialState::default(), opts, &mut grads);
                let mine = back.profile();
                assert_eq!(mine.values.len(), out.profile.values.len());
                for (a, b) in mine.values.iter().zip(&out.profile.values) {
                    assert!(
                        (a - b).abs() <= 1e-12 * b.abs().max(1e-300),
                        "{cell:?} loss {kind}: g_t {a} vs {b}"
                    );
                }
                for b in 0..2 {
                    for j in 0..3 {
                        let want = out.grad_h0[[b, j]];
                        assert!(
                            (back.through[b][0][j] - want).abs() <= 1e-12 * want.abs().max(1e-12)
                        );
                        if let Some(gc) = &out.grad_c0 {
                            let want = gc[[b, j]];
                            assert!(
                                (back.through[b][0][3 + j] - want).abs()
                                    <= 1e-12 * want.abs().max(1e-12)
                            );
                        }
                    }
                }
            }
        }
    }

    /// Ω, the script's Ω and "steps in the past" against their definitions computed naively:
    /// δ by the recursion with dense Jacobians (`δ_{t−1} = J_tᵀ δ_t` + direct), norms in loops.
    #[test]
    fn omega_matches_its_definition() {
        let dims = Dims {
            input: 2,
            hidden: 4,
            output: 2,
        };
        for (c, cell) in CELLS.into_iter().enumerate() {
            let p: Params<f64> = params(cell, dims, 0.9, 400 + c as u64);
            let batch = batch_for(2, 7, 3, 1);
            let net = Net::new(cell, dims, &p).unwrap();
            let trajs = trajectories(&net, &batch);
            let back =
                Backward::of(&net, (&p.readout_weight, &p.readout_bias), &batch, &trajs).unwrap();
            // Naive: direct gradients from the definition of mse_all, dense J, explicit sums.
            let Target::All(y) = &batch.target else {
                unreachable!()
            };
            let (t_len, b_len) = (7, 3);
            let div = (t_len * b_len * 2) as f64;
            let (mut paper, mut script, mut active) = (0.0, 0.0, 0.0);
            for (b, traj) in trajs.iter().enumerate() {
                let n = net.state_size();
                let mut delta = vec![DVector::<f64>::zeros(n); t_len];
                let mut next = DVector::<f64>::zeros(n);
                for t in (0..t_len).rev() {
                    let h = &traj.steps[t].next[..4];
                    let mut d = next.clone();
                    for k in 0..2 {
                        let o: f64 = (0..4).map(|j| p.readout_weight[[k, j]] * h[j]).sum::<f64>()
                            + p.readout_bias[k];
                        let e = 2.0 * (o - y[[t, b, k]]) / div;
                        for j in 0..4 {
                            d[j] += e * p.readout_weight[[k, j]];
                        }
                    }
                    let jac: DMatrix<f64> = net.jacobian(&traj.steps[t]);
                    next = jac.transpose() * &d;
                    delta[t] = d;
                }
                for (t, d) in delta.iter().enumerate().skip(1) {
                    let jac = net.jacobian(&traj.steps[t]);
                    let num = (jac.transpose() * d).norm();
                    let den = d.norm();
                    assert!((den - norm(&back.delta[b][t])).abs() < 1e-12 * den);
                    if den * den >= STEPS_FLOOR_SQUARED {
                        paper += (num / den - 1.0).powi(2) / b_len as f64;
                        script += ((num * num) / (den * den) - 1.0).powi(2) / b_len as f64;
                        active += 1.0 / b_len as f64;
                    }
                }
            }
            let got = omega(&back, STEPS_FLOOR_SQUARED);
            assert!(
                (got.paper - paper).abs() < 1e-12 * paper.max(1.0),
                "{cell:?}: Ω {} vs {paper}",
                got.paper
            );
            assert!(paper > 1e-6, "{cell:?}: a test Ω of {paper} checks nothing");
            let want_script = script / active;
            assert!((got.script.unwrap() - want_script).abs() < 1e-12 * want_script.max(1.0));
            assert!((got.steps_in_the_past.unwrap() - active / (t_len - 1) as f64).abs() < 1e-15);
        }
    }

    /// The floor decides "steps in the past": a tanh RNN with tiny recurrent weights and a loss
    /// at the last step only has a gradient that falls by ~1e-4 per step, so only the last
    /// few of 12 steps stay above ‖δ‖² = 1e-20, and those below add nothing to Ω.
    #[test]
    fn steps_in_the_past_count_the_steps_above_the_floor() {
        let dims = Dims {
            input: 2,
            hidden: 3,
            output: 1,
        };
        let cell = crate::nn::CellKind::Rnn(crate::nn::Activation::Tanh);
        let mut p: Params<f64> = params(cell, dims, 0.5, 7);
        p.weight_hh.mapv_inplace(|v| v * 1e-4);
        let batch = batch_for(1, 12, 1, 0);
        let net = Net::new(cell, dims, &p).unwrap();
        let back = Backward::of(
            &net,
            (&p.readout_weight, &p.readout_bias),
            &batch,
            &trajectories(&net, &batch),
        )
        .unwrap();
        let above = (1..12)
            .filter(|&t| norm_sq(&back.delta[0][t]) >= STEPS_FLOOR_SQUARED)
            .count();
        assert!((1..11).contains(&above), "{above} steps above the floor");
        let got = omega(&back, STEPS_FLOOR_SQUARED);
        assert!((got.steps_in_the_past.unwrap() - above as f64 / 11.0).abs() < 1e-15);
        let all = omega(&back, 0.0);
        assert_eq!(all.steps_in_the_past, Some(1.0));
        assert!(all.paper > got.paper);
        let prof = back.profile();
        let from_profile = profile_steps_in_the_past(&prof, STEPS_FLOOR_SQUARED).unwrap();
        assert!(
            (from_profile - above as f64 / 12.0).abs() < 1e-15,
            "{from_profile}"
        );
        assert_eq!(profile_steps_in_the_past(&Profile::default(), 1.0), None);
        let wrong = batch_for(1, 11, 1, 0);
        assert!(
            Backward::of(
                &net,
                (&p.readout_weight, &p.readout_bias),
                &wrong,
                &trajectories(&net, &batch)
            )
            .is_err()
        );
    }
}
