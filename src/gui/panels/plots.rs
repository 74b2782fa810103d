//! The central plots, all reading the runs' decimated histories. Log-scale axes plot
//! `log10(y)` with decade labels (`egui_plot` has no log axis).

use egui::{Color32, Ui};
use egui_plot::{HLine, Legend, Line, LineStyle, Plot, PlotPoints};

use super::log_axis::{lg, linear_y, log_y};
use crate::gui::heatmap::HeatmapTexture;
use crate::gui::runs::{RunView, Runs};
use crate::gui::state::SavedState;
use crate::gui::style;
use crate::nn::Clip;

/// What the plots draw from.
pub struct PlotData<'a> {
    pub state: &'a SavedState,
    pub runs: &'a Runs,
    pub heatmap: Option<&'a HeatmapTexture>,
}

/// Draws one plot's contents into the prepared `Plot`.
type DrawPlot = fn(&PlotData<'_>, &mut Ui, Plot<'static>);

/// Points per curve: about one per horizontal pixel.
const MAX_POINTS: usize = 1200;

/// How wide the smoothing slider is with its value and its label.
const SLIDER_ROW_WIDTH: f32 = 240.0;

/// Draws the plots that are switched on, in one or two columns; returns where each was
/// drawn, by title.
pub fn plots_ui(
    ui: &mut Ui,
    state: &mut SavedState,
    runs: &Runs,
    heatmap: Option<&HeatmapTexture>,
) -> Vec<(String, egui::Rect)> {
    let mut reset = false;
    ui.horizontal_wrapped(|ui| {
        let t = &mut state.plots;
        ui.label("Plots:");
        ui.checkbox(&mut t.loss, "loss");
        ui.checkbox(&mut t.grad_norm, "gradient norm");
        ui.checkbox(&mut t.profile, "gradient profile");
        ui.checkbox(&mut t.heatmap, "heatmap");
        ui.checkbox(&mut t.tensors, "per-tensor norms");
        ui.checkbox(&mut t.spectral, "spectral radius");
        ui.checkbox(&mut t.saturation, "saturation");
        ui.separator();
        ui.checkbox(&mut state.log_loss, "log loss");
        // A slider is a row of its own parts and does not wrap: start a new row when it
        // would stick out (it widens the area, and the plots under it, past the window).
        // (In a wrapping row `available_width` is the whole row's: measure what is left.)
        if ui.max_rect().right() - ui.cursor().left() < SLIDER_ROW_WIDTH {
            ui.end_row();
        }
        ui.add(egui::Slider::new(&mut state.smoothing, 0.0..=0.99).text("smoothing"))
            .on_hover_text("Exponential moving average of the loss curves (0 = raw).");
        reset = ui
            .button("Reset view")
            .on_hover_text("Undo zoom and pan: fit every plot to its data again")
            .clicked();
    });
    let toggles = state.plots;
    let mut shown: Vec<(&str, DrawPlot)> = Vec::new();
    if toggles.loss {
        shown.push(("Loss", loss_plot));
    }
    if toggles.grad_norm {
        shown.push(("Gradient norm", grad_norm_plot));
    }
    if toggles.profile {
        shown.push(("Gradient profile", profile_plot));
    }
    if toggles.heatmap {
        shown.push(("Gradient heatmap", heatmap_plot));
    }
    if toggles.tensors {
        shown.push(("Per-tensor gradient norms", tensor_plot));
    }
    if toggles.spectral {
        shown.push(("Spectral radius of W_hh", spectral_plot));
    }
    if toggles.saturation {
        shown.push(("Saturation", saturation_plot));
    }
    if shown.is_empty() {
        ui.label("All plots are hidden: switch some on above.");
        return Vec::new();
    }
    if runs.is_empty() {
        ui.weak("Press Start to train the setup on the left; its curves appear here.");
    }
    let cols = if ui.available_width() > 720.0 { 2 } else { 1 };
    let rows = shown.len().div_ceil(cols);
    let height =
        ((ui.available_height() - 8.0 * rows as f32) / rows as f32 - 24.0).clamp(160.0, 420.0);
    let data = PlotData {
        state,
        runs,
        heatmap,
    };
    let mut rects = Vec::new();
    egui::ScrollArea::vertical().show(ui, |ui| {
        for chunk in shown.chunks(cols) {
            ui.columns(cols, |columns| {
                for (col, (title, draw)) in columns.iter_mut().zip(chunk) {
                    let scoped = col.scope(|ui| {
                        ui.strong(*title);
                        let mut plot = Plot::new(*title)
                            .height(height)
                            .legend(Legend::default())
                            .allow_scroll(false);
                        if reset {
                            plot = plot.reset();
                        }
                        draw(&data, ui, plot);
                    });
                    rects.push(((*title).to_owned(), scoped.response.rect));
                }
            });
        }
    });
    rects
}

fn visible<'a>(data: &'a PlotData<'_>) -> impl Iterator<Item = &'a RunView> {
    data.runs.iter().filter(|r| r.visible)
}

/// `(step, value)` of a step column, one point per bucket of the decimated view;
/// `pick` chooses the bucket's mean, max…
fn series(
    r: &RunView,
    column: &str,
    pick: impl Fn(&crate::train::history::Agg) -> f64,
) -> Vec<(f64, f64)> {
    let Some(col) = r.history.steps.column(column) else {
        return Vec::new();
    };
    r.history
        .steps
        .view(col, MAX_POINTS)
        .iter()
        .map(|p| (p.last_step as f64, pick(&p.agg)))
        .collect()
}

fn diag_series(r: &RunView, column: &str) -> Vec<(f64, f64)> {
    let Some(col) = r.history.diagnostics.column(column) else {
        return Vec::new();
    };
    r.history
        .diagnostics
        .view(col, MAX_POINTS)
        .iter()
        .map(|p| (p.last_step as f64, p.agg.last))
        .collect()
}

/// A curve of fewer points than this is also drawn as dots: a line through one point is
/// invisible (after Reset and Step 1, say).
const DOTS_BELOW: usize = 3;

/// Dots on the points of a short curve, in its colour and under its name.
fn dots(p: &mut egui_plot::PlotUi<'_>, name: &str, v: &[(f64, f64)], log: bool, color: Color32) {
    let pts = to_points(v, log);
    if pts.points().len() < DOTS_BELOW {
        p.points(
            egui_plot::Points::new(name.to_owned(), pts)
                .radius(3.5)
                .color(color),
        );
    }
}

fn to_points(v: &[(f64, f64)], log: bool) -> PlotPoints<'static> {
    v.iter()
        .filter_map(|&(x, y)| {
            if log {
                lg(y).map(|y| [x, y])
            } else {
                y.is_finite().then_some([x, y])
            }
        })
        .collect()
}

fn smooth(v: &mut [(f64, f64)], alpha: f32) {
    if alpha <= 0.0 {
        return;
    }
    let a = f64::from(alpha);
    let mut acc: Option<f64> = None;
    for p in v.iter_mut() {
        if p.1.is_finite() {
            let s = acc.map_or(p.1, |s| a * s + (1.0 - a) * p.1);
            acc = Some(s);
            p.1 = s;
        }
    }
}

fn heatmap_plot(data: &PlotData<'_>, ui: &mut Ui, plot: Plot<'static>) {
    let name = data.runs.selected().map_or("", |r| r.name.as_str());
    super::heatmap::heatmap_plot(data.heatmap, name, ui, plot);
}

fn loss_plot(data: &PlotData<'_>, ui: &mut Ui, plot: Plot<'static>) {
    let log = data.state.log_loss;
    let plot = if log {
        log_y(plot, "step")
    } else {
        linear_y(plot, "step")
    };
    let baseline = data
        .runs
        .selected()
        .map(|r| (r.config.task().baseline(), r.config.task().name()));
    // One legend entry per run (egui_plot merges items of the same name): the legend stays
    // half as long, and a click on it shows or hides both curves of the run.
    ui.weak("solid: training batches · dashed: held-out set");
    // Cross-entropy is in nats (natural log, as PyTorch's); the text task's metric is bits.
    let unit = match data.runs.selected().map(|r| r.config.task().loss_kind()) {
        Some(crate::nn::LossKind::Xent) => "cross-entropy (nats)",
        Some(_) => "mean squared error",
        None => "loss",
    };
    plot.x_axis_label("training step")
        .y_axis_label(unit)
        .show(ui, |p| {
            for r in visible(data) {
                let mut train = series(r, "loss", |a| a.mean);
                smooth(&mut train, data.state.smoothing);
                p.line(Line::new(r.name.clone(), to_points(&train, log)).color(r.color));
                dots(p, &r.name, &train, log, r.color);
                let eval = diag_series(r, "eval_loss");
                dots(p, &r.name, &eval, log, r.color);
                p.line(
                    Line::new(r.name.clone(), to_points(&eval, log))
                        .color(r.color)
                        .style(LineStyle::dashed_loose())
                        .width(2.0),
                );
            }
            if let Some((b, task)) = baseline {
                let y = if log { lg(b) } else { Some(b) };
                if let Some(y) = y {
                    p.hline(
                        HLine::new(format!("{task} baseline {}", style::num(b)), y)
                            .color(style::REFERENCE)
                            .style(LineStyle::dashed_dense()),
                    );
                }
            }
        });
}

fn grad_norm_plot(data: &PlotData<'_>, ui: &mut Ui, plot: Plot<'static>) {
    if let Some(r) = data.runs.selected() {
        let col = r.history.steps.column("clip_fraction");
        let frac = col.map(|c| {
            let (mut sum, mut n) = (0.0, 0.0);
            for (_, a) in r.history.steps.buckets(c) {
                sum += a.mean;
                n += 1.0;
            }
            if n > 0.0 { sum / n } else { 0.0 }
        });
        if let (Some(f), false) = (frac, r.config.clip == Clip::None) {
            ui.weak(format!(
                "{}: clipping engaged in {:.0} % of updates",
                r.name,
                100.0 * f
            ));
        }
    }
    let threshold = data.runs.selected().and_then(|r| match r.config.clip {
        Clip::GlobalNorm { max_norm } => Some(max_norm),
        _ => None,
    });
    ui.weak("solid: before clipping · dashed: after (the norm the update used)");
    log_y(plot, "step")
        .x_axis_label("training step")
        .show(ui, |p| {
            for r in visible(data) {
                let pre = series(r, "grad_norm_pre_clip", |a| a.max);
                p.line(Line::new(r.name.clone(), to_points(&pre, true)).color(r.color));
                dots(p, &r.name, &pre, true, r.color);
                if r.config.clip != Clip::None {
                    let post = series(r, "grad_norm_post_clip", |a| a.max);
                    p.line(
                        Line::new(r.name.clone(), to_points(&post, true))
                            .color(r.color)
                            .style(LineStyle::dashed_loose()),
                    );
                }
            }
            if let Some(t) = threshold.and_then(lg) {
                p.hline(
                    HLine::new("clip threshold", t)
                        .color(style::REFERENCE)
                        .style(LineStyle::dashed_dense()),
                );
            }
        });
}

fn profile_plot(data: &PlotData<'_>, ui: &mut Ui, plot: Plot<'static>) {
    // Vanishing profiles rise to the right: the top-left corner is where the legend hides
    // the least.
    log_y(
        plot.legend(Legend::default().position(egui_plot::Corner::LeftTop)),
        "t",
    )
    .x_axis_label("time step t (loss at the right)")
    .show(ui, |p| {
        for r in visible(data) {
            let Some(latest) = &r.history.latest else {
                continue;
            };
            let start = latest.profile.start;
            let pts: PlotPoints<'static> = latest
                .profile
                .values
                .iter()
                .enumerate()
                .filter_map(|(i, &g)| lg(g).map(|y| [(start + i) as f64, y]))
                .collect();
            p.line(
                Line::new(format!("{} ‖∂L/∂h_t‖ @ step {}", r.name, latest.step), pts)
                    .color(r.color)
                    .width(2.0),
            );
        }
    });
}

fn tensor_plot(data: &PlotData<'_>, ui: &mut Ui, plot: Plot<'static>) {
    const COLS: [(&str, &str); 6] = [
        ("grad_norm_weight_ih", "W_ih"),
        ("grad_norm_weight_hh", "W_hh"),
        ("grad_norm_bias_ih", "b_ih"),
        ("grad_norm_bias_hh", "b_hh"),
        ("grad_norm_readout_weight", "readout W"),
        ("grad_norm_readout_bias", "readout b"),
    ];
    log_y(plot, "step")
        .x_axis_label("training step")
        .show(ui, |p| {
            if let Some(r) = data.runs.selected() {
                for (i, (col, name)) in COLS.iter().enumerate() {
                    let v = series(r, col, |a| a.mean);
                    p.line(
                        Line::new(format!("{} {name}", r.name), to_points(&v, true))
                            .color(style::RUN_COLORS[i % style::RUN_COLORS.len()]),
                    );
                }
            }
        });
}

fn spectral_plot(data: &PlotData<'_>, ui: &mut Ui, plot: Plot<'static>) {
    // The selected run shows every gate block; the others their largest block, to keep the
    // legend readable with many runs.
    let selected = data.runs.selected;
    ui.weak("solid: spectral radius ρ · dotted: largest singular value σ_max");
    linear_y(plot, "step")
        .x_axis_label("training step")
        .show(ui, |p| {
            for r in visible(data) {
                let gates = r.config.model.cell.gate_names();
                let per_gate = Some(r.id) == selected && gates.len() > 1;
                let series_of = |prefix: &str| -> Vec<Vec<(f64, f64)>> {
                    gates
                        .iter()
                        .map(|g| diag_series(r, &format!("{prefix}_{g}")))
                        .collect()
                };
                let (rho, sigma) = (series_of("rho"), series_of("sigma_max"));
                if per_gate {
                    for (g, gate) in gates.iter().enumerate() {
                        let c = shade(r.color, g);
                        p.line(
                            Line::new(format!("{} ({gate})", r.name), to_points(&rho[g], false))
                                .color(c)
                                .width(2.0),
                        );
                        p.line(
                            Line::new(format!("{} ({gate})", r.name), to_points(&sigma[g], false))
                                .color(c)
                                .style(LineStyle::dotted_dense()),
                        );
                    }
                } else {
                    let max_over = |s: &[Vec<(f64, f64)>]| -> Vec<(f64, f64)> {
                        (0..s.first().map_or(0, Vec::len))
                            .map(|i| (s[0][i].0, s.iter().map(|g| g[i].1).fold(f64::NAN, f64::max)))
                            .collect()
                    };
                    let suffix = if gates.len() > 1 {
                        " (largest gate)"
                    } else {
                        ""
                    };
                    p.line(
                        Line::new(
                            format!("{}{suffix}", r.name),
                            to_points(&max_over(&rho), false),
                        )
                        .color(r.color)
                        .width(2.0),
                    );
                    p.line(
                        Line::new(
                            format!("{}{suffix}", r.name),
                            to_points(&max_over(&sigma), false),
                        )
                        .color(r.color)
                        .style(LineStyle::dotted_dense()),
                    );
                }
            }
            p.hline(
                HLine::new("ρ = 1 (Pascanu et al.)", 1.0)
                    .color(style::REFERENCE)
                    .style(LineStyle::dashed_dense()),
            );
        });
}

fn saturation_plot(data: &PlotData<'_>, ui: &mut Ui, plot: Plot<'static>) {
    linear_y(plot, "step")
        .x_axis_label("training step")
        .include_y(0.0)
        .include_y(1.0)
        .show(ui, |p| {
            for r in visible(data) {
                let h = diag_series(r, "saturation_hidden");
                let label = if matches!(
                    r.config.model.cell,
                    crate::nn::CellKind::Rnn(crate::nn::Activation::Relu)
                ) {
                    "dead ReLU units"
                } else {
                    "|h| > 0.99"
                };
                p.line(
                    Line::new(format!("{} {label}", r.name), to_points(&h, false)).color(r.color),
                );
                let g = diag_series(r, "saturation_gates");
                if g.iter().any(|(_, v)| v.is_finite()) {
                    p.line(
                        Line::new(
                            format!("{} gates < 0.01 or > 0.99", r.name),
                            to_points(&g, false),
                        )
                        .color(r.color)
                        .style(LineStyle::dashed_loose()),
                    );
                }
            }
        });
}

/// Lighter variants of a run colour for its gate blocks.
fn shade(c: Color32, i: usize) -> Color32 {
    let f = 1.0 - 0.18 * i as f32;
    Color32::from_rgb(
        (f32::from(c.r()) * f) as u8,
        (f32::from(c.g()) * f) as u8,
        (f32::from(c.b()) * f) as u8,
    )
}
