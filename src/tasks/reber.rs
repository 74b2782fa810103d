//! The embedded Reber grammar, experiment 1 of Hochreiter & Schmidhuber (1997, "Long
//! short-term memory", §5.1; the grammar is Reber 1967's as drawn by Cleeremans et al. 1989),
//! as next-symbol prediction.
//!
//! ## Generator
//!
//! Seven symbols, one-hot in the order `B T S X P V E` (I = O = 7). The Reber grammar is the
//! automaton, each branch taken with probability 1/2:
//!
//! ```text
//!        B → 0
//! 0: T → 1   P → 2
//! 1: S → 1   X → 3
//! 2: T → 2   V → 4
//! 3: X → 2   S → end
//! 4: P → 3   V → end
//! end: E
//! ```
//!
//! (strings such as `BTXSE`, `BPVVE`, `BTSSXXTVVE`). The embedded grammar wraps it:
//! `B T reber T E` or `B P reber P E`, the outer `T`/`P` drawn with probability 1/2 and repeated
//! after the inner string: the only long-range dependency. A string is drawn by walking the
//! automaton; strings longer than [`MAX_STRING_LEN`] symbols are drawn again (probability
//! 1.1·10⁻⁷, so this barely changes the distribution, and the baseline below accounts for it
//! exactly).
//!
//! A string `s₁ … s_n` becomes n − 1 prediction steps: input `s_t`, target `s_{t+1}`, all
//! counted (`xent` over all steps). A batch is padded to its longest string with zero inputs and
//! mask 0.
//!
//! ## Baseline: unigram entropy ≈ 1.8823
//!
//! A model that ignores the input predicts the unigram distribution of the targets,
//! `p_σ = E[#σ among the targets] / E[#targets]`, and pays its entropy `−Σ p_σ ln p_σ` (the
//! mean over a batch pools all counted steps, so it converges to this ratio of expectations).
//! Without the length cap the expected visits of the inner states are 1, 1, 2, 1, 1, so the
//! targets of an embedded string number 11 on average: B 1, T 2.5, S 1, X 1, P 2, V 1.5,
//! E 2, and `H = 1.8823` nats. [`Reber::baseline`] computes the same counts under the length
//! cap by dynamic programming over (state, length), which moves it by about 10⁻⁶.
//!
//! ## Metric and solved
//!
//! The fraction of strings in which the arg-max prediction is a legal next symbol at every step
//! (the legal symbols follow from the prefix: the grammar is deterministic). Hochreiter &
//! Schmidhuber count the task solved when every string of the test set is predicted that way:
//! solved = 100 % of the evaluation set.

use std::collections::HashMap;

use ndarray::{Array3, s};
use rand::RngExt;
use rand_chacha::ChaCha8Rng;

use super::Task;
use super::common::{
    SymbolSeq, argmax, constant_outputs, entropy_of_counts, log_probs, pad_symbols,
};
use crate::nn::{Batch, LossKind, Target};

/// The symbols in one-hot order.
pub const SYMBOLS: [char; 7] = ['B', 'T', 'S', 'X', 'P', 'V', 'E'];
const B: usize = 0;
const T: usize = 1;
const S: usize = 2;
const X: usize = 3;
const P: usize = 4;
const V: usize = 5;
const E: usize = 6;

/// Strings longer than this are drawn again.
pub const MAX_STRING_LEN: usize = 60;

/// The inner Reber automaton: from node k, the two (symbol, next node) branches; node 5 is the
/// end, which emits `E`.
const INNER: [[(usize, usize); 2]; 5] = [
    [(T, 1), (P, 2)],
    [(S, 1), (X, 3)],
    [(T, 2), (V, 4)],
    [(X, 2), (S, 5)],
    [(P, 3), (V, 5)],
];
const INNER_END: usize = 5;

/// A state of the embedded automaton; `branch` is the outer `T` or `P`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum State {
    /// Before the first `B`.
    Begin,
    /// After the first `B`: `T` or `P`.
    Branch,
    /// Before the inner `B`.
    InnerBegin { branch: usize },
    /// At a node 0..=4 of the inner grammar.
    Node { branch: usize, node: usize },
    /// Before the inner `E`.
    InnerEnd { branch: usize },
    /// Before the repeated outer symbol.
    Close { branch: usize },
    /// Before the final `E`.
    Final,
    /// The string is complete.
    Done,
}

impl State {
    /// The (symbol, next state) pairs that may follow, each with equal probability.
    pub fn successors(self) -> Vec<(usize, State)> {
        match self {
            Self::Begin => vec![(B, Self::Branch)],
            Self::Branch => vec![
                (T, Self::InnerBegin { branch: T }),
                (P, Self::InnerBegin { branch: P }),
            ],
            Self::InnerBegin { branch } => vec![(B, Self::Node { branch, node: 0 })],
            Self::Node { branch, node } => INNER[node]
                .iter()
                .map(|&(sym, next)| {
                    let state = if next == INNER_END {
                        Self::InnerEnd { branch }
                    } else {
                        Self::Node { branch, node: next }
                    };
                    (sym, state)
                })
                .collect(),
            Self::InnerEnd { branch } => vec![(E, Self::Close { branch })],
            Self::Close { branch } => vec![(branch, Self::Final)],
            Self::Final => vec![(E, Self::Done)],
            Self::Done => Vec::new(),
        }
    }

    /// The state after reading `symbol`, or `None` if the grammar does not allow it here.
    pub fn next(self, symbol: usize) -> Option<State> {
        self.successors()
            .into_iter()
            .find(|&(sym, _)| sym == symbol)
            .map(|(_, next)| next)
    }
}

/// Whether the embedded grammar generates `symbols` (indices in [`SYMBOLS`] order).
pub fn accepts(symbols: &[usize]) -> bool {
    let mut state = State::Begin;
    for &sym in symbols {
        match state.next(sym) {
            Some(next) => state = next,
            None => return false,
        }
    }
    state == State::Done
}

/// The symbol string as text (`BTBTXSETE`).
pub fn to_text(symbols: &[usize]) -> String {
    symbols.iter().map(|&k| SYMBOLS[k]).collect()
}

/// Next-symbol prediction on the embedded Reber grammar.
#[derive(Clone, Debug)]
pub struct Reber {
    /// Unigram distribution of the targets (under the length cap).
    unigram: [f64; 7],
    baseline: f64,
}

impl Default for Reber {
    fn default() -> Self {
        Self::new()
    }
}

impl Reber {
    /// The task; computes its baseline exactly (see the module docs).
    pub fn new() -> Self {
        let counts = expected_target_counts(MAX_STRING_LEN);
        let total: f64 = counts.iter().sum();
        let unigram = counts.map(|c| c / total);
        Self {
            unigram,
            baseline: entropy_of_counts(&counts),
        }
    }

    /// The unigram distribution of the targets, in [`SYMBOLS`] order.
    pub fn unigram(&self) -> [f64; 7] {
        self.unigram
    }

    /// One string of the embedded grammar (at most [`MAX_STRING_LEN`] symbols).
    pub fn string(rng: &mut ChaCha8Rng) -> Vec<usize> {
        loop {
            let mut symbols = Vec::new();
            let mut state = State::Begin;
            while state != State::Done && symbols.len() <= MAX_STRING_LEN {
                let options = state.successors();
                let (sym, next) = if options.len() == 1 {
                    options[0]
                } else {
                    options[usize::from(rng.random::<bool>())]
                };
                symbols.push(sym);
                state = next;
            }
            if state == State::Done && symbols.len() <= MAX_STRING_LEN {
                return symbols;
            }
        }
    }

    /// The strings of a batch, read back from its one-hot inputs and last targets.
    pub fn decode(batch: &Batch<f64>) -> Vec<Vec<usize>> {
        let Target::Classes { labels, mask } = &batch.target else {
            panic!("reber batches have class targets");
        };
        (0..batch.batch_size())
            .map(|b| {
                let steps = mask.column(b).iter().filter(|&&m| m != 0.0).count();
                let mut symbols: Vec<usize> = (0..steps)
                    .map(|t| argmax(&batch.x.slice(s![t, b, ..])))
                    .collect();
                if steps > 0 {
                    symbols.push(labels[[steps - 1, b]]);
                }
                symbols
            })
            .collect()
    }
}

/// Expected number of each target symbol (every symbol but the first `B`) per string, for
/// strings of at most `max_len` symbols: forward probabilities α over (emissions, state), times
/// the probability β of finishing within the cap, normalized by the probability of the cap.
fn expected_target_counts(max_len: usize) -> [f64; 7] {
    // β[k][state]: probability of reaching Done within max_len symbols after k emitted.
    let mut beta: Vec<HashMap<State, f64>> = vec![HashMap::new(); max_len + 2];
    let states = all_states();
    for k in (0..=max_len).rev() {
        for &state in &states {
            let value = if state == State::Done {
                1.0
            } else if k == max_len {
                0.0
            } else {
                let options = state.successors();
                let share = 1.0 / options.len() as f64;
                options
                    .iter()
                    .map(|&(_, next)| share * beta[k + 1].get(&next).copied().unwrap_or(0.0))
                    .sum()
            };
            beta[k].insert(state, value);
        }
    }
    let accept = beta[0][&State::Begin];
    let mut counts = [0.0; 7];
    let mut alpha: HashMap<State, f64> = HashMap::from([(State::Begin, 1.0)]);
    for k in 0..max_len {
        let mut next_alpha: HashMap<State, f64> = HashMap::new();
        for (&state, &mass) in &alpha {
            let options = state.successors();
            let share = 1.0 / options.len().max(1) as f64;
            for (sym, next) in options {
                let through = mass * share;
                if k > 0 {
                    counts[sym] += through * beta[k + 1][&next] / accept;
                }
                *next_alpha.entry(next).or_insert(0.0) += through;
            }
        }
        next_alpha.remove(&State::Done);
        alpha = next_alpha;
    }
    counts
}

fn all_states() -> Vec<State> {
    let mut states = vec![State::Begin, State::Branch, State::Final, State::Done];
    for branch in [T, P] {
        states.push(State::InnerBegin { branch });
        states.push(State::InnerEnd { branch });
        states.push(State::Close { branch });
        for node in 0..5 {
            states.push(State::Node { branch, node });
        }
    }
    states
}

impl Task for Reber {
    fn name(&self) -> &'static str {
        "reber"
    }

    fn input_size(&self) -> usize {
        SYMBOLS.len()
    }

    fn output_size(&self) -> usize {
        SYMBOLS.len()
    }

    fn loss_kind(&self) -> LossKind {
        LossKind::Xent
    }

    fn max_seq_len(&self) -> usize {
        MAX_STRING_LEN - 1
    }

    fn batch(&self, rng: &mut ChaCha8Rng, batch_size: usize) -> Batch<f64> {
        let seqs: Vec<SymbolSeq> = (0..batch_size)
            .map(|_| {
                let symbols = Self::string(rng);
                let n = symbols.len();
                SymbolSeq {
                    inputs: symbols[..n - 1].to_vec(),
                    labels: symbols[1..].to_vec(),
                    counts: vec![true; n - 1],
                }
            })
            .collect();
        pad_symbols(&seqs, SYMBOLS.len())
    }

    fn baseline(&self) -> f64 {
        self.baseline
    }

    fn baseline_formula(&self) -> String {
        "unigram entropy of the targets, −Σ p ln p, p = (1, 2.5, 1, 1, 2, 1.5, 2)/11".into()
    }

    fn metric_name(&self) -> &'static str {
        "strings_legal"
    }

    /// Fraction of strings whose arg-max prediction is a legal next symbol at every step.
    fn metric(&self, batch: &Batch<f64>, outputs: &Array3<f64>) -> f64 {
        let Target::Classes { mask, .. } = &batch.target else {
            panic!("reber batches have class targets");
        };
        let mut legal_strings = 0usize;
        for b in 0..batch.batch_size() {
            let steps = mask.column(b).iter().filter(|&&m| m != 0.0).count();
            let mut state = State::Begin;
            let mut legal = true;
            for t in 0..steps {
                let Some(next) = state.next(argmax(&batch.x.slice(s![t, b, ..]))) else {
                    legal = false;
                    break;
                };
                state = next;
                let predicted = argmax(&outputs.slice(s![t, b, ..]));
                if state.next(predicted).is_none() {
                    legal = false;
                    break;
                }
            }
            legal_strings += usize::from(legal);
        }
        legal_strings as f64 / batch.batch_size() as f64
    }

    fn metric_baseline(&self) -> Option<f64> {
        // The unigram predictor always says T, which is illegal at the second step of every
        // string, where only the inner B may follow.
        Some(0.0)
    }

    fn solved(&self, metric: f64) -> bool {
        metric >= 1.0
    }

    fn solved_rule(&self) -> String {
        "strings_legal = 100 % (every string predicted legally)".into()
    }

    fn trivial_outputs(&self, batch: &Batch<f64>) -> Option<Array3<f64>> {
        Some(constant_outputs(
            batch.seq_len(),
            batch.batch_size(),
            &log_probs(&self.unigram),
        ))
    }
}
