//! The step map of a cell on one sequence, `s_t = F(s_{t−1}, x_t)`, and its Jacobian
//! `J_t = ∂s_t/∂s_{t−1}`, derived by hand from PyTorch's equations (see [`crate::nn::rnn`],
//! [`crate::nn::lstm`], [`crate::nn::gru`]), as products with tangents (`J V`), with
//! co-tangents (`δ J`) and as a dense matrix.
//!
//! The state `s` is `h [H]` for the RNN and GRU, and `(h, c) [2H]`, `h` first, for the LSTM:
//! the next LSTM step depends on `c_{t−1}` as much as on `h_{t−1}`, and the gradient the engine
//! carries back is the pair `(∂L/∂h, ∂L/∂c)`, so the `2H × 2H` Jacobian is the one whose
//! products and exponents describe it. With `u = W_hh v_h` for a tangent `v = (v_h, v_c)`, the
//! Jacobian-vector products are (σ' = σ(1 − σ), tanh' = 1 − tanh²):
//!
//! ```text
//! RNN   J v = act'(a_t) ⊙ u                        tanh' = 1 − h_t², relu' = [h_t > 0]
//! LSTM  dc = f ⊙ v_c + c_{t−1} ⊙ σ'(f) ⊙ u_f + g ⊙ σ'(i) ⊙ u_i + i ⊙ tanh'(g) ⊙ u_g
//!       dh = tanh(c_t) ⊙ σ'(o) ⊙ u_o + o ⊙ (1 − tanh²(c_t)) ⊙ dc          J v = (dh, dc)
//! GRU   dr = σ'(r) ⊙ u_r     dz = σ'(z) ⊙ u_z     dn = tanh'(n) ⊙ (gh_n ⊙ dr + r ⊙ u_n)
//!       J v = (1 − z) ⊙ dn + (h_{t−1} − n) ⊙ dz + z ⊙ v_h
//! ```
//!
//! so a tanh RNN's Jacobian is `diag(1 − h_t²) W_hh` (PyTorch's row layout `[H_out, H_in]`).

use nalgebra::{DMatrix, DVector};
use ndarray::{ArrayView1, ArrayView2};

use super::DiagnosticsError;
use crate::nn::{Activation, CellKind, Dims, Params, sigmoid};

/// A cell with its parameters, checked, ready to run one sequence at a time in f64.
#[derive(Clone, Debug)]
pub struct Net<'a> {
    cell: CellKind,
    dims: Dims,
    params: &'a Params<f64>,
    /// `weight_hh_l0 [G·H, H]` for the tangent and co-tangent products.
    w_hh: DMatrix<f64>,
}

/// What one step leaves for its Jacobian: the states before and after, and the cell's
/// intermediate values (the engine's `gates` and `aux` of one row).
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    /// `s_{t−1}` and `s_t` (`[H]`, or `[2H]` as `(h, c)` for the LSTM).
    pub prev: Vec<f64>,
    pub next: Vec<f64>,
    /// Gate values after their non-linearity: LSTM i, f, g, o `[4H]`; GRU r, z, n `[3H]`;
    /// empty for the RNN.
    pub gates: Vec<f64>,
    /// LSTM `tanh(c_t)`, GRU `gh_n = W_hn h_{t−1} + b_hn` (`[H]`); empty for the RNN.
    pub aux: Vec<f64>,
}

/// The steps of one sequence, in order: `steps[t]` maps `s_{t−1}` to `s_t`.
#[derive(Clone, Debug, PartialEq)]
pub struct Trajectory {
    pub steps: Vec<Step>,
}

impl Trajectory {
    /// The hidden states `h_t`, one per step (the first H values of each state).
    pub fn hidden(&self, hidden: usize) -> impl Iterator<Item = &[f64]> {
        self.steps.iter().map(move |s| &s.next[..hidden])
    }
}

impl<'a> Net<'a> {
    /// Checks that `params` fit `cell` and `dims` and hold only finite values.
    pub fn new(
        cell: CellKind,
        dims: Dims,
        params: &'a Params<f64>,
    ) -> Result<Self, DiagnosticsError> {
        params
            .shapes_fit(cell, dims)
            .map_err(DiagnosticsError::Shape)?;
        if !params.all_finite() {
            return Err(DiagnosticsError::NonFinite {
                what: "the parameters".into(),
            });
        }
        let (rows, cols) = params.weight_hh.dim();
        let w_hh = DMatrix::from_fn(rows, cols, |r, c| params.weight_hh[[r, c]]);
        Ok(Self {
            cell,
            dims,
            params,
            w_hh,
        })
    }

    pub fn cell(&self) -> CellKind {
        self.cell
    }

    pub fn dims(&self) -> Dims {
        self.dims
    }

    /// The size n of the state: H, or 2H for the LSTM.
    pub fn state_size(&self) -> usize {
        if self.cell.has_cell_state() {
            2 * self.dims.hidden
        } else {
            self.dims.hidden
        }
    }

    /// One step from `prev [n]` with input `x [I]`, by PyTorch's equations.
    #[track_caller]
    pub fn step(&self, x: &[f64], prev: &[f64]) -> Step {
        let hidden = self.dims.hidden;
        assert_eq!(x.len(), self.dims.input, "x_t [I]");
        assert_eq!(prev.len(), self.state_size(), "s_(t-1) [n]");
        let p = self.params;
        let h_prev = ArrayView1::from(&prev[..hidden]);
        let gx = p.weight_ih.dot(&ArrayView1::from(x)) + &p.bias_ih;
        let gh = p.weight_hh.dot(&h_prev) + &p.bias_hh;
        let (next, gates, aux) = match self.cell {
            CellKind::Rnn(act) => {
                let next = (0..hidden)
                    .map(|j| {
                        let a = gx[j] + gh[j];
                        match act {
                            Activation::Tanh => a.tanh(),
                            Activation::Relu => a.max(0.0),
                        }
                    })
                    .collect();
                (next, Vec::new(), Vec::new())
            }
            CellKind::Lstm => {
                let a: Vec<f64> = (0..4 * hidden).map(|k| gx[k] + gh[k]).collect();
                let gates: Vec<f64> = a
                    .iter()
                    .enumerate()
                    .map(|(k, &v)| {
                        if k / hidden == 2 {
                            v.tanh()
                        } else {
                            sigmoid(v)
                        }
                    })
                    .collect();
                let mut next = vec![0.0; 2 * hidden];
                let mut tanh_c = vec![0.0; hidden];
                for j in 0..hidden {
                    let (i, f, g, o) = (
                        gates[j],
                        gates[hidden + j],
                        gates[2 * hidden + j],
                        gates[3 * hidden + j],
                    );
                    let c = f * prev[hidden + j] + i * g;
                    tanh_c[j] = c.tanh();
                    next[j] = o * tanh_c[j];
                    next[hidden + j] = c;
                }
                (next, gates, tanh_c)
            }
            CellKind::Gru => {
                let mut gates = vec![0.0; 3 * hidden];
                let mut gh_n = vec![0.0; hidden];
                let mut next = vec![0.0; hidden];
                for j in 0..hidden {
                    let r = sigmoid(gx[j] + gh[j]);
                    let z = sigmoid(gx[hidden + j] + gh[hidden + j]);
                    gh_n[j] = gh[2 * hidden + j];
                    let n = (gx[2 * hidden + j] + r * gh_n[j]).tanh();
                    gates[j] = r;
                    gates[hidden + j] = z;
                    gates[2 * hidden + j] = n;
                    next[j] = (1.0 - z) * n + z * prev[j];
                }
                (next, gates, gh_n)
            }
        };
        Step {
            prev: prev.to_vec(),
            next,
            gates,
            aux,
        }
    }

    /// Runs the sequence `x [T, I]` from `s0` (zero when `None`).
    pub fn run(
        &self,
        x: &ArrayView2<'_, f64>,
        s0: Option<&[f64]>,
    ) -> Result<Trajectory, DiagnosticsError> {
        let n = self.state_size();
        if x.ncols() != self.dims.input {
            return Err(DiagnosticsError::Sequence {
                sequence: 0,
                what: format!(
                    "has {} inputs per step; the model takes {}",
                    x.ncols(),
                    self.dims.input
                ),
            });
        }
        if let Some(s) = s0.filter(|s| s.len() != n) {
            return Err(DiagnosticsError::Sequence {
                sequence: 0,
                what: format!("initial state has {} values; the state has {n}", s.len()),
            });
        }
        let mut state = s0.map_or_else(|| vec![0.0; n], <[f64]>::to_vec);
        let mut steps = Vec::with_capacity(x.nrows());
        for row in x.rows() {
            let xs: Vec<f64> = row.iter().copied().collect();
            let step = self.step(&xs, &state);
            state.clone_from(&step.next);
            steps.push(step);
        }
        Ok(Trajectory { steps })
    }

    /// `J_t V` for tangents `v [n, k]` (one per column), without forming `J_t`: one product
    /// `W_hh V_h` and element-wise work (the equations in the module docs).
    #[track_caller]
    pub fn jvp(&self, step: &Step, v: &DMatrix<f64>) -> DMatrix<f64> {
        let hidden = self.dims.hidden;
        let n = self.state_size();
        assert_eq!(v.nrows(), n, "tangents [n, k]");
        let u = &self.w_hh * v.rows(0, hidden);
        let k = v.ncols();
        let mut out = DMatrix::zeros(n, k);
        match self.cell {
            CellKind::Rnn(act) => {
                for j in 0..hidden {
                    let h = step.next[j];
                    let d = match act {
                        Activation::Tanh => 1.0 - h * h,
                        Activation::Relu => f64::from(u8::from(h > 0.0)),
                    };
                    for col in 0..k {
                        out[(j, col)] = d * u[(j, col)];
                    }
                }
            }
            CellKind::Lstm => {
                for j in 0..hidden {
                    let g4 = |b: usize| step.gates[b * hidden + j];
                    let (i, f, g, o) = (g4(0), g4(1), g4(2), g4(3));
                    let tc = step.aux[j];
                    let c_prev = step.prev[hidden + j];
                    for col in 0..k {
                        let uu = |b: usize| u[(b * hidden + j, col)];
                        let dc = f * v[(hidden + j, col)]
                            + c_prev * f * (1.0 - f) * uu(1)
                            + g * i * (1.0 - i) * uu(0)
                            + i * (1.0 - g * g) * uu(2);
                        let dh = tc * o * (1.0 - o) * uu(3) + o * (1.0 - tc * tc) * dc;
                        out[(j, col)] = dh;
                        out[(hidden + j, col)] = dc;
                    }
                }
            }
            CellKind::Gru => {
                for j in 0..hidden {
                    let (r, z, nn) = (
                        step.gates[j],
                        step.gates[hidden + j],
                        step.gates[2 * hidden + j],
                    );
                    let ghn = step.aux[j];
                    let h_prev = step.prev[j];
                    for col in 0..k {
                        let dr = r * (1.0 - r) * u[(j, col)];
                        let dz = z * (1.0 - z) * u[(hidden + j, col)];
                        let dn = (1.0 - nn * nn) * (ghn * dr + r * u[(2 * hidden + j, col)]);
                        out[(j, col)] = (1.0 - z) * dn + (h_prev - nn) * dz + z * v[(j, col)];
                    }
                }
            }
        }
        out
    }

    /// The dense Jacobian `J_t = ∂s_t/∂s_{t−1} [n, n]`.
    pub fn jacobian(&self, step: &Step) -> DMatrix<f64> {
        self.jvp(
            step,
            &DMatrix::identity(self.state_size(), self.state_size()),
        )
    }

    /// `δ J_t` for a co-tangent `δ = ∂L/∂s_t [n]`: the part of `∂L/∂s_{t−1}` that flows
    /// through step t (the engine's backward step, for one sequence).
    #[track_caller]
    pub fn vjp(&self, step: &Step, delta: &[f64]) -> Vec<f64> {
        let hidden = self.dims.hidden;
        let n = self.state_size();
        assert_eq!(delta.len(), n, "co-tangent [n]");
        let gh = self.cell.gates() * hidden;
        let mut da = DVector::zeros(gh);
        let mut out = vec![0.0; n];
        match self.cell {
            CellKind::Rnn(act) => {
                for j in 0..hidden {
                    let h = step.next[j];
                    let d = match act {
                        Activation::Tanh => 1.0 - h * h,
                        Activation::Relu => f64::from(u8::from(h > 0.0)),
                    };
                    da[j] = delta[j] * d;
                }
            }
            CellKind::Lstm => {
                for j in 0..hidden {
                    let g4 = |b: usize| step.gates[b * hidden + j];
                    let (i, f, g, o) = (g4(0), g4(1), g4(2), g4(3));
                    let tc = step.aux[j];
                    let dh = delta[j];
                    let dc = delta[hidden + j] + dh * o * (1.0 - tc * tc);
                    da[j] = dc * g * i * (1.0 - i);
                    da[hidden + j] = dc * step.prev[hidden + j] * f * (1.0 - f);
                    da[2 * hidden + j] = dc * i * (1.0 - g * g);
                    da[3 * hidden + j] = dh * tc * o * (1.0 - o);
                    out[hidden + j] = dc * f;
                }
            }
            CellKind::Gru => {
                for j in 0..hidden {
                    let (r, z, nn) = (
                        step.gates[j],
                        step.gates[hidden + j],
                        step.gates[2 * hidden + j],
                    );
                    let dh = delta[j];
                    let dan = dh * (1.0 - z) * (1.0 - nn * nn);
                    da[j] = dan * step.aux[j] * r * (1.0 - r);
                    da[hidden + j] = dh * (step.prev[j] - nn) * z * (1.0 - z);
                    da[2 * hidden + j] = dan * r;
                    out[j] = dh * z;
                }
            }
        }
        let back = self.w_hh.tr_mul(&da);
        for (o, b) in out.iter_mut().zip(back.iter()) {
            *o += b;
        }
        out
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::nn::Model;
    use crate::nn::init::{Init, WeightInit, init_params};
    use ndarray::Array2;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    pub(crate) const CELLS: [CellKind; 4] = [
        CellKind::Rnn(Activation::Tanh),
        CellKind::Rnn(Activation::Relu),
        CellKind::Lstm,
        CellKind::Gru,
    ];

    /// Seeded random parameters with entries of scale `scale` (biases included; the ReLU
    /// RNN's input bias shifted up by 4·scale and its `W_hh` scaled by 0.15).
    pub(crate) fn params(cell: CellKind, dims: Dims, scale: f64, seed: u64) -> Params<f64> {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut p = Params::<f64>::zeros(cell, dims);
        for s in p.slices_mut() {
            for v in s {
                *v = scale * (2.0 * rand::RngExt::random::<f64>(&mut rng) - 1.0);
            }
        }
        if cell == CellKind::Rnn(Activation::Relu) {
            // Active units (a bias that outweighs the recurrent input), so that products of
            // ReLU Jacobians are not zero.
            p.bias_ih.mapv_inplace(|b| b + 4.0 * scale);
            p.weight_hh.mapv_inplace(|w| 0.15 * w);
        }
        p
    }

    pub(crate) fn inputs(t: usize, i: usize, scale: f64, seed: u64) -> Array2<f64> {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        Array2::from_shape_fn((t, i), |_| {
            scale * (2.0 * rand::RngExt::random::<f64>(&mut rng) - 1.0)
        })
    }

    fn rel(a: f64, b: f64) -> f64 {
        (a - b).abs() / a.abs().max(b.abs()).max(1e-8)
    }

    /// The analytic Jacobian of every cell against central differences of the step map, at
    /// every step of a short sequence (state perturbed entry by entry, c included).
    #[test]
    fn step_jacobians_match_central_differences() {
        let dims = Dims {
            input: 2,
            hidden: 3,
            output: 1,
        };
        for (n, cell) in CELLS.into_iter().enumerate() {
            let p = params(cell, dims, 0.8, 11 + n as u64);
            let net = Net::new(cell, dims, &p).unwrap();
            let x = inputs(4, 2, 1.0, 5);
            let mut s0 = vec![0.0; net.state_size()];
            for (k, v) in s0.iter_mut().enumerate() {
                *v = 0.3 * ((k as f64) - 1.2);
            }
            let traj = net.run(&x.view(), Some(&s0)).unwrap();
            let eps = 1e-6;
            let mut worst = 0.0_f64;
            for (t, step) in traj.steps.iter().enumerate() {
                let xt: Vec<f64> = x.row(t).to_vec();
                let jac = net.jacobian(step);
                for col in 0..net.state_size() {
                    let mut up = step.prev.clone();
                    let mut down = step.prev.clone();
                    up[col] += eps;
                    down[col] -= eps;
                    let (fu, fd) = (net.step(&xt, &up).next, net.step(&xt, &down).next);
                    for row in 0..net.state_size() {
                        let numeric = (fu[row] - fd[row]) / (2.0 * eps);
                        let e = rel(jac[(row, col)], numeric);
                        worst = worst.max(e);
                        assert!(
                            e < 1e-6,
                            "{cell:?} t = {t} J[{row}, {col}] = {} vs central difference {numeric}",
                            jac[(row, col)]
                        );
                    }
                }
            }
            assert!(worst.is_finite());
        }
    }

    /// `δ J` (the backward form) against the dense Jacobian's transpose, and `J V` against
    /// the dense Jacobian times V, for every cell.
    #[test]
    fn vjp_and_jvp_agree_with_the_dense_jacobian() {
        let dims = Dims {
            input: 2,
            hidden: 4,
            output: 1,
        };
        for (n, cell) in CELLS.into_iter().enumerate() {
            let p = params(cell, dims, 0.7, 40 + n as u64);
            let net = Net::new(cell, dims, &p).unwrap();
            let traj = net.run(&inputs(3, 2, 1.0, 9).view(), None).unwrap();
            let ns = net.state_size();
            let delta: Vec<f64> = (0..ns).map(|k| (k as f64 * 0.7).sin()).collect();
            let v = DMatrix::from_fn(ns, 3, |r, c| ((r * 3 + c) as f64 * 0.37).cos());
            for step in &traj.steps {
                let jac = net.jacobian(step);
                let want = jac.tr_mul(&DVector::from_column_slice(&delta));
                for (a, b) in net.vjp(step, &delta).iter().zip(want.iter()) {
                    assert!(rel(*a, *b) < 1e-12, "{cell:?}: δJ {a} vs {b}");
                }
                let jv = net.jvp(step, &v);
                let want = &jac * &v;
                for (a, b) in jv.iter().zip(want.iter()) {
                    assert!(rel(*a, *b) < 1e-12, "{cell:?}: JV {a} vs {b}");
                }
            }
        }
    }

    /// The per-sequence forward pass reproduces the engine's (PyTorch's equations there),
    /// hidden and cell states, for every cell and a batch of two sequences.
    #[test]
    fn states_match_the_engine() {
        let dims = Dims {
            input: 2,
            hidden: 3,
            output: 1,
        };
        for (n, cell) in CELLS.into_iter().enumerate() {
            let init = Init {
                weight_ih: WeightInit::XavierUniform { gain: 1.0 },
                weight_hh: WeightInit::Orthogonal { gain: 1.0 },
                ..Init::default()
            };
            let p = init_params(cell, dims, init, 3 + n as u64).unwrap();
            let model = Model::<f64>::new(cell, dims, p);
            let x = ndarray::Array3::from_shape_fn((5, 2, 2), |(t, b, i)| {
                ((t * 5 + b * 3 + i) as f64 * 0.41).sin()
            });
            let batch = crate::nn::Batch {
                x: x.clone(),
                target: crate::nn::Target::Last(Array2::zeros((2, 1))),
            };
            let mut engine = crate::nn::Engine::<f64>::new(cell, dims);
            engine.evaluate(
                &model.params,
                &batch,
                crate::nn::InitialState::default(),
                crate::nn::Reduction::Mean,
            );
            let hs = engine.hidden_states();
            let cs = engine.cell_states();
            let net = Net::new(cell, dims, &model.params).unwrap();
            for b in 0..2 {
                let seq = x.slice(ndarray::s![.., b, ..]);
                let traj = net.run(&seq, None).unwrap();
                for (t, step) in traj.steps.iter().enumerate() {
                    for j in 0..3 {
                        assert!((step.next[j] - hs[[t, b, j]]).abs() < 1e-14, "{cell:?} h");
                        if let Some(cs) = &cs {
                            assert!(
                                (step.next[3 + j] - cs[[t, b, j]]).abs() < 1e-14,
                                "{cell:?} c"
                            );
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn parameters_that_do_not_fit_are_an_error() {
        let dims = Dims {
            input: 2,
            hidden: 3,
            output: 1,
        };
        let p = Params::<f64>::zeros(CellKind::Lstm, dims);
        let err = Net::new(CellKind::Gru, dims, &p).unwrap_err();
        assert!(err.to_string().contains("weight_ih_l0"), "{err}");
        let mut q = Params::<f64>::zeros(CellKind::Gru, dims);
        q.weight_hh[[0, 0]] = f64::NAN;
        assert!(matches!(
            Net::new(CellKind::Gru, dims, &q),
            Err(DiagnosticsError::NonFinite { .. })
        ));
        let zeros = Params::zeros(CellKind::Gru, dims);
        let net = Net::new(CellKind::Gru, dims, &zeros).unwrap();
        assert!(net.run(&Array2::zeros((4, 3)).view(), None).is_err());
    }
}
