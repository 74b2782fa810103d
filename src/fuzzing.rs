//! What each fuzz target feeds to which reader. The targets in `fuzz/` and the regression test
//! `tests/fuzz_inputs.rs` (which replays the kept corpus and crash inputs in CI) call these, so
//! both exercise the same code. Each takes any bytes and must return without a panic, an
//! abort, a hang or an allocation the bytes do not justify; what a reader answers (an error,
//! mostly) does not matter here.

use std::io::Write;
use std::path::Path;

use crate::grad::{self, GradSettings};
use crate::nn::{Activation, CellKind, LossKind, Reduction};

/// A fuzz target: any bytes in, no panic out.
pub type Target = fn(&[u8]);

/// The readers with a fuzz target, by the target's name.
pub const TARGETS: [(&str, Target); 5] = [
    ("preset", preset),
    ("sweep_file", sweep_file),
    ("set_value", set_value),
    ("grad_npz", grad_npz),
    ("app_settings", app_settings),
];

fn text(bytes: &[u8]) -> Option<&str> {
    std::str::from_utf8(bytes).ok()
}

/// A preset file: parsed, then validated (which builds its task).
pub fn preset(bytes: &[u8]) {
    let Some(text) = text(bytes) else { return };
    let path = Path::new("fuzz.ron");
    if let Ok(p) = crate::preset::Preset::from_ron(text, path) {
        let _ = p.validate(path);
    }
}

/// A sweep file: parsed, then expanded and every run validated.
pub fn sweep_file(bytes: &[u8]) {
    let Some(text) = text(bytes) else { return };
    let path = Path::new("fuzz.ron");
    if let Ok(s) = crate::sweep::SweepFile::from_ron(text, path) {
        let _ = s.expand(path);
    }
}

/// A `--set key=value` on the default setup, then the setup validated.
pub fn set_value(bytes: &[u8]) {
    let Some(text) = text(bytes) else { return };
    let mut setup = crate::gui::state::SavedState::default().setup;
    if crate::preset::apply_set(&mut setup, text).is_ok() {
        let _ = setup.validate();
    }
}

/// The app's saved settings as eframe stores them, then their setup validated, as the app
/// does when it opens.
pub fn app_settings(bytes: &[u8]) {
    let Some(text) = text(bytes) else { return };
    let (state, _) = crate::gui::state::SavedState::restore(Some(text));
    let _ = state.setup.validate();
}

/// An NPZ for `grad` (and as a checkpoint). The first byte picks the cell, the loss, the
/// reduction, the truncation and the form of the rest: an even byte means the rest is the
/// file itself; an odd one, members `[name length: u8][name][data length: u16 LE][data]`
/// put into a valid zip, so that mutations reach the NPY headers and data instead of
/// stopping at zip checksums. Inputs that read are also computed (they are small: their data
/// is in the input).
pub fn grad_npz(bytes: &[u8]) {
    let Some((&head, rest)) = bytes.split_first() else {
        return;
    };
    let file = if head & 1 == 0 {
        rest.to_vec()
    } else {
        zip_members(rest)
    };
    let tmp = TempFile::new();
    if std::fs::write(&tmp.0, &file).is_err() {
        return;
    }
    let settings = GradSettings {
        cell: match (head >> 1) & 3 {
            0 => CellKind::Rnn(Activation::Tanh),
            1 => CellKind::Rnn(Activation::Relu),
            2 => CellKind::Lstm,
            _ => CellKind::Gru,
        },
        loss: match (head >> 3) % 3 {
            0 => LossKind::MseLast,
            1 => LossKind::MseAll,
            _ => LossKind::Xent,
        },
        tbptt: ((head >> 5) & 3 != 0).then(|| usize::from((head >> 5) & 3)),
        reduction: if head >> 7 == 0 {
            Reduction::Mean
        } else {
            Reduction::Sum
        },
    };
    if let Ok(inputs) = grad::read_inputs(&tmp.0, settings) {
        let _ = grad::compute(&inputs, settings);
    }
    let _ = crate::store::checkpoint::load(&tmp.0);
}

/// A file in the temporary folder, unique to this process and call, removed when dropped.
struct TempFile(std::path::PathBuf);

impl TempFile {
    fn new() -> Self {
        static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let name = format!("bptt-lab-fuzz-{}-{n}.npz", std::process::id());
        Self(std::env::temp_dir().join(name))
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// A zip of the members encoded in `bytes` (see [`grad_npz`]), stored uncompressed.
pub fn zip_members(mut bytes: &[u8]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    while let Some((&n, rest)) = bytes.split_first() {
        let n = usize::from(n);
        let Some((name, rest)) = rest.split_at_checked(n) else {
            break;
        };
        let Some((len, rest)) = rest.split_at_checked(2) else {
            break;
        };
        let len = usize::from(u16::from_le_bytes([len[0], len[1]])).min(rest.len());
        let (data, rest) = rest.split_at(len);
        bytes = rest;
        let name = String::from_utf8_lossy(name);
        if zip.start_file(name.as_ref(), options).is_err() || zip.write_all(data).is_err() {
            break;
        }
    }
    zip.finish()
        .map(std::io::Cursor::into_inner)
        .unwrap_or_default()
}

/// The member encoding of an NPZ file that [`zip_members`] reads back: how the corpus is
/// seeded from real NPZ files.
pub fn members_of_npz(npz: &[u8]) -> Option<Vec<u8>> {
    use std::io::Read;
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(npz)).ok()?;
    let mut out = Vec::new();
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).ok()?;
        let name = entry.name().as_bytes().to_vec();
        let mut data = Vec::new();
        entry.read_to_end(&mut data).ok()?;
        out.push(u8::try_from(name.len()).ok()?);
        out.extend(name);
        out.extend(u16::try_from(data.len()).ok()?.to_le_bytes());
        out.extend(data);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::{members_of_npz, zip_members};

    #[test]
    fn the_member_encoding_round_trips_a_real_npz() {
        let npz = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/data/oracle/rnn_mse_last_h0_tbptt3.in.npz"
        ))
        .expect("an oracle input");
        let members = members_of_npz(&npz).expect("small members");
        let rebuilt = zip_members(&members);
        assert_eq!(members_of_npz(&rebuilt), Some(members));
    }
}
