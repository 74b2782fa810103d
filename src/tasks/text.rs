//! Character-level language modelling on Shakespeare's Sonnets (Project Gutenberg, public
//! domain, bundled as `assets/sonnets.txt`, see `assets/README.md`) or any UTF-8 text file the
//! user picks; a trained model can also generate text ([`Text::sample`]).
//!
//! ## Generator
//!
//! The vocabulary is the corpus's distinct characters (Unicode scalar values) in sorted order;
//! inputs are one-hot over it (I = O = V, 62 for the sonnets). A leading byte-order mark is
//! dropped; nothing else is changed. The first 90 % of the characters are the training part,
//! the last 10 % the held-out part. A sequence is a window of T + 1 consecutive characters
//! starting uniformly at random in its part (training batches in the training part, the
//! evaluation set in the held-out part): input `c_t`, target `c_{t+1}` for t = 0..T−1, all
//! counted (`xent` over all steps).
//!
//! ## Baseline: the unigram entropy of the corpus
//!
//! A model that ignores its input predicts the character frequencies `p_c` of the corpus and
//! pays `H = −Σ_c p_c ln p_c` nats per character (4.517 bits for the sonnets). Random windows
//! cover the corpus almost uniformly, so their unigram cross-entropy is H up to sampling noise
//! and the small difference between the parts and the whole.
//!
//! ## Metric and solved
//!
//! Bits per character, the mean cross-entropy divided by ln 2. "Solved" for a language model is
//! a matter of degree; here it means compressing to half the unigram entropy:
//! `bits_per_char ≤ H / (2 ln 2)` (2.26 for the sonnets).

use std::path::Path;

use ndarray::{Array2, Array3, s};
use rand::{Rng, RngExt};
use rand_chacha::ChaCha8Rng;

use super::common::{argmax, constant_outputs, log_probs, mean_loss};
use super::error::{MAX_SEQ_LEN, check_range};
use super::{Task, TaskError};
use crate::nn::{
    Batch, Bptt, Engine, GradOptions, InitialState, LossKind, Model, Params, Reduction, Scalar,
    Target,
};

/// Shakespeare's Sonnets, shipped in the binary.
pub const SONNETS: &str = include_str!("../../assets/sonnets.txt");

/// Most bytes of a corpus file: 32 MiB, some thirty novels; its characters and tokens are
/// held in memory (about 8 bytes per character while the vocabulary is built).
pub const MAX_CORPUS_BYTES: u64 = 32 << 20;

/// Most distinct characters of a corpus: each is a one-hot input and an output logit, so the
/// model's input and readout are this wide. 8192 holds a Chinese novel (3000–5000 characters).
pub const MAX_VOCAB: usize = 8192;

/// Fraction of the corpus (from its start) used for training windows.
pub const TRAIN_FRACTION: f64 = 0.9;

/// A character-level language model task.
#[derive(Clone, Debug)]
pub struct Text {
    origin: String,
    seq_len: usize,
    vocab: Vec<char>,
    tokens: Vec<u32>,
    train_len: usize,
    unigram: Vec<f64>,
    entropy: f64,
}

impl Text {
    /// The bundled sonnets with windows of `seq_len` T.
    pub fn sonnets(seq_len: usize) -> Result<Self, TaskError> {
        Self::from_text("the bundled sonnets", SONNETS, seq_len)
    }

    /// A UTF-8 text file of at most [`MAX_CORPUS_BYTES`] with windows of `seq_len` T.
    pub fn from_file(path: &Path, seq_len: usize) -> Result<Self, TaskError> {
        let bytes = crate::fsutil::read_capped(path, MAX_CORPUS_BYTES).map_err(|source| {
            TaskError::Unreadable {
                path: path.to_path_buf(),
                source,
            }
        })?;
        let text = String::from_utf8(bytes).map_err(|e| TaskError::NotUtf8 {
            path: path.to_path_buf(),
            offset: e.utf8_error().valid_up_to(),
        })?;
        Self::from_text(&path.display().to_string(), &text, seq_len)
    }

    /// A text with windows of `seq_len` T ∈ 1..=[`MAX_SEQ_LEN`]; it needs at least
    /// 10·(T + 1) characters so that both parts hold a window. `origin` names it in errors.
    pub fn from_text(origin: &str, text: &str, seq_len: usize) -> Result<Self, TaskError> {
        check_range("text", "seq_len", seq_len, 1, MAX_SEQ_LEN)?;
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        // Windows line ends are one character, as on every other system.
        let text = text.replace("\r\n", "\n");
        let chars: Vec<char> = text.chars().collect();
        let train_len = (chars.len() as f64 * TRAIN_FRACTION).floor() as usize;
        if train_len < seq_len + 1 || chars.len() - train_len < seq_len + 1 {
            return Err(TaskError::CorpusTooShort {
                origin: origin.to_owned(),
                chars: chars.len(),
                seq_len,
                needed: 10 * (seq_len + 1),
            });
        }
        let mut vocab = chars.clone();
        vocab.sort_unstable();
        vocab.dedup();
        if vocab.len() > MAX_VOCAB {
            return Err(TaskError::VocabTooLarge {
                origin: origin.to_owned(),
                distinct: vocab.len(),
                max: MAX_VOCAB,
            });
        }
        let mut counts = vec![0.0; vocab.len()];
        let tokens: Vec<u32> = chars
            .iter()
            .map(|c| {
                let k = vocab
                    .binary_search(c)
                    .expect("every char is in the vocabulary");
                counts[k] += 1.0;
                u32::try_from(k).expect("fewer than 2³² distinct chars")
            })
            .collect();
        let total = chars.len() as f64;
        let unigram: Vec<f64> = counts.iter().map(|c| c / total).collect();
        let entropy = super::common::entropy_of_counts(&counts);
        Ok(Self {
            origin: origin.to_owned(),
            seq_len,
            vocab,
            tokens,
            train_len,
            unigram,
            entropy,
        })
    }

    /// Where the text came from (a path, or the bundled sonnets).
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The vocabulary, sorted.
    pub fn vocab(&self) -> &[char] {
        &self.vocab
    }

    /// Frequencies of the vocabulary's characters in the corpus.
    pub fn unigram(&self) -> &[f64] {
        &self.unigram
    }

    /// Number of characters in the corpus and in its training part.
    pub fn len_and_train_len(&self) -> (usize, usize) {
        (self.tokens.len(), self.train_len)
    }

    /// The vocabulary index of `c`.
    pub fn index_of(&self, c: char) -> Option<usize> {
        self.vocab.binary_search(&c).ok()
    }

    /// The characters of a batch's windows (inputs and the last target), one string per
    /// sequence.
    pub fn decode(&self, batch: &Batch<f64>) -> Vec<String> {
        let Target::Classes { labels, .. } = &batch.target else {
            panic!("text batches have class targets");
        };
        let t_len = batch.seq_len();
        (0..batch.batch_size())
            .map(|b| {
                let mut text: String = (0..t_len)
                    .map(|t| self.vocab[argmax(&batch.x.slice(s![t, b, ..]))])
                    .collect();
                if t_len > 0 {
                    text.push(self.vocab[labels[[t_len - 1, b]]]);
                }
                text
            })
            .collect()
    }

    /// Windows starting uniformly in `lo..=hi − T − 1` (a part `lo..hi` of the corpus).
    fn windows(&self, rng: &mut ChaCha8Rng, batch_size: usize, lo: usize, hi: usize) -> Batch<f64> {
        let (t_len, v) = (self.seq_len, self.vocab.len());
        let mut x = Array3::zeros((t_len, batch_size, v));
        let mut labels = Array2::zeros((t_len, batch_size));
        for b in 0..batch_size {
            let start = rng.random_range(lo..hi - t_len);
            for t in 0..t_len {
                x[[t, b, self.tokens[start + t] as usize]] = 1.0;
                labels[[t, b]] = self.tokens[start + t + 1] as usize;
            }
        }
        Batch {
            x,
            target: Target::Classes {
                labels,
                mask: Array2::ones((t_len, batch_size)),
            },
        }
    }

    /// Generates `n` characters with `model` (trained on this task: input and output size V):
    /// the network reads `seed_text` from a zero state, then each drawn character is fed back.
    /// Each character is drawn from `softmax(logits / temperature)`; temperature 0 takes the
    /// arg-max. With an empty seed the first character comes from the corpus's unigram
    /// distribution (at the same temperature). Returns the generated characters only.
    ///
    /// Runs the engine forward one step at a time ([`Engine::loss_and_grad`] on a one-step
    /// batch from the carried state); the gradients it also computes are thrown away.
    pub fn sample<F: Scalar>(
        &self,
        model: &Model<F>,
        seed_text: &str,
        n: usize,
        temperature: f64,
        rng: &mut impl Rng,
    ) -> Result<String, TaskError> {
        let v = self.vocab.len();
        if model.dims.input != v || model.dims.output != v {
            return Err(TaskError::ModelMismatch {
                input: v,
                output: v,
                model_input: model.dims.input,
                model_output: model.dims.output,
            });
        }
        if !temperature.is_finite() || temperature < 0.0 {
            return Err(TaskError::Temperature(temperature));
        }
        let seed: Vec<usize> = seed_text
            .chars()
            .map(|ch| self.index_of(ch).ok_or(TaskError::UnknownChar { ch }))
            .collect::<Result<_, _>>()?;
        let mut stepper = Stepper::new(model);
        let mut logits = if seed.is_empty() {
            log_probs(&self.unigram)
        } else {
            stepper.feed(&seed, v)
        };
        let mut out = String::new();
        for i in 0..n {
            let k = draw(&logits, temperature, rng);
            out.push(self.vocab[k]);
            if i + 1 < n {
                logits = stepper.feed(&[k], v);
            }
        }
        Ok(out)
    }
}

/// Runs a model forward over chunks of symbols, carrying its state between chunks.
struct Stepper<'m, F: Scalar> {
    model: &'m Model<F>,
    engine: Engine<F>,
    grads: Params<F>,
    h: Option<Array2<F>>,
    c: Option<Array2<F>>,
}

impl<'m, F: Scalar> Stepper<'m, F> {
    fn new(model: &'m Model<F>) -> Self {
        Self {
            model,
            engine: Engine::new(model.cell, model.dims),
            grads: Params::zeros(model.cell, model.dims),
            h: None,
            c: None,
        }
    }

    /// Feeds `symbols` (one-hot over `v`) and returns the logits after the last one.
    fn feed(&mut self, symbols: &[usize], v: usize) -> Vec<f64> {
        let t_len = symbols.len();
        let mut x = Array3::<F>::zeros((t_len, 1, v));
        for (t, &k) in symbols.iter().enumerate() {
            x[[t, 0, k]] = F::one();
        }
        let mut mask = Array2::<F>::zeros((t_len, 1));
        mask[[t_len - 1, 0]] = F::one();
        let batch = Batch {
            x,
            target: Target::Classes {
                labels: Array2::zeros((t_len, 1)),
                mask,
            },
        };
        let init = InitialState {
            h0: self.h.as_ref().map(|h| h.view()),
            c0: self.c.as_ref().map(|c| c.view()),
        };
        let options = GradOptions {
            bptt: Bptt::Full,
            reduction: Reduction::Sum,
            grad_x: false,
        };
        self.engine
            .loss_and_grad(&self.model.params, &batch, init, options, &mut self.grads);
        let last = |a: Array3<F>| a.slice(s![t_len - 1..t_len, 0, ..]).to_owned();
        self.h = Some(last(self.engine.hidden_states()));
        self.c = self.engine.cell_states().map(last);
        self.engine
            .outputs()
            .slice(s![t_len - 1, 0, ..])
            .iter()
            .map(|z| z.as_f64())
            .collect()
    }
}

/// Draws an index from `softmax(logits / temperature)`, or the arg-max at temperature 0 (and
/// whenever the probabilities are not finite).
fn draw(logits: &[f64], temperature: f64, rng: &mut impl Rng) -> usize {
    let greedy = argmax(&ndarray::ArrayView1::from(logits));
    if temperature == 0.0 {
        return greedy;
    }
    let top = logits[greedy];
    let weights: Vec<f64> = logits
        .iter()
        .map(|&z| ((z - top) / temperature).exp())
        .collect();
    let total: f64 = weights.iter().sum();
    if !total.is_finite() || total <= 0.0 {
        return greedy;
    }
    let mut u = rng.random::<f64>() * total;
    for (k, &w) in weights.iter().enumerate() {
        if u < w {
            return k;
        }
        u -= w;
    }
    greedy
}

impl Task for Text {
    fn name(&self) -> &'static str {
        "text"
    }

    fn input_size(&self) -> usize {
        self.vocab.len()
    }

    fn output_size(&self) -> usize {
        self.vocab.len()
    }

    fn loss_kind(&self) -> LossKind {
        LossKind::Xent
    }

    fn max_seq_len(&self) -> usize {
        self.seq_len
    }

    /// Windows from the training part.
    fn batch(&self, rng: &mut ChaCha8Rng, batch_size: usize) -> Batch<f64> {
        self.windows(rng, batch_size, 0, self.train_len)
    }

    /// Windows from the held-out part.
    fn evaluation_batch(&self, rng: &mut ChaCha8Rng, batch_size: usize) -> Batch<f64> {
        self.windows(rng, batch_size, self.train_len, self.tokens.len())
    }

    fn baseline(&self) -> f64 {
        self.entropy
    }

    fn baseline_formula(&self) -> String {
        format!(
            "unigram entropy −Σ p ln p of {} ({} chars, V = {}) = {:.3} nats per character \
             (the loss's unit; {:.3} bits, the metric's)",
            self.origin,
            self.tokens.len(),
            self.vocab.len(),
            self.entropy,
            self.entropy / std::f64::consts::LN_2
        )
    }

    fn metric_name(&self) -> &'static str {
        "bits_per_char"
    }

    fn metric(&self, batch: &Batch<f64>, outputs: &Array3<f64>) -> f64 {
        mean_loss(batch, outputs) / std::f64::consts::LN_2
    }

    fn metric_baseline(&self) -> Option<f64> {
        Some(self.entropy / std::f64::consts::LN_2)
    }

    fn solved(&self, metric: f64) -> bool {
        metric <= 0.5 * self.entropy / std::f64::consts::LN_2
    }

    fn solved_rule(&self) -> String {
        format!(
            "bits_per_char ≤ half the unigram entropy = {:.2}",
            0.5 * self.entropy / std::f64::consts::LN_2
        )
    }

    fn trivial_outputs(&self, batch: &Batch<f64>) -> Option<Array3<f64>> {
        Some(constant_outputs(
            batch.seq_len(),
            batch.batch_size(),
            &log_probs(&self.unigram),
        ))
    }
}
