//! The output folder as a whole: after a build, or from the shards' outputs
//! (`jixiao index`), it holds exactly the published documents, and
//! `index.html` and `SHA256SUMS` describe exactly what is on disk.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;

use super::outputs::checksums;
use super::plan::{self, Planned, relative_to};
use super::plan::{CHECKSUMS, EXTENSIONS, INDEX};
use super::stamps::{Freshness, Published, Stamp, sha256_hex, unpublish, verified};
use super::state::{self, State, Writer};
use super::summary::{DocReport, Outcome, Summary};
use crate::codes::NOT_BUILT;
use crate::diag::Diagnostic;
use crate::load::data_files;
use crate::model::{Date, Loc};
use crate::pipeline::{Input, Project, Session, setup_failed};
use crate::site::{Entry, render_index};
use crate::templates::{TemplateStore, slash_path};

/// Leaves the output folder holding exactly the documents' outputs, the
/// index and the checksums.
pub(super) fn finish_site(
    store: &TemplateStore,
    state: &State,
    data: &Path,
    summary: &mut Summary,
) {
    let kept: Vec<PathBuf> = summary
        .documents
        .iter()
        .map(|d| relative_to(data, &d.path))
        .collect();
    let swept = sweep(state, &kept, &summary.documents);
    summary.removed = swept.removed;
    summary.left = swept.left;
    summary.site_error = write_site(store, state, &summary.documents)
        .err()
        .map(|e| format!("{e:#}"));
}

/// Assembles the site from the outputs the shards of a build wrote into
/// `out`: the index and checksums, as a single build would write them, and
/// the outputs of documents whose data file is gone removed. A document no
/// shard has built from its current data is an error naming it; what an
/// earlier build published for it stays listed if it is intact, as in a
/// build where it failed.
pub fn index(
    project: &Project,
    out: &Path,
    source_date: Option<Date>,
    holder: &str,
) -> anyhow::Result<Summary> {
    let started = Instant::now();
    let mut session = Session::open(project).map_err(setup_failed)?;
    let fonts = session.find_fonts().map_err(setup_failed)?;
    let store = &session.store;
    let found = data_files(&project.data)?;
    let plan = plan::plan(&project.data, found.files);
    let state = State::open(out, Writer::Whole, holder)?;
    let freshness = Freshness::new(store, &fonts.identity, source_date);
    let mut documents: Vec<DocReport> = plan
        .documents
        .iter()
        .map(|planned| assembled(&freshness, &state, planned))
        .collect();
    documents.extend(found.refused.into_iter().chain(plan.refused).map(|d| {
        let previous = verified(&state, &relative_to(&project.data, &d.file));
        DocReport::failed(d.file.clone(), vec![d], previous)
    }));
    documents.sort_by(|a, b| a.path.cmp(&b.path));
    let unverified = plan
        .documents
        .iter()
        .filter(|p| !is_fresh(&documents, p) && has_outputs(&state, &p.relative))
        .count();
    let mut summary = Summary {
        documents,
        ..Summary::default()
    };
    if unverified == 0 {
        finish_site(store, &state, &project.data, &mut summary);
    } else {
        summary.site_error = Some(format!(
            "the output folder was left as it was: {unverified} documents have outputs there that no stamp vouches for, and `index` removes nothing it cannot verify; run `jixiao build`, which builds them again"
        ));
    }
    summary.seconds = started.elapsed().as_secs_f64();
    Ok(summary)
}

fn is_fresh(documents: &[DocReport], planned: &Planned) -> bool {
    documents
        .iter()
        .any(|d| d.path == planned.path && d.outcome == Outcome::UpToDate)
}

/// Whether any output of the document at `relative` is on disk.
fn has_outputs(state: &State, relative: &Path) -> bool {
    EXTENSIONS
        .iter()
        .any(|e| std::fs::symlink_metadata(state.out().join(relative.with_extension(e))).is_ok())
}

/// A document as its shard left it: up to date, or failed.
fn assembled(freshness: &Freshness, state: &State, planned: &Planned) -> DocReport {
    let fresh = Input::read(&planned.path).ok().and_then(|input| {
        freshness.fresh(
            state,
            &planned.relative,
            &input.bytes,
            input.last_year_bytes(),
        )
    });
    match fresh {
        Some(stamp) => DocReport::replayed(&planned.path, stamp),
        None => {
            let shards = "the shard that builds it (`jixiao build --shard K/N`) did not build it from its current data, or failed";
            let missing = Diagnostic::new(NOT_BUILT, &planned.path, Loc::default(), shards)
                .with_hint("run that shard again, or a whole `jixiao build`, then `jixiao index`");
            let previous = verified(state, &planned.relative);
            DocReport::failed(planned.path.clone(), vec![missing], previous)
        }
    }
}

/// Removes what this tool wrote into the output folder that no current
/// document publishes: the outputs of documents whose data file is gone
/// (their stamps, kept beside the folder, name them) and the temporary
/// files of older versions. Anything else (a file put there by hand, a
/// symbolic link, an output no stamp vouches for) is left where it is and
/// named: what is in the folder itself, `SHA256SUMS` included, can be
/// edited by anyone, so it never decides what is removed.
fn sweep(state: &State, kept: &[PathBuf], documents: &[DocReport]) -> Swept {
    let kept_stamps: BTreeSet<PathBuf> = kept.iter().map(|r| state.stamp_path(r)).collect();
    let mut swept = Swept::default();
    for stamp_path in files_under(&state.stamps()) {
        if kept_stamps.contains(&stamp_path) {
            continue;
        }
        let published = std::fs::read(&stamp_path)
            .ok()
            .and_then(|b| serde_json::from_slice::<Stamp>(&b).ok())
            .map(|s| s.published)
            .unwrap_or_default();
        if unpublish(state, &stamp_path, &published).is_ok() {
            let document = stamp_path
                .strip_prefix(state.stamps())
                .unwrap_or(&stamp_path);
            swept.removed.push(slash_path(&document.with_extension("")));
        }
    }
    let mut published: BTreeSet<String> = documents
        .iter()
        .flat_map(|d| d.published.iter().map(|p| p.path.clone()))
        .collect();
    published.extend([INDEX.to_owned(), CHECKSUMS.to_owned()]);
    for file in files_under(state.out()) {
        let relative = slash_path(file.strip_prefix(state.out()).unwrap_or(&file));
        if published.contains(&relative) {
            continue;
        }
        let regular = std::fs::symlink_metadata(&file).is_ok_and(|m| m.file_type().is_file());
        if regular && is_old_temporary(&file) {
            if std::fs::remove_file(&file).is_ok() {
                swept.removed.push(relative);
            }
        } else {
            swept.left.push(relative);
        }
    }
    remove_empty_folders(state.out());
    for list in [&mut swept.removed, &mut swept.left] {
        list.sort();
        list.dedup();
    }
    swept
}

/// What the sweep removed, and what it found but left, not being ours.
#[derive(Default)]
struct Swept {
    removed: Vec<String>,
    left: Vec<String>,
}

/// A temporary file jixiao wrote into the folder and a killed process left:
/// one of an older version beside its output (`.x.pdf.123.tmp`), before
/// temporary files moved to the state folder, or the probe a build renames
/// into the folder to learn it is on the state folder's file system.
fn is_old_temporary(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    let numbered = |n: &str| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit());
    name.strip_prefix(state::PROBE).is_some_and(numbered)
        || name
            .strip_prefix('.')
            .and_then(|n| n.strip_suffix(".tmp"))
            .and_then(|n| n.rsplit_once('.'))
            .is_some_and(|(_, digits)| numbered(digits))
}

/// The files under `dir`, links among them, none followed.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    walkdir::WalkDir::new(dir)
        .min_depth(1)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| !e.file_type().is_dir())
        .map(walkdir::DirEntry::into_path)
        .collect()
}

fn remove_empty_folders(dir: &Path) {
    for entry in walkdir::WalkDir::new(dir)
        .min_depth(1)
        .contents_first(true)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_dir())
    {
        let _ = std::fs::remove_dir(entry.path());
    }
}

/// The index of all published documents, and the checksums of every
/// published file, the index included.
fn write_site(store: &TemplateStore, state: &State, documents: &[DocReport]) -> anyhow::Result<()> {
    let entries: Vec<Entry> = documents.iter().filter_map(|d| d.entry.clone()).collect();
    let index = render_index(store, &entries)?;
    state
        .write_atomic(&state.out().join(INDEX), index.as_bytes())
        .context("cannot write the index")?;
    let mut published: Vec<Published> =
        documents.iter().flat_map(|d| d.published.clone()).collect();
    published.push(Published {
        sha256: sha256_hex(index.as_bytes()),
        path: INDEX.to_owned(),
    });
    state
        .write_atomic(
            &state.out().join(CHECKSUMS),
            checksums(published).as_bytes(),
        )
        .context("cannot write the checksums")?;
    Ok(())
}
