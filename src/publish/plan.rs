//! Which data file publishes where: `data/2022/x.yaml` becomes
//! `out/2022/x.pdf`, `.html` and `.json`. Two data files that would publish
//! the same outputs (`a.yaml` and `a.yml`), or a data file that would
//! overwrite the site's own files (`index.yaml` → `index.html`), are errors
//! naming both, and neither is built: one would win at random.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::codes::OUTPUT_CLASH;
use crate::diag::{Diagnostic, Quote};
use crate::model::Loc;
use crate::templates::slash_path;

/// The longest file name, in bytes, the file systems a site is built on take.
const NAME_MAX: usize = 255;

/// The checksum file, checkable with `sha256sum -c` from the output folder.
pub const CHECKSUMS: &str = "SHA256SUMS";

/// The site index, at the top of the output folder.
pub const INDEX: &str = "index.html";

/// The three files of a document, by extension: PDF, HTML, JSON.
pub const EXTENSIONS: [&str; 3] = ["pdf", "html", "json"];

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
            match unpublishable(&planned.relative) {
                Some(why) => plan.refused.push(refuse_name(&planned, why)),
                None => plan.documents.push(planned),
            }
        }
    }
    refuse_folder_clashes(&mut plan);
    plan
}

/// Why a data file's place cannot become the address of its outputs: a
/// name with a line break or other control character (which no link or
/// checksum line can hold), a name that is not UTF-8, or one that reads as
/// a link's scheme (`javascript:…`).
fn unpublishable(relative: &Path) -> Option<&'static str> {
    let Some(text) = relative.to_str() else {
        return Some("its name is not UTF-8 text");
    };
    if text.chars().any(char::is_control) {
        return Some("its name holds a line break or another control character");
    }
    if crate::check::first_invisible(text).is_some() {
        return Some(
            "its name holds a character that prints as nothing or reverses the text after it (a zero-width or direction mark)",
        );
    }
    if relative
        .with_extension("html")
        .components()
        .any(|c| c.as_os_str().len() > NAME_MAX)
    {
        return Some(
            "its name, or the name of an output made from it, is longer than the 255 bytes a file name may have",
        );
    }
    if relative
        .components()
        .next()
        .is_some_and(|c| [INDEX, CHECKSUMS].contains(&c.as_os_str().to_string_lossy().as_ref()))
    {
        return Some(
            "it stands in a folder named like the site's index.html or SHA256SUMS, which the site's own file needs",
        );
    }
    let scheme = text.split(['/', '\\']).any(|segment| {
        segment.split_once(':').is_some_and(|(head, _)| {
            head.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
                && head
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        })
    });
    scheme.then_some("its name starts like a link's scheme (`name:`), which a browser would follow")
}

fn refuse_name(planned: &Planned, why: &str) -> Diagnostic {
    Diagnostic::new(
        OUTPUT_CLASH,
        &planned.path,
        Loc::default(),
        format!(
            "{} cannot be published under its name: {why}; rename the data file",
            planned.path.display()
        ),
    )
}

/// Refuses both data files where one's output would stand where the other
/// needs a folder (`a.yaml` gives `a.pdf`, `a.pdf/b.yaml` needs `a.pdf/`).
fn refuse_folder_clashes(plan: &mut Plan) {
    let mut folders: BTreeMap<PathBuf, usize> = BTreeMap::new();
    for (at, planned) in plan.documents.iter().enumerate() {
        for folder in planned.relative.ancestors().skip(1) {
            folders.entry(folder.to_owned()).or_insert(at);
        }
    }
    let mut clashes: Vec<(usize, usize)> = Vec::new();
    for (at, planned) in plan.documents.iter().enumerate() {
        for extension in EXTENSIONS {
            if let Some(&other) = folders.get(&planned.relative.with_extension(extension)) {
                clashes.push((at, other));
            }
        }
    }
    let mut refused: Vec<usize> = Vec::new();
    for (file, folder) in clashes {
        let (a, b) = (&plan.documents[file], &plan.documents[folder]);
        let message = format!(
            "{} would publish {}, where {} needs a folder of that name; rename one of them",
            a.path.display(),
            slash_path(&a.relative.with_extension("")),
            b.path.display()
        );
        for planned in [a, b] {
            plan.refused.push(refuse(planned, message.clone()));
        }
        refused.extend([file, folder]);
    }
    refused.sort_unstable();
    refused.dedup();
    for at in refused.into_iter().rev() {
        plan.documents.remove(at);
    }
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
                "{text} is not a shard: write K/N, the K-th of N shards counted from 1 (e.g. 2/3), with N at most {MAX_SHARDS}",
                text = Quote(&text)
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
    Diagnostic::new(OUTPUT_CLASH, &planned.path, Loc::default(), message)
}

/// A data file's path within the data folder, which is its outputs' within the output folder.
pub fn relative_to(data: &Path, path: &Path) -> PathBuf {
    path.strip_prefix(data).unwrap_or(path).to_owned()
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
            assert_eq!(d.code, "output-clash");
            assert!(
                d.message.contains("a.yaml and data/2022/a.yml"),
                "{}",
                d.message
            );
        }
    }

    #[test]
    fn names_no_link_or_checksum_line_can_hold_are_refused() {
        let plan = planned(&[
            "2023/javascript:alert(document.domain).yaml",
            "2023/a\nb.yaml",
            "2023/a#b?c%25.yaml",
            "2023/东莞.yaml",
        ]);
        assert_eq!(plan.documents.len(), 2, "{:?}", plan.refused);
        assert!(plan.refused.iter().any(|d| d.message.contains("scheme")));
        assert!(
            plan.refused
                .iter()
                .any(|d| d.message.contains("line break"))
        );
    }

    #[test]
    fn names_too_long_invisible_or_in_the_site_s_own_folders_are_refused() {
        let long = format!("2023/{}ab.yml", "长".repeat(83));
        let plan = planned(&[
            &long,
            "2023/a\u{202e}b.yaml",
            "index.html/x.yaml",
            "SHA256SUMS/y.yaml",
            "2023/fine.yaml",
        ]);
        assert_eq!(plan.documents.len(), 1, "{:?}", plan.refused);
        assert_eq!(plan.refused.len(), 4);
    }

    #[test]
    fn an_output_where_another_needs_a_folder_refuses_both() {
        let plan = planned(&["a.yaml", "a.pdf/b.yaml", "c.yaml"]);
        assert_eq!(plan.documents.len(), 1);
        assert_eq!(plan.refused.len(), 2);
        for d in &plan.refused {
            assert!(
                d.message.contains("data/a.yaml") && d.message.contains("data/a.pdf/b.yaml"),
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
