//! Colours and small formatting helpers shared by the panels.

use egui::Color32;

/// Run colours, distinct on dark and light backgrounds: the six saturated colours of
/// Okabe–Ito (colour-blind safe) and a purple and a brown, but none of its grey, black or pale
/// yellow, which look like the grey reference lines or vanish on them.
pub const RUN_COLORS: [Color32; 8] = [
    Color32::from_rgb(0, 114, 178),
    Color32::from_rgb(230, 159, 0),
    Color32::from_rgb(0, 158, 115),
    Color32::from_rgb(204, 121, 167),
    Color32::from_rgb(86, 180, 233),
    Color32::from_rgb(213, 94, 0),
    Color32::from_rgb(148, 103, 189),
    Color32::from_rgb(166, 118, 29),
];

/// The colour of the baseline and other reference lines.
pub const REFERENCE: Color32 = Color32::from_rgb(200, 200, 200);

/// A number for a status line: 4 significant digits, scientific when tiny or huge.
pub fn num(v: f64) -> String {
    if !v.is_finite() {
        return format!("{v}");
    }
    if v != 0.0 && (v.abs() < 1e-3 || v.abs() >= 1e5) {
        format!("{v:.3e}")
    } else {
        format!("{v:.4}")
    }
}

/// Seconds as `1:02:03` / `2:03` / `4.5 s`.
pub fn duration(secs: f64) -> String {
    if secs < 60.0 {
        return format!("{secs:.1} s");
    }
    let s = secs.round() as u64;
    if s < 3600 {
        format!("{}:{:02}", s / 60, s % 60)
    } else {
        format!("{}:{:02}:{:02}", s / 3600, (s / 60) % 60, s % 60)
    }
}

/// A colour of the log-scale heatmap: `t` in [0, 1] from dark blue through teal and yellow
/// (a perceptually ordered ramp in the spirit of viridis).
pub fn heat(t: f64) -> Color32 {
    const STOPS: [(f64, [u8; 3]); 5] = [
        (0.0, [68, 1, 84]),
        (0.25, [59, 82, 139]),
        (0.5, [33, 145, 140]),
        (0.75, [94, 201, 98]),
        (1.0, [253, 231, 37]),
    ];
    let t = t.clamp(0.0, 1.0);
    for w in STOPS.windows(2) {
        let ((t0, c0), (t1, c1)) = (w[0], w[1]);
        if t <= t1 {
            let f = (t - t0) / (t1 - t0);
            let mix =
                |a: u8, b: u8| (f64::from(a) + f * (f64::from(b) - f64::from(a))).round() as u8;
            return Color32::from_rgb(mix(c0[0], c1[0]), mix(c0[1], c1[1]), mix(c0[2], c1[2]));
        }
    }
    Color32::from_rgb(253, 231, 37)
}

/// The Chinese fallback font: Noto Sans CJK SC cut down to GB2312's 6,763 hanzi, CJK
/// punctuation, full-width forms and every character of the Chinese tables (2.8 MB; made by
/// `tools/subset_cjk_font.py`, OFL 1.1, license beside it in `assets/fonts/`).
pub const CJK_FONT: &[u8] = include_bytes!("../../assets/fonts/NotoSansSC-Subset.otf");

/// Adds `DejaVu` Sans (and Mono) as fallback fonts, so the maths in labels (`‖∂L/∂h_t‖`, ρ, σ,
/// ≤ …) renders instead of showing boxes, and after them [`CJK_FONT`] for Chinese (the
/// window's texts and what the user types: a run's name, a corpus). Bundled in
/// `assets/fonts/` with their licenses.
pub fn install_fonts(ctx: &egui::Context) {
    ctx.set_fonts(font_definitions());
}

/// egui's fonts, then `DejaVu`, then Noto Sans SC, in both families.
pub fn font_definitions() -> egui::FontDefinitions {
    let mut fonts = egui::FontDefinitions::default();
    for (name, bytes, families) in [
        (
            "DejaVuSans", // i18n-exempt: egui's key of the font
            include_bytes!("../../assets/fonts/DejaVuSans.ttf").as_slice(),
            &[egui::FontFamily::Proportional][..],
        ),
        (
            "DejaVuSansMono", // i18n-exempt: egui's key of the font
            include_bytes!("../../assets/fonts/DejaVuSansMono.ttf").as_slice(),
            &[egui::FontFamily::Monospace][..],
        ),
        (
            "NotoSansSC", // i18n-exempt: egui's key of the font
            CJK_FONT,
            &[egui::FontFamily::Proportional, egui::FontFamily::Monospace][..],
        ),
    ] {
        fonts.font_data.insert(
            name.to_owned(),
            std::sync::Arc::new(egui::FontData::from_static(bytes)),
        );
        for family in families {
            fonts
                .families
                .entry(family.clone())
                .or_default()
                .push(name.to_owned());
        }
    }
    fonts
}

#[cfg(test)]
mod tests {
    use super::{REFERENCE, RUN_COLORS, font_definitions};
    use crate::gui::i18n::{Lang, all_texts};

    /// The characters of `text` the window's fonts cannot draw (shown as boxes).
    fn missing_glyphs(ctx: &egui::Context, text: &str) -> Vec<char> {
        let font = egui::FontId::proportional(14.0);
        let mut missing: Vec<char> = ctx.fonts_mut(|f| {
            text.chars()
                .filter(|c| !c.is_whitespace() && !f.has_glyph(&font, *c))
                .collect()
        });
        missing.sort_unstable();
        missing.dedup();
        missing
    }

    fn context_with_fonts() -> egui::Context {
        let ctx = egui::Context::default();
        ctx.set_fonts(font_definitions());
        // Fonts set take effect at the next pass. Its texture (the font atlas) is not drawn.
        let mut output = ctx.run_ui(egui::RawInput::default(), |_| {});
        output.textures_delta.clear();
        ctx
    }

    #[test]
    fn the_fonts_draw_every_character_of_the_tables_presets_and_tour() {
        let ctx = context_with_fonts();
        let mut text = String::new();
        for lang in Lang::ALL {
            for (_, t) in all_texts(lang) {
                text.push_str(t);
            }
        }
        for (file, ron) in crate::preset::builtin() {
            let p = crate::preset::Preset::from_ron(ron, std::path::Path::new(file))
                .expect("a shipped preset parses");
            text.push_str(&p.name);
            text.push_str(&p.description);
            if let Some(zh) = &p.zh_cn {
                text.push_str(&zh.name);
                text.push_str(&zh.description);
            }
        }
        text.push_str(include_str!("../../assets/tour.ron"));
        let missing = missing_glyphs(&ctx, &text);
        assert!(
            missing.is_empty(),
            "no glyph for {missing:?}: re-run tools/subset_cjk_font.py (it adds every \
             character of the tables) or use a common character"
        );
    }

    #[test]
    fn the_chinese_font_covers_gb2312() {
        // GB2312's hanzi: rows 0xB0..=0xF7, cells 0xA1..=0xFE (level 1 and level 2, 6,763).
        let mut bytes = Vec::new();
        for row in 0xB0..=0xF7_u8 {
            for cell in 0xA1..=0xFE_u8 {
                bytes.extend([row, cell]);
            }
        }
        let (text, _, _) = encoding_rs::GBK.decode(&bytes);
        let hanzi: String = text
            .chars()
            .filter(|c| ('\u{4e00}'..='\u{9fff}').contains(c))
            .collect();
        assert!(
            hanzi.chars().count() >= 6_763,
            "decoded {}",
            hanzi.chars().count()
        );
        let ctx = context_with_fonts();
        let missing = missing_glyphs(&ctx, &hanzi);
        assert!(
            missing.is_empty(),
            "{} GB2312 hanzi without a glyph: {missing:?}",
            missing.len()
        );
        // Typed Chinese beyond the tables renders too, and so does CJK punctuation.
        assert!(missing_glyphs(&ctx, "我的运行：测试，“引号”。").is_empty());
        // The check sees a missing glyph: a rare character outside GB2312 (and the subset).
        assert_eq!(missing_glyphs(&ctx, "龘"), ['龘']);
    }

    /// Saturation as max − min of the channels, 0 for a grey.
    fn chroma(c: egui::Color32) -> i32 {
        let [r, g, b, _] = c.to_array();
        let (r, g, b) = (i32::from(r), i32::from(g), i32::from(b));
        r.max(g).max(b) - r.min(g).min(b)
    }

    #[test]
    fn no_run_colour_looks_like_a_reference_line() {
        assert!(chroma(REFERENCE) < 10, "reference lines are grey");
        for c in RUN_COLORS {
            assert!(chroma(c) >= 80, "{c:?} is too close to grey");
            let [r, g, b, _] = c.to_array();
            assert!(
                u32::from(r) + u32::from(g) + u32::from(b) < 520,
                "{c:?} is too pale next to the reference grey"
            );
        }
    }
}
