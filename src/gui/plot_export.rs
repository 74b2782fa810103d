//! A plot saved as PNG: the window's screenshot (which the viewport delivers a frame or two
//! after it is asked for) cut to the rectangle the plot was drawn in.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use crate::gui::i18n::plots::Plots;
use crate::gui::i18n::{Lang, Message, tr, trf};
use crate::gui::panels::plots::plot_titled;

/// A screenshot that has been asked for, and the plot and path it is for.
#[derive(Default)]
pub struct PlotExport {
    /// The plot to export once the screenshot arrives: (title, path).
    pending: Option<(String, PathBuf)>,
    /// Where the viewport's callback (or a test) puts the screenshot.
    slot: Arc<Mutex<Option<Arc<egui::ColorImage>>>>,
}

impl PlotExport {
    /// Asks `ctx` for a screenshot for the plot `title`, to go to `path`.
    pub fn request(&mut self, title: String, path: PathBuf, ctx: &egui::Context) {
        self.pending = Some((title, path));
        let slot = Arc::clone(&self.slot);
        let c = ctx.clone();
        ctx.request_screenshot(move |img| {
            *slot.lock().unwrap_or_else(PoisonError::into_inner) = Some(img);
            c.request_repaint();
        });
    }

    /// Hands over a window screenshot, as the viewport's callback does (tests use this: the
    /// test harness does not render).
    pub fn deliver(&self, image: Arc<egui::ColorImage>) {
        *self.slot.lock().unwrap_or_else(PoisonError::into_inner) = Some(image);
    }

    /// Once the screenshot is there: writes the pending plot, cut to where it was drawn
    /// (`rects`, by title, in points), and says what happened. The titles are the window's
    /// language's: a title asked for in the other language (the language was switched while
    /// the file dialog was open) still finds its plot.
    pub fn finish(
        &mut self,
        rects: &[(String, egui::Rect)],
        pixels_per_point: f32,
    ) -> Option<String> {
        let shot = self
            .slot
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()?;
        let (title, path) = self.pending.take()?;
        let plot = plot_titled(&title);
        let same = |t: &str| t == title || plot.is_some() && plot_titled(t) == plot;
        let title: &str = plot.map_or(&title, |k| tr(k));
        let Some((_, rect)) = rects.iter().find(|(t, _)| same(t)) else {
            return Some(trf(Plots::ExportNotShown, &[("title", &title)]));
        };
        Some(match crop(&shot, *rect, pixels_per_point) {
            None => trf(Plots::ExportScrolledOut, &[("title", &title)]),
            Some(cropped) => write(&path, &cropped),
        })
    }
}

/// The file name to offer for the plot `title` (in either language): its English title as
/// an ASCII slug (`gradient-norm.png`, `spectral-radius-of-w_hh.png`), the same whatever the
/// window's language; `plot.png` for a title that is not a plot's.
pub fn file_name(title: &str) -> String {
    let Some(plot) = plot_titled(title) else {
        return "plot.png".to_owned();
    };
    let mut slug = String::new();
    for c in plot.text(Lang::En).chars() {
        if c.is_ascii_alphanumeric() || c == '_' {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    format!("{}.png", slug.trim_end_matches('-'))
}

/// `shot` cut to `rect` (in points); a plot scrolled partly out of the window is cut to what
/// the screenshot holds (`region` panics on a rect outside the image). `None` if nothing of
/// it is in the window.
fn crop(shot: &egui::ColorImage, rect: egui::Rect, ppp: f32) -> Option<egui::ColorImage> {
    let [w, h] = shot.size;
    let window = egui::Rect::from_min_size(egui::Pos2::ZERO, egui::vec2(w as f32, h as f32) / ppp);
    let visible = rect.intersect(window);
    (visible.width() >= 1.0 && visible.height() >= 1.0).then(|| shot.region(&visible, Some(ppp)))
}

/// Writes an image as PNG (RGB: the window is opaque) and says so.
fn write(path: &Path, image: &egui::ColorImage) -> String {
    let rgb: Vec<u8> = image
        .pixels
        .iter()
        .flat_map(|c| {
            let [r, g, b, _] = c.to_array();
            [r, g, b]
        })
        .collect();
    let [w, h] = image.size;
    match crate::export::write_png(path, w, h, &rgb) {
        Ok(()) => trf(Plots::ExportWrote, &[("path", &path.display())]),
        Err(e) => trf(
            Plots::ExportCannotWrite,
            &[("path", &path.display()), ("error", &e)],
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::file_name;
    use crate::gui::i18n::plots::Plots;
    use crate::gui::i18n::{Lang, Message};
    use crate::gui::panels::plots::{TITLES, plot_titled};

    #[test]
    fn a_title_names_its_plot_and_file_in_either_language() {
        for key in TITLES {
            for lang in Lang::ALL {
                assert_eq!(
                    plot_titled(key.text(lang)),
                    Some(key),
                    "{key:?} in {lang:?}"
                );
            }
            let name = file_name(key.text(Lang::ZhCn));
            assert_eq!(name, file_name(key.text(Lang::En)));
            assert!(name.is_ascii(), "{name}");
            assert_eq!(
                std::path::Path::new(&name).extension(),
                Some("png".as_ref())
            );
        }
        assert_eq!(
            file_name(Plots::SpectralTitle.text(Lang::ZhCn)),
            "spectral-radius-of-w_hh.png"
        );
        assert_eq!(file_name("no such plot"), "plot.png");
    }
}
