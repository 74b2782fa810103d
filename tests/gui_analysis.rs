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
    // …and over training: a row per step they were taken at, each the norm of the whole
    // term of ∂L/∂W_hh per time step (the gate blocks' norms combined).
    let run = h.state().runs.selected().unwrap();
    let rows = run.history.term_profiles.rows();
    assert!(!rows.is_empty());
    let latest = run.history.latest.as_ref().expect("diagnostics");
    let (step, start, totals) = rows.last().unwrap();
    assert_eq!((*step, *start), (latest.terms_step, latest.terms.start));
    for (total, blocks) in totals.iter().zip(&latest.terms.hh) {
        let combined = blocks.iter().map(|b| b * b).sum::<f64>().sqrt();
        assert!((total - combined).abs() <= 1e-12 * combined);
    }
    let steps: Vec<u64> = rows.iter().map(|r| r.0).collect();
    assert!(
        steps.windows(2).all(|w| w[0] < w[1]),
        "one row per step the terms were taken at: {steps:?}"
    );
    assert!(has_text(&h, "Terms of the BPTT sum over training"));
    assert!(has_text(&h, "log10 ‖term_t‖ of ∂L/∂W_hh"));
    // Decay over training and the LSTM's memory horizons.
    // (Its lines are the runs' colours, their kinds in the caption, the no-decay line in the
    // key under it; the data they draw is the history's analyses.)
    assert!(has_text(&h, "slope fitted to ln g_t") && has_text(&h, "steps in the past"));
    assert!(has_text(&h, "no decay"), "the reference is named");
    let run = h.state().runs.selected().unwrap();
    assert!(
        run.history
            .analyses
            .iter()
            .any(|a| a.observed.is_finite() && a.steps_in_the_past.is_finite()),
        "a fitted slope and a share of steps in the past to draw"
    );
    assert!(has_text(&h, "sequence length T = "));
}
