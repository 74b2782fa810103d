//! Helpers of the tests that drive the app with `egui_kittest` (`tests/gui.rs`,
//! `tests/gui_data.rs`).
#![allow(dead_code, reason = "each test binary uses some of the helpers")]

use std::time::{Duration, Instant};

use bptt_lab::gui::i18n::Lang;
use bptt_lab::gui::{BpttApp, RunFactory, SavedState};
use egui_kittest::Harness;
use egui_kittest::kittest::{Queryable, by};

pub fn harness(factory: RunFactory) -> Harness<'static, BpttApp> {
    harness_in(factory, Lang::En)
}

/// The app in `lang` (whatever the machine's locale).
pub fn harness_in(factory: RunFactory, lang: Lang) -> Harness<'static, BpttApp> {
    let mut state = SavedState::default();
    state.window.language = Some(lang);
    Harness::builder()
        .with_size(egui::vec2(1440.0, 900.0))
        .build_eframe(move |cc| BpttApp::new(cc, state.clone(), factory.clone(), 0))
}

/// Steps frames (workers run in real time) until `cond` holds.
pub fn step_until(h: &mut Harness<'static, BpttApp>, what: &str, cond: impl Fn(&BpttApp) -> bool) {
    let deadline = Instant::now() + Duration::from_mins(1);
    while !cond(h.state()) {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        h.step();
        std::thread::sleep(Duration::from_millis(10));
    }
    h.step();
}

/// Whether some widget's label or value contains `needle`.
pub fn has_text(h: &Harness<'static, BpttApp>, needle: &str) -> bool {
    h.query_all(by().predicate(move |n| {
        n.value().is_some_and(|v| v.contains(needle))
            || n.label().is_some_and(|l| l.contains(needle))
    }))
    .next()
    .is_some()
}
