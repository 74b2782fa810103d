//! What the analysis of the selected run's network shows: the eigenvalues of `W_hh` on the
//! complex plane (per gate block, with the unit circle, Pascanu's `1/γ` and a faint trail of
//! earlier analyses), and on the gradient profile the decay that the largest Lyapunov
//! exponent predicts beside the slope fitted to the held-out profile ("theory vs observed").

use std::f64::consts::{LN_10, TAU};

use egui::Ui;
use egui_plot::{Legend, Line, LineStyle, Plot, PlotPoints, PlotUi, Points};

use super::log_axis::{lg, linear_y};
use super::plot_key::Mark;
use super::plots::PlotData;
use crate::gui::i18n::plots::Plots;
use crate::gui::i18n::{tr, trf};
use crate::gui::runs::RunView;
use crate::gui::style;

/// Points on a drawn circle.
const CIRCLE_POINTS: usize = 181;

fn circle(radius: f64) -> PlotPoints<'static> {
    (0..CIRCLE_POINTS)
        .map(|i| {
            let a = TAU * i as f64 / (CIRCLE_POINTS - 1) as f64;
            [radius * a.cos(), radius * a.sin()]
        })
        .collect()
}

fn block_color(g: usize) -> egui::Color32 {
    style::RUN_COLORS[g % style::RUN_COLORS.len()]
}

/// The eigenvalues of each gate block of the selected run's `W_hh`, latest analysis.
pub fn eigen_plot(data: &PlotData<'_>, ui: &mut Ui, plot: Plot<'static>) {
    let analysed = data
        .runs
        .selected()
        .and_then(|r| r.history.analysis.as_ref().map(|a| (r, a)));
    let Some((run, (step, analysis))) = analysed else {
        ui.weak(tr(Plots::EigenNone));
        plot.show(ui, |_| {});
        return;
    };
    ui.add(
        egui::Label::new(
            egui::RichText::new(trf(
                Plots::EigenCaption,
                &[("run", &run.name), ("step", step)],
            ))
            .small(),
        )
        .wrap(),
    );
    let references: Vec<f64> = {
        let mut r: Vec<f64> = analysis
            .spectra
            .iter()
            .map(|s| s.reference_radius)
            .filter(|r| (*r - 1.0).abs() > 1e-12)
            .collect();
        r.dedup();
        r
    };
    plot.data_aspect(1.0)
        .legend(Legend::default().position(egui_plot::Corner::RightTop))
        .x_axis_label(tr(Plots::RealAxis))
        .show(ui, |p| {
            p.line(
                Line::new(tr(Plots::UnitCircle), circle(1.0))
                    .color(style::REFERENCE)
                    .style(LineStyle::dashed_dense()),
            );
            for r in references {
                p.line(
                    Line::new(trf(Plots::ReferenceCircle, &[("r", &r)]), circle(r))
                        .color(style::REFERENCE)
                        .style(LineStyle::dotted_dense()),
                );
            }
            let trail = &run.history.eigen_trail;
            for (age, (_, spectra)) in trail.iter().enumerate() {
                // Older is fainter.
                let alpha = 0.08 + 0.22 * (age + 1) as f32 / trail.len() as f32;
                for (g, s) in spectra.iter().enumerate() {
                    let pts: PlotPoints<'static> =
                        s.eigenvalues.iter().map(|&(re, im)| [re, im]).collect();
                    p.points(
                        Points::new(tr(Plots::EigenTrail), pts)
                            .color(block_color(g).gamma_multiply(alpha))
                            .radius(1.5),
                    );
                }
            }
            for (g, s) in analysis.spectra.iter().enumerate() {
                let pts: PlotPoints<'static> =
                    s.eigenvalues.iter().map(|&(re, im)| [re, im]).collect();
                let name = trf(
                    Plots::EigenBlock,
                    &[
                        ("block", &s.block),
                        ("rho", &format!("{:.3}", s.spectral_radius)),
                        ("sigma", &format!("{:.3}", s.sigma_max)),
                    ],
                );
                p.points(Points::new(name, pts).color(block_color(g)).radius(2.5));
            }
        });
}

/// On the gradient profile plot: the selected run's held-out profile of its latest analysis
/// (faint), the decay λ₁ predicts and the slope fitted to it, both through the fitted line's
/// value at the last step.
pub fn theory_lines(p: &mut PlotUi<'_>, run: &RunView) {
    let Some((step, a)) = &run.history.analysis else {
        return;
    };
    let profile = &a.profile;
    let n = profile.values.len();
    let Some(fit) = &a.decay.observed else {
        return;
    };
    if n < 2 {
        return;
    }
    let held_out: PlotPoints<'static> = profile
        .values
        .iter()
        .enumerate()
        .filter_map(|(i, &g)| lg(g).map(|y| [(profile.start + i) as f64, y]))
        .collect();
    p.line(
        Line::new(trf(Plots::HeldOutProfile, &[("step", step)]), held_out)
            .color(run.color.gamma_multiply(0.45))
            .width(1.0),
    );
    // ln g at k steps into the past: intercept + slope·k.
    let line = |slope: f64| -> PlotPoints<'static> {
        [0, n - 1]
            .into_iter()
            .map(|i| {
                let k = (n - 1 - i) as f64;
                [
                    (profile.start + i) as f64,
                    (fit.intercept + slope * k) / LN_10,
                ]
            })
            .collect()
    };
    let predicted = a.decay.predicted_per_step;
    if predicted.is_finite() {
        p.line(
            Line::new(
                trf(Plots::TheoryLine, &[("slope", &format!("{predicted:.3}"))]),
                line(predicted),
            )
            .color(style::REFERENCE)
            .style(LineStyle::dashed_loose())
            .width(2.0),
        );
    }
    p.line(
        Line::new(
            trf(
                Plots::FittedLine,
                &[("slope", &format!("{:.3}", fit.slope))],
            ),
            line(fit.slope),
        )
        .color(run.color)
        .style(LineStyle::dotted_dense())
        .width(1.5),
    );
}

/// The key of [`theory_lines`] for `run` (empty where it draws none), in its order.
pub fn theory_key(run: &RunView) -> Vec<(egui::Color32, Mark, String)> {
    let Some((step, a)) = &run.history.analysis else {
        return Vec::new();
    };
    let Some(fit) = &a.decay.observed else {
        return Vec::new();
    };
    if a.profile.values.len() < 2 {
        return Vec::new();
    }
    let mut key = vec![(
        run.color.gamma_multiply(0.45),
        Mark::Solid,
        trf(Plots::HeldOutProfile, &[("step", step)]),
    )];
    let predicted = a.decay.predicted_per_step;
    if predicted.is_finite() {
        key.push((
            style::REFERENCE,
            Mark::Dashed,
            trf(Plots::TheoryLine, &[("slope", &format!("{predicted:.3}"))]),
        ));
    }
    key.push((
        run.color,
        Mark::Dotted,
        trf(
            Plots::FittedLine,
            &[("slope", &format!("{:.3}", fit.slope))],
        ),
    ));
    key
}

/// Over training, for every visible run: the decay per step λ₁ predicts (dashed) and the
/// slope fitted to the held-out profile (solid), and Pascanu's "steps in the past" (dotted,
/// a share from 0 to 1).
pub fn decay_plot(data: &PlotData<'_>, ui: &mut Ui, plot: Plot<'static>) {
    ui.weak(tr(Plots::DecayCaption));
    super::plot_key::reference_key(ui, &[tr(Plots::NoDecay).to_owned()]);
    linear_y(plot, tr(Plots::HoverStep))
        .x_axis_label(tr(Plots::TrainingStep))
        .show(ui, |p| {
            for r in super::plots::visible(data) {
                let a = &r.history.analyses;
                let pts = |f: fn(&crate::train::AnalysisPoint) -> f64| -> PlotPoints<'static> {
                    a.iter()
                        .filter(|x| f(x).is_finite())
                        .map(|x| [x.step as f64, f(x)])
                        .collect()
                };
                p.line(
                    Line::new(
                        trf(Plots::DecayPredicted, &[("run", &r.name)]),
                        pts(|x| x.predicted),
                    )
                    .color(r.color)
                    .style(LineStyle::dashed_loose())
                    .width(2.0),
                );
                p.line(
                    Line::new(
                        trf(Plots::DecayObserved, &[("run", &r.name)]),
                        pts(|x| x.observed),
                    )
                    .color(r.color)
                    .width(2.0),
                );
                p.line(
                    Line::new(
                        trf(Plots::StepsInThePast, &[("run", &r.name)]),
                        pts(|x| x.steps_in_the_past),
                    )
                    .color(r.color)
                    .style(LineStyle::dotted_dense()),
                );
            }
            p.hline(
                egui_plot::HLine::new(tr(Plots::NoDecay), 0.0)
                    .color(style::REFERENCE)
                    .style(LineStyle::dashed_dense()),
            );
        });
}

/// Bins of the memory-horizon histogram.
const HORIZON_BINS: usize = 24;

/// The selected LSTM run's memory horizons `−1/mean ln f` per unit, as a histogram over
/// `log10` of the horizon in steps, with the sequence length marked.
pub fn memory_plot(data: &PlotData<'_>, ui: &mut Ui, plot: Plot<'static>) {
    let horizons = data.runs.selected().and_then(|r| {
        r.history
            .analysis
            .as_ref()
            .and_then(|(step, a)| a.memory_horizons.as_ref().map(|h| (r, *step, h, a.seq_len)))
    });
    let Some((run, step, horizons, seq_len)) = horizons else {
        ui.weak(tr(Plots::MemoryNone));
        plot.show(ui, |_| {});
        return;
    };
    ui.weak(trf(
        Plots::MemoryCaption,
        &[("run", &run.name), ("step", &step)],
    ));
    super::plot_key::reference_key(ui, &[trf(Plots::SeqLenLine, &[("t", &seq_len)])]);
    let logs: Vec<f64> = horizons
        .iter()
        .filter(|h| h.is_finite() && **h > 0.0)
        .map(|h| h.log10())
        .collect();
    let (lo, hi) = logs
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
            (a.min(v), b.max(v))
        });
    plot.x_axis_label(tr(Plots::MemoryAxis))
        .x_axis_formatter(|mark, _| {
            let steps = 10f64.powf(mark.value);
            if steps >= 10.0 {
                format!("{steps:.0}")
            } else {
                format!("{steps:.2}")
            }
        })
        .show(ui, |p| {
            if logs.is_empty() {
                return;
            }
            let width = ((hi - lo) / HORIZON_BINS as f64).max(0.05);
            let mut counts = [0u32; HORIZON_BINS];
            for v in &logs {
                let i = (((v - lo) / width) as usize).min(HORIZON_BINS - 1);
                counts[i] += 1;
            }
            let bars: Vec<egui_plot::Bar> = counts
                .iter()
                .enumerate()
                .map(|(i, &c)| {
                    egui_plot::Bar::new(lo + (i as f64 + 0.5) * width, f64::from(c))
                        .width(width * 0.95)
                })
                .collect();
            p.bar_chart(egui_plot::BarChart::new(tr(Plots::MemoryBars), bars).color(run.color));
            p.vline(
                egui_plot::VLine::new(
                    trf(Plots::SeqLenLine, &[("t", &seq_len)]),
                    (seq_len as f64).log10(),
                )
                .color(style::REFERENCE)
                .style(LineStyle::dashed_dense()),
            );
        });
}
