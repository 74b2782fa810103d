//! The gradient heatmap of the selected run, drawn from its texture inside a plot, with a
//! colour bar.

use egui::Ui;
use egui_plot::{Plot, PlotImage, PlotPoint, VLine};

use crate::gui::heatmap::HeatmapTexture;
use crate::gui::i18n::plots::Plots;
use crate::gui::i18n::{tr, trf};
use crate::gui::style;

/// What a heatmap says: without rows, its image's name (`{run}`) and its colour bar's quantity;
/// and the training step of the profile scrubber's cursor, if one is chosen.
pub struct Labels {
    pub empty: Plots,
    pub image: Plots,
    pub bar: &'static str,
    pub cursor: Option<u64>,
}

/// Draws the heatmap `texture` of the run named `name` with its colour bar, in a cell
/// `height` high (the plots' own height: the space left below in the scrolling plot area
/// would shrink a heatmap further down to nothing).
pub fn heatmap_plot(
    texture: Option<&HeatmapTexture>,
    labels: &Labels,
    name: &str,
    height: f32,
    ui: &mut Ui,
    plot: Plot<'static>,
) {
    let Some(h) = texture else {
        ui.weak(tr(labels.empty));
        return;
    };
    let (x0, x1) = (h.first_step, h.last_step_f.max(h.first_step + 1.0));
    let t = h.t_len as f64;
    // Whose map it is, and of what (a heatmap is of the selected run alone, the other plots
    // of all shown), above the plot; and the scrubber's cursor named in a key (no legend
    // inside covers the map).
    ui.add(
        egui::Label::new(egui::RichText::new(trf(labels.image, &[("run", &name)])).small()).wrap(),
    );
    let mut height = height - 16.0;
    if let Some(step) = labels.cursor {
        let name = trf(Plots::ProfileAt, &[("step", &step)]);
        super::plot_key::line_key(
            ui,
            &[(egui::Color32::WHITE, super::plot_key::Mark::Solid, name)],
        );
        height -= 18.0;
    }
    plot.height(height - 28.0)
        .x_axis_label(tr(Plots::TrainingStep))
        .y_axis_label(tr(Plots::TimeStepAxis))
        .show(ui, |p| {
            p.image(PlotImage::new(
                trf(labels.image, &[("run", &name)]),
                h.texture.id(),
                PlotPoint::new(f64::midpoint(x0, x1), t / 2.0 - 0.5),
                egui::vec2((x1 - x0) as f32, t as f32),
            ));
            if let Some(step) = labels.cursor {
                p.vline(
                    VLine::new(trf(Plots::ProfileAt, &[("step", &step)]), step as f64)
                        .color(egui::Color32::WHITE)
                        .width(1.5),
                );
            }
        });
    color_bar(ui, labels.bar, h.lo, h.hi);
}

fn color_bar(ui: &mut Ui, quantity: &str, lo: f64, hi: f64) {
    ui.horizontal(|ui| {
        ui.weak(format!("{quantity}  {}", style::num(10f64.powf(lo))));
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
