//! Every word the window shows, in English and in Simplified Chinese.
//!
//! Each table below is one `messages!` block: a key, its English, its Chinese. The macro makes
//! an enum of the keys and a `match` over (key, language) with no fallback arm, so a key
//! without both texts does not compile: a missing translation cannot ship. Texts with values
//! in them name each value (`{steps}`) and are filled by [`trf`]; a test checks that both
//! languages name the same values. The terms are those of `docs/GLOSSARY-zh.md` (d2l-zh's):
//! 梯度裁剪 for clipping, 截断 only for truncated BPTT. Symbols (`h_t`, `∂L/∂h_t`, `ρ(W_hh)`, k1, k2)
//! and the names the command line and the preset files use (`lstm`, `global_norm`, `lr`) stay
//! as they are in both languages.
//!
//! The language is the window's (saved in its preferences; the first start follows the
//! system locale). The app sets it for the UI thread at the top of every frame, so panels ask
//! for a text with [`tr`] without carrying the language through every call.

use std::cell::Cell;

use serde::{Deserialize, Serialize};

/// Defines one table: `name { Key => "English", "中文"; … }`.
macro_rules! messages {
    ($(#[$meta:meta])* $name:ident { $($key:ident => $en:literal, $zh:literal;)+ }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum $name {
            $($key,)+
        }

        impl $crate::gui::i18n::Message for $name {
            fn text(self, lang: $crate::gui::i18n::Lang) -> &'static str {
                use $crate::gui::i18n::Lang;
                match (self, lang) {
                    $(
                        (Self::$key, Lang::En) => $en,
                        (Self::$key, Lang::ZhCn) => $zh,
                    )+
                }
            }
        }

        impl $name {
            /// Every key of the table (for the tests of the tables).
            pub const ALL: &[Self] = &[$(Self::$key,)+];
        }
    };
}

pub mod data;
pub mod plots;
pub mod setup;
pub mod shell;
pub mod sweep;
pub mod texts;
pub mod tour;

/// Latin words that are the same in both languages: names of models, methods, formats and
/// tools, and units. A text made only of these (and symbols, numbers, identifiers) needs no
/// translation; the tests of the tables and of the GUI code's literals use this list.
pub const SHARED_NAMES: &[&str] = &[
    "BPTT",
    "RNN",
    "RNNs",
    "LSTM",
    "GRU",
    "IRNN",
    "tanh",
    "ReLU",
    "relu",
    "sigmoid",
    "softmax",
    "CSV",
    "NPZ",
    "PNG",
    "RON",
    "JSON",
    "PyTorch",
    "Keras",
    "SimpleRNN",
    "TensorFlow",
    "JAX",
    "SGD",
    "Adam",
    "AdamW",
    "RMSprop",
    "RMSProp",
    "Xavier",
    "Kaiming",
    "Glorot",
    "GEMM",
    "MSE",
    "RMSE",
    "MAE",
    "nats",
    "bits",
    "Slurm",
    "pandas",
    "numpy",
    "Reber",
    "Mackey",
    "Glass",
    "Pascanu",
    "Mikolov",
    "Bengio",
    "Hochreiter",
    "Schmidhuber",
    "Le",
    "Jaitly",
    "Hinton",
    "Okabe",
    "Ito",
    "bptt",
    "lab",
    "English",
    "Ctrl",
    "Shift",
    "Esc",
    "GiB",
    "MiB",
    "KiB",
    "GFLOP",
    "max",
    "min",
    "log",
    "exp",
    "diag",
    "std",
    "var",
    "mean",
    "norm",
    "eps",
    "lr",
    "torch",
    "nn",
    "Linear",
    "sin",
    "cos",
    "UTF",
    "BOM",
    "NaN",
    "Inf",
    "inf",
    "nan",
    "XDG",
    "GNOME",
    "KDE",
];

/// A language of the window.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Lang {
    #[default]
    En,
    /// Simplified Chinese (简体中文).
    ZhCn,
}

impl Lang {
    pub const ALL: [Self; 2] = [Self::En, Self::ZhCn];

    /// The language's own name, for the switch.
    pub fn native_name(self) -> &'static str {
        match self {
            Self::En => "English",
            Self::ZhCn => "简体中文",
        }
    }

    /// The language of a POSIX locale name (`zh_CN.UTF-8`, `zh_SG`, `en_US`, `C`): Chinese
    /// for any `zh…`, English otherwise.
    pub fn from_locale(locale: &str) -> Self {
        if locale.trim().to_ascii_lowercase().starts_with("zh") {
            Self::ZhCn
        } else {
            Self::En
        }
    }

    /// The system's language, as POSIX decides which locale names the messages: the first
    /// set and non-empty of `LC_ALL`, `LC_MESSAGES`, `LANG`; English when none is.
    pub fn from_env(var: impl Fn(&str) -> Option<String>) -> Self {
        ["LC_ALL", "LC_MESSAGES", "LANG"]
            .into_iter()
            .filter_map(var)
            .find(|v| !v.trim().is_empty())
            .map_or(Self::En, |v| Self::from_locale(&v))
    }

    /// [`Lang::from_env`] of this process.
    pub fn system() -> Self {
        Self::from_env(|name| std::env::var(name).ok())
    }
}

/// A key of one of the tables.
pub trait Message: Copy {
    /// The key's text in `lang`.
    fn text(self, lang: Lang) -> &'static str;
}

thread_local! {
    static CURRENT: Cell<Lang> = const { Cell::new(Lang::En) };
}

/// Sets the language of this thread's texts (the app does, every frame).
pub fn set_lang(lang: Lang) {
    CURRENT.with(|c| c.set(lang));
}

/// The language of this thread's texts.
pub fn lang() -> Lang {
    CURRENT.with(Cell::get)
}

/// The text of `key` in the window's language.
pub fn tr(key: impl Message) -> &'static str {
    key.text(lang())
}

/// The text of `key` with its values filled in: each `{name}` becomes the value given for
/// `name`. A name not given stays as written (a test checks every table for that).
pub fn trf(key: impl Message, values: &[(&str, &dyn std::fmt::Display)]) -> String {
    fill(tr(key), values)
}

/// `template` with each `{name}` replaced by the value of `name`.
pub fn fill(template: &str, values: &[(&str, &dyn std::fmt::Display)]) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else {
            out.push_str(&rest[open..]);
            return out;
        };
        let name = &after[..close];
        match values.iter().find(|(n, _)| *n == name) {
            Some((_, v)) => out.push_str(&v.to_string()),
            None => out.push_str(&rest[open..=open + 1 + close]),
        }
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    out
}

/// The value names (`{name}`) of a template, sorted.
pub fn placeholders(template: &str) -> Vec<&str> {
    let mut names = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else { break };
        names.push(&after[..close]);
        rest = &after[close + 1..];
    }
    names.sort_unstable();
    names
}

/// A preset's name and description in the window's language: its Chinese when the window is
/// in Chinese and the preset has them, its own otherwise.
pub fn preset_text<'a>(
    name: &'a str,
    description: &'a str,
    zh: Option<&'a crate::preset::PresetText>,
) -> (&'a str, &'a str) {
    match (lang(), zh) {
        (Lang::ZhCn, Some(t)) => (&t.name, &t.description),
        _ => (name, description),
    }
}

/// Every text of every table in `lang`, with its table and key (for the tests: completeness,
/// placeholders, the font's coverage).
pub fn all_texts(lang: Lang) -> Vec<(String, &'static str)> {
    fn table<M: Message + std::fmt::Debug>(
        all: &[M],
        lang: Lang,
        out: &mut Vec<(String, &'static str)>,
    ) {
        out.extend(all.iter().map(|k| (format!("{k:?}"), k.text(lang))));
    }
    let mut out = Vec::new();
    table(shell::Shell::ALL, lang, &mut out);
    table(setup::Setup::ALL, lang, &mut out);
    table(data::Data::ALL, lang, &mut out);
    table(plots::Plots::ALL, lang, &mut out);
    table(sweep::Sweep::ALL, lang, &mut out);
    table(texts::Texts::ALL, lang, &mut out);
    table(tour::TourText::ALL, lang, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::{Lang, all_texts, fill, placeholders};

    #[test]
    fn locale_names_choose_the_language() {
        assert_eq!(Lang::from_locale("zh_CN.UTF-8"), Lang::ZhCn);
        assert_eq!(Lang::from_locale("zh_SG"), Lang::ZhCn);
        assert_eq!(Lang::from_locale("en_US.UTF-8"), Lang::En);
        assert_eq!(Lang::from_locale("C"), Lang::En);
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, v)| (*v).to_owned())
            }
        };
        // LC_ALL wins over LANG; an empty LC_ALL does not count.
        assert_eq!(
            Lang::from_env(env(&[("LC_ALL", "zh_CN.UTF-8"), ("LANG", "en_US")])),
            Lang::ZhCn
        );
        assert_eq!(
            Lang::from_env(env(&[("LC_ALL", ""), ("LANG", "zh_CN.UTF-8")])),
            Lang::ZhCn
        );
        assert_eq!(
            Lang::from_env(env(&[("LC_MESSAGES", "en_GB"), ("LANG", "zh_CN")])),
            Lang::En
        );
        assert_eq!(Lang::from_env(env(&[])), Lang::En);
    }

    #[test]
    fn fill_replaces_named_values_only() {
        let n = 3;
        assert_eq!(fill("{n} runs of {m}", &[("n", &n)]), "3 runs of {m}");
        assert_eq!(fill("no values", &[]), "no values");
        assert_eq!(fill("open {", &[]), "open {");
        assert_eq!(placeholders("{b} and {a}"), vec!["a", "b"]);
    }

    #[test]
    fn both_languages_fill_the_same_values() {
        let en = all_texts(Lang::En);
        let zh = all_texts(Lang::ZhCn);
        assert_eq!(en.len(), zh.len());
        for ((key, e), (_, z)) in en.iter().zip(&zh) {
            assert_eq!(placeholders(e), placeholders(z), "{key}: «{e}» vs «{z}»");
            assert!(
                !e.trim().is_empty() && !z.trim().is_empty(),
                "{key} is empty"
            );
        }
    }

    #[test]
    fn chinese_texts_are_chinese() {
        // A text copied over untranslated shows English in the Chinese window. Allowed: texts
        // that are only symbols, numbers and names shared by both languages (no Latin word
        // of three letters or more outside the shared names).
        let en = all_texts(Lang::En);
        for ((key, z), (_, e)) in all_texts(Lang::ZhCn).iter().zip(&en) {
            let has_cjk = z.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
            if has_cjk || z != e {
                continue;
            }
            let words = z
                .split(|c: char| !c.is_ascii_alphabetic() && c != '_')
                .filter(|w| w.len() >= 3 && !super::SHARED_NAMES.contains(w))
                .collect::<Vec<_>>();
            assert!(
                words.is_empty(),
                "{key} is English in the Chinese table: «{z}» ({words:?})"
            );
        }
    }
}
