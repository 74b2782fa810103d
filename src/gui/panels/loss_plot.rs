//! The loss plot: training (solid) and held-out (dashed) loss of the runs shown, or of their
//! seed groups, against each task's baseline (and a csv series' training mean).

use egui::Ui;
use egui_plot::{HLine, Line, LineStyle, Plot};

use super::log_axis::{lg, linear_y, log_y};
use super::plot_key::reference_key;
use super::plots::{PlotData, diag_series, dots, series, smooth, to_points, visible};
use crate::gui::i18n::data::Data;
use crate::gui::i18n::plots::Plots;
use crate::gui::i18n::{tr, trf};
use crate::gui::runs::RunView;
use crate::gui::style;

pub(super) fn loss_plot(data: &PlotData<'_>, ui: &mut Ui, plot: Plot<'static>) {
    let log = data.state.log_loss;
    let plot = if log {
        log_y(plot, tr(Plots::HoverStep))
    } else {
        linear_y(plot, tr(Plots::HoverStep))
    };
    // A baseline per task among the selected and the shown runs (runs on two tasks on one
    // plot each have theirs), the selected run's first.
    let mut baselines: Vec<(f64, &str)> = Vec::new();
    for r in data.runs.selected().into_iter().chain(visible(data)) {
        let b = (r.config.task().baseline(), r.config.task().name());
        if !baselines
            .iter()
            .any(|(v, name)| *name == b.1 && v.to_bits() == b.0.to_bits())
        {
            baselines.push(b);
        }
    }
    // The references: a csv series' training mean (its held-out MSE) and each task's
    // baseline (a csv series' is the persistence forecast's MSE), named under the caption.
    let csv = data
        .runs
        .selected()
        .and_then(|r| r.config.task().csv_series());
    let mut references: Vec<(f64, String, LineStyle)> = Vec::new();
    if let Some(series) = csv {
        let m = series.training_mean().mse;
        let name = trf(Data::TrainingMean, &[("value", &style::num(m))]);
        references.push((m, name, LineStyle::dotted_dense()));
    }
    for (i, (b, task)) in baselines.into_iter().enumerate() {
        let name = if csv.is_some() && i == 0 {
            trf(Data::PersistenceBaseline, &[("value", &style::num(b))])
        } else {
            trf(
                Plots::Baseline,
                &[("task", &task), ("value", &style::num(b))],
            )
        };
        references.push((b, name, LineStyle::dashed_dense()));
    }
    ui.weak(tr(Plots::LossCaption));
    let names: Vec<String> = references.iter().map(|r| r.1.clone()).collect();
    reference_key(ui, &names);
    // Cross-entropy is in nats (natural log, as PyTorch's); the text task's metric is bits.
    let unit = match data.runs.selected().map(|r| r.config.task().loss_kind()) {
        Some(crate::nn::LossKind::Xent) => tr(Plots::UnitXent),
        Some(_) => tr(Plots::UnitMse),
        None => tr(Plots::UnitLoss),
    };
    plot.x_axis_label(tr(Plots::TrainingStep))
        .y_axis_label(unit)
        .show(ui, |p| {
            let groups = if data.state.group_seeds {
                super::seed_groups::seed_groups(visible(data))
            } else {
                visible(data).map(|r| vec![r]).collect()
            };
            for group in groups {
                let [r] = group.as_slice() else {
                    seed_group_loss(p, &group, data.state.smoothing, log);
                    continue;
                };
                let mut train = series(r, "loss", |a| a.mean); // i18n-exempt: a history column
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
            for (value, name, dash) in &references {
                if let Some(y) = if log { lg(*value) } else { Some(*value) } {
                    p.hline(
                        HLine::new(name.clone(), y)
                            .color(style::REFERENCE)
                            .style(*dash),
                    );
                }
            }
        });
}

/// Runs that differ only by seed as one: the mean training loss over the seeds with a band
/// from the lowest to the highest, and the mean held-out loss, in the first run's colour.
fn seed_group_loss(p: &mut egui_plot::PlotUi<'_>, group: &[&RunView], smoothing: f32, log: bool) {
    use super::seed_groups::mean_band;
    let first = group[0];
    let name = trf(
        Plots::SeedGroup,
        &[("run", &first.name), ("n", &group.len())],
    );
    let y = |v: f64| {
        if log {
            lg(v)
        } else {
            v.is_finite().then_some(v)
        }
    };
    let trains: Vec<Vec<(f64, f64)>> = group
        .iter()
        .map(|r| {
            let mut train = series(r, "loss", |a| a.mean); // i18n-exempt: a history column
            smooth(&mut train, smoothing);
            train
        })
        .collect();
    let band = mean_band(&trains);
    // The line first: the legend takes its colour from the first item of a name.
    let mean: Vec<(f64, f64)> = band.iter().map(|b| (b.x, b.mean)).collect();
    p.line(Line::new(name.clone(), to_points(&mean, log)).color(first.color));
    // A quad per segment (egui_plot fills a polygon as if it were convex; a band is not).
    for pair in band.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        let (Some(a_lo), Some(b_lo), Some(b_hi), Some(a_hi)) = (y(a.lo), y(b.lo), y(b.hi), y(a.hi))
        else {
            continue;
        };
        p.polygon(
            egui_plot::Polygon::new(
                name.clone(),
                vec![[a.x, a_lo], [b.x, b_lo], [b.x, b_hi], [a.x, a_hi]],
            )
            .fill_color(first.color.gamma_multiply(0.2))
            .stroke(egui::Stroke::NONE),
        );
    }
    let evals: Vec<Vec<(f64, f64)>> = group.iter().map(|r| diag_series(r, "eval_loss")).collect();
    let eval: Vec<(f64, f64)> = mean_band(&evals).iter().map(|b| (b.x, b.mean)).collect();
    dots(p, &name, &eval, log, first.color);
    p.line(
        Line::new(name, to_points(&eval, log))
            .color(first.color)
            .style(LineStyle::dashed_loose())
            .width(2.0),
    );
}
