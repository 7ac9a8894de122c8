//! Which data file publishes where: `data/2022/x.yaml` becomes
//! `out/2022/x.pdf`, `.html` and `.json`. Two data files that would publish
//! the same outputs (`a.yaml` and `a.yml`), or a data file that would
//! overwrite the site's own files (`index.yaml` → `index.html`), are errors
//! naming both, and neither is built: one would win at random.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

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

fn refuse(planned: &Planned, message: String) -> Diagnostic {
    Diagnostic::error(&planned.path, Loc::default(), "output-clash", message)
}

#[cfg(test)]
mod tests {
    use super::*;

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
