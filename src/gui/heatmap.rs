//! The heatmaps' textures: `log10 g_t` over time step t (y) × training step (x) of the
//! selected run, and the same for the norms of the terms of the BPTT sum; each rebuilt when
//! the run has new rows (the panel draws them).

use egui::{Color32, ColorImage, TextureHandle, TextureOptions};

use super::runs::RunView;
use super::style;

use crate::train::history::ProfileRing;

/// The textures' names in egui (for debugging: never shown).
const GRADIENT_TEXTURE: &str = "gradient-heatmap"; // i18n-exempt: egui's debug name of the texture
const TERMS_TEXTURE: &str = "terms-heatmap"; // i18n-exempt: egui's debug name of the texture

/// The selected run's heatmaps.
#[derive(Default)]
pub struct Heatmaps {
    /// `g_t = ‖∂L/∂h_t‖` over training.
    pub gradient: Option<HeatmapTexture>,
    /// `‖term_t‖` of `∂L/∂W_hh` over training.
    pub terms: Option<HeatmapTexture>,
}

impl Heatmaps {
    /// Brings both up to date with `run` (the selected run).
    pub fn update(&mut self, run: Option<&RunView>, ctx: &egui::Context) {
        let of = |ring: fn(&RunView) -> &ProfileRing| run.map(|r| (r.id, ring(r)));
        update(
            &mut self.gradient,
            of(|r| &r.history.profiles),
            GRADIENT_TEXTURE,
            ctx,
        );
        update(
            &mut self.terms,
            of(|r| &r.history.term_profiles),
            TERMS_TEXTURE,
            ctx,
        );
    }
}

/// The texture of the selected run's heatmap and what it was built from.
pub struct HeatmapTexture {
    pub run_id: u64,
    /// Profile rows and latest step when built (rebuilt when they change).
    pub rows: usize,
    pub last_step: u64,
    pub texture: TextureHandle,
    /// Training steps covered (x) and time steps (y).
    pub first_step: f64,
    pub last_step_f: f64,
    pub t_len: usize,
    /// Colour scale: `log10 g` from `lo` (dark) to `hi` (bright).
    pub lo: f64,
    pub hi: f64,
}

/// The heatmap texture of the rows `ring` of run `id` in `slot`, rebuilt when they change
/// (`None` without a run or rows).
fn update(
    slot: &mut Option<HeatmapTexture>,
    ring: Option<(u64, &ProfileRing)>,
    name: &str,
    ctx: &egui::Context,
) {
    let Some((run_id, ring)) = ring else {
        *slot = None;
        return;
    };
    let rows = ring.rows();
    let (Some(first), Some(last)) = (rows.first(), rows.last()) else {
        *slot = None;
        return;
    };
    let fresh = slot
        .as_ref()
        .is_some_and(|h| h.run_id == run_id && h.rows == rows.len() && h.last_step == last.0);
    if fresh {
        return;
    }
    let t_len = rows
        .iter()
        .map(|(_, start, v)| start + v.len())
        .max()
        .unwrap_or(0)
        .max(1);
    let logs: Vec<f64> = rows
        .iter()
        .flat_map(|(_, _, v)| v.iter())
        .filter(|g| **g > 0.0 && g.is_finite())
        .map(|g| g.log10())
        .collect();
    let lo = logs.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = logs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let (lo, hi) = if lo.is_finite() {
        (lo, hi.max(lo + 1e-9))
    } else {
        (0.0, 1.0)
    };
    let w = rows.len();
    let mut pixels = vec![Color32::from_gray(20); w * t_len];
    for (x, (_, start, values)) in rows.iter().enumerate() {
        for (i, g) in values.iter().enumerate() {
            let t = start + i;
            if *g > 0.0 && g.is_finite() {
                let y = t_len - 1 - t; // image row 0 is the top: the last time step
                pixels[y * w + x] = style::heat((g.log10() - lo) / (hi - lo));
            }
        }
    }
    let image = ColorImage::new([w, t_len], pixels);
    let (id, first_step, last_step) = (run_id, first.0 as f64, last.0 as f64);
    let last_raw = last.0;
    match slot {
        Some(h) => {
            h.texture.set(image, TextureOptions::NEAREST);
            h.run_id = id;
            h.rows = w;
            h.last_step = last_raw;
            h.first_step = first_step;
            h.last_step_f = last_step;
            h.t_len = t_len;
            h.lo = lo;
            h.hi = hi;
        }
        None => {
            *slot = Some(HeatmapTexture {
                run_id: id,
                rows: w,
                last_step: last_raw,
                texture: ctx.load_texture(name, image, TextureOptions::NEAREST),
                first_step,
                last_step_f: last_step,
                t_len,
                lo,
                hi,
            });
        }
    }
}
