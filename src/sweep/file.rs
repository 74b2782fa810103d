//! The sweep file as written, before validation: its fields, the values of an axis (a list
//! of RON values, a linear / log range, or a distribution to draw from in a random search)
//! and the seeds (a count or a list). Read with
//! [`SweepFile::load`]; written with [`SweepFile::to_ron`] (the app's Sweep tab builds one).

use std::path::Path;

use ron::value::RawValue;
use serde::{Deserialize, Serialize};

use super::{SWEEP_VERSION, SweepError};
use crate::expect::Expect;
use crate::preset::PresetError;
use crate::ronfile::{self, RonError};
use crate::train::Setup;

/// A sweep file as written (not yet validated).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SweepFile {
    pub version: u32,
    pub name: String,
    /// What the sweep asks and what to expect.
    pub description: String,
    /// A built-in preset name, or a preset file relative to the sweep file.
    #[serde(default)]
    pub base: Option<String>,
    /// The base setup inline, instead of `base`.
    #[serde(default)]
    pub base_config: Option<Setup>,
    /// Fixed changes to the base, as `--set` takes them (`["task.seq_len=30"]`), applied
    /// before the axes.
    #[serde(default)]
    pub set: Vec<String>,
    /// One or two settings and their values (up to [`super::random::MAX_AXES`] in a random
    /// search).
    pub axes: Vec<Axis>,
    /// Seeds per point: a count (the base seed, +1, …) or a list.
    #[serde(default)]
    pub seeds: Seeds,
    /// Overrides the base's `steps` (and caps its `expect.by_step`).
    #[serde(default)]
    pub steps: Option<u64>,
    /// Overrides the base's `expect` clause; "steps to reach the threshold" is measured on it.
    #[serde(default)]
    pub expect: Option<Expect>,
    /// Successive halving over the points instead of training all of them for `steps`
    /// (see [`super::halving`]).
    #[serde(default)]
    pub halving: Option<super::halving::Halving>,
    /// Random search: this many points drawn from the axes' values instead of the grid (see
    /// [`super::random`]).
    #[serde(default)]
    pub random: Option<super::random::Random>,
}

/// One swept setting: a RON path (as for `--set`) and its values.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Axis {
    pub key: String,
    pub values: Values,
}

/// The values of an axis.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Values {
    /// RON values, as written.
    List(Vec<Box<RawValue>>),
    /// `linear(from, to, n)`: n evenly spaced values, both ends included.
    Linear(f64, f64, usize),
    /// `log(from, to, n)`: n values evenly spaced in log scale (from, to > 0).
    Log(f64, f64, usize),
    /// `uniform(a, b)`, random search only: a real number drawn uniformly from [a, b).
    Uniform(f64, f64),
    /// `log_uniform(a, b)`, random search only: a real number drawn from [a, b) uniformly in
    /// log scale (0 < a < b).
    LogUniform(f64, f64),
    /// `choice([..])`, random search only: one of these RON values, each as likely.
    Choice(Vec<Box<RawValue>>),
}

impl Values {
    /// Whether these values are drawn at random (`uniform`, `log_uniform`, `choice`), which
    /// only a random search does.
    pub fn is_random(&self) -> bool {
        matches!(
            self,
            Self::Uniform(..) | Self::LogUniform(..) | Self::Choice(_)
        )
    }
}

/// Seeds per point.
#[derive(Clone, Debug)]
pub enum Seeds {
    /// This many seeds: the base preset's seed, seed + 1, …
    Count(u64),
    /// These seeds.
    List(Vec<u64>),
}

impl<'de> Deserialize<'de> for Seeds {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Seeds;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a number of seeds (`seeds: 3`) or a list of seeds (`seeds: [1, 7]`)")
            }
            fn visit_u64<E: serde::de::Error>(self, n: u64) -> Result<Seeds, E> {
                Ok(Seeds::Count(n))
            }
            fn visit_i64<E: serde::de::Error>(self, n: i64) -> Result<Seeds, E> {
                u64::try_from(n)
                    .map(Seeds::Count)
                    .map_err(|_| E::invalid_value(serde::de::Unexpected::Signed(n), &self))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Seeds, A::Error> {
                let mut seeds = Vec::new();
                while let Some(s) = seq.next_element()? {
                    seeds.push(s);
                }
                Ok(Seeds::List(seeds))
            }
        }
        d.deserialize_any(Visitor)
    }
}

impl Serialize for Seeds {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Count(n) => s.serialize_u64(*n),
            Self::List(seeds) => seeds.serialize(s),
        }
    }
}

impl Default for Seeds {
    fn default() -> Self {
        Self::Count(1)
    }
}

impl SweepFile {
    /// Parses RON text; `path` is for messages.
    pub fn from_ron(text: &str, path: &Path) -> Result<Self, SweepError> {
        ronfile::parse_versioned(text, SWEEP_VERSION).map_err(|e| match e {
            RonError::Version { found, .. } => SweepError::Version {
                path: path.to_owned(),
                found,
            },
            parse @ RonError::Parse { .. } => SweepError::Read(PresetError::from_ron(path, parse)),
        })
    }

    /// The file as RON text, as [`SweepFile::from_ron`] reads it back.
    pub fn to_ron(&self) -> String {
        let pretty = ron::ser::PrettyConfig::new()
            .depth_limit(3)
            .struct_names(false)
            .separate_tuple_members(false);
        ron::ser::to_string_pretty(self, pretty).expect("sweep files always serialize")
    }

    /// Reads and parses a sweep file (not yet validated).
    pub fn load(path: &Path) -> Result<Self, SweepError> {
        let text = crate::fsutil::read_text_capped(path, crate::fsutil::TEXT_FILE_CAP).map_err(
            |source| {
                SweepError::Read(PresetError::Io {
                    path: path.to_owned(),
                    source,
                })
            },
        )?;
        Self::from_ron(&text, path)
    }
}
