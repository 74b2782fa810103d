//! Lyapunov exponents of the state map along a sequence, by the QR method of Benettin et
//! al. (1980): carry an orthonormal basis `Q` of k tangent directions through the steps,
//! `J_t Q_{t−1} = Q_t R_t`, and average `log |diag R_t|` over the steps. Because
//! `J_T ⋯ J_1 Q_0 = Q_T R_T ⋯ R_1`, the sums are exactly the log-diagonal of the QR
//! factorization of the product, taken without ever forming it (it overflows within a few
//! hundred steps); as T grows the averages tend to the exponents, `(1/T) log σ_i(J_T ⋯ J_1)`.
//!
//! The gradient runs the same product backwards (`δ_t = δ_{t+1} J_{t+1}`), whose singular
//! values are the same: the largest exponent λ₁ predicts `log g_t` to grow by λ₁ per step
//! into the past (to fall by −λ₁ where λ₁ < 0). [`fit_log_slope`] measures the same rate on
//! a [`Profile`], for "theory vs observed".

use nalgebra::DMatrix;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::DiagnosticsError;
use super::jacobian::{Net, Trajectory};
use crate::nn::Profile;

/// The QR (Benettin) iteration: an orthonormal basis of k tangent directions in an
/// n-dimensional state space and the running sums of `log |R_ii|`.
#[derive(Clone, Debug)]
pub struct Benettin {
    q: DMatrix<f64>,
    log_r: Vec<f64>,
    steps: usize,
}

impl Benettin {
    /// Starts from a random orthonormal basis `[n, k]` (the Q of a Gaussian matrix drawn from
    /// `seed`), so that no direction is missed by symmetry. Panics unless `1 ≤ k ≤ n`.
    #[track_caller]
    pub fn new(n: usize, k: usize, seed: u64) -> Self {
        assert!(1 <= k && k <= n, "k = {k} directions in a state of {n}");
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let g = DMatrix::from_fn(n, k, |_, _| {
            let u1: f64 = 1.0 - rand::RngExt::random::<f64>(&mut rng);
            let u2: f64 = rand::RngExt::random::<f64>(&mut rng);
            (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
        });
        Self::with_basis(g.qr().q())
    }

    /// Starts from the given basis (its columns should be orthonormal).
    pub fn with_basis(q: DMatrix<f64>) -> Self {
        let k = q.ncols();
        Self {
            q,
            log_r: vec![0.0; k],
            steps: 0,
        }
    }

    /// The current basis `Q [n, k]`: the caller multiplies it by the next step's Jacobian.
    pub fn basis(&self) -> &DMatrix<f64> {
        &self.q
    }

    /// Takes `jq = J_t Q_{t−1}`, factors it as `Q_t R_t` and adds `log |R_t,ii|`.
    #[track_caller]
    pub fn advance(&mut self, jq: DMatrix<f64>) {
        assert_eq!(jq.shape(), self.q.shape(), "J Q has the basis's shape");
        let qr = jq.qr();
        let r = qr.r();
        for (i, s) in self.log_r.iter_mut().enumerate() {
            *s += r[(i, i)].abs().ln();
        }
        self.q = qr.q();
        self.steps += 1;
    }

    /// The steps taken.
    pub fn steps(&self) -> usize {
        self.steps
    }

    /// The sums `Σ_t log |R_t,ii|`, in column order.
    pub fn log_sums(&self) -> &[f64] {
        &self.log_r
    }

    /// The exponents `Σ_t log |R_t,ii| / steps`, in column order (largest first once the
    /// basis has converged; empty before the first step).
    pub fn exponents(&self) -> Vec<f64> {
        if self.steps == 0 {
            return Vec::new();
        }
        self.log_r.iter().map(|s| s / self.steps as f64).collect()
    }
}

/// The Lyapunov exponents of a network along held-out sequences.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Lyapunov {
    /// The top k exponents (natural log per step), largest first: the mean over sequences of
    /// each sequence's sorted exponents. `-inf` where a direction collapses (a dead ReLU unit).
    pub exponents: Vec<f64>,
    /// Each sequence's exponents, largest first.
    pub per_sequence: Vec<Vec<f64>>,
    /// The steps averaged over per sequence (after the warm-up).
    pub steps: usize,
    /// The dimension n of the state (H, or 2H for the LSTM's `(h, c)`).
    pub state_size: usize,
}

impl Lyapunov {
    /// The largest exponent λ₁: the predicted growth of `log g_t` per step into the past.
    pub fn largest(&self) -> Option<f64> {
        self.exponents.first().copied()
    }
}

/// The default number of exponents for a state of n values and H hidden units: all of them
/// for H ≤ 64, else the top 8 (or n, if smaller).
pub fn default_count(hidden: usize, state_size: usize) -> usize {
    if hidden <= 64 {
        state_size
    } else {
        state_size.min(8)
    }
}

/// The top `k` Lyapunov exponents (default [`default_count`]) of `net` along each of
/// `trajectories`, by [`Benettin`] on the step Jacobians from a basis drawn from `seed`; the
/// first `warmup` steps of each sequence turn the basis without being counted (0 counts all).
pub fn lyapunov_exponents(
    net: &Net<'_>,
    trajectories: &[Trajectory],
    k: Option<usize>,
    warmup: usize,
    seed: u64,
) -> Result<Lyapunov, DiagnosticsError> {
    let n = net.state_size();
    let k = k.unwrap_or_else(|| default_count(net.dims().hidden, n));
    if !(1..=n).contains(&k) {
        return Err(DiagnosticsError::Setting {
            field: "lyapunov.k",
            value: k.to_string(),
            allowed: format!("must be in 1..={n} (the size of the state)"),
        });
    }
    if trajectories.is_empty() {
        return Err(DiagnosticsError::Sequence {
            sequence: 0,
            what: "no sequences to follow".into(),
        });
    }
    let mut per_sequence = Vec::with_capacity(trajectories.len());
    let mut steps = usize::MAX;
    for (s, traj) in trajectories.iter().enumerate() {
        let len = traj.steps.len();
        if len <= warmup {
            return Err(DiagnosticsError::Sequence {
                sequence: s,
                what: format!("has {len} steps, not more than the warm-up of {warmup}"),
            });
        }
        let mut b = Benettin::new(n, k, seed);
        for step in &traj.steps[..warmup] {
            let jq = net.jvp(step, b.basis());
            b.advance(jq);
        }
        let mut b = Benettin::with_basis(b.basis().clone());
        for step in &traj.steps[warmup..] {
            let jq = net.jvp(step, b.basis());
            b.advance(jq);
        }
        let mut e = b.exponents();
        e.sort_by(|x, y| y.total_cmp(x));
        per_sequence.push(e);
        steps = steps.min(len - warmup);
    }
    let exponents = (0..k)
        .map(|i| per_sequence.iter().map(|e| e[i]).sum::<f64>() / per_sequence.len() as f64)
        .collect();
    Ok(Lyapunov {
        exponents,
        per_sequence,
        steps,
        state_size: n,
    })
}

/// A least-squares line through `(steps into the past, ln g_t)`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct LogSlope {
    /// Growth of `ln g_t` per step into the past (negative: the gradient vanishes).
    pub slope: f64,
    /// `ln g` at the profile's last step, as the line puts it.
    pub intercept: f64,
    /// The points fitted (steps with a positive, finite `g_t`).
    pub points: usize,
}

/// The least-squares slope of `ln g_t` against the steps into the past (`values.len() − 1 − i`
/// for `values[i]`), over the steps whose `g_t` is positive and finite; `None` with fewer
/// than two such steps.
pub fn fit_log_slope(profile: &Profile) -> Option<LogSlope> {
    let len = profile.values.len();
    let pts: Vec<(f64, f64)> = profile
        .values
        .iter()
        .enumerate()
        .filter(|&(_, &g)| g > 0.0 && g.is_finite())
        .map(|(i, &g)| ((len - 1 - i) as f64, g.ln()))
        .collect();
    if pts.len() < 2 {
        return None;
    }
    let m = pts.len() as f64;
    let (mx, my) = pts
        .iter()
        .fold((0.0, 0.0), |(a, b), &(x, y)| (a + x / m, b + y / m));
    let (sxy, sxx) = pts.iter().fold((0.0, 0.0), |(a, b), &(x, y)| {
        (a + (x - mx) * (y - my), b + (x - mx) * (x - mx))
    });
    let slope = sxy / sxx;
    Some(LogSlope {
        slope,
        intercept: my - slope * mx,
        points: pts.len(),
    })
}

/// Theory against observation: the growth of `ln g_t` per step into the past that λ₁
/// predicts, beside the slope fitted to a gradient profile.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Decay {
    /// λ₁, natural log per step.
    pub predicted_per_step: f64,
    /// The fitted slope ([`fit_log_slope`]), when the profile has two positive values.
    pub observed: Option<LogSlope>,
}

#[cfg(test)]
mod tests {
    use super::super::eigen::eigenvalues;
    use super::super::jacobian::tests::{inputs, params};
    use super::*;
    use crate::nn::{Activation, CellKind, Dims};
    use ndarray::Array2;

    fn product(js: &[DMatrix<f64>]) -> DMatrix<f64> {
        js.iter()
            .fold(DMatrix::identity(js[0].nrows(), js[0].nrows()), |p, j| {
                j * p
            })
    }

    /// Benettin along a real network's steps (tangent products, no dense J) gives exactly
    /// the log-diagonal of the QR factorization of the explicit product `J_T ⋯ J_1 Q_0`, for
    /// every cell, T ≤ 6 and H ≤ 4; with k = n the exponents sum to (1/T) log |det| =
    /// `(1/T) Σ log σ_i` of the product.
    #[test]
    fn qr_sums_are_the_qr_of_the_explicit_product() {
        for (c, cell) in super::super::jacobian::tests::CELLS.into_iter().enumerate() {
            for (hidden, t_len) in [(2usize, 3usize), (3, 6), (4, 5)] {
                let dims = Dims {
                    input: 2,
                    hidden,
                    output: 1,
                };
                let p = params(cell, dims, 0.9, 100 + c as u64);
                let net = Net::new(cell, dims, &p).unwrap();
                let traj = net.run(&inputs(t_len, 2, 1.0, 3).view(), None).unwrap();
                let n = net.state_size();
                let js: Vec<DMatrix<f64>> = traj.steps.iter().map(|s| net.jacobian(s)).collect();
                let phi = product(&js);
                for k in [1, n] {
                    let mut b = Benettin::new(n, k, 9);
                    let q0 = b.basis().clone();
                    for s in &traj.steps {
                        let jq = net.jvp(s, b.basis());
                        b.advance(jq);
                    }
                    // The explicit product is accurate to ε ‖Φ‖ in each R_ii, not relatively
                    // in its small ones: compare the R_ii on that scale.
                    let r = (&phi * &q0).qr().r();
                    let scale = phi.norm();
                    for i in 0..k {
                        let want = r[(i, i)].abs();
                        let got = b.log_sums()[i].exp();
                        assert!(
                            (got - want).abs() <= 1e-12 * scale,
                            "{cell:?} H = {hidden} k = {k}: |R_{i}{i}| {got} vs {want}"
                        );
                    }
                    if k == n {
                        // log |det Φ| = Σ_t log |det J_t| = Σ_i log σ_i(Φ), each det small and
                        // well conditioned.
                        let want: f64 = js.iter().map(|j| j.determinant().abs().ln()).sum::<f64>()
                            / t_len as f64;
                        let got: f64 = b.exponents().iter().sum();
                        assert!(
                            (got - want).abs() < 1e-10 * want.abs().max(1.0),
                            "{cell:?}: Σλ {got} vs {want}"
                        );
                    }
                }
            }
        }
    }

    /// The finite-time exponents `(1/T) log σ_i(J_T ⋯ J_1)` of a real network's steps, T ≤ 6,
    /// H ≤ 4, from the singular values of the explicit product, against the QR routine run on
    /// the round trip `J_1, …, J_T, J_Tᵀ, …, J_1ᵀ` (the product `ΦᵀΦ`, whose eigenvalues are
    /// `σ_i²`), warmed up until its basis has converged and then counted over one more trip.
    #[test]
    fn finite_time_exponents_are_the_log_singular_values_of_the_product() {
        for (c, cell) in super::super::jacobian::tests::CELLS.into_iter().enumerate() {
            for (hidden, t_len) in [(2usize, 4usize), (3, 6), (4, 3)] {
                let dims = Dims {
                    input: 2,
                    hidden,
                    output: 1,
                };
                let p = params(cell, dims, 1.0, 200 + c as u64);
                let net = Net::new(cell, dims, &p).unwrap();
                let traj = net.run(&inputs(t_len, 2, 1.0, 8).view(), None).unwrap();
                let n = net.state_size();
                let js: Vec<DMatrix<f64>> = traj.steps.iter().map(|s| net.jacobian(s)).collect();
                let mut sv: Vec<f64> = product(&js).singular_values().iter().copied().collect();
                sv.sort_by(|a, b| b.total_cmp(a));
                let trip: Vec<DMatrix<f64>> = js
                    .iter()
                    .cloned()
                    .chain(js.iter().rev().map(DMatrix::transpose))
                    .collect();
                let mut b = Benettin::new(n, n, 5);
                for _ in 0..400 {
                    for j in &trip {
                        let jq = j * b.basis();
                        b.advance(jq);
                    }
                }
                let mut b = Benettin::with_basis(b.basis().clone());
                for j in &trip {
                    let jq = j * b.basis();
                    b.advance(jq);
                }
                // One trip multiplies by ΦᵀΦ, whose eigenvalues are σ_i²: exp(sum / 2) = σ_i, to
                // the accuracy of the explicit product (ε σ_1).
                for (i, (sum, s)) in b.log_sums().iter().zip(&sv).enumerate() {
                    let got = (sum / 2.0).exp();
                    assert!(
                        (got - s).abs() <= 1e-12 * sv[0],
                        "{cell:?} H = {hidden} T = {t_len} σ_{i}: {got} vs {s} (σ = {sv:?})"
                    );
                    if *s > 1e-6 * sv[0] {
                        let (got, want) = (sum / (2.0 * t_len as f64), s.ln() / t_len as f64);
                        assert!((got - want).abs() < 1e-9, "λ_{i}: {got} vs {want}");
                    }
                }
            }
        }
    }

    /// A constant Jacobian A = S D S⁻¹ (non-normal) with eigenvalues 1.5 e^{±0.7i}, −0.9,
    /// 0.4, 0.1: the exponents tend to log |λ| (the pair's two to its log modulus, whose sum
    /// is exact once the basis spans its plane).
    #[test]
    fn constant_jacobian_exponents_are_log_moduli_of_its_eigenvalues() {
        let n = 5;
        let mut d = DMatrix::<f64>::zeros(n, n);
        let (r, th) = (1.5, 0.7);
        d[(0, 0)] = r * f64::cos(th);
        d[(0, 1)] = -r * f64::sin(th);
        d[(1, 0)] = r * f64::sin(th);
        d[(1, 1)] = r * f64::cos(th);
        d[(2, 2)] = -0.9;
        d[(3, 3)] = 0.4;
        d[(4, 4)] = 0.1;
        let s = DMatrix::from_fn(n, n, |i, j| {
            if i == j {
                1.0
            } else {
                0.3 * ((i * 5 + j) as f64).sin()
            }
        });
        let a = &s * d * s.clone().try_inverse().unwrap();
        let mut warm = Benettin::new(n, n, 2);
        for _ in 0..300 {
            let jq = &a * warm.basis();
            warm.advance(jq);
        }
        let mut b = Benettin::with_basis(warm.basis().clone());
        let steps = 20_000;
        for _ in 0..steps {
            let jq = &a * b.basis();
            b.advance(jq);
        }
        let e = b.exponents();
        let want = [r.ln(), r.ln(), 0.9_f64.ln(), 0.4_f64.ln(), 0.1_f64.ln()];
        assert!((e[0] + e[1] - 2.0 * r.ln()).abs() < 1e-10, "{e:?}");
        for (i, (g, w)) in e.iter().zip(want).enumerate() {
            // The rotating pair's R entries oscillate: their averages carry O(1/steps).
            let tol = if i < 2 { 1e-3 } else { 1e-10 };
            assert!((g - w).abs() < tol, "λ_{i} = {g} vs {w}");
        }
    }

    /// A nearly linear tanh RNN (inputs of 1e-7, no biases, `W_hh = S D S⁻¹` with real
    /// eigenvalues 0.95, −0.8, 0.6, 0.3): its step Jacobians are `W_hh` to 1e-13, so its
    /// exponents are the log moduli of `W_hh`'s eigenvalues from [`eigenvalues`].
    #[test]
    fn nearly_linear_rnn_exponents_are_log_moduli_of_w_hh() {
        let h = 4;
        let dims = Dims {
            input: 2,
            hidden: h,
            output: 1,
        };
        let cell = CellKind::Rnn(Activation::Tanh);
        let d = [0.95, -0.8, 0.6, 0.3];
        let s = Array2::from_shape_fn((h, h), |(i, j)| {
            if i == j {
                1.0
            } else {
                0.4 * ((i * 3 + 2 * j) as f64).cos()
            }
        });
        let sn = DMatrix::from_fn(h, h, |i, j| s[[i, j]]);
        let si = sn.clone().try_inverse().unwrap();
        let w = &sn * DMatrix::from_diagonal(&nalgebra::DVector::from_column_slice(&d)) * si;
        let mut p = params(cell, dims, 0.5, 1);
        p.bias_ih.fill(0.0);
        p.bias_hh.fill(0.0);
        p.weight_hh = Array2::from_shape_fn((h, h), |(i, j)| w[(i, j)]);
        let net = Net::new(cell, dims, &p).unwrap();
        let eig = eigenvalues(&p.weight_hh, "w").unwrap();
        let trajs: Vec<Trajectory> = (0..2)
            .map(|k| {
                net.run(&inputs(1_200, 2, 1e-7, 30 + k).view(), None)
                    .unwrap()
            })
            .collect();
        let ly = lyapunov_exponents(&net, &trajs, None, 400, 3).unwrap();
        assert_eq!(ly.exponents.len(), h);
        assert_eq!(ly.steps, 800);
        for (g, e) in ly.exponents.iter().zip(&eig) {
            let want = e.0.hypot(e.1).ln();
            assert!((g - want).abs() < 1e-9, "{g} vs {want}");
        }
        assert!(lyapunov_exponents(&net, &trajs, Some(5), 0, 3).is_err());
        assert!(lyapunov_exponents(&net, &trajs, Some(2), 1_200, 3).is_err());
        assert!(lyapunov_exponents(&net, &[], None, 0, 3).is_err());
    }

    /// The fitted slope of an exact geometric profile `g_t = 3 · 0.8^(steps back)` is ln 0.8;
    /// zero entries are skipped; fewer than two points give nothing.
    #[test]
    fn log_slope_of_a_geometric_profile() {
        let len: usize = 12;
        let mut values: Vec<f64> = (0..len)
            .map(|i| 3.0 * 0.8_f64.powi(i32::try_from(len - 1 - i).unwrap()))
            .collect();
        values[4] = 0.0;
        let fit = fit_log_slope(&Profile { start: 0, values }).unwrap();
        assert!((fit.slope - 0.8_f64.ln()).abs() < 1e-12, "{fit:?}");
        assert!((fit.intercept - 3.0_f64.ln()).abs() < 1e-12);
        assert_eq!(fit.points, 11);
        assert!(
            fit_log_slope(&Profile {
                start: 0,
                values: vec![1.0, 0.0]
            })
            .is_none()
        );
    }
}
