use ndarray::{Array2, ShapeBuilder};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::*;

/// The kernels this CPU runs, each tested whichever the process chose.
fn kernels() -> Vec<Kernel> {
    [Kernel::Avx512, Kernel::Avx2]
        .into_iter()
        .filter(|&k| cpu_has(k))
        .collect()
}

fn random(rng: &mut ChaCha8Rng, r: usize, c: usize, col_major: bool) -> Array2<f32> {
    let shape = (r, c).set_f(col_major);
    Array2::from_shape_simple_fn(shape, || rng.random_range(-1.0..1.0))
}

/// The product in f64, one dot product at a time: the reference.
fn reference(
    alpha: f32,
    a: &Array2<f32>,
    b: &Array2<f32>,
    beta: f32,
    c: &Array2<f32>,
) -> Array2<f64> {
    let (m, k) = a.dim();
    let n = b.ncols();
    Array2::from_shape_fn((m, n), |(i, j)| {
        let dot: f64 = (0..k)
            .map(|p| f64::from(a[[i, p]]) * f64::from(b[[p, j]]))
            .sum();
        let prior = if beta == 0.0 {
            0.0
        } else {
            f64::from(beta) * f64::from(c[[i, j]])
        };
        f64::from(alpha) * dot + prior
    })
}

/// Largest `|got − want|` over `k`-scaled magnitude: f32 rounding grows like `√k · ε`.
fn check(what: &str, got: &Array2<f32>, want: &Array2<f64>, k: usize) {
    let tol = 1e-6 * (k.max(1) as f64).sqrt() * 4.0;
    for ((i, j), &w) in want.indexed_iter() {
        let g = f64::from(got[[i, j]]);
        assert!(
            (g - w).abs() <= tol * w.abs().max(1.0),
            "{what}: c[{i},{j}] = {g} vs {w} (tolerance {tol:e})"
        );
    }
}

const SHAPES: [(usize, usize, usize); 14] = [
    (1, 16, 8),
    (7, 17, 9),
    (8, 32, 8),
    (32, 32, 32),
    (32, 128, 32),
    (32, 1024, 256),
    (32, 256, 1024),
    (33, 65, 257),
    (13, 31, 300),
    (129, 40, 513),
    (200, 48, 70),
    (96, 256, 600),
    (3, 100, 11),
    (17, 16, 8),
];

/// Every shape, layout, alpha and beta through [`Gemm::gemm`] and [`Gemm::gemm_packed`]
/// against the f64 reference, and against matrixmultiply for the same f32 inputs.
#[test]
fn f32_gemm_matches_reference_on_many_shapes() {
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let mut packed = PackedB::new();
    for (m, n, k) in SHAPES {
        for (a_t, b_t) in [(false, false), (true, false), (false, true), (true, true)] {
            for (alpha, beta) in [(1.0, 0.0), (1.0, 1.0), (-0.7, 0.0), (0.5, -1.5)] {
                let a = random(&mut rng, m, k, a_t);
                let b = random(&mut rng, k, n, b_t);
                let mut c0 = random(&mut rng, m, n, false);
                if beta == 0.0 {
                    c0[[0, 0]] = f32::NAN; // beta = 0 must overwrite, not multiply
                }
                let want = reference(alpha, &a, &b, beta, &c0);
                let what = format!("{m}×{k}·{k}×{n} a_t={a_t} b_t={b_t} α={alpha} β={beta}");

                let mut c = c0.clone();
                f32::gemm(alpha, &a.view(), &b.view(), beta, &mut c.view_mut());
                check(&format!("gemm {what}"), &c, &want, k);

                for isa in kernels() {
                    // Each kernel itself, also on shapes that dispatch sends elsewhere.
                    let mut c = c0.clone();
                    kernel_gemm(isa, alpha, &a.view(), &b.view(), beta, &mut c.view_mut());
                    check(&format!("{isa:?} kernel {what}"), &c, &want, k);
                    pack_b_into(&b.view(), &mut packed);
                    let mut c = c0.clone();
                    let (av, cv) = (a.view(), &mut c.view_mut());
                    kernel_gemm_packed(isa, alpha, &av, &packed, beta, cv);
                    check(&format!("{isa:?} kernel packed {what}"), &c, &want, k);
                }

                f32::pack_b(&b.view(), &mut packed);
                let mut c = c0.clone();
                f32::gemm_packed(
                    alpha,
                    &a.view(),
                    &b.view(),
                    &packed,
                    beta,
                    &mut c.view_mut(),
                );
                check(&format!("gemm_packed {what}"), &c, &want, k);

                let mut c_mm = c0.clone();
                ndarray::linalg::general_mat_mul(alpha, &a, &b, beta, &mut c_mm);
                if beta == 0.0 {
                    c_mm[[0, 0]] = c[[0, 0]]; // matrixmultiply may or may not keep the NaN
                }
                let diff = (&c - &c_mm).mapv(f32::abs).fold(0.0f32, |m, &v| m.max(v));
                assert!(
                    diff < 1e-3,
                    "{what}: kernel vs matrixmultiply differ by {diff}"
                );
            }
        }
    }
}

/// Transposed views of larger buffers (the engine's `dgiᵀ`, `W_hhᵀ`) and a sub-block of
/// rows as `a`.
#[test]
fn f32_gemm_on_views_of_larger_buffers() {
    let mut rng = ChaCha8Rng::seed_from_u64(12);
    let big = random(&mut rng, 300, 96, false);
    let w = random(&mut rng, 128, 96, false);
    let a = big.slice(ndarray::s![37..69, ..]); // [32, 96], row stride 96
    let b = w.t(); // [96, 128], column-major
    let mut c = Array2::<f32>::zeros((32, 128));
    f32::gemm(1.0, &a, &b, 0.0, &mut c.view_mut());
    let want = reference(1.0, &a.to_owned(), &b.to_owned(), 0.0, &c);
    check("rows · Wᵀ", &c, &want, 96);
    let b2 = random(&mut rng, 48, 40, false);
    for isa in kernels() {
        c.fill(0.0);
        kernel_gemm(isa, 1.0, &a, &b, 0.0, &mut c.view_mut());
        check(&format!("{isa:?} kernel rows · Wᵀ"), &c, &want, 96);
        // A strided `a` (every other column), packed by the generic path.
        let strided = big.slice(ndarray::s![0..40, ..;2]);
        let mut c2 = Array2::<f32>::zeros((40, 40));
        kernel_gemm(isa, 1.0, &strided, &b2.view(), 0.0, &mut c2.view_mut());
        let want2 = reference(1.0, &strided.to_owned(), &b2, 0.0, &c2);
        check(&format!("{isa:?} kernel strided a"), &c2, &want2, 48);
    }

    let at = big.t(); // [96, 300]
    let rows = random(&mut rng, 300, 40, false);
    let mut c = Array2::<f32>::zeros((96, 40));
    f32::gemm(1.0, &at, &rows.view(), 0.0, &mut c.view_mut());
    let want = reference(1.0, &at.to_owned(), &rows, 0.0, &c);
    check("daᵀ · h", &c, &want, 300);
    for isa in kernels() {
        c.fill(0.0);
        kernel_gemm(isa, 1.0, &at, &rows.view(), 0.0, &mut c.view_mut());
        check(&format!("{isa:?} kernel daᵀ · h"), &c, &want, 300);
    }
}

/// A non-contiguous output goes to matrixmultiply and is still right.
#[test]
fn f32_gemm_into_a_strided_output() {
    let mut rng = ChaCha8Rng::seed_from_u64(13);
    let a = random(&mut rng, 20, 30, false);
    let b = random(&mut rng, 30, 40, false);
    let mut big = Array2::<f32>::zeros((20, 50));
    f32::gemm(
        1.0,
        &a.view(),
        &b.view(),
        0.0,
        &mut big.slice_mut(ndarray::s![.., 5..45]),
    );
    let want = reference(1.0, &a, &b, 0.0, &Array2::zeros((20, 40)));
    check(
        "strided c",
        &big.slice(ndarray::s![.., 5..45]).to_owned(),
        &want,
        30,
    );
    assert!(big.slice(ndarray::s![.., ..5]).iter().all(|&v| v == 0.0));
}

#[test]
fn the_widest_kernel_of_the_cpu_runs() {
    let env = |v| std::env::var_os(v).is_some();
    if !env("BPTT_LAB_NO_AVX512") && !env("BPTT_LAB_NO_GEMM_KERNEL") {
        let want = if cpu_has(Kernel::Avx512) {
            Kernel::Avx512
        } else if cpu_has(Kernel::Avx2) {
            Kernel::Avx2
        } else {
            Kernel::None
        };
        assert_eq!(kernel(), want);
    }
    assert_eq!(avx512_available(), kernel() == Kernel::Avx512);
    let mut packed = PackedB::new();
    let b = Array2::<f32>::ones((64, 64));
    f32::pack_b(&b.view(), &mut packed);
    assert_eq!(packed.holds(64, 64), kernel() != Kernel::None);
    let mut packed64 = PackedB::new();
    f64::pack_b(&Array2::<f64>::ones((64, 64)).view(), &mut packed64);
    assert!(!packed64.holds(64, 64), "f64 never packs");
}

/// Products with a thin side (the engine's `x W_ihᵀ`, `daᵀ x`, `h W_oᵀ`, `dout W_o`,
/// `doutᵀ h` shapes, and empty ones) through [`Gemm::gemm`], with the thin loops checked to
/// be ones that [`thin::fits`] takes, on both builds of the loops, against the f64 reference.
#[test]
fn thin_products_match_reference() {
    let mut rng = ChaCha8Rng::seed_from_u64(14);
    // (m, n, k, a column-major, b column-major)
    let cases = [
        (200, 96, 2, false, true),   // x W_ihᵀ, k = I
        (150, 40, 1, false, false),  // dout W_o, k = O
        (96, 2, 300, true, false),   // daᵀ x, n = I
        (130, 1, 40, false, true),   // h W_oᵀ, n = O
        (129, 10, 33, false, false), // n = 10 classes
        (1, 40, 300, true, false),   // doutᵀ h, m = O
        (10, 33, 77, true, false),   // m = 10
        (5, 7, 0, false, false),     // k = 0: c = beta · c
        (6, 0, 3, false, false),     // n = 0
        (0, 5, 3, false, false),     // m = 0
        (9, 8, 8, true, true),
    ];
    for (m, n, k, a_t, b_t) in cases {
        for (alpha, beta) in [(1.0, 0.0), (1.0, 1.0), (0.5, -1.5)] {
            let a = random(&mut rng, m, k, a_t);
            let b = random(&mut rng, k, n, b_t);
            assert!(thin::fits(&a.view(), &b.view()), "{m}×{k}·{k}×{n} is thin");
            let mut c0 = random(&mut rng, m, n, false);
            if beta == 0.0 && m * n > 0 {
                c0[[0, 0]] = f32::NAN; // beta = 0 must overwrite, not multiply
            }
            let want = reference(alpha, &a, &b, beta, &c0);
            let what = format!("{m}×{k}·{k}×{n} a_t={a_t} b_t={b_t} α={alpha} β={beta}");
            let mut c = c0.clone();
            f32::gemm(alpha, &a.view(), &b.view(), beta, &mut c.view_mut());
            check(&format!("gemm {what}"), &c, &want, k);
            for avx2 in [false, cpu_has(Kernel::Avx2)] {
                let mut c = c0.clone();
                thin::gemm(alpha, &a.view(), &b.view(), beta, &mut c.view_mut(), avx2);
                check(&format!("thin avx2={avx2} {what}"), &c, &want, k);
            }
        }
    }
    // Not thin: every side wide, or a strided long operand.
    let wide = random(&mut rng, 40, 40, false);
    assert!(!thin::fits(&wide.view(), &wide.view()));
    let strided = random(&mut rng, 40, 80, false);
    let b = random(&mut rng, 40, 2, false);
    assert!(!thin::fits(
        &strided.slice(ndarray::s![.., ..;2]),
        &b.view()
    ));
}
