//! The engine's matrix product `c = alpha · a b + beta · c`, with an AVX-512 kernel for f32.
//!
//! matrixmultiply (behind `ndarray::linalg::general_mat_mul`) has AVX2/FMA kernels only; on a
//! CPU with AVX-512 this module's f32 kernel does twice the work per instruction. Everything
//! else (f64, other CPUs, shapes where the kernel's tiles would be mostly padding, an output
//! that is not one contiguous row-major block) goes to matrixmultiply.
//!
//! The kernel is the usual packed design (Goto & van de Geijn): the right operand `b [K, N]` is
//! copied into panels of [`NR`] columns (`[kc][NR]` each, zero-padded), the left operand in
//! panels of [`MR`] rows (`[kc][MR]`), and an `MR × NR` micro-kernel keeps its 16 accumulators
//! in zmm registers over a block of at most [`KC`] steps of `k`. The engine multiplies by the
//! same `W_hh` at every time step, so [`Gemm::pack_b`] packs it once per forward or backward
//! range and [`Gemm::gemm_packed`] reuses the panels.
//!
//! Setting the environment variable `BPTT_LAB_NO_AVX512` (to anything) at start-up turns the
//! kernel off, for A/B measurements in one build.

// The kernel needs `unsafe` for three things only: calling the `#[target_feature]` entry point
// after the runtime check that the CPU has AVX-512, and the unaligned 16-float load and store
// intrinsics (raw pointers by signature), wrapped in `load16` / `store16` on fixed-size arrays.
#![allow(
    unsafe_code,
    reason = "AVX-512 intrinsics: one call after runtime detection, loads/stores on [f32; 16]"
)]

use std::cell::RefCell;
use std::fmt;
use std::sync::OnceLock;

use ndarray::{ArrayView2, ArrayViewMut2};

use super::breakdown::{self, Route};

/// Rows of the micro-kernel tile.
pub const MR: usize = 8;
/// Columns of the micro-kernel tile (two zmm registers of 16 floats).
pub const NR: usize = 32;
/// Depth of one packed block: a `[KC][NR]` panel of `b` (32 KiB) stays in L1.
pub const KC: usize = 256;
/// Rows of `a` packed at once (`MC × KC` floats, 128 KiB, stays in L2).
pub const MC: usize = 128;

/// The right operand of a product, packed for the kernel: for each block of [`KC`] rows of `k`,
/// the `⌈N / NR⌉` column panels one after the other, each `[kc][NR]`, zero-padded.
/// Empty (and ignored) where the kernel does not run.
#[derive(Clone, Default)]
pub struct PackedB<F> {
    data: Vec<F>,
    k: usize,
    n: usize,
    packed: bool,
}

impl<F> PackedB<F> {
    /// An empty buffer.
    pub fn new() -> Self {
        Self {
            data: Vec::new(),
            k: 0,
            n: 0,
            packed: false,
        }
    }

    /// Whether it holds panels of a `[k, n]` operand.
    pub fn holds(&self, k: usize, n: usize) -> bool {
        self.packed && self.k == k && self.n == n
    }
}

impl<F> fmt::Debug for PackedB<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PackedB")
            .field("k", &self.k)
            .field("n", &self.n)
            .field("packed", &self.packed)
            .finish_non_exhaustive()
    }
}

/// The matrix product the engine runs for a float type.
pub trait Gemm: ndarray::LinalgScalar {
    /// `c = alpha · a b + beta · c` (`beta = 0` overwrites `c`, NaNs in it included).
    #[track_caller]
    fn gemm(
        alpha: Self,
        a: &ArrayView2<'_, Self>,
        b: &ArrayView2<'_, Self>,
        beta: Self,
        c: &mut ArrayViewMut2<'_, Self>,
    ) {
        let t0 = breakdown::start();
        ndarray::linalg::general_mat_mul(alpha, a, b, beta, c);
        breakdown::gemm_done(t0, Route::Matrixmultiply, mnk(a, b));
    }

    /// Packs `b` into `packed` for [`Gemm::gemm_packed`], where the kernel would use it.
    fn pack_b(b: &ArrayView2<'_, Self>, packed: &mut PackedB<Self>) {
        let _ = b;
        packed.packed = false;
    }

    /// `c = alpha · a b + beta · c` with the panels of `b` that [`Gemm::pack_b`] made (`b` is
    /// passed too, for the paths that do not use them).
    #[track_caller]
    fn gemm_packed(
        alpha: Self,
        a: &ArrayView2<'_, Self>,
        b: &ArrayView2<'_, Self>,
        packed: &PackedB<Self>,
        beta: Self,
        c: &mut ArrayViewMut2<'_, Self>,
    ) {
        let _ = packed;
        Self::gemm(alpha, a, b, beta, c);
    }
}

impl Gemm for f64 {}

impl Gemm for f32 {
    fn gemm(
        alpha: f32,
        a: &ArrayView2<'_, f32>,
        b: &ArrayView2<'_, f32>,
        beta: f32,
        c: &mut ArrayViewMut2<'_, f32>,
    ) {
        check_shapes(a, b, c);
        let t0 = breakdown::start();
        let route = gemm_f32(alpha, a, b, beta, c);
        breakdown::gemm_done(t0, route, mnk(a, b));
    }

    fn pack_b(b: &ArrayView2<'_, f32>, packed: &mut PackedB<f32>) {
        if avx512_available() {
            let t0 = breakdown::start();
            pack_b_into(b, packed);
            breakdown::packing_done(t0);
        } else {
            packed.packed = false;
        }
    }

    fn gemm_packed(
        alpha: f32,
        a: &ArrayView2<'_, f32>,
        b: &ArrayView2<'_, f32>,
        packed: &PackedB<f32>,
        beta: f32,
        c: &mut ArrayViewMut2<'_, f32>,
    ) {
        check_shapes(a, b, c);
        let t0 = breakdown::start();
        let route = if !packed.holds(b.nrows(), b.ncols())
            || !packed_kernel_fits(a, b)
            || c.as_slice_mut().is_none()
        {
            gemm_f32(alpha, a, b, beta, c)
        } else {
            kernel_gemm_packed(alpha, a, packed, beta, c);
            Route::Kernel
        };
        breakdown::gemm_done(t0, route, mnk(a, b));
    }
}

/// `(m, n, k)` of `a [m, k] · b [k, n]`.
fn mnk<F>(a: &ArrayView2<'_, F>, b: &ArrayView2<'_, F>) -> (usize, usize, usize) {
    (a.nrows(), b.ncols(), a.ncols())
}

/// [`Gemm::gemm`] for f32 without the timing: the kernel where it pays, matrixmultiply
/// otherwise; returns which ran.
fn gemm_f32(
    alpha: f32,
    a: &ArrayView2<'_, f32>,
    b: &ArrayView2<'_, f32>,
    beta: f32,
    c: &mut ArrayViewMut2<'_, f32>,
) -> Route {
    if !kernel_fits(a, b) || c.as_slice_mut().is_none() {
        ndarray::linalg::general_mat_mul(alpha, a, b, beta, c);
        return Route::Matrixmultiply;
    }
    kernel_gemm(alpha, a, b, beta, c);
    Route::Kernel
}

/// The kernel on any shape: `b` packed into this thread's scratch. Needs AVX-512 and a
/// contiguous `c`.
fn kernel_gemm(
    alpha: f32,
    a: &ArrayView2<'_, f32>,
    b: &ArrayView2<'_, f32>,
    beta: f32,
    c: &mut ArrayViewMut2<'_, f32>,
) {
    SCRATCH.with(|s| {
        let mut s = s.borrow_mut();
        let Scratch { a_pack, b_pack } = &mut *s;
        pack_b_into(b, b_pack);
        run(alpha, a, b_pack, beta, c, a_pack);
    });
}

/// The kernel on any shape with `b` packed already.
fn kernel_gemm_packed(
    alpha: f32,
    a: &ArrayView2<'_, f32>,
    packed: &PackedB<f32>,
    beta: f32,
    c: &mut ArrayViewMut2<'_, f32>,
) {
    SCRATCH.with(|s| run(alpha, a, packed, beta, c, &mut s.borrow_mut().a_pack));
}

#[track_caller]
fn check_shapes<F>(a: &ArrayView2<'_, F>, b: &ArrayView2<'_, F>, c: &ArrayViewMut2<'_, F>) {
    let ((m, k), (k2, n)) = (a.dim(), b.dim());
    assert!(
        k == k2 && c.dim() == (m, n),
        "gemm: a {:?} · b {:?} into c {:?}",
        a.dim(),
        b.dim(),
        c.dim()
    );
}

/// Whether the AVX-512 kernel runs (detected once per process; `BPTT_LAB_NO_AVX512` turns it
/// off).
pub fn avx512_available() -> bool {
    static AVAILABLE: OnceLock<bool> = OnceLock::new();
    *AVAILABLE.get_or_init(|| {
        #[cfg(target_arch = "x86_64")]
        let cpu = std::arch::is_x86_feature_detected!("avx512f")
            && std::arch::is_x86_feature_detected!("fma");
        #[cfg(not(target_arch = "x86_64"))]
        let cpu = false;
        cpu && std::env::var_os("BPTT_LAB_NO_AVX512").is_none()
    })
}

/// Smallest product `m · n · k` that the kernel takes. Below it the 512-bit instructions cost
/// more than they save: the products are a small share of a step there, and the rest of the
/// step (the libm `tanh` / `exp` of the cells) runs measurably slower after them (rnn H = 32:
/// −11 % steps/s with the kernel on every product, measured A/B).
pub const MIN_KERNEL_MNK: usize = 1 << 18;

/// Whether the kernel pays for this product: AVX-512 present, the product large enough
/// ([`MIN_KERNEL_MNK`]), and `b` wide and `k` deep enough that the `NR`-wide tiles and the
/// packing are not mostly waste (the readout with `O` columns or the input projection with
/// `k = I` go to matrixmultiply).
fn kernel_fits(a: &ArrayView2<'_, f32>, b: &ArrayView2<'_, f32>) -> bool {
    let (m, k) = a.dim();
    let n = b.ncols();
    avx512_available() && m > 0 && n >= NR / 2 && k >= 8 && m * n * k >= MIN_KERNEL_MNK
}

/// Smallest product `m · n · k` that the kernel takes with `b` packed already
/// ([`Gemm::gemm_packed`], the per-step products with `W_hh`): with no packing of `b` per call
/// the kernel pays from far smaller products than [`MIN_KERNEL_MNK`], down to the tanh RNN at
/// H = 32 (`32 · 32 · 32`), where matrixmultiply packs both operands (and allocates its buffer)
/// at each of the 2·T products of a step. The cells' activations are AVX-512 too now
/// ([`super::fastmath`]), so the step no longer switches between 512-bit code and libm.
pub const MIN_PACKED_KERNEL_MNK: usize = 1 << 15;

/// [`kernel_fits`] for a product whose `b` is packed already: the same shape limits, the
/// lower size bound [`MIN_PACKED_KERNEL_MNK`].
fn packed_kernel_fits(a: &ArrayView2<'_, f32>, b: &ArrayView2<'_, f32>) -> bool {
    let (m, k) = a.dim();
    let n = b.ncols();
    avx512_available() && m > 0 && n >= NR / 2 && k >= 8 && m * n * k >= MIN_PACKED_KERNEL_MNK
}

/// Packing buffers of this thread, kept between calls.
#[derive(Default)]
struct Scratch {
    a_pack: Vec<f32>,
    b_pack: PackedB<f32>,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// Packs `b [K, N]` into panels (see [`PackedB`]).
fn pack_b_into(b: &ArrayView2<'_, f32>, packed: &mut PackedB<f32>) {
    let (k, n) = b.dim();
    let panels = n.div_ceil(NR);
    packed.data.clear();
    packed.data.resize(k * panels * NR, 0.0);
    packed.k = k;
    packed.n = n;
    packed.packed = true;
    let row_major = b.strides()[1] == 1 || n == 1;
    for p0 in (0..k).step_by(KC) {
        let kc = KC.min(k - p0);
        let block = &mut packed.data[p0 * panels * NR..(p0 + kc) * panels * NR];
        for (j, panel) in block.chunks_exact_mut(kc * NR).enumerate() {
            let j0 = j * NR;
            let nr = NR.min(n - j0);
            if row_major {
                for (p, dst) in panel.chunks_exact_mut(NR).enumerate() {
                    let row = b.row(p0 + p);
                    let src = row.as_slice().expect("unit column stride");
                    dst[..nr].copy_from_slice(&src[j0..j0 + nr]);
                }
            } else {
                for jj in 0..nr {
                    let col = b.column(j0 + jj);
                    let col = col.slice(ndarray::s![p0..p0 + kc]);
                    for (dst, &v) in panel[jj..].iter_mut().step_by(NR).zip(col.iter()) {
                        *dst = v;
                    }
                }
            }
        }
    }
}

/// Packs rows `i0..i0 + mc`, columns `p0..p0 + kc` of `a` into `MR`-row panels `[kc][MR]`,
/// zero-padded to a multiple of `MR` rows.
fn pack_a(
    a: &ArrayView2<'_, f32>,
    layout: ALayout<'_>,
    (i0, mc): (usize, usize),
    (p0, kc): (usize, usize),
    buf: &mut Vec<f32>,
) {
    let (m, k) = a.dim();
    let panels = mc.div_ceil(MR);
    buf.clear();
    buf.resize(panels * MR * kc, 0.0);
    for (ip, panel) in buf.chunks_exact_mut(MR * kc).enumerate() {
        let r0 = i0 + ip * MR;
        let mr = MR.min(i0 + mc - r0);
        match layout {
            ALayout::RowMajor(s) => {
                for r in 0..mr {
                    let src = &s[(r0 + r) * k + p0..(r0 + r) * k + p0 + kc];
                    for (dst, &v) in panel.chunks_exact_mut(MR).zip(src) {
                        dst[r] = v;
                    }
                }
            }
            ALayout::ColMajor(s) => {
                for (p, dst) in panel.chunks_exact_mut(MR).enumerate() {
                    let at = (p0 + p) * m + r0;
                    dst[..mr].copy_from_slice(&s[at..at + mr]);
                }
            }
            ALayout::Strided => {
                for r in 0..mr {
                    let row = a.row(r0 + r);
                    let row = row.slice(ndarray::s![p0..p0 + kc]);
                    for (dst, &v) in panel.chunks_exact_mut(MR).zip(row.iter()) {
                        dst[r] = v;
                    }
                }
            }
        }
    }
}

/// How the kernel reads `a [m, k]`: straight from a contiguous buffer where it can, or from
/// `MR`-row panels packed by [`pack_a`].
#[derive(Clone, Copy)]
enum ALayout<'a> {
    /// `a[i, p] = s[i · k + p]`.
    RowMajor(&'a [f32]),
    /// `a[i, p] = s[p · m + i]` (a transposed contiguous buffer, e.g. `daᵀ`).
    ColMajor(&'a [f32]),
    /// Any other strides: packed.
    Strided,
}

fn a_layout<'a>(a: &ArrayView2<'a, f32>) -> ALayout<'a> {
    if let Some(s) = (*a).to_slice() {
        ALayout::RowMajor(s)
    } else if let Some(s) = (*a).reversed_axes().to_slice() {
        ALayout::ColMajor(s)
    } else {
        ALayout::Strided
    }
}

/// `c = alpha · a b + beta · c` with `b` packed; `c` is contiguous row-major.
fn run(
    alpha: f32,
    a: &ArrayView2<'_, f32>,
    b: &PackedB<f32>,
    beta: f32,
    c: &mut ArrayViewMut2<'_, f32>,
    a_pack: &mut Vec<f32>,
) {
    debug_assert!(b.holds(a.ncols(), c.ncols()) && c.nrows() == a.nrows());
    let c = c.as_slice_mut().expect("contiguous c");
    #[cfg(target_arch = "x86_64")]
    {
        assert!(avx512_available(), "the AVX-512 kernel needs AVX-512");
        let layout = a_layout(a);
        // SAFETY: `avx512_available` checked at run time that this CPU has AVX-512F and FMA,
        // the features `avx512::gemm` is compiled for.
        unsafe { avx512::gemm(alpha, a, layout, b, beta, c, a_pack) };
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let _ = (alpha, a, b, beta, c, a_pack);
        unreachable!("no AVX-512 off x86_64");
    }
}

#[cfg(target_arch = "x86_64")]
mod avx512 {
    use std::arch::x86_64::{
        __m512, _mm512_fmadd_ps, _mm512_loadu_ps, _mm512_mul_ps, _mm512_set1_ps, _mm512_setzero_ps,
        _mm512_storeu_ps,
    };

    use ndarray::ArrayView2;

    use super::{ALayout, KC, MC, MR, NR, PackedB, pack_a};

    type Acc = [[__m512; 2]; MR];

    #[target_feature(enable = "avx512f")]
    fn load16(s: &[f32; 16]) -> __m512 {
        // SAFETY: `s` is 16 readable floats; the load is unaligned.
        unsafe { _mm512_loadu_ps(s.as_ptr()) }
    }

    #[target_feature(enable = "avx512f")]
    fn store16(d: &mut [f32; 16], v: __m512) {
        // SAFETY: `d` is 16 writable floats; the store is unaligned.
        unsafe { _mm512_storeu_ps(d.as_mut_ptr(), v) }
    }

    /// `Σ_p a_col(p) ⊗ b[p]` over the `kc` rows of the panel `b [kc][NR]`, where `a_col(p)` is
    /// column `p` of the `MR` rows of `a`.
    #[target_feature(enable = "avx512f,fma")]
    #[inline]
    fn micro(b: &[f32], a_col: impl Fn(usize) -> [f32; MR]) -> Acc {
        let mut acc = [[_mm512_setzero_ps(); 2]; MR];
        for (p, bp) in b.chunks_exact(NR).enumerate() {
            let ap = a_col(p);
            let b0 = load16(bp[..16].try_into().expect("16 floats"));
            let b1 = load16(bp[16..].try_into().expect("16 floats"));
            for (acc_i, &a_i) in acc.iter_mut().zip(&ap) {
                let ai = _mm512_set1_ps(a_i);
                acc_i[0] = _mm512_fmadd_ps(ai, b0, acc_i[0]);
                acc_i[1] = _mm512_fmadd_ps(ai, b1, acc_i[1]);
            }
        }
        acc
    }

    /// `c[r0.., j0..] = alpha · acc + beta · c` for the `mr × nr` valid part of the tile; `c`
    /// is row-major with `n` columns.
    #[target_feature(enable = "avx512f,fma")]
    #[inline]
    #[expect(
        clippy::too_many_arguments,
        reason = "one tile's coordinates, internal"
    )]
    fn write_tile(
        acc: &Acc,
        c: &mut [f32],
        n: usize,
        r0: usize,
        j0: usize,
        mr: usize,
        nr: usize,
        alpha: f32,
        beta: f32,
    ) {
        let va = _mm512_set1_ps(alpha);
        let vb = _mm512_set1_ps(beta);
        if nr == NR {
            for (r, acc_r) in acc.iter().enumerate().take(mr) {
                let row: &mut [f32; NR] = (&mut c[(r0 + r) * n + j0..(r0 + r) * n + j0 + NR])
                    .try_into()
                    .expect("NR floats");
                let (lo, hi) = row.split_at_mut(16);
                let lo: &mut [f32; 16] = lo.try_into().expect("16 floats");
                let hi: &mut [f32; 16] = hi.try_into().expect("16 floats");
                let mut v0 = _mm512_mul_ps(va, acc_r[0]);
                let mut v1 = _mm512_mul_ps(va, acc_r[1]);
                if beta != 0.0 {
                    v0 = _mm512_fmadd_ps(vb, load16(lo), v0);
                    v1 = _mm512_fmadd_ps(vb, load16(hi), v1);
                }
                store16(lo, v0);
                store16(hi, v1);
            }
        } else {
            let mut tile = [[0.0f32; NR]; MR];
            for (t, acc_r) in tile.iter_mut().zip(acc) {
                let (lo, hi) = t.split_at_mut(16);
                store16(lo.try_into().expect("16 floats"), acc_r[0]);
                store16(hi.try_into().expect("16 floats"), acc_r[1]);
            }
            for (r, t) in tile.iter().enumerate().take(mr) {
                let row = &mut c[(r0 + r) * n + j0..(r0 + r) * n + j0 + nr];
                for (cv, &tv) in row.iter_mut().zip(t) {
                    *cv = if beta == 0.0 {
                        alpha * tv
                    } else {
                        alpha * tv + beta * *cv
                    };
                }
            }
        }
    }

    /// The blocked product `c [m, n] = alpha · a b + beta · c` with `b [k, n]` packed and `c`
    /// row-major. Full `MR`-row tiles read a contiguous `a` in place; the rest is packed.
    #[target_feature(enable = "avx512f,fma")]
    pub(super) fn gemm(
        alpha: f32,
        a: &ArrayView2<'_, f32>,
        layout: ALayout<'_>,
        b: &PackedB<f32>,
        beta: f32,
        c: &mut [f32],
        a_pack: &mut Vec<f32>,
    ) {
        let (m, k) = a.dim();
        let n = b.n;
        if k == 0 {
            for v in c.iter_mut() {
                *v = if beta == 0.0 { 0.0 } else { beta * *v };
            }
            return;
        }
        let panels = n.div_ceil(NR);
        // Pack `a` where its panels are reused over several panels of `b`, or where it cannot
        // be read in place; a narrow product reads a contiguous `a` where it lies.
        let pack_all = panels > 2 || matches!(layout, ALayout::Strided);
        for p0 in (0..k).step_by(KC) {
            let kc = KC.min(k - p0);
            let block = &b.data[p0 * panels * NR..(p0 + kc) * panels * NR];
            let beta_p = if p0 == 0 { beta } else { 1.0 };
            for i0 in (0..m).step_by(MC) {
                let mc = MC.min(m - i0);
                if pack_all {
                    pack_a(a, layout, (i0, mc), (p0, kc), a_pack);
                }
                for (j, b_panel) in block.chunks_exact(kc * NR).enumerate() {
                    let j0 = j * NR;
                    let nr = NR.min(n - j0);
                    for r0 in (i0..i0 + mc).step_by(MR) {
                        let mr = MR.min(m - r0);
                        let acc = match layout {
                            _ if pack_all => {
                                let at = (r0 - i0) * kc;
                                let panel = &a_pack[at..at + kc * MR];
                                micro(b_panel, |p| {
                                    panel[p * MR..(p + 1) * MR].try_into().expect("MR floats")
                                })
                            }
                            ALayout::RowMajor(s) if mr == MR => {
                                let rows: [&[f32]; MR] = std::array::from_fn(|r| {
                                    &s[(r0 + r) * k + p0..(r0 + r) * k + p0 + kc]
                                });
                                micro(b_panel, |p| std::array::from_fn(|r| rows[r][p]))
                            }
                            ALayout::ColMajor(s) if mr == MR => micro(b_panel, |p| {
                                let at = (p0 + p) * m + r0;
                                s[at..at + MR].try_into().expect("MR floats")
                            }),
                            _ => {
                                pack_a(a, layout, (r0, mr), (p0, kc), a_pack);
                                let panel = &a_pack[..kc * MR];
                                micro(b_panel, |p| {
                                    panel[p * MR..(p + 1) * MR].try_into().expect("MR floats")
                                })
                            }
                        };
                        write_tile(&acc, c, n, r0, j0, mr, nr, alpha, beta_p);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use ndarray::{Array2, ShapeBuilder};
    use rand::{RngExt, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    use super::*;

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

                    if avx512_available() {
                        // The kernel itself, also on shapes that dispatch sends elsewhere.
                        let mut c = c0.clone();
                        kernel_gemm(alpha, &a.view(), &b.view(), beta, &mut c.view_mut());
                        check(&format!("kernel {what}"), &c, &want, k);
                        pack_b_into(&b.view(), &mut packed);
                        let mut c = c0.clone();
                        kernel_gemm_packed(alpha, &a.view(), &packed, beta, &mut c.view_mut());
                        check(&format!("kernel packed {what}"), &c, &want, k);
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
        if avx512_available() {
            c.fill(0.0);
            kernel_gemm(1.0, &a, &b, 0.0, &mut c.view_mut());
            check("kernel rows · Wᵀ", &c, &want, 96);
            // A strided `a` (every other column), packed by the generic path.
            let strided = big.slice(ndarray::s![0..40, ..;2]);
            let b2 = random(&mut rng, 48, 40, false);
            let mut c2 = Array2::<f32>::zeros((40, 40));
            kernel_gemm(1.0, &strided, &b2.view(), 0.0, &mut c2.view_mut());
            let want2 = reference(1.0, &strided.to_owned(), &b2, 0.0, &c2);
            check("kernel strided a", &c2, &want2, 48);
        }

        let at = big.t(); // [96, 300]
        let rows = random(&mut rng, 300, 40, false);
        let mut c = Array2::<f32>::zeros((96, 40));
        f32::gemm(1.0, &at, &rows.view(), 0.0, &mut c.view_mut());
        let want = reference(1.0, &at.to_owned(), &rows, 0.0, &c);
        check("daᵀ · h", &c, &want, 300);
        if avx512_available() {
            c.fill(0.0);
            kernel_gemm(1.0, &at, &rows.view(), 0.0, &mut c.view_mut());
            check("kernel daᵀ · h", &c, &want, 300);
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
    fn kernel_is_used_where_the_cpu_has_avx512() {
        #[cfg(target_arch = "x86_64")]
        if std::env::var_os("BPTT_LAB_NO_AVX512").is_none() {
            assert_eq!(
                avx512_available(),
                std::arch::is_x86_feature_detected!("avx512f")
                    && std::arch::is_x86_feature_detected!("fma")
            );
        }
        let mut packed = PackedB::new();
        let b = Array2::<f32>::ones((64, 64));
        f32::pack_b(&b.view(), &mut packed);
        assert_eq!(packed.holds(64, 64), avx512_available());
        let mut packed64 = PackedB::new();
        f64::pack_b(&Array2::<f64>::ones((64, 64)).view(), &mut packed64);
        assert!(!packed64.holds(64, 64), "f64 never packs");
    }
}
