//! Replays every input kept from fuzzing (`tests/data/fuzz/<target>/`: the minimized corpus
//! and the inputs that once crashed) through the function its target calls, so that a reader
//! that regresses to a panic fails here, on stable, in CI. A crash input's name starts with
//! `crash-`; the fix made it an answer.

use std::path::Path;

#[test]
fn every_kept_fuzz_input_is_answered_without_a_panic() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/fuzz");
    let mut replayed = 0;
    for (target, run) in bptt_lab::fuzzing::TARGETS {
        let dir = root.join(target);
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.expect("a directory entry").path())
            .collect();
        files.sort();
        assert!(!files.is_empty(), "no kept inputs for the {target} target");
        for file in files {
            let bytes = std::fs::read(&file).expect("a kept input");
            let outcome = std::panic::catch_unwind(|| run(&bytes));
            assert!(outcome.is_ok(), "{target}: {} panicked", file.display());
            replayed += 1;
        }
    }
    assert!(replayed >= bptt_lab::fuzzing::TARGETS.len());
}
