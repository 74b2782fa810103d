//! Runs that differ only by their seed, drawn as one: the mean over the seeds and a band
//! from the lowest to the highest (#15 item 10, as the Sweep tab draws its seeds).

use crate::gui::runs::RunView;

/// The runs of `runs` grouped by their setup with the seed left out, in the order each
/// group's first run comes.
pub fn seed_groups<'a>(runs: impl Iterator<Item = &'a RunView>) -> Vec<Vec<&'a RunView>> {
    let mut groups: Vec<(crate::train::Setup, Vec<&RunView>)> = Vec::new();
    for r in runs {
        let mut key = r.config.setup().clone();
        key.seed = 0;
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, members)) => members.push(r),
            None => groups.push((key, vec![r])),
        }
    }
    groups.into_iter().map(|(_, members)| members).collect()
}

/// One point of a group's curve: the mean of the curves that reach `x` and their range.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Banded {
    pub x: f64,
    pub mean: f64,
    pub lo: f64,
    pub hi: f64,
}

/// The mean and range of `curves` (each `(x, y)` in increasing x) at every x any of them has:
/// each curve counts where x lies within its own range, linearly interpolated between its
/// points; non-finite values are left out.
pub fn mean_band(curves: &[Vec<(f64, f64)>]) -> Vec<Banded> {
    let curves: Vec<Vec<(f64, f64)>> = curves
        .iter()
        .map(|c| c.iter().copied().filter(|p| p.1.is_finite()).collect())
        .collect();
    let mut xs: Vec<f64> = curves.iter().flatten().map(|p| p.0).collect();
    xs.sort_by(f64::total_cmp);
    xs.dedup();
    xs.into_iter()
        .filter_map(|x| {
            let ys: Vec<f64> = curves.iter().filter_map(|c| at(c, x)).collect();
            if ys.is_empty() {
                return None;
            }
            let mean = ys.iter().sum::<f64>() / ys.len() as f64;
            let lo = ys.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = ys.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            Some(Banded { x, mean, lo, hi })
        })
        .collect()
}

/// Curve `c` at `x`, interpolated; `None` outside its range.
fn at(c: &[(f64, f64)], x: f64) -> Option<f64> {
    let (first, last) = (c.first()?, c.last()?);
    if x < first.0 || x > last.0 {
        return None;
    }
    // The first point at or after x (one exists: x is within the range).
    let i = c.partition_point(|p| p.0 < x);
    let b = c[i];
    if i == 0 || b.0 <= x {
        return Some(b.1);
    }
    let a = c[i - 1];
    let w = (x - a.0) / (b.0 - a.0);
    Some(a.1 + w * (b.1 - a.1))
}

#[cfg(test)]
mod tests {
    use super::{Banded, mean_band};

    #[test]
    fn the_band_spans_the_curves_that_reach_each_step_and_the_mean_is_theirs() {
        let a = vec![(1.0, 1.0), (3.0, 3.0)];
        let b = vec![(1.0, 3.0), (2.0, 1.0)];
        let got = mean_band(&[a, b]);
        let want = [
            Banded {
                x: 1.0,
                mean: 2.0,
                lo: 1.0,
                hi: 3.0,
            },
            // a interpolated at 2 is 2.0; b is 1.0 there.
            Banded {
                x: 2.0,
                mean: 1.5,
                lo: 1.0,
                hi: 2.0,
            },
            // Only a reaches step 3.
            Banded {
                x: 3.0,
                mean: 3.0,
                lo: 3.0,
                hi: 3.0,
            },
        ];
        assert_eq!(got, want);
    }

    #[test]
    fn a_diverged_value_is_left_out_of_the_mean() {
        let a = vec![(1.0, 1.0), (2.0, f64::NAN)];
        let b = vec![(1.0, 3.0), (2.0, 5.0)];
        let got = mean_band(&[a, b]);
        let at = |x, mean, lo, hi| Banded { x, mean, lo, hi };
        assert_eq!(got, [at(1.0, 2.0, 1.0, 3.0), at(2.0, 5.0, 5.0, 5.0)]);
    }
}
