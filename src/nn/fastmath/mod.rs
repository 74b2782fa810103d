//! Vectorised f32 `exp`, `tanh` and logistic `sigmoid` over slices, for the cells' activations.
//!
//! libm's scalar `expf` / `tanhf` were 40–65 % of an f32 training step at H = 32. These run 16
//! (AVX-512F) or 8 (AVX2 + FMA) lanes at once, chosen at run time; other CPUs get the same
//! algorithm one lane at a time ([`Isa::Scalar`]). f64 never comes here: the generic
//! [`super::Scalar`] code keeps libm for it, so gradient checks stay at their 1e-12 tolerances.
//!
//! # Algorithms and error bounds
//!
//! Errors are in units in the last place (ulp) of the exact result rounded to f32, with the
//! ulp of subnormal results taken as 2⁻¹⁴⁹; every path (AVX-512F, AVX2, scalar) evaluates the
//! same operations and is held to the same bounds, against f64 libm, by this module's tests
//! (a dense sweep of every f32 exponent range, ±0, subnormals, ±∞ and NaN).
//!
//! - [`exp_in_place`]: `eˣ = 2ⁿ · eʳ` with `n = round(x / ln 2)`, `r = x − n ln 2` (ln 2 in
//!   two parts, the first exact in 9 bits, so `n · ln2_hi` is exact), `eʳ = 1 + r + r² q(r)` on
//!   `|r| ≤ ln 2 / 2` with `q` of degree 4 fitted at Chebyshev nodes (0.17 ulp before
//!   rounding), and `2ⁿ` applied as two exact powers of two so that subnormal results are
//!   rounded once. **At most 2 ulp**; 0 below x = −104, +∞ above 88.73.
//! - [`tanh_in_place`]: `|x| < 0.625`: `x + x³ P(x²)`, `P` of degree 5 (0.07 ulp before
//!   rounding), exact for tiny `x` and keeping the sign of ±0; otherwise
//!   `(1 − t) / (1 + t)` with `t = e^{−2|x|} ≤ e^{−1.25}` (little cancellation), the sign of
//!   `x` copied in. **At most 2 ulp**; exactly ±1 from |x| ≈ 9.01.
//! - [`sigmoid_in_place`]: `t = e^{−|x|}`, `σ(|x|) = 1 / (1 + t)`, `σ(−|x|) = t · σ(|x|)`, so
//!   neither side overflows and the negative side keeps its relative accuracy down to the
//!   subnormals. **At most 3 ulp**; 0 and 1 exactly at the far ends.
//!
//! NaN in gives NaN out (the clamps are ordered so that a NaN passes them); `exp(±∞) = ∞, 0`,
//! `tanh(±∞) = ±1`, `σ(+∞) = 1`, `σ(−∞) = 0`.

// `unsafe` for two things only: calling a `#[target_feature]` entry point after the runtime
// check that the CPU has those features, and the unaligned 8- or 16-float load and store
// intrinsics (raw pointers by signature), wrapped in `load` / `store` on fixed-size arrays.
#![allow(
    unsafe_code,
    reason = "SIMD intrinsics: entry calls after runtime detection, loads/stores on [f32; N]"
)]

use std::sync::OnceLock;

/// The instruction sets this module has a path for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Isa {
    /// 16 lanes, AVX-512F (with FMA).
    Avx512,
    /// 8 lanes, AVX2 and FMA.
    Avx2,
    /// One lane, plain f32 arithmetic: any CPU.
    Scalar,
}

impl Isa {
    /// The widest path this CPU runs, detected once. `BPTT_LAB_NO_AVX512` (set to anything at
    /// start-up, as for [`super::gemm`]) leaves AVX-512 out, for A/B measurements.
    pub fn detected() -> Self {
        static ISA: OnceLock<Isa> = OnceLock::new();
        *ISA.get_or_init(|| {
            let no_avx512 = std::env::var_os("BPTT_LAB_NO_AVX512").is_some();
            if !no_avx512 && Self::Avx512.is_available() {
                Self::Avx512
            } else if Self::Avx2.is_available() {
                Self::Avx2
            } else {
                Self::Scalar
            }
        })
    }

    /// Whether this CPU has the features the path needs.
    pub fn is_available(self) -> bool {
        #[cfg(target_arch = "x86_64")]
        {
            use std::arch::is_x86_feature_detected as has;
            match self {
                Self::Avx512 => has!("avx512f") && has!("fma"),
                Self::Avx2 => has!("avx2") && has!("fma"),
                Self::Scalar => true,
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            self == Self::Scalar
        }
    }

    /// Every path this CPU runs, widest first.
    pub fn all_available() -> Vec<Self> {
        [Self::Avx512, Self::Avx2, Self::Scalar]
            .into_iter()
            .filter(|isa| isa.is_available())
            .collect()
    }
}

/// Which function a slice pass computes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Func {
    Exp,
    Tanh,
    Sigmoid,
}

/// The path was asked for on a CPU without its features.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("this CPU lacks the instructions of the {0:?} path of fastmath")]
pub struct Unavailable(pub Isa);

/// `x ← eˣ` for every element (at most 2 ulp; see the [module docs](self)).
pub fn exp_in_place(xs: &mut [f32]) {
    run(Isa::detected(), Func::Exp, xs);
}

/// `x ← tanh x` for every element (at most 2 ulp; see the [module docs](self)).
pub fn tanh_in_place(xs: &mut [f32]) {
    run(Isa::detected(), Func::Tanh, xs);
}

/// `x ← 1 / (1 + e⁻ˣ)` for every element (at most 3 ulp; see the [module docs](self)).
pub fn sigmoid_in_place(xs: &mut [f32]) {
    run(Isa::detected(), Func::Sigmoid, xs);
}

/// `func` over `xs` on a chosen path (for tests and A/B measurements); an error if this CPU
/// lacks the path's instructions.
pub fn apply_in_place(isa: Isa, func: Func, xs: &mut [f32]) -> Result<(), Unavailable> {
    if isa.is_available() {
        run(isa, func, xs);
        Ok(())
    } else {
        Err(Unavailable(isa))
    }
}

/// Dispatch; `isa` is available (checked by every caller).
#[inline]
fn run(isa: Isa, func: Func, xs: &mut [f32]) {
    match isa {
        #[cfg(target_arch = "x86_64")]
        Isa::Avx512 => {
            debug_assert!(isa.is_available());
            // SAFETY: `Isa::detected` / `apply_in_place` checked at run time that this CPU has
            // AVX-512F and FMA, the features the `avx512` functions are compiled for.
            unsafe {
                match func {
                    Func::Exp => avx512::exp_slice(xs),
                    Func::Tanh => avx512::tanh_slice(xs),
                    Func::Sigmoid => avx512::sigmoid_slice(xs),
                }
            }
        }
        #[cfg(target_arch = "x86_64")]
        Isa::Avx2 => {
            debug_assert!(isa.is_available());
            // SAFETY: as above, for AVX2 and FMA and the `avx2` functions.
            unsafe {
                match func {
                    Func::Exp => avx2::exp_slice(xs),
                    Func::Tanh => avx2::tanh_slice(xs),
                    Func::Sigmoid => avx2::sigmoid_slice(xs),
                }
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        Isa::Avx512 | Isa::Avx2 => unreachable!("no x86 paths off x86_64"),
        Isa::Scalar => match func {
            Func::Exp => scalar::exp_slice(xs),
            Func::Tanh => scalar::tanh_slice(xs),
            Func::Sigmoid => scalar::sigmoid_slice(xs),
        },
    }
}

/// The constants of the algorithms (see the module docs), shared by every path.
mod k;

/// The algorithms, written once over a lane type `V` and its operations, and expanded into
/// each path's module (which defines `V`, `N` and the operations, x86 semantics for
/// `min` / `max`: the second operand when either is NaN). `$feat` are the attributes of every
/// function (the path's `#[target_feature]`).
macro_rules! kernels {
    ($(#[$feat:meta])*) => {
        /// Horner's rule, constant term first.
        $(#[$feat])*
        #[inline]
        fn poly<const D: usize>(x: V, c: &[f32; D]) -> V {
            let mut p = splat(c[D - 1]);
            for &ci in c[..D - 1].iter().rev() {
                p = mul_add(p, x, splat(ci));
            }
            p
        }

        $(#[$feat])*
        #[inline]
        fn exp_v(x: V) -> V {
            // max(lo, NaN) and min(hi, NaN) are NaN.
            let x = min(splat(k::EXP_HI), max(splat(k::EXP_LO), x));
            let n = round(mul(x, splat(k::LOG2E)));
            let r = mul_add(n, splat(-k::LN2_HI), x);
            let r = mul_add(n, splat(-k::LN2_LO), r);
            let e = add(add(splat(1.0), r), mul(mul(r, r), poly(r, &k::EXP_Q)));
            // 2ⁿ as 2^n1 · 2^n2, both normal for n ∈ [−150, 128]: the first product is exact,
            // the second rounds once (into the subnormals where it must).
            let n1 = round(mul(n, splat(0.5)));
            let n2 = sub(n, n1);
            mul(mul(e, pow2i(n1)), pow2i(n2))
        }

        $(#[$feat])*
        #[inline]
        fn tanh_v(x: V) -> V {
            // On |x|, the sign copied in last (so tanh(−0) = −0).
            let a = abs(x);
            let y = mul(a, a);
            let small = mul_add(mul(a, y), poly(y, &k::TANH_P), a);
            let t = exp_v(mul(a, splat(-2.0)));
            let big = div(sub(splat(1.0), t), add(splat(1.0), t));
            copy_sign(select(lt(a, splat(k::TANH_SMALL)), small, big), x)
        }

        $(#[$feat])*
        #[inline]
        fn sigmoid_v(x: V) -> V {
            let t = exp_v(neg(abs(x)));
            let pos = div(splat(1.0), add(splat(1.0), t));
            select(lt(x, splat(0.0)), mul(t, pos), pos)
        }

        /// `f` over `xs`, `N` lanes at a time; the tail through a zero-padded buffer.
        $(#[$feat])*
        #[inline]
        fn map(xs: &mut [f32], f: impl Fn(V) -> V) {
            let mut chunks = xs.chunks_exact_mut(N);
            for c in &mut chunks {
                let c: &mut [f32; N] = c.try_into().expect("N floats");
                let y = f(load(c));
                store(c, y);
            }
            let tail = chunks.into_remainder();
            if !tail.is_empty() {
                let mut buf = [0.0f32; N];
                buf[..tail.len()].copy_from_slice(tail);
                let y = f(load(&buf));
                store(&mut buf, y);
                tail.copy_from_slice(&buf[..tail.len()]);
            }
        }

        $(#[$feat])*
        pub(super) fn exp_slice(xs: &mut [f32]) {
            map(xs, |v| exp_v(v));
        }

        $(#[$feat])*
        pub(super) fn tanh_slice(xs: &mut [f32]) {
            map(xs, |v| tanh_v(v));
        }

        $(#[$feat])*
        pub(super) fn sigmoid_slice(xs: &mut [f32]) {
            map(xs, |v| sigmoid_v(v));
        }
    };
}

/// One lane: plain f32 arithmetic, the same operations in the same order.
mod scalar;

/// Eight lanes, AVX2 + FMA.
#[cfg(target_arch = "x86_64")]
mod avx2;

/// Sixteen lanes, AVX-512F (+ FMA).
#[cfg(target_arch = "x86_64")]
mod avx512;

#[cfg(test)]
#[expect(
    clippy::float_cmp,
    reason = "exact results (±0, ±1, ±∞, tanh x = x) are what these tests check"
)]
mod tests;
