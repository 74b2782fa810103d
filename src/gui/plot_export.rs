//! A plot saved as PNG: the window's screenshot (which the viewport delivers a frame or two
//! after it is asked for) cut to the rectangle the plot was drawn in.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

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
    /// (`rects`, by title, in points), and says what happened.
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
        let Some((_, rect)) = rects.iter().find(|(t, _)| *t == title) else {
            return Some(format!("The plot {title} is not shown."));
        };
        Some(match crop(&shot, *rect, pixels_per_point) {
            None => format!("The plot {title} is scrolled out of the window."),
            Some(cropped) => write(&path, &cropped),
        })
    }
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
        Ok(()) => format!("Wrote {}", path.display()),
        Err(e) => format!("Cannot write {}: {e}", path.display()),
    }
}
