//! Which data file publishes where: `data/2022/x.yaml` becomes
//! `out/2022/x.pdf`, `.html` and `.json`. Two data files that would publish
//! the same outputs (`a.yaml` and `a.yml`), or a data file that would
//! overwrite the site's own files (`index.yaml` → `index.html`), are errors
//! naming both, and neither is built: one would win at random.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::outputs::INDEX;
use crate::diag::Diagnostic;
use crate::model::Loc;
use crate::templates::slash_path;

/// A data file and where it stands in the data folder (and so its outputs).
#[derive(Clone, Debug)]
pub struct Planned {
    pub path: PathBuf,
    pub relative: PathBuf,
}

/// The data files that can be built, and findings about those that cannot.
#[derive(Debug, Default)]
pub struct Plan {
    pub documents: Vec<Planned>,
    pub refused: Vec<Diagnostic>,
}

pub fn plan(data: &Path, files: Vec<PathBuf>) -> Plan {
    let mut by_output: BTreeMap<String, Vec<Planned>> = BTreeMap::new();
    for path in files {
        let relative = path.strip_prefix(data).unwrap_or(&path).to_owned();
        by_output
            .entry(slash_path(&relative.with_extension("")))
            .or_default()
            .push(Planned { path, relative });
    }
    let reserved = INDEX.trim_end_matches(".html");
    let mut plan = Plan::default();
    for (output, mut group) in by_output {
        if output == reserved {
            plan.refused.extend(group.iter().map(|p| {
                refuse(
                    p,
                    format!(
                        "{} would overwrite the site's {INDEX}; rename the data file",
                        p.path.display()
                    ),
                )
            }));
        } else if group.len() > 1 {
            let names: Vec<String> = group.iter().map(|p| p.path.display().to_string()).collect();
            plan.refused.extend(group.iter().map(|p| {
                refuse(
                    p,
                    format!(
                        "{} would publish the same {output}.pdf, .html and .json; keep one of them",
                        names.join(" and ")
                    ),
                )
            }));
        } else if let Some(planned) = group.pop() {
            plan.documents.push(planned);
        }
    }
    plan
}

/// One share of a build run on many machines: the `index`-th of `count`
/// (`--shard 2/3`), counted from 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

/// The most shards a build splits into.
pub const MAX_SHARDS: u32 = 10_000;

impl std::str::FromStr for Shard {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let wrong = || {
            format!(
                "“{text}” is not a shard: write K/N, the K-th of N shards counted from 1 (e.g. 2/3), with N at most {MAX_SHARDS}"
            )
        };
        let (index, count) = text.split_once('/').ok_or_else(wrong)?;
        let (index, count) = (
            index.trim().parse().map_err(|_| wrong())?,
            count.trim().parse().map_err(|_| wrong())?,
        );
        if !(1..=count).contains(&index) || count > MAX_SHARDS {
            return Err(wrong());
        }
        Ok(Self { index, count })
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl Shard {
    /// The shard of the data file published at `relative` (its path in the
    /// data folder): from a digest of that path alone, so that adding or
    /// removing other files moves no document to another shard.
    pub fn of(relative: &Path, count: u32) -> u32 {
        let digest = Sha256::digest(slash_path(relative).as_bytes());
        let mut first = [0u8; 8];
        first.copy_from_slice(&digest[..8]);
        (u64::from_be_bytes(first) % u64::from(count)) as u32 + 1
    }

    /// Whether this shard builds the data file published at `relative`.
    pub fn holds(&self, relative: &Path) -> bool {
        Self::of(relative, self.count) == self.index
    }
}

fn refuse(planned: &Planned, message: String) -> Diagnostic {
    Diagnostic::error(&planned.path, Loc::default(), "output-clash", message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_document_keeps_its_shard_whatever_else_is_added() {
        let names: Vec<String> = (0..300).map(|i| format!("2023/dept-{i:05}.yaml")).collect();
        let shards: Vec<u32> = names.iter().map(|n| Shard::of(Path::new(n), 3)).collect();
        for shard in 1..=3 {
            let share = shards.iter().filter(|&&s| s == shard).count();
            assert!(
                (70..=130).contains(&share),
                "shard {shard} holds {share} of 300"
            );
        }
        assert_eq!(Shard::of(Path::new("2023/dept-00007.yaml"), 3), shards[7]);
        let shard: Shard = "2/3".parse().unwrap();
        assert_eq!(shard, Shard { index: 2, count: 3 });
        assert!(shard.holds(Path::new(
            &names[shards.iter().position(|&s| s == 2).unwrap()]
        )));
        for wrong in ["0/3", "4/3", "3", "a/b", "1/0", "1/10001"] {
            assert!(wrong.parse::<Shard>().is_err(), "{wrong}");
        }
    }

    fn planned(names: &[&str]) -> Plan {
        plan(
            Path::new("data"),
            names.iter().map(|n| Path::new("data").join(n)).collect(),
        )
    }

    #[test]
    fn two_files_with_the_same_outputs_are_both_refused_by_name() {
        let plan = planned(&["2022/a.yaml", "2022/a.yml", "2022/b.yaml"]);
        assert_eq!(plan.documents.len(), 1);
        assert_eq!(plan.refused.len(), 2);
        for d in &plan.refused {
            assert!(
                d.message.contains("a.yaml and data/2022/a.yml"),
                "{}",
                d.message
            );
        }
    }

    #[test]
    fn the_site_index_cannot_be_overwritten() {
        let plan = planned(&["index.yaml", "2022/index.yaml"]);
        assert_eq!(plan.documents.len(), 1);
        assert!(plan.refused[0].message.contains("index.html"));
    }
}
