//! The csv task: every file shape real exports have, every bad file's message (file, line,
//! column, what was expected), the chronological split without leakage, the scaling fitted on
//! the training rows only, the baselines by hand on a tiny file, the config in RON and
//! `--set`, the hash that pins a file, and a short run on the bundled CO2 series that beats
//! the training-mean baseline.
#![expect(
    clippy::float_cmp,
    reason = "values parsed from short decimal literals compare exactly"
)]

mod binary;

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use bptt_lab::nn::{Batch, Target};
use bptt_lab::preset::{Preset, apply_set};
use bptt_lab::tasks::csv_file::{
    CO2_WEEKLY, CsvData, MAX_CSV_BYTES, ReadOptions, Source, read_csv, sha256_hex,
};
use bptt_lab::tasks::{
    Column, CsvSeries, CsvSettings, Delimiter, HeaderRow, Missing, Normalize, Task, TaskConfig,
    eval_rng, evaluation_set, measured_baseline, train_rng,
};
use bptt_lab::train::{EvalConfig, ModelConfig, Setup};

/// A file `name` with `text` in a fresh temporary folder (kept alive by the returned guard).
fn file(text: &[u8]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("series.csv");
    fs::write(&path, text).expect("write");
    (dir, path)
}

fn read(text: &str, options: &ReadOptions) -> CsvData {
    let (_dir, path) = file(text.as_bytes());
    read_csv(Source::File(&path), options, None)
        .unwrap_or_else(|e| panic!("{text:?} should parse: {e}"))
}

fn read_err(text: &str, options: &ReadOptions) -> (String, PathBuf) {
    let (dir, path) = file(text.as_bytes());
    let e = read_csv(Source::File(&path), options, None)
        .map(|d| d.target_values)
        .expect_err("a bad file");
    drop(dir);
    (e.to_string(), path)
}

fn settings(path: &Path) -> CsvSettings {
    CsvSettings {
        path: Some(path.to_owned()),
        ..CsvSettings::default()
    }
}

fn task_err(text: &str, s: CsvSettings) -> String {
    let (_dir, path) = file(text.as_bytes());
    let s = CsvSettings {
        path: Some(path),
        ..s
    };
    CsvSeries::new(s)
        .map(|_| ())
        .expect_err("a bad setup")
        .to_string()
}

/// `n` rows `date,v` with v = f(row) (dates as text, never parsed).
fn series(n: usize, f: impl Fn(usize) -> String) -> String {
    let mut s = String::from("date,v\n");
    for r in 0..n {
        let _ = writeln!(s, "2020-01-{r:03},{}", f(r));
    }
    s
}

fn same(a: &[f64], b: &[f64]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits())
}

// ---------------------------------------------------------------------------------------------
// Shapes of real files.

#[test]
fn a_comma_file_with_a_header_and_a_date_column() {
    let d = read(
        "date,co2\n19580329,316.1\n19580405,317.3\n19580412,\n",
        &ReadOptions::default(),
    );
    assert_eq!(d.delimiter, b',');
    assert_eq!(
        d.header.as_deref(),
        Some(&["date".to_owned(), "co2".to_owned()][..])
    );
    assert_eq!(d.target.index, 1, "the last numeric column");
    assert_eq!(d.target.name.as_deref(), Some("co2"));
    assert_eq!(d.lines, [2, 3, 4]);
    assert_eq!(d.target_values[..2], [316.1, 317.3]);
    assert!(d.target_values[2].is_nan(), "an empty field is missing");
    assert!(
        same(&d.input_values[0], &d.target_values),
        "the target alone"
    );
}

#[test]
fn semicolon_and_tab_files_are_detected_and_text_dates_are_not_parsed() {
    let d = read(
        "Datum;Temperatur;Druck\n2020-01-01;1.5;1013\n2020-01-02;-0.5;1009\n",
        &ReadOptions::default(),
    );
    assert_eq!(d.delimiter, b';');
    assert_eq!(d.target.name.as_deref(), Some("Druck"));
    assert_eq!(d.target_values, [1013.0, 1009.0]);

    let d = read(
        "when\ta\tb\nmonday\t1\t2\ntuesday\t3\t4\n",
        &ReadOptions {
            target: Some(Column::Name("a".into())),
            ..ReadOptions::default()
        },
    );
    assert_eq!(d.delimiter, b'\t');
    assert_eq!(d.target_values, [1.0, 3.0]);
}

#[test]
fn a_file_without_header_is_all_data_and_named_by_index() {
    let d = read(
        "1958-03-29,316.1\n1958-04-05,317.3\n",
        &ReadOptions::default(),
    );
    assert!(d.header.is_none(), "text dates over text dates: no header");
    assert_eq!(d.target.index, 1);
    assert_eq!(d.lines, [1, 2]);
    assert_eq!(d.target_values, [316.1, 317.3]);
    // Numbers only: data too; the header setting forces either reading.
    let d = read("1,2\n3,4\n", &ReadOptions::default());
    assert!(d.header.is_none());
    assert_eq!(d.target_values, [2.0, 4.0]);
    let d = read(
        "1,2\n3,4\n",
        &ReadOptions {
            header: HeaderRow::Present,
            ..ReadOptions::default()
        },
    );
    assert_eq!(
        d.header.as_deref(),
        Some(&["1".to_owned(), "2".to_owned()][..])
    );
    assert_eq!(d.target_values, [4.0]);
}

#[test]
fn quoted_fields_crlf_a_bom_comments_and_blank_lines() {
    let text = "\u{feff}# exported by a logger\r\n\"date\",\"note, with comma\",\"value\"\r\n\
                \"2020-01-01\",\"a \"\"quoted\"\" word\",\"1.5\"\r\n\r\n\
                \"2020-01-02\",\"x;y\",2.5\r\n";
    let d = read(text, &ReadOptions::default());
    assert_eq!(d.delimiter, b',', "commas inside quotes do not count");
    assert_eq!(
        d.header.as_deref(),
        Some(
            &[
                "date".to_owned(),
                "note, with comma".to_owned(),
                "value".to_owned()
            ][..]
        ),
        "the BOM is not part of the first name"
    );
    assert_eq!(d.target.index, 2);
    assert_eq!(d.target_values, [1.5, 2.5], "a quoted number is a number");
    assert_eq!(
        d.lines,
        [3, 5],
        "lines count the comment and the blank line"
    );
    assert_eq!(
        d.sha256,
        sha256_hex(text.as_bytes()),
        "the hash covers the BOM"
    );
    let by_name = read(
        text,
        &ReadOptions {
            target: Some(Column::Name("value".into())),
            ..ReadOptions::default()
        },
    );
    assert_eq!(by_name.target_values, d.target_values);
}

#[test]
fn a_given_delimiter_wins_and_several_inputs_keep_their_order() {
    let d = read(
        "a;b,c;d\n1;2,5;3\n",
        &ReadOptions {
            delimiter: Delimiter::Semicolon,
            header: HeaderRow::Present,
            target: Some(Column::Index(2)),
            inputs: vec![Column::Name("d".into()), Column::Index(0)],
        },
    );
    assert_eq!(d.header.as_deref().map(<[String]>::len), Some(3));
    assert_eq!(d.target_values, [3.0]);
    assert_eq!(d.inputs.len(), 2);
    assert_eq!(d.input_values, [vec![3.0], vec![1.0]]);
}

#[test]
fn missing_markers_are_missing() {
    let d = read(
        "t,v\n1,NA\n2,n/a\n3,NaN\n4,null\n5, \n6,7\n",
        &ReadOptions::default(),
    );
    assert_eq!(d.target_values.iter().filter(|v| v.is_nan()).count(), 5);
    assert_eq!(d.target_values[5], 7.0);
}

// ---------------------------------------------------------------------------------------------
// Bad files: the message names the file, the line, the column and what was expected.

#[test]
fn a_non_numeric_value_names_file_line_and_column() {
    let (m, path) = read_err("date,co2\n1,2\n2,abc\n", &ReadOptions::default());
    assert!(
        m.starts_with("task.csv.path: ")
            && m.contains(&path.display().to_string())
            && m.contains("line 3, column \"co2\" (index 1)")
            && m.contains("expected a number, found \"abc\""),
        "{m}"
    );
    let (m, _) = read_err("a;b\n1;2\n3;2,5\n", &ReadOptions::default());
    assert!(
        m.contains("line 3, column \"b\" (index 1)") && m.contains("decimal point, not a comma"),
        "{m}"
    );
    let (m, _) = read_err("1,2\n3,inf\n", &ReadOptions::default());
    assert!(
        m.contains("line 2, column index 1") && m.contains("\"inf\""),
        "{m}"
    );
}

#[test]
fn an_empty_value_under_refuse_names_line_and_column() {
    let m = task_err(
        &series(40, |r| {
            if r == 17 {
                String::new()
            } else {
                r.to_string()
            }
        }),
        CsvSettings {
            seq_len: 3,
            missing: Missing::Refuse,
            ..CsvSettings::default()
        },
    );
    // Row 17 is line 19 (the header is line 1).
    assert!(
        m.starts_with("task.csv.missing: ")
            && m.contains("line 19, column \"v\" (index 1)")
            && m.contains("missing: refuse"),
        "{m}"
    );
}

#[test]
fn too_few_rows_for_the_window_says_how_many_are_needed() {
    let m = task_err(
        &series(20, |r| r.to_string()),
        CsvSettings {
            seq_len: 4,
            horizon: 2,
            held_out: 0.2,
            ..CsvSettings::default()
        },
    );
    assert!(
        m.starts_with("task.csv.seq_len: ")
            && m.contains("20 data rows: 16 for training (lines 2–17) and 4 held out (lines 18–21")
            && m.contains("seq_len + horizon = 4 + 2")
            && m.contains("11 training and 0 held-out windows"),
        "{m}"
    );
}

#[test]
fn a_column_that_does_not_exist_lists_the_columns() {
    let text = "date,co2\n1,2\n";
    let (m, path) = read_err(
        text,
        &ReadOptions {
            target: Some(Column::Name("temp".into())),
            ..ReadOptions::default()
        },
    );
    assert!(
        m.starts_with("task.csv.target: ")
            && m.contains(&path.display().to_string())
            && m.contains("no column \"temp\"; its columns: 0: \"date\", 1: \"co2\""),
        "{m}"
    );
    let (m, _) = read_err(
        text,
        &ReadOptions {
            inputs: vec![Column::Index(5)],
            ..ReadOptions::default()
        },
    );
    assert!(
        m.starts_with("task.csv.inputs: ") && m.contains("no column index 5"),
        "{m}"
    );
    let (m, _) = read_err(
        "1,2\n3,4\n",
        &ReadOptions {
            target: Some(Column::Name("co2".into())),
            ..ReadOptions::default()
        },
    );
    assert!(
        m.contains("no header row") && m.contains("0-based index"),
        "{m}"
    );
}

#[test]
fn no_numeric_column_at_all() {
    let (m, path) = read_err("name,city\nann,paris\nbob,rome\n", &ReadOptions::default());
    assert!(
        m.starts_with("task.csv.target: ")
            && m.contains(&path.display().to_string())
            && m.contains("no numeric column")
            && m.contains("lines 1–3"),
        "{m}"
    );
}

#[test]
fn a_record_too_short_for_the_column_and_a_header_without_rows() {
    let (m, _) = read_err("a,b\n1,2\n3\n", &ReadOptions::default());
    assert!(
        m.contains("line 3: the record has 1 field(s), so column \"b\" (index 1) is not there"),
        "{m}"
    );
    let (m, _) = read_err("a,b\n", &ReadOptions::default());
    assert!(m.contains("no data rows (only a header)"), "{m}");
    let (m, _) = read_err("", &ReadOptions::default());
    assert!(m.contains("no data rows"), "{m}");
}

#[test]
fn a_constant_column_cannot_be_scaled() {
    let m = task_err(
        &series(40, |_| "3".into()),
        CsvSettings {
            seq_len: 3,
            ..CsvSettings::default()
        },
    );
    assert!(
        m.starts_with("task.csv.normalize: ") && m.contains("lines 2–33") && m.contains("z_score"),
        "{m}"
    );
}

#[test]
fn a_file_past_the_size_limit_is_refused_from_its_size() {
    // A sparse file: its size says 256 MiB + 1 without writing them.
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("huge.csv");
    fs::File::create(&path)
        .and_then(|f| f.set_len(MAX_CSV_BYTES + 1))
        .expect("sparse file");
    let m = read_csv(Source::File(&path), &ReadOptions::default(), None)
        .map(|_| ())
        .expect_err("too large")
        .to_string();
    assert!(
        m.contains(&format!("holds {} bytes", MAX_CSV_BYTES + 1)) && m.contains("256 MiB"),
        "{m}"
    );
}

#[test]
fn a_moved_or_changed_file_says_so_instead_of_training_on_something_else() {
    let text = series(40, |r| r.to_string());
    let (dir, path) = file(text.as_bytes());
    let task = CsvSeries::new(CsvSettings {
        seq_len: 3,
        ..settings(&path)
    })
    .expect("builds");
    assert_eq!(task.sha256(), sha256_hex(text.as_bytes()));
    let pinned = CsvSettings {
        seq_len: 3,
        sha256: Some(task.sha256().to_owned()),
        ..settings(&path)
    };
    assert!(CsvSeries::new(pinned.clone()).is_ok(), "the same file");

    // Changed: one value differs.
    fs::write(&path, text.replace(",7\n", ",8\n")).expect("write");
    let m = CsvSeries::new(pinned.clone())
        .map(|_| ())
        .expect_err("changed")
        .to_string();
    assert!(
        m.starts_with("task.csv.sha256: ")
            && m.contains(&path.display().to_string())
            && m.contains("has changed")
            && m.contains(task.sha256()),
        "{m}"
    );
    // Changed so much that it no longer parses: still "changed", not a parse error.
    fs::write(&path, "garbage\nnot,a,number\n").expect("write");
    let m = CsvSeries::new(pinned.clone())
        .map(|_| ())
        .expect_err("changed")
        .to_string();
    assert!(m.contains("has changed"), "{m}");

    // Moved.
    fs::remove_file(&path).expect("rm");
    let m = CsvSeries::new(pinned)
        .map(|_| ())
        .expect_err("moved")
        .to_string();
    assert!(
        m.starts_with("task.csv.path: cannot read ")
            && m.contains(&path.display().to_string())
            && m.contains("moved"),
        "{m}"
    );
    drop(dir);

    let m = CsvSeries::new(CsvSettings {
        sha256: Some("abc".into()),
        ..CsvSettings::default()
    })
    .map(|_| ())
    .expect_err("bad hash")
    .to_string();
    assert!(m.contains("64 hexadecimal digits"), "{m}");
}

#[test]
fn settings_out_of_range_name_the_field() {
    for (s, field) in [
        (
            CsvSettings {
                seq_len: 0,
                ..CsvSettings::default()
            },
            "task.csv.seq_len",
        ),
        (
            CsvSettings {
                horizon: 0,
                ..CsvSettings::default()
            },
            "task.csv.horizon",
        ),
        (
            CsvSettings {
                held_out: 0.0,
                ..CsvSettings::default()
            },
            "task.csv.held_out",
        ),
        (
            CsvSettings {
                held_out: f64::NAN,
                ..CsvSettings::default()
            },
            "task.csv.held_out",
        ),
    ] {
        let m = CsvSeries::new(s).map(|_| ()).expect_err("bad").to_string();
        assert!(m.starts_with(field), "{field}: {m}");
    }
}

// ---------------------------------------------------------------------------------------------
// The split, the scaling and the baselines.

/// The rows of a batch's windows, read back from v = row through the scaling.
fn window_rows(task: &CsvSeries, batch: &Batch<f64>) -> Vec<(Vec<usize>, usize)> {
    let Target::Last(y) = &batch.target else {
        panic!("mse_last targets");
    };
    let row = |scaled: f64| {
        let v = task.to_original(scaled);
        let r = v.round();
        assert!((v - r).abs() < 1e-9, "v = row: {v}");
        r as usize
    };
    (0..batch.batch_size())
        .map(|b| {
            let inputs = (0..batch.seq_len())
                .map(|t| row(batch.x[[t, b, 0]]))
                .collect();
            (inputs, row(y[[b, 0]]))
        })
        .collect()
}

#[test]
fn no_training_window_touches_the_held_out_part() {
    let (t_len, h) = (5, 3);
    let text = series(60, |r| r.to_string());
    let (_dir, path) = file(text.as_bytes());
    let task = CsvSeries::new(CsvSettings {
        seq_len: t_len,
        horizon: h,
        held_out: 0.25,
        ..settings(&path)
    })
    .expect("builds");
    let (rows, split) = task.rows_and_split();
    assert_eq!((rows, split), (60, 45));
    // Every window of each part is there, and only those.
    let span = t_len + h;
    assert_eq!(task.train_starts(), (0..=split - span).collect::<Vec<_>>());
    assert_eq!(
        task.eval_starts(),
        (split..=rows - span).collect::<Vec<_>>()
    );
    let mut rng = train_rng(3);
    let mut highest = 0;
    for _ in 0..50 {
        for (inputs, target) in window_rows(&task, &task.batch(&mut rng, 16)) {
            let s = inputs[0];
            assert_eq!(
                inputs,
                (s..s + t_len).collect::<Vec<_>>(),
                "consecutive rows"
            );
            assert_eq!(
                target,
                s + t_len - 1 + h,
                "the target h rows after the last input"
            );
            assert!(
                target < split,
                "training window {s}..={target} reaches the held-out part"
            );
            highest = highest.max(target);
        }
    }
    assert_eq!(
        highest,
        split - 1,
        "training windows reach the split's last training row"
    );
    let eval = task.evaluation_batch(&mut eval_rng(3), 1000);
    let windows = window_rows(&task, &eval);
    assert_eq!(
        windows.len(),
        task.eval_starts().len(),
        "every held-out window once"
    );
    for (k, (inputs, target)) in windows.iter().enumerate() {
        assert_eq!(inputs[0], split + k, "in order from the split");
        assert!(*target < rows);
    }
    // Fewer sequences than windows: evenly spaced, still in the held-out part.
    let few = window_rows(&task, &task.evaluation_batch(&mut eval_rng(3), 3));
    let starts: Vec<usize> = few.iter().map(|(i, _)| i[0]).collect();
    assert_eq!(starts, [45, 47, 50], "k·8/3 for k = 0, 1, 2");
}

#[test]
fn interpolation_never_crosses_the_split_and_never_invents_a_target() {
    // 20 rows, split at 16: rows 14 and 15 (training end) and 16 (held-out start) missing,
    // and row 5.
    let missing = [5, 14, 15, 16];
    let text = series(20, |r| {
        if missing.contains(&r) {
            String::new()
        } else {
            (r * r).to_string()
        }
    });
    let (_dir, path) = file(text.as_bytes());
    let task = CsvSeries::new(CsvSettings {
        seq_len: 2,
        held_out: 0.2,
        ..settings(&path)
    })
    .expect("builds");
    assert_eq!(task.rows_and_split(), (20, 16));
    assert_eq!(task.missing_and_filled(), (4, 4));
    let filled = task.input_column(0);
    // Row 5 between rows 4 and 6 (16, 36): 26.
    assert!((filled[5] - 26.0).abs() < 1e-9, "{filled:?}");
    // Rows 14, 15 after the training part's last observed row 13 (169): held at 169, not
    // pulled towards row 17 (289) of the held-out part.
    assert!(
        filled[14..16].iter().all(|v| (v - 169.0).abs() < 1e-9),
        "{filled:?}"
    );
    // Row 16, the held-out part's first, takes the next observed value of its part (row 17).
    assert!((filled[16] - 289.0).abs() < 1e-9, "{filled:?}");
    // Windows whose target row (s + 2) was missing are not used: targets are never filled.
    assert_eq!(task.train_starts(), [0, 1, 2, 4, 5, 6, 7, 8, 9, 10, 11]);
    assert_eq!(task.eval_starts(), [16, 17]);
    let first = task.window_batch(&[16]);
    assert!((task.to_original(first.x[[0, 0, 0]]) - 289.0).abs() < 1e-9);

    // skip drops every window that reads a missing value.
    let skip = CsvSeries::new(CsvSettings {
        seq_len: 2,
        held_out: 0.2,
        missing: Missing::Skip,
        ..settings(&path)
    })
    .expect("builds");
    assert_eq!(skip.train_starts(), [0, 1, 2, 6, 7, 8, 9, 10, 11]);
    assert_eq!(skip.eval_starts(), [17]);
}

#[test]
fn scaling_is_fitted_on_the_training_rows_only() {
    // Training rows (the first 6 of 10): 1 2 4 3 5 7: mean 22/6, population variance
    // Σ(v − mean)² / 6 = (70/3) / 6 = 70/18.
    let a = "t,v\n0,1\n1,2\n2,4\n3,3\n4,5\n5,7\n6,6\n7,8\n8,10\n9,9\n";
    let b = "t,v\n0,1\n1,2\n2,4\n3,3\n4,5\n5,7\n6,600\n7,-80\n8,1000\n9,9e9\n";
    let build = |text: &str, normalize| {
        let (_dir, path) = file(text.as_bytes());
        CsvSeries::new(CsvSettings {
            seq_len: 2,
            held_out: 0.4,
            normalize,
            ..settings(&path)
        })
        .expect("builds")
    };
    let za = build(a, Normalize::ZScore);
    let s = za.target_scaling();
    assert!((s.offset - 22.0 / 6.0).abs() < 1e-12, "{s:?}");
    assert!((s.scale - (70.0_f64 / 18.0).sqrt()).abs() < 1e-12, "{s:?}");
    assert_eq!(
        za.input_scalings(),
        [s],
        "the target is the input: the same scaling"
    );
    assert_eq!(
        build(b, Normalize::ZScore).target_scaling(),
        s,
        "held-out values do not count"
    );
    let mm = build(a, Normalize::MinMax).target_scaling();
    assert_eq!((mm.offset, mm.scale), (1.0, 6.0));
    assert_eq!(build(b, Normalize::MinMax).target_scaling(), mm);
    // A training batch in z-scores: the scaled row 0 is (1 − 22/6)/σ.
    let batch = za.batch(&mut train_rng(1), 64);
    let lowest = batch.x.iter().copied().fold(f64::INFINITY, f64::min);
    assert!((lowest - (1.0 - 22.0 / 6.0) / s.scale).abs() < 1e-12);
}

#[test]
fn the_baselines_by_hand_on_a_tiny_file() {
    // v = 1 2 4 3 5 7 | 6 8 10 9 (split at 6); T = 2, h = 1: the held-out windows are rows
    // 6,7 → 10 and 7,8 → 9. Persistence says 8 and 10: errors −2, +1 → MSE 5/2, RMSE √2.5,
    // MAE 1.5. The training mean 22/6 misses by 22/6 − 10 and 22/6 − 9. In z-scores every MSE
    // is divided by σ² = 70/18; min–max divides by 6² = 36.
    let text = "t,v\n0,1\n1,2\n2,4\n3,3\n4,5\n5,7\n6,6\n7,8\n8,10\n9,9\n";
    let (_dir, path) = file(text.as_bytes());
    let task = CsvSeries::new(CsvSettings {
        seq_len: 2,
        held_out: 0.4,
        ..settings(&path)
    })
    .expect("builds");
    let var = 70.0 / 18.0;
    let close = |a: f64, b: f64| (a - b).abs() < 1e-12;
    let p = task.persistence();
    assert!(
        close(p.mse, 2.5 / var) && close(p.rmse, 2.5_f64.sqrt()) && close(p.mae, 1.5),
        "{p:?}"
    );
    let mean = 22.0 / 6.0;
    let (e1, e2) = (mean - 10.0, mean - 9.0);
    let m = task.training_mean();
    assert!(
        close(m.mse, f64::midpoint(e1 * e1, e2 * e2) / var)
            && close(m.rmse, f64::midpoint(e1 * e1, e2 * e2).sqrt())
            && close(m.mae, f64::midpoint(e1.abs(), e2.abs())),
        "{m:?}"
    );
    assert!(close(task.baseline(), p.mse));
    assert_eq!(task.metric_baseline(), Some(p.rmse));
    assert!(task.solved(p.rmse * 0.99) && !task.solved(p.rmse));

    // The trivial predictor on the evaluation set measures the same persistence baseline,
    // and the metric of its outputs is its RMSE in the file's units.
    let eval = evaluation_set(&task, 1, 100);
    assert_eq!(eval.batch_size(), 2);
    assert!(close(
        measured_baseline(&task, &eval).expect("persistence"),
        p.mse
    ));
    let outputs = task.trivial_outputs(&eval).expect("persistence");
    assert!(close(task.metric(&eval, &outputs), p.rmse));

    let mm = CsvSeries::new(CsvSettings {
        seq_len: 2,
        held_out: 0.4,
        normalize: Normalize::MinMax,
        ..settings(&path)
    })
    .expect("builds");
    assert!(close(mm.persistence().mse, 2.5 / 36.0) && close(mm.persistence().rmse, p.rmse));
}

#[test]
fn a_target_that_is_not_an_input_still_has_its_baselines() {
    // Predict b from a; persistence is b's own last value, from the data.
    let mut text = String::from("a,b\n");
    for r in 0..30 {
        let _ = writeln!(text, "{},{}", r % 7, r * 2);
    }
    let (_dir, path) = file(text.as_bytes());
    let task = CsvSeries::new(CsvSettings {
        target: Some(Column::Name("b".into())),
        inputs: vec![Column::Name("a".into())],
        seq_len: 3,
        horizon: 2,
        ..settings(&path)
    })
    .expect("builds");
    assert_eq!((task.input_size(), task.output_size()), (1, 1));
    assert!(
        task.trivial_outputs(&task.batch(&mut train_rng(1), 2))
            .is_none()
    );
    // b grows by 2 a row: persistence 2 rows ahead is off by 4 everywhere.
    assert!(
        (task.persistence().rmse - 4.0).abs() < 1e-12
            && (task.persistence().mae - 4.0).abs() < 1e-12
    );
}

// ---------------------------------------------------------------------------------------------
// The config: RON, --set, the hash filled in, the bundled series.

fn setup(task: TaskConfig, steps: u64) -> Setup {
    Setup {
        seed: 1,
        model: ModelConfig {
            cell: bptt_lab::nn::CellKind::Lstm,
            hidden: 16,
            recurrent_bias: true,
        },
        task,
        init: bptt_lab::nn::Init::default(),
        bptt: bptt_lab::nn::Bptt::Full,
        clip: bptt_lab::nn::Clip::GlobalNorm { max_norm: 1.0 },
        optimizer: bptt_lab::nn::OptimizerConfig::adam(0.01),
        batch_size: 32,
        steps,
        eval: EvalConfig {
            every: 0,
            size: 512,
            ..EvalConfig::default()
        },
        precision: bptt_lab::train::Precision::F32,
    }
}

#[test]
fn the_task_reads_from_ron_and_from_set() {
    let text = r#"(
        version: 1,
        name: "mine",
        description: "d",
        config: (
            seed: 1,
            model: (cell: lstm, hidden: 8),
            task: csv(path: "data/x.csv", delimiter: semicolon, header: present, target: "co2",
                      inputs: [1, "co2"], seq_len: 30, horizon: 4, normalize: min_max,
                      held_out: 0.3, missing: skip),
            optimizer: adam(lr: 0.001),
            batch_size: 8,
            steps: 10,
        ),
    )"#;
    let p = Preset::from_ron(text, Path::new("mine.ron")).expect("parses");
    let want = CsvSettings {
        path: Some("data/x.csv".into()),
        sha256: None,
        delimiter: Delimiter::Semicolon,
        header: HeaderRow::Present,
        target: Some(Column::Name("co2".into())),
        inputs: vec![Column::Index(1), Column::Name("co2".into())],
        seq_len: 30,
        horizon: 4,
        normalize: Normalize::MinMax,
        held_out: 0.3,
        missing: Missing::Skip,
    };
    assert_eq!(p.config.task.csv_settings(), Some(want.clone()));
    // Round trip through the preset writer.
    let back = Preset::from_ron(&p.to_ron(), Path::new("back.ron")).expect("round trip");
    assert_eq!(back.config.task, p.config.task);

    let mut s = setup(TaskConfig::default(), 10);
    apply_set(&mut s, r#"task=csv(path: "y.csv", target: 2, seq_len: 12)"#).expect("--set");
    assert_eq!(
        s.task.csv_settings(),
        Some(CsvSettings {
            path: Some("y.csv".into()),
            target: Some(Column::Index(2)),
            seq_len: 12,
            ..CsvSettings::default()
        })
    );
    apply_set(&mut s, "task.horizon=3").expect("a field of the variant");
    assert_eq!(s.task.csv_settings().map(|c| c.horizon), Some(3));
    assert!(
        apply_set(&mut s, "task.colour=3").is_err(),
        "a misspelt setting"
    );
}

#[test]
fn a_validated_setup_names_its_file_by_hash_and_bad_files_are_config_errors() {
    let text = series(60, |r| ((r as f64) * 0.3).sin().to_string());
    let (_dir, path) = file(text.as_bytes());
    let task = TaskConfig::from_csv_settings(CsvSettings {
        seq_len: 5,
        ..settings(&path)
    });
    let config = setup(task, 5).validate().expect("valid");
    let pinned = config.setup().task.csv_settings().expect("csv");
    assert_eq!(
        pinned.sha256.as_deref(),
        Some(sha256_hex(text.as_bytes()).as_str())
    );
    let data = config.task().data_summary().expect("a data record");
    assert_eq!(data["sha256"], sha256_hex(text.as_bytes()).as_str());
    assert_eq!(data["target"]["name"], "v");
    assert!(data["target"]["scale"].as_f64().is_some_and(|s| s > 0.0));
    assert!(data["baselines_held_out"]["persistence"]["rmse"].is_f64());

    fs::write(&path, "date,v\n1,x\n").expect("write");
    let e = setup(
        TaskConfig::from_csv_settings(CsvSettings {
            seq_len: 5,
            target: Some(Column::Name("v".into())),
            ..settings(&path)
        }),
        5,
    )
    .validate()
    .expect_err("bad file");
    assert_eq!(e.field, "task.csv.path");
    assert!(
        e.to_string().contains("line 2, column \"v\" (index 1)"),
        "{e}"
    );
}

#[test]
fn the_bundled_co2_series() {
    let task = CsvSeries::new(CsvSettings {
        seq_len: 104,
        ..CsvSettings::default()
    })
    .expect("the bundled series builds");
    assert_eq!(task.origin(), "the bundled Mauna Loa CO2 weekly series");
    assert_eq!(task.sha256(), sha256_hex(CO2_WEEKLY));
    assert_eq!(task.target().name.as_deref(), Some("co2"));
    assert_eq!(task.rows_and_split(), (2284, 1827));
    assert_eq!(task.missing_and_filled(), (59, 59));
    let (p, m) = (task.persistence(), task.training_mean());
    println!("co2, T = 104: persistence {p:?}, training mean {m:?}");
    assert!(
        p.rmse > 0.1 && p.rmse < 2.0,
        "weekly changes are below a ppm or two: {p:?}"
    );
    assert!(
        m.rmse > 10.0,
        "the held-out years lie well above the training mean: {m:?}"
    );
    // Skipping would lose every window that overlaps a gap: more than a third at T = 104.
    let skip = CsvSeries::new(CsvSettings {
        seq_len: 104,
        missing: Missing::Skip,
        ..CsvSettings::default()
    })
    .expect("builds");
    let lost = task.train_starts().len() - skip.train_starts().len();
    assert!(
        3 * lost > task.train_starts().len(),
        "{lost} of {}",
        task.train_starts().len()
    );
}

#[test]
fn a_short_lstm_run_on_the_co2_series_beats_the_training_mean() {
    let task = TaskConfig::from_csv_settings(CsvSettings {
        seq_len: 26,
        ..CsvSettings::default()
    });
    let config = setup(task, 150).validate().expect("valid");
    let report = bptt_lab::headless::run(&config, 150, &mut |_| {}).expect("trains");
    let csv = config.task();
    let data = csv.data_summary().expect("data");
    let mean_rmse = data["baselines_held_out"]["training_mean"]["rmse"]
        .as_f64()
        .expect("a number");
    let mean_mse = data["baselines_held_out"]["training_mean"]["mse"]
        .as_f64()
        .expect("a number");
    println!(
        "co2 T = 26, LSTM(16), 150 steps: held-out MSE {:.4} (mean {mean_mse:.4}, persistence \
         {:.4}), RMSE {:.3} ppm (mean {mean_rmse:.3}, persistence {:.3})",
        report.eval_loss,
        csv.baseline(),
        report.eval_metric,
        csv.metric_baseline().unwrap_or(f64::NAN)
    );
    assert!(
        report.eval_loss < 0.5 * mean_mse && report.eval_metric < mean_rmse,
        "held-out MSE {} should be below half the training mean's {mean_mse}",
        report.eval_loss
    );
}

#[test]
fn the_command_line_trains_a_file_pins_its_hash_and_exits_2_on_a_bad_one() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = series(80, |r| ((r as f64) * 0.4).sin().to_string());
    fs::write(dir.path().join("mine.csv"), &text).expect("write");
    let task = r#"task=csv(path: "mine.csv", target: "v", seq_len: 6)"#;
    let (stdout, _) = binary::run_expecting(
        dir.path(),
        &[
            "train",
            "adding_lstm_t100",
            "--set",
            task,
            "--set",
            "model.hidden=4",
            "--steps",
            "3",
            "--out",
            "run",
        ],
        0,
    );
    assert!(stdout.contains("eval metric"), "{stdout}");
    // The run folder's preset names the file by its hash, and the summary has the scaling.
    let saved = Preset::load(&dir.path().join("run/preset.ron")).expect("the run's preset");
    let hash = sha256_hex(text.as_bytes());
    assert_eq!(
        saved.config.task.csv_settings().and_then(|c| c.sha256),
        Some(hash.clone())
    );
    let summary: serde_json::Value = serde_json::from_str(
        &fs::read_to_string(dir.path().join("run/summary.json")).expect("summary"),
    )
    .expect("json");
    assert_eq!(summary["task"]["data"]["sha256"], hash.as_str());
    assert!(summary["task"]["data"]["target"]["offset"].is_f64());

    // The file changes: carrying the run on says so (exit 2) instead of training on it.
    fs::write(
        dir.path().join("mine.csv"),
        text.replace("date,v", "date,w"),
    )
    .expect("write");
    let (_, stderr) =
        binary::run_expecting(dir.path(), &["train", "--resume", "run", "--steps", "5"], 2);
    assert!(
        stderr.contains("task.csv.sha256") && stderr.contains("has changed"),
        "{stderr}"
    );

    // A bad file: exit 2, with the file, the line and the column.
    fs::write(dir.path().join("bad.csv"), "date,v\n1,2\n2,x\n").expect("write");
    let (_, stderr) = binary::run_expecting(
        dir.path(),
        &[
            "train",
            "adding_lstm_t100",
            "--set",
            r#"task=csv(path: "bad.csv")"#,
        ],
        2,
    );
    assert!(
        stderr.contains("bad.csv") && stderr.contains("line 3, column \"v\" (index 1)"),
        "{stderr}"
    );
    assert!(!dir.path().join("runs").exists(), "no run for a bad file");
}

#[test]
fn a_forecast_maps_the_models_outputs_to_the_files_units_beside_data_and_persistence() {
    // 50 rows v = 2·row + 1, a missing value at row 45: no window forecasts it, and the
    // window that ends on it uses the interpolated value (on this line, the same).
    let mut text = String::from("v\n");
    for r in 0..50 {
        if r == 45 {
            text.push_str("NA\n");
        } else {
            writeln!(text, "{}", 2 * r + 1).unwrap();
        }
    }
    let (_dir, path) = file(text.as_bytes());
    let task = CsvSeries::new(CsvSettings {
        seq_len: 5,
        held_out: 0.4,
        ..settings(&path)
    })
    .unwrap();
    let dims = bptt_lab::nn::Dims {
        input: 1,
        hidden: 3,
        output: 1,
    };
    // All weights zero but the readout's bias: every forecast is that bias, scaled back.
    let mut params = bptt_lab::nn::Params::<f64>::zeros(bptt_lab::nn::CellKind::Gru, dims);
    params.readout_bias[0] = 0.5;
    let model = bptt_lab::nn::Model::new(bptt_lab::nn::CellKind::Gru, dims, params);
    let f = task.forecast(&model).unwrap();
    assert_eq!(f.windows, task.eval_starts().len());
    let want_rows: Vec<usize> = task.eval_starts().iter().map(|s| s + 5).collect();
    assert_eq!(f.rows, want_rows);
    assert!(
        !f.rows.contains(&45),
        "the window of a missing target is not forecast"
    );
    let s = task.target_scaling();
    for (i, &r) in f.rows.iter().enumerate() {
        assert!((f.actual[i] - (2 * r + 1) as f64).abs() < 1e-9, "row {r}");
        assert!(
            (f.persistence[i] - (2 * r - 1) as f64).abs() < 1e-9,
            "row {r}"
        );
        assert!((f.predicted[i] - (0.5 * s.scale + s.offset)).abs() < 1e-9);
    }
    let n = f.rows.len() as f64;
    let rmse = (f
        .actual
        .iter()
        .map(|a| (a - f.predicted[0]).powi(2))
        .sum::<f64>()
        / n)
        .sqrt();
    assert!((f.rmse - rmse).abs() < 1e-9);
    // A model of another task's sizes is refused, not run.
    let other = bptt_lab::nn::Model::<f64>::new(
        bptt_lab::nn::CellKind::Gru,
        bptt_lab::nn::Dims { input: 2, ..dims },
        bptt_lab::nn::Params::zeros(
            bptt_lab::nn::CellKind::Gru,
            bptt_lab::nn::Dims { input: 2, ..dims },
        ),
    );
    assert!(task.forecast(&other).is_err());
}
