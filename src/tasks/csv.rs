//! Forecasting a series of the user's own: a CSV file (or the bundled Mauna Loa weekly CO2
//! record, [`CO2_WEEKLY`]), its input column(s) and target column, read by
//! [`super::csv_file`].
//!
//! ## Windows
//!
//! The file's data rows, in file order, are the time steps. The first `1 − held_out` of them
//! (rounded down) are the training part, the rest the held-out part. A window starting at row
//! s has T = `seq_len` input steps, rows s..s+T−1 (I = the number of input columns: each step
//! is one row's inputs), and one target: the target column at row s+T−1+h, h = `horizon`
//! (O = 1, `mse_last`). With no input columns given, the input is the target column itself,
//! and h = 1 is "predict the next value from the last T". A window uses T + h rows, all in one
//! part: training windows end before the held-out part starts, held-out windows start at or
//! after it, so no window crosses the split. Training batches draw windows uniformly from the
//! training windows; the evaluation set is every held-out window once, in order (evenly
//! spaced ones when it holds fewer sequences than there are held-out windows), so the
//! held-out loss and the baselines are computed on the same windows.
//!
//! ## Normalization
//!
//! Each used column is scaled with statistics of its observed values in the training rows
//! only (never the held-out part): `z_score` subtracts the mean and divides by the standard
//! deviation (population), `min_max` maps the training minimum to 0 and maximum to 1. The
//! network sees and predicts scaled values; the loss is the MSE of the scaled target. The
//! offset and scale of every column are in the run's `summary.json` (`task.data`), so a
//! prediction p maps back to the file's units as `p · scale + offset`.
//!
//! ## Missing values
//!
//! Empty fields and `NA`, `N/A`, `NaN`, `null` are missing. `missing` says what happens:
//!
//! - `refuse`: any missing value in a used column is an error naming its line and column.
//! - `skip`: windows whose inputs, target or last target value (the persistence forecast)
//!   hold a missing value are not used.
//! - `interpolate` (the default): missing inputs are filled linearly between the nearest
//!   observed values of the same part (the nearest one at a part's ends, so nothing crosses
//!   the split); a window whose *target* was missing is not used, so the model is never
//!   trained or scored against an invented value.
//!
//! Interpolation is the default because real series have gaps: the CO2 record misses 59
//! weeks, mostly in its first nine years; skipping would drop every window that overlaps one
//! (at T = 104 more than a third of the training windows), refusing would reject the file,
//! while filling changes inputs only, and only where nothing was measured.
//!
//! ## Baselines
//!
//! Two forecasts that need no learning, both on exactly the held-out windows, each as the MSE
//! in the loss's (scaled) units and as RMSE and MAE in the file's units:
//!
//! - persistence, "next = last": the target column's value at the window's last row s+T−1
//!   (the interpolated value where it was missing), the loss's baseline line;
//! - the training mean: the mean of the target's observed training values.
//!
//! ## Metric and solved
//!
//! The metric is the RMSE in the file's units (`sqrt(mse) · scale`); solved means beating
//! persistence: an RMSE below the persistence forecast's.

mod preview;

use std::path::PathBuf;

use ndarray::{Array2, Array3};
use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::config::TaskConfig;
use super::csv_file::{CO2_ORIGIN, CsvData, CsvError, ReadOptions, Source, UsedColumn, read_csv};
pub use super::csv_file::{CO2_WEEKLY, Column, Delimiter, HeaderRow};
use super::error::{MAX_SEQ_LEN, check_range};
use super::{Task, TaskError};
use crate::nn::{Batch, LossKind, Target};
pub use preview::{Forecast, MAX_FORECAST_WINDOWS, head_lines};

/// How each used column is scaled (fitted on the training rows).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Normalize {
    /// `(v − mean) / std`.
    #[default]
    ZScore,
    /// `(v − min) / (max − min)`.
    MinMax,
}

impl Normalize {
    /// Name as in configs.
    pub fn name(self) -> &'static str {
        match self {
            Self::ZScore => "z_score",
            Self::MinMax => "min_max",
        }
    }
}

/// What to do with missing values (see the module docs).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Missing {
    Refuse,
    Skip,
    #[default]
    Interpolate,
}

impl Missing {
    /// Name as in configs.
    pub fn name(self) -> &'static str {
        match self {
            Self::Refuse => "refuse",
            Self::Skip => "skip",
            Self::Interpolate => "interpolate",
        }
    }
}

/// Default window length: 52 weeks, one year of the CO2 record.
pub const DEFAULT_SEQ_LEN: usize = 52;

/// Default held-out fraction: the last 20 % of the rows.
pub const DEFAULT_HELD_OUT: f64 = 0.2;

/// The settings of a csv task, as [`TaskConfig::Csv`] holds them.
#[derive(Clone, Debug, PartialEq)]
pub struct CsvSettings {
    /// The file; `None`: the bundled CO2 series.
    pub path: Option<PathBuf>,
    /// The SHA-256 the file must have; `None`: any content.
    pub sha256: Option<String>,
    pub delimiter: Delimiter,
    pub header: HeaderRow,
    /// `None`: the last numeric column.
    pub target: Option<Column>,
    /// Empty: the target alone.
    pub inputs: Vec<Column>,
    pub seq_len: usize,
    pub horizon: usize,
    pub normalize: Normalize,
    /// Fraction of the rows (from the end) held out.
    pub held_out: f64,
    pub missing: Missing,
}

impl Default for CsvSettings {
    fn default() -> Self {
        Self {
            path: None,
            sha256: None,
            delimiter: Delimiter::Auto,
            header: HeaderRow::Auto,
            target: None,
            inputs: Vec::new(),
            seq_len: DEFAULT_SEQ_LEN,
            horizon: 1,
            normalize: Normalize::ZScore,
            held_out: DEFAULT_HELD_OUT,
            missing: Missing::Interpolate,
        }
    }
}

impl CsvSettings {
    /// These settings on another file (`None`: the bundled series): the window, horizon,
    /// scaling, held-out part and missing-value policy kept; the columns, layout and hash
    /// are the new file's own (found again).
    #[must_use]
    pub fn on_file(&self, path: Option<PathBuf>) -> Self {
        Self {
            path,
            seq_len: self.seq_len,
            horizon: self.horizon,
            normalize: self.normalize,
            held_out: self.held_out,
            missing: self.missing,
            ..Self::default()
        }
    }
}

/// The affine map of one column: scaled = (v − offset) / scale.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Scaling {
    pub offset: f64,
    pub scale: f64,
}

impl Scaling {
    fn apply(self, v: f64) -> f64 {
        (v - self.offset) / self.scale
    }
}

/// A forecast's errors on the held-out windows.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Scores {
    /// MSE of the scaled values: the loss's units.
    pub mse: f64,
    /// RMSE in the file's units.
    pub rmse: f64,
    /// Mean absolute error in the file's units.
    pub mae: f64,
}

/// Forecasting a column of a CSV file.
#[derive(Clone, Debug)]
pub struct CsvSeries {
    settings: CsvSettings,
    origin: String,
    sha256: String,
    /// The header's names, if the file has a header row.
    header: Option<Vec<String>>,
    /// The file's first lines as written ([`preview::head_lines`]).
    head: Vec<String>,
    target: UsedColumn,
    inputs: Vec<UsedColumn>,
    /// Rows × inputs, scaled, row-major; NaN where missing and not filled.
    x: Vec<f64>,
    /// The target, scaled; NaN where it was missing (never filled).
    y: Vec<f64>,
    rows: usize,
    split: usize,
    train_starts: Vec<usize>,
    eval_starts: Vec<usize>,
    target_scaling: Scaling,
    input_scalings: Vec<Scaling>,
    /// Input channel that holds the target column, if one does.
    target_channel: Option<usize>,
    missing_values: usize,
    filled_values: usize,
    persistence: Scores,
    training_mean: Scores,
    /// The training mean of the target in the file's units.
    mean_value: f64,
}

impl CsvSeries {
    /// Reads the file (or the bundled series) and builds the task; every setting is checked
    /// and every problem of the file named with its line and column.
    pub fn new(settings: CsvSettings) -> Result<Self, TaskError> {
        check_range("csv", "seq_len", settings.seq_len, 1, MAX_SEQ_LEN)?;
        check_range("csv", "horizon", settings.horizon, 1, MAX_SEQ_LEN)?;
        if !(settings.held_out.is_finite() && (0.01..=0.9).contains(&settings.held_out)) {
            return Err(TaskError::setting(
                "csv",
                "held_out",
                settings.held_out,
                "a fraction in 0.01..=0.9 (the last part of the rows)",
            ));
        }
        let options = ReadOptions {
            delimiter: settings.delimiter,
            header: settings.header,
            target: settings.target.clone(),
            inputs: settings.inputs.clone(),
        };
        let source = match &settings.path {
            Some(p) => Source::File(p),
            None => Source::Bytes {
                origin: CO2_ORIGIN,
                bytes: CO2_WEEKLY,
            },
        };
        let data = read_csv(source, &options, settings.sha256.as_deref())?;
        // Read again, 16 KiB at most: the file just parsed, for the app's preview.
        let head = preview::head_lines(source, preview::HEAD_LINES).unwrap_or_default();
        let mut task = Self::from_data(settings, data)?;
        task.head = head;
        Ok(task)
    }

    #[expect(
        clippy::too_many_lines,
        reason = "the steps from rows to windows in order: missing values, scaling, filling, \
                  windows, baselines"
    )]
    fn from_data(settings: CsvSettings, data: CsvData) -> Result<Self, TaskError> {
        let rows = data.lines.len();
        let split = ((rows as f64) * (1.0 - settings.held_out)).floor() as usize;
        let n_in = data.inputs.len();
        let lines = |range: std::ops::Range<usize>| -> String {
            match (
                data.lines.get(range.start),
                data.lines.get(range.end.wrapping_sub(1)),
            ) {
                (Some(a), Some(b)) => format!("lines {a}–{b}"),
                _ => "no rows".to_owned(),
            }
        };

        // Missing values: refused, or counted.
        let mut missing_values = 0;
        let mut seen = Vec::new();
        let columns = std::iter::once((&data.target, &data.target_values))
            .chain(data.inputs.iter().zip(&data.input_values))
            .filter(|(c, _)| {
                let new = !seen.contains(&c.index);
                seen.push(c.index);
                new
            });
        for (column, values) in columns {
            for (k, v) in values.iter().enumerate() {
                if v.is_nan() {
                    if settings.missing == Missing::Refuse {
                        return Err(CsvError::MissingRefused {
                            origin: data.origin.clone(),
                            line: data.lines[k],
                            column: column.describe(),
                        }
                        .into());
                    }
                    missing_values += 1;
                }
            }
        }

        // Scaling, fitted on the observed training values.
        let fit = |column: &UsedColumn, values: &[f64]| -> Result<Scaling, TaskError> {
            fit_scaling(settings.normalize, &values[..split]).ok_or_else(|| {
                CsvError::Constant {
                    origin: data.origin.clone(),
                    column: column.describe(),
                    lines: lines(0..split),
                    normalize: settings.normalize.name(),
                }
                .into()
            })
        };
        let target_scaling = fit(&data.target, &data.target_values)?;
        let input_scalings: Vec<Scaling> = data
            .inputs
            .iter()
            .zip(&data.input_values)
            .map(|(c, v)| fit(c, v))
            .collect::<Result<_, _>>()?;

        // Filled copies (interpolate), scaled.
        let fill = |values: &[f64]| -> Vec<f64> {
            let mut v = values.to_vec();
            if settings.missing == Missing::Interpolate {
                fill_linear(&mut v[..split]);
                fill_linear(&mut v[split..]);
            }
            v
        };
        let mut filled_values = 0;
        let mut x = vec![0.0; rows * n_in];
        for (i, (values, s)) in data.input_values.iter().zip(&input_scalings).enumerate() {
            let filled = fill(values);
            filled_values += values
                .iter()
                .zip(&filled)
                .filter(|(a, b)| a.is_nan() && !b.is_nan())
                .count();
            for (r, v) in filled.iter().enumerate() {
                x[r * n_in + i] = s.apply(*v);
            }
        }
        let y: Vec<f64> = data
            .target_values
            .iter()
            .map(|&v| target_scaling.apply(v))
            .collect();
        let y_last: Vec<f64> = fill(&data.target_values)
            .into_iter()
            .map(|v| target_scaling.apply(v))
            .collect();

        // Windows: T + h rows within one part, all values the window reads present.
        let (t_len, h) = (settings.seq_len, settings.horizon);
        let span = t_len + h;
        let usable = |s: usize| {
            let last = s + t_len - 1;
            !y[last + h].is_nan()
                && !y_last[last].is_nan()
                && x[s * n_in..(last + 1) * n_in].iter().all(|v| !v.is_nan())
        };
        let starts = |lo: usize, hi: usize| -> Vec<usize> {
            if hi < lo + span {
                Vec::new()
            } else {
                (lo..=hi - span).filter(|&s| usable(s)).collect()
            }
        };
        let train_starts = starts(0, split);
        let eval_starts = starts(split, rows);
        if train_starts.is_empty() || eval_starts.is_empty() {
            let rows_short = split < span || rows - split < span;
            return Err(CsvError::TooFewWindows {
                field: if rows_short { "seq_len" } else { "missing" },
                origin: data.origin.clone(),
                rows,
                parts: format!(
                    "{split} for training ({}) and {} held out ({}; held_out = {})",
                    lines(0..split),
                    rows - split,
                    lines(split..rows),
                    settings.held_out
                ),
                windows: format!(
                    "{t_len} + {h} rows within one part, which gives {} training and {} \
                     held-out windows",
                    train_starts.len(),
                    eval_starts.len()
                ),
                why: if rows_short {
                    "a part has fewer rows than one window needs: use a shorter seq_len or \
                     horizon, more rows, or another held_out"
                } else {
                    "every window of a part holds a missing value: use missing: interpolate"
                },
            }
            .into());
        }

        let target_channel = data
            .inputs
            .iter()
            .position(|c| c.index == data.target.index);
        let observed_train: Vec<f64> = data.target_values[..split]
            .iter()
            .copied()
            .filter(|v| !v.is_nan())
            .collect();
        let mean_value = observed_train.iter().sum::<f64>() / observed_train.len() as f64;
        let score = |forecast: &dyn Fn(usize) -> f64| -> Scores {
            let (mut se, mut ae) = (0.0, 0.0);
            for &s in &eval_starts {
                let d = forecast(s) - y[s + t_len - 1 + h];
                se += d * d;
                ae += d.abs();
            }
            let n = eval_starts.len() as f64;
            Scores {
                mse: se / n,
                rmse: (se / n).sqrt() * target_scaling.scale,
                mae: ae / n * target_scaling.scale,
            }
        };
        let persistence = score(&|s| y_last[s + t_len - 1]);
        let mean_scaled = target_scaling.apply(mean_value);
        let training_mean = score(&|_| mean_scaled);

        let mut settings = settings;
        settings.sha256 = Some(data.sha256.clone());
        Ok(Self {
            settings,
            origin: data.origin,
            sha256: data.sha256,
            header: data.header,
            head: Vec::new(),
            target: data.target,
            inputs: data.inputs,
            x,
            y,
            rows,
            split,
            train_starts,
            eval_starts,
            target_scaling,
            input_scalings,
            target_channel,
            missing_values,
            filled_values,
            persistence,
            training_mean,
            mean_value,
        })
    }

    /// The settings with the file's SHA-256 filled in.
    pub fn settings(&self) -> &CsvSettings {
        &self.settings
    }

    /// The file's path, or the bundled series' name.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// SHA-256 of the file, 64 lowercase hex digits.
    pub fn sha256(&self) -> &str {
        &self.sha256
    }

    /// The target column.
    pub fn target(&self) -> &UsedColumn {
        &self.target
    }

    /// The input columns.
    pub fn inputs(&self) -> &[UsedColumn] {
        &self.inputs
    }

    /// Number of data rows and of training rows (the held-out part starts at that row).
    pub fn rows_and_split(&self) -> (usize, usize) {
        (self.rows, self.split)
    }

    /// First row of every training window.
    pub fn train_starts(&self) -> &[usize] {
        &self.train_starts
    }

    /// First row of every held-out window.
    pub fn eval_starts(&self) -> &[usize] {
        &self.eval_starts
    }

    /// How the target is scaled (fitted on the training rows).
    pub fn target_scaling(&self) -> Scaling {
        self.target_scaling
    }

    /// How each input column is scaled.
    pub fn input_scalings(&self) -> &[Scaling] {
        &self.input_scalings
    }

    /// The persistence forecast's errors on the held-out windows.
    pub fn persistence(&self) -> Scores {
        self.persistence
    }

    /// The training mean's errors on the held-out windows.
    pub fn training_mean(&self) -> Scores {
        self.training_mean
    }

    /// Missing values in the used columns, and how many input values were filled.
    pub fn missing_and_filled(&self) -> (usize, usize) {
        (self.missing_values, self.filled_values)
    }

    /// A scaled target value in the file's units.
    pub fn to_original(&self, scaled: f64) -> f64 {
        scaled * self.target_scaling.scale + self.target_scaling.offset
    }

    /// Input column `i` after the missing-value policy, in the file's units (NaN where a
    /// value is missing and not filled).
    pub fn input_column(&self, i: usize) -> Vec<f64> {
        let n_in = self.inputs.len();
        let s = self.input_scalings[i];
        (0..self.rows)
            .map(|r| self.x[r * n_in + i] * s.scale + s.offset)
            .collect()
    }

    /// The windows starting at `starts` (rows from [`Self::train_starts`] or
    /// [`Self::eval_starts`]) as a batch, in order: for plotting predictions against the
    /// data.
    pub fn window_batch(&self, starts: &[usize]) -> Batch<f64> {
        self.windows(starts.iter().copied())
    }

    /// The windows starting at `starts` as a batch: inputs rows s..s+T−1, target row
    /// s+T−1+h.
    fn windows(&self, starts: impl ExactSizeIterator<Item = usize>) -> Batch<f64> {
        let (t_len, n_in) = (self.settings.seq_len, self.inputs.len());
        let b_len = starts.len();
        let mut x = Array3::zeros((t_len, b_len, n_in));
        let mut y = Array2::zeros((b_len, 1));
        for (b, s) in starts.enumerate() {
            for t in 0..t_len {
                for i in 0..n_in {
                    x[[t, b, i]] = self.x[(s + t) * n_in + i];
                }
            }
            y[[b, 0]] = self.y[s + t_len - 1 + self.settings.horizon];
        }
        Batch {
            x,
            target: Target::Last(y),
        }
    }

    /// The run's record of the data: file, hash, columns, split, scaling, baselines.
    fn summary_json(&self) -> serde_json::Value {
        let column = |c: &UsedColumn, s: Scaling| json!({ "index": c.index, "name": c.name, "offset": s.offset, "scale": s.scale });
        let (t_len, h) = (self.settings.seq_len, self.settings.horizon);
        json!({
            "file": self.origin,
            "sha256": self.sha256,
            "rows": self.rows,
            "train_rows": self.split,
            "held_out_rows": self.rows - self.split,
            "train_windows": self.train_starts.len(),
            "held_out_windows": self.eval_starts.len(),
            "seq_len": t_len,
            "horizon": h,
            "normalize": self.settings.normalize.name(),
            "original_units": "value = scaled · scale + offset",
            "target": column(&self.target, self.target_scaling),
            "inputs": self.inputs.iter().zip(&self.input_scalings)
                .map(|(c, s)| column(c, *s)).collect::<Vec<_>>(),
            "missing": {
                "policy": self.settings.missing.name(),
                "values": self.missing_values,
                "inputs_filled": self.filled_values,
            },
            "training_mean_value": self.mean_value,
            "baselines_held_out": {
                "persistence": self.persistence,
                "training_mean": self.training_mean,
            },
        })
    }
}

/// The scaling of `values` (NaN = missing) by `kind`; `None` if fewer than two observed values
/// or all equal.
fn fit_scaling(kind: Normalize, values: &[f64]) -> Option<Scaling> {
    let observed: Vec<f64> = values.iter().copied().filter(|v| !v.is_nan()).collect();
    if observed.len() < 2 {
        return None;
    }
    let n = observed.len() as f64;
    let s = match kind {
        Normalize::ZScore => {
            let mean = observed.iter().sum::<f64>() / n;
            let var = observed
                .iter()
                .map(|v| (v - mean) * (v - mean))
                .sum::<f64>()
                / n;
            Scaling {
                offset: mean,
                scale: var.sqrt(),
            }
        }
        Normalize::MinMax => {
            let lo = observed.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = observed.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            Scaling {
                offset: lo,
                scale: hi - lo,
            }
        }
    };
    (s.scale > 0.0 && s.scale.is_finite()).then_some(s)
}

/// Fills NaNs linearly between the nearest observed neighbours; before the first and after
/// the last observed value, with that value. All NaN stays all NaN.
pub fn fill_linear(v: &mut [f64]) {
    let observed: Vec<usize> = (0..v.len()).filter(|&k| !v[k].is_nan()).collect();
    let (Some(&first), Some(&last)) = (observed.first(), observed.last()) else {
        return;
    };
    let (head, tail) = (v[first], v[last]);
    v[..first].fill(head);
    v[last + 1..].fill(tail);
    for pair in observed.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        let (va, vb) = (v[a], v[b]);
        for (k, slot) in v[a + 1..b].iter_mut().enumerate() {
            let w = (k + 1) as f64 / (b - a) as f64;
            *slot = va + w * (vb - va);
        }
    }
}

impl Task for CsvSeries {
    fn name(&self) -> &'static str {
        "csv"
    }

    fn input_size(&self) -> usize {
        self.inputs.len()
    }

    fn output_size(&self) -> usize {
        1
    }

    fn loss_kind(&self) -> LossKind {
        LossKind::MseLast
    }

    fn max_seq_len(&self) -> usize {
        self.settings.seq_len
    }

    /// Windows drawn uniformly from the training windows.
    fn batch(&self, rng: &mut ChaCha8Rng, batch_size: usize) -> Batch<f64> {
        let n = self.train_starts.len();
        let starts: Vec<usize> = (0..batch_size)
            .map(|_| self.train_starts[rng.random_range(0..n)])
            .collect();
        self.windows(starts.into_iter())
    }

    /// Every held-out window once, in order; evenly spaced ones if `batch_size` is smaller.
    fn evaluation_batch(&self, _rng: &mut ChaCha8Rng, batch_size: usize) -> Batch<f64> {
        let w = self.eval_starts.len();
        let n = batch_size.min(w);
        self.windows((0..n).map(|k| self.eval_starts[k * w / n.max(1)]))
    }

    fn baseline(&self) -> f64 {
        self.persistence.mse
    }

    fn baseline_formula(&self) -> String {
        let (p, m) = (self.persistence, self.training_mean);
        format!(
            "persistence (next = last value) on the {} held-out windows of {}: MSE {:.5} \
             ({}-scaled), RMSE {:.4}, MAE {:.4} in the file's units; the training mean {:.4}: \
             MSE {:.4}, RMSE {:.4}, MAE {:.4}",
            self.eval_starts.len(),
            self.origin,
            p.mse,
            self.settings.normalize.name(),
            p.rmse,
            p.mae,
            self.mean_value,
            m.mse,
            m.rmse,
            m.mae
        )
    }

    fn metric_name(&self) -> &'static str {
        "rmse"
    }

    /// The RMSE of the last step's outputs in the file's units.
    fn metric(&self, batch: &Batch<f64>, outputs: &Array3<f64>) -> f64 {
        let Target::Last(y) = &batch.target else {
            panic!("csv batches have mse_last targets");
        };
        let last = outputs.shape()[0] - 1;
        let b_len = batch.batch_size();
        let se: f64 = (0..b_len)
            .map(|b| {
                let d = outputs[[last, b, 0]] - y[[b, 0]];
                d * d
            })
            .sum();
        (se / b_len as f64).sqrt() * self.target_scaling.scale
    }

    fn metric_baseline(&self) -> Option<f64> {
        Some(self.persistence.rmse)
    }

    fn solved(&self, metric: f64) -> bool {
        metric < self.persistence.rmse
    }

    fn solved_rule(&self) -> String {
        format!(
            "rmse < {:.4}, the persistence forecast's (in the file's units)",
            self.persistence.rmse
        )
    }

    /// Persistence: every step outputs the target column's input value (where the target is
    /// an input).
    fn trivial_outputs(&self, batch: &Batch<f64>) -> Option<Array3<f64>> {
        let c = self.target_channel?;
        let (t_len, b_len, _) = batch.x.dim();
        Some(Array3::from_shape_fn((t_len, b_len, 1), |(t, b, _)| {
            batch.x[[t, b, c]]
        }))
    }

    fn data_summary(&self) -> Option<serde_json::Value> {
        Some(self.summary_json())
    }

    fn csv_series(&self) -> Option<&CsvSeries> {
        Some(self)
    }

    fn pinned_config(&self) -> Option<TaskConfig> {
        Some(TaskConfig::from_csv_settings(self.settings.clone()))
    }
}
