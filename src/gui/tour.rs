//! The guided tour of BPTT (Tour / 导览): the steps of `assets/tour.ron`, each loading a small
//! preset, starting it, switching its plot on and outlining it, with two or three sentences in
//! the window's language. The steps are data; this file reads them and holds where the tour
//! is ([`Tour`]); what a move does to the app is in [`super::tour_moves`].

use serde::Deserialize;

use super::i18n::plots::Plots;
use super::i18n::{Lang, Message};

/// The tour's steps, compiled in.
const TOUR_RON: &str = include_str!("../../assets/tour.ron");
/// The version of the tour file this build reads.
const TOUR_VERSION: u32 = 1;

/// A text in both languages.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bilingual {
    pub en: String,
    pub zh_cn: String,
}

impl Bilingual {
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::En => &self.en,
            Lang::ZhCn => &self.zh_cn,
        }
    }
}

/// The plot a step points at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TourPlot {
    Loss,
    GradNorm,
    Profile,
    Heatmap,
    Tensors,
    Spectral,
    Saturation,
}

impl TourPlot {
    /// The plot's title key (the panels' plot rectangles are named by their title).
    pub fn title(self) -> Plots {
        match self {
            Self::Loss => Plots::LossTitle,
            Self::GradNorm => Plots::GradNormTitle,
            Self::Profile => Plots::ProfileTitle,
            Self::Heatmap => Plots::HeatmapTitle,
            Self::Tensors => Plots::TensorsTitle,
            Self::Spectral => Plots::SpectralTitle,
            Self::Saturation => Plots::SaturationTitle,
        }
    }

    /// Whether a plot rectangle's title is this plot's, in either language.
    pub fn is_titled(self, title: &str) -> bool {
        Lang::ALL.iter().any(|l| self.title().text(*l) == title)
    }
}

/// One step of the tour.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TourStep {
    /// A built-in preset (file name) to load and start; `None` keeps the run of the step
    /// before.
    pub preset: Option<String>,
    /// Changes to the preset, as `bptt-lab train --set` takes them (`steps=600`).
    #[serde(default)]
    pub set: Vec<String>,
    pub plot: TourPlot,
    pub title: Bilingual,
    pub body: Bilingual,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TourFile {
    #[expect(dead_code, reason = "checked by ronfile::parse_versioned before")]
    version: u32,
    steps: Vec<TourStep>,
}

/// The tour's steps.
pub fn steps() -> Vec<TourStep> {
    crate::ronfile::parse_versioned::<TourFile>(TOUR_RON, TOUR_VERSION)
        .map(|f| f.steps)
        .expect("assets/tour.ron parses (tested)")
}

/// A move in the tour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TourMove {
    /// From the first step.
    Begin,
    Next,
    Back,
    Leave,
}

/// Where the tour is: its steps, the step shown, and the run each preset step started.
#[derive(Clone, Debug)]
pub struct Tour {
    pub steps: Vec<TourStep>,
    pub index: usize,
    /// The run started for step `i` (by the steps with a preset).
    pub(super) runs: Vec<Option<u64>>,
    /// The runs that were shown when the tour began (hidden during it, shown again after).
    pub(super) hidden: Vec<u64>,
    /// Tour runs the tour paused when it moved on (resumed when it comes back to them).
    pub(super) paused: Vec<u64>,
    /// The step's plot is to be scrolled into view (once, when the step is entered).
    pub scroll_pending: bool,
}

impl Tour {
    pub fn step(&self) -> &TourStep {
        &self.steps[self.index]
    }

    /// The step whose preset the step shown uses: itself or the last one before it with a
    /// preset.
    pub(super) fn preset_step(&self) -> Option<usize> {
        (0..=self.index)
            .rev()
            .find(|&i| self.steps[i].preset.is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::{TourPlot, steps};
    use crate::gui::i18n::Lang;
    use crate::preset::{self, Preset};

    #[test]
    fn the_tour_walks_the_article_and_every_step_can_run() {
        let steps = steps();
        assert!(steps.len() >= 7, "{} steps", steps.len());
        assert!(steps[0].preset.is_some(), "the first step loads a preset");
        let mut plots = std::collections::BTreeSet::new();
        for (i, s) in steps.iter().enumerate() {
            for lang in Lang::ALL {
                assert!(s.title.get(lang).chars().count() > 5, "step {i}: title");
                let words = s.body.get(lang).split_whitespace().count();
                let chars = s.body.get(lang).chars().count();
                assert!(
                    words >= 20 || chars >= 60,
                    "step {i}: a body of two or three sentences"
                );
            }
            assert!(
                s.body
                    .zh_cn
                    .chars()
                    .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
            );
            plots.insert(format!("{:?}", s.plot));
            if let Some(file) = &s.preset {
                let (_, text) = preset::builtin()
                    .into_iter()
                    .find(|(f, _)| f == file)
                    .unwrap_or_else(|| panic!("step {i}: no built-in preset {file}"));
                let mut p = Preset::from_ron(text, std::path::Path::new(file)).expect("parses");
                for a in &s.set {
                    preset::apply_set(&mut p.config, a)
                        .unwrap_or_else(|e| panic!("step {i}: {a}: {e}"));
                }
                p.config
                    .validate()
                    .unwrap_or_else(|e| panic!("step {i}: the changed preset is invalid: {e}"));
            } else {
                assert!(s.set.is_empty(), "step {i}: changes without a preset");
            }
        }
        // The article's plots: loss, ∂L/∂h_t (heatmap), the profile, the gradient norm.
        for p in [
            TourPlot::Loss,
            TourPlot::Heatmap,
            TourPlot::Profile,
            TourPlot::GradNorm,
        ] {
            assert!(plots.contains(&format!("{p:?}")), "no step shows {p:?}");
        }
    }
}
