//! One held-out sequence of the selected run's task: what the network reads at each step
//! (values as lines, symbols as dots) above what it is asked and what it answers, updated
//! from the run's weights while it trains. What TensorFlow Playground shows of its data.

use egui::{Color32, Ui};
use egui_plot::{Line, MarkerShape, Plot, PlotPoints, Points};

use super::plot_key::{Mark, line_key};
use super::plots::{PlotData, views_of};
use crate::gui::i18n::plots::Plots;
use crate::gui::i18n::{tr, trf};
use crate::train::example::Answer;

/// Input channels drawn at most (the first ones).
const MAX_CHANNELS: usize = 6;

/// Output channels drawn at most.
const MAX_OUTPUTS: usize = 3;

/// The largest |value| drawn: a network about to diverge answers ~1e308, and bounds that
/// large overflow the plot's arithmetic (`egui_plot` panics on infinite bounds). Points past
/// it are left out.
const DRAWABLE: f64 = 1e100;

/// The points of `pts` the plot can scale.
fn drawable(pts: impl IntoIterator<Item = [f64; 2]>) -> PlotPoints<'static> {
    pts.into_iter()
        .filter(|[_, y]| y.is_finite() && y.abs() <= DRAWABLE)
        .collect()
}

/// The inputs and the answer, in two plots sharing the time axis.
pub fn example_plot(data: &PlotData<'_>, ui: &mut Ui, plot: Plot<'static>) {
    let Some(run) = data.runs.selected() else {
        ui.weak(tr(Plots::ExampleNone));
        plot.show(ui, |_| {});
        return;
    };
    let Some((of, views)) = views_of(data, ui) else {
        plot.show(ui, |_| {});
        return;
    };
    let e = &views.example;
    let t_len = e.x.shape()[0];
    ui.add(
        egui::Label::new(
            egui::RichText::new(trf(
                Plots::ExampleCaption,
                &[("run", &run.name), ("step", &of.step)],
            ))
            .small(),
        )
        .wrap(),
    );
    let half = (data.height / 2.0 - 22.0).max(95.0);
    let text = ui.visuals().text_color();
    let link = egui::Id::unique("example sequence"); // i18n-exempt: an egui id
    plot.height(half)
        .link_axis(link, [true, false])
        .y_axis_label(tr(Plots::ExampleInputs))
        .show(ui, |p| {
            if let Some(symbols) = &e.symbols {
                let pts = drawable(
                    symbols
                        .iter()
                        .enumerate()
                        .map(|(t, &k)| [t as f64, k as f64]),
                );
                p.points(
                    Points::new(tr(Plots::ExampleSymbol), pts)
                        .radius(2.5)
                        .color(text),
                );
            } else {
                let channels = e.x.shape()[1];
                for i in 0..channels.min(MAX_CHANNELS) {
                    let pts = drawable((0..t_len).map(|t| [t as f64, e.x[[t, i]]]));
                    p.line(
                        Line::new(format!("x{i}"), pts) // i18n-exempt: a channel's name (x0, x1 …)
                            .color(channel_color(i, text)),
                    );
                }
            }
        });
    // The answer's key above it: a legend inside sat on the last step, where the answer is.
    let answer_mark = if matches!(e.answer, Answer::All { .. }) {
        Mark::Solid
    } else {
        Mark::Point
    };
    line_key(
        ui,
        &[
            (text, answer_mark, tr(Plots::ExampleTarget).to_owned()),
            (run.color, answer_mark, tr(Plots::ExampleModel).to_owned()),
        ],
    );
    Plot::new("Example sequence: answer") // i18n-exempt: an egui id
        .height(half)
        // The whole time axis, as above: an answer at the last step alone would zoom in on it.
        .include_x(0.0)
        .include_x(t_len.saturating_sub(1) as f64)
        .allow_scroll(false)
        .link_axis(link, [true, false])
        .x_axis_label(tr(Plots::ExampleTime))
        .y_axis_label(tr(Plots::ExampleAnswer))
        .show(ui, |p| {
            let target = tr(Plots::ExampleTarget);
            let model = tr(Plots::ExampleModel);
            match &e.answer {
                Answer::Last { target: y, output } => {
                    let at = (t_len - 1) as f64;
                    for (o, (&y, &z)) in y.iter().zip(output).take(MAX_OUTPUTS).enumerate() {
                        p.points(
                            Points::new(target, drawable([[at, y]]))
                                .radius(6.0)
                                .shape(MarkerShape::Circle)
                                .filled(false)
                                .color(channel_color(o, text)),
                        );
                        p.points(
                            Points::new(model, drawable([[at, z]]))
                                .radius(5.0)
                                .shape(MarkerShape::Diamond)
                                .color(run.color),
                        );
                    }
                }
                Answer::All { target: y, output } => {
                    for o in 0..y.shape()[1].min(MAX_OUTPUTS) {
                        let line = |a: &ndarray::Array2<f64>| -> PlotPoints<'static> {
                            drawable((0..a.shape()[0]).map(|t| [t as f64, a[[t, o]]]))
                        };
                        p.line(Line::new(target, line(y)).color(channel_color(o, text)));
                        p.line(Line::new(model, line(output)).color(run.color).width(2.0));
                    }
                }
                Answer::Classes {
                    steps,
                    target: y,
                    predicted,
                    ..
                } => {
                    let pts = |v: &[usize]| -> PlotPoints<'static> {
                        drawable(steps.iter().zip(v).map(|(&t, &k)| [t as f64, k as f64]))
                    };
                    p.points(
                        Points::new(target, pts(y))
                            .radius(5.0)
                            .shape(MarkerShape::Circle)
                            .filled(false)
                            .color(text),
                    );
                    p.points(
                        Points::new(model, pts(predicted))
                            .radius(3.0)
                            .shape(MarkerShape::Diamond)
                            .color(run.color),
                    );
                }
            }
        });
}

/// The first channel in the text colour, the others in muted tones that no run colour uses.
fn channel_color(i: usize, text: Color32) -> Color32 {
    const OTHERS: [Color32; 5] = [
        Color32::from_rgb(150, 150, 190),
        Color32::from_rgb(190, 150, 150),
        Color32::from_rgb(150, 190, 150),
        Color32::from_rgb(190, 190, 130),
        Color32::from_rgb(140, 180, 190),
    ];
    if i == 0 {
        text
    } else {
        OTHERS[(i - 1) % OTHERS.len()]
    }
}
