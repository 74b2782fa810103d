//! The engine's matrix product `c = alpha · a b + beta · c`, with its own f32 kernels.
//!
//! matrixmultiply (behind `ndarray::linalg::general_mat_mul`) has AVX2/FMA kernels only, and it
//! packs both operands (into a buffer it allocates) at every call. This module's f32 kernels
//! are the usual packed design (Goto & van de Geijn): the right operand `b [K, N]` is copied
//! into panels of [`NR`] columns (`[kc][NR]` each, zero-padded), the left operand read in place
//! or packed in panels of [`MR`] rows (`[kc][MR]`), and a micro-kernel keeps an `MR × NR` tile
//! of accumulators in registers over a block of at most [`KC`] steps of `k` (the loop:
//! `gemm/driver.rs`). The engine multiplies by the same `W_hh` at every time step, so
//! [`Gemm::pack_b`] packs it once per forward or backward range and [`Gemm::gemm_packed`]
//! reuses the panels.
//!
//! Two micro-kernels, chosen once per process ([`kernel`]):
//! - AVX-512 (`gemm/avx512.rs`): 16 zmm accumulators, twice matrixmultiply's work per instruction;
//!   it takes every large product and the per-step products with `W_hh`.
//! - AVX2 + FMA (`gemm/avx2.rs`), on CPUs without AVX-512: the per-step products with `W_hh` only,
//!   where not repacking `W_hh` and `h` at each of the `2·T` products of a step is the gain;
//!   other products go to matrixmultiply, whose AVX2 kernel is as fast once packed.
//!
//! Products with a side of a few (`k = I`, `n = O`, ...) take one pass of vectorised axpys or
//! dot products instead ([`thin`]).
//!
//! Everything else (f64, other CPUs, shapes where the tiles would be mostly padding, an output
//! that is not one contiguous row-major block) goes to matrixmultiply. For A/B measurements in
//! one build, set at start-up `BPTT_LAB_NO_AVX512` (the AVX2 kernel then takes the per-step
//! products on an AVX-512 CPU too), `BPTT_LAB_NO_THIN` (thin products to the GEMMs) or
//! `BPTT_LAB_NO_GEMM_KERNEL` (matrixmultiply for all).

// The kernels need `unsafe` for three things only: calling a `#[target_feature]` entry point
// after the runtime check that the CPU has its features, and the unaligned 8- or 16-float load
// and store intrinsics (raw pointers by signature), wrapped in functions on fixed-size arrays.
#![allow(
    unsafe_code,
    reason = "SIMD intrinsics: one call after runtime detection, loads/stores on [f32; N]"
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
        if kernel() == Kernel::None {
            packed.packed = false;
        } else {
            let t0 = breakdown::start();
            pack_b_into(b, packed);
            breakdown::packing_done(t0);
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
            kernel_gemm_packed(kernel(), alpha, a, packed, beta, c);
            Route::Kernel
        };
        breakdown::gemm_done(t0, route, mnk(a, b));
    }
}

/// `(m, n, k)` of `a [m, k] · b [k, n]`.
fn mnk<F>(a: &ArrayView2<'_, F>, b: &ArrayView2<'_, F>) -> (usize, usize, usize) {
    (a.nrows(), b.ncols(), a.ncols())
}

/// [`Gemm::gemm`] for f32 without the timing: the thin-product loops ([`thin`]) or the kernel
/// where they pay, matrixmultiply otherwise; returns which ran.
fn gemm_f32(
    alpha: f32,
    a: &ArrayView2<'_, f32>,
    b: &ArrayView2<'_, f32>,
    beta: f32,
    c: &mut ArrayViewMut2<'_, f32>,
) -> Route {
    if thin_on() && c.as_slice_mut().is_some() && thin::fits(a, b) {
        thin::gemm(alpha, a, b, beta, c, cpu_has(Kernel::Avx2));
        return Route::Kernel;
    }
    if !kernel_fits(a, b) || c.as_slice_mut().is_none() {
        ndarray::linalg::general_mat_mul(alpha, a, b, beta, c);
        return Route::Matrixmultiply;
    }
    kernel_gemm(kernel(), alpha, a, b, beta, c);
    Route::Kernel
}

/// Kernel `isa` on any shape: `b` packed into this thread's scratch. Needs a CPU with `isa`
/// ([`cpu_has`]) and a contiguous `c`.
fn kernel_gemm(
    isa: Kernel,
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
        run(isa, alpha, a, b_pack, beta, c, a_pack);
    });
}

/// Kernel `isa` on any shape with `b` packed already.
fn kernel_gemm_packed(
    isa: Kernel,
    alpha: f32,
    a: &ArrayView2<'_, f32>,
    packed: &PackedB<f32>,
    beta: f32,
    c: &mut ArrayViewMut2<'_, f32>,
) {
    SCRATCH.with(|s| run(isa, alpha, a, packed, beta, c, &mut s.borrow_mut().a_pack));
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

/// Which micro-kernel this process runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kernel {
    /// The AVX-512 kernel: every product it fits.
    Avx512,
    /// The AVX2 + FMA kernel: the products with a packed `b` ([`Gemm::gemm_packed`]) only.
    Avx2,
    /// matrixmultiply for everything.
    None,
}

impl Kernel {
    /// The name `bench` prints.
    pub fn name(self) -> &'static str {
        match self {
            Self::Avx512 => "avx512",
            Self::Avx2 => "avx2",
            Self::None => "matrixmultiply",
        }
    }
}

/// The kernel of this CPU, detected once per process (`BPTT_LAB_NO_AVX512` and
/// `BPTT_LAB_NO_GEMM_KERNEL` at start-up narrow it, see the module doc).
pub fn kernel() -> Kernel {
    static KERNEL: OnceLock<Kernel> = OnceLock::new();
    *KERNEL.get_or_init(|| {
        let off = |var| std::env::var_os(var).is_some();
        if off("BPTT_LAB_NO_GEMM_KERNEL") {
            Kernel::None
        } else if cpu_has(Kernel::Avx512) && !off("BPTT_LAB_NO_AVX512") {
            Kernel::Avx512
        } else if cpu_has(Kernel::Avx2) {
            Kernel::Avx2
        } else {
            Kernel::None
        }
    })
}

/// Whether the thin-product loops ([`thin`]) run: with a kernel, unless `BPTT_LAB_NO_THIN` is
/// set at start-up (A/B measurements).
fn thin_on() -> bool {
    static ON: OnceLock<bool> = OnceLock::new();
    *ON.get_or_init(|| kernel() != Kernel::None && std::env::var_os("BPTT_LAB_NO_THIN").is_none())
}

/// Whether this CPU has the instructions of kernel `isa`.
pub fn cpu_has(isa: Kernel) -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::is_x86_feature_detected as has;
        match isa {
            Kernel::Avx512 => has!("avx512f") && has!("fma"),
            Kernel::Avx2 => has!("avx2") && has!("fma"),
            Kernel::None => true,
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        isa == Kernel::None
    }
}

/// Whether the AVX-512 kernel runs.
pub fn avx512_available() -> bool {
    kernel() == Kernel::Avx512
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

/// Smallest product `m · n · k` that a kernel takes with `b` packed already
/// ([`Gemm::gemm_packed`], the per-step products with `W_hh`): with no packing of `b` per call
/// the kernel pays from far smaller products than [`MIN_KERNEL_MNK`], down to the tanh RNN at
/// H = 32 (`32 · 32 · 32`), where matrixmultiply packs both operands (and allocates its buffer)
/// at each of the 2·T products of a step. The cells' activations are vectorised for the same
/// instruction set ([`super::fastmath`]), so the step does not switch between it and libm.
pub const MIN_PACKED_KERNEL_MNK: usize = 1 << 15;

/// [`kernel_fits`] for a product whose `b` is packed already, for either kernel: the same
/// shape limits, the lower size bound [`MIN_PACKED_KERNEL_MNK`].
fn packed_kernel_fits(a: &ArrayView2<'_, f32>, b: &ArrayView2<'_, f32>) -> bool {
    let (m, k) = a.dim();
    let n = b.ncols();
    kernel() != Kernel::None && m > 0 && n >= NR / 2 && k >= 8 && m * n * k >= MIN_PACKED_KERNEL_MNK
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

/// Where one tile of `c` goes: `c` is row-major with `n` columns, the tile's top-left corner
/// is `(r0, j0)` and its valid part `mr × nr`; it is written `alpha · acc + beta · c`.
#[derive(Clone, Copy)]
struct TileAt {
    n: usize,
    r0: usize,
    j0: usize,
    mr: usize,
    nr: usize,
    alpha: f32,
    beta: f32,
}

impl TileAt {
    /// Writes the valid `mr × nr` part of a tile held in `buf` (rows of `W` floats, the tile's
    /// accumulators stored out): the edge tiles that the kernels' vector stores would overrun.
    #[inline]
    fn write_partial<const W: usize>(self, buf: &[[f32; W]], c: &mut [f32]) {
        let Self {
            n,
            r0,
            j0,
            mr,
            nr,
            alpha,
            beta,
        } = self;
        for (r, t) in buf.iter().enumerate().take(mr) {
            let row = &mut c[(r0 + r) * n + j0..(r0 + r) * n + j0 + nr];
            for (cv, &tv) in row.iter_mut().zip(t) {
                *cv = combine(alpha * tv, beta, *cv);
            }
        }
    }
}

/// `alpha_ab + beta · c`, with `beta = 0` overwriting `c` (NaNs in it included): how every
/// path of this module writes a result.
#[expect(
    clippy::inline_always,
    reason = "inlined into the AVX2 + FMA copy of the thin loops, to get its features"
)]
#[inline(always)]
fn combine(alpha_ab: f32, beta: f32, c: f32) -> f32 {
    if beta == 0.0 {
        alpha_ab
    } else {
        alpha_ab + beta * c
    }
}

/// `c = alpha · a b + beta · c` with `b` packed, on kernel `isa`; `c` is contiguous row-major.
fn run(
    isa: Kernel,
    alpha: f32,
    a: &ArrayView2<'_, f32>,
    b: &PackedB<f32>,
    beta: f32,
    c: &mut ArrayViewMut2<'_, f32>,
    a_pack: &mut Vec<f32>,
) {
    debug_assert!(b.holds(a.ncols(), c.ncols()) && c.nrows() == a.nrows());
    let c = c.as_slice_mut().expect("contiguous c");
    let layout = a_layout(a);
    assert!(
        isa != Kernel::None && cpu_has(isa),
        "the {isa:?} kernel on a CPU without it"
    );
    match isa {
        // SAFETY: `cpu_has` checked just above that this CPU has AVX-512F and FMA, the
        // features `avx512::gemm` is compiled for.
        #[cfg(target_arch = "x86_64")]
        Kernel::Avx512 => unsafe { avx512::gemm(alpha, a, layout, b, beta, c, a_pack) },
        // SAFETY: as above, AVX2 and FMA for `avx2::gemm`.
        #[cfg(target_arch = "x86_64")]
        Kernel::Avx2 => unsafe { avx2::gemm(alpha, a, layout, b, beta, c, a_pack) },
        _ => unreachable!("checked above"),
    }
}

mod driver;
pub mod thin;

#[cfg(target_arch = "x86_64")]
mod avx2;
#[cfg(target_arch = "x86_64")]
mod avx512;

#[cfg(test)]
mod tests;
