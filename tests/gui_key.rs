//! The plots' key (#15 item 6): outside the plots, the shown runs' whole names, wrapped
//! rather than cut; and the status bar's speed cap is the selected run's own.

use std::time::Duration;

use bptt_lab::gui::UiCommand;
use bptt_lab::train::Pace;
use egui_kittest::kittest::Queryable;

mod gui_support;
use gui_support::{harness, has_text, one_finished_run, scripted, step_until};

#[test]
fn the_key_above_the_plots_shows_a_long_run_name_whole_within_the_window() {
    let (mut h, id) = one_finished_run(5);
    let long = "lstm · k2=40 · clip 1.0 · orthogonal init · lr 0.003 · a name far longer than \
                any column of the plot grid is wide, to see it wrap rather than be cut off";
    h.state_mut()
        .deferred
        .push(UiCommand::Rename(id, long.to_owned()));
    h.run_steps(3);
    assert!(has_text(&h, "Runs shown:"), "the key is drawn");
    let node = h.get_by_label(long);
    let rect = node.rect();
    let width = h.ctx.content_rect().width();
    assert!(
        rect.right() <= width + 0.5 && rect.left() >= -0.5,
        "the whole name lies within the window ({rect:?}, window {width})"
    );
    assert!(
        rect.height() > 20.0,
        "a name this long wraps onto a second row ({rect:?})"
    );
}

#[test]
fn a_hidden_run_leaves_the_key() {
    let (mut h, id) = one_finished_run(5);
    let name = h.state().runs.get(id).unwrap().name.clone();
    h.state_mut()
        .deferred
        .push(UiCommand::Rename(id, format!("{name} renamed for the key")));
    h.run_steps(3);
    let key_name = format!("{name} renamed for the key");
    assert!(
        h.query_all_by_label(&key_name).count() >= 1,
        "shown: in the key"
    );
    h.state_mut()
        .deferred
        .push(UiCommand::SetVisible(id, false));
    h.run_steps(3);
    assert!(!has_text(&h, "Runs shown:"), "no run shown, no key");
}

#[test]
fn the_speed_cap_in_the_status_bar_is_the_selected_runs_own() {
    let mut h = harness(scripted(1_000_000, Duration::from_millis(5)));
    h.step();
    h.state_mut().deferred.push(UiCommand::SetPace(Pace {
        max_steps_per_sec: Some(7.0),
        stop_at: None,
    }));
    h.state_mut().deferred.push(UiCommand::StartNew);
    step_until(&mut h, "a running run", |a| {
        a.runs.selected().is_some_and(|r| r.status.is_running())
    });
    h.run_steps(2);
    assert!(
        has_text(&h, "(at most 7 steps/s)"),
        "the paced run says its cap"
    );
    // A run at full speed (as a sweep's are) while the session's pace is still capped.
    let config = h.state().runs.selected().unwrap().config.clone();
    let fast = h.state_mut().runs.create_paced(
        config,
        "full speed".to_owned(),
        String::new(),
        Pace::default(),
    );
    h.state_mut().deferred.push(UiCommand::Select(fast));
    h.state_mut().deferred.push(UiCommand::Start);
    step_until(&mut h, "the fast run running", |a| {
        a.runs.get(fast).is_some_and(|r| r.status.is_running())
    });
    h.run_steps(2);
    assert!(has_text(&h, "full speed: "), "its status is shown");
    assert!(!has_text(&h, "steps/s)"), "and it has no cap");
    for id in h.state().runs.iter().map(|r| r.id).collect::<Vec<_>>() {
        h.state_mut().deferred.push(UiCommand::Select(id));
        h.state_mut().deferred.push(UiCommand::Stop);
        h.run_steps(1);
    }
}
