//! The central plots, all reading the runs' decimated histories. Log-scale axes plot
//! `log10(y)` with decade labels (`egui_plot` has no log axis).

use egui::{Color32, Ui};
use egui_plot::{HLine, Legend, Line, LineStyle, Plot, PlotPoints};

use super::log_axis::{lg, log_y};
use super::plot_key::{Mark, line_key, reference_key};
use crate::gui::heatmap::Heatmaps;
use crate::gui::i18n::data::Data;
use crate::gui::i18n::plots::Plots;
use crate::gui::i18n::{Lang, Message, tr, trf};
use crate::gui::runs::{RunView, Runs};
use crate::gui::state::SavedState;
use crate::gui::style;
use crate::gui::views::RunViews;
use crate::nn::Clip;

/// What the plots draw from.
pub struct PlotData<'a> {
    /// The height of a plot in its cell.
    pub height: f32,
    pub state: &'a SavedState,
    pub runs: &'a Runs,
    pub heatmaps: &'a Heatmaps,
    pub views: &'a RunViews,
}

/// Draws one plot's contents into the prepared `Plot`.
type DrawPlot = fn(&PlotData<'_>, &mut Ui, Plot<'static>);

/// Points per curve: about one per horizontal pixel.
const MAX_POINTS: usize = 1200;

/// How wide the smoothing slider is with its value and its label.
const SLIDER_ROW_WIDTH: f32 = 240.0;

/// The plots' titles, in the order they are drawn.
pub const TITLES: [Plots; 14] = [
    Plots::LossTitle,
    Plots::ForecastTitle,
    Plots::ExampleTitle,
    Plots::GradNormTitle,
    Plots::ProfileTitle,
    Plots::HeatmapTitle,
    Plots::TermsTitle,
    Plots::TermsHeatmapTitle,
    Plots::TensorsTitle,
    Plots::SpectralTitle,
    Plots::EigenTitle,
    Plots::DecayTitle,
    Plots::MemoryTitle,
    Plots::SaturationTitle,
];

/// The plot a title names, in either language: a title taken before the language was
/// switched (a PNG export asked for then) still finds the plot drawn under the other.
pub fn plot_titled(title: &str) -> Option<Plots> {
    TITLES
        .into_iter()
        .find(|k| Lang::ALL.iter().any(|&l| k.text(l) == title))
}

/// Draws the plots that are switched on, in one or two columns, scrolling `scroll_to` into
/// view (the tour's plot); returns where each was drawn, by title (in the window's language; the plots' egui ids are their English
/// titles, so zoom and pan survive a switch of language).
pub fn plots_ui(
    ui: &mut Ui,
    state: &mut SavedState,
    runs: &Runs,
    heatmaps: &Heatmaps,
    views: &RunViews,
    scroll_to: Option<Plots>,
) -> Vec<(String, egui::Rect)> {
    let mut reset = false;
    ui.horizontal_wrapped(|ui| {
        let t = &mut state.plots;
        ui.label(tr(Plots::PlotsLabel));
        ui.checkbox(&mut t.loss, tr(Plots::ToggleLoss));
        ui.checkbox(&mut t.grad_norm, tr(Plots::ToggleGradNorm));
        ui.checkbox(&mut t.profile, tr(Plots::ToggleProfile));
        ui.checkbox(&mut t.heatmap, tr(Plots::ToggleHeatmap));
        ui.checkbox(&mut t.terms, tr(Plots::ToggleTerms));
        ui.checkbox(&mut t.tensors, tr(Plots::ToggleTensors));
        ui.checkbox(&mut t.spectral, tr(Plots::ToggleSpectral));
        ui.checkbox(&mut t.eigen, tr(Plots::ToggleEigen));
        ui.checkbox(&mut t.decay, tr(Plots::ToggleDecay));
        ui.checkbox(&mut t.memory, tr(Plots::ToggleMemory));
        ui.checkbox(&mut t.saturation, tr(Plots::ToggleSaturation));
        ui.checkbox(&mut t.example, tr(Plots::ToggleExample));
        ui.separator();
        ui.checkbox(&mut state.log_loss, tr(Plots::LogLoss));
        ui.checkbox(&mut state.group_seeds, tr(Plots::GroupSeeds))
            .on_hover_text(tr(Plots::GroupSeedsHint));
        // A slider is a row of its own parts and does not wrap: start a new row when it
        // would stick out (it widens the area, and the plots under it, past the window).
        // (In a wrapping row `available_width` is the whole row's: measure what is left.)
        if ui.max_rect().right() - ui.cursor().left() < SLIDER_ROW_WIDTH {
            ui.end_row();
        }
        ui.add(egui::Slider::new(&mut state.smoothing, 0.0..=0.99).text(tr(Plots::Smoothing)))
            .on_hover_text(tr(Plots::SmoothingHint));
        reset = ui
            .button(tr(Plots::ResetView))
            .on_hover_text(tr(Plots::ResetViewHint))
            .clicked();
        if state.plots.profile || state.plots.heatmap {
            profile_scrubber(ui, &mut state.profile_step, runs);
        }
    });
    let toggles = state.plots;
    let mut shown: Vec<(Plots, DrawPlot)> = Vec::new();
    if toggles.loss {
        shown.push((Plots::LossTitle, super::loss_plot::loss_plot));
    }
    // A csv run's forecast, beside its loss: the plot a forecasting user looks at first.
    if runs
        .selected()
        .is_some_and(|r| r.config.task().csv_series().is_some())
    {
        shown.push((Plots::ForecastTitle, forecast_plot));
    }
    if toggles.example {
        shown.push((Plots::ExampleTitle, super::example_plot::example_plot));
    }
    if toggles.grad_norm {
        shown.push((Plots::GradNormTitle, grad_norm_plot));
    }
    if toggles.profile {
        shown.push((Plots::ProfileTitle, profile_plot));
    }
    if toggles.heatmap {
        shown.push((Plots::HeatmapTitle, heatmap_plot));
    }
    if toggles.terms {
        shown.push((Plots::TermsTitle, super::terms_plot::terms_plot));
        shown.push((Plots::TermsHeatmapTitle, terms_heatmap_plot));
    }
    if toggles.tensors {
        shown.push((Plots::TensorsTitle, super::diag_plots::tensor_plot));
    }
    if toggles.spectral {
        shown.push((Plots::SpectralTitle, super::diag_plots::spectral_plot));
    }
    if toggles.eigen {
        shown.push((Plots::EigenTitle, super::analysis_plot::eigen_plot));
    }
    if toggles.decay {
        shown.push((Plots::DecayTitle, super::analysis_plot::decay_plot));
    }
    // The memory horizons are the LSTM's.
    if toggles.memory
        && runs
            .selected()
            .is_some_and(|r| r.config.model.cell == crate::nn::CellKind::Lstm)
    {
        shown.push((Plots::MemoryTitle, super::analysis_plot::memory_plot));
    }
    if toggles.saturation {
        shown.push((Plots::SaturationTitle, super::diag_plots::saturation_plot));
    }
    if shown.is_empty() {
        ui.label(tr(Plots::AllHidden));
        return Vec::new();
    }
    if runs.is_empty() {
        ui.weak(tr(Plots::StartHint));
    }
    super::plot_key::run_key(ui, &super::plot_key::key_entries(runs, state.group_seeds));
    let cols = if ui.available_width() > 720.0 { 2 } else { 1 };
    let rows = shown.len().div_ceil(cols);
    let height =
        ((ui.available_height() - 8.0 * rows as f32) / rows as f32 - 24.0).clamp(160.0, 420.0);
    let data = PlotData {
        height,
        state,
        runs,
        heatmaps,
        views,
    };
    let mut rects = Vec::new();
    egui::ScrollArea::vertical().show(ui, |ui| {
        for chunk in shown.chunks(cols) {
            ui.columns(cols, |columns| {
                for (col, (key, draw)) in columns.iter_mut().zip(chunk) {
                    let title = tr(*key);
                    let scoped = col.scope(|ui| {
                        ui.strong(title);
                        // No legend inside: the runs' key is above the grid, the
                        // references' under each caption (plot_key); plots of other
                        // kinds of lines add their own.
                        let mut plot = Plot::new(key.text(Lang::En))
                            .height(height)
                            .allow_scroll(false);
                        if reset {
                            plot = plot.reset();
                        }
                        draw(&data, ui, plot);
                    });
                    if scroll_to == Some(*key) {
                        col.scroll_to_rect(scoped.response.rect, Some(egui::Align::Center));
                    }
                    rects.push((title.to_owned(), scoped.response.rect));
                }
            });
        }
    });
    rects
}

pub(super) fn visible<'a>(data: &'a PlotData<'_>) -> impl Iterator<Item = &'a RunView> {
    data.runs.iter().filter(|r| r.visible)
}

/// `(step, value)` of a step column, one point per bucket of the decimated view;
/// `pick` chooses the bucket's mean, max…
pub(super) fn series(
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

pub(super) fn diag_series(r: &RunView, column: &str) -> Vec<(f64, f64)> {
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
pub(super) fn dots(
    p: &mut egui_plot::PlotUi<'_>,
    name: &str,
    v: &[(f64, f64)],
    log: bool,
    color: Color32,
) {
    let pts = to_points(v, log);
    if pts.points().len() < DOTS_BELOW {
        p.points(
            egui_plot::Points::new(name.to_owned(), pts)
                .radius(3.5)
                .color(color),
        );
    }
}

pub(super) fn to_points(v: &[(f64, f64)], log: bool) -> PlotPoints<'static> {
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

pub(super) fn smooth(v: &mut [(f64, f64)], alpha: f32) {
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
    super::heatmap::heatmap_plot(
        data.heatmaps.gradient.as_ref(),
        &super::heatmap::Labels {
            empty: Plots::HeatmapEmpty,
            image: Plots::HeatmapImage,
            bar: "‖∂L/∂h_t‖", // i18n-exempt: notation, the same in every language
            cursor: data.state.profile_step,
        },
        name,
        data.height,
        ui,
        plot,
    );
}

fn terms_heatmap_plot(data: &PlotData<'_>, ui: &mut Ui, plot: Plot<'static>) {
    let name = data.runs.selected().map_or("", |r| r.name.as_str());
    super::heatmap::heatmap_plot(
        data.heatmaps.terms.as_ref(),
        &super::heatmap::Labels {
            empty: Plots::TermsHeatmapEmpty,
            image: Plots::TermsHeatmapImage,
            bar: "‖term_t‖", // i18n-exempt: notation, the same in every language
            cursor: data.state.profile_step,
        },
        name,
        data.height,
        ui,
        plot,
    );
}

/// The selected run's latest views (its example sequence, its forecast), or `None` after
/// saying they are being computed or why there are none.
pub(super) fn views_of<'a>(
    data: &'a PlotData<'_>,
    ui: &mut Ui,
) -> Option<(crate::gui::views::Of, &'a crate::gui::views::Views)> {
    let run = data.runs.selected()?;
    match data.views.of(run.id) {
        None => {
            ui.weak(tr(Data::ForecastWaiting));
            None
        }
        Some((_, Err(e))) => {
            ui.colored_label(
                ui.visuals().error_fg_color,
                trf(Data::ForecastFailed, &[("e", e)]),
            );
            None
        }
        Some((of, Ok(v))) => Some((of, v)),
    }
}

/// Points a forecast curve draws at most (every k-th above it).
const FORECAST_POINTS: usize = 4000;

/// The selected csv run's forecast of the held-out rows against the data and persistence,
/// in the file's units.
fn forecast_plot(data: &PlotData<'_>, ui: &mut Ui, plot: Plot<'static>) {
    let Some(run) = data.runs.selected() else {
        return;
    };
    let Some(series) = run.config.task().csv_series() else {
        return;
    };
    let Some((of, views)) = views_of(data, ui) else {
        plot.show(ui, |_| {});
        return;
    };
    let f = match &views.forecast {
        None => {
            plot.show(ui, |_| {});
            return;
        }
        Some(f) => {
            let mut caption = trf(
                Data::ForecastCaption,
                &[
                    ("run", &run.name),
                    ("step", &of.step),
                    ("rmse", &style::num(f.rmse)),
                    ("mae", &style::num(f.mae)),
                    ("p_rmse", &style::num(series.persistence().rmse)),
                    ("m_rmse", &style::num(series.training_mean().rmse)),
                ],
            );
            if f.rows.len() < f.windows {
                caption.push(' ');
                caption.push_str(&trf(
                    Data::ForecastSome,
                    &[
                        ("stride", &f.windows.div_ceil(f.rows.len())),
                        ("windows", &f.windows),
                    ],
                ));
            }
            ui.add(egui::Label::new(egui::RichText::new(caption).small()).wrap());
            f
        }
    };
    let every = f.rows.len().div_ceil(FORECAST_POINTS).max(1);
    let points = |v: &[f64]| -> PlotPoints<'static> {
        f.rows
            .iter()
            .zip(v)
            .step_by(every)
            .map(|(&r, &y)| [r as f64, y])
            .collect()
    };
    let unit = series
        .target()
        .name
        .clone()
        .unwrap_or_else(|| trf(Data::ColumnIndex, &[("index", &series.target().index)]));
    // The data in the text colour, which neither a run's colour nor the references' grey is.
    let text = ui.visuals().text_color();
    // The series rises or cycles through the right part more than the top left (CO2 does).
    plot.legend(Legend::default().position(egui_plot::Corner::LeftTop))
        .x_axis_label(tr(Data::Row))
        .y_axis_label(unit)
        .show(ui, |p| {
            p.line(
                Line::new(tr(Data::Actual), points(&f.actual))
                    .color(text)
                    .width(1.5),
            );
            p.line(
                Line::new(tr(Data::Persistence), points(&f.persistence))
                    .color(style::REFERENCE)
                    .style(LineStyle::dashed_dense()),
            );
            p.line(
                Line::new(tr(Data::Predicted), points(&f.predicted))
                    .color(run.color)
                    .width(2.0),
            );
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
            let percent = format!("{:.0}", 100.0 * f);
            ui.weak(trf(
                Plots::ClipEngaged,
                &[("run", &r.name), ("percent", &percent)],
            ));
        }
    }
    let threshold = data.runs.selected().and_then(|r| match r.config.clip {
        Clip::GlobalNorm { max_norm } => Some(max_norm),
        _ => None,
    });
    ui.weak(tr(Plots::GradNormCaption));
    if let Some(t) = threshold {
        reference_key(
            ui,
            &[format!("{} {}", tr(Plots::ClipThreshold), style::num(t))],
        );
    }
    log_y(plot, tr(Plots::HoverStep))
        .x_axis_label(tr(Plots::TrainingStep))
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
                    HLine::new(tr(Plots::ClipThreshold), t)
                        .color(style::REFERENCE)
                        .style(LineStyle::dashed_dense()),
                );
            }
        });
}

/// The slider that picks the training step the gradient profile is shown at, over the steps
/// the selected run's heatmap rows were taken at; its right end follows the latest.
fn profile_scrubber(ui: &mut Ui, at: &mut Option<u64>, runs: &Runs) {
    let Some(r) = runs.selected() else {
        return;
    };
    let steps: Vec<u64> = r.history.profiles.rows().iter().map(|row| row.0).collect();
    if steps.len() < 2 {
        return;
    }
    let last = steps.len() - 1;
    let mut index = at.map_or(last, |s| {
        steps.partition_point(|&x| x <= s).saturating_sub(1)
    });
    if ui.max_rect().right() - ui.cursor().left() < SLIDER_ROW_WIDTH {
        ui.end_row();
    }
    let text = if index == last {
        tr(Plots::ProfileAtLatest).to_owned()
    } else {
        trf(Plots::ProfileAt, &[("step", &steps[index])])
    };
    let changed = ui
        .add(
            egui::Slider::new(&mut index, 0..=last)
                .show_value(false)
                .text(text),
        )
        .on_hover_text(tr(Plots::ProfileAtHint))
        .changed();
    if changed {
        *at = (index < last).then(|| steps[index]);
    }
}

/// The profile run `r` shows: its latest, or the last one taken at or before `at`.
fn profile_of(r: &RunView, at: Option<u64>) -> Option<(u64, usize, &[f64])> {
    match at {
        None => r
            .history
            .latest
            .as_ref()
            .map(|d| (d.step, d.profile.start, d.profile.values.as_slice())),
        Some(s) => {
            let rows = r.history.profiles.rows();
            let i = rows.partition_point(|row| row.0 <= s).saturating_sub(1);
            rows.get(i)
                .map(|(step, start, v)| (*step, *start, v.as_slice()))
        }
    }
}

fn profile_plot(data: &PlotData<'_>, ui: &mut Ui, plot: Plot<'static>) {
    // The key above the plot: each run's line with the step it is of, then the selected
    // run's held-out profile and decay lines.
    let mut key: Vec<(Color32, Mark, String)> = visible(data)
        .filter_map(|r| {
            let (step, ..) = profile_of(r, data.state.profile_step)?;
            let name = trf(Plots::ProfileLine, &[("run", &r.name), ("step", &step)]);
            Some((r.color, Mark::Solid, name))
        })
        .collect();
    if let Some(r) = data.runs.selected().filter(|r| r.visible) {
        key.extend(super::analysis_plot::theory_key(r));
    }
    line_key(ui, &key);
    log_y(plot, "t")
        .x_axis_label(tr(Plots::ProfileAxis))
        .show(ui, |p| {
            for r in visible(data) {
                let Some((step, start, values)) = profile_of(r, data.state.profile_step) else {
                    continue;
                };
                let pts: PlotPoints<'static> = values
                    .iter()
                    .enumerate()
                    .filter_map(|(i, &g)| lg(g).map(|y| [(start + i) as f64, y]))
                    .collect();
                p.line(
                    Line::new(
                        trf(Plots::ProfileLine, &[("run", &r.name), ("step", &step)]),
                        pts,
                    )
                    .color(r.color)
                    .width(2.0),
                );
                if Some(r.id) == data.runs.selected {
                    super::analysis_plot::theory_lines(p, r);
                }
            }
        });
}
