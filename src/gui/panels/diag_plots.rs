//! The per-run diagnostics plots: the gradient norm of each tensor, the spectral radius of
//! `W_hh` against training steps (per gate block for the selected run), and the saturation of
//! the hidden units.

use egui::{Color32, Ui};
use egui_plot::{HLine, Legend, Line, LineStyle, Plot};

use super::log_axis::{linear_y, log_y};
use super::plot_key::reference_key;
use super::plots::{PlotData, diag_series, series, to_points, visible};
use crate::gui::i18n::plots::Plots;
use crate::gui::i18n::{tr, trf};
use crate::gui::style;

pub(super) fn tensor_plot(data: &PlotData<'_>, ui: &mut Ui, plot: Plot<'static>) {
    let cols: [(&str, &str); 6] = [
        ("grad_norm_weight_ih", "W_ih"),
        ("grad_norm_weight_hh", "W_hh"),
        ("grad_norm_bias_ih", "b_ih"),
        ("grad_norm_bias_hh", "b_hh"),
        ("grad_norm_readout_weight", tr(Plots::ReadoutWeight)),
        ("grad_norm_readout_bias", tr(Plots::ReadoutBias)),
    ];
    // The selected run's tensors: a legend of its own, in the corner norms leave first.
    log_y(
        plot.legend(Legend::default().position(egui_plot::Corner::LeftBottom)),
        tr(Plots::HoverStep),
    )
    .x_axis_label(tr(Plots::TrainingStep))
    .show(ui, |p| {
        if let Some(r) = data.runs.selected() {
            for (i, (col, name)) in cols.iter().enumerate() {
                let v = series(r, col, |a| a.mean);
                p.line(
                    Line::new(format!("{} {name}", r.name), to_points(&v, true))
                        .color(style::RUN_COLORS[i % style::RUN_COLORS.len()]),
                );
            }
        }
    });
}

pub(super) fn spectral_plot(data: &PlotData<'_>, ui: &mut Ui, plot: Plot<'static>) {
    // The selected run shows every gate block; the others their largest block, to keep the
    // legend readable with many runs.
    let selected = data.runs.selected;
    ui.weak(tr(Plots::SpectralCaption));
    if let Some(r) = data.runs.selected().filter(|r| r.visible) {
        let gates = r.config.model.cell.gate_names();
        if gates.len() > 1 {
            ui.weak(trf(Plots::GateShades, &[("gates", &gates.join(", "))]));
        }
    }
    reference_key(ui, &[tr(Plots::PascanuLine).to_owned()]);
    linear_y(plot, tr(Plots::HoverStep))
        .x_axis_label(tr(Plots::TrainingStep))
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
                let rho = series_of("rho"); // i18n-exempt: the history columns' prefix
                let sigma = series_of("sigma_max");
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
                        tr(Plots::LargestGate)
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
                HLine::new(tr(Plots::PascanuLine), 1.0)
                    .color(style::REFERENCE)
                    .style(LineStyle::dashed_dense()),
            );
        });
}

pub(super) fn saturation_plot(data: &PlotData<'_>, ui: &mut Ui, plot: Plot<'static>) {
    ui.weak(tr(Plots::SaturationCaption));
    linear_y(plot, tr(Plots::HoverStep))
        .x_axis_label(tr(Plots::TrainingStep))
        .include_y(0.0)
        .include_y(1.0)
        .show(ui, |p| {
            for r in visible(data) {
                let h = diag_series(r, "saturation_hidden");
                let label = if matches!(
                    r.config.model.cell,
                    crate::nn::CellKind::Rnn(crate::nn::Activation::Relu)
                ) {
                    tr(Plots::DeadRelu)
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
                            trf(Plots::SaturatedGates, &[("run", &r.name)]),
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
