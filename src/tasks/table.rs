//! The rows of `bptt-lab tasks`: every task with its default settings, sizes, loss, metric and
//! the baseline behind the horizontal line under its loss curve.

use std::fmt::Write as _;

use super::{TaskConfig, TaskError};
use crate::nn::LossKind;

/// One row of the task table.
#[derive(Clone, Debug, PartialEq)]
pub struct TaskRow {
    /// The task's name (`adding`, `copy`, …).
    pub name: &'static str,
    /// Its settings in one line (`seq_len = 100`).
    pub settings: String,
    pub input_size: usize,
    pub output_size: usize,
    pub loss: LossKind,
    pub metric: &'static str,
    /// The baseline of the loss, for these settings.
    pub baseline: f64,
    /// How that baseline comes about.
    pub baseline_formula: String,
    /// The metric of the trivial predictor, where it has a simple value.
    pub metric_baseline: Option<f64>,
    /// What "solved" means.
    pub solved: String,
}

/// The rows for `configs`, building each task.
pub fn task_rows(configs: &[TaskConfig]) -> Result<Vec<TaskRow>, TaskError> {
    configs
        .iter()
        .map(|config| {
            let task = config.build()?;
            Ok(TaskRow {
                name: task.name(),
                settings: config.settings(),
                input_size: task.input_size(),
                output_size: task.output_size(),
                loss: task.loss_kind(),
                metric: task.metric_name(),
                baseline: task.baseline(),
                baseline_formula: task.baseline_formula(),
                metric_baseline: task.metric_baseline(),
                solved: task.solved_rule(),
            })
        })
        .collect()
}

/// The rows of every task at its default settings ([`TaskConfig::all_defaults`]).
pub fn task_table() -> Result<Vec<TaskRow>, TaskError> {
    task_rows(&TaskConfig::all_defaults())
}

/// The rows as an aligned plain-text table, one line per task, then each task's baseline
/// formula and its "solved" rule.
pub fn format_task_table(rows: &[TaskRow]) -> String {
    let header = [
        "task",
        "settings",
        "I",
        "O",
        "loss",
        "metric",
        "baseline",
        "metric@base",
    ];
    let cells: Vec<[String; 8]> = rows
        .iter()
        .map(|r| {
            [
                r.name.to_owned(),
                if r.settings.is_empty() {
                    "—".to_owned()
                } else {
                    r.settings.clone()
                },
                r.input_size.to_string(),
                r.output_size.to_string(),
                r.loss.name().to_owned(),
                r.metric.to_owned(),
                format!("{:.4}", r.baseline),
                r.metric_baseline
                    .map_or_else(|| "—".to_owned(), |m| format!("{m:.4}")),
            ]
        })
        .collect();
    let width = |k: usize| {
        cells
            .iter()
            .map(|c| c[k].chars().count())
            .chain([header[k].chars().count()])
            .max()
            .unwrap_or(0)
    };
    let widths: Vec<usize> = (0..header.len()).map(width).collect();
    let numeric = [false, false, true, true, false, false, true, true];
    let mut out = String::new();
    let mut line = |cols: &[String]| {
        let mut text = String::new();
        for (k, col) in cols.iter().enumerate() {
            let pad = widths[k] - col.chars().count();
            if k > 0 {
                text.push_str("  ");
            }
            if numeric[k] {
                text.push_str(&" ".repeat(pad));
                text.push_str(col);
            } else {
                text.push_str(col);
                text.push_str(&" ".repeat(pad));
            }
        }
        out.push_str(text.trim_end());
        out.push('\n');
    };
    line(&header.map(str::to_owned));
    for c in &cells {
        line(c);
    }
    out.push('\n');
    for r in rows {
        // Tasks listed twice (sine with both series) say which row they are.
        let shared = rows.iter().filter(|o| o.name == r.name).count() > 1;
        let label = if shared {
            format!("{} ({})", r.name, r.settings)
        } else {
            r.name.to_owned()
        };
        let _ = writeln!(
            out,
            "{label}: baseline {}; solved when {}",
            r.baseline_formula, r.solved
        );
    }
    out
}
