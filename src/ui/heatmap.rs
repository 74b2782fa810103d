//! The gradient heatmap: `log10 g_t` over time step t (y) × training step (x) for the selected
//! run, drawn as a texture inside a plot, with a colour bar.

use egui::{Color32, ColorImage, TextureHandle, TextureOptions, Ui};
use egui_plot::{Plot, PlotImage, PlotPoint};

use super::style;
use crate::app::BpttApp;

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

impl BpttApp {
    /// Rebuilds the heatmap texture when the selected run has new profiles.
    pub fn heatmap_prepare(&mut self, ctx: &egui::Context) {
        let Some(r) = self.current() else {
            self.heatmap = None;
            return;
        };
        let rows = r.history.profiles.rows();
        let (Some(first), Some(last)) = (rows.first(), rows.last()) else {
            self.heatmap = None;
            return;
        };
        let fresh = self
            .heatmap
            .as_ref()
            .is_some_and(|h| h.run_id == r.id && h.rows == rows.len() && h.last_step == last.0);
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
        let (id, first_step, last_step) = (r.id, first.0 as f64, last.0 as f64);
        let last_raw = last.0;
        match &mut self.heatmap {
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
                self.heatmap = Some(HeatmapTexture {
                    run_id: id,
                    rows: w,
                    last_step: last_raw,
                    texture: ctx.load_texture("gradient-heatmap", image, TextureOptions::NEAREST),
                    first_step,
                    last_step_f: last_step,
                    t_len,
                    lo,
                    hi,
                });
            }
        }
    }
}

/// Draws the heatmap of the selected run with its colour bar.
pub fn heatmap_plot(app: &BpttApp, ui: &mut Ui, plot: Plot<'static>) {
    let Some(h) = &app.heatmap else {
        ui.weak("The heatmap shows the selected run's gradient profiles once it has some.");
        return;
    };
    let name = app.current().map_or_else(String::new, |r| r.name.clone());
    let (x0, x1) = (h.first_step, h.last_step_f.max(h.first_step + 1.0));
    let t = h.t_len as f64;
    plot.height(ui.available_height().min(300.0) - 28.0)
        .x_axis_label("training step")
        .y_axis_label("time step t")
        .show(ui, |p| {
            p.image(PlotImage::new(
                format!("{name} log10 ‖∂L/∂h_t‖"),
                h.texture.id(),
                PlotPoint::new(f64::midpoint(x0, x1), t / 2.0 - 0.5),
                egui::vec2((x1 - x0) as f32, t as f32),
            ));
        });
    color_bar(ui, h.lo, h.hi);
}

fn color_bar(ui: &mut Ui, lo: f64, hi: f64) {
    ui.horizontal(|ui| {
        ui.weak(format!("‖∂L/∂h_t‖  {}", style::num(10f64.powf(lo))));
        let (rect, _) = ui.allocate_exact_size(egui::vec2(200.0, 12.0), egui::Sense::hover());
        let n = 64;
        for i in 0..n {
            let f0 = i as f32 / n as f32;
            let f1 = (i + 1) as f32 / n as f32;
            let r = egui::Rect::from_min_max(
                egui::pos2(rect.left() + f0 * rect.width(), rect.top()),
                egui::pos2(rect.left() + f1 * rect.width(), rect.bottom()),
            );
            ui.painter().rect_filled(r, 0.0, style::heat(f64::from(f0)));
        }
        ui.weak(style::num(10f64.powf(hi)));
    });
}
