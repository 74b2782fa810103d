//! Random search (Bergstra & Bengio 2012): instead of every point of a grid, a sweep file
//! with `random: Some((samples: 40, seed: 7))` trains 40 points, each drawing every axis
//! independently from its own distribution:
//!
//! - `uniform(a, b)`: a real number in [a, b), every sub-interval as likely as its length;
//! - `log_uniform(a, b)` (0 < a < b): exp of a uniform draw in [ln a, ln b), so that every
//!   decade is as likely (learning rates, thresholds);
//! - `choice([..])`: one of these RON values (as for `list`), each as likely;
//! - `list`, `linear` and `log`: one of the grid's values, each as likely.
//!
//! When only a few settings matter, n random points try n values of each of them, where a
//! grid of n points over d settings tries only n^(1/d).
//!
//! The draws are deterministic: the axis with key `key` draws from `ChaCha8` stream
//! [`stream`]`(key)` of the sample seed, so the same file gives the same points on every
//! machine, and adding an axis or changing another axis's values leaves an axis's draws as
//! they were (unless a point had to be drawn again). Points are distinct: a point equal to an
//! earlier one (likely when every axis is discrete, possible after rounding) is drawn again,
//! and a sweep that asks for more samples than its discrete axes have points is refused. A
//! drawn real number is written rounded to 6 significant digits, as `linear` and `log` values
//! are, unless rounding would take it out of [a, b). Integer settings (`model.hidden`,
//! `bptt.k2`, `task.seq_len`) take discrete values only: `uniform` or `log_uniform` on one is
//! refused naming the key (`choice([..])` or `linear` / `log`, whose integer values are drawn,
//! say what to try).

use std::collections::HashSet;

use rand::{Rng as _, SeedableRng as _};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// `random: Some((samples: 40, seed: 7))` in a sweep file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Random {
    /// How many points to draw (each trains one run per seed).
    pub samples: usize,
    /// Seeds the draws (not the runs: those take the sweep's `seeds`).
    pub seed: u64,
}

/// Most axes a random search may have (a grid has one or two).
pub const MAX_AXES: usize = 8;

/// How one axis of a random search draws its value.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Draw {
    /// One of these RON values, each as likely.
    Among(Vec<String>),
    /// A real number in [a, b).
    Uniform(f64, f64),
    /// A real number in [a, b), uniform in log scale.
    LogUniform(f64, f64),
}

impl Draw {
    /// `uniform(a, b)` (`log` false) or `log_uniform(a, b)`, or why the bounds do not make one.
    pub(crate) fn continuous(log: bool, a: f64, b: f64) -> Result<Self, String> {
        let shown = if log {
            format!("log_uniform({a}, {b})")
        } else {
            format!("uniform({a}, {b})")
        };
        if !(a.is_finite() && b.is_finite()) {
            return Err(format!("{shown}: a and b must be finite"));
        }
        if log && a <= 0.0 {
            return Err(format!("{shown}: a and b must be > 0 for log_uniform"));
        }
        if a >= b {
            return Err(format!("{shown}: a must be less than b"));
        }
        Ok(if log {
            Self::LogUniform(a, b)
        } else {
            Self::Uniform(a, b)
        })
    }

    /// How many values the axis can take, if it is discrete.
    fn count(&self) -> Option<usize> {
        match self {
            Self::Among(values) => Some(values.len()),
            Self::Uniform(..) | Self::LogUniform(..) => None,
        }
    }

    /// One draw, as RON text.
    fn sample(&self, rng: &mut ChaCha8Rng) -> String {
        match self {
            Self::Among(values) => {
                // Lemire's multiply-shift: index ⌊u·n / 2^64⌋, biased by at most n / 2^64.
                let n = values.len() as u128;
                let i = (u128::from(rng.next_u64()) * n) >> 64;
                values[usize::try_from(i).expect("an index below the number of values")].clone()
            }
            &Self::Uniform(a, b) => real_text(a + (b - a) * unit(rng), a, b),
            &Self::LogUniform(a, b) => {
                let (la, lb) = (a.ln(), b.ln());
                real_text((la + (lb - la) * unit(rng)).exp(), a, b)
            }
        }
    }
}

/// A uniform draw in [0, 1): the top 53 bits of one 64-bit output.
fn unit(rng: &mut ChaCha8Rng) -> f64 {
    (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// `x` (kept in [a, b) against rounding in its computation) as RON text: 6 significant
/// digits, or all of them if the rounded number falls out of [a, b).
fn real_text(x: f64, a: f64, b: f64) -> String {
    let x = x.clamp(a, b.next_down());
    let rounded: f64 = format!("{x:.5e}").parse().expect("a formatted float");
    if (a..b).contains(&rounded) {
        format!("{rounded}")
    } else {
        format!("{x}")
    }
}

/// The `ChaCha8` stream an axis draws from: the 64-bit FNV-1a hash of its key, so that an
/// axis's draws depend on its key and the sample seed, not on the other axes or their order.
pub fn stream(key: &str) -> u64 {
    key.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Draws `random.samples` distinct points over `axes` (key, how it draws), one value per axis
/// each, in axis order; or why it cannot.
pub(crate) fn draw_points(
    random: Random,
    axes: &[(String, Draw)],
) -> Result<Vec<Vec<String>>, String> {
    let n = random.samples;
    let discrete = axes
        .iter()
        .map(|(_, d)| d.count())
        .try_fold(1usize, |acc, c| c.map(|c| acc.saturating_mul(c)));
    if let Some(points) = discrete.filter(|&p| p < n) {
        return Err(format!(
            "samples = {n} is more than the {points} distinct points the axes' values make; ask \
             for at most {points}, or run them all as a grid (without `random`)"
        ));
    }
    let mut rngs: Vec<ChaCha8Rng> = axes
        .iter()
        .map(|(key, _)| {
            let mut rng = ChaCha8Rng::seed_from_u64(random.seed);
            rng.set_stream(stream(key));
            rng
        })
        .collect();
    // Enough for any discrete space of at least n points (drawing all n of n points takes
    // about n·ln n draws) and for continuous axes unless rounding leaves few distinct values.
    let max_draws = n.saturating_mul(50).saturating_add(1000);
    let mut seen: HashSet<Vec<String>> = HashSet::new();
    let mut points = Vec::with_capacity(n);
    let mut draws = 0;
    while points.len() < n {
        if draws == max_draws {
            return Err(format!(
                "only {} distinct points in {max_draws} draws, fewer than samples = {n}: the \
                 ranges are too narrow to hold that many distinct values; widen them or ask \
                 for fewer samples",
                points.len()
            ));
        }
        draws += 1;
        let point: Vec<String> = axes
            .iter()
            .zip(&mut rngs)
            .map(|((_, d), rng)| d.sample(rng))
            .collect();
        if seen.insert(point.clone()) {
            points.push(point);
        }
    }
    Ok(points)
}

#[cfg(test)]
mod tests {
    use super::{Draw, Random, draw_points, real_text, stream};

    fn one_axis(draw: Draw, samples: usize, seed: u64) -> Vec<f64> {
        let points = draw_points(
            Random { samples, seed },
            &[("optimizer.lr".to_owned(), draw)],
        )
        .unwrap();
        points
            .iter()
            .map(|p| p[0].parse::<f64>().expect("a number"))
            .collect()
    }

    #[test]
    fn uniform_draws_lie_in_a_to_b_and_fill_it_evenly() {
        let xs = one_axis(Draw::continuous(false, 0.5, 1.5).unwrap(), 4000, 1);
        assert!(xs.iter().all(|x| (0.5..1.5).contains(x)), "{xs:?}");
        // Each tenth of the interval holds about 400 of 4000 (binomial sd 19).
        for k in 0..10 {
            let lo = 0.5 + 0.1 * f64::from(k);
            let count = xs.iter().filter(|&&x| x >= lo && x < lo + 0.1).count();
            assert!((320..480).contains(&count), "tenth {k}: {count}");
        }
    }

    #[test]
    fn log_uniform_draws_are_spread_evenly_in_log_scale() {
        let (a, b) = (1e-4, 1e-1);
        let xs = one_axis(Draw::continuous(true, a, b).unwrap(), 4000, 2);
        assert!(xs.iter().all(|x| (a..b).contains(x)), "{xs:?}");
        // Half below the geometric mean √(ab) (a uniform draw would put 3% there): 0.4955
        // for this seed; over seeds 0..300, sd 0.0077 and never more than 0.021 from 1/2.
        let below = xs.iter().filter(|&&x| x < (a * b).sqrt()).count() as f64 / 4000.0;
        assert!((below - 0.5).abs() < 0.04, "fraction below √(ab): {below}");
        // A third in each decade.
        for (lo, hi) in [(1e-4, 1e-3), (1e-3, 1e-2), (1e-2, 1e-1)] {
            let f = xs.iter().filter(|&&x| x >= lo && x < hi).count() as f64 / 4000.0;
            assert!((f - 1.0 / 3.0).abs() < 0.04, "[{lo}, {hi}): {f}");
        }
    }

    #[test]
    fn among_draws_only_the_listed_values_and_each_of_them() {
        let values: Vec<String> = ["8", "16", "32"].map(str::to_owned).to_vec();
        let draw = Draw::Among(values.clone());
        let with_lr = [
            ("model.hidden".to_owned(), draw),
            (
                "optimizer.lr".to_owned(),
                Draw::continuous(true, 1e-3, 1e-1).unwrap(),
            ),
        ];
        let points = draw_points(
            Random {
                samples: 600,
                seed: 3,
            },
            &with_lr,
        )
        .unwrap();
        for v in &values {
            let count = points.iter().filter(|p| &p[0] == v).count();
            // About 200 each (binomial sd 12).
            assert!((150..250).contains(&count), "{v}: {count}");
        }
        assert!(points.iter().all(|p| values.contains(&p[0])));
    }

    #[test]
    fn points_are_distinct_and_a_discrete_space_too_small_is_refused() {
        let axes = [
            ("a".to_owned(), Draw::Among(vec!["1".into(), "2".into()])),
            (
                "b".to_owned(),
                Draw::Among(vec!["x".into(), "y".into(), "z".into()]),
            ),
        ];
        let all = draw_points(
            Random {
                samples: 6,
                seed: 9,
            },
            &axes,
        )
        .unwrap();
        let mut sorted = all.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), 6, "every point once: {all:?}");
        let e = draw_points(
            Random {
                samples: 7,
                seed: 9,
            },
            &axes,
        )
        .unwrap_err();
        assert!(e.contains("more than the 6 distinct points"), "{e}");
        // A range of three floating-point numbers runs out of distinct values.
        let narrow = [(
            "a".to_owned(),
            Draw::continuous(false, 1.0, 1.0f64.next_up().next_up().next_up()).unwrap(),
        )];
        let e = draw_points(
            Random {
                samples: 100,
                seed: 1,
            },
            &narrow,
        )
        .unwrap_err();
        assert!(e.contains("too narrow"), "{e}");
    }

    #[test]
    fn an_axis_draws_the_same_values_whatever_the_other_axes() {
        let lr = (
            "optimizer.lr".to_owned(),
            Draw::continuous(true, 1e-4, 1e-1).unwrap(),
        );
        let gain = (
            "init.weight_hh.gain".to_owned(),
            Draw::continuous(false, 0.5, 1.5).unwrap(),
        );
        let random = Random {
            samples: 20,
            seed: 5,
        };
        let alone = draw_points(random, std::slice::from_ref(&lr)).unwrap();
        let with = draw_points(random, &[gain.clone(), lr.clone()]).unwrap();
        let lrs =
            |ps: &[Vec<String>], i: usize| ps.iter().map(|p| p[i].clone()).collect::<Vec<_>>();
        assert_eq!(lrs(&alone, 0), lrs(&with, 1));
        assert_ne!(stream("optimizer.lr"), stream("init.weight_hh.gain"));
        let other = draw_points(Random { seed: 6, ..random }, &[lr]).unwrap();
        assert_ne!(alone, other, "another sample seed, other points");
    }

    #[test]
    fn bounds_are_checked_and_rounding_stays_in_range() {
        assert!(
            Draw::continuous(true, 0.0, 1.0)
                .unwrap_err()
                .contains("> 0")
        );
        assert!(
            Draw::continuous(true, -1.0, 1.0)
                .unwrap_err()
                .contains("> 0")
        );
        assert!(
            Draw::continuous(false, 2.0, 2.0)
                .unwrap_err()
                .contains("less than b")
        );
        assert!(
            Draw::continuous(false, 0.0, f64::INFINITY)
                .unwrap_err()
                .contains("finite")
        );
        assert_eq!(real_text(0.123_456_789, 0.0, 1.0), "0.123457");
        // Rounded up to b (out of range): kept in full.
        assert_eq!(real_text(0.999_999_9, 0.0, 1.0), "0.9999999");
        assert_eq!(real_text(1.0, 0.0, 1.0), format!("{}", 1.0f64.next_down()));
    }
}
