//! Products with a thin side: `k` of a few (the input projection `x W_ihᵀ` with `k = I`, the
//! loss gradient `dout W_o` with `k = O`), `n` of a few (`dW_ih += daᵀ x` with `n = I`, the
//! readout `h W_oᵀ` with `n = O`) or `m` of a few (`dW_o += doutᵀ h` with `m = O`).
//!
//! A packed GEMM wastes most of its work on them: matrixmultiply copies the whole long operand
//! into its packing buffer and pads the thin side to its tile width (16 × for `n = 1`), which
//! was about a quarter of a GRU step at H = 32 (perf: 12.7 % in its kernel, 10.6 % in its
//! packing, GRU H = 32 T = 200). Here each case is one pass over the long operand with the
//! thin one in L1: rows of axpys (`y += s · x`), or dot products. The loops are plain Rust,
//! compiled a second time with AVX2 and FMA enabled (and taken where the CPU has them), so
//! they vectorise.

// `#[inline(always)]` on the loops: they must inline into `run_avx2` to be compiled with its
// target features (a call would run the baseline copy).
#![allow(
    clippy::inline_always,
    reason = "the loops inline into the AVX2 + FMA copy of `run` to get its features"
)]

use std::cell::RefCell;

use ndarray::{ArrayView2, ArrayViewMut2};

use super::combine;

/// Largest `k` taken as thin: at `k ≤ 8` a row of `c` gets at most 8 axpys from an L1-resident
/// `b`, as fast as a packed kernel's stores allow; wider `k` goes to the GEMM.
pub const THIN_K: usize = 8;
/// Largest `n` (dot products or column accumulators) and `m` (rows of axpys) taken as thin.
pub const THIN_MN: usize = 16;

/// Whether [`gemm`] takes this product into a row-major contiguous `c`: `k ≤ THIN_K`, or
/// `n ≤ THIN_MN` with a contiguous `a` (either order), or `m ≤ THIN_MN` with a row-major
/// contiguous `b`.
pub fn fits(a: &ArrayView2<'_, f32>, b: &ArrayView2<'_, f32>) -> bool {
    let (m, k) = a.dim();
    let n = b.ncols();
    k <= THIN_K
        || (n <= THIN_MN && (a.to_slice().is_some() || a.t().to_slice().is_some()))
        || (m <= THIN_MN && b.to_slice().is_some())
}

thread_local! {
    /// The thin operand copied contiguous, or the column accumulators.
    static SCRATCH: RefCell<Vec<f32>> = const { RefCell::new(Vec::new()) };
}

/// `c = alpha · a b + beta · c` for a product that [`fits`]; `c` is row-major contiguous.
pub fn gemm(
    alpha: f32,
    a: &ArrayView2<'_, f32>,
    b: &ArrayView2<'_, f32>,
    beta: f32,
    c: &mut ArrayViewMut2<'_, f32>,
    avx2: bool,
) {
    debug_assert!(fits(a, b));
    let c = c.as_slice_mut().expect("contiguous c");
    SCRATCH.with(|s| {
        let scratch = &mut s.borrow_mut();
        #[cfg(target_arch = "x86_64")]
        if avx2 {
            // SAFETY: the caller passes `avx2` only where the CPU has AVX2 and FMA (the
            // kernels' detection, [`super::kernel`]).
            unsafe { run_avx2(alpha, a, b, beta, c, scratch) };
            return;
        }
        let _ = avx2;
        run(alpha, a, b, beta, c, scratch);
    });
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn run_avx2(
    alpha: f32,
    a: &ArrayView2<'_, f32>,
    b: &ArrayView2<'_, f32>,
    beta: f32,
    c: &mut [f32],
    scratch: &mut Vec<f32>,
) {
    run(alpha, a, b, beta, c, scratch);
}

/// The cases of [`fits`], in its order.
#[inline(always)]
fn run(
    alpha: f32,
    a: &ArrayView2<'_, f32>,
    b: &ArrayView2<'_, f32>,
    beta: f32,
    c: &mut [f32],
    scratch: &mut Vec<f32>,
) {
    let (m, k) = a.dim();
    let n = b.ncols();
    if k <= THIN_K {
        // Each row of `c`: `k` axpys with the rows of `b`, copied contiguous once.
        scratch.clear();
        scratch.extend(b.outer_iter().flat_map(|row| row.into_iter().copied()));
        for (i, c_row) in c.chunks_exact_mut(n.max(1)).enumerate().take(m) {
            scale(c_row, beta);
            for (p, b_row) in scratch.chunks_exact(n.max(1)).enumerate() {
                axpy(c_row, alpha * a[[i, p]], b_row);
            }
        }
    } else if n <= THIN_MN && a.t().to_slice().is_some() {
        // `a = sᵀ` (e.g. `daᵀ`): one pass over the rows of `s` into `n` accumulators of `m`.
        let s = a.t().to_slice().expect("checked");
        scratch.clear();
        scratch.resize(n * m, 0.0);
        for (p, s_row) in s.chunks_exact(m.max(1)).enumerate().take(k) {
            for (j, acc) in scratch.chunks_exact_mut(m.max(1)).enumerate() {
                axpy(acc, b[[p, j]], s_row);
            }
        }
        for (i, c_row) in c.chunks_exact_mut(n.max(1)).enumerate().take(m) {
            for (j, cv) in c_row.iter_mut().enumerate() {
                *cv = combine(alpha * scratch[j * m + i], beta, *cv);
            }
        }
    } else if n <= THIN_MN && a.to_slice().is_some() {
        // Row-major `a`: dot products with the columns of `b`, copied contiguous once.
        let s = a.to_slice().expect("checked");
        scratch.clear();
        scratch.extend(
            b.columns()
                .into_iter()
                .flat_map(|col| col.into_iter().copied()),
        );
        for (a_row, c_row) in s.chunks_exact(k).zip(c.chunks_exact_mut(n.max(1))) {
            for (b_col, cv) in scratch.chunks_exact(k).zip(c_row.iter_mut()) {
                *cv = combine(alpha * dot(a_row, b_col), beta, *cv);
            }
        }
    } else {
        // Few rows, row-major `b`: one pass over the rows of `b`, an axpy into each row of `c`.
        let s = b.to_slice().expect("checked by fits");
        for c_row in c.chunks_exact_mut(n.max(1)) {
            scale(c_row, beta);
        }
        for (p, b_row) in s.chunks_exact(n.max(1)).enumerate().take(k) {
            for (i, c_row) in c.chunks_exact_mut(n.max(1)).enumerate().take(m) {
                axpy(c_row, alpha * a[[i, p]], b_row);
            }
        }
    }
}

/// `y ← beta · y`, with `beta = 0` writing zeros (NaNs in `y` included).
#[inline(always)]
fn scale(y: &mut [f32], beta: f32) {
    if beta == 0.0 {
        y.fill(0.0);
    } else {
        for v in y {
            *v *= beta;
        }
    }
}

/// `y ← y + s · x`.
#[inline(always)]
fn axpy(y: &mut [f32], s: f32, x: &[f32]) {
    for (y, &x) in y.iter_mut().zip(x) {
        *y += s * x;
    }
}

/// `Σ x · y` in 8 interleaved partial sums (so the loop vectorises), then their sum.
#[inline(always)]
fn dot(x: &[f32], y: &[f32]) -> f32 {
    let mut acc = [0.0f32; 8];
    let (xc, yc) = (x.chunks_exact(8), y.chunks_exact(8));
    let tail: f32 = xc
        .remainder()
        .iter()
        .zip(yc.remainder())
        .map(|(a, b)| a * b)
        .sum();
    for (xs, ys) in xc.zip(yc) {
        for l in 0..8 {
            acc[l] += xs[l] * ys[l];
        }
    }
    acc.iter().sum::<f32>() + tail
}
