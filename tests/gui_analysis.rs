//! The analysis of the network in the app, driven with `egui_kittest`: a run is analysed at
//! its first and last steps, the eigenvalue plot shows each LSTM gate block with the unit
//! circle and the sigmoid gates' 1/γ, and the gradient profile carries the decay λ₁ predicts
//! beside the fitted one; the terms of the BPTT sum are drawn per gate block with their reach.

use bptt_lab::gui::{UiCommand, trainer_factory};

mod gui_support;
use gui_support::{harness, has_text, step_until};

#[test]
fn an_lstm_run_shows_its_eigenvalues_per_gate_and_the_predicted_decay() {
    let mut h = harness(trainer_factory());
    h.step();
    {
        let s = &mut h.state_mut().state.setup;
        s.steps = 20;
        s.model.hidden = 8;
        s.model.cell = bptt_lab::nn::CellKind::Lstm;
    }
    h.run_steps(3);
    h.state_mut().deferred.push(UiCommand::Start);
    step_until(&mut h, "the run's end", |app| {
        app.runs.selected().is_some_and(|r| r.status.ended())
    });
    let app = h.state();
    let run = app.runs.selected().unwrap();
    let (step, analysis) = run.history.analysis.as_ref().expect("an analysis");
    assert_eq!(*step, 20, "the last step is always analysed");
    assert_eq!(
        run.history.eigen_trail.front().map(|(s, _)| *s),
        Some(1),
        "the first analysis, at step 1, is in the trail"
    );
    assert_eq!(analysis.spectra.len(), 4);
    assert!(analysis.spectra.iter().all(|s| s.eigenvalues.len() == 8));
    h.run_steps(2);
    for gate in ["i", "f", "g", "o"] {
        assert!(has_text(&h, &format!("{gate}: ρ ")), "gate block {gate}");
    }
    assert!(has_text(&h, "|λ| = 1"));
    assert!(has_text(&h, "1/γ = 4 (sigmoid gates)"));
    assert!(has_text(&h, "λ₁ predicts"));
    assert!(has_text(&h, "fitted "));
    // The terms of the BPTT sum, per gate block, with how far back 90 % of it comes from.
    assert!(has_text(&h, "Terms of the BPTT sum"));
    assert!(has_text(&h, "W_hh (f)"));
    assert!(has_text(&h, "% of ∂L/∂W_hh"), "the reach of the gradient");
}
