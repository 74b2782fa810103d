//! The AVX-512 micro-kernel: an `MR × NR` = 8 × 32 tile in 16 zmm accumulators.

use std::arch::x86_64::{
    __m512, _mm512_fmadd_ps, _mm512_loadu_ps, _mm512_mul_ps, _mm512_set1_ps, _mm512_setzero_ps,
    _mm512_storeu_ps,
};

use super::{MR, NR, TileAt, driver::blocked_gemm};

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
fn write_tile(acc: &Acc, c: &mut [f32], at: TileAt) {
    let TileAt {
        n,
        r0,
        j0,
        mr,
        nr,
        alpha,
        beta,
    } = at;
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
        let mut buf = [[0.0f32; NR]; MR];
        for (t, acc_r) in buf.iter_mut().zip(acc) {
            let (lo, hi) = t.split_at_mut(16);
            store16(lo.try_into().expect("16 floats"), acc_r[0]);
            store16(hi.try_into().expect("16 floats"), acc_r[1]);
        }
        at.write_partial(&buf, c);
    }
}

/// One `MR × NR` tile of `c` (see [`TileAt`]) from the panel `b [kc][NR]` and the columns
/// `a_col(p)` of `MR` rows of `a`.
#[target_feature(enable = "avx512f,fma")]
#[inline]
fn tile(b: &[f32], a_col: impl Fn(usize) -> [f32; MR], c: &mut [f32], at: TileAt) {
    write_tile(&micro(b, a_col), c, at);
}

blocked_gemm!("avx512f,fma");
