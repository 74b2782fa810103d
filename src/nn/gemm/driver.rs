//! The blocked loop around a micro-kernel, one source for every instruction set: each kernel
//! module defines `tile` (one `MR × NR` tile of `c` from a packed panel of `b` and `MR` rows of
//! `a`) and expands [`blocked_gemm!`] with its target features, so the loop, the packing
//! decisions and the tile calls are compiled for those features and `tile` inlines.

/// Expands to `pub(super) fn gemm(alpha, a, layout, b, beta, c, a_pack)`: the blocked product
/// `c [m, n] = alpha · a b + beta · c` with `b [k, n]` packed ([`super::PackedB`]) and `c`
/// row-major. Full `MR`-row tiles read a contiguous `a` in place; the rest is packed. Needs
/// `tile(b_panel, a_col, c, at)` in the expanding module.
macro_rules! blocked_gemm {
    ($features:literal) => {
        /// The blocked product `c [m, n] = alpha · a b + beta · c` with `b [k, n]` packed and
        /// `c` row-major (see [`super::driver`]).
        #[target_feature(enable = $features)]
        pub(super) fn gemm(
            alpha: f32,
            a: &ndarray::ArrayView2<'_, f32>,
            layout: super::ALayout<'_>,
            b: &super::PackedB<f32>,
            beta: f32,
            c: &mut [f32],
            a_pack: &mut Vec<f32>,
        ) {
            use super::{ALayout, KC, MC, MR, NR, TileAt, pack_a};
            let (m, k) = a.dim();
            let n = b.n;
            if k == 0 {
                for v in c.iter_mut() {
                    *v = if beta == 0.0 { 0.0 } else { beta * *v };
                }
                return;
            }
            let panels = n.div_ceil(NR);
            // Pack `a` where its panels are reused over several panels of `b`, or where it
            // cannot be read in place; a narrow product reads a contiguous `a` where it lies.
            let pack_all = panels > 2 || matches!(layout, ALayout::Strided);
            for p0 in (0..k).step_by(KC) {
                let kc = KC.min(k - p0);
                let block = &b.data[p0 * panels * NR..(p0 + kc) * panels * NR];
                let beta = if p0 == 0 { beta } else { 1.0 };
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
                            let at = TileAt {
                                n,
                                r0,
                                j0,
                                mr,
                                nr,
                                alpha,
                                beta,
                            };
                            match layout {
                                _ if pack_all => {
                                    let off = (r0 - i0) * kc;
                                    let panel = &a_pack[off..off + kc * MR];
                                    let a_col = |p: usize| -> [f32; MR] {
                                        panel[p * MR..(p + 1) * MR].try_into().expect("MR floats")
                                    };
                                    tile(b_panel, a_col, c, at);
                                }
                                ALayout::RowMajor(s) if mr == MR => {
                                    let rows: [&[f32]; MR] = std::array::from_fn(|r| {
                                        &s[(r0 + r) * k + p0..(r0 + r) * k + p0 + kc]
                                    });
                                    let a_col = |p: usize| -> [f32; MR] {
                                        std::array::from_fn(|r| rows[r][p])
                                    };
                                    tile(b_panel, a_col, c, at);
                                }
                                ALayout::ColMajor(s) if mr == MR => {
                                    let a_col = |p: usize| -> [f32; MR] {
                                        let off = (p0 + p) * m + r0;
                                        s[off..off + MR].try_into().expect("MR floats")
                                    };
                                    tile(b_panel, a_col, c, at);
                                }
                                _ => {
                                    pack_a(a, layout, (r0, mr), (p0, kc), a_pack);
                                    let panel = &a_pack[..kc * MR];
                                    let a_col = |p: usize| -> [f32; MR] {
                                        panel[p * MR..(p + 1) * MR].try_into().expect("MR floats")
                                    };
                                    tile(b_panel, a_col, c, at);
                                }
                            }
                        }
                    }
                }
            }
        }
    };
}

pub(super) use blocked_gemm;
