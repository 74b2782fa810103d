//! `bptt-lab reproduce`: every preset's claims judged over seeds. A preset's `expect` holds
//! when at least `at_least` of its `seeds` runs satisfy it; its `versus` when at least
//! `at_least` of the paired seeds have this preset's value below (or above) the other's. The
//! runs are planned first (each preset × seed × number of steps once, shared between the
//! claims that need it), trained on all cores through [`crate::pool`], then judged.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::{Mutex, PoisonError};
use std::time::Instant;

use crate::expect::{Compare, Expect, ExpectMetric, Versus, profile_ratio};
use crate::headless;
use crate::preset::{self, Preset, PresetError};
use crate::train::TrainConfig;

/// What a run gave, for any metric a claim may ask.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Observed {
    pub eval_loss: f64,
    pub eval_metric: f64,
    pub profile_ratio: f64,
    pub diverged: bool,
    pub secs: f64,
}

impl Observed {
    /// The value of `metric` (NaN where the run has none, e.g. the loss of a diverged run).
    pub fn value(&self, metric: ExpectMetric) -> f64 {
        match metric {
            ExpectMetric::EvalLoss => self.eval_loss,
            ExpectMetric::EvalMetric => self.eval_metric,
            ExpectMetric::ProfileRatio => self.profile_ratio,
            ExpectMetric::Diverged => f64::from(u8::from(self.diverged)),
        }
    }
}

/// One run the claims need: a preset (by its index in [`Plan::presets`]) at a seed for a
/// number of steps.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RunKey {
    pub preset: usize,
    pub seed: u64,
    pub steps: u64,
}

/// A preset to run: where it came from and its validated config (seed as in the file).
#[derive(Clone, Debug)]
pub struct Planned {
    pub preset: Preset,
    pub path: PathBuf,
    pub config: TrainConfig,
}

/// A claim to judge: a preset's `expect` or `versus`, with the seeds it is judged on.
#[derive(Clone, Debug)]
pub enum Claim {
    Expect {
        preset: usize,
        expect: Expect,
        seeds: Vec<u64>,
        required: u32,
    },
    Versus {
        preset: usize,
        other: usize,
        versus: Versus,
        seeds: Vec<u64>,
        required: u32,
    },
}

/// The presets, the claims and the runs they need.
#[derive(Clone, Debug)]
pub struct Plan {
    pub presets: Vec<Planned>,
    pub claims: Vec<Claim>,
    pub runs: Vec<RunKey>,
}

/// How the seeds of every claim are chosen.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SeedChoice {
    /// The first seed instead of each preset's own.
    pub base: Option<u64>,
    /// This many seeds instead of each claim's; the number required scales with it
    /// (`⌈n · at_least / seeds⌉`).
    pub count: Option<u32>,
}

impl SeedChoice {
    /// The seeds and how many must hold, for a claim of `seeds` seeds with `required` and a
    /// preset whose seed is `own`.
    fn pick(self, own: u64, seeds: u32, required: u32) -> (Vec<u64>, u32) {
        let base = self.base.unwrap_or(own);
        let n = self.count.unwrap_or(seeds).max(1);
        let required = if n == seeds {
            required
        } else {
            (u64::from(n) * u64::from(required)).div_ceil(u64::from(seeds.max(1))) as u32
        };
        let list = (0..u64::from(n)).map(|i| base.wrapping_add(i)).collect();
        (list, required.clamp(1, n))
    }
}

/// The other preset of a `versus`: a built-in name, or a file beside `path`.
fn resolve_other(name: &str, path: &Path) -> Result<(Preset, PathBuf), PresetError> {
    let beside = path.parent().unwrap_or(Path::new(".")).join(name);
    if beside.is_file() {
        return Ok((Preset::load(&beside)?, beside));
    }
    match preset::find_builtin(name) {
        Some((shown, text)) => Ok((Preset::from_ron(text, &shown)?, shown)),
        None => Err(PresetError::Claim {
            path: path.to_owned(),
            field: "versus.other",
            value: name.to_owned(),
            allowed: "a built-in preset or a preset file beside this one",
        }),
    }
}

/// Plans the claims of `chosen` (presets with their paths): validates every preset, adds the
/// other presets of `versus` clauses, and lists each run once.
pub fn plan(chosen: Vec<(Preset, PathBuf)>, seeds: SeedChoice) -> Result<Plan, PresetError> {
    let mut presets: Vec<Planned> = Vec::new();
    let mut index_of = |p: Preset, path: PathBuf| -> Result<usize, PresetError> {
        if let Some(i) = presets.iter().position(|q| q.path == path) {
            return Ok(i);
        }
        let config = p.validate(&path)?;
        presets.push(Planned {
            preset: p,
            path,
            config,
        });
        Ok(presets.len() - 1)
    };
    let mut claims = Vec::new();
    for (p, path) in chosen {
        let (expect, versus) = (p.expect, p.versus.clone());
        let own = p.config.seed;
        let i = index_of(p, path.clone())?;
        if let Some(e) = expect {
            let (list, required) = seeds.pick(own, e.seeds, e.required());
            claims.push(Claim::Expect {
                preset: i,
                expect: e,
                seeds: list,
                required,
            });
        }
        if let Some(v) = versus {
            let (other, other_path) = resolve_other(&v.other, &path)?;
            let j = index_of(other, other_path)?;
            let (list, required) = seeds.pick(own, v.seeds, v.at_least);
            claims.push(Claim::Versus {
                preset: i,
                other: j,
                versus: v,
                seeds: list,
                required,
            });
        }
    }
    let mut runs: Vec<RunKey> = Vec::new();
    for claim in &claims {
        let (needs, steps, seeds): (Vec<usize>, u64, &[u64]) = match claim {
            Claim::Expect {
                preset,
                expect,
                seeds,
                ..
            } => (vec![*preset], expect.by_step, seeds),
            Claim::Versus {
                preset,
                other,
                versus,
                seeds,
                ..
            } => (vec![*preset, *other], versus.by_step, seeds),
        };
        for p in needs {
            for &seed in seeds {
                let key = RunKey {
                    preset: p,
                    seed,
                    steps,
                };
                if !runs.contains(&key) {
                    runs.push(key);
                }
            }
        }
    }
    // The longest runs first, so that the last to finish are short ones.
    runs.sort_by_key(|k| std::cmp::Reverse(cost(&presets[k.preset].config, k.steps)));
    Ok(Plan {
        presets,
        claims,
        runs,
    })
}

/// A rough cost of training `steps` steps of `config`.
fn cost(config: &TrainConfig, steps: u64) -> u64 {
    steps.saturating_mul(config.step_cost())
}

/// Trains run `key` of `plan`.
fn run_one(plan: &Plan, key: RunKey) -> Result<Observed, String> {
    let planned = &plan.presets[key.preset];
    let mut setup = planned.preset.config.clone();
    setup.seed = key.seed;
    setup.steps = setup.steps.max(key.steps);
    let config = setup
        .validate()
        .map_err(|e| format!("{e} (in {})", planned.path.display()))?;
    let start = Instant::now();
    let report = headless::run(&config, key.steps, &mut |_| {}).map_err(|e| e.to_string())?;
    let profile = report
        .last_diagnostics
        .as_ref()
        .map_or(f64::NAN, |d| profile_ratio(&d.profile.values));
    Ok(Observed {
        eval_loss: report.eval_loss,
        eval_metric: report.eval_metric,
        profile_ratio: profile,
        diverged: report.error.is_some(),
        secs: start.elapsed().as_secs_f64(),
    })
}

/// Trains every run of `plan` on `jobs` threads; `done(key, result)` is called as each ends.
/// A run that could not run (or panicked) has an `Err` with the reason.
pub fn run(
    plan: &Plan,
    jobs: usize,
    done: &(dyn Fn(RunKey, &Result<Observed, String>) + Sync),
) -> std::io::Result<Vec<Result<Observed, String>>> {
    let results: Mutex<Vec<Option<Result<Observed, String>>>> =
        Mutex::new(vec![None; plan.runs.len()]);
    crate::pool::run(
        "reproduce",
        &plan.runs,
        jobs,
        &AtomicBool::new(false),
        |_, key| run_one(plan, *key),
        |i, result| {
            let result = result.unwrap_or_else(|p| Err(p.to_string()));
            done(plan.runs[i], &result);
            results.lock().unwrap_or_else(PoisonError::into_inner)[i] = Some(result);
        },
    )?;
    Ok(results
        .into_inner()
        .unwrap_or_else(PoisonError::into_inner)
        .into_iter()
        .map(|r| r.unwrap_or_else(|| Err("not run".to_owned())))
        .collect())
}

/// One seed of a claim: this preset's value, the other's (versus), whether it held; or why a
/// run failed.
pub type SeedResult = Result<(f64, Option<f64>, bool), String>;

/// A claim judged: the per-seed values and whether each held.
#[derive(Clone, Debug)]
pub struct Verdict {
    /// The preset whose claim it is.
    pub preset: usize,
    /// The claim in words.
    pub clause: String,
    /// Per seed: the seed, this preset's value, the other's (versus), and whether it held;
    /// `Err` where a run failed.
    pub per_seed: Vec<(u64, SeedResult)>,
    pub held: u32,
    pub required: u32,
    pub pass: bool,
}

/// Judges every claim of `plan` on the results of its runs (in `plan.runs` order).
pub fn judge(plan: &Plan, results: &[Result<Observed, String>]) -> Vec<Verdict> {
    let find = |preset: usize, seed: u64, steps: u64| -> Result<Observed, String> {
        let key = RunKey {
            preset,
            seed,
            steps,
        };
        let i = plan
            .runs
            .iter()
            .position(|k| *k == key)
            .expect("every needed run is planned");
        results[i].clone()
    };
    plan.claims
        .iter()
        .map(|claim| {
            let (preset, clause, required, per_seed): (usize, String, u32, Vec<_>) = match claim {
                Claim::Expect {
                    preset,
                    expect,
                    seeds,
                    required,
                } => (
                    *preset,
                    expect_text(expect, seeds.len(), *required),
                    *required,
                    seeds
                        .iter()
                        .map(|&s| {
                            let r = find(*preset, s, expect.by_step).map(|o| {
                                let v = o.value(expect.metric);
                                (v, None, expect.holds(v))
                            });
                            (s, r)
                        })
                        .collect(),
                ),
                Claim::Versus {
                    preset,
                    other,
                    versus,
                    seeds,
                    required,
                } => (
                    *preset,
                    versus_text(versus, seeds.len(), *required),
                    *required,
                    seeds
                        .iter()
                        .map(|&s| {
                            let a = find(*preset, s, versus.by_step);
                            let b = find(*other, s, versus.by_step);
                            let r = a.and_then(|a| {
                                b.map(|b| {
                                    let (x, y) = (a.value(versus.metric), b.value(versus.metric));
                                    (x, Some(y), versus.compare.holds(x, y))
                                })
                            });
                            (s, r)
                        })
                        .collect(),
                ),
            };
            let held = per_seed
                .iter()
                .filter(|(_, r)| matches!(r, Ok((_, _, true))))
                .count() as u32;
            Verdict {
                preset,
                clause,
                per_seed,
                held,
                required,
                pass: held >= required,
            }
        })
        .collect()
}

fn expect_text(e: &Expect, n: usize, required: u32) -> String {
    let one = Expect {
        seeds: 1,
        at_least: None,
        ..*e
    };
    format!("{}, ≥ {required} of {n} seeds", one.describe())
}

fn versus_text(v: &Versus, n: usize, required: u32) -> String {
    let relation = match v.compare {
        Compare::Below => "below",
        Compare::Above => "above",
    };
    format!(
        "{} {relation} {}'s by step {}, ≥ {required} of {n} paired seeds",
        v.metric.name(),
        v.other,
        v.by_step
    )
}

/// One CSV field, quoted when needed.
fn field(text: &str) -> String {
    if text.contains([',', '"', '\n']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

/// The verdicts as CSV: one row per claim and seed (`preset,file,clause,seed,value,
/// other_value,holds,held,required,pass`), values empty where a run failed.
pub fn verdicts_csv(plan: &Plan, verdicts: &[Verdict]) -> String {
    let mut out =
        String::from("preset,file,clause,seed,value,other_value,holds,held,required,pass\n");
    for v in verdicts {
        let p = &plan.presets[v.preset];
        for (seed, r) in &v.per_seed {
            let (value, other, holds) = match r {
                Ok((x, y, h)) => (
                    format!("{x}"),
                    y.map(|y| format!("{y}")).unwrap_or_default(),
                    h.to_string(),
                ),
                Err(_) => (String::new(), String::new(), "error".to_owned()),
            };
            let row = [
                field(&p.preset.name),
                field(&p.path.display().to_string()),
                field(&v.clause),
                seed.to_string(),
                value,
                other,
                holds,
                v.held.to_string(),
                v.required.to_string(),
                v.pass.to_string(),
            ];
            out.push_str(&row.join(","));
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn more_seeds_scale_the_number_that_must_hold() {
        let own = SeedChoice::default();
        assert_eq!(own.pick(7, 5, 4), (vec![7, 8, 9, 10, 11], 4));
        let twenty = SeedChoice {
            base: Some(100),
            count: Some(20),
        };
        let (list, required) = twenty.pick(7, 5, 4);
        assert_eq!((list[0], list.len(), required), (100, 20, 16));
        let one = SeedChoice {
            base: None,
            count: Some(1),
        };
        assert_eq!(one.pick(3, 5, 4), (vec![3], 1));
    }
}
