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
mod k {
    /// Inputs are clamped to `[EXP_LO, EXP_HI]`: e^−104 rounds to 0, e^89 overflows.
    pub const EXP_LO: f32 = -104.0;
    pub const EXP_HI: f32 = 89.0;
    pub const LOG2E: f32 = std::f32::consts::LOG2_E;
    /// ln 2 = `LN2_HI + LN2_LO`; `LN2_HI = 355 / 512` has 9 significant bits, so `n · LN2_HI`
    /// is exact for every `|n| ≤ 150`.
    pub const LN2_HI: f32 = 0.693_359_4;
    pub const LN2_LO: f32 = -2.121_944_4e-4;
    /// `q(r) ≈ (eʳ − 1 − r) / r²` on `|r| ≤ ln 2 / 2`, constant term first.
    pub const EXP_Q: [f32; 5] = [
        0.5,
        0.166_665_78,
        0.041_666_556,
        0.008_363_173,
        0.001_392_617_6,
    ];
    /// Below this `|x|`, tanh is the odd polynomial.
    pub const TANH_SMALL: f32 = 0.625;
    /// `P(y) ≈ (tanh x − x) / x³` with `y = x²` on `|x| < 0.625`, constant term first.
    pub const TANH_P: [f32; 6] = [
        -0.333_333_34,
        0.133_333_04,
        -0.053_959_258,
        0.021_768_918,
        -0.008_343_945,
        0.002_292_745,
    ];
}

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
mod scalar {
    use super::k;

    type V = f32;
    const N: usize = 1;

    fn splat(v: f32) -> V {
        v
    }
    #[expect(
        clippy::trivially_copy_pass_by_ref,
        reason = "the signature every path shares (a vector load from an array)"
    )]
    fn load(s: &[f32; N]) -> V {
        s[0]
    }
    fn store(d: &mut [f32; N], v: V) {
        d[0] = v;
    }
    fn add(a: V, b: V) -> V {
        a + b
    }
    fn sub(a: V, b: V) -> V {
        a - b
    }
    fn mul(a: V, b: V) -> V {
        a * b
    }
    fn div(a: V, b: V) -> V {
        a / b
    }
    /// `a · b + c`, unfused: a CPU without vector FMA may have no fast fused one either.
    fn mul_add(a: V, b: V, c: V) -> V {
        a * b + c
    }
    fn neg(a: V) -> V {
        -a
    }
    fn abs(a: V) -> V {
        a.abs()
    }
    fn min(a: V, b: V) -> V {
        if a < b { a } else { b }
    }
    fn max(a: V, b: V) -> V {
        if a > b { a } else { b }
    }
    fn round(a: V) -> V {
        a.round_ties_even()
    }
    fn lt(a: V, b: V) -> bool {
        a < b
    }
    fn select(m: bool, a: V, b: V) -> V {
        if m { a } else { b }
    }
    /// `|a|` with the sign of `s` (`a ≥ 0`).
    fn copy_sign(a: V, s: V) -> V {
        a.copysign(s)
    }
    /// `2ⁿ` for an integral `n` in [−126, 127].
    fn pow2i(n: V) -> V {
        f32::from_bits((((n as i32) + 127) as u32) << 23)
    }

    kernels!();
}

/// Eight lanes, AVX2 + FMA.
#[cfg(target_arch = "x86_64")]
mod avx2 {
    use std::arch::x86_64::{
        __m256, _CMP_LT_OQ, _MM_FROUND_NO_EXC, _MM_FROUND_TO_NEAREST_INT, _mm256_add_epi32,
        _mm256_add_ps, _mm256_and_ps, _mm256_andnot_ps, _mm256_blendv_ps, _mm256_castsi256_ps,
        _mm256_cmp_ps, _mm256_cvtps_epi32, _mm256_div_ps, _mm256_fmadd_ps, _mm256_loadu_ps,
        _mm256_max_ps, _mm256_min_ps, _mm256_mul_ps, _mm256_or_ps, _mm256_round_ps,
        _mm256_set1_epi32, _mm256_set1_ps, _mm256_slli_epi32, _mm256_storeu_ps, _mm256_sub_ps,
        _mm256_xor_ps,
    };

    use super::k;

    type V = __m256;
    const N: usize = 8;

    #[target_feature(enable = "avx2,fma")]
    #[inline]
    fn splat(v: f32) -> V {
        _mm256_set1_ps(v)
    }
    #[target_feature(enable = "avx2,fma")]
    #[inline]
    fn load(s: &[f32; N]) -> V {
        // SAFETY: `s` is 8 readable floats; the load is unaligned.
        unsafe { _mm256_loadu_ps(s.as_ptr()) }
    }
    #[target_feature(enable = "avx2,fma")]
    #[inline]
    fn store(d: &mut [f32; N], v: V) {
        // SAFETY: `d` is 8 writable floats; the store is unaligned.
        unsafe { _mm256_storeu_ps(d.as_mut_ptr(), v) }
    }
    #[target_feature(enable = "avx2,fma")]
    #[inline]
    fn add(a: V, b: V) -> V {
        _mm256_add_ps(a, b)
    }
    #[target_feature(enable = "avx2,fma")]
    #[inline]
    fn sub(a: V, b: V) -> V {
        _mm256_sub_ps(a, b)
    }
    #[target_feature(enable = "avx2,fma")]
    #[inline]
    fn mul(a: V, b: V) -> V {
        _mm256_mul_ps(a, b)
    }
    #[target_feature(enable = "avx2,fma")]
    #[inline]
    fn div(a: V, b: V) -> V {
        _mm256_div_ps(a, b)
    }
    #[target_feature(enable = "avx2,fma")]
    #[inline]
    fn mul_add(a: V, b: V, c: V) -> V {
        _mm256_fmadd_ps(a, b, c)
    }
    #[target_feature(enable = "avx2,fma")]
    #[inline]
    fn neg(a: V) -> V {
        _mm256_xor_ps(a, _mm256_set1_ps(-0.0))
    }
    #[target_feature(enable = "avx2,fma")]
    #[inline]
    fn abs(a: V) -> V {
        _mm256_andnot_ps(_mm256_set1_ps(-0.0), a)
    }
    #[target_feature(enable = "avx2,fma")]
    #[inline]
    fn min(a: V, b: V) -> V {
        _mm256_min_ps(a, b)
    }
    #[target_feature(enable = "avx2,fma")]
    #[inline]
    fn max(a: V, b: V) -> V {
        _mm256_max_ps(a, b)
    }
    #[target_feature(enable = "avx2,fma")]
    #[inline]
    fn round(a: V) -> V {
        _mm256_round_ps::<{ _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC }>(a)
    }
    #[target_feature(enable = "avx2,fma")]
    #[inline]
    fn lt(a: V, b: V) -> V {
        _mm256_cmp_ps::<_CMP_LT_OQ>(a, b)
    }
    #[target_feature(enable = "avx2,fma")]
    #[inline]
    fn select(m: V, a: V, b: V) -> V {
        _mm256_blendv_ps(b, a, m)
    }
    #[target_feature(enable = "avx2,fma")]
    #[inline]
    fn copy_sign(a: V, s: V) -> V {
        _mm256_or_ps(a, _mm256_and_ps(s, _mm256_set1_ps(-0.0)))
    }
    #[target_feature(enable = "avx2,fma")]
    #[inline]
    fn pow2i(n: V) -> V {
        let e = _mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127));
        _mm256_castsi256_ps(_mm256_slli_epi32::<23>(e))
    }

    kernels!(#[target_feature(enable = "avx2,fma")]);
}

/// Sixteen lanes, AVX-512F (+ FMA).
#[cfg(target_arch = "x86_64")]
mod avx512 {
    use std::arch::x86_64::{
        __m512, __mmask16, _CMP_LT_OQ, _MM_FROUND_NO_EXC, _MM_FROUND_TO_NEAREST_INT,
        _mm512_add_epi32, _mm512_add_ps, _mm512_and_si512, _mm512_andnot_si512,
        _mm512_castps_si512, _mm512_castsi512_ps, _mm512_cmp_ps_mask, _mm512_cvtps_epi32,
        _mm512_div_ps, _mm512_fmadd_ps, _mm512_loadu_ps, _mm512_mask_blend_ps, _mm512_max_ps,
        _mm512_min_ps, _mm512_mul_ps, _mm512_or_si512, _mm512_roundscale_ps, _mm512_set1_epi32,
        _mm512_set1_ps, _mm512_slli_epi32, _mm512_storeu_ps, _mm512_sub_ps, _mm512_xor_si512,
    };

    use super::k;

    type V = __m512;
    const N: usize = 16;

    #[target_feature(enable = "avx512f,fma")]
    #[inline]
    fn splat(v: f32) -> V {
        _mm512_set1_ps(v)
    }
    #[target_feature(enable = "avx512f,fma")]
    #[inline]
    fn load(s: &[f32; N]) -> V {
        // SAFETY: `s` is 16 readable floats; the load is unaligned.
        unsafe { _mm512_loadu_ps(s.as_ptr()) }
    }
    #[target_feature(enable = "avx512f,fma")]
    #[inline]
    fn store(d: &mut [f32; N], v: V) {
        // SAFETY: `d` is 16 writable floats; the store is unaligned.
        unsafe { _mm512_storeu_ps(d.as_mut_ptr(), v) }
    }
    #[target_feature(enable = "avx512f,fma")]
    #[inline]
    fn add(a: V, b: V) -> V {
        _mm512_add_ps(a, b)
    }
    #[target_feature(enable = "avx512f,fma")]
    #[inline]
    fn sub(a: V, b: V) -> V {
        _mm512_sub_ps(a, b)
    }
    #[target_feature(enable = "avx512f,fma")]
    #[inline]
    fn mul(a: V, b: V) -> V {
        _mm512_mul_ps(a, b)
    }
    #[target_feature(enable = "avx512f,fma")]
    #[inline]
    fn div(a: V, b: V) -> V {
        _mm512_div_ps(a, b)
    }
    #[target_feature(enable = "avx512f,fma")]
    #[inline]
    fn mul_add(a: V, b: V, c: V) -> V {
        _mm512_fmadd_ps(a, b, c)
    }
    /// The sign bit, for the bitwise operations (AVX-512F has them on integers only).
    #[target_feature(enable = "avx512f,fma")]
    #[inline]
    fn sign_bit() -> std::arch::x86_64::__m512i {
        _mm512_castps_si512(_mm512_set1_ps(-0.0))
    }
    #[target_feature(enable = "avx512f,fma")]
    #[inline]
    fn neg(a: V) -> V {
        _mm512_castsi512_ps(_mm512_xor_si512(_mm512_castps_si512(a), sign_bit()))
    }
    #[target_feature(enable = "avx512f,fma")]
    #[inline]
    fn abs(a: V) -> V {
        _mm512_castsi512_ps(_mm512_andnot_si512(sign_bit(), _mm512_castps_si512(a)))
    }
    #[target_feature(enable = "avx512f,fma")]
    #[inline]
    fn min(a: V, b: V) -> V {
        _mm512_min_ps(a, b)
    }
    #[target_feature(enable = "avx512f,fma")]
    #[inline]
    fn max(a: V, b: V) -> V {
        _mm512_max_ps(a, b)
    }
    #[target_feature(enable = "avx512f,fma")]
    #[inline]
    fn round(a: V) -> V {
        _mm512_roundscale_ps::<{ _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC }>(a)
    }
    #[target_feature(enable = "avx512f,fma")]
    #[inline]
    fn lt(a: V, b: V) -> __mmask16 {
        _mm512_cmp_ps_mask::<_CMP_LT_OQ>(a, b)
    }
    #[target_feature(enable = "avx512f,fma")]
    #[inline]
    fn select(m: __mmask16, a: V, b: V) -> V {
        // Lanes whose mask bit is set come from the second operand.
        _mm512_mask_blend_ps(m, b, a)
    }
    #[target_feature(enable = "avx512f,fma")]
    #[inline]
    fn copy_sign(a: V, s: V) -> V {
        let sign = _mm512_and_si512(_mm512_castps_si512(s), sign_bit());
        _mm512_castsi512_ps(_mm512_or_si512(_mm512_castps_si512(a), sign))
    }
    #[target_feature(enable = "avx512f,fma")]
    #[inline]
    fn pow2i(n: V) -> V {
        let e = _mm512_add_epi32(_mm512_cvtps_epi32(n), _mm512_set1_epi32(127));
        _mm512_castsi512_ps(_mm512_slli_epi32::<23>(e))
    }

    kernels!(#[target_feature(enable = "avx512f,fma")]);
}

#[cfg(test)]
#[expect(
    clippy::float_cmp,
    reason = "exact results (±0, ±1, ±∞, tanh x = x) are what these tests check"
)]
mod tests {
    use super::{Func, Isa, Unavailable, apply_in_place};

    /// The f64 reference of `func` (libm; the sigmoid in its overflow-free form).
    fn reference(func: Func, x: f32) -> f64 {
        let x = f64::from(x);
        match func {
            Func::Exp => x.exp(),
            Func::Tanh => x.tanh(),
            Func::Sigmoid => {
                let t = (-x.abs()).exp();
                if x < 0.0 {
                    t / (1.0 + t)
                } else {
                    1.0 / (1.0 + t)
                }
            }
        }
    }

    /// `|got − want|` in ulps of `want` rounded to f32 (2⁻¹⁴⁹ for subnormals); 0 when both are
    /// the same infinity or both NaN, ∞ when only one of them is non-finite.
    fn ulp_error(got: f32, want: f64) -> f64 {
        let want32 = want as f32;
        if want.is_nan() || got.is_nan() {
            return if want.is_nan() && got.is_nan() {
                0.0
            } else {
                f64::INFINITY
            };
        }
        if got.is_infinite() || want32.is_infinite() {
            return if got == want32 { 0.0 } else { f64::INFINITY };
        }
        (f64::from(got) - want).abs() / ulp(want)
    }

    /// The spacing of f32 around `v` (its binade's ulp; 2⁻¹⁴⁹ below the normals).
    fn ulp(v: f64) -> f64 {
        let e = if v == 0.0 {
            -126
        } else {
            (v.abs().log2().floor() as i32).max(-126)
        };
        2f64.powi(e - 23)
    }

    const BOUND: [(Func, f64); 3] = [(Func::Exp, 2.0), (Func::Tanh, 2.0), (Func::Sigmoid, 3.0)];

    /// Runs `func` on `xs` on `isa` and returns the largest ulp error, with its input.
    fn max_error(isa: Isa, func: Func, xs: &[f32]) -> (f64, f32) {
        let mut ys = xs.to_vec();
        apply_in_place(isa, func, &mut ys).expect("path available");
        let mut worst = (0.0, 0.0);
        for (&x, &y) in xs.iter().zip(&ys) {
            let e = ulp_error(y, reference(func, x));
            if e > worst.0 || e.is_nan() {
                worst = (e, x);
            }
        }
        worst
    }

    /// Every `stride`-th f32 of both signs from +0 to +∞ (bit patterns), and every one of the
    /// ranges where the algorithms switch branch or the results leave the normals.
    fn sweep(stride: u32) -> Vec<f32> {
        let mut xs = Vec::new();
        for bits in (0..=0x7f80_0000u32).step_by(stride as usize) {
            xs.push(f32::from_bits(bits));
            xs.push(-f32::from_bits(bits));
        }
        let mut dense = |lo: f32, hi: f32| {
            let mut v = lo;
            while v <= hi {
                xs.push(v);
                xs.push(-v);
                v = f32::from_bits(v.to_bits() + 3);
            }
        };
        dense(0.6, 0.65); // tanh: polynomial ↔ exponential form
        dense(86.0, 89.0); // exp: overflow; sigmoid / tanh: e^{-|x|} subnormal
        dense(103.0, 104.5); // exp: underflow to 0
        dense(8.9, 9.2); // tanh: rounds to ±1
        dense(1e-4, 1.5e-4);
        xs
    }

    #[test]
    fn every_path_keeps_its_error_bound_over_the_f32_range() {
        let xs = sweep(997);
        assert!(xs.len() > 4_000_000);
        for isa in Isa::all_available() {
            for (func, bound) in BOUND {
                let (err, at) = max_error(isa, func, &xs);
                eprintln!("{isa:?} {func:?}: max {err:.3} ulp at x = {at:e}");
                assert!(
                    err <= bound,
                    "{isa:?} {func:?}: {err} ulp at x = {at:e} (bound {bound})"
                );
            }
        }
        assert!(Isa::all_available().contains(&Isa::Scalar));
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
        {
            assert!(Isa::all_available().contains(&Isa::Avx2));
        }
    }

    /// Every f32: `cargo test --release --lib fastmath -- --ignored` (a few minutes a path).
    #[test]
    #[ignore = "exhaustive: 2³² inputs per function and path"]
    fn every_path_keeps_its_error_bound_on_every_f32() {
        for isa in Isa::all_available() {
            for (func, bound) in BOUND {
                let mut worst = (0.0, 0.0);
                for hi in 0..=u16::MAX {
                    let xs: Vec<f32> = (0..=u16::MAX)
                        .map(|lo| f32::from_bits(u32::from(hi) << 16 | u32::from(lo)))
                        .collect();
                    let w = max_error(isa, func, &xs);
                    if w.0 > worst.0 {
                        worst = w;
                    }
                }
                eprintln!(
                    "{isa:?} {func:?}: max {:.3} ulp at x = {:e}",
                    worst.0, worst.1
                );
                assert!(
                    worst.0 <= bound,
                    "{isa:?} {func:?}: {} ulp at x = {:e}",
                    worst.0,
                    worst.1
                );
            }
        }
    }

    #[test]
    fn special_values_on_every_path() {
        let inf = f32::INFINITY;
        let nans = [
            f32::NAN,
            -f32::NAN,
            f32::from_bits(0x7fc0_1234),
            f32::from_bits(0x7f80_0001),
        ];
        for isa in Isa::all_available() {
            let run = |func, x: f32| {
                let mut v = [x];
                apply_in_place(isa, func, &mut v).expect("available");
                v[0]
            };
            for x in nans {
                for func in [Func::Exp, Func::Tanh, Func::Sigmoid] {
                    assert!(run(func, x).is_nan(), "{isa:?} {func:?}({x}) is NaN");
                }
            }
            assert_eq!(run(Func::Exp, inf), inf, "{isa:?}");
            assert_eq!(run(Func::Exp, -inf).to_bits(), 0, "{isa:?}");
            assert_eq!(run(Func::Exp, 89.0), inf, "{isa:?}");
            assert_eq!(run(Func::Exp, 0.0), 1.0, "{isa:?}");
            assert_eq!(run(Func::Exp, -0.0), 1.0, "{isa:?}");
            assert_eq!(run(Func::Exp, -1e-45), 1.0, "{isa:?}");
            assert_eq!(run(Func::Exp, -110.0).to_bits(), 0, "{isa:?}");
            assert!(
                run(Func::Exp, -100.0) > 0.0,
                "{isa:?}: e^-100 is a subnormal, not 0"
            );
            assert_eq!(run(Func::Tanh, inf), 1.0, "{isa:?}");
            assert_eq!(run(Func::Tanh, -inf), -1.0, "{isa:?}");
            assert_eq!(run(Func::Tanh, 20.0), 1.0, "{isa:?}");
            assert_eq!(run(Func::Tanh, 0.0).to_bits(), 0.0f32.to_bits(), "{isa:?}");
            assert_eq!(
                run(Func::Tanh, -0.0).to_bits(),
                (-0.0f32).to_bits(),
                "{isa:?}"
            );
            for tiny in [1e-45f32, 1e-40, 1e-30, 1e-10, 1e-5] {
                assert_eq!(run(Func::Tanh, tiny), tiny, "{isa:?}: tanh x = x");
                assert_eq!(run(Func::Tanh, -tiny), -tiny, "{isa:?}");
            }
            assert_eq!(run(Func::Sigmoid, inf), 1.0, "{isa:?}");
            assert_eq!(run(Func::Sigmoid, -inf).to_bits(), 0, "{isa:?}");
            assert_eq!(run(Func::Sigmoid, 0.0), 0.5, "{isa:?}");
            assert_eq!(run(Func::Sigmoid, -0.0), 0.5, "{isa:?}");
            assert_eq!(run(Func::Sigmoid, 30.0), 1.0, "{isa:?}");
            assert!(
                run(Func::Sigmoid, -100.0) > 0.0,
                "{isa:?}: σ(-100) is a subnormal"
            );
            assert_eq!(run(Func::Sigmoid, -120.0).to_bits(), 0, "{isa:?}");
        }
    }

    /// Slices of every length up to three vectors and a bit: the tail goes through the padded
    /// buffer and must give what the same values give one at a time; nothing outside the
    /// slice is touched.
    #[test]
    fn every_length_and_offset_matches_one_at_a_time() {
        let src: Vec<f32> = (0..53).map(|i| (i as f32 - 26.0) * 0.37).collect();
        for isa in Isa::all_available() {
            for func in [Func::Exp, Func::Tanh, Func::Sigmoid] {
                let one: Vec<f32> = src
                    .iter()
                    .map(|&x| {
                        let mut v = [x];
                        apply_in_place(isa, func, &mut v).expect("available");
                        v[0]
                    })
                    .collect();
                for start in [0, 1, 3] {
                    for len in 0..(src.len() - start - 1) {
                        let mut buf = src.clone();
                        apply_in_place(isa, func, &mut buf[start..start + len]).expect("available");
                        assert_eq!(&buf[..start], &src[..start]);
                        assert_eq!(
                            &buf[start..start + len],
                            &one[start..start + len],
                            "{isa:?} {func:?} {start} {len}"
                        );
                        assert_eq!(&buf[start + len..], &src[start + len..]);
                    }
                }
            }
        }
    }

    #[test]
    fn an_unavailable_path_is_an_error_not_a_crash() {
        for isa in [Isa::Avx512, Isa::Avx2, Isa::Scalar] {
            let mut v = [0.25f32; 3];
            match apply_in_place(isa, Func::Tanh, &mut v) {
                Ok(()) => assert!(isa.is_available() && (v[0] - 0.25f32.tanh()).abs() < 1e-7),
                Err(e) => {
                    assert_eq!(e, Unavailable(isa));
                    assert!(!isa.is_available() && v == [0.25; 3]);
                    assert!(e.to_string().contains(&format!("{isa:?}")));
                }
            }
        }
        assert!(Isa::detected().is_available());
    }
}
