//! The real app driven by `egui_kittest`: widgets found by their labels, clicks, frames. Tests
//! about the UI use scripted runs (instant, deterministic); one test trains for real.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bptt_lab::gui::i18n::shell::Shell;
use bptt_lab::gui::i18n::tour::TourText;
use bptt_lab::gui::i18n::{Lang, Message};
use bptt_lab::gui::{BpttApp, RunFactory, RunStatus, SavedState, UiCommand, View, trainer_factory};
use egui_kittest::Harness;

mod gui_support;
use egui_kittest::kittest::{NodeT, Queryable, by};
use gui_support::{click_at, harness, harness_in, has_text, scripted, scripted_by_lr, step_until};

fn step_of(app: &BpttApp) -> u64 {
    app.runs
        .selected()
        .map_or(0, bptt_lab::gui::RunView::steps_done)
}

/// The selected run's status is `want` (compared by variant and, for `Finished`, by
/// `stopped`).
fn status_is(app: &BpttApp, want: &RunStatus) -> bool {
    app.runs.selected().is_some_and(|r| {
        std::mem::discriminant(&r.status) == std::mem::discriminant(want)
            && match (&r.status, want) {
                (RunStatus::Finished { stopped: a }, RunStatus::Finished { stopped: b }) => a == b,
                _ => true,
            }
    })
}

#[test]
fn pick_a_preset_start_and_watch_the_real_run_advance() {
    let mut h = harness(trainer_factory());
    h.step();
    h.get_by_label("Presets").click();
    h.run_steps(3);
    h.get_by_label("Sequential digits, row by row: LSTM")
        .click();
    h.step();
    assert_eq!(
        h.state().state.preset_name,
        "Sequential digits, row by row: LSTM"
    );
    h.get_by_label("Start").click();
    step_until(&mut h, "the step counter to pass 5", |a| step_of(a) > 5);
    assert_eq!(h.state().runs.len(), 1, "one run appeared");
    let r = h.state().runs.iter().next().expect("a run");
    assert!(
        r.history.steps.len() as u64 >= step_of(h.state()).min(5),
        "history filled"
    );
    assert!(has_text(&h, "running"), "status bar says running");
    step_until(&mut h, "a gradient profile", |a| {
        a.runs.selected().is_some_and(|r| {
            r.history
                .latest
                .as_ref()
                .is_some_and(|p| p.profile.values.len() == 8)
        })
    });
}

#[test]
fn pause_resume_and_stop_drive_the_run() {
    let mut h = harness(scripted(1_000_000, Duration::from_millis(1)));
    h.step();
    h.get_by_label("Start").click();
    step_until(&mut h, "some steps", |a| step_of(a) > 3);
    h.get_by_label("Pause").click();
    step_until(&mut h, "paused", |a| status_is(a, &RunStatus::Paused));
    let at = step_of(h.state());
    for _ in 0..10 {
        h.step();
        std::thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(step_of(h.state()), at, "no steps while paused");
    h.get_by_label("Resume").click();
    step_until(&mut h, "more steps after resume", |a| step_of(a) > at + 3);
    h.get_by_label("Stop").click();
    step_until(&mut h, "stopped", |a| {
        status_is(a, &RunStatus::Finished { stopped: true })
    });
    assert!(has_text(&h, "stopped"), "status shows stopped");
}

#[test]
fn space_toggles_pause() {
    let mut h = harness(scripted(1_000_000, Duration::from_millis(1)));
    h.step();
    h.get_by_label("Start").click();
    step_until(&mut h, "running", |a| step_of(a) > 2);
    h.key_press(egui::Key::Space);
    step_until(&mut h, "paused by Space", |a| {
        status_is(a, &RunStatus::Paused)
    });
    h.key_press(egui::Key::Space);
    step_until(&mut h, "running again", |a| {
        status_is(a, &RunStatus::Running)
    });
}

#[test]
fn step_n_trains_n_steps_then_pauses() {
    let mut h = harness(scripted(1_000, Duration::ZERO));
    h.step();
    h.state_mut().state.step_n = 25;
    h.get_by_label("Step N").click();
    step_until(&mut h, "paused after 25", |a| {
        status_is(a, &RunStatus::Paused) && step_of(a) == 25
    });
    h.get_by_label("Step 1").click();
    step_until(&mut h, "one more step", |a| step_of(a) == 26);
}

#[test]
fn a_bad_preset_file_shows_its_message_and_keeps_the_setup() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("broken.ron");
    std::fs::write(&path, "(version: 1, name: \"x\", description: \"\", config: (seed: 1, model: (cell: lstm, hidden: 0), task: adding(), optimizer: adam(lr: 0.01), batch_size: 4, steps: 10))").expect("write");
    let mut h = harness(scripted(10, Duration::ZERO));
    h.step();
    let before = h.state().state.clone();
    h.state_mut()
        .deferred
        .push(UiCommand::LoadFile(path.clone()));
    h.step();
    h.step();
    let msg = h.state().ui.message.clone().unwrap_or_default();
    assert!(
        msg.contains("model.hidden") && msg.contains("broken.ron"),
        "message names field and file: {msg}"
    );
    assert!(
        has_text(&h, "Cannot load preset"),
        "the message is shown in the window"
    );
    assert_eq!(h.state().state, before, "the setup is unchanged");
}

#[test]
fn an_invalid_setting_shows_the_validation_message_and_blocks_start() {
    let mut h = harness(scripted(10, Duration::ZERO));
    h.step();
    // The widgets clamp single values to their ranges; k2 < k1 is a combination they cannot.
    h.state_mut().state.setup.bptt = bptt_lab::nn::Bptt::Truncated {
        k1: 20,
        k2: 10,
        mode: bptt_lab::nn::UpdateMode::PerSegment,
    };
    h.step();
    h.step();
    assert!(
        has_text(&h, "`bptt.k2` = 10: must be ≥ k1 = 20"),
        "validation message shown"
    );
    h.get_by_label("Start").click();
    h.step();
    assert!(
        h.state().runs.is_empty(),
        "no run starts from an invalid setup"
    );
}

#[test]
fn duplicate_with_change_creates_a_second_run_with_one_setting_changed() {
    let mut h = harness(scripted(1_000_000, Duration::from_millis(1)));
    h.step();
    h.get_by_label("Start").click();
    step_until(&mut h, "a step", |a| step_of(a) > 0);
    h.state_mut().ui.duplicate_edit = "optimizer.lr=0.05".into();
    h.step();
    h.get_by_label("Duplicate with change").click();
    step_until(&mut h, "the second run", |a| a.runs.len() == 2);
    let runs: Vec<_> = h.state().runs.iter().collect();
    let (a, b) = (runs[0], runs[1]);
    assert!(
        (b.config.optimizer.lr() - 0.05).abs() < 1e-12,
        "lr changed: {}",
        b.config.optimizer.lr()
    );
    assert_eq!(a.config.seed, b.config.seed, "same seed");
    assert_eq!(a.config.model, b.config.model, "same model");
    assert_eq!(
        h.state().runs.selected,
        Some(b.id),
        "the new run is selected"
    );
}

#[test]
fn start_as_new_run_piles_up_runs_and_delete_removes_one() {
    let mut h = harness(scripted(50, Duration::ZERO));
    h.step();
    h.get_by_label("Start").click();
    h.step();
    h.get_by_label("Start as new run").click();
    step_until(&mut h, "two finished runs", |a| {
        a.runs.len() == 2 && a.runs.iter().all(|r| r.status.ended())
    });
    let first = h.state().runs.iter().next().expect("a run").id;
    h.state_mut().deferred.push(UiCommand::Delete(first));
    h.step();
    assert_eq!(h.state().runs.len(), 1);
}

#[test]
fn reset_makes_the_same_run_again_at_step_zero() {
    let mut h = harness(scripted(1_000_000, Duration::from_millis(1)));
    h.step();
    h.get_by_label("Start").click();
    step_until(&mut h, "steps", |a| step_of(a) > 3);
    let seed = h.state().runs.iter().next().expect("a run").config.seed;
    h.get_by_label("Reset").click();
    h.step();
    assert_eq!(h.state().runs.len(), 1, "the old run is replaced");
    let r = h.state().runs.iter().next().expect("a run");
    assert!(matches!(r.status, RunStatus::Ready));
    assert_eq!(r.config.seed, seed);
    assert!(r.last_step.is_none(), "starts from step 0");
}

#[test]
fn a_plot_exports_as_a_png_cropped_to_the_plot() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("loss.png");
    let mut h = harness(scripted(20, Duration::ZERO));
    h.step();
    h.get_by_label("Start").click();
    step_until(&mut h, "the run to finish", |a| {
        a.runs.selected().is_some_and(|r| r.status.ended())
    });
    let rect = h
        .state()
        .ui
        .plot_rects
        .iter()
        .find(|(t, _)| t == "Loss")
        .map(|(_, r)| *r)
        .expect("the loss plot is drawn");
    h.state_mut()
        .deferred
        .push(UiCommand::ExportPlot("Loss".into(), path.clone()));
    h.step();
    // The harness does not render: hand over a window-sized image as the viewport would.
    let size = [1440, 900];
    let shot = egui::ColorImage::new(size, vec![egui::Color32::from_rgb(10, 20, 30); 1440 * 900]);
    h.state().deliver_screenshot(Arc::new(shot));
    h.step();
    let msg = h.state().ui.message.clone().unwrap_or_default();
    assert!(msg.starts_with("Wrote"), "export message: {msg}");
    let png = std::fs::read(&path).expect("the PNG exists");
    assert_eq!(&png[1..4], b"PNG", "a PNG file");
    // IHDR: width and height, big-endian, at bytes 16..24.
    let w = u32::from_be_bytes(png[16..20].try_into().expect("4 bytes"));
    let hgt = u32::from_be_bytes(png[20..24].try_into().expect("4 bytes"));
    // Within a pixel: the rect is in points, the crop in whole pixels.
    assert!(
        (f64::from(w) - f64::from(rect.width())).abs() <= 1.0
            && (f64::from(hgt) - f64::from(rect.height())).abs() <= 1.0,
        "cropped to the plot's rect {rect:?}: got {w}×{hgt}"
    );
}

#[test]
fn text_runs_sample_text_from_their_weights() {
    let mut h = harness(trainer_factory());
    h.step();
    h.state_mut()
        .deferred
        .push(UiCommand::LoadBuiltin("text_sonnets_lstm.ron".into()));
    h.step();
    h.state_mut().state.setup.model.hidden = 16;
    h.state_mut().state.step_n = 3;
    h.step();
    h.get_by_label("Step N").click();
    step_until(&mut h, "three steps", |a| {
        status_is(a, &RunStatus::Paused) && step_of(a) == 3
    });
    h.state_mut().ui.sampler.request.length = 40;
    h.step();
    h.get_by_label("Sample").click();
    step_until(&mut h, "sampled text", |a| !a.ui.sampler.output.is_empty());
    let out = h.state().ui.sampler.output.clone();
    assert!(
        out.chars().count() >= 40,
        "seed text plus 40 sampled characters: {out:?}"
    );
}

#[test]
fn a_plot_partly_outside_the_screenshot_is_cut_not_a_crash() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("cut.png");
    let mut h = harness(scripted(5, Duration::ZERO));
    h.step();
    h.get_by_label("Start").click();
    step_until(&mut h, "the run to finish", |a| {
        a.runs.selected().is_some_and(|r| r.status.ended())
    });
    h.state_mut()
        .deferred
        .push(UiCommand::ExportPlot("Loss".into(), path.clone()));
    h.step();
    // A screenshot smaller than the window: the plot's rect reaches outside it.
    let shot = egui::ColorImage::new([500, 200], vec![egui::Color32::BLACK; 500 * 200]);
    h.state().deliver_screenshot(Arc::new(shot));
    h.step();
    let msg = h.state().ui.message.clone().unwrap_or_default();
    assert!(msg.starts_with("Wrote"), "export message: {msg}");
    let png = std::fs::read(&path).expect("the PNG exists");
    let w = u32::from_be_bytes(png[16..20].try_into().expect("4 bytes"));
    let hgt = u32::from_be_bytes(png[20..24].try_into().expect("4 bytes"));
    assert!(
        w <= 500 && hgt <= 200 && w > 0 && hgt > 0,
        "cut to the screenshot: {w}×{hgt}"
    );
}

#[test]
fn the_sweep_tab_creates_its_runs_a_few_at_a_time_and_a_click_opens_one() {
    let mut h = harness(scripted_by_lr(40, Duration::from_millis(2)));
    h.step();
    h.get_by_label("Sweep").click();
    h.step();
    h.step();
    // The default editor: the learning rate, log spaced from 1e-3 to 1e-2, 3 values, 2 seeds.
    assert!(
        has_text(&h, "3 values × 2 seeds = 6 runs"),
        "preview of the sweep"
    );
    h.state_mut().state.sweep.jobs = 2;
    h.get_by_label("Run sweep").click();
    let mut most_at_once = 0;
    step_until(&mut h, "six finished sweep runs", |a| {
        a.runs.len() == 6 && a.runs.iter().all(|r| r.status.ended())
    });
    // Count again frame by frame on a second sweep, to see the runs start a few at a time.
    h.get_by_label("Run sweep").click();
    let deadline = Instant::now() + Duration::from_mins(1);
    while h.state().runs.len() < 12 || !h.state().runs.iter().all(|r| r.status.ended()) {
        assert!(
            Instant::now() < deadline,
            "timed out waiting for the second sweep"
        );
        let training = h.state().runs.iter().filter(|r| !r.status.ended()).count();
        most_at_once = most_at_once.max(training);
        h.step();
        std::thread::sleep(Duration::from_millis(5));
    }
    h.step();
    assert!(
        (1..=2).contains(&most_at_once),
        "at most 2 runs train at once, saw {most_at_once}"
    );
    let app = h.state();
    let sweep = app.sweeps.active.as_ref().expect("the sweep");
    assert_eq!(sweep.number, 2);
    let rows = sweep.rows(&app.runs);
    assert_eq!(rows.len(), 6, "one result row per run");
    let second: Vec<_> = app.runs.iter().skip(6).collect();
    let lrs: Vec<f64> = second.iter().map(|r| r.config.optimizer.lr()).collect();
    // Point-major order; the middle value log spaced and rounded to 6 significant digits.
    assert_eq!(lrs, [0.001, 0.001, 0.003_162_28, 0.003_162_28, 0.01, 0.01]);
    for (row, run) in rows.iter().zip(&second) {
        let want = 10.0 * run.config.optimizer.lr() + run.config.seed as f64 / 1000.0;
        assert_eq!(row.eval_loss, Some(want), "row of {}", run.name);
        assert!(run.name.starts_with("S2 · lr="), "{}", run.name);
        assert!(!run.visible, "sweep runs stay out of the training plots");
    }
    assert!(has_text(&h, "6 / 6 runs done"), "progress shown");
    assert_eq!(
        app.ui.sweep_markers.len(),
        6,
        "a marker per run on the result plot"
    );

    // Click the marker of the last run: it opens in the training plots.
    let (pos, id) = *app.ui.sweep_markers.last().expect("a marker");
    click_at(&mut h, pos);
    h.step();
    let app = h.state();
    assert_eq!(app.runs.selected, Some(id), "the clicked run is selected");
    assert_eq!(app.ui.view, View::Training);
    assert!(app.runs.get(id).unwrap().visible);
}

#[test]
fn a_sweep_that_cannot_run_says_why_and_starts_nothing() {
    let mut h = harness(scripted(10, Duration::ZERO));
    h.step();
    h.get_by_label("Sweep").click();
    h.step();
    h.step();
    // The default setup is an LSTM with a forget-gate bias, which a GRU does not have.
    h.get_by_label("Add a second setting").click();
    h.step();
    h.state_mut().state.sweep.axes[1].list = "lstm, gru".into();
    h.step();
    h.step();
    assert!(
        has_text(&h, "model.cell = gru") && has_text(&h, "forget"),
        "the preview names the point and the problem"
    );
    h.get_by_label("Run sweep").click();
    h.step();
    h.step();
    assert!(h.state().runs.is_empty(), "no run started");
    assert!(h.state().sweeps.active.is_none());
}

#[test]
fn a_shipped_sweep_file_opens_in_the_tab_with_its_base_in_the_panel() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("sweeps/orthogonal_gain_rnn_lstm.ron");
    let mut h = harness(scripted(10, Duration::ZERO));
    h.step();
    h.state_mut().deferred.push(UiCommand::LoadSweep(path));
    h.step();
    h.step();
    let app = h.state();
    assert_eq!(app.ui.view, View::Sweep);
    assert_eq!(
        app.state.setup.model.hidden, 32,
        "the file's `set` applied to the base"
    );
    assert_eq!(app.state.sweep.axes.len(), 2);
    assert_eq!(app.state.sweep.axes[1].list, "rnn(tanh), lstm");
    assert!(has_text(
        &h,
        "5 values × 2 values × 4 seeds = 40 runs of 3000 steps"
    ));
}

#[test]
fn right_click_on_a_setting_opens_the_sweep_tab_with_it() {
    let mut h = harness(scripted(10, Duration::ZERO));
    h.state_mut().state.setup.model.hidden = 37;
    h.step();
    h.step();
    let node =
        h.query_all(by().predicate(|n| {
            n.numeric_value() == Some(37.0) || n.value().is_some_and(|v| v == "37")
        }))
        .next()
        .expect("the hidden-size field");
    node.click_secondary();
    h.step();
    h.step();
    h.get_by_label("Sweep this setting…").click();
    h.step();
    h.step();
    let app = h.state();
    assert_eq!(app.ui.view, View::Sweep);
    let axis = &app.state.sweep.axes[0];
    assert_eq!(axis.key, "model.hidden");
    // Suggested: log spaced from half to twice the current value.
    assert_eq!((axis.from, axis.to, axis.n), (18.5, 74.0, 3));
    assert!(
        has_text(&h, "3 values × 2 seeds = 6 runs"),
        "the preview is shown"
    );
}

// ---------------------------------------------------------------------------------------------
// The notebook: runs recorded in a workspace, listed again, carried on, opened from anywhere.

fn harness_with_workspace(
    factory: RunFactory,
    workspace: &std::path::Path,
) -> Harness<'static, BpttApp> {
    let root = workspace.to_owned();
    let mut state = SavedState::default();
    state.window.language = Some(Lang::En);
    Harness::builder()
        .with_size(egui::vec2(1440.0, 900.0))
        .build_eframe(move |cc| {
            let mut app = BpttApp::new(cc, state.clone(), factory.clone(), 0);
            app.open_workspace(&root);
            app
        })
}

/// A small, fast setup for real training in these tests.
fn small(h: &mut Harness<'static, BpttApp>) {
    let setup = &mut h.state_mut().state.setup;
    setup.model.hidden = 8;
    setup.task = bptt_lab::tasks::TaskConfig::Adding { seq_len: 10 };
    setup.steps = 40;
}

#[test]
fn runs_of_a_previous_session_are_listed_with_their_curves_and_carry_on() {
    let ws = tempfile::tempdir().expect("tempdir");
    {
        let mut h = harness_with_workspace(trainer_factory(), ws.path());
        small(&mut h);
        h.state_mut().state.step_n = 12;
        h.step();
        h.get_by_label("Step N").click();
        step_until(&mut h, "12 steps", |a| {
            status_is(a, &RunStatus::Paused) && step_of(a) == 12
        });
        // The window closes with the run paused: its worker stops and records its end.
    }
    let mut h = harness_with_workspace(trainer_factory(), ws.path());
    h.step();
    let app = h.state();
    assert_eq!(
        app.runs.len(),
        1,
        "the run of the previous session is listed"
    );
    let r = app.runs.iter().next().expect("a run");
    assert!(
        matches!(r.status, RunStatus::Finished { stopped: true }),
        "{:?}",
        r.status
    );
    assert_eq!(r.steps_done(), 12);
    let id = r.id;
    h.state_mut().deferred.push(UiCommand::Select(id));
    h.step();
    h.step();
    let r = h.state().runs.get(id).expect("the run");
    assert!(
        r.loaded && r.history.steps.len() == 12,
        "its curves are read when it is shown"
    );
    assert!(has_text(&h, "Continue"));
    h.get_by_label("Continue").click();
    step_until(&mut h, "the run to reach its 40 steps", |a| {
        a.runs
            .get(id)
            .is_some_and(|r| r.status.ended() && r.steps_done() == 40)
    });
    let r = h.state().runs.get(id).expect("the run");
    assert_eq!(r.history.steps.len(), 40, "one curve, carried on");
    let folder = r.folder.clone().expect("a folder");
    let rows = std::fs::read_to_string(folder.join("metrics.csv")).expect("metrics");
    assert_eq!(rows.lines().count(), 41, "a header and a row per step");
}

#[test]
fn a_run_training_when_the_window_closes_is_there_next_time_with_its_curves() {
    let ws = tempfile::tempdir().expect("tempdir");
    {
        let mut h = harness_with_workspace(trainer_factory(), ws.path());
        small(&mut h);
        h.state_mut().state.setup.steps = 1_000_000;
        h.step();
        h.get_by_label("Start").click();
        step_until(&mut h, "some steps", |a| step_of(a) > 10);
        // The window closes while the run trains.
    }
    let mut h = harness_with_workspace(trainer_factory(), ws.path());
    h.step();
    let r = h.state().runs.iter().next().expect("the run is listed");
    assert!(
        matches!(r.status, RunStatus::Finished { stopped: true }),
        "{:?}",
        r.status
    );
    let (id, done) = (r.id, r.steps_done());
    assert!(done > 10, "{done} steps recorded");
    h.state_mut().deferred.push(UiCommand::Select(id));
    h.step();
    h.step();
    let r = h.state().runs.get(id).expect("the run");
    assert_eq!(
        r.history.steps.len() as u64,
        done,
        "its curves up to the close"
    );
    h.get_by_label("Continue").click();
    step_until(&mut h, "more steps", |a| {
        a.runs.get(id).is_some_and(|r| r.steps_done() > done + 20)
    });
    h.get_by_label("Stop").click();
    step_until(&mut h, "stopped", |a| {
        a.runs.get(id).is_some_and(|r| r.status.ended())
    });
    let r = h.state().runs.get(id).expect("the run");
    assert_eq!(
        r.history.steps.len() as u64,
        r.steps_done(),
        "one curve, carried on"
    );
}

#[test]
fn a_run_started_in_the_window_is_recorded_and_a_delete_can_be_undone() {
    let ws = tempfile::tempdir().expect("tempdir");
    let mut h = harness_with_workspace(scripted(30, Duration::ZERO), ws.path());
    h.step();
    h.get_by_label("Start").click();
    step_until(&mut h, "the run to finish", |a| {
        a.runs.selected().is_some_and(|r| r.status.ended())
    });
    let r = h.state().runs.selected().expect("a run");
    let (id, folder) = (r.id, r.folder.clone().expect("recorded in the workspace"));
    assert!(folder.starts_with(ws.path().join("runs")));
    let summary = std::fs::read_to_string(folder.join("summary.json")).expect("summary");
    assert!(summary.contains("\"finished\""), "{summary}");
    h.state_mut().deferred.push(UiCommand::Delete(id));
    h.step();
    assert!(h.state().runs.is_empty());
    assert!(!folder.exists(), "the folder went to the trash");
    assert!(has_text(&h, "Undo delete"));
    h.get_by_label("Undo delete").click();
    h.step();
    h.step();
    assert!(folder.exists(), "the folder is back");
    assert_eq!(h.state().runs.len(), 1);
}

#[test]
fn damaged_folders_in_the_workspace_get_a_message_and_the_others_load() {
    let ws = tempfile::tempdir().expect("tempdir");
    // One good run from the command line's code, one with a garbage preset.
    let preset_text = bptt_lab::preset::find_builtin("orthogonal_gain_1_0")
        .expect("built in")
        .1;
    let preset = bptt_lab::preset::Preset::from_ron(preset_text, std::path::Path::new("p.ron"))
        .expect("parses");
    let config = preset
        .validate(std::path::Path::new("p.ron"))
        .expect("valid");
    let good = ws.path().join("runs/0001-good");
    bptt_lab::headless::run_with(
        &config,
        bptt_lab::headless::Options {
            steps: 3,
            start: bptt_lab::headless::Start::Fresh,
            folder: Some((&good, &preset)),
            stop: None,
            progress: &mut |_| {},
        },
    )
    .expect("trains");
    let bad = ws.path().join("runs/0002-bad");
    std::fs::create_dir_all(&bad).expect("mkdir");
    std::fs::write(bad.join("preset.ron"), "(version: 1, name: ").expect("write");
    let mut h = harness_with_workspace(scripted(10, Duration::ZERO), ws.path());
    h.step();
    assert_eq!(h.state().runs.len(), 1, "the good run loads");
    let msg = h.state().ui.message.clone().unwrap_or_default();
    assert!(
        msg.contains("0002-bad") && msg.contains("preset.ron"),
        "{msg}"
    );
}

#[test]
fn an_opened_sweep_folder_is_one_group_of_runs() {
    let dir = tempfile::tempdir().expect("tempdir");
    let sweep_text = r#"(
    version: 1,
    name: "tiny",
    description: "Two learning rates.",
    base: "orthogonal_gain_1_0",
    axes: [(key: "optimizer.lr", values: list([0.001, 0.01]))],
    seeds: 2,
    steps: Some(3),
)"#;
    let file = dir.path().join("tiny.ron");
    std::fs::write(&file, sweep_text).expect("write");
    let sweep = bptt_lab::sweep::Sweep::load(&file).expect("a sweep");
    let out = dir.path().join("tiny-out");
    bptt_lab::sweep::local::run(&sweep, &out, 2, &|_| {}).expect("runs");
    let mut h = harness(scripted(10, Duration::ZERO));
    h.step();
    h.state_mut()
        .deferred
        .push(UiCommand::OpenRuns(out.clone()));
    h.step();
    h.step();
    let app = h.state();
    assert_eq!(app.runs.len(), 4, "the sweep's four runs");
    assert!(
        app.runs
            .iter()
            .all(|r| r.name.starts_with("tiny-out · ") && r.visible),
        "one group, shown"
    );
    // Opening it again adds nothing.
    h.state_mut().deferred.push(UiCommand::OpenRuns(out));
    h.step();
    assert_eq!(h.state().runs.len(), 4);
}

#[test]
fn the_apps_own_file_dialog_takes_a_typed_path_and_opens_the_preset() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("mine.ron");
    let mut preset = bptt_lab::preset::Preset::from_ron(
        bptt_lab::preset::builtin()[0].1,
        std::path::Path::new("builtin.ron"),
    )
    .expect("a shipped preset");
    preset.name = "my own preset".into();
    preset.save(&path).expect("save");
    let mut h = harness(scripted(10, Duration::ZERO));
    assert!(
        !h.state().state.window.system_dialogs,
        "the app's own dialog is the default"
    );
    h.step();
    h.get_by_label("Presets").click();
    h.run_steps(3);
    h.get_by_label("Open preset file…").click();
    h.run_steps(3);
    assert!(
        has_text(&h, "Open a preset"),
        "the dialog is a window in the app"
    );
    let fields: Vec<String> = h
        .query_all(by().role(egui::accesskit::Role::TextInput))
        .filter_map(|n| n.value())
        .collect();
    let cwd = std::env::current_dir().expect("cwd").display().to_string();
    assert!(
        fields.contains(&cwd),
        "a path field, showing the folder: {fields:?}"
    );
    let file_field = h
        .query_all(by().role(egui::accesskit::Role::TextInput))
        .find(|n| n.value().as_deref() == Some(""))
        .expect("an empty file name field");
    file_field.focus();
    h.step();
    h.query_all(by().role(egui::accesskit::Role::TextInput))
        .find(|n| n.value().as_deref() == Some("") && n.is_focused())
        .expect("the file name field, focused")
        .type_text(&path.display().to_string());
    h.step();
    h.key_press(egui::Key::Enter);
    h.run_steps(3);
    assert_eq!(h.state().state.preset_name, "my own preset");
    assert!(!has_text(&h, "Open a preset"), "the dialog closed");
}

#[test]
fn a_second_click_on_select_never_lands_on_delete() {
    let mut h = harness(scripted(20, Duration::ZERO));
    h.step();
    h.get_by_label("Start").click();
    h.step();
    for _ in 0..2 {
        h.get_by_label("Start as new run").click();
        h.step();
    }
    step_until(&mut h, "three finished runs", |a| {
        a.runs.len() == 3 && a.runs.iter().all(|r| r.status.ended())
    });
    h.state_mut().runs.selected = None;
    h.run_steps(2);
    let ids: Vec<u64> = h.state().runs.iter().map(|r| r.id).collect();
    // Every run's Select, from nothing selected and from another run selected.
    for round in 0..2 {
        for &id in &ids {
            if round == 0 {
                h.state_mut().runs.selected = None;
                h.run_steps(2);
            }
            let Some(button) = h
                .query_all_by_label("Select")
                .find(|n| !n.accesskit_node().is_disabled())
            else {
                continue;
            };
            let at = button.rect().center();
            button.click();
            h.run_steps(2);
            let under: Vec<String> = h
                .query_all(by().predicate(move |n| {
                    n.bounding_box().is_some_and(|b| {
                        b.x0 <= f64::from(at.x)
                            && f64::from(at.x) <= b.x1
                            && b.y0 <= f64::from(at.y)
                            && f64::from(at.y) <= b.y1
                    })
                }))
                .filter_map(|n| n.accesskit_node().label())
                .collect();
            assert!(
                !under.iter().any(|l| l == "Delete"),
                "after Select (run {id}), under the cursor: {under:?}"
            );
            assert!(under.iter().any(|l| l == "Select"), "{under:?}");
        }
    }
    assert_eq!(h.state().runs.len(), 3, "nothing deleted");
}

#[test]
fn plots_fit_between_the_side_panels_at_every_window_size() {
    for size in [
        egui::vec2(1024.0, 700.0),
        egui::vec2(1440.0, 900.0),
        egui::vec2(1920.0, 1080.0),
    ] {
        let factory = scripted(30, Duration::ZERO);
        let mut h = Harness::builder()
            .with_size(size)
            .build_eframe(move |cc| BpttApp::new(cc, SavedState::default(), factory.clone(), 0));
        h.step();
        h.get_by_label("Start").click();
        step_until(&mut h, "the run to end", |a| {
            a.runs.iter().all(|r| r.status.ended()) && !a.runs.is_empty()
        });
        for (setup_open, runs_open) in [(true, true), (false, false), (true, false)] {
            h.state_mut().state.window.setup_panel_open = setup_open;
            h.state_mut().state.window.runs_panel_open = runs_open;
            h.run_steps(4);
            let right = if runs_open {
                h.get_by_label("Runs").rect().left()
            } else {
                size.x
            };
            for (title, rect) in &h.state().ui.plot_rects {
                assert!(
                    rect.right() <= right,
                    "{size:?} setup {setup_open} runs {runs_open}: {title} reaches {} > {right}",
                    rect.right()
                );
            }
        }
    }
}

#[test]
fn side_panels_close_to_a_strip_and_open_again() {
    let mut h = harness(scripted(10, Duration::ZERO));
    h.step();
    h.get_by_label("◀ Hide setup").click();
    h.run_steps(20);
    assert!(!h.state().state.window.setup_panel_open);
    assert!(!has_text(&h, "Hidden size H"), "the setup panel is closed");
    h.get_by_label("Hide runs ▶").click();
    h.run_steps(20);
    assert!(!h.state().state.window.runs_panel_open);
    h.get_by_label("▶").click();
    h.run_steps(20);
    assert!(h.state().state.window.setup_panel_open);
    assert!(has_text(&h, "Hidden size H"), "the setup panel is back");
    h.get_by_label("◀").click();
    h.run_steps(20);
    assert!(h.state().state.window.runs_panel_open);
}

#[test]
fn a_new_run_is_named_by_what_changed_and_reset_keeps_its_colour() {
    let mut h = harness(scripted(20, Duration::ZERO));
    h.step();
    h.get_by_label("Start").click();
    h.step();
    bptt_lab::preset::apply_set(&mut h.state_mut().state.setup, "optimizer.lr=0.01")
        .expect("a setting");
    h.run_steps(3);
    h.get_by_label("Start as new run").click();
    step_until(&mut h, "two finished runs", |a| {
        a.runs.len() == 2 && a.runs.iter().all(|r| r.status.ended())
    });
    let newest = h.state().runs.iter().last().expect("a run");
    assert!(
        newest.name.ends_with("· lr=0.01"),
        "named by the change: {}",
        newest.name
    );
    let (name, color) = (newest.name.clone(), newest.color);
    h.get_by_label("Reset").click();
    h.run_steps(2);
    let again = h.state().runs.iter().last().expect("the run again");
    assert_eq!((again.name.clone(), again.color), (name, color));
}

#[test]
fn switch_to_chinese_pick_a_preset_in_chinese_and_start_it() {
    let mut h = harness(scripted(1_000_000, Duration::from_millis(1)));
    h.step();
    h.get(by().value("🌐 English")).click();
    h.run_steps(3);
    h.get_by_label("简体中文").click();
    h.run_steps(3);
    assert_eq!(h.state().state.window.language, Some(Lang::ZhCn));
    // The window speaks Chinese at once: the menus, the run controls, the panel.
    assert!(has_text(&h, "🌐 简体中文"));
    assert!(has_text(&h, Shell::Presets.text(Lang::ZhCn)));
    assert!(!has_text(&h, "Presets"), "an English menu is left");
    h.get_by_label(Shell::Presets.text(Lang::ZhCn)).click();
    h.run_steps(3);
    // The presets by their Chinese names.
    let (file, text) = bptt_lab::preset::builtin()
        .into_iter()
        .find(|(f, _)| *f == "adding_gru_t100.ron")
        .expect("a shipped preset");
    let preset =
        bptt_lab::preset::Preset::from_ron(text, std::path::Path::new(file)).expect("it parses");
    let zh = preset.zh_cn.expect("it has a Chinese name");
    h.get_by_label(&zh.name).click();
    h.run_steps(2);
    assert!(
        has_text(&h, &zh.name),
        "the panel's heading is the Chinese name"
    );
    h.get_by_label(Shell::Start.text(Lang::ZhCn)).click();
    step_until(&mut h, "the run to train", |a| step_of(a) > 3);
    assert_eq!(h.state().runs.len(), 1);
    // Back to English, at once.
    h.get(by().value("🌐 简体中文")).click();
    h.run_steps(3);
    h.get_by_label("English").click();
    h.run_steps(3);
    assert!(has_text(&h, "Presets") && has_text(&h, &preset.name));
}

/// Clicks through the tour in `lang` to its end: every step's title is shown, the steps with
/// a preset start a run of it with the step's changes, and Finish closes the tour.
fn walk_the_tour(lang: Lang) {
    let steps = bptt_lab::gui::tour::steps();
    let mut h = harness_in(scripted(1_000_000, Duration::from_millis(1)), lang);
    h.step();
    h.get_by_label(&format!("🎓 {}", TourText::TourButton.text(lang)))
        .click();
    h.run_steps(3);
    let mut runs = 0;
    for (i, step) in steps.iter().enumerate() {
        assert!(has_text(&h, step.title.get(lang)), "step {i}'s title");
        assert!(has_text(&h, step.body.get(lang)), "step {i}'s text");
        let tour = h.state().ui.tour.as_ref().expect("the tour is open");
        assert_eq!(tour.index, i);
        if step.preset.is_some() {
            runs += 1;
            assert_eq!(h.state().runs.len(), runs, "step {i} started its run");
            for assignment in &step.set {
                let (key, value) = assignment.split_once('=').expect("key=value");
                let got =
                    bptt_lab::preset::setting(&h.state().state.setup, key).expect("a setting");
                assert_eq!(got.to_string(), value, "step {i}: {assignment}");
            }
        }
        let shown = h.state().runs.iter().filter(|r| r.visible).count();
        assert_eq!(shown, 1, "step {i}: only the step's run is shown");
        // The cores go to the step's run: the tour's earlier runs are paused.
        let current = h.state().runs.selected;
        step_until(&mut h, "the tour's other runs to pause", |a| {
            a.runs
                .iter()
                .filter(|r| Some(r.id) != current)
                .all(|r| !matches!(r.status, RunStatus::Running))
        });
        let next = if i + 1 == steps.len() {
            TourText::Finish
        } else {
            TourText::Next
        };
        h.get_by_label(next.text(lang)).click();
        h.run_steps(3);
    }
    assert!(h.state().ui.tour.is_none(), "Finish closes the tour");
    // Back is there too: open again, go forward and back.
    h.get_by_label(&format!("🎓 {}", TourText::TourButton.text(lang)))
        .click();
    h.run_steps(3);
    assert_eq!(
        h.state().runs.len(),
        runs + 1,
        "a new tour starts its first run again"
    );
    let visible = |h: &Harness<'static, BpttApp>| {
        h.state()
            .runs
            .iter()
            .filter(|r| r.visible)
            .map(|r| r.id)
            .collect::<Vec<_>>()
    };
    let first = visible(&h);
    h.get_by_label(TourText::Next.text(lang)).click();
    h.run_steps(3);
    h.get_by_label(TourText::Next.text(lang)).click();
    h.run_steps(3);
    h.get_by_label(TourText::Back.text(lang)).click();
    h.run_steps(3);
    assert_eq!(h.state().ui.tour.as_ref().map(|t| t.index), Some(1));
    assert_eq!(
        h.state().runs.len(),
        runs + 1,
        "steps without a preset keep the run"
    );
    assert_eq!(visible(&h), first);
    h.get_by_label(TourText::Leave.text(lang)).click();
    h.run_steps(3);
    assert!(h.state().ui.tour.is_none(), "Leave closes the tour");
}

#[test]
fn the_tour_walks_to_its_end_in_english() {
    walk_the_tour(Lang::En);
}

#[test]
fn the_tour_walks_to_its_end_in_chinese() {
    walk_the_tour(Lang::ZhCn);
}

#[test]
fn the_export_menu_writes_a_pytorch_script_of_the_selected_run_on_a_thread() {
    let mut h = harness(trainer_factory());
    h.step();
    h.get_by_label("Export").click();
    h.run_steps(3);
    assert!(has_text(&h, "As a Keras training script…"));
    h.get_by_label("As a PyTorch training script…").click();
    h.run_steps(3);
    assert!(
        has_text(&h, "Choose a folder for the PyTorch script"),
        "a folder dialog"
    );
    let dir = tempfile::tempdir().expect("a temp dir");
    h.state_mut().apply(UiCommand::ExportScript(
        bptt_lab::frameworks::Framework::Pytorch,
        dir.path().to_owned(),
    ));
    step_until(&mut h, "the export to finish", |a| {
        a.ui.script_exports.is_empty()
    });
    let message = h.state().ui.message.clone().unwrap_or_default();
    assert!(message.starts_with("Wrote the PyTorch script"), "{message}");
    for f in [
        "train.py",
        "init_weights.npz",
        "batches.npz",
        "lab_losses.csv",
    ] {
        assert!(dir.path().join(f).is_file(), "{f} written");
    }
    // What Keras cannot do the same way is refused, with the reason, in the message line.
    let keras = tempfile::tempdir().expect("a temp dir");
    h.state_mut().apply(UiCommand::ExportScript(
        bptt_lab::frameworks::Framework::Keras,
        keras.path().to_owned(),
    ));
    step_until(&mut h, "the export to finish", |a| {
        a.ui.script_exports.is_empty()
    });
    let message = h.state().ui.message.clone().unwrap_or_default();
    assert!(
        message.starts_with("Cannot export to Keras") && message.contains("recurrent_bias"),
        "{message}"
    );
}

#[test]
fn the_profile_scrubber_shows_an_earlier_step_and_its_right_end_the_latest() {
    let mut h = harness(scripted(400, Duration::from_millis(1)));
    h.step();
    h.state_mut().state.setup.eval.every = 10;
    h.state_mut().deferred.push(UiCommand::Start);
    step_until(&mut h, "the run to end", |a| {
        a.runs.selected().is_some_and(|r| r.status.ended())
    });
    h.run_steps(3);
    let rows: Vec<u64> = {
        let r = h.state().runs.selected().unwrap();
        r.history.profiles.rows().iter().map(|row| row.0).collect()
    };
    assert!(rows.len() > 10, "profiles over the run: {rows:?}");
    let latest = *rows.last().unwrap();
    assert!(has_text(&h, &format!("‖∂L/∂h_t‖ @ step {latest}")));
    // A click at the slider's left end: the first profile, and the heatmap's cursor on it.
    let rect = h.get_by_label("profile: latest").rect();
    let pos = egui::pos2(rect.left() + 2.0, rect.center().y);
    click_at(&mut h, pos);
    h.run_steps(2);
    assert_eq!(h.state().state.profile_step, Some(rows[0]));
    assert!(has_text(&h, &format!("‖∂L/∂h_t‖ @ step {}", rows[0])));
    assert!(!has_text(&h, &format!("‖∂L/∂h_t‖ @ step {latest}")));
    // The slider says the step, and so does the cursor on the heatmap.
    let at = format!("profile at step {}", rows[0]);
    assert_eq!(h.query_all(by().label(at.as_str())).count(), 2);
    // The right end follows the latest again.
    let pos = egui::pos2(rect.right() - 2.0, rect.center().y);
    click_at(&mut h, pos);
    h.run_steps(2);
    assert_eq!(h.state().state.profile_step, None);
    assert!(has_text(&h, &format!("‖∂L/∂h_t‖ @ step {latest}")));
}

#[test]
fn the_speed_control_slows_the_run_and_full_speed_lets_it_go() {
    let mut h = harness(scripted(10_000_000, Duration::ZERO));
    h.step();
    // The combo box shows the cap as its value.
    h.get(by().value("full speed")).click();
    h.run_steps(2);
    h.get_by_label("5 steps/s").click();
    h.step();
    assert_eq!(h.state().runs.pace.max_steps_per_sec, Some(5.0));
    h.get_by_label("Start").click();
    step_until(&mut h, "the first steps", |a| step_of(a) >= 1);
    let frames_from = Instant::now();
    while frames_from.elapsed() < Duration::from_secs(1) {
        h.step();
        std::thread::sleep(Duration::from_millis(20));
    }
    let capped = step_of(h.state());
    // About 6 in a second at 5 a second; an uncapped scripted run does thousands.
    assert!(capped <= 20, "{capped} steps in a second at 5 steps/s");
    assert!(
        has_text(&h, "at most 5 steps/s"),
        "the status bar says the cap"
    );
    h.get(by().value("5 steps/s")).click();
    h.run_steps(2);
    h.get_by_label("full speed").click();
    step_until(&mut h, "full speed again", |a| step_of(a) > capped + 2000);
}

#[test]
fn stop_at_step_pauses_the_run_exactly_there_and_resume_goes_on() {
    let mut h = harness(scripted(1_000, Duration::ZERO));
    h.step();
    h.get_by_label("Stop at step").click();
    h.step();
    // The N next to the box starts at 100.
    assert_eq!(h.state().runs.pace.stop_at, Some(100));
    h.get_by_label("Start").click();
    step_until(&mut h, "paused at 100", |a| {
        status_is(a, &RunStatus::Paused)
    });
    assert_eq!(step_of(h.state()), 100);
    let profiled = h
        .state()
        .runs
        .selected()
        .and_then(|r| r.history.latest.as_ref().map(|p| p.step));
    assert_eq!(
        profiled,
        Some(100),
        "the profile plot shows the step it paused at"
    );
    h.get_by_label("Resume").click();
    step_until(&mut h, "finished", |a| {
        status_is(a, &RunStatus::Finished { stopped: false })
    });
    assert_eq!(step_of(h.state()), 1_000);
}

#[test]
fn a_diverged_runs_huge_answer_in_the_example_plot_is_no_crash() {
    // The unclipped exploding preset diverges at step 2; the weights of step 1 answer ~1e308.
    let mut h = harness(trainer_factory());
    let path = std::path::Path::new("presets/clip_exploding_rnn_unclipped.ron");
    let preset = bptt_lab::preset::Preset::load(path).expect("the preset");
    h.state_mut().state.take_preset(preset);
    h.step();
    h.get_by_label("Start").click();
    step_until(&mut h, "the divergence", |a| {
        a.runs.selected().is_some_and(|r| r.status.diverged())
    });
    step_until(&mut h, "the example of the diverged weights", |a| {
        a.ui.views.done.as_ref().is_some_and(|(_, v)| v.is_ok())
    });
    h.run_steps(3);
    assert!(has_text(&h, "diverged at step 2"), "the status says so");
}

#[test]
fn runs_that_differ_only_by_seed_are_drawn_as_one_mean_with_a_band() {
    let mut h = harness(scripted(30, Duration::ZERO));
    h.step();
    for seed in 1..=3 {
        h.state_mut().state.setup.seed = seed;
        h.state_mut().deferred.push(UiCommand::StartNew);
        h.run_steps(2);
    }
    // A fourth run with another learning rate is not one of them.
    h.state_mut().state.setup.seed = 4;
    bptt_lab::preset::apply_set(&mut h.state_mut().state.setup, "optimizer.lr=0.5")
        .expect("a setting");
    h.state_mut().deferred.push(UiCommand::StartNew);
    step_until(&mut h, "four finished runs", |a| {
        a.runs.len() == 4 && a.runs.iter().all(|r| r.status.ended())
    });
    for id in h.state().runs.iter().map(|r| r.id).collect::<Vec<_>>() {
        h.state_mut().deferred.push(UiCommand::SetVisible(id, true));
    }
    h.run_steps(3);
    let first = h.state().runs.iter().next().unwrap().name.clone();
    let group = format!("{first} · 3 seeds");
    assert!(!has_text(&h, &group), "off by default");
    h.get_by_label("group seeds").click();
    h.run_steps(3);
    assert!(h.state().state.group_seeds);
    assert!(has_text(&h, &group), "one legend entry for the three seeds");
    assert!(
        !has_text(&h, "· 4 seeds"),
        "the other learning rate stays apart"
    );
}

#[test]
fn runs_on_two_tasks_on_one_loss_plot_each_have_their_baseline() {
    let mut h = harness(scripted(5, Duration::ZERO));
    h.step();
    h.state_mut().deferred.push(UiCommand::StartNew);
    h.run_steps(2);
    bptt_lab::preset::apply_set(&mut h.state_mut().state.setup, "task=parity(seq_len: 20)")
        .expect("a setting");
    h.state_mut().deferred.push(UiCommand::StartNew);
    step_until(&mut h, "two finished runs", |a| {
        a.runs.len() == 2 && a.runs.iter().all(|r| r.status.ended())
    });
    for id in h.state().runs.iter().map(|r| r.id).collect::<Vec<_>>() {
        h.state_mut().deferred.push(UiCommand::SetVisible(id, true));
    }
    h.run_steps(3);
    assert!(has_text(&h, "adding baseline 0.1667"));
    assert!(has_text(&h, "parity baseline 0.6931"));
}

#[test]
fn the_panel_says_whose_setup_it_is_and_what_the_next_run_changes() {
    let mut h = harness(scripted(5, Duration::ZERO));
    h.step();
    assert!(has_text(&h, "This panel is the setup of the next run"));
    h.state_mut().deferred.push(UiCommand::Start);
    step_until(&mut h, "the run to end", |a| {
        a.runs.selected().is_some_and(|r| r.status.ended())
    });
    h.run_steps(2);
    let run = h.state().runs.selected().unwrap().name.clone();
    assert!(has_text(&h, &format!("This is the setup of {run}.")));
    assert!(!has_text(&h, "changed from the preset"));
    bptt_lab::preset::apply_set(&mut h.state_mut().state.setup, "optimizer.lr=0.02")
        .expect("a setting");
    h.run_steps(2);
    assert!(has_text(
        &h,
        &format!("The next run (Start as new run) differs from {run}: lr=0.02")
    ));
    assert!(
        has_text(&h, "changed from the preset: lr=0.02"),
        "the title too"
    );
    h.get_by_label(&format!("Back to {run}'s setup")).click();
    h.run_steps(2);
    let app = h.state();
    assert_eq!(
        &app.state.setup,
        app.runs.selected().unwrap().config.setup()
    );
    assert!(has_text(&h, &format!("This is the setup of {run}.")));
    assert!(!has_text(&h, "changed from the preset"));
}

#[test]
fn hovering_a_runs_summary_says_how_it_differs_from_the_selected_run() {
    let mut h = harness(scripted(5, Duration::ZERO));
    h.step();
    h.state_mut().deferred.push(UiCommand::StartNew);
    h.run_steps(2);
    bptt_lab::preset::apply_set(&mut h.state_mut().state.setup, "optimizer.lr=0.02")
        .expect("a setting");
    h.state_mut().deferred.push(UiCommand::StartNew);
    step_until(&mut h, "two finished runs", |a| {
        a.runs.len() == 2 && a.runs.iter().all(|r| r.status.ended())
    });
    let (first, second) = {
        let mut it = h.state().runs.iter();
        let a = it.next().unwrap();
        let b = it.next().unwrap();
        (a.id, (b.name.clone(), b.summary()))
    };
    h.state_mut().deferred.push(UiCommand::Select(first));
    h.run_steps(2);
    h.get_by_label(&second.1).hover();
    for _ in 0..40 {
        h.step();
    }
    let selected = h.state().runs.selected().unwrap().name.clone();
    assert!(
        has_text(
            &h,
            &format!("Differs from {selected} (the selected run):\nlr=0.02")
        ),
        "the tooltip names the selected run and the difference"
    );
    assert!(has_text(&h, &second.0));
}
