//! What the app shows of a csv task: the file's first lines as written, the target column in
//! the file's units with the split marked, and a trained model's forecast of the held-out
//! windows against the data and the persistence forecast.

use std::io::Read;

use ndarray::s;

use super::{CsvSeries, fill_linear};
use crate::nn::{Engine, InitialState, Model, Reduction, Scalar};
use crate::tasks::TaskError;
use crate::tasks::csv_file::{CsvError, Source};

/// Lines of the file the app previews.
pub const HEAD_LINES: usize = 8;

/// Bytes read from the start of a file for its first lines.
const HEAD_BYTES: usize = 16 * 1024;

/// Characters kept of a line in the preview (a line of a wide file is cut, with `…`).
const HEAD_LINE_CHARS: usize = 160;

/// Held-out windows a forecast computes at most; above it, evenly spaced ones.
pub const MAX_FORECAST_WINDOWS: usize = 20_000;

/// Windows run through the model at once.
const FORECAST_CHUNK: usize = 256;

/// A trained model's forecast of the held-out windows, in the file's units.
#[derive(Clone, Debug, PartialEq)]
pub struct Forecast {
    /// The data row each forecast is for (the window's last row + horizon), increasing.
    pub rows: Vec<usize>,
    /// The target's value at those rows.
    pub actual: Vec<f64>,
    /// The model's forecasts.
    pub predicted: Vec<f64>,
    /// The persistence forecast (the target's last value in the window).
    pub persistence: Vec<f64>,
    /// The model's RMSE and MAE over these windows.
    pub rmse: f64,
    pub mae: f64,
    /// Held-out windows in all (more than `rows.len()` when only some were computed).
    pub windows: usize,
}

impl CsvSeries {
    /// The header's names, if the file has a header row.
    pub fn header(&self) -> Option<&[String]> {
        self.header.as_deref()
    }

    /// The file's first lines as written (a BOM left out, long lines cut).
    pub fn head(&self) -> &[String] {
        &self.head
    }

    /// The target column in the file's units, one value per data row (NaN where missing).
    pub fn target_column(&self) -> Vec<f64> {
        self.y.iter().map(|&v| self.to_original(v)).collect()
    }

    /// Runs `model` (trained on this task) over the held-out windows, all of them or, above
    /// [`MAX_FORECAST_WINDOWS`], that many evenly spaced, from a zero state as evaluation does.
    pub fn forecast<F: Scalar>(&self, model: &Model<F>) -> Result<Forecast, TaskError> {
        let n_in = self.inputs.len();
        if model.dims.input != n_in || model.dims.output != 1 {
            return Err(TaskError::ModelMismatch {
                input: n_in,
                output: 1,
                model_input: model.dims.input,
                model_output: model.dims.output,
            });
        }
        let all = &self.eval_starts;
        let stride = all.len().div_ceil(MAX_FORECAST_WINDOWS).max(1);
        let starts: Vec<usize> = all.iter().copied().step_by(stride).collect();
        let (t_len, h) = (self.settings.seq_len, self.settings.horizon);
        let mut last = self.y.clone();
        fill_linear(&mut last);
        let mut engine = Engine::new(model.cell, model.dims);
        let mut predicted = Vec::with_capacity(starts.len());
        for chunk in starts.chunks(FORECAST_CHUNK) {
            let batch = self.window_batch(chunk).cast::<F>();
            engine.evaluate(
                &model.params,
                &batch,
                InitialState::default(),
                Reduction::Mean,
            );
            let out = engine.outputs();
            predicted.extend(
                out.slice(s![t_len - 1, .., 0])
                    .iter()
                    .map(|z| self.to_original(z.as_f64())),
            );
        }
        let rows: Vec<usize> = starts.iter().map(|&s| s + t_len - 1 + h).collect();
        let actual: Vec<f64> = rows.iter().map(|&r| self.to_original(self.y[r])).collect();
        let persistence = starts
            .iter()
            .map(|&s| self.to_original(last[s + t_len - 1]))
            .collect();
        let n = rows.len() as f64;
        let (mut se, mut ae) = (0.0, 0.0);
        for (p, a) in predicted.iter().zip(&actual) {
            se += (p - a) * (p - a);
            ae += (p - a).abs();
        }
        Ok(Forecast {
            rows,
            actual,
            predicted,
            persistence,
            rmse: (se / n).sqrt(),
            mae: ae / n,
            windows: all.len(),
        })
    }
}

/// The first `n` lines of a data file as written (a BOM left out, long lines cut), read from
/// at most its first 16 KiB: what the app previews before training.
pub fn head_lines(source: Source<'_>, n: usize) -> Result<Vec<String>, CsvError> {
    let mut bytes = Vec::with_capacity(HEAD_BYTES);
    source
        .open()?
        .take(HEAD_BYTES as u64)
        .read_to_end(&mut bytes)
        .map_err(|e| CsvError::Unreadable {
            path: source.origin().into(),
            source: e,
        })?;
    let text = String::from_utf8_lossy(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes));
    Ok(text
        .lines()
        .take(n)
        .map(|l| {
            if l.chars().count() > HEAD_LINE_CHARS {
                let mut cut: String = l.chars().take(HEAD_LINE_CHARS).collect();
                cut.push('…');
                cut
            } else {
                l.to_owned()
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::head_lines;
    use crate::tasks::csv_file::Source;

    #[test]
    fn head_lines_drop_the_bom_and_cut_long_lines() {
        let long = "x".repeat(500);
        let text = format!("\u{feff}date,value\r\n2020-01-01,1.5\r\n{long}\r\nlast\r\n");
        let lines = head_lines(
            Source::Bytes {
                origin: "mem",
                bytes: text.as_bytes(),
            },
            3,
        )
        .unwrap();
        assert_eq!(lines[0], "date,value");
        assert_eq!(lines[1], "2020-01-01,1.5");
        assert_eq!(lines[2].chars().count(), 161);
        assert!(lines[2].ends_with('…'));
        assert_eq!(lines.len(), 3);
    }
}
