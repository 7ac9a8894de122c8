//! What a run did: each document's outcome and findings, and the whole
//! run's, for people (the one-line summary `main` prints) and for programs
//! (`build --format json`), which should never have to read the line.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Serialize;
use serde_json::{Value as Json, json};

use super::stamps::{Published, Stamp};
use crate::diag::Diagnostic;
use crate::site::Entry;
use crate::typeset::PhaseTimes;

/// What happened to one document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Built { pages: usize },
    UpToDate,
    Failed,
}

/// One document's outcome and findings.
#[derive(Clone, Debug)]
pub struct DocReport {
    pub path: PathBuf,
    pub outcome: Outcome,
    /// Its findings, the waived ones included (each with its `waiver`).
    pub diagnostics: Vec<Diagnostic>,
    /// CPU time spent in Typst, by phase.
    pub times: PhaseTimes,
    /// CPU time spent on everything else: load, check, render, the glyph
    /// check and the web page's pass, hash, write.
    pub rest: Duration,
    /// The document's published files, new or from an earlier build.
    pub published: Vec<Published>,
    /// How the index lists it, if it is published.
    pub entry: Option<Entry>,
}

impl DocReport {
    /// An up-to-date document, reported as its last build found it.
    pub(super) fn replayed(path: &Path, stamp: Stamp) -> Self {
        Self {
            path: path.to_owned(),
            outcome: Outcome::UpToDate,
            diagnostics: stamp.diagnostics,
            times: PhaseTimes::default(),
            rest: Duration::ZERO,
            published: stamp.published,
            entry: Some(stamp.entry),
        }
    }

    /// A document that failed, with what an earlier build published for it
    /// (`previous`, its outputs verified intact), which stays published.
    pub(super) fn failed(
        path: PathBuf,
        diagnostics: Vec<Diagnostic>,
        previous: Option<Stamp>,
    ) -> Self {
        Self {
            path,
            outcome: Outcome::Failed,
            diagnostics,
            times: PhaseTimes::default(),
            rest: Duration::ZERO,
            published: previous
                .as_ref()
                .map(|s| s.published.clone())
                .unwrap_or_default(),
            entry: previous.map(|s| s.entry),
        }
    }
}

/// The outcome of a whole run.
#[derive(Debug, Default)]
pub struct Summary {
    pub documents: Vec<DocReport>,
    /// What was removed from the output folder: documents whose data file
    /// is gone (`2022/x`), and files no build made (`notes.txt`).
    pub removed: Vec<String>,
    /// What the output folder holds that no build of jixiao wrote (a file
    /// put there by hand, a link): left where it is, and named.
    pub left: Vec<String>,
    /// Why the index and checksums could not be written, if they could not.
    pub site_error: Option<String>,
    pub seconds: f64,
}

impl Summary {
    pub fn count(&self, wanted: fn(&Outcome) -> bool) -> usize {
        self.documents.iter().filter(|d| wanted(&d.outcome)).count()
    }

    pub fn pages(&self) -> usize {
        self.documents
            .iter()
            .map(|d| match d.outcome {
                Outcome::Built { pages } => pages,
                _ => 0,
            })
            .sum()
    }

    pub fn failed(&self) -> impl Iterator<Item = &DocReport> {
        self.documents
            .iter()
            .filter(|d| d.outcome == Outcome::Failed)
    }

    pub fn diagnostics(&self) -> impl Iterator<Item = &Diagnostic> {
        self.documents.iter().flat_map(|d| &d.diagnostics)
    }

    /// Whether the build did all it should: every document published and
    /// the index and checksums written.
    pub fn succeeded(&self) -> bool {
        self.failed().next().is_none() && self.site_error.is_none()
    }

    /// The CPU time all documents spent in Typst, and the rest, over all workers.
    pub fn times(&self) -> (PhaseTimes, Duration) {
        let mut typst = PhaseTimes::default();
        let mut rest = Duration::ZERO;
        for document in &self.documents {
            typst += document.times;
            rest += document.rest;
        }
        (typst, rest)
    }
}

impl Outcome {
    fn name(&self) -> &'static str {
        match self {
            Self::Built { .. } => "built",
            Self::UpToDate => "up-to-date",
            Self::Failed => "failed",
        }
    }
}

/// One document as `build --format json` gives it.
#[derive(Serialize)]
struct JsonDocument<'a> {
    path: String,
    outcome: &'static str,
    pages: usize,
    published: Vec<&'a str>,
}

impl Summary {
    /// The run as JSON: the counts of the one-line summary, every document
    /// with its outcome and published files, and every finding (the waived
    /// ones with their `waiver`), each with its place, code and hint.
    pub fn to_json(&self) -> Json {
        let documents: Vec<JsonDocument> = self
            .documents
            .iter()
            .map(|d| JsonDocument {
                path: d.path.display().to_string(),
                outcome: d.outcome.name(),
                pages: match d.outcome {
                    Outcome::Built { pages } => pages,
                    _ => 0,
                },
                published: d.published.iter().map(|p| p.path.as_str()).collect(),
            })
            .collect();
        json!({
            "built": self.count(|o| matches!(o, Outcome::Built { .. })),
            "up_to_date": self.count(|o| *o == Outcome::UpToDate),
            "failed": self.count(|o| *o == Outcome::Failed),
            "removed": self.removed,
            "left": self.left,
            "pages": self.pages(),
            "waived": self.diagnostics().filter(|d| d.is_waived()).count(),
            "seconds": self.seconds,
            "site_error": self.site_error,
            "documents": documents,
            "findings": self.diagnostics().collect::<Vec<_>>(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_json_summary_counts_what_the_line_counts() {
        let report = |path: &str, outcome| DocReport {
            path: PathBuf::from(path),
            outcome,
            diagnostics: Vec::new(),
            times: PhaseTimes::default(),
            rest: Duration::ZERO,
            published: Vec::new(),
            entry: None,
        };
        let summary = Summary {
            documents: vec![
                report("a.yaml", Outcome::Built { pages: 3 }),
                report("b.yaml", Outcome::UpToDate),
                report("c.yaml", Outcome::Failed),
            ],
            removed: vec!["gone".to_owned()],
            ..Summary::default()
        };
        let json = summary.to_json();
        assert_eq!(
            (
                json["built"].as_u64(),
                json["up_to_date"].as_u64(),
                json["failed"].as_u64()
            ),
            (Some(1), Some(1), Some(1))
        );
        assert_eq!(json["pages"], 3);
        assert_eq!(json["removed"][0], "gone");
        assert_eq!(json["documents"][2]["outcome"], "failed");
    }
}
