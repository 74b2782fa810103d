//! The spectrum of `W_hh` per gate block: complex eigenvalues from nalgebra's real Schur
//! decomposition, the spectral radius they give, and the largest singular value `σ_max` from
//! its SVD. `σ_max ≥ ρ`, with equality for normal matrices, so the gap shows non-normality.
//!
//! Beside them, Pascanu, Mikolov & Bengio (2013)'s reference radius `1/γ`, where γ bounds the
//! derivative of the block's non-linearity (γ = 1 for tanh and relu, 1/4 for the sigmoid): for
//! a plain RNN, `σ_max(W_hh) < 1/γ` is sufficient for the gradient to vanish and
//! `ρ(W_hh) > 1/γ` necessary for it to explode. For gated cells the reference is that of each
//! block's own non-linearity; their state map mixes the blocks (see [`super::lyapunov`]).

use nalgebra::DMatrix;
use nalgebra::linalg::{SVD, Schur};
use ndarray::{ArrayRef2, s};
use serde::{Deserialize, Serialize};

use super::DiagnosticsError;
use crate::nn::CellKind;

/// Sweeps of the QR algorithm (Schur) and of the one-sided Jacobi / bidiagonal iteration (SVD)
/// allowed per matrix row before giving up; converged spectra need a few per eigenvalue.
const SWEEPS_PER_ROW: usize = 100;

/// The spectrum of one `[H, H]` gate block of `weight_hh_l0`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BlockSpectrum {
    /// PyTorch's gate name ([`CellKind::gate_names`]).
    pub block: String,
    /// The H eigenvalues as (re, im), largest modulus first (a conjugate pair: `im > 0` first).
    pub eigenvalues: Vec<(f64, f64)>,
    /// `ρ = max |λ|`.
    pub spectral_radius: f64,
    /// The largest singular value.
    pub sigma_max: f64,
    /// Pascanu's `1/γ` for this block's non-linearity ([`reference_radius`]).
    pub reference_radius: f64,
}

/// Pascanu's `1/γ` for gate block `block` of `cell`, γ being the bound on the derivative of
/// the block's non-linearity: 1 for tanh and relu (RNN, LSTM g, GRU n), 4 for the sigmoid
/// gates (LSTM i, f, o; GRU r, z). `None` for a block the cell does not have.
pub fn reference_radius(cell: CellKind, block: usize) -> Option<f64> {
    let sigmoid = match cell {
        CellKind::Rnn(_) => [false].get(block).copied(),
        CellKind::Lstm => [true, true, false, true].get(block).copied(),
        CellKind::Gru => [true, true, false].get(block).copied(),
    }?;
    Some(if sigmoid { 4.0 } else { 1.0 })
}

/// The eigenvalues of a square matrix as (re, im), largest modulus first, through nalgebra's
/// real Schur decomposition.
pub fn eigenvalues(a: &ArrayRef2<f64>, what: &str) -> Result<Vec<(f64, f64)>, DiagnosticsError> {
    let m = square(a, what)?;
    let n = m.nrows();
    if n == 0 {
        return Ok(Vec::new());
    }
    let schur = Schur::try_new(m, f64::EPSILON, SWEEPS_PER_ROW * n).ok_or_else(|| {
        DiagnosticsError::NoConvergence {
            what: "Schur decomposition",
            of: what.to_owned(),
        }
    })?;
    let mut eig: Vec<(f64, f64)> = schur
        .complex_eigenvalues()
        .iter()
        .map(|z| (z.re, z.im))
        .collect();
    eig.sort_by(|a, b| {
        let (ma, mb) = (a.0.hypot(a.1), b.0.hypot(b.1));
        mb.total_cmp(&ma)
            .then(b.0.total_cmp(&a.0))
            .then(b.1.total_cmp(&a.1))
    });
    Ok(eig)
}

/// The largest singular value of a matrix, from nalgebra's SVD (singular values only).
pub fn sigma_max(a: &ArrayRef2<f64>, what: &str) -> Result<f64, DiagnosticsError> {
    let m = dense(a, what)?;
    if m.is_empty() {
        return Ok(0.0);
    }
    let n = m.nrows().max(m.ncols());
    let svd = SVD::try_new(m, false, false, f64::EPSILON, SWEEPS_PER_ROW * n).ok_or_else(|| {
        DiagnosticsError::NoConvergence {
            what: "SVD",
            of: what.to_owned(),
        }
    })?;
    Ok(svd.singular_values.max())
}

/// The spectrum of every gate block of `w_hh [G·H, H]`, in PyTorch's gate order.
pub fn block_spectra(
    cell: CellKind,
    w_hh: &ArrayRef2<f64>,
) -> Result<Vec<BlockSpectrum>, DiagnosticsError> {
    let hidden = w_hh.ncols();
    let names = cell.gate_names();
    if w_hh.nrows() != names.len() * hidden {
        return Err(DiagnosticsError::Shape(format!(
            "weight_hh_l0 has shape [{}, {hidden}]; a {} needs [{}, {hidden}]",
            w_hh.nrows(),
            cell.short_name(),
            names.len() * hidden
        )));
    }
    names
        .iter()
        .enumerate()
        .map(|(g, name)| {
            let block = w_hh.slice(s![g * hidden..(g + 1) * hidden, ..]);
            let what = format!("weight_hh_l0 block {name}");
            let eigenvalues = eigenvalues(&block, &what)?;
            let spectral_radius = eigenvalues.first().map_or(0.0, |&(re, im)| re.hypot(im));
            Ok(BlockSpectrum {
                block: (*name).to_owned(),
                eigenvalues,
                spectral_radius,
                sigma_max: sigma_max(&block, &what)?,
                reference_radius: reference_radius(cell, g).expect("g < gates"),
            })
        })
        .collect()
}

/// `a` as an nalgebra matrix, refusing non-finite entries.
fn dense(a: &ArrayRef2<f64>, what: &str) -> Result<DMatrix<f64>, DiagnosticsError> {
    if a.iter().any(|v| !v.is_finite()) {
        return Err(DiagnosticsError::NonFinite {
            what: what.to_owned(),
        });
    }
    Ok(DMatrix::from_fn(a.nrows(), a.ncols(), |r, c| a[[r, c]]))
}

fn square(a: &ArrayRef2<f64>, what: &str) -> Result<DMatrix<f64>, DiagnosticsError> {
    if a.nrows() != a.ncols() {
        return Err(DiagnosticsError::Shape(format!(
            "{what} is {}×{}; eigenvalues need a square matrix",
            a.nrows(),
            a.ncols()
        )));
    }
    dense(a, what)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::linalg::{largest_singular_value, spectral_radius};
    use ndarray::{Array2, array};
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    /// `ln |det(A − λI)|` by complex LU with partial pivoting (−∞ when singular).
    fn log_abs_det_shifted(a: &Array2<f64>, lam: (f64, f64)) -> f64 {
        let n = a.nrows();
        let mut m: Vec<Vec<(f64, f64)>> = (0..n)
            .map(|r| {
                (0..n)
                    .map(|c| {
                        let d = if r == c { lam } else { (0.0, 0.0) };
                        (a[[r, c]] - d.0, -d.1)
                    })
                    .collect()
            })
            .collect();
        let mul = |x: (f64, f64), y: (f64, f64)| (x.0 * y.0 - x.1 * y.1, x.0 * y.1 + x.1 * y.0);
        let div = |x: (f64, f64), y: (f64, f64)| {
            let d = y.0 * y.0 + y.1 * y.1;
            ((x.0 * y.0 + x.1 * y.1) / d, (x.1 * y.0 - x.0 * y.1) / d)
        };
        let abs = |x: (f64, f64)| x.0.hypot(x.1);
        let mut log_det = 0.0;
        for k in 0..n {
            let p = (k..n)
                .max_by(|&i, &j| abs(m[i][k]).total_cmp(&abs(m[j][k])))
                .unwrap();
            m.swap(k, p);
            let piv = m[k][k];
            if abs(piv) == 0.0 {
                return f64::NEG_INFINITY;
            }
            log_det += abs(piv).ln();
            let (top, rest) = m.split_at_mut(k + 1);
            let pivot_row = &top[k];
            for row in rest {
                let f = div(row[k], piv);
                for (x, &y) in row[k..].iter_mut().zip(&pivot_row[k..]) {
                    let v = mul(f, y);
                    *x = (x.0 - v.0, x.1 - v.1);
                }
            }
        }
        log_det
    }

    /// `|p(λ)| / |p(λ + η)|` for the characteristic polynomial `p(μ) = det(A − μI)` and
    /// `η = 1e-6 ‖A‖_F`: near a simple root p(λ + η) ≈ p'(λ) η, so the ratio is the distance
    /// to the root over η (tiny at an eigenvalue, about 1 away from one).
    fn char_poly_rel(a: &Array2<f64>, lam: (f64, f64)) -> f64 {
        let eta = 1e-6 * a.iter().map(|v| v * v).sum::<f64>().sqrt();
        (log_abs_det_shifted(a, lam) - log_abs_det_shifted(a, (lam.0 + eta, lam.1))).exp()
    }

    fn close(a: (f64, f64), b: (f64, f64), tol: f64) -> bool {
        (a.0 - b.0).hypot(a.1 - b.1) <= tol
    }

    /// A block-diagonal matrix of 2×2 scaled rotations r·R(θ) has eigenvalues r·e^{±iθ}, and a
    /// 1×1 block its entry; conjugated by a random orthogonal matrix, the spectrum is the same.
    #[test]
    fn rotation_blocks_give_their_conjugate_pairs() {
        let blocks = [(1.2, 0.3), (0.9, 2.0), (0.5, 1.0)];
        let n = 7;
        let mut a = Array2::<f64>::zeros((n, n));
        for (k, &(r, th)) in blocks.iter().enumerate() {
            let (c, s) = (r * f64::cos(th), r * f64::sin(th));
            a[[2 * k, 2 * k]] = c;
            a[[2 * k, 2 * k + 1]] = -s;
            a[[2 * k + 1, 2 * k]] = s;
            a[[2 * k + 1, 2 * k + 1]] = c;
        }
        a[[6, 6]] = -0.7;
        let mut rng = ChaCha8Rng::seed_from_u64(4);
        let g = Array2::from_shape_fn((n, n), |_| rand::RngExt::random::<f64>(&mut rng) - 0.5);
        let q = crate::nn::linalg::orthonormal_columns(&g);
        let b = q.dot(&a).dot(&q.t());
        let want = [
            (1.2 * f64::cos(0.3), 1.2 * f64::sin(0.3)),
            (1.2 * f64::cos(0.3), -1.2 * f64::sin(0.3)),
            (0.9 * f64::cos(2.0), 0.9 * f64::sin(2.0)),
            (0.9 * f64::cos(2.0), -0.9 * f64::sin(2.0)),
            (-0.7, 0.0),
            (0.5 * f64::cos(1.0), 0.5 * f64::sin(1.0)),
            (0.5 * f64::cos(1.0), -0.5 * f64::sin(1.0)),
        ];
        for m in [&a, &b] {
            let got = eigenvalues(m, "test").unwrap();
            assert_eq!(got.len(), n);
            for (g, w) in got.iter().zip(&want) {
                assert!(close(*g, *w, 1e-12), "{got:?} vs {want:?}");
            }
        }
        // Orthogonal conjugation keeps the singular values too: σ_max = 1.2.
        assert!((sigma_max(&b, "b").unwrap() - 1.2).abs() < 1e-12);
    }

    /// A Jordan block `J_n(λ)` has the single eigenvalue λ; the computed ones lie on a circle of
    /// radius about `ε^{1/n}` around it (the Jordan block's known sensitivity), and `σ_max` of the
    /// 2×2 block [[λ, 1], [0, λ]] is (1 + √(1 + 4λ²)) / 2, well above ρ = λ.
    #[test]
    fn jordan_blocks_have_one_eigenvalue_and_a_larger_sigma_max() {
        for (n, lam) in [(2usize, 0.8), (3, -0.5), (4, 1.1)] {
            let mut a = Array2::<f64>::zeros((n, n));
            for i in 0..n {
                a[[i, i]] = lam;
                if i + 1 < n {
                    a[[i, i + 1]] = 1.0;
                }
            }
            let got = eigenvalues(&a, "jordan").unwrap();
            assert_eq!(got.len(), n);
            let tol = 10.0 * f64::EPSILON.powf(1.0 / n as f64);
            for g in &got {
                assert!(close(*g, (lam, 0.0), tol), "J_{n}({lam}): {got:?}");
            }
        }
        let a = array![[0.8, 1.0], [0.0, 0.8]];
        let want = f64::midpoint(1.0, (1.0 + 4.0 * 0.64_f64).sqrt());
        assert!((sigma_max(&a, "a").unwrap() - want).abs() < 1e-12);
        let spec = block_spectra(CellKind::Rnn(crate::nn::Activation::Tanh), &a).unwrap();
        assert!((spec[0].spectral_radius - 0.8).abs() < 1e-7);
        assert!(spec[0].sigma_max > 1.5 * spec[0].spectral_radius);
    }

    /// Random matrices: every eigenvalue is a root of det(A − λI) (relative to the slope of
    /// the polynomial there), the eigenvalues sum to the trace, and conjugate pairs come in pairs.
    #[test]
    fn random_eigenvalues_are_roots_of_the_characteristic_polynomial() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        for n in [3usize, 8, 16] {
            let a = Array2::from_shape_fn((n, n), |_| rand::RngExt::random::<f64>(&mut rng) - 0.5);
            let eig = eigenvalues(&a, "random").unwrap();
            let trace: f64 = (0..n).map(|i| a[[i, i]]).sum();
            let (sum_re, sum_im) = eig.iter().fold((0.0, 0.0), |s, e| (s.0 + e.0, s.1 + e.1));
            assert!((sum_re - trace).abs() < 1e-12 && sum_im.abs() < 1e-12);
            for &lam in &eig {
                let r = char_poly_rel(&a, lam);
                // A root to within 1e-6 η = 1e-12 ‖A‖_F.
                assert!(r < 1e-6, "n = {n}: |p(λ)| / |p(λ + η)| = {r:e} at {lam:?}");
                assert!(eig.iter().any(|e| close(*e, (lam.0, -lam.1), 1e-12)));
            }
            // A point that is not an eigenvalue does not vanish.
            assert!(char_poly_rel(&a, (eig[0].0 + 0.3, eig[0].1)) > 0.5);
        }
    }

    /// Gate blocks are cut in PyTorch's order and get their γ: an LSTM whose blocks are
    /// c·I for c = 1, 2, 3, 4 has spectral radii 1, 2, 3, 4 in order i, f, g, o.
    #[test]
    fn gate_blocks_in_pytorch_order_with_their_reference() {
        let h = 3;
        let mut w = Array2::<f64>::zeros((4 * h, h));
        for g in 0..4 {
            for j in 0..h {
                w[[g * h + j, j]] = (g + 1) as f64;
            }
        }
        let spec = block_spectra(CellKind::Lstm, &w).unwrap();
        let names: Vec<&str> = spec.iter().map(|b| b.block.as_str()).collect();
        assert_eq!(names, ["i", "f", "g", "o"]);
        for (g, b) in spec.iter().enumerate() {
            assert!((b.spectral_radius - (g + 1) as f64).abs() < 1e-12);
            assert!((b.sigma_max - (g + 1) as f64).abs() < 1e-12);
        }
        let refs: Vec<f64> = spec.iter().map(|b| b.reference_radius).collect();
        assert_eq!(refs, [4.0, 4.0, 1.0, 4.0]);
        assert_eq!(reference_radius(CellKind::Gru, 2), Some(1.0));
        assert_eq!(reference_radius(CellKind::Gru, 3), None);
        assert!(block_spectra(CellKind::Gru, &w).is_err());
        let mut bad = w.clone();
        bad[[0, 0]] = f64::INFINITY;
        assert!(matches!(
            block_spectra(CellKind::Lstm, &bad),
            Err(DiagnosticsError::NonFinite { .. })
        ));
    }

    /// The hand-written Gelfand spectral radius and power-iteration `σ_max` of
    /// [`crate::nn::linalg`] (what the trainer's `Spectral` uses) agree with these on
    /// Gaussian matrices, at the iteration counts the trainer uses and at more.
    #[test]
    fn agrees_with_the_existing_spectral_radius() {
        let mut rng = ChaCha8Rng::seed_from_u64(21);
        for n in [8usize, 32, 64] {
            let scale = 1.0 / (n as f64).sqrt();
            let a = Array2::from_shape_fn((n, n), |_| {
                scale * (rand::RngExt::random::<f64>(&mut rng) - 0.5) * 12f64.sqrt()
            });
            let rho = eigenvalues(&a, "a").unwrap()[0];
            let rho = rho.0.hypot(rho.1);
            let smax = sigma_max(&a, "a").unwrap();
            let rel = |x: f64, y: f64| (x - y).abs() / y;
            assert!(rel(spectral_radius(&a, 40), rho) < 1e-6, "n = {n}");
            assert!(rel(spectral_radius(&a, 16), rho) < 1e-3, "n = {n}");
            assert!(
                rel(largest_singular_value(&a, 2000), smax) < 1e-9,
                "n = {n}"
            );
        }
    }
}
