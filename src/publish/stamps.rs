//! The stamps beside the output folder: what a build records of each
//! document it published, and whether its outputs can be trusted without
//! building it again.
//!
//! A document is up to date only when both hold: the digest of everything
//! its outputs are made from (its data file's bytes and place, every file of
//! its form and of `lib/`, `.j2` templates included, the fonts, the tool's
//! version and the build date) is the one its stamp records; and every
//! output on disk has the SHA-256 the stamp records. A build killed between
//! writing an output and its stamp, a hand-edited or truncated PDF, or a
//! second build that wrote older text all fail the second test, so the
//! document is built again.

use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::state::State;
use crate::diag::Diagnostic;
use crate::model::Date;
use crate::pipeline::digest::{FormDigests, TOOL, field, hex};
use crate::site::Entry;
use crate::templates::TemplateStore;

/// What a build records about a document it published.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Stamp {
    /// The form the document was built in, which decides the template digest.
    pub form: String,
    /// The digest of everything the outputs were made from.
    pub inputs: String,
    pub published: Vec<Published>,
    pub entry: Entry,
    /// The warnings and waived findings of the build that made the outputs.
    pub diagnostics: Vec<Diagnostic>,
}

/// The digests of what documents are made from, computed once per build.
pub struct Freshness {
    /// Per form: the tool, fonts, `lib/` and the form's own files.
    forms: FormDigests,
    source_date: String,
}

impl Freshness {
    pub fn new(store: &TemplateStore, font_identity: &[u8], source_date: Option<Date>) -> Self {
        Self::of_tool(TOOL, store, font_identity, source_date)
    }

    fn of_tool(
        tool: &str,
        store: &TemplateStore,
        font_identity: &[u8],
        source_date: Option<Date>,
    ) -> Self {
        Self {
            forms: FormDigests::new(tool, store, font_identity),
            source_date: source_date.map(|d| d.to_string()).unwrap_or_default(),
        }
    }

    /// The digest of a document's inputs: its form's digest, the build
    /// date, where the data file stands, its bytes, and the bytes of its
    /// previous year's file (which the history rules read).
    pub fn inputs(&self, form: &str, relative: &Path, bytes: &[u8], last_year: &[u8]) -> String {
        let mut digest = Sha256::new();
        field(&mut digest, self.forms.of(form));
        field(&mut digest, self.source_date.as_bytes());
        field(&mut digest, relative.to_string_lossy().as_bytes());
        field(&mut digest, bytes);
        field(&mut digest, last_year);
        hex(&digest.finalize())
    }

    /// The stamp of a document whose data file has these bytes, when its
    /// outputs were made from exactly these inputs and are intact on disk.
    pub fn fresh(
        &self,
        state: &State,
        relative: &Path,
        bytes: &[u8],
        last_year: &[u8],
    ) -> Option<Stamp> {
        verified(state, relative)
            .filter(|stamp| stamp.inputs == self.inputs(&stamp.form, relative, bytes, last_year))
    }
}

/// The stamp of the document published at `relative`, when every output it
/// records is on disk with the recorded SHA-256, inside the output folder
/// (not reached through a link out of it).
pub fn verified(state: &State, relative: &Path) -> Option<Stamp> {
    let stamp = read_stamp(state, relative)?;
    stamp
        .published
        .iter()
        .all(|p| {
            let path = state.out().join(&p.path);
            let inside = path.parent().is_some_and(|dir| state.inside(dir).is_ok());
            inside && intact(&path, &p.sha256)
        })
        .then_some(stamp)
}

pub fn read_stamp(state: &State, relative: &Path) -> Option<Stamp> {
    serde_json::from_slice(&std::fs::read(state.stamp_path(relative)).ok()?).ok()
}

fn intact(path: &Path, sha256: &str) -> bool {
    std::fs::read(path).is_ok_and(|bytes| sha256_hex(&bytes) == sha256)
}

/// One published file: its SHA-256 and its path relative to the output folder.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Published {
    pub sha256: String,
    pub path: String,
}

/// Removes the files a stamp lists and the stamp: the document is no longer
/// published. A link standing where an output was is left, never followed,
/// and a listed path that would leave the output folder (a stamp brought
/// from elsewhere, say from a shard's upload) is never touched.
pub fn unpublish(state: &State, stamp_path: &Path, published: &[Published]) -> std::io::Result<()> {
    for file in published {
        let relative = Path::new(&file.path);
        let inside = relative
            .components()
            .all(|c| matches!(c, std::path::Component::Normal(_)));
        let path = state.out().join(relative);
        if inside && std::fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_file()) {
            remove_if_present(&path)?;
        }
    }
    remove_if_present(stamp_path)
}

fn remove_if_present(path: &Path) -> std::io::Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store_with(extra: &str) -> TemplateStore {
        let dir = std::env::temp_dir().join(format!(
            "jixiao-fresh-{}-{}",
            std::process::id(),
            extra.len()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("forms/national")).unwrap();
        std::fs::write(dir.join("forms/national/main.typ.j2"), extra).unwrap();
        let store = TemplateStore::load(Some(&dir)).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        store
    }

    #[test]
    fn a_template_edit_changes_only_its_form_s_documents() {
        let before = Freshness::new(&TemplateStore::built_in(), b"fonts", None);
        let after = Freshness::new(&store_with("{# edited #}"), b"fonts", None);
        let inputs = |f: &Freshness, form| f.inputs(form, Path::new("a.yaml"), b"data", b"");
        assert_ne!(inputs(&before, "national"), inputs(&after, "national"));
        assert_eq!(inputs(&before, "wuxi-rd"), inputs(&after, "wuxi-rd"));
    }

    #[test]
    fn another_build_of_the_tool_trusts_no_output() {
        let store = TemplateStore::built_in();
        let inputs = |tool| {
            Freshness::of_tool(tool, &store, b"fonts", None).inputs(
                "national",
                Path::new("a.yaml"),
                b"data",
                b"",
            )
        };
        assert_eq!(inputs(TOOL), inputs(TOOL));
        assert_ne!(inputs(TOOL), inputs("0.1.0+another"));
        assert!(TOOL.starts_with(env!("CARGO_PKG_VERSION")) && TOOL.len() > 10);
    }

    #[test]
    fn fonts_date_place_data_and_last_year_all_count() {
        let store = TemplateStore::built_in();
        let one = Freshness::new(&store, b"fonts", None);
        let of = |f: &Freshness, file: &str, data: &[u8], last: &[u8]| {
            f.inputs("national", Path::new(file), data, last)
        };
        let inputs = of(&one, "a.yaml", b"data", b"");
        let other_fonts = Freshness::new(&store, b"other", None);
        let dated = Freshness::new(&store, b"fonts", Date::from_unix_seconds(0));
        assert_ne!(inputs, of(&other_fonts, "a.yaml", b"data", b""));
        assert_ne!(inputs, of(&dated, "a.yaml", b"data", b""));
        assert_ne!(inputs, of(&one, "b.yaml", b"data", b""));
        assert_ne!(inputs, of(&one, "a.yaml", b"datb", b""));
        assert_ne!(inputs, of(&one, "a.yaml", b"data", b"last year"));
    }
}
