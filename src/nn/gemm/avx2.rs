//! The AVX2 + FMA micro-kernel. Sixteen ymm registers hold a 4 × 16 block of accumulators (8)
//! with the two loads of `b` and a broadcast of `a`, so an `MR × NR` = 8 × 32 tile is four
//! such blocks, each one pass over the tile's panel of `b` (which stays in L1). The panels are
//! the AVX-512 kernel's: `W_hh` is packed once per range for either.

use std::arch::x86_64::{
    __m256, _mm256_fmadd_ps, _mm256_loadu_ps, _mm256_mul_ps, _mm256_set1_ps, _mm256_setzero_ps,
    _mm256_storeu_ps,
};

use super::{MR, NR, TileAt, driver::blocked_gemm};

/// Rows of one block of accumulators.
const RB: usize = 4;
/// Columns of one block of accumulators (two ymm registers).
const CB: usize = 16;

type Acc = [[__m256; 2]; RB];

#[target_feature(enable = "avx")]
fn load8(s: &[f32; 8]) -> __m256 {
    // SAFETY: `s` is 8 readable floats; the load is unaligned.
    unsafe { _mm256_loadu_ps(s.as_ptr()) }
}

#[target_feature(enable = "avx")]
fn store8(d: &mut [f32; 8], v: __m256) {
    // SAFETY: `d` is 8 writable floats; the store is unaligned.
    unsafe { _mm256_storeu_ps(d.as_mut_ptr(), v) }
}

/// `Σ_p a_col(p) ⊗ b[p][c0..c0 + CB]` over the `kc` rows of the panel `b [kc][NR]`, where
/// `a_col(p)` is column `p` of `RB` rows of `a`.
#[target_feature(enable = "avx2,fma")]
#[inline]
fn micro(b: &[f32], c0: usize, a_col: impl Fn(usize) -> [f32; RB]) -> Acc {
    let mut acc = [[_mm256_setzero_ps(); 2]; RB];
    for (p, bp) in b.chunks_exact(NR).enumerate() {
        let ap = a_col(p);
        let b0 = load8(bp[c0..c0 + 8].try_into().expect("8 floats"));
        let b1 = load8(bp[c0 + 8..c0 + CB].try_into().expect("8 floats"));
        for (acc_i, &a_i) in acc.iter_mut().zip(&ap) {
            let ai = _mm256_set1_ps(a_i);
            acc_i[0] = _mm256_fmadd_ps(ai, b0, acc_i[0]);
            acc_i[1] = _mm256_fmadd_ps(ai, b1, acc_i[1]);
        }
    }
    acc
}

/// `c[r0.., j0..] = alpha · acc + beta · c` for the `mr × nr` valid part of one block
/// (`mr ≤ RB`, `nr ≤ CB`); `c` is row-major with `n` columns.
#[target_feature(enable = "avx2,fma")]
#[inline]
fn write_block(acc: &Acc, c: &mut [f32], at: TileAt) {
    let TileAt {
        n,
        r0,
        j0,
        mr,
        nr,
        alpha,
        beta,
    } = at;
    let va = _mm256_set1_ps(alpha);
    let vb = _mm256_set1_ps(beta);
    if nr == CB {
        for (r, acc_r) in acc.iter().enumerate().take(mr) {
            let row: &mut [f32; CB] = (&mut c[(r0 + r) * n + j0..(r0 + r) * n + j0 + CB])
                .try_into()
                .expect("CB floats");
            let (lo, hi) = row.split_at_mut(8);
            let lo: &mut [f32; 8] = lo.try_into().expect("8 floats");
            let hi: &mut [f32; 8] = hi.try_into().expect("8 floats");
            let mut v0 = _mm256_mul_ps(va, acc_r[0]);
            let mut v1 = _mm256_mul_ps(va, acc_r[1]);
            if beta != 0.0 {
                v0 = _mm256_fmadd_ps(vb, load8(lo), v0);
                v1 = _mm256_fmadd_ps(vb, load8(hi), v1);
            }
            store8(lo, v0);
            store8(hi, v1);
        }
    } else {
        let mut buf = [[0.0f32; CB]; RB];
        for (t, acc_r) in buf.iter_mut().zip(acc) {
            let (lo, hi) = t.split_at_mut(8);
            store8(lo.try_into().expect("8 floats"), acc_r[0]);
            store8(hi.try_into().expect("8 floats"), acc_r[1]);
        }
        at.write_partial(&buf, c);
    }
}

/// One `MR × NR` tile of `c` (see [`TileAt`]) from the panel `b [kc][NR]` and the columns
/// `a_col(p)` of `MR` rows of `a`: the blocks of `RB` rows and `CB` columns that hold valid
/// entries, one pass over the panel each.
#[target_feature(enable = "avx2,fma")]
#[inline]
fn tile(b: &[f32], a_col: impl Fn(usize) -> [f32; MR], c: &mut [f32], at: TileAt) {
    for g in (0..at.mr).step_by(RB) {
        for c0 in (0..at.nr).step_by(CB) {
            let acc = micro(b, c0, |p| {
                let col = a_col(p);
                std::array::from_fn(|r| col[g + r])
            });
            let block = TileAt {
                r0: at.r0 + g,
                j0: at.j0 + c0,
                mr: RB.min(at.mr - g),
                nr: CB.min(at.nr - c0),
                ..at
            };
            write_block(&acc, c, block);
        }
    }
}

blocked_gemm!("avx2,fma");
