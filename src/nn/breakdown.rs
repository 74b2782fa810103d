//! Where a training step's time goes: the time spent in the engine's matrix products
//! ([`super::gemm`], packing included) and in its per-time-step element-wise passes (the
//! cells' gate math forward and backward, and the backward pass's `dh` gather), with the
//! floating-point operations of the products, for `bptt-lab bench`.
//!
//! Off unless a [`Recording`] guard is alive somewhere in the process: the hot path then costs
//! one relaxed atomic load per product and per element-wise pass. While on, each thread adds
//! nanoseconds and FLOPs into its own thread-local [`Totals`] (no sharing, no atomics);
//! [`take`] reads and clears the calling thread's. The split step's helper thread sends its
//! own totals back with each half it computes ([`add_helper`]), so the calling thread can
//! report both.
//!
//! "Rest" is the step's wall time minus the two timed parts: the readout and loss, bias and
//! column sums, clipping, the optimizer, and (with two threads) the wait for the helper.

use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

/// Live [`Recording`] guards in the process; recording is on while this is not 0.
static RECORDERS: AtomicUsize = AtomicUsize::new(0);

/// Whether recording is on (one relaxed load).
#[inline]
pub fn enabled() -> bool {
    RECORDERS.load(Ordering::Relaxed) != 0
}

/// Turns recording on for as long as it lives (guards nest: recording stays on until the last
/// one is dropped).
#[derive(Debug)]
pub struct Recording(());

impl Recording {
    pub fn start() -> Self {
        RECORDERS.fetch_add(1, Ordering::Relaxed);
        Self(())
    }
}

impl Drop for Recording {
    fn drop(&mut self) {
        RECORDERS.fetch_sub(1, Ordering::Relaxed);
    }
}

/// What one thread recorded since its last [`take`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Totals {
    /// Nanoseconds inside the matrix products (and the packing of `W_hh`).
    pub gemm_ns: u64,
    /// `2 · m · n · k` summed over the products.
    pub gemm_flop: u64,
    /// Number of products.
    pub gemm_calls: u64,
    /// The part of `gemm_ns` and `gemm_flop` that ran the engine's own code (its kernels or
    /// the thin-product loops, [`super::gemm`]); the rest went to matrixmultiply, or was
    /// packing.
    pub kernel_ns: u64,
    pub kernel_flop: u64,
    /// Nanoseconds in the per-time-step element-wise passes.
    pub elementwise_ns: u64,
}

impl Totals {
    fn add(&mut self, o: &Self) {
        self.gemm_ns += o.gemm_ns;
        self.gemm_flop += o.gemm_flop;
        self.gemm_calls += o.gemm_calls;
        self.kernel_ns += o.kernel_ns;
        self.kernel_flop += o.kernel_flop;
        self.elementwise_ns += o.elementwise_ns;
    }
}

thread_local! {
    /// This thread's own totals.
    static OWN: Cell<Totals> = const { Cell::new(zero()) };
    /// What the split step's helper reported to this thread.
    static HELPER: Cell<Totals> = const { Cell::new(zero()) };
}

const fn zero() -> Totals {
    Totals {
        gemm_ns: 0,
        gemm_flop: 0,
        gemm_calls: 0,
        kernel_ns: 0,
        kernel_flop: 0,
        elementwise_ns: 0,
    }
}

fn update(cell: &'static std::thread::LocalKey<Cell<Totals>>, f: impl FnOnce(&mut Totals)) {
    cell.with(|c| {
        let mut t = c.get();
        f(&mut t);
        c.set(t);
    });
}

fn ns_since(t0: Instant) -> u64 {
    u64::try_from(t0.elapsed().as_nanos()).unwrap_or(u64::MAX)
}

/// The start of a timed span: `Some(now)` when recording is on.
#[inline]
pub fn start() -> Option<Instant> {
    enabled().then(Instant::now)
}

/// Which code ran a product.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Route {
    Kernel,
    Matrixmultiply,
}

/// Ends a product's span begun with [`start`]: `c [m, n] = a [m, k] · b [k, n]`.
#[inline]
pub fn gemm_done(t0: Option<Instant>, route: Route, (m, n, k): (usize, usize, usize)) {
    if let Some(t0) = t0 {
        let ns = ns_since(t0);
        let flop = 2 * (m as u64) * (n as u64) * (k as u64);
        update(&OWN, |t| {
            t.gemm_ns += ns;
            t.gemm_flop += flop;
            t.gemm_calls += 1;
            if route == Route::Kernel {
                t.kernel_ns += ns;
                t.kernel_flop += flop;
            }
        });
    }
}

/// Ends a span of GEMM overhead without FLOPs (packing an operand) begun with [`start`].
#[inline]
pub fn packing_done(t0: Option<Instant>) {
    if let Some(t0) = t0 {
        let ns = ns_since(t0);
        update(&OWN, |t| t.gemm_ns += ns);
    }
}

/// Ends an element-wise pass's span begun with [`start`].
#[inline]
pub fn elementwise_done(t0: Option<Instant>) {
    if let Some(t0) = t0 {
        let ns = ns_since(t0);
        update(&OWN, |t| t.elementwise_ns += ns);
    }
}

/// This thread's totals since the last call, and clears them.
pub fn take() -> Totals {
    OWN.with(|c| c.replace(zero()))
}

/// What helper threads reported to this thread ([`add_helper`]) since the last call, and
/// clears it.
pub fn take_helper() -> Totals {
    HELPER.with(|c| c.replace(zero()))
}

/// Adds a helper thread's totals (its [`take`]) to what this thread reports as its helper's.
pub fn add_helper(totals: &Totals) {
    update(&HELPER, |t| t.add(totals));
}

/// The shares of a timed stretch of wall time.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Shares {
    pub gemm: f64,
    pub elementwise: f64,
    /// `1 − gemm − elementwise`.
    pub rest: f64,
}

impl Shares {
    /// The shares of `wall_ns` that `totals` (one thread's) spent in each part. A thread's
    /// timed spans do not nest or overlap, so the two timed shares sum to at most 1 (up to
    /// clock granularity); nothing is clamped, so a span counted twice would show as a
    /// negative rest.
    pub fn of(totals: &Totals, wall_ns: u64) -> Self {
        let wall = wall_ns.max(1) as f64;
        let gemm = totals.gemm_ns as f64 / wall;
        let elementwise = totals.elementwise_ns as f64 / wall;
        Self {
            gemm,
            elementwise,
            rest: 1.0 - gemm - elementwise,
        }
    }
}
