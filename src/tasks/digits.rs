//! Sequential digits: the 8×8 handwritten digits of the UCI "Optical Recognition of Handwritten
//! Digits" data set (Alpaydin & Kaynak 1998; 1,797 images, the copy scikit-learn ships, in
//! `assets/digits.csv`, see `assets/README.md`), fed to the network one row or one pixel per
//! step and classified at the end — the small cousin of sequential / pixel MNIST (Le, Jaitly &
//! Hinton 2015).
//!
//! ## Generator
//!
//! Pixels are the data's counts 0..16 divided by 16, so inputs lie in [0, 1]. The image is
//! read row-major: [`PixelOrder::Rows`] gives T = 8 steps of I = 8 pixels (row r at step r);
//! [`PixelOrder::Pixels`] gives T = 64 steps of I = 1 pixel. The class 0..9 (O = 10) is the
//! target at the last step only (`xent`, mask 1 at step T − 1).
//!
//! The split is fixed: the first [`TRAIN_LEN`] = 1,438 rows of the file (80 %) are the training
//! split, the last 359 the test split (33 to 37 images per class). Training batches draw images
//! uniformly with replacement from the training split; the evaluation set is the test split
//! ([`Task::evaluation_batch`]: all of it when asked for at least 359 images, in file order,
//! otherwise a random subset without replacement).
//!
//! ## Baseline: ln 10, 10 %
//!
//! A model that ignores the pixels guesses uniformly among the ten classes: `ln 10 ≈ 2.303`,
//! accuracy 10 %. (The classes are nearly balanced, so the best constant guess, the class
//! frequencies of the training split, is within 10⁻⁴ nats of it.)
//!
//! ## Metric and solved
//!
//! Accuracy at the last step; on the evaluation set that is the test accuracy. Solved at
//! ≥ 90 % test accuracy (a softmax regression on the 64 flat pixels reaches about 92 % on this
//! split).

use std::sync::OnceLock;

use ndarray::{Array2, Array3};
use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::Task;
use super::common::accuracy_over_classes;
use crate::nn::{Batch, LossKind, Target};

/// The data file, shipped in the binary.
const DIGITS_CSV: &str = include_str!("../../assets/digits.csv");

/// Number of images.
pub const IMAGES: usize = 1_797;
/// Images in the training split (the first rows of the file).
pub const TRAIN_LEN: usize = 1_438;
/// Test accuracy at or above which the task is solved.
pub const SOLVED_ACCURACY: f64 = 0.9;

/// How an image becomes a sequence.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PixelOrder {
    /// One row of 8 pixels per step, T = 8.
    #[default]
    Rows,
    /// One pixel per step, row-major, T = 64.
    Pixels,
}

impl PixelOrder {
    /// Name as in configs (`rows`, `pixels`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Rows => "rows",
            Self::Pixels => "pixels",
        }
    }
}

/// The images, 64 pixels each in [0, 1], and their classes.
#[derive(Debug)]
pub struct DigitsData {
    pub pixels: Array2<f64>,
    pub labels: Vec<usize>,
}

/// The parsed data set (parsed once per process).
pub fn data() -> &'static DigitsData {
    static DATA: OnceLock<DigitsData> = OnceLock::new();
    DATA.get_or_init(|| {
        let mut pixels = Array2::zeros((IMAGES, 64));
        let mut labels = Vec::with_capacity(IMAGES);
        for (i, line) in DIGITS_CSV.lines().enumerate() {
            let values: Vec<u8> = line
                .split(',')
                .map(|v| v.trim().parse().expect("assets/digits.csv holds integers"))
                .collect();
            assert_eq!(
                values.len(),
                65,
                "assets/digits.csv row {i}: 64 pixels and a class"
            );
            for (k, &v) in values[..64].iter().enumerate() {
                pixels[[i, k]] = f64::from(v) / 16.0;
            }
            labels.push(usize::from(values[64]));
        }
        assert_eq!(labels.len(), IMAGES, "assets/digits.csv rows");
        DigitsData { pixels, labels }
    })
}

/// Sequential digits, row by row or pixel by pixel.
#[derive(Clone, Debug)]
pub struct Digits {
    order: PixelOrder,
}

impl Digits {
    /// The task with the given pixel order.
    pub fn new(order: PixelOrder) -> Self {
        Self { order }
    }

    /// The pixel order.
    pub fn order(&self) -> PixelOrder {
        self.order
    }

    /// The batch of the given images (row indices of the data file).
    pub fn images(&self, rows: &[usize]) -> Batch<f64> {
        let data = data();
        let (t_len, width) = match self.order {
            PixelOrder::Rows => (8, 8),
            PixelOrder::Pixels => (64, 1),
        };
        let b = rows.len();
        let mut x = Array3::zeros((t_len, b, width));
        let mut labels = Array2::zeros((t_len, b));
        let mut mask = Array2::zeros((t_len, b));
        for (bi, &row) in rows.iter().enumerate() {
            for t in 0..t_len {
                for k in 0..width {
                    x[[t, bi, k]] = data.pixels[[row, t * width + k]];
                }
            }
            labels[[t_len - 1, bi]] = data.labels[row];
            mask[[t_len - 1, bi]] = 1.0;
        }
        Batch {
            x,
            target: Target::Classes { labels, mask },
        }
    }
}

impl Task for Digits {
    fn name(&self) -> &'static str {
        "digits"
    }

    fn input_size(&self) -> usize {
        match self.order {
            PixelOrder::Rows => 8,
            PixelOrder::Pixels => 1,
        }
    }

    fn output_size(&self) -> usize {
        10
    }

    fn loss_kind(&self) -> LossKind {
        LossKind::Xent
    }

    fn max_seq_len(&self) -> usize {
        match self.order {
            PixelOrder::Rows => 8,
            PixelOrder::Pixels => 64,
        }
    }

    /// Images drawn uniformly with replacement from the training split.
    fn batch(&self, rng: &mut ChaCha8Rng, batch_size: usize) -> Batch<f64> {
        let rows: Vec<usize> = (0..batch_size)
            .map(|_| rng.random_range(0..TRAIN_LEN))
            .collect();
        self.images(&rows)
    }

    /// The test split: all of it (in file order) when `batch_size` ≥ its 359 images, else a
    /// random subset of `batch_size` images.
    fn evaluation_batch(&self, rng: &mut ChaCha8Rng, batch_size: usize) -> Batch<f64> {
        let mut rows: Vec<usize> = (TRAIN_LEN..IMAGES).collect();
        if batch_size < rows.len() {
            // Partial Fisher–Yates: the first `batch_size` rows become a uniform subset.
            for k in 0..batch_size {
                let pick = rng.random_range(k..rows.len());
                rows.swap(k, pick);
            }
            rows.truncate(batch_size);
        }
        self.images(&rows)
    }

    accuracy_over_classes!(classes: 10, solved: SOLVED_ACCURACY, rule: "test accuracy ≥ 90 %");
}
