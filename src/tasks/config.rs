//! The task part of a run's configuration: plain data, read from RON presets, turned into a
//! [`Task`] by [`TaskConfig::build`], which checks every setting.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::Task;
use super::adding::Adding;
use super::copy::CopyTask;
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
}

fn default_100() -> usize {
    100
}

fn default_50() -> usize {
    50
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
        ]
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
        }
    }

    /// Checks the settings and builds the task (for `text`, reads the file).
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
        })
    }
}
