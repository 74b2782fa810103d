//! The task part of a run's configuration: plain data, read from RON presets, turned into a
//! [`Task`] by [`TaskConfig::build`], which checks every setting.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::Task;
use super::adding::Adding;
use super::copy::CopyTask;
use super::csv::{CsvSeries, CsvSettings, DEFAULT_HELD_OUT, DEFAULT_SEQ_LEN, Missing, Normalize};
use super::csv_file::{Column, Delimiter, HeaderRow};
use super::digits::{Digits, PixelOrder};
use super::error::TaskError;
use super::parity::Parity;
use super::reber::Reber;
use super::sine::{Series, Sine};
use super::temporal_order::TemporalOrder;
use super::text::Text;

/// Which task a run trains on, with its settings. Every setting has a default, so a preset can
/// write `adding()` or `copy(delay: 50)` (variant names in snake case); a misspelt setting is an error, not a silent default.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum TaskConfig {
    /// The adding problem ([`Adding`]); `seq_len` T ≥ 2.
    Adding {
        #[serde(default = "default_100")]
        seq_len: usize,
    },
    /// The copy task ([`CopyTask`]); `delay` T ≥ 1, sequences are T + 20 long.
    Copy {
        #[serde(default = "default_100")]
        delay: usize,
    },
    /// Temporal order, exp. 6a ([`TemporalOrder`]); `length` L ≥ 20, sequences U[L, 1.1L].
    TemporalOrder {
        #[serde(default = "default_100")]
        length: usize,
    },
    /// Embedded Reber grammar ([`Reber`]).
    Reber,
    /// Parity of a bit stream ([`Parity`]): at every step, or only at the end.
    Parity {
        #[serde(default = "default_50")]
        seq_len: usize,
        #[serde(default)]
        at_end: bool,
    },
    /// Next-value prediction of a noisy series ([`Sine`]).
    Sine {
        #[serde(default = "default_100")]
        seq_len: usize,
        #[serde(default)]
        series: Series,
        /// Standard deviation of the Gaussian observation noise.
        #[serde(default = "default_noise")]
        noise: f64,
    },
    /// 8×8 digits, row by row or pixel by pixel ([`Digits`]).
    Digits {
        #[serde(default)]
        order: PixelOrder,
    },
    /// Character-level language model ([`Text`]) on the bundled sonnets or a UTF-8 file.
    Text {
        #[serde(default = "default_50")]
        seq_len: usize,
        /// A UTF-8 text file; `None` is the bundled Shakespeare's Sonnets. A relative path is
        /// read from the working directory (a preset loader may resolve it against the
        /// preset's folder before building).
        #[serde(default)]
        path: Option<PathBuf>,
    },
    /// Forecasting a column of a CSV file ([`CsvSeries`]) or of the bundled Mauna Loa CO2
    /// series: windows of `seq_len` rows, the target `horizon` rows after a window's last.
    Csv {
        /// The CSV file; `None` is the bundled Mauna Loa weekly CO2 record. A relative path is
        /// read from the working directory.
        #[serde(default)]
        path: Option<PathBuf>,
        /// The SHA-256 (64 hex digits) the file must have: a file that changed is refused with
        /// a message saying so. A run fills it in ([`Task::pinned_config`]).
        #[serde(default)]
        sha256: Option<String>,
        #[serde(default)]
        delimiter: Delimiter,
        #[serde(default)]
        header: HeaderRow,
        /// The predicted column, by header name (`"co2"`) or 0-based index; `None` is the
        /// last column that holds numbers.
        #[serde(default)]
        target: Option<Column>,
        /// The columns fed to the network at each step; empty is the target alone.
        #[serde(default)]
        inputs: Vec<Column>,
        #[serde(default = "default_csv_seq_len")]
        seq_len: usize,
        #[serde(default = "default_1")]
        horizon: usize,
        #[serde(default)]
        normalize: Normalize,
        /// The last fraction of the rows, held out.
        #[serde(default = "default_held_out")]
        held_out: f64,
        #[serde(default)]
        missing: Missing,
    },
}

fn default_100() -> usize {
    100
}

fn default_50() -> usize {
    50
}

fn default_1() -> usize {
    1
}

fn default_csv_seq_len() -> usize {
    DEFAULT_SEQ_LEN
}

fn default_held_out() -> f64 {
    DEFAULT_HELD_OUT
}

fn default_noise() -> f64 {
    0.05
}

impl Default for TaskConfig {
    fn default() -> Self {
        Self::Adding {
            seq_len: default_100(),
        }
    }
}

impl TaskConfig {
    /// The task's name, as [`Task::name`] and the presets spell it.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Adding { .. } => "adding",
            Self::Copy { .. } => "copy",
            Self::TemporalOrder { .. } => "temporal_order",
            Self::Reber => "reber",
            Self::Parity { .. } => "parity",
            Self::Sine { .. } => "sine",
            Self::Digits { .. } => "digits",
            Self::Text { .. } => "text",
            Self::Csv { .. } => "csv",
        }
    }

    /// Every task with its default settings, both series of `sine`, in the order of the
    /// `bptt-lab tasks` table.
    pub fn all_defaults() -> Vec<Self> {
        vec![
            Self::Adding {
                seq_len: default_100(),
            },
            Self::Copy {
                delay: default_100(),
            },
            Self::TemporalOrder {
                length: default_100(),
            },
            Self::Reber,
            Self::Parity {
                seq_len: default_50(),
                at_end: false,
            },
            Self::Sine {
                seq_len: default_100(),
                series: Series::Sines,
                noise: default_noise(),
            },
            Self::Sine {
                seq_len: default_100(),
                series: Series::MackeyGlass,
                noise: default_noise(),
            },
            Self::Digits {
                order: PixelOrder::Rows,
            },
            Self::Text {
                seq_len: default_50(),
                path: None,
            },
            Self::from_csv_settings(CsvSettings::default()),
        ]
    }

    /// The text task's window length when none is given.
    pub const DEFAULT_TEXT_SEQ_LEN: usize = 50;

    /// The csv task with `settings`.
    pub fn from_csv_settings(settings: CsvSettings) -> Self {
        let CsvSettings {
            path,
            sha256,
            delimiter,
            header,
            target,
            inputs,
            seq_len,
            horizon,
            normalize,
            held_out,
            missing,
        } = settings;
        Self::Csv {
            path,
            sha256,
            delimiter,
            header,
            target,
            inputs,
            seq_len,
            horizon,
            normalize,
            held_out,
            missing,
        }
    }

    /// The settings of a csv task; `None` for the other tasks.
    pub fn csv_settings(&self) -> Option<CsvSettings> {
        match self {
            Self::Csv {
                path,
                sha256,
                delimiter,
                header,
                target,
                inputs,
                seq_len,
                horizon,
                normalize,
                held_out,
                missing,
            } => Some(CsvSettings {
                path: path.clone(),
                sha256: sha256.clone(),
                delimiter: *delimiter,
                header: *header,
                target: target.clone(),
                inputs: inputs.clone(),
                seq_len: *seq_len,
                horizon: *horizon,
                normalize: *normalize,
                held_out: *held_out,
                missing: *missing,
            }),
            _ => None,
        }
    }

    /// The settings in one line, e.g. `seq_len = 100` or `series = mackey_glass, seq_len = 100,
    /// noise = 0.05`.
    pub fn settings(&self) -> String {
        match self {
            Self::Adding { seq_len } => format!("seq_len = {seq_len}"),
            Self::Copy { delay } => format!("delay = {delay}"),
            Self::TemporalOrder { length } => format!("length = {length}"),
            Self::Reber => String::new(),
            Self::Parity { seq_len, at_end } => format!("seq_len = {seq_len}, at_end = {at_end}"),
            Self::Sine {
                seq_len,
                series,
                noise,
            } => format!(
                "series = {}, seq_len = {seq_len}, noise = {noise}",
                series.name()
            ),
            Self::Digits { order } => format!("order = {}", order.name()),
            Self::Text { seq_len, path } => match path {
                Some(p) => format!("seq_len = {seq_len}, path = {}", p.display()),
                None => format!("seq_len = {seq_len}, sonnets"),
            },
            Self::Csv {
                path,
                target,
                inputs,
                seq_len,
                horizon,
                normalize,
                held_out,
                missing,
                ..
            } => {
                let file = path
                    .as_ref()
                    .map_or_else(|| "co2 weekly".to_owned(), |p| p.display().to_string());
                let target = target
                    .as_ref()
                    .map_or_else(|| "last numeric".to_owned(), ToString::to_string);
                let inputs = if inputs.is_empty() {
                    String::new()
                } else {
                    let list: Vec<String> = inputs.iter().map(ToString::to_string).collect();
                    format!(", inputs = [{}]", list.join(", "))
                };
                format!(
                    "{file}, target = {target}{inputs}, seq_len = {seq_len}, horizon = {horizon}, \
                     {}, held_out = {held_out}, missing = {}",
                    normalize.name(),
                    missing.name()
                )
            }
        }
    }

    /// Checks the settings and builds the task (for `text` and `csv`, reads the file).
    pub fn build(&self) -> Result<Box<dyn Task>, TaskError> {
        Ok(match self {
            Self::Adding { seq_len } => Box::new(Adding::new(*seq_len)?),
            Self::Copy { delay } => Box::new(CopyTask::new(*delay)?),
            Self::TemporalOrder { length } => Box::new(TemporalOrder::new(*length)?),
            Self::Reber => Box::new(Reber::new()),
            Self::Parity { seq_len, at_end } => Box::new(Parity::new(*seq_len, *at_end)?),
            Self::Sine {
                seq_len,
                series,
                noise,
            } => Box::new(Sine::new(*seq_len, *series, *noise)?),
            Self::Digits { order } => Box::new(Digits::new(*order)),
            Self::Text { seq_len, path } => Box::new(match path {
                Some(p) => Text::from_file(p, *seq_len)?,
                None => Text::sonnets(*seq_len)?,
            }),
            Self::Csv { .. } => Box::new(CsvSeries::new(
                self.csv_settings().expect("a csv config has csv settings"),
            )?),
        })
    }
}
