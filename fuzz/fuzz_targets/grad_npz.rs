#![no_main]
//! Fuzzes `bptt_lab::fuzzing::grad_npz`: any bytes, no panic, abort or hang.

libfuzzer_sys::fuzz_target!(|data: &[u8]| bptt_lab::fuzzing::grad_npz(data));
