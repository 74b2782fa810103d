//! Log-scale axes: `egui_plot` has none, so a log plot draws `log10(y)` and labels the axis
//! with the values; the hover label shows the real value.

use egui_plot::{GridInput, GridMark, HoverPosition, Plot};

use crate::gui::style;

/// Labels for a `log10(y)` axis: the decades, and also 2 and 5 × the decade when less than
/// two decades are visible (otherwise a curve within one decade would have no label at all),
/// and every mark's value below half a decade. Which marks exist, and so how many labels
/// `egui_plot` has room to draw, is [`log_marks`]'s choice.
pub fn log_axis(mark: GridMark, range: &std::ops::RangeInclusive<f64>) -> String {
    let decade = (mark.value - mark.value.round()).abs() < 1e-9;
    if decade {
        let e = mark.value.round() as i32;
        return match e {
            -3 => "0.001".into(),
            -2 => "0.01".into(),
            -1 => "0.1".into(),
            0..=4 => format!("1{}", "0".repeat(e as usize)),
            _ => format!("1e{e}"),
        };
    }
    let span = range.end() - range.start();
    let mantissa = 10f64.powf(mark.value - mark.value.floor());
    let whole = (mantissa - mantissa.round()).abs() < 1e-6;
    if span < 0.5 || (span < 2.0 && whole && [2.0, 5.0].contains(&mantissa.round())) {
        let v = 10f64.powf(mark.value);
        if (1e-4..1e5).contains(&v) {
            // Four significant digits, trailing zeros dropped (the marks are round values).
            let decimals = (3 - v.log10().floor() as i32).max(0) as usize;
            let s = format!("{v:.decimals$}");
            if s.contains('.') {
                s.trim_end_matches('0').trim_end_matches('.').to_owned()
            } else {
                s
            }
        } else {
            let s = format!("{v:.2e}");
            match s.split_once('e') {
                Some((m, e)) if m.contains('.') => {
                    format!("{}e{e}", m.trim_end_matches('0').trim_end_matches('.'))
                }
                _ => s,
            }
        }
    } else {
        String::new()
    }
}

/// How far apart (in points) `egui_plot` needs two tick labels to draw them at full strength:
/// the top of its default `label_spacing` (20–30 on y, 60–80 on x). Below the bottom of it
/// a label is not drawn at all, so the grid must space labelled marks at least this far.
pub const Y_LABEL_POINTS: f64 = 30.0;
pub const X_LABEL_POINTS: f64 = 80.0;

/// `egui_plot`'s `grid_spacing.min`: `GridInput::base_step_size` is this many points in plot
/// units.
const BASE_STEP_POINTS: f64 = 8.0;

/// The smallest of 1, 2, 5 × 10ⁿ that is at least `x`.
fn nice_step(x: f64) -> f64 {
    let p = 10f64.powf(x.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * p)
        .find(|&s| s >= x * (1.0 - 1e-12))
        .unwrap_or(10.0 * p)
}

/// Grid marks for a `log10` axis whose labels are [`log_axis`]'s, spaced so that `egui_plot`
/// draws labels however many decades are visible: every `step`-th decade is labelled (1, 2, 5,
/// 10 … decades apart, at least `label_points` apart on screen), the other decades are grid
/// lines only; 2…9 × the decade are added when a decade is tall enough to show them; below
/// half a decade, marks are evenly spaced in log10 and labelled with their values.
pub fn log_marks(input: &GridInput, label_points: f64) -> Vec<GridMark> {
    let (lo, hi) = input.bounds;
    if !(lo.is_finite() && hi.is_finite() && hi > lo) {
        return Vec::new();
    }
    let points_per_decade = if input.base_step_size > 0.0 {
        BASE_STEP_POINTS / input.base_step_size
    } else {
        1e6
    };
    let need = label_points / points_per_decade;
    let mut marks = Vec::new();
    if hi - lo < 0.5 {
        // Less than half a decade: marks at round values (1, 2, 5 × 10ⁿ apart), as on a linear
        // axis. A step s is s / (v ln 10) apart in log10 at v, closest at the top.
        let (a, b) = (10f64.powf(lo), 10f64.powf(hi));
        let step = nice_step(need * b * std::f64::consts::LN_10);
        let mut k = (a / step).ceil().max(1.0);
        while k * step <= b {
            marks.push(GridMark {
                value: (k * step).log10(),
                step_size: ((k + 1.0) / k).log10(),
            });
            k += 1.0;
        }
        return marks;
    }
    let label_step = nice_step(need.max(1.0));
    // Every decade as a line while they are a few points apart; fewer beyond.
    let line_step = if points_per_decade >= 4.0 {
        1.0
    } else {
        label_step
    };
    let mut k = (lo / line_step).floor() * line_step;
    while k <= hi {
        let labelled = ((k / label_step).round() * label_step - k).abs() < 1e-9;
        marks.push(GridMark {
            value: k,
            step_size: if labelled { label_step } else { line_step },
        });
        if points_per_decade >= 40.0 {
            for m in 2u8..10 {
                let labelled = m == 2 || m == 5;
                let m = f64::from(m);
                // The distance to the nearest labelled neighbour (2 and 5 are labelled, 1-2-5
                // apart: at least log10(2)), or to the next mark: labels `egui_plot` would
                // draw closer than its spacing fade out instead.
                let step_size = if labelled {
                    2f64.log10()
                } else {
                    ((m + 1.0) / m).log10()
                };
                marks.push(GridMark {
                    value: k + m.log10(),
                    step_size,
                });
            }
        }
        k += line_step;
    }
    marks.retain(|m| m.value >= lo && m.value <= hi);
    marks
}

/// [`log_marks`] for a y axis (`egui_plot`'s grid spacer).
#[expect(
    clippy::needless_pass_by_value,
    reason = "the signature egui_plot's grid spacer takes"
)]
pub fn log_grid(input: GridInput) -> Vec<GridMark> {
    log_marks(&input, Y_LABEL_POINTS)
}

/// [`log_marks`] for an x axis, whose labels are wider.
#[expect(
    clippy::needless_pass_by_value,
    reason = "the signature egui_plot's grid spacer takes"
)]
pub fn log_grid_x(input: GridInput) -> Vec<GridMark> {
    log_marks(&input, X_LABEL_POINTS)
}

/// A plot with a `log10` y axis and a hover label that shows the real value.
pub fn log_y(plot: Plot<'static>, x_name: &'static str) -> Plot<'static> {
    hover(
        plot.y_axis_formatter(log_axis).y_grid_spacer(log_grid),
        x_name,
        |y| 10f64.powf(y),
    )
}

/// A plot with a linear y axis and a hover label with the value.
pub fn linear_y(plot: Plot<'static>, x_name: &'static str) -> Plot<'static> {
    hover(plot, x_name, |y| y)
}

/// The hover label near a point: the line's name, `x_name` and x, and the value of y
/// (`value(y)`, the real value on a log axis).
fn hover(plot: Plot<'static>, x_name: &'static str, value: fn(f64) -> f64) -> Plot<'static> {
    plot.label_formatter(move |pos: &HoverPosition<'_>| match pos {
        HoverPosition::NearDataPoint {
            plot_name,
            position,
            ..
        } => Some(format!(
            "{plot_name}\n{x_name} {:.0}\n{}",
            position.x,
            style::num(value(position.y))
        )),
        HoverPosition::Elsewhere { .. } => None,
    })
}

/// `log10(v)` for positive finite values; `None` otherwise (not drawable on a log axis).
pub fn lg(v: f64) -> Option<f64> {
    (v > 0.0 && v.is_finite()).then(|| v.log10())
}

#[cfg(test)]
mod tests {
    use egui_plot::{GridInput, GridMark};

    use super::{X_LABEL_POINTS, Y_LABEL_POINTS, log_axis, log_marks};

    /// The marks whose labels `egui_plot` draws: a non-empty label and, on screen, at least the
    /// bottom of its label spacing (20 points on y, 60 on x) from the next mark of its step.
    fn drawn_labels(lo: f64, hi: f64, points: f64, label_points: f64) -> Vec<String> {
        let per_unit = f64::from(points as f32) / (hi - lo);
        let input = GridInput {
            bounds: (lo, hi),
            base_step_size: 8.0 / per_unit,
        };
        let min_points = label_points * 2.0 / 3.0;
        log_marks(&input, label_points)
            .into_iter()
            .filter(|m: &GridMark| m.step_size * per_unit > min_points)
            .map(|m| log_axis(m, &(lo..=hi)))
            .filter(|l| !l.is_empty())
            .collect()
    }

    #[test]
    fn a_log_axis_keeps_labelled_decades_whatever_the_range_and_size() {
        for &(label_points, sizes) in &[
            (Y_LABEL_POINTS, &[80.0, 120.0, 200.0, 400.0, 900.0][..]),
            (X_LABEL_POINTS, &[200.0, 400.0, 1200.0][..]),
        ] {
            for &points in sizes {
                for &(lo, hi) in &[
                    (-15.0, 0.0),
                    (-12.3, -2.9),
                    (-9.0, 1.0),
                    (-40.0, 5.0),
                    (-3.0, 0.2),
                    (-1.4, -0.2),
                    (-0.9, -0.75),
                    (2.01, 2.05),
                ] {
                    let labels = drawn_labels(lo, hi, points, label_points);
                    // Two labels wherever the axis is long enough for them.
                    let want = if points >= 4.0 * label_points { 2 } else { 1 };
                    assert!(
                        labels.len() >= want,
                        "{lo}..{hi} over {points} points: labels {labels:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn within_half_a_decade_the_labels_are_round_and_distinct() {
        for &(lo, hi) in &[(0.4, 0.6), (-3.1, -2.9), (2.01, 2.05), (-0.2, 0.1)] {
            let labels = drawn_labels(lo, hi, 200.0, Y_LABEL_POINTS);
            let mut unique = labels.clone();
            unique.dedup();
            assert_eq!(unique, labels, "{lo}..{hi}: distinct labels");
            // Round values: evenly spaced by 1, 2 or 5 × 10ⁿ, each a multiple of the step.
            let v: Vec<f64> = labels
                .iter()
                .map(|l| l.parse().expect("a number"))
                .collect();
            assert!(v.len() >= 2, "{lo}..{hi}: {labels:?}");
            let step = v[1] - v[0];
            let mantissa = step / 10f64.powf(step.log10().floor());
            assert!(
                [1.0, 2.0, 5.0].iter().any(|m| (mantissa - m).abs() < 1e-6),
                "{lo}..{hi}: step {step} ({labels:?})"
            );
            for x in &v {
                assert!(
                    ((x / step) - (x / step).round()).abs() < 1e-6,
                    "{lo}..{hi}: {labels:?}"
                );
            }
        }
    }

    #[test]
    fn fifteen_decades_in_a_small_plot_are_labelled_every_few_decades() {
        let labels = drawn_labels(-15.0, 0.0, 160.0, Y_LABEL_POINTS);
        assert!(labels.contains(&"1e-10".to_owned()), "{labels:?}");
        assert!(labels.contains(&"1".to_owned()), "{labels:?}");
        assert!(labels.len() <= 8, "not piled up: {labels:?}");
    }
}
