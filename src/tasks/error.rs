//! Why a task cannot be built or used: [`TaskError`], and the range check every task's
//! constructor runs on its settings.

use std::fmt::Display;
use std::path::PathBuf;

/// The longest sequence any task accepts: a batch is `[T, B, I]` floats, and a lab has no use
/// for longer ones.
pub const MAX_SEQ_LEN: usize = 100_000;

/// A task setting that cannot be used, a text or CSV file that cannot be read, or a text
/// sample that cannot be drawn. Messages name the field, the value and what is allowed.
#[derive(Debug, thiserror::Error)]
pub enum TaskError {
    /// A setting out of its range.
    #[error("task.{task}.{field}: {value} is not allowed; allowed: {allowed}")]
    Setting {
        task: &'static str,
        field: &'static str,
        value: String,
        allowed: String,
    },
    /// The text file could not be read.
    #[error("task.text.path: cannot read {}: {source}", .path.display())]
    Unreadable {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The text file is not UTF-8.
    #[error(
        "task.text.path: {} is not UTF-8 text (invalid bytes at byte offset {offset}); allowed: a UTF-8 text file",
        .path.display()
    )]
    NotUtf8 { path: PathBuf, offset: usize },
    /// The text is too short for the windows: it needs `seq_len + 1` characters in the
    /// training part and in the held-out part.
    #[error(
        "task.text.path: {origin} has {chars} characters; seq_len {seq_len} needs at least {needed}"
    )]
    CorpusTooShort {
        origin: String,
        chars: usize,
        seq_len: usize,
        needed: usize,
    },
    /// The text has more distinct characters than a one-hot model can take.
    #[error(
        "task.text.path: {origin} has {distinct} distinct characters; allowed: at most \
         {max} (each is an input and an output of the model)"
    )]
    VocabTooLarge {
        origin: String,
        distinct: usize,
        max: usize,
    },
    /// The csv task's file cannot be used: unreadable, too large, changed, or a field that is
    /// not what the settings need (the message names the line and the column).
    /// (Boxed: its variants carry the file, the line and the column.)
    #[error(transparent)]
    Csv(Box<super::csv_file::CsvError>),
    /// A character of the seed text is not in the corpus's vocabulary.
    #[error("text sample: seed character {ch:?} is not in the corpus vocabulary")]
    UnknownChar { ch: char },
    /// The sampling temperature is negative or not finite.
    #[error("text sample: temperature {0} is not allowed; allowed: finite and ≥ 0 (0 = greedy)")]
    Temperature(f64),
    /// The model's sizes do not fit the task.
    #[error(
        "text sample: the model has input {model_input}, output {model_output}; the task needs \
         input {input}, output {output}"
    )]
    ModelMismatch {
        input: usize,
        output: usize,
        model_input: usize,
        model_output: usize,
    },
}

impl From<super::csv_file::CsvError> for TaskError {
    fn from(e: super::csv_file::CsvError) -> Self {
        Self::Csv(Box::new(e))
    }
}

impl TaskError {
    /// A [`TaskError::Setting`].
    pub fn setting(
        task: &'static str,
        field: &'static str,
        value: impl Display,
        allowed: impl Into<String>,
    ) -> Self {
        Self::Setting {
            task,
            field,
            value: value.to_string(),
            allowed: allowed.into(),
        }
    }
}

/// Checks `lo ≤ value ≤ hi` for an integer setting.
pub(crate) fn check_range(
    task: &'static str,
    field: &'static str,
    value: usize,
    lo: usize,
    hi: usize,
) -> Result<(), TaskError> {
    if (lo..=hi).contains(&value) {
        Ok(())
    } else {
        Err(TaskError::setting(
            task,
            field,
            value,
            format!("{lo}..={hi}"),
        ))
    }
}
