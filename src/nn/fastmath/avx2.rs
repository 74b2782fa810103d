use std::arch::x86_64::{
    __m256, _CMP_LT_OQ, _MM_FROUND_NO_EXC, _MM_FROUND_TO_NEAREST_INT, _mm256_add_epi32,
    _mm256_add_ps, _mm256_and_ps, _mm256_andnot_ps, _mm256_blendv_ps, _mm256_castsi256_ps,
    _mm256_cmp_ps, _mm256_cvtps_epi32, _mm256_div_ps, _mm256_fmadd_ps, _mm256_loadu_ps,
    _mm256_max_ps, _mm256_min_ps, _mm256_mul_ps, _mm256_or_ps, _mm256_round_ps, _mm256_set1_epi32,
    _mm256_set1_ps, _mm256_slli_epi32, _mm256_storeu_ps, _mm256_sub_ps, _mm256_xor_ps,
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
