//! A sweep's tables: `points.csv` (what each run is) and `results.csv` (how it went), and
//! reading one run's result back from the files `bptt-lab train` writes. Local sweeps, resume
//! and `--collect` all build a result row the same way, from the run's directory, so they
//! give the same table.
//!
//! `results.csv` has one row per finished run: `run`, one column per axis (named by its key,
//! holding the RON value), then [`RESULT_COLUMNS`]:
//!
//! - `seed`; `steps`: steps done (fewer than asked if the run diverged);
//! - `train_loss`: the last step's training-batch loss; `eval_loss`, `eval_metric`: on the
//!   held-out set at the end (empty if the run diverged);
//! - `steps_to_expect`: the first diagnostics step at which the run's `expect` clause holds
//!   (its threshold, whatever its `by_step`), empty if never or if there is no clause;
//! - `diverged`: `true` or `false`; `wall_secs`: training wall time of the run.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::{SweepError, run_name};
use crate::expect::{Expect, Trace};

/// The columns of `results.csv` after `run` and the axis columns.
pub const RESULT_COLUMNS: [&str; 8] = [
    "seed",
    "steps",
    "train_loss",
    "eval_loss",
    "eval_metric",
    "steps_to_expect",
    "diverged",
    "wall_secs",
];

/// Which run is which: a row of `points.csv`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Point {
    pub index: usize,
    /// One RON value per axis.
    pub values: Vec<String>,
    pub seed: u64,
}

/// One finished run: a row of `results.csv`.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    pub point: Point,
    pub steps: u64,
    pub train_loss: Option<f64>,
    pub eval_loss: Option<f64>,
    pub eval_metric: Option<f64>,
    pub steps_to_expect: Option<u64>,
    pub diverged: bool,
    pub wall_secs: f64,
}

/// One CSV field, quoted when it holds a comma, a quote or a line break.
pub(crate) fn field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

fn line(fields: impl IntoIterator<Item = String>) -> String {
    let mut s = fields
        .into_iter()
        .map(|f| field(&f))
        .collect::<Vec<_>>()
        .join(",");
    s.push('\n');
    s
}

/// Splits one CSV line into fields (quoted as `results.csv` writes them).
pub fn parse_line(line: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            '"' => quoted = !quoted,
            ',' if !quoted => fields.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    fields.push(cur);
    fields
}

fn opt_f64(v: Option<f64>) -> String {
    v.map(|x| format!("{x}")).unwrap_or_default()
}

/// The text of `points.csv`: `run,<keys>,seed`.
pub fn points_csv(keys: &[String], points: &[Point]) -> String {
    let mut text = line(
        std::iter::once("run".to_owned())
            .chain(keys.iter().cloned())
            .chain(std::iter::once("seed".to_owned())),
    );
    for p in points {
        text.push_str(&line(
            std::iter::once(run_name(p.index))
                .chain(p.values.iter().cloned())
                .chain(std::iter::once(p.seed.to_string())),
        ));
    }
    text
}

/// A CSV file of the sweep directory as its header's fields and its non-empty lines after it.
fn read_table(path: &Path) -> Result<(Vec<String>, Vec<String>), SweepError> {
    let bad = |message: String| SweepError::Dir {
        path: path.to_owned(),
        message,
    };
    let text = crate::fsutil::read_text_capped(path, crate::fsutil::CSV_FILE_CAP)
        .map_err(|e| bad(format!("cannot read: {e}")))?;
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let header = parse_line(lines.next().ok_or_else(|| bad("empty file".to_owned()))?);
    Ok((header, lines.map(str::to_owned).collect()))
}

/// Reads `points.csv`: the axis keys and the points, in run order.
pub fn read_points_csv(path: &Path) -> Result<(Vec<String>, Vec<Point>), SweepError> {
    let bad = |message: String| SweepError::Dir {
        path: path.to_owned(),
        message,
    };
    let (header, lines) = read_table(path)?;
    let lines = lines.iter().map(String::as_str);
    let n = header.len();
    if n < 3 || header[0] != "run" || header[n - 1] != "seed" {
        return Err(bad(format!(
            "the header should be run,<axis keys>,seed; it is {}",
            header.join(",")
        )));
    }
    let keys = header[1..n - 1].to_vec();
    let mut points = Vec::new();
    for (i, l) in lines.enumerate() {
        let f = parse_line(l);
        let row_err = |what: &str| bad(format!("row {}: {what}: {l}", i + 1));
        if f.len() != n {
            return Err(row_err(&format!("{} fields, expected {n}", f.len())));
        }
        let index: usize = f[0].parse().map_err(|_| row_err("`run` is not a number"))?;
        if index != i {
            return Err(row_err(&format!("run {index} where run {i} was expected")));
        }
        let seed = f[n - 1]
            .parse()
            .map_err(|_| row_err("`seed` is not a number"))?;
        points.push(Point {
            index,
            values: f[1..n - 1].to_vec(),
            seed,
        });
    }
    Ok((keys, points))
}

/// The text of `results.csv`, rows in run order.
pub fn results_csv(keys: &[String], rows: &[Row]) -> String {
    let mut text = line(
        std::iter::once("run".to_owned())
            .chain(keys.iter().cloned())
            .chain(RESULT_COLUMNS.iter().map(|&c| c.to_owned())),
    );
    for r in rows {
        text.push_str(&line(
            std::iter::once(run_name(r.point.index))
                .chain(r.point.values.iter().cloned())
                .chain([
                    r.point.seed.to_string(),
                    r.steps.to_string(),
                    opt_f64(r.train_loss),
                    opt_f64(r.eval_loss),
                    opt_f64(r.eval_metric),
                    r.steps_to_expect.map(|s| s.to_string()).unwrap_or_default(),
                    r.diverged.to_string(),
                    format!("{:.3}", r.wall_secs),
                ]),
        ));
    }
    text
}

/// Reads a `results.csv` that [`write_results_csv`] wrote for the sweep whose `points.csv`
/// has these keys and points (each row's point is checked against it).
pub fn read_results_csv(
    path: &Path,
    keys: &[String],
    points: &[Point],
) -> Result<Vec<Row>, SweepError> {
    let bad = |message: String| SweepError::Dir {
        path: path.to_owned(),
        message,
    };
    let (header, lines) = read_table(path)?;
    let lines = lines.iter().map(String::as_str);
    let want: Vec<String> = std::iter::once("run".to_owned())
        .chain(keys.iter().cloned())
        .chain(RESULT_COLUMNS.iter().map(|&c| c.to_owned()))
        .collect();
    if header != want {
        return Err(bad(format!(
            "the header should be {}; it is {}",
            want.join(","),
            header.join(",")
        )));
    }
    let k = keys.len();
    let mut rows = Vec::new();
    for (i, l) in lines.enumerate() {
        let f = parse_line(l);
        let row_err = |what: &str| bad(format!("row {}: {what}: {l}", i + 1));
        if f.len() != want.len() {
            return Err(row_err(&format!(
                "{} fields, expected {}",
                f.len(),
                want.len()
            )));
        }
        let num = |s: &str, what: &str| -> Result<Option<f64>, SweepError> {
            if s.is_empty() {
                Ok(None)
            } else {
                s.parse()
                    .map(Some)
                    .map_err(|_| row_err(&format!("`{what}` is not a number")))
            }
        };
        let index: usize = f[0].parse().map_err(|_| row_err("`run` is not a number"))?;
        let point = points
            .get(index)
            .filter(|p| p.values == f[1..=k] && p.seed.to_string() == f[k + 1])
            .ok_or_else(|| row_err("not a run of this sweep's points.csv"))?;
        rows.push(Row {
            point: point.clone(),
            steps: f[k + 2]
                .parse()
                .map_err(|_| row_err("`steps` is not a number"))?,
            train_loss: num(&f[k + 3], "train_loss")?,
            eval_loss: num(&f[k + 4], "eval_loss")?,
            eval_metric: num(&f[k + 5], "eval_metric")?,
            steps_to_expect: match f[k + 6].as_str() {
                "" => None,
                s => Some(
                    s.parse()
                        .map_err(|_| row_err("`steps_to_expect` is not a number"))?,
                ),
            },
            diverged: f[k + 7] == "true",
            wall_secs: num(&f[k + 8], "wall_secs")?.unwrap_or(f64::NAN),
        });
    }
    Ok(rows)
}

/// Writes `results.csv` atomically.
pub fn write_results_csv(path: &Path, keys: &[String], rows: &[Row]) -> Result<(), SweepError> {
    crate::fsutil::write_atomic(path, results_csv(keys, rows).as_bytes())
        .map_err(SweepError::io(path))
}

/// The result of the run in `dir`, read from its `summary.json` (and `diagnostics.csv` or
/// `profile.csv` for the steps to reach `expect`). `None` if the run has not finished (no
/// `summary.json` with an outcome). An error if the files are unreadable or the run trained
/// another setup than `config` (the JSON of the run's [`crate::train::Setup`]).
pub fn read_run(
    dir: &Path,
    point: &Point,
    config: &Value,
    expect: Option<&Expect>,
) -> Result<Option<Row>, SweepError> {
    let summary_path = dir.join("summary.json");
    let bad = |path: PathBuf, message: String| SweepError::Dir { path, message };
    let text = match crate::fsutil::read_text_capped(&summary_path, crate::fsutil::TEXT_FILE_CAP) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(bad(summary_path, format!("cannot read: {e}"))),
    };
    let summary: Value = serde_json::from_str(&text).map_err(|e| {
        bad(
            summary_path.clone(),
            format!(
                "not valid JSON ({e}); run the sweep again to redo this run, or delete \
                     the run's folder"
            ),
        )
    })?;
    // No outcome yet, or not an end (`running`, `stopped`): not a result.
    let Some(outcome) = summary
        .get("outcome")
        .filter(|o| !matches!(o.as_str(), Some("running" | "stopped")))
    else {
        return Ok(None);
    };
    if summary.get("config") != Some(config) {
        return Err(bad(
            summary_path,
            format!(
                "run {} trained another setup than this sweep's point {} (was the sweep \
                 changed since? use another output directory, or delete this run)",
                run_name(point.index),
                run_name(point.index)
            ),
        ));
    }
    let num = |v: Option<&Value>| v.and_then(Value::as_f64);
    let diverged = outcome.get("diverged").is_some();
    let steps = summary
        .get("steps")
        .and_then(Value::as_u64)
        .ok_or_else(|| bad(summary_path.clone(), "no `steps`".to_owned()))?;
    let steps_to_expect = match expect {
        Some(e) => first_step_holding(dir, e, steps, diverged)?,
        None => None,
    };
    Ok(Some(Row {
        point: point.clone(),
        steps,
        train_loss: num(summary.pointer("/final/loss")),
        eval_loss: num(summary.get("eval_loss")),
        eval_metric: num(summary.get("eval_metric")),
        steps_to_expect,
        diverged,
        wall_secs: num(summary.get("elapsed_secs")).unwrap_or(f64::NAN),
    }))
}

/// The first step at which `expect` holds, by the one rule ([`crate::expect::first_step_holding`]),
/// on the run's `diagnostics.csv` and `profile.csv`.
fn first_step_holding(
    dir: &Path,
    expect: &Expect,
    steps: u64,
    diverged: bool,
) -> Result<Option<u64>, SweepError> {
    // A finished run's logs end at its last step; a diverged run's may end before.
    let end = (!diverged).then_some(steps);
    crate::expect::first_step_holding(expect, steps, diverged, |trace| match trace {
        Trace::EvalLoss => diagnostics_column(dir, "eval_loss", end),
        Trace::EvalMetric => diagnostics_column(dir, "eval_metric", end),
        Trace::ProfileRatio => profile_ratios(dir, end),
        Trace::DiagnosticsSteps => diagnostics_column(dir, "step", end),
    })
}

/// An error if the log at `path`, whose last row is at `last`, does not reach `end`.
fn reaches(path: &Path, last: Option<u64>, end: Option<u64>) -> Result<(), SweepError> {
    match (end, last) {
        (Some(end), last) if last.is_none_or(|l| l < end) => Err(SweepError::Dir {
            path: path.to_owned(),
            message: format!(
                "cut short: its last row is at step {} but the run has {end} steps; \
                 run the sweep again to redo this run, or delete the run's folder",
                last.map_or_else(|| "(none)".to_owned(), |l| l.to_string())
            ),
        }),
        _ => Ok(()),
    }
}

fn read_csv(path: &Path) -> Result<(Vec<String>, Vec<Vec<String>>), SweepError> {
    let text = crate::fsutil::read_text_capped(path, crate::fsutil::CSV_FILE_CAP).map_err(|e| {
        SweepError::Dir {
            path: path.to_owned(),
            message: format!("cannot read: {e}"),
        }
    })?;
    // A torn last line (a run killed mid-write) is not a row.
    let complete = text.rfind('\n').map_or("", |i| &text[..=i]);
    let mut lines = complete.lines();
    let header = lines.next().map(parse_line).unwrap_or_default();
    Ok((header, lines.map(parse_line).collect()))
}

fn cell(v: Option<&String>) -> f64 {
    v.and_then(|s| s.parse().ok()).unwrap_or(f64::NAN)
}

/// (step, value of `column`) of every row of `diagnostics.csv`, which must reach step `end`.
fn diagnostics_column(
    dir: &Path,
    column: &str,
    end: Option<u64>,
) -> Result<Vec<(u64, f64)>, SweepError> {
    let path = dir.join("diagnostics.csv");
    let (header, rows) = read_csv(&path)?;
    let find = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| SweepError::Dir {
                path: path.clone(),
                message: format!("no `{name}` column"),
            })
    };
    let (s, c) = (find("step")?, find(column)?);
    let values: Vec<(u64, f64)> = rows
        .iter()
        .filter_map(|r| Some((r.get(s)?.parse().ok()?, cell(r.get(c)))))
        .collect();
    reaches(&path, values.last().map(|v| v.0), end)?;
    Ok(values)
}

/// (step, `g_first / g_last`) of every gradient profile in `profile.csv`, which must reach
/// step `end`. (A profile's length is the batch's sequence length, which varies on some tasks,
/// so a last profile cut at a line end cannot be told from a short one.)
fn profile_ratios(dir: &Path, end: Option<u64>) -> Result<Vec<(u64, f64)>, SweepError> {
    let path = dir.join("profile.csv");
    let (_, rows) = read_csv(&path)?;
    let mut out: Vec<(u64, f64, f64)> = Vec::new();
    for r in rows {
        let (Some(step), g) = (
            r.first().and_then(|s| s.parse::<u64>().ok()),
            cell(r.get(2)),
        ) else {
            continue;
        };
        match out.last_mut() {
            Some(last) if last.0 == step => last.2 = g,
            _ => out.push((step, g, g)),
        }
    }
    reaches(&path, out.last().map(|p| p.0), end)?;
    Ok(out
        .into_iter()
        .map(|(s, first, last)| (s, first / last))
        .collect())
}

/// Means over seeds, per point, as an aligned text table (for the terminal and notes).
pub fn point_table(keys: &[String], rows: &[Row], expect: Option<&Expect>) -> String {
    let mut groups: Vec<(&[String], Vec<&Row>)> = Vec::new();
    for r in rows {
        match groups
            .iter_mut()
            .find(|(v, _)| *v == r.point.values.as_slice())
        {
            Some((_, g)) => g.push(r),
            None => groups.push((&r.point.values, vec![r])),
        }
    }
    let mean = |xs: &[f64]| -> String {
        if xs.is_empty() {
            "-".to_owned()
        } else {
            format!("{:.4}", xs.iter().sum::<f64>() / xs.len() as f64)
        }
    };
    let mut header: Vec<String> = keys.to_vec();
    header.extend(
        [
            "seeds",
            "eval_loss",
            "eval_metric",
            "reached",
            "median steps",
            "diverged",
            "wall_secs",
        ]
        .map(str::to_owned),
    );
    let mut table = vec![header];
    for (values, g) in &groups {
        let collect =
            |f: fn(&Row) -> Option<f64>| g.iter().filter_map(|r| f(r)).collect::<Vec<_>>();
        let mut reached: Vec<u64> = g.iter().filter_map(|r| r.steps_to_expect).collect();
        reached.sort_unstable();
        let mut row: Vec<String> = values.to_vec();
        row.extend([
            g.len().to_string(),
            mean(&collect(|r| r.eval_loss)),
            mean(&collect(|r| r.eval_metric)),
            if expect.is_some() {
                format!("{}/{}", reached.len(), g.len())
            } else {
                "-".to_owned()
            },
            median(&reached).map_or_else(|| "-".to_owned(), |m| format!("{m}")),
            format!("{}/{}", g.iter().filter(|r| r.diverged).count(), g.len()),
            format!("{:.1}", g.iter().map(|r| r.wall_secs).sum::<f64>()),
        ]);
        table.push(row);
    }
    let widths: Vec<usize> = (0..table[0].len())
        .map(|c| {
            table
                .iter()
                .map(|r| r[c].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for row in &table {
        let cells: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        writeln!(out, "{}", cells.join("  ").trim_end()).expect("writing to a String");
    }
    if let Some(e) = expect {
        let clause = e.describe();
        let clause = clause.split(" by step").next().unwrap_or(&clause);
        writeln!(
            out,
            "reached: runs where {clause} held at a diagnostics step; median steps: the first \
             such step, median over those runs; wall_secs: summed over seeds"
        )
        .expect("writing to a String");
    }
    out
}

/// The median of sorted values (the mean of the middle two for an even count).
pub fn median(sorted: &[u64]) -> Option<f64> {
    let n = sorted.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(sorted[n / 2] as f64),
        _ => Some((sorted[n / 2 - 1] + sorted[n / 2]) as f64 / 2.0),
    }
}

#[cfg(test)]
mod tests {
    use super::{field, parse_line};

    #[test]
    fn csv_fields_round_trip() {
        let fields = [
            "a",
            "truncated(k1: 5, k2: 10, mode: accumulate)",
            "say \"hi\"",
            "",
        ];
        let line = fields.map(field).join(",");
        assert_eq!(parse_line(&line), fields);
    }
}
