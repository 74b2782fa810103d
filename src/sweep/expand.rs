//! Expanding a [`SweepFile`] into a validated [`Sweep`]: the base preset with the file's
//! `set`, `steps` and `expect`, the axes' values as RON text, the points (the grid, or those
//! a random search draws), the seeds, and every point × seed as a run whose setup validates.
//! Every error names the axis, the value and, last, the file.

use std::path::Path;

use ron::value::RawValue;

use super::file::{Seeds, SweepFile, Values};
use super::random::{self, Draw, Random};
use super::{AxisValues, DIAGNOSTICS_PER_RUN, MAX_RUNS, Sweep, SweepError, SweepRun, run_name};
use crate::preset::{self, PRESET_VERSION, Preset, PresetError};
use crate::train::Setup;

impl SweepFile {
    /// The expanded runs: every point × seed, each setup validated. `path` is the sweep
    /// file's (for a relative `base` and for messages).
    pub fn runs(&self, path: &Path) -> Result<Vec<SweepRun>, SweepError> {
        Ok(self.expand(path)?.runs)
    }

    /// Resolves the base, expands the axes (or draws the points of a random search) and the
    /// seeds, and validates every run.
    pub fn expand(&self, path: &Path) -> Result<Sweep, SweepError> {
        let (base, base_name) = self.base_with_overrides(path)?;
        let draws = self.axes(path, &base.config)?;
        let seeds = self.seed_list(path, base.config.seed)?;
        let (axes, points) = match self.random {
            None => grid_points(path, draws, seeds.len())?,
            Some(random) => {
                // Every value is checked, not only those drawn (a grid's runs use them all).
                for (key, draw) in &draws {
                    if let Draw::Among(values) = draw {
                        for value in values {
                            check_value(path, &base.config, key, value)?;
                        }
                    }
                }
                random_points(path, random, &draws, seeds.len())?
            }
        };
        let mut runs = Vec::new();
        for values in &points {
            self.point_runs(path, &base, &axes, values, &seeds, &mut runs)?;
        }
        let halving = self
            .halving
            .map(|h| {
                let steps = runs.first().map_or(0, |r| r.preset.config.steps);
                super::halving::Schedule::new(h, steps, points.len()).map_err(|message| {
                    SweepError::Field {
                        path: path.to_owned(),
                        field: "halving".to_owned(),
                        message,
                    }
                })
            })
            .transpose()?;
        Ok(Sweep {
            path: path.to_owned(),
            halving,
            random: self.random,
            name: self.name.clone(),
            description: self.description.clone(),
            base: base_name,
            axes,
            seeds,
            runs,
        })
    }

    /// The base preset with the sweep's `steps` and `expect` applied, and where it came from.
    pub fn base_with_overrides(&self, path: &Path) -> Result<(Preset, String), SweepError> {
        let (mut base, base_name) = self.base_preset(path)?;
        for assignment in &self.set {
            preset::apply_set(&mut base.config, assignment).map_err(|e| SweepError::Field {
                path: path.to_owned(),
                field: "set".to_owned(),
                message: match e {
                    PresetError::Set { key, message } => format!("{key}: {message}"),
                    other => other.to_string(),
                },
            })?;
        }
        if let Some(n) = self.steps {
            base.config.steps = n;
        }
        if let Some(e) = self.expect {
            if !(1..=base.config.steps).contains(&e.by_step) {
                return Err(SweepError::Field {
                    path: path.to_owned(),
                    field: "expect.by_step".to_owned(),
                    message: format!("{} must be in 1..=steps ({})", e.by_step, base.config.steps),
                });
            }
            base.expect = Some(e);
        }
        Ok((base, base_name))
    }

    /// The axes, each with its values as RON text or, in a random search, what it draws.
    fn axes(&self, path: &Path, base: &Setup) -> Result<Vec<(String, Draw)>, SweepError> {
        let field = |message: String| SweepError::Field {
            path: path.to_owned(),
            field: "axes".to_owned(),
            message,
        };
        let n = self.axes.len();
        // Values drawn at random without `random` first: more axes than a grid has may be
        // meant as a random search too.
        if self.random.is_none()
            && let Some(axis) = self.axes.iter().find(|a| a.values.is_random())
        {
            return Err(SweepError::Values {
                path: path.to_owned(),
                key: axis.key.trim().to_owned(),
                message: not_a_grid(&axis.values),
            });
        }
        if self.random.is_some() {
            if !(1..=random::MAX_AXES).contains(&n) {
                return Err(field(format!(
                    "a random search has 1 to {} axes, this one {n}",
                    random::MAX_AXES
                )));
            }
        } else if !(1..=2).contains(&n) {
            return Err(field(format!(
                "a sweep has one or two axes, this one {n} (a random search, `random: \
                 Some((samples: n, seed: s))`, takes up to {})",
                random::MAX_AXES
            )));
        }
        let mut axes: Vec<(String, Draw)> = Vec::new();
        for axis in &self.axes {
            let key = axis.key.trim();
            if axes.iter().any(|(k, _)| k == key) {
                return Err(field(format!("`{key}` appears twice")));
            }
            if key == "seed" {
                return Err(field(
                    "`seed` is not an axis: use `seeds: n` or `seeds: [..]`".to_owned(),
                ));
            }
            let draw =
                axis_draw(key, &axis.values, base).map_err(|message| SweepError::Values {
                    path: path.to_owned(),
                    key: key.to_owned(),
                    message,
                })?;
            axes.push((key.to_owned(), draw));
        }
        Ok(axes)
    }

    /// The seeds of every point.
    fn seed_list(&self, path: &Path, base_seed: u64) -> Result<Vec<u64>, SweepError> {
        let field = |message: String| SweepError::Field {
            path: path.to_owned(),
            field: "seeds".to_owned(),
            message,
        };
        match &self.seeds {
            Seeds::Count(0) => Err(field("must be at least 1".to_owned())),
            Seeds::Count(n) if *n > MAX_RUNS as u64 => Err(field(format!(
                "{n} seeds per point is more than a sweep may have runs ({MAX_RUNS})"
            ))),
            Seeds::Count(n) => Ok((0..*n).map(|i| base_seed.wrapping_add(i)).collect()),
            Seeds::List(list) => {
                if list.is_empty() {
                    return Err(field("an empty list".to_owned()));
                }
                if let Some(dup) = list
                    .iter()
                    .enumerate()
                    .find_map(|(i, s)| list[..i].contains(s).then_some(s))
                {
                    return Err(field(format!("seed {dup} is listed twice")));
                }
                Ok(list.clone())
            }
        }
    }

    /// Appends the runs of one point (one per seed) to `runs`, each validated.
    fn point_runs(
        &self,
        path: &Path,
        base: &Preset,
        axes: &[AxisValues],
        values: &[String],
        seeds: &[u64],
        runs: &mut Vec<SweepRun>,
    ) -> Result<(), SweepError> {
        let mut setup = base.config.clone();
        for (axis, value) in axes.iter().zip(values) {
            preset::apply_set(&mut setup, &format!("{}={value}", axis.key)).map_err(|e| {
                SweepError::Value {
                    path: path.to_owned(),
                    key: axis.key.clone(),
                    value: value.clone(),
                    message: match e {
                        PresetError::Set { message, .. } => message,
                        other => other.to_string(),
                    },
                }
            })?;
        }
        let point_text = describe_point(axes, values);
        let point_err = |message: String| SweepError::Point {
            path: path.to_owned(),
            point: point_text.clone(),
            message,
        };
        if setup.eval.every == 0 {
            setup.eval.every = (setup.steps / DIAGNOSTICS_PER_RUN).max(1);
        }
        let mut expect = base.expect;
        if let Some(e) = expect.as_mut() {
            if self.expect.is_some() {
                if e.by_step > setup.steps {
                    return Err(point_err(format!(
                        "expect.by_step = {} is beyond steps = {}",
                        e.by_step, setup.steps
                    )));
                }
            } else {
                // As `--steps` does for a preset: a shorter run checks its claim at its end.
                e.by_step = e.by_step.min(setup.steps);
            }
        }
        for &seed in seeds {
            let mut setup = setup.clone();
            setup.seed = seed;
            let config = setup.validate().map_err(|e| point_err(e.to_string()))?;
            let index = runs.len();
            runs.push(SweepRun {
                index,
                values: values.to_vec(),
                seed,
                preset: Preset {
                    version: PRESET_VERSION,
                    name: format!(
                        "{}, run {}: {point_text}, seed {seed}",
                        self.name,
                        run_name(index)
                    ),
                    description: self.description.clone(),
                    config: setup,
                    expect,
                    versus: None,
                    zh_cn: None,
                },
                config,
            });
        }
        Ok(())
    }

    /// The base preset and where it came from.
    fn base_preset(&self, path: &Path) -> Result<(Preset, String), SweepError> {
        let field = |message: String| SweepError::Field {
            path: path.to_owned(),
            field: "base".to_owned(),
            message,
        };
        match (&self.base, &self.base_config) {
            (Some(name), None) => {
                let beside = path.parent().unwrap_or(Path::new(".")).join(name);
                if beside.is_file() {
                    let p = Preset::load(&beside).map_err(|e| field(e.to_string()))?;
                    Ok((p, beside.display().to_string()))
                } else if let Some((shown, text)) = preset::find_builtin(name) {
                    let p = Preset::from_ron(text, &shown).map_err(|e| field(e.to_string()))?;
                    Ok((p, shown.display().to_string()))
                } else {
                    Err(field(format!(
                        "no preset file {} and no built-in preset `{name}` (see `bptt-lab \
                         presets list`)",
                        beside.display()
                    )))
                }
            }
            (None, Some(setup)) => Ok((
                Preset {
                    version: PRESET_VERSION,
                    name: self.name.clone(),
                    description: self.description.clone(),
                    config: setup.clone(),
                    expect: None,
                    versus: None,
                    zh_cn: None,
                },
                "base_config".to_owned(),
            )),
            (Some(_), Some(_)) => Err(field(
                "give `base` (a preset) or `base_config` (a setup), not both".to_owned(),
            )),
            (None, None) => Err(field(
                "missing: give `base: \"<built-in preset or file>\"` or `base_config: (..)`"
                    .to_owned(),
            )),
        }
    }
}

/// `key = value, key = value`.
fn describe_point(axes: &[AxisValues], values: &[String]) -> String {
    axes.iter()
        .zip(values)
        .map(|(a, v)| format!("{} = {v}", a.key))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The points of a grid over `axes` (every one discrete), first axis outermost, and the axes
/// with their values; refused if the points × `seeds` are more than [`MAX_RUNS`] runs.
fn grid_points(
    path: &Path,
    axes: Vec<(String, Draw)>,
    seeds: usize,
) -> Result<(Vec<AxisValues>, Vec<Vec<String>>), SweepError> {
    let axes: Vec<AxisValues> = axes
        .into_iter()
        .map(|(key, draw)| match draw {
            Draw::Among(values) => Ok(AxisValues { key, values }),
            // `axis_draw` refuses these without `random`.
            Draw::Uniform(..) | Draw::LogUniform(..) => Err(SweepError::Values {
                path: path.to_owned(),
                key,
                message: "a grid takes discrete values only".to_owned(),
            }),
        })
        .collect::<Result<_, _>>()?;
    let points: usize = axes
        .iter()
        .map(|a| a.values.len())
        .fold(1, usize::saturating_mul);
    check_size(path, "axes", points, seeds)?;
    let mut out = Vec::with_capacity(points);
    for point in 0..points {
        let mut rest = point;
        let mut values = vec![String::new(); axes.len()];
        for (a, axis) in axes.iter().enumerate().rev() {
            values[a].clone_from(&axis.values[rest % axis.values.len()]);
            rest /= axis.values.len();
        }
        out.push(values);
    }
    Ok((axes, out))
}

/// The points of a random search over `axes` ([`random::draw_points`]), and the axes with the
/// values drawn, each once, in order of first draw.
fn random_points(
    path: &Path,
    random: Random,
    axes: &[(String, Draw)],
    seeds: usize,
) -> Result<(Vec<AxisValues>, Vec<Vec<String>>), SweepError> {
    let field = |message: String| SweepError::Field {
        path: path.to_owned(),
        field: "random.samples".to_owned(),
        message,
    };
    if random.samples == 0 {
        return Err(field("must be at least 1".to_owned()));
    }
    check_size(path, "random.samples", random.samples, seeds)?;
    let points = random::draw_points(random, axes).map_err(field)?;
    let values = axes
        .iter()
        .enumerate()
        .map(|(a, (key, _))| {
            let mut values: Vec<String> = Vec::new();
            for p in &points {
                if !values.contains(&p[a]) {
                    values.push(p[a].clone());
                }
            }
            AxisValues {
                key: key.clone(),
                values,
            }
        })
        .collect();
    Ok((values, points))
}

/// Refuses a `value` that does not fit the setting `key` of `base`.
fn check_value(path: &Path, base: &Setup, key: &str, value: &str) -> Result<(), SweepError> {
    preset::apply_set(&mut base.clone(), &format!("{key}={value}")).map_err(|e| SweepError::Value {
        path: path.to_owned(),
        key: key.to_owned(),
        value: value.to_owned(),
        message: match e {
            PresetError::Set { message, .. } => message,
            other => other.to_string(),
        },
    })
}

/// Refuses `points` × `seeds` runs if they are more than [`MAX_RUNS`], naming `field`.
fn check_size(path: &Path, field: &str, points: usize, seeds: usize) -> Result<(), SweepError> {
    let total = u64::try_from(points)
        .unwrap_or(u64::MAX)
        .saturating_mul(seeds as u64);
    if total > MAX_RUNS as u64 {
        return Err(SweepError::Field {
            path: path.to_owned(),
            field: field.to_owned(),
            message: format!("{total} runs (points × seeds) is more than {MAX_RUNS}"),
        });
    }
    Ok(())
}

/// What one axis draws: its values as RON text, or (`uniform`, `log_uniform`: a random
/// search's only) a range to draw real numbers from. `base` tells whether the setting is an
/// integer.
fn axis_draw(key: &str, values: &Values, base: &Setup) -> Result<Draw, String> {
    let current = preset::setting(base, key).map_err(|e| match e {
        PresetError::Set { message, .. } => message,
        other => other.to_string(),
    })?;
    let integer = current.is_u64() || current.is_i64();
    let draw = match values {
        Values::List(items) | Values::Choice(items) => Draw::Among(ron_texts(items)?),
        &Values::Linear(from, to, n) => Draw::Among(spaced("linear", from, to, n, false, integer)?),
        &Values::Log(from, to, n) => Draw::Among(spaced("log", from, to, n, true, integer)?),
        &Values::Uniform(a, b) | &Values::LogUniform(a, b) => {
            let log = matches!(values, Values::LogUniform(..));
            let draw = Draw::continuous(log, a, b)?;
            if integer {
                let (name, grid) = if log {
                    ("log_uniform", "log")
                } else {
                    ("uniform", "linear")
                };
                return Err(format!(
                    "an integer setting: {name}({a}, {b}) draws real numbers; give \
                     choice([..]) or {grid}({a}, {b}, n), whose integers a random search draws \
                     from"
                ));
            }
            draw
        }
    };
    Ok(draw)
}

/// Why `values` drawn at random (`uniform`, `log_uniform`, `choice`) cannot be a grid's.
fn not_a_grid(values: &Values) -> String {
    let shown = match values {
        Values::Uniform(..) => "uniform(a, b)",
        Values::LogUniform(..) => "log_uniform(a, b)",
        _ => "choice([..])",
    };
    format!(
        "{shown} is drawn at random: add `random: Some((samples: n, seed: s))` to the sweep \
         file for a random search of n points, or give list([..]), linear(..) or log(..) for a \
         grid"
    )
}

/// A RON value as the sweep library compares and writes it: trimmed, its whitespace runs made
/// single spaces.
pub(crate) fn ron_text(raw: &RawValue) -> String {
    raw.trim()
        .get_ron()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The RON values of a `list` or `choice`, as text with whitespace runs made single spaces;
/// refused if empty or if one is listed twice.
fn ron_texts(items: &[Box<RawValue>]) -> Result<Vec<String>, String> {
    if items.is_empty() {
        return Err("an empty list of values".to_owned());
    }
    let texts: Vec<String> = items.iter().map(|raw| ron_text(raw)).collect();
    if let Some(dup) = texts
        .iter()
        .enumerate()
        .find_map(|(i, t)| texts[..i].contains(t).then_some(t))
    {
        return Err(format!("the value {dup} is listed twice"));
    }
    Ok(texts)
}

/// `n` values from `from` to `to`, linearly or log spaced, as RON text: rounded to 6
/// significant digits, or to integers (duplicates dropped) when `integer`.
fn spaced(
    kind: &str,
    from: f64,
    to: f64,
    n: usize,
    log: bool,
    integer: bool,
) -> Result<Vec<String>, String> {
    let shown = format!("{kind}({from}, {to}, {n})");
    if !(from.is_finite() && to.is_finite()) {
        return Err(format!("{shown}: from and to must be finite"));
    }
    if log && !(from > 0.0 && to > 0.0) {
        return Err(format!("{shown}: from and to must be > 0 for log spacing"));
    }
    if !(1..=MAX_RUNS).contains(&n) {
        return Err(format!("{shown}: n must be in 1..={MAX_RUNS}"));
    }
    let at = |i: usize| -> f64 {
        if n == 1 {
            return from;
        }
        let f = i as f64 / (n - 1) as f64;
        if i == n - 1 {
            to
        } else if log {
            (from.ln() + f * (to.ln() - from.ln())).exp()
        } else {
            from + f * (to - from)
        }
    };
    let mut out: Vec<String> = Vec::new();
    for i in 0..n {
        let text = if integer {
            format!("{}", at(i).round())
        } else {
            // Six significant digits, then the shortest text for that number.
            let rounded: f64 = format!("{:.5e}", at(i)).parse().expect("a formatted float");
            format!("{rounded}")
        };
        if !out.contains(&text) {
            out.push(text);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::spaced;

    #[test]
    fn linear_and_log_values_are_rounded_and_integers_deduplicated() {
        assert_eq!(
            spaced("linear", 0.5, 1.5, 5, false, false).unwrap(),
            ["0.5", "0.75", "1", "1.25", "1.5"]
        );
        assert_eq!(
            spaced("log", 0.1, 100.0, 4, true, false).unwrap(),
            ["0.1", "1", "10", "100"]
        );
        assert_eq!(
            spaced("log", 1.0, 10.0, 3, true, false).unwrap(),
            ["1", "3.16228", "10"]
        );
        assert_eq!(
            spaced("linear", 5.0, 8.0, 6, false, true).unwrap(),
            ["5", "6", "7", "8"]
        );
        assert!(spaced("log", 0.0, 1.0, 3, true, false).is_err());
        assert!(spaced("linear", 0.0, 1.0, 0, false, false).is_err());
    }
}
