//! Log-scale axes: `egui_plot` has none, so a log plot draws `log10(y)` and labels the axis
//! with the values; the hover label shows the real value.

use egui_plot::{GridInput, GridMark, HoverPosition, Plot};

use crate::gui::style;

/// Labels for a `log10(y)` axis: the decades, and also 2, 3 and 5 × the decade when less
/// than two decades are visible (otherwise a curve within one decade would have no label at
/// all), every 2…9 × the decade below half a decade. (Labelling all of 2…9 over two decades
/// piles the labels onto each other near the top of each decade.)
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
    let mantissa = 10f64.powf(mark.value - mark.value.floor()).round();
    if span < 0.5 || (span < 2.0 && [2.0, 3.0, 5.0].contains(&mantissa)) {
        let v = 10f64.powf(mark.value);
        if (1e-3..1e5).contains(&v) {
            let s = format!("{v:.3}");
            s.trim_end_matches('0').trim_end_matches('.').to_owned()
        } else {
            format!("{v:.1e}")
        }
    } else {
        String::new()
    }
}

/// Grid lines at every decade, and at 2…9 × the decade when few decades are visible.
#[expect(
    clippy::needless_pass_by_value,
    reason = "the signature egui_plot's grid spacer takes"
)]
pub fn log_grid(input: GridInput) -> Vec<GridMark> {
    let (lo, hi) = input.bounds;
    if !(lo.is_finite() && hi.is_finite()) {
        return Vec::new();
    }
    let span = hi - lo;
    let step = if span > 40.0 {
        (span / 20.0).ceil()
    } else {
        1.0
    };
    let mut marks = Vec::new();
    let mut k = (lo / step).floor() * step;
    while k <= hi.ceil() {
        marks.push(GridMark {
            value: k,
            step_size: step,
        });
        if span < 6.0 {
            for m in 2..10 {
                let v = k + f64::from(m).log10();
                if v >= lo && v <= hi {
                    marks.push(GridMark {
                        value: v,
                        step_size: 0.3,
                    });
                }
            }
        }
        k += step;
    }
    marks.retain(|m| m.value >= lo && m.value <= hi);
    marks
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
