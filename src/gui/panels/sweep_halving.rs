//! The Sweep tab's successive-halving view: progress, then per rung the setups that entered
//! it with their held-out loss and whether they carried on, then the survivors.

use egui::Ui;

use super::sweep_tab::point_text;
use crate::gui::i18n::sweep::Sweep as Msg;
use crate::gui::i18n::{tr, trf};
use crate::gui::state::UiCommand;
use crate::gui::style;
use crate::gui::sweep::{ActiveSweep, HalvingRun, RungState, SetupAtRung, Verdict};

/// A successive-halving sweep: its progress, then per rung the setups that entered it with
/// their held-out loss and whether they carried on (dropped ones greyed), then the survivors.
pub(super) fn halving_ui(
    active: &ActiveSweep,
    h: &HalvingRun,
    ui: &mut Ui,
    out: &mut Vec<UiCommand>,
) {
    let (done, total) = h.progress();
    let mut parts = vec![trf(
        Msg::ProgressDone,
        &[
            ("number", &active.number),
            ("done", &done),
            ("total", &total),
        ],
    )];
    if let Some(k) = h.current {
        parts.push(trf(Msg::RungOf, &[("rung", &k), ("rungs", &h.rungs.len())]));
    }
    parts.push(style::duration(h.started.elapsed().as_secs_f64()));
    if h.stop_requested() {
        parts.push(
            tr(if h.running() {
                Msg::Stopping
            } else {
                Msg::Stopped
            })
            .into(),
        );
    }
    ui.strong(&active.sweep.name);
    ui.add(
        egui::ProgressBar::new(done as f32 / total.max(1) as f32)
            .text(parts.join(" · "))
            .desired_width(ui.available_width().min(640.0)),
    );
    if let Some(Err(e)) = &h.ended {
        ui.colored_label(
            ui.visuals().error_fg_color,
            trf(Msg::HalvingFailed, &[("error", e)]),
        );
    }
    ui.horizontal_wrapped(|ui| {
        ui.label(trf(Msg::SweepFolder, &[("dir", &h.out.display())]));
        if ui
            .add_enabled(!h.running(), egui::Button::new(tr(Msg::OpenSweepRuns)))
            .on_hover_text(tr(Msg::OpenSweepRunsHint))
            .clicked()
        {
            out.push(UiCommand::OpenRuns(h.out.join("runs"))); // i18n-exempt: the sweep folder's runs/
        }
    });
    ui.add_space(4.0);
    let survivors = h.survivors(&active.sweep);
    if !survivors.is_empty() {
        ui.strong(tr(Msg::Survivors));
        for s in &survivors {
            ui.label(trf(
                Msg::SurvivorLine,
                &[
                    ("point", &point_text(&active.sweep, &s.values)),
                    ("loss", &loss_text(s)),
                ],
            ));
        }
        ui.add_space(4.0);
    }
    let keys = active.sweep.keys();
    for (k, rung) in h.rungs.iter().enumerate() {
        let setups = h.setups_at(&active.sweep, k);
        let kept = setups.iter().filter(|s| s.verdict == Verdict::Kept).count();
        let dropped = setups
            .iter()
            .filter(|s| s.verdict == Verdict::Dropped)
            .count();
        let mut title = trf(
            Msg::RungTitle,
            &[
                ("rung", &k),
                ("setups", &rung.setups),
                ("steps", &rung.steps),
            ],
        );
        if rung.entered.is_none() {
            title.push_str(" · ");
            title.push_str(tr(Msg::RungWaiting));
        } else if kept + dropped > 0 {
            title.push_str(" · ");
            title.push_str(&trf(
                Msg::KeptDropped,
                &[("kept", &kept), ("dropped", &dropped)],
            ));
        }
        egui::CollapsingHeader::new(title)
            .id_salt(("sweep_rung", k))
            .default_open(true)
            .show(ui, |ui| {
                if setups.is_empty() {
                    ui.weak(tr(Msg::RungNotStarted));
                    return;
                }
                rung_table_ui(&keys, k, rung, &setups, ui);
            });
    }
}

/// One rung's setups: their values, seeds done, held-out loss and what became of them.
fn rung_table_ui(keys: &[String], k: usize, rung: &RungState, setups: &[SetupAtRung], ui: &mut Ui) {
    egui::Grid::new(("sweep_rung_table", k))
        .striped(true)
        .spacing([14.0, 4.0])
        .show(ui, |ui| {
            ui.strong(tr(Msg::SetupColumn));
            for key in keys {
                ui.strong(key);
            }
            for h in [
                Msg::StepsColumn,
                Msg::DoneColumn,
                Msg::HeldOutLoss,
                Msg::OutcomeColumn,
            ] {
                ui.strong(tr(h));
            }
            ui.end_row();
            for s in setups {
                let outcome = match s.verdict {
                    Verdict::Kept => trf(Msg::KeptToRung, &[("rung", &(k + 1))]),
                    Verdict::Dropped => trf(Msg::DroppedAtRung, &[("rung", &k)]),
                    Verdict::Survivor => tr(Msg::Survivor).to_owned(),
                    Verdict::Open if s.done < s.seeds => tr(Msg::RungTraining).to_owned(),
                    Verdict::Open => "–".to_owned(),
                };
                let cells = std::iter::once(s.setup.to_string())
                    .chain(s.values.iter().cloned())
                    .chain([
                        rung.steps.to_string(),
                        format!("{}/{}", s.done, s.seeds),
                        loss_text(s),
                        outcome,
                    ]);
                for cell in cells {
                    match s.verdict {
                        // Greyed: it stops here.
                        Verdict::Dropped => {
                            ui.weak(cell);
                        }
                        Verdict::Survivor => {
                            ui.strong(cell);
                        }
                        Verdict::Kept | Verdict::Open => {
                            ui.label(cell);
                        }
                    }
                }
                ui.end_row();
            }
        });
}

/// A setup's mean held-out loss, "diverged", or "–" while its seeds are not all done.
fn loss_text(s: &SetupAtRung) -> String {
    match s.loss {
        Some(l) => style::num(l),
        None if s.diverged => tr(Msg::DivergedColumn).to_owned(),
        None => "–".to_owned(),
    }
}
