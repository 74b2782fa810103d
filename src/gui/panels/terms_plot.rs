//! The terms of the BPTT sum `∂L/∂W_hh = Σ_t (∂L/∂a_t)ᵀ h_{t−1}` of the selected run, per time
//! step and gate block (and for `W_ih`), with how much of the whole gradient the last k steps
//! give: how far back the gradient that the update uses actually reaches.

use egui::Ui;
use egui_plot::{Line, LineStyle, Plot, PlotPoints};

use super::log_axis::{lg, log_y};
use super::plot_key::{Mark, line_key};
use super::plots::PlotData;
use crate::gui::i18n::plots::Plots;
use crate::gui::i18n::{tr, trf};
use crate::gui::style;

/// The share of the whole gradient the reach is the steps for.
const REACH_SHARE: f64 = 0.9;

/// The fewest last steps whose terms give at least [`REACH_SHARE`] of the whole gradient,
/// `share_last_k[k − 1]` being the share of the last k; `None` when no k does (or no terms).
pub fn reach(share_last_k: &[f64]) -> Option<usize> {
    share_last_k
        .iter()
        .position(|&s| s >= REACH_SHARE)
        .map(|i| i + 1)
}

pub fn terms_plot(data: &PlotData<'_>, ui: &mut Ui, plot: Plot<'static>) {
    let selected = data.runs.selected().and_then(|r| {
        r.history
            .latest
            .as_ref()
            .filter(|d| !d.terms.is_empty())
            .map(|d| (r, d))
    });
    let Some((run, d)) = selected else {
        ui.weak(tr(Plots::TermsNone));
        plot.show(ui, |_| {});
        return;
    };
    let terms = &d.terms;
    let n = terms.len();
    let reach_text = reach(&terms.share_last_k).map_or_else(
        || tr(Plots::TermsNoReach).to_owned(),
        |k| {
            trf(
                Plots::TermsReach,
                &[
                    ("k", &k),
                    ("n", &n),
                    ("share", &format!("{:.0}", 100.0 * REACH_SHARE)),
                ],
            )
        },
    );
    ui.add(
        egui::Label::new(
            egui::RichText::new(format!(
                "{} · {reach_text}",
                trf(
                    Plots::TermsCaption,
                    &[("run", &run.name), ("step", &d.terms_step)]
                )
            ))
            .small(),
        )
        .wrap(),
    );
    let gates = run.config.model.cell.gate_names();
    // The key above the plot: these lines rise to the right over the whole width.
    let mut key: Vec<(egui::Color32, Mark, String)> = gates
        .iter()
        .enumerate()
        .map(|(g, gate)| {
            let color = style::RUN_COLORS[g % style::RUN_COLORS.len()];
            (color, Mark::Solid, format!("W_hh ({gate})")) // i18n-exempt: PyTorch's tensor names
        })
        .collect();
    key.push((style::REFERENCE, Mark::Dotted, "W_ih".to_owned())); // i18n-exempt: PyTorch's tensor name
    line_key(ui, &key);
    log_y(plot, "t")
        .x_axis_label(tr(Plots::ProfileAxis))
        .show(ui, |p| {
            for (g, gate) in gates.iter().enumerate() {
                let pts: PlotPoints<'static> = terms
                    .hh
                    .iter()
                    .enumerate()
                    .filter_map(|(i, row)| {
                        row.get(g)
                            .and_then(|&v| lg(v))
                            .map(|y| [(terms.start + i) as f64, y])
                    })
                    .collect();
                p.line(
                    Line::new(format!("W_hh ({gate})"), pts) // i18n-exempt: PyTorch's tensor names
                        .color(style::RUN_COLORS[g % style::RUN_COLORS.len()])
                        .width(2.0),
                );
            }
            // W_ih over all blocks: the root of the sum of the blocks' squares.
            let ih: PlotPoints<'static> = terms
                .ih
                .iter()
                .enumerate()
                .filter_map(|(i, row)| {
                    lg(row.iter().map(|v| v * v).sum::<f64>().sqrt())
                        .map(|y| [(terms.start + i) as f64, y])
                })
                .collect();
            p.line(
                Line::new("W_ih", ih) // i18n-exempt: PyTorch's tensor name
                    .color(style::REFERENCE)
                    .style(LineStyle::dotted_dense()),
            );
        });
}

#[cfg(test)]
mod tests {
    use super::reach;

    #[test]
    fn reach_is_the_fewest_last_steps_giving_ninety_percent() {
        assert_eq!(reach(&[0.5, 0.89, 0.9, 1.0]), Some(3));
        assert_eq!(reach(&[0.95, 1.0]), Some(1));
        assert_eq!(reach(&[0.2, 0.5]), None);
        assert_eq!(reach(&[]), None);
    }
}
