//! Your own data in the app, driven with `egui_kittest`: a CSV dropped on the window sets up
//! the csv task with a preview of its file, a run on it draws its forecast of the held-out
//! rows beside the loss with both baselines, and a broken file names its line in the panel.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use bptt_lab::gui::{BpttApp, UiCommand, trainer_factory};
use bptt_lab::tasks::TaskConfig;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;

mod gui_support;
use gui_support::{harness, has_text, step_until};

/// A weekly-like series: a trend, a yearly cycle and a date column the task does not use.
fn write_series(dir: &Path, rows: usize) -> PathBuf {
    let mut text = String::from("date,value\n");
    for i in 0..rows {
        let t = i as f64;
        let v = 300.0 + 0.05 * t + 3.0 * (t * std::f64::consts::TAU / 52.0).sin();
        writeln!(text, "2000-W{i:04},{v:.3}").unwrap();
    }
    let path = dir.join("series.csv");
    std::fs::write(&path, text).unwrap();
    path
}

/// A file as the window system hands it over: a path on disk.
#[derive(Debug)]
struct Dropped(PathBuf);

impl egui::DroppedFile for Dropped {
    fn path(&self) -> &Path {
        &self.0
    }
    fn bytes(&self) -> Result<Vec<u8>, String> {
        std::fs::read(&self.0).map_err(|e| e.to_string())
    }
}

fn drop_file(h: &mut Harness<'static, BpttApp>, path: &Path) {
    h.input_mut()
        .dropped_files
        .push(std::sync::Arc::new(Dropped(path.to_owned())));
    h.run_steps(3);
}

fn csv_path(app: &BpttApp) -> Option<PathBuf> {
    match &app.state.setup.task {
        TaskConfig::Csv { path, .. } => path.clone(),
        _ => None,
    }
}

/// Steps until the panel shows `text` (the csv task reads its file off the UI thread).
fn until_shown(h: &mut Harness<'static, BpttApp>, text: &str) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_mins(1);
    while !has_text(h, text) {
        assert!(
            std::time::Instant::now() < deadline,
            "timed out waiting for {text:?}"
        );
        h.step();
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}

#[test]
fn a_dropped_csv_sets_up_the_csv_task_with_its_first_lines_split_and_baselines() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_series(dir.path(), 400);
    let mut h = harness(trainer_factory());
    h.step();
    drop_file(&mut h, &path);
    assert_eq!(csv_path(h.state()).as_deref(), Some(path.as_path()));
    until_shown(&mut h, "First lines of the file");
    // The message line says what was set up; the panel previews the file as written.
    assert!(has_text(&h, "Set up the csv task on"));
    assert!(has_text(&h, "First lines of the file"));
    assert!(has_text(&h, "date,value"), "the header line as written");
    assert!(
        has_text(&h, "2000-W0000,"),
        "the first data line as written"
    );
    // 400 rows, the last 20 % held out; windows of 52 + 1 rows within each part.
    assert!(has_text(&h, "400 rows: 320 for training, 80 held out"));
    assert!(has_text(&h, "268 training and 28 held-out windows"));
    assert!(has_text(&h, "persistence RMSE"));
    // The header's columns are offered as the predicted column and as inputs.
    assert!(h.query_by_label("value").is_some());
}

#[test]
fn a_csv_run_draws_its_held_out_forecast_and_the_training_mean_on_the_loss_plot() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_series(dir.path(), 300);
    let mut h = harness(trainer_factory());
    h.step();
    drop_file(&mut h, &path);
    {
        let s = &mut h.state_mut().state.setup;
        s.steps = 20;
        s.model.hidden = 8;
        if let TaskConfig::Csv { seq_len, .. } = &mut s.task {
            *seq_len = 12;
        }
    }
    h.run_steps(3);
    h.state_mut().deferred.push(UiCommand::Start);
    step_until(&mut h, "the run's end", |app| {
        app.runs.selected().is_some_and(|r| r.status.ended())
    });
    step_until(&mut h, "the forecast", |app| {
        app.ui
            .views
            .done
            .as_ref()
            .is_some_and(|(of, v)| of.step == 20 && v.is_ok())
    });
    let app = h.state();
    let (_, views) = app.ui.views.done.as_ref().unwrap();
    let f = views
        .as_ref()
        .unwrap()
        .forecast
        .as_ref()
        .expect("a csv run's forecast");
    // Every held-out window: rows 240.. (the split), windows of 12 + 1 rows.
    assert_eq!(f.windows, 60 - 12);
    assert_eq!(f.rows.len(), f.windows);
    assert_eq!(f.rows[0], 240 + 12);
    assert!(f.rmse.is_finite() && f.rmse > 0.0);
    h.run_steps(2);
    assert!(has_text(&h, "Held-out forecast"));
    assert!(has_text(&h, "at step 20: RMSE"), "the forecast's caption");
    assert!(has_text(&h, "training mean"), "the second baseline");
}

#[test]
fn a_csv_with_text_in_its_numbers_names_the_line_in_the_panel_and_starts_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("broken.csv");
    let mut text = String::from("t,value\n");
    for i in 0..200 {
        if i == 6 {
            text.push_str("6,twelve\n");
        } else {
            writeln!(text, "{i},{}", i % 7).unwrap();
        }
    }
    std::fs::write(&path, text).unwrap();
    let mut h = harness(trainer_factory());
    h.step();
    drop_file(&mut h, &path);
    until_shown(&mut h, "expected a number");
    // Line 8: the header is line 1, row 6 the seventh data line.
    assert!(has_text(&h, "line 8"), "the error names the line");
    assert!(
        !has_text(&h, "First lines of the file"),
        "no preview of a broken file"
    );
    h.state_mut().deferred.push(UiCommand::Start);
    h.run_steps(3);
    assert!(h.state().runs.is_empty(), "nothing started");
}

#[test]
fn a_dropped_text_file_sets_up_the_text_task_and_a_folder_opens_as_runs() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("corpus.TXT");
    std::fs::write(&path, "to be or not to be ".repeat(200)).unwrap();
    let mut h = harness(trainer_factory());
    h.step();
    drop_file(&mut h, &path);
    match &h.state().state.setup.task {
        TaskConfig::Text { path: p, .. } => assert_eq!(p.as_deref(), Some(path.as_path())),
        other => panic!("not the text task: {other:?}"),
    }
    assert_eq!(
        bptt_lab::gui::dropped_command(dir.path().to_owned()),
        UiCommand::OpenRuns(dir.path().to_owned())
    );
    assert_eq!(
        bptt_lab::gui::dropped_command(dir.path().join("preset.ron")),
        UiCommand::OpenRuns(dir.path().join("preset.ron"))
    );
}

#[test]
fn a_run_shows_one_of_its_tasks_sequences_with_the_models_answer() {
    let mut h = harness(trainer_factory());
    h.step();
    {
        let s = &mut h.state_mut().state.setup;
        s.steps = 10;
        s.model.hidden = 4;
        bptt_lab::preset::apply_set(s, "task=adding(seq_len: 20)").unwrap();
    }
    h.run_steps(3);
    h.state_mut().deferred.push(UiCommand::Start);
    step_until(&mut h, "the example sequence", |app| {
        app.ui
            .views
            .done
            .as_ref()
            .is_some_and(|(of, v)| of.step == 10 && v.is_ok())
    });
    let (_, views) = h.state().ui.views.done.as_ref().unwrap();
    let views = views.as_ref().unwrap();
    assert!(views.forecast.is_none(), "adding is not a csv task");
    assert_eq!(views.example.x.shape(), [20, 2]);
    h.run_steps(2);
    assert!(has_text(&h, "Example sequence"));
    assert!(has_text(&h, "at step 10, on the first held-out sequence"));
}
