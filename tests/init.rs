//! Initialization schemes (`bptt_lab::nn::init`) and the small linear algebra behind them
//! (`bptt_lab::nn::linalg`): reproducibility per seed, the bounds and structure each scheme
//! promises, and the linear algebra against matrices whose answers are known in closed form.

use bptt_lab::nn::init::{InitError, init_params};
use bptt_lab::nn::linalg::{largest_singular_value, orthonormal_columns, spectral_radius};
use bptt_lab::nn::{Activation, BiasInit, CellKind, Dims, Init, Params, WeightInit};
use ndarray::{Array2, ArrayRef2, ArrayView2, array, s};

const CELLS: [CellKind; 4] = [
    CellKind::Rnn(Activation::Tanh),
    CellKind::Rnn(Activation::Relu),
    CellKind::Lstm,
    CellKind::Gru,
];

const WEIGHT_SCHEMES: [WeightInit; 8] = [
    WeightInit::PytorchDefault,
    WeightInit::XavierUniform { gain: 1.5 },
    WeightInit::XavierNormal { gain: 0.8 },
    WeightInit::Orthogonal { gain: 1.2 },
    WeightInit::Identity { gain: 0.9 },
    WeightInit::SpectralRadius { radius: 0.95 },
    WeightInit::Sparse {
        nonzeros: 2,
        radius: 1.1,
    },
    WeightInit::Zero,
];

fn dims(input: usize, hidden: usize) -> Dims {
    Dims {
        input,
        hidden,
        output: 2,
    }
}

fn weights(scheme: WeightInit) -> Init {
    Init {
        weight_ih: scheme,
        weight_hh: scheme,
        bias: BiasInit::PytorchDefault,
    }
}

#[track_caller]
fn init(cell: CellKind, dims: Dims, init: Init, seed: u64) -> Params<f64> {
    init_params::<f64>(cell, dims, init, seed)
        .unwrap_or_else(|e| panic!("{cell:?} {dims:?} {init:?}: {e}"))
}

/// Gate block `g` (rows `g·H..(g+1)·H`) of a `[G·H, ·]` weight.
fn block(w: &Array2<f64>, g: usize, hidden: usize) -> ArrayView2<'_, f64> {
    w.slice(s![g * hidden..(g + 1) * hidden, ..])
}

fn max_abs<'a>(v: impl IntoIterator<Item = &'a f64>) -> f64 {
    v.into_iter().fold(0.0, |m, x| m.max(x.abs()))
}

/// `max |AᵀA − c·I|` (or with `AAᵀ` when `columns` is false).
fn gram_error(a: &ArrayRef2<f64>, c: f64, columns: bool) -> f64 {
    let gram = if columns {
        a.t().dot(&a.view())
    } else {
        a.dot(&a.t())
    };
    let n = gram.nrows();
    let eye = Array2::<f64>::eye(n) * c;
    max_abs((&gram - &eye).iter())
}

#[track_caller]
fn assert_rel(what: &str, got: f64, want: f64, rel: f64) {
    let err = (got - want).abs() / want.abs();
    assert!(
        err <= rel,
        "{what}: got {got:.15}, expected {want:.15} (relative error {err:.3e} > {rel:e})"
    );
}

// ---------------------------------------------------------------------------------------------
// Reproducibility.

#[test]
fn every_weight_scheme_is_reproducible_per_seed() {
    let d = dims(2, 3);
    for cell in CELLS {
        for scheme in WEIGHT_SCHEMES {
            let a = init(cell, d, weights(scheme), 11);
            let b = init(cell, d, weights(scheme), 11);
            let c = init(cell, d, weights(scheme), 12);
            assert_eq!(a, b, "{cell:?} {scheme:?}: same seed, different params");
            assert_ne!(
                a.readout_weight, c.readout_weight,
                "{cell:?} {scheme:?}: seeds 11 and 12 gave the same readout"
            );
            let random = !matches!(scheme, WeightInit::Identity { .. } | WeightInit::Zero);
            for (name, wa, wc) in [
                ("weight_ih", &a.weight_ih, &c.weight_ih),
                ("weight_hh", &a.weight_hh, &c.weight_hh),
            ] {
                if random {
                    assert_ne!(wa, wc, "{cell:?} {scheme:?}: {name} equal for seeds 11, 12");
                } else {
                    assert_eq!(wa, wc, "{cell:?} {scheme:?}: deterministic {name} varies");
                }
            }
            // The readout is torch.nn.Linear's default whatever the scheme: U(±1/√H).
            let bound = 1.0 / 3.0_f64.sqrt();
            let m = max_abs(a.readout_weight.iter().chain(&a.readout_bias));
            assert!(
                m <= bound,
                "{cell:?} {scheme:?}: readout entry {m} outside ±{bound}"
            );
        }
    }
}

#[test]
fn every_bias_scheme_is_reproducible_per_seed() {
    let d = dims(2, 4);
    for bias in [
        BiasInit::PytorchDefault,
        BiasInit::Zero,
        BiasInit::ForgetBias { value: 1.0 },
        BiasInit::Chrono { t_max: 20.0 },
    ] {
        let scheme = Init {
            bias,
            ..Init::default()
        };
        let a = init(CellKind::Lstm, d, scheme, 3);
        let b = init(CellKind::Lstm, d, scheme, 3);
        let c = init(CellKind::Lstm, d, scheme, 4);
        assert_eq!(a, b, "{bias:?}: same seed, different params");
        assert_ne!(a, c, "{bias:?}: seeds 3 and 4 gave the same params");
        let random = matches!(bias, BiasInit::PytorchDefault | BiasInit::Chrono { .. });
        if random {
            assert_ne!(
                a.bias_ih, c.bias_ih,
                "{bias:?}: bias_ih equal for seeds 3, 4"
            );
        } else {
            assert_eq!(
                a.bias_ih, c.bias_ih,
                "{bias:?}: deterministic bias_ih varies"
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Bounds and distributions.

#[test]
fn pytorch_default_draws_every_entry_within_one_over_sqrt_h() {
    // H = 16: bound 0.25 for all six tensors.
    let d = Dims {
        input: 3,
        hidden: 16,
        output: 4,
    };
    let bound = 0.25;
    for cell in CELLS {
        let p = init(cell, d, Init::default(), 5);
        let mut all = Vec::new();
        for (name, s) in bptt_lab::nn::PARAM_NAMES.iter().zip(p.slices()) {
            let m = max_abs(s);
            assert!(m <= bound, "{cell:?}: {name} has |entry| {m} > {bound}");
            all.extend_from_slice(s);
        }
        // Uniform over the whole range: the extremes come close to the bound (hundreds of
        // draws) and both signs occur.
        let m = max_abs(&all);
        assert!(m > 0.95 * bound, "{cell:?}: largest |entry| {m} ≪ {bound}");
        let neg = all.iter().filter(|v| **v < 0.0).count();
        let frac = neg as f64 / all.len() as f64;
        assert!(
            (0.35..0.65).contains(&frac),
            "{cell:?}: {neg} of {} entries negative",
            all.len()
        );
    }
}

#[test]
fn xavier_uniform_stays_within_gain_sqrt_6_over_fans() {
    // LSTM, I = 3, H = 4: weight_ih [16, 3] → a = 1.5·√(6/19) = 0.8429;
    // weight_hh [16, 4] → a = 1.5·√(6/20) = 0.8216.
    let p = init(
        CellKind::Lstm,
        dims(3, 4),
        weights(WeightInit::XavierUniform { gain: 1.5 }),
        21,
    );
    for (name, w, fan_sum) in [
        ("weight_ih", &p.weight_ih, 19.0_f64),
        ("weight_hh", &p.weight_hh, 20.0),
    ] {
        let a = 1.5 * (6.0 / fan_sum).sqrt();
        let m = max_abs(w);
        assert!(m <= a, "{name}: |entry| {m} > bound {a}");
        assert!(m > 0.9 * a, "{name}: largest |entry| {m} ≪ bound {a}");
    }
}

#[test]
fn xavier_normal_has_std_gain_sqrt_2_over_fans() {
    // LSTM, I = 16, H = 32: weight_hh [128, 32] → σ = 0.8·√(2/160) = 0.08944 over 4096 draws;
    // the sample std is within ~1.1% (one standard error) of σ, so 5% is generous.
    let p = init(
        CellKind::Lstm,
        dims(16, 32),
        weights(WeightInit::XavierNormal { gain: 0.8 }),
        8,
    );
    for (name, w, fan_sum) in [
        ("weight_ih", &p.weight_ih, 144.0_f64),
        ("weight_hh", &p.weight_hh, 160.0),
    ] {
        let sigma = 0.8 * (2.0 / fan_sum).sqrt();
        let n = w.len() as f64;
        let mean = w.sum() / n;
        let std = (w.mapv(|v| (v - mean).powi(2)).sum() / n).sqrt();
        assert_rel(&format!("{name} std"), std, sigma, 0.05);
        assert!(
            mean.abs() < 4.0 * sigma / n.sqrt(),
            "{name}: mean {mean} far from 0 (σ = {sigma}, n = {n})"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Structured schemes, per gate block.

#[test]
fn orthogonal_blocks_satisfy_qtq_equals_gain_squared_identity() {
    let gain = 1.2;
    let c = gain * gain;
    for cell in CELLS {
        // I = 2 < H: tall input blocks [4, 2] (orthonormal columns);
        // I = 6 > H: wide input blocks [4, 6] (orthonormal rows).
        for input in [2, 6] {
            let h = 4;
            let p = init(
                cell,
                dims(input, h),
                weights(WeightInit::Orthogonal { gain }),
                31,
            );
            for g in 0..cell.gates() {
                let q = block(&p.weight_hh, g, h);
                let e_cols = gram_error(&q, c, true);
                let e_rows = gram_error(&q, c, false);
                assert!(
                    e_cols < 1e-10 && e_rows < 1e-10,
                    "{cell:?} weight_hh block {g}: max|QᵀQ − {c}·I| = {e_cols:.3e}, \
                     max|QQᵀ − {c}·I| = {e_rows:.3e}"
                );
                let q = block(&p.weight_ih, g, h);
                let tall = h >= input;
                let e = gram_error(&q, c, tall);
                assert!(
                    e < 1e-10,
                    "{cell:?} I={input} weight_ih block {g} ({}): Gram error {e:.3e}",
                    if tall { "QᵀQ" } else { "QQᵀ" }
                );
            }
            if cell.gates() > 1 {
                assert_ne!(
                    block(&p.weight_hh, 0, h),
                    block(&p.weight_hh, 1, h),
                    "{cell:?}: gate blocks are drawn independently"
                );
            }
        }
    }
}

#[test]
fn identity_puts_gain_on_each_blocks_diagonal() {
    let gain = 0.9;
    let h = 3;
    for cell in CELLS {
        for input in [2, 5] {
            let p = init(
                cell,
                dims(input, h),
                weights(WeightInit::Identity { gain }),
                1,
            );
            for (name, w, cols) in [
                ("weight_hh", &p.weight_hh, h),
                ("weight_ih", &p.weight_ih, input),
            ] {
                for g in 0..cell.gates() {
                    let want =
                        Array2::from_shape_fn((h, cols), |(i, j)| if i == j { gain } else { 0.0 });
                    let got = block(w, g, h);
                    assert_eq!(
                        got, want,
                        "{cell:?} I={input}: {name} block {g} is not {gain}·eye({h}, {cols})"
                    );
                }
            }
        }
    }
}

#[test]
fn spectral_radius_init_gives_each_block_the_radius() {
    let radius = 0.95;
    let h = 8;
    for cell in CELLS {
        let p = init(
            cell,
            dims(2, h),
            weights(WeightInit::SpectralRadius { radius }),
            41,
        );
        for g in 0..cell.gates() {
            // 60 squarings: a finer estimate than the 40 the scheme rescales with.
            let rho = spectral_radius(&block(&p.weight_hh, g, h), 60);
            assert_rel(&format!("{cell:?} ρ(W_hh block {g})"), rho, radius, 1e-6);
            // The non-square input block [8, 2] gets σ_max = radius. For two columns,
            // σ_max² is the larger eigenvalue of the 2×2 Gram matrix, in closed form.
            let sigma = sigma_max_two_columns(&block(&p.weight_ih, g, h));
            assert_rel(
                &format!("{cell:?} σ_max(W_ih block {g})"),
                sigma,
                radius,
                1e-6,
            );
        }
    }
}

#[test]
fn spectral_radius_init_matches_closed_form_eigenvalues_for_h_2() {
    // For a 2×2 block the eigenvalues are (tr ± √(tr² − 4 det)) / 2; when the discriminant is
    // negative they are a complex pair of modulus √det. Independent of `spectral_radius`.
    let radius = 0.8;
    for seed in 0..8 {
        let p = init(
            CellKind::Lstm,
            dims(2, 2),
            weights(WeightInit::SpectralRadius { radius }),
            seed,
        );
        for g in 0..4 {
            let b = block(&p.weight_hh, g, 2);
            let rho = rho_2x2(&b);
            assert_rel(
                &format!("seed {seed}: ρ of W_hh block {g} = {b:?}"),
                rho,
                radius,
                1e-6,
            );
        }
    }
}

#[test]
fn sparse_rows_have_exactly_nonzeros_entries_and_the_radius() {
    let (h, input, nonzeros, radius) = (8, 4, 3, 1.1);
    for cell in CELLS {
        let p = init(
            cell,
            dims(input, h),
            weights(WeightInit::Sparse { nonzeros, radius }),
            17,
        );
        for (name, w) in [("weight_hh", &p.weight_hh), ("weight_ih", &p.weight_ih)] {
            for g in 0..cell.gates() {
                for (r, row) in block(w, g, h).rows().into_iter().enumerate() {
                    let count = row.iter().filter(|v| **v != 0.0).count();
                    assert_eq!(
                        count, nonzeros,
                        "{cell:?} {name} block {g} row {r} = {row}: {count} non-zeros"
                    );
                }
            }
        }
        for g in 0..cell.gates() {
            let rho = spectral_radius(&block(&p.weight_hh, g, h), 60);
            assert_rel(&format!("{cell:?} ρ(W_hh block {g})"), rho, radius, 1e-6);
        }
    }
}

#[test]
fn sparse_rejects_nonzeros_outside_one_to_columns() {
    let d = dims(2, 4);
    let hh = |nonzeros| Init {
        weight_hh: WeightInit::Sparse {
            nonzeros,
            radius: 1.0,
        },
        ..Init::default()
    };
    for (init, tensor, max, got) in [
        (hh(0), "weight_hh", 4, 0),
        (hh(5), "weight_hh", 4, 5),
        (
            Init {
                weight_ih: WeightInit::Sparse {
                    nonzeros: 3,
                    radius: 1.0,
                },
                ..Init::default()
            },
            "weight_ih",
            2,
            3,
        ),
    ] {
        let result = init_params::<f64>(CellKind::Gru, d, init, 0);
        assert_eq!(
            result,
            Err(InitError::SparseNonzeros { tensor, max, got }),
            "{init:?}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// LSTM bias schemes.

#[test]
fn forget_bias_sets_only_the_forget_block_of_bias_ih() {
    let h = 3;
    let value = 1.5;
    let scheme = Init {
        bias: BiasInit::ForgetBias { value },
        ..Init::default()
    };
    let p = init(CellKind::Lstm, dims(2, h), scheme, 9);
    for (k, &v) in p.bias_ih.iter().enumerate() {
        let want = if (h..2 * h).contains(&k) { value } else { 0.0 };
        assert!(
            v.to_bits() == want.to_bits(),
            "bias_ih[{k}] = {v}, expected {want} (gates i,f,g,o; forget = rows {h}..{})",
            2 * h
        );
    }
    assert!(
        p.bias_hh.iter().all(|v| *v == 0.0),
        "bias_hh must stay zero so the effective forget bias is {value}: {}",
        p.bias_hh
    );
}

#[test]
fn chrono_draws_forget_bias_in_range_and_input_bias_as_its_negative() {
    let h = 16;
    let t_max = 50.0;
    let hi = (t_max - 1.0_f64).ln();
    let scheme = Init {
        bias: BiasInit::Chrono { t_max },
        ..Init::default()
    };
    let p = init(CellKind::Lstm, dims(2, h), scheme, 13);
    let b = &p.bias_ih;
    for j in 0..h {
        let (bi, bf) = (b[j], b[h + j]);
        assert!(
            (0.0..=hi).contains(&bf),
            "b_f[{j}] = {bf} outside [0, ln({}) = {hi}]",
            t_max - 1.0
        );
        assert!(
            bi.to_bits() == (-bf).to_bits(),
            "b_i[{j}] = {bi}, expected −b_f = {}",
            -bf
        );
    }
    let rest = max_abs(b.slice(s![2 * h..]));
    assert!(rest == 0.0, "g and o blocks of bias_ih: max |b| = {rest}");
    assert!(
        p.bias_hh.iter().all(|v| *v == 0.0),
        "bias_hh: {}",
        p.bias_hh
    );
    let bf = b.slice(s![h..2 * h]);
    let spread =
        bf.fold(f64::NEG_INFINITY, |m, v| m.max(*v)) - bf.fold(f64::INFINITY, |m, v| m.min(*v));
    assert!(spread > 1.0, "b_f is drawn per unit, spread {spread}: {bf}");

    // A short horizon pins the range: t_max = 3 → u ~ U[1, 2], b_f ∈ [0, ln 2 = 0.6931],
    // and 64 draws reach close to both ends.
    let h = 64;
    let scheme = Init {
        bias: BiasInit::Chrono { t_max: 3.0 },
        ..Init::default()
    };
    let p = init(CellKind::Lstm, dims(2, h), scheme, 14);
    let bf = p.bias_ih.slice(s![h..2 * h]);
    let (lo, hi) = (
        bf.fold(f64::INFINITY, |m, v| m.min(*v)),
        bf.fold(f64::NEG_INFINITY, |m, v| m.max(*v)),
    );
    let ln2 = 2.0_f64.ln();
    assert!(
        lo >= 0.0 && hi <= ln2 && lo < 0.05 && hi > ln2 - 0.05,
        "t_max = 3: b_f spans [{lo}, {hi}], expected ≈ [0, ln 2 = {ln2}]"
    );

    for t_max in [2.0, 1.0, f64::NAN] {
        let scheme = Init {
            bias: BiasInit::Chrono { t_max },
            ..Init::default()
        };
        let result = init_params::<f64>(CellKind::Lstm, dims(2, h), scheme, 0);
        assert!(
            matches!(result, Err(InitError::ChronoTmax(t)) if t.to_bits() == t_max.to_bits()),
            "t_max = {t_max}: {result:?}"
        );
    }
}

#[test]
fn lstm_only_bias_schemes_fail_on_other_cells() {
    for cell in [
        CellKind::Gru,
        CellKind::Rnn(Activation::Tanh),
        CellKind::Rnn(Activation::Relu),
    ] {
        for (bias, scheme) in [
            (BiasInit::ForgetBias { value: 1.0 }, "forget_bias"),
            (BiasInit::Chrono { t_max: 10.0 }, "chrono"),
        ] {
            let init = Init {
                bias,
                ..Init::default()
            };
            let result = init_params::<f64>(cell, dims(2, 3), init, 0);
            assert_eq!(
                result,
                Err(InitError::LstmOnly {
                    scheme,
                    cell: cell.short_name()
                }),
                "{cell:?} with {bias:?}"
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// linalg against closed forms.

/// ρ of a 2×2 matrix from its characteristic polynomial.
fn rho_2x2(a: &ArrayRef2<f64>) -> f64 {
    let tr = a[[0, 0]] + a[[1, 1]];
    let det = a[[0, 0]] * a[[1, 1]] - a[[0, 1]] * a[[1, 0]];
    let disc = tr * tr - 4.0 * det;
    if disc < 0.0 {
        det.sqrt()
    } else {
        f64::midpoint(tr.abs(), disc.sqrt())
    }
}

/// `σ_max` of an `[n, 2]` matrix: √ of the larger eigenvalue of the symmetric 2×2 `AᵀA`.
fn sigma_max_two_columns(a: &ArrayRef2<f64>) -> f64 {
    assert_eq!(a.ncols(), 2);
    let g = a.t().dot(&a.view());
    let (p, q, r) = (g[[0, 0]], g[[1, 1]], g[[0, 1]]);
    let lambda = 0.5 * (p + q) + (0.25 * (p - q).powi(2) + r * r).sqrt();
    lambda.sqrt()
}

#[test]
fn spectral_radius_of_a_non_normal_scaled_rotation_is_its_modulus() {
    // A = S (0.7 R(1 rad)) S⁻¹ with S = [[1, 2], [0, 1]]: eigenvalues 0.7 e^{±i}, ρ = 0.7.
    // Power iteration has no dominant real eigenvector to converge to: its ratio ‖Av‖/‖v‖
    // keeps oscillating (checked below), while Gelfand's formula converges.
    let (c, sn) = (1.0_f64.cos(), 1.0_f64.sin());
    let rot = array![[c, -sn], [sn, c]] * 0.7;
    let sm = array![[1.0, 2.0], [0.0, 1.0]];
    let sm_inv = array![[1.0, -2.0], [0.0, 1.0]];
    let a = sm.dot(&rot).dot(&sm_inv);
    assert_rel("closed-form ρ of A", rho_2x2(&a), 0.7, 1e-12);
    let rho = spectral_radius(&a, 40);
    assert_rel("spectral_radius(A)", rho, 0.7, 1e-10);

    let mut v = array![1.0, 0.0];
    let mut ratios = Vec::new();
    for _ in 0..200 {
        let av = a.dot(&v);
        let n = av.dot(&av).sqrt();
        ratios.push(n / v.dot(&v).sqrt());
        v = av / n;
    }
    let tail = &ratios[180..];
    let spread = tail.iter().copied().fold(f64::NEG_INFINITY, f64::max)
        - tail.iter().copied().fold(f64::INFINITY, f64::min);
    assert!(
        spread > 0.1,
        "power iteration was expected not to settle here; last ratios {tail:?}"
    );

    // Block-diagonal with a smaller real eigenvalue beside the pair: still 0.7.
    let mut big = Array2::<f64>::zeros((3, 3));
    big.slice_mut(s![0..2, 0..2]).assign(&a);
    big[[2, 2]] = -0.3;
    assert_rel(
        "spectral_radius(diag(A, −0.3))",
        spectral_radius(&big, 40),
        0.7,
        1e-10,
    );
}

#[test]
fn spectral_radius_of_triangular_jordan_and_nilpotent_matrices() {
    // Triangular: eigenvalues are the diagonal, ρ = 0.9 despite off-diagonal entries ≫ 1.
    let tri = array![[0.5, 3.0, -2.0], [0.0, -0.9, 7.0], [0.0, 0.0, 0.2]];
    assert_rel("ρ(triangular)", spectral_radius(&tri, 40), 0.9, 1e-9);
    // A Jordan block (defective): ‖A^k‖ ~ k·ρ^k, still ρ = 0.5.
    let jordan = array![[0.5, 1.0], [0.0, 0.5]];
    assert_rel("ρ(Jordan)", spectral_radius(&jordan, 40), 0.5, 1e-9);
    // Nilpotent and zero: exactly 0.
    let nil = array![[0.0, 1.0, 4.0], [0.0, 0.0, 1.0], [0.0, 0.0, 0.0]];
    let rho = spectral_radius(&nil, 40);
    assert!(rho == 0.0, "ρ(nilpotent) = {rho}, expected 0");
    let rho = spectral_radius(&Array2::<f64>::zeros((3, 3)), 40);
    assert!(rho == 0.0, "ρ(0) = {rho}, expected 0");
    // A scaled identity: ρ = |c|.
    let rho = spectral_radius(&(Array2::<f64>::eye(4) * -1.7), 40);
    assert_rel("ρ(−1.7·I)", rho, 1.7, 1e-12);
}

#[test]
fn largest_singular_value_of_diagonal_and_rectangular_matrices() {
    let d = array![[3.0, 0.0, 0.0], [0.0, -5.0, 0.0], [0.0, 0.0, 2.0]];
    assert_rel(
        "σ_max(diag(3, −5, 2))",
        largest_singular_value(&d, 200),
        5.0,
        1e-12,
    );
    let wide = array![[1.0, 0.0, 0.0], [0.0, -4.0, 0.0]];
    assert_rel(
        "σ_max([[1,0,0],[0,−4,0]])",
        largest_singular_value(&wide, 200),
        4.0,
        1e-12,
    );
    let tall = array![[1.0, 2.0], [-0.5, 0.25], [3.0, -1.0], [0.0, 2.0]];
    let want = sigma_max_two_columns(&tall);
    assert_rel(
        "σ_max(4×2) vs closed form",
        largest_singular_value(&tall, 200),
        want,
        1e-12,
    );
    let zero = largest_singular_value(&Array2::<f64>::zeros((2, 3)), 10);
    assert!(zero == 0.0, "σ_max(0) = {zero}");
}

#[test]
fn orthonormal_columns_is_the_q_of_a_qr_with_positive_diagonal() {
    for (m, n) in [(5, 3), (4, 4)] {
        let a = Array2::from_shape_fn((m, n), |(i, j)| ((i * 7 + j * 3 + 1) as f64 * 0.9).sin());
        let q = orthonormal_columns(&a);
        assert_eq!(q.dim(), (m, n));
        let e = gram_error(&q, 1.0, true);
        assert!(e < 1e-12, "{m}×{n}: max|QᵀQ − I| = {e:.3e}");
        // R = QᵀA is upper triangular with a positive diagonal and QR = A.
        let r = q.t().dot(&a);
        for i in 0..n {
            assert!(r[[i, i]] > 0.0, "{m}×{n}: R[{i},{i}] = {}", r[[i, i]]);
            for j in 0..i {
                assert!(
                    r[[i, j]].abs() < 1e-12,
                    "{m}×{n}: R[{i},{j}] = {:.3e} below the diagonal",
                    r[[i, j]]
                );
            }
        }
        let back = max_abs((&q.dot(&r) - &a).iter());
        assert!(back < 1e-12, "{m}×{n}: max|QR − A| = {back:.3e}");
    }
}

#[test]
#[should_panic(expected = "rows ≥ columns")]
fn orthonormal_columns_rejects_a_wide_matrix() {
    let _ = orthonormal_columns(&Array2::<f64>::ones((2, 3)));
}
