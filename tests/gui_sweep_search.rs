//! The Sweep tab's random search and successive halving, driven by label: a random search
//! starts its drawn points as runs of the app, a successive-halving sweep trains for real
//! through the sweep library into a folder and shows its rungs, who was dropped where and the
//! survivors.

use std::time::Duration;

use bptt_lab::gui::{BpttApp, trainer_factory};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;

mod gui_support;
use gui_support::{harness, has_text, scripted_by_lr, step_until};

fn open_sweep_tab(h: &mut Harness<'static, BpttApp>) {
    h.step();
    h.get_by_label("Sweep").click();
    h.step();
    h.step();
}

#[test]
fn a_random_search_starts_its_drawn_points_as_runs() {
    let mut h = harness(scripted_by_lr(3, Duration::ZERO));
    open_sweep_tab(&mut h);
    {
        let s = &mut h.state_mut().state.sweep;
        s.random_on = true;
        s.samples = 5;
        s.sample_seed = 7;
        s.seeds = 1;
        s.steps = 3;
        s.axes[0].spacing = bptt_lab::gui::sweep::Spacing::LogUniform;
    }
    h.step();
    h.step();
    assert!(
        has_text(&h, "5 points drawn at random (sample seed 7)"),
        "the preview says what is drawn"
    );
    h.get_by_label("Run sweep").click();
    step_until(&mut h, "five finished runs", |a| {
        a.runs.len() == 5 && a.runs.iter().all(|r| r.status.ended())
    });
    let lrs: Vec<f64> = h
        .state()
        .runs
        .iter()
        .map(|r| r.config.optimizer.lr())
        .collect();
    let axis = &h.state().state.sweep.axes[0];
    let (lo, hi) = (axis.from, axis.to);
    for lr in &lrs {
        assert!((lo..=hi).contains(lr), "{lr} drawn from [{lo}, {hi})");
    }
    let mut distinct = lrs.clone();
    distinct.sort_by(f64::total_cmp);
    distinct.dedup();
    assert_eq!(distinct.len(), 5, "distinct points: {lrs:?}");
    // The runs are the sweep's points, in its order.
    let active = h.state().sweeps.active.as_ref().expect("the sweep");
    let points: Vec<String> = active
        .sweep
        .points()
        .iter()
        .map(|p| p.values[0].clone())
        .collect();
    let drawn: Vec<String> = lrs.iter().map(f64::to_string).collect();
    assert_eq!(points.len(), 5);
    for (p, lr) in points.iter().zip(&lrs) {
        let v: f64 = p.parse().expect("a number");
        assert!(
            (v - lr).abs() <= 1e-12 * lr.abs(),
            "{p} vs {lr} ({drawn:?})"
        );
    }
    assert!(has_text(&h, "5 / 5 runs done"));
}

#[test]
fn successive_halving_shows_its_rungs_who_was_dropped_and_the_survivors() {
    let mut h = harness(trainer_factory());
    open_sweep_tab(&mut h);
    {
        let app = h.state_mut();
        let setup = &mut app.state.setup;
        setup.model.hidden = 4;
        setup.batch_size = 4;
        setup.eval.size = 8;
        let s = &mut app.state.sweep;
        s.halving_on = true;
        s.eta = 3;
        s.rungs = 2;
        s.steps = 6;
        s.seeds = 1;
        s.jobs = 2;
        s.axes[0].n = 3;
    }
    h.step();
    h.step();
    assert!(
        has_text(&h, "successive halving, η = 3"),
        "the preview gives the schedule"
    );
    h.get_by_label("Run sweep").click();
    step_until(&mut h, "the sweep to end", |a| {
        a.sweeps
            .active
            .as_ref()
            .and_then(|s| s.halving.as_ref())
            .is_some_and(|r| r.ended.is_some())
    });
    h.step();
    h.step();
    let active = h.state().sweeps.active.as_ref().expect("the sweep");
    let run = active.halving.as_ref().expect("a halving sweep");
    assert_eq!(run.ended, Some(Ok(())), "it ran to its end");
    assert_eq!(run.rungs.len(), 2);
    assert_eq!(run.rungs[0].setups, 3);
    assert_eq!(run.rungs[1].setups, 1, "the best third carries on");
    let survivors = run.survivors(&active.sweep);
    assert_eq!(survivors.len(), 1);
    let dropped: Vec<usize> = (0..3)
        .filter(|&s| run.dropped_at(&active.sweep, s) == Some(0))
        .collect();
    assert_eq!(dropped.len(), 2, "two setups stop at rung 0");
    assert!(!dropped.contains(&survivors[0].setup));
    // The survivor is the best of rung 0 by held-out loss.
    let rung0 = run.setups_at(&active.sweep, 0);
    let best = rung0
        .iter()
        .min_by(|a, b| {
            a.loss
                .unwrap_or(f64::INFINITY)
                .total_cmp(&b.loss.unwrap_or(f64::INFINITY))
        })
        .expect("three setups");
    assert_eq!(best.setup, survivors[0].setup);
    assert!(
        run.out.join("halving.csv").is_file(),
        "the library's files in {}",
        run.out.display()
    );
    assert!(has_text(&h, "Rung 0: 3 setups, 2 steps each"));
    assert!(has_text(&h, "Rung 1: 1 setups, 6 steps each"));
    assert!(has_text(&h, "dropped at rung 0"));
    assert!(has_text(&h, "Survivors"));
    assert!(
        has_text(&h, "Sweep") && !has_text(&h, "Sweep (running)"),
        "the tab says it ended"
    );
    let _ = std::fs::remove_dir_all(&run.out);
}
