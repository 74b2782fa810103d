use std::arch::x86_64::{
    __m512, __mmask16, _CMP_LT_OQ, _MM_FROUND_NO_EXC, _MM_FROUND_TO_NEAREST_INT, _mm512_add_epi32,
    _mm512_add_ps, _mm512_and_si512, _mm512_andnot_si512, _mm512_castps_si512, _mm512_castsi512_ps,
    _mm512_cmp_ps_mask, _mm512_cvtps_epi32, _mm512_div_ps, _mm512_fmadd_ps, _mm512_loadu_ps,
    _mm512_mask_blend_ps, _mm512_max_ps, _mm512_min_ps, _mm512_mul_ps, _mm512_or_si512,
    _mm512_roundscale_ps, _mm512_set1_epi32, _mm512_set1_ps, _mm512_slli_epi32, _mm512_storeu_ps,
    _mm512_sub_ps, _mm512_xor_si512,
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
