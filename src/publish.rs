//! The batch: every data file through check → render → typeset → write.
//!
//! Documents are independent: one that fails is reported and leaves its
//! previous outputs as they were (when they are intact), and the others go
//! on. One build at a time writes an output folder; at its end the folder
//! holds exactly the published documents, and `index.html` and `SHA256SUMS`
//! describe exactly what is on disk.

mod batch;
mod freshness;
mod locate;
mod outputs;
mod plan;
mod state;
mod summary;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Context;
use rayon::prelude::*;

pub use outputs::{CHECKSUMS, INDEX, Published};
pub use plan::Shard;
pub use state::{StateError, state_dir};
pub use summary::{DocReport, Outcome, Summary};

use crate::check::{Forms, Previous, check_with_history, load_forms, previous_year_path};
use crate::contract::{json_schema, published_json, schema_file, skeleton, view};
use crate::diag::Diagnostic;
use crate::load::{Source, data_files, load_source, read};
use crate::model::{Date, Document, Unit};
use crate::render::{Page, Renderer};
use crate::site::{Entry, render_index, wan_yuan};
use crate::templates::{TemplateStore, slash_path};
use crate::typeset::worker::{Limits, Pool, Worker};
use crate::typeset::{PhaseTimes, Setup, Typesetter};
use freshness::{Freshness, Stamp};
use outputs::{EXTENSIONS, Outputs, checksums, sha256_hex, unpublish};
use plan::Planned;
use state::{State, Writer};

/// The most documents one run builds: a province publishes a few thousand.
pub const MAX_DOCUMENTS: usize = 50_000;

/// Where a project keeps its inputs.
#[derive(Clone, Debug)]
pub struct Project {
    pub data: PathBuf,
    /// A folder whose files override the built-in templates.
    pub templates: Option<PathBuf>,
    /// Folders with fonts besides the system's.
    pub font_dirs: Vec<PathBuf>,
}

/// How to build.
#[derive(Clone, Debug, Default)]
pub struct BuildOptions {
    pub out: PathBuf,
    /// Rebuild documents whose inputs are unchanged.
    pub force: bool,
    /// Also write each document's Typst sources here.
    pub emit_typst: Option<PathBuf>,
    /// Worker processes; 0 means one per core.
    pub jobs: usize,
    /// The date of documents whose data gives none (`SOURCE_DATE_EPOCH`);
    /// without it, 1 January of the budget year.
    pub source_date: Option<Date>,
    /// Bounds on each document's typesetting.
    pub limits: Limits,
    /// The jixiao binary, which typesets in worker processes.
    pub worker: PathBuf,
    /// How the lock file describes this build to another that finds it busy.
    pub holder: String,
    /// Build only this share of the documents, leaving the index, the
    /// checksums and the other shares' files to `jixiao index`.
    pub shard: Option<Shard>,
}

/// Loads and checks the data files `only` (every data file when none are
/// named) without building anything.
pub fn check_project(project: &Project, only: &[PathBuf]) -> anyhow::Result<Vec<Diagnostic>> {
    let store = load_templates(project)?;
    let forms = load_forms(&store)?;
    renderer(&store, &forms)?;
    let mut diagnostics = Vec::new();
    let files: Vec<PathBuf> = if only.is_empty() {
        let found = data_files(&project.data)?;
        let plan = plan::plan(&project.data, found.files);
        diagnostics.extend(found.refused);
        diagnostics.extend(plan.refused);
        plan.documents.into_iter().map(|p| p.path).collect()
    } else {
        for file in only {
            anyhow::ensure!(file.is_file(), "{} is not a data file", file.display());
        }
        only.to_vec()
    };
    let checked: Vec<Result<Vec<Diagnostic>, Vec<Diagnostic>>> = files
        .par_iter()
        .map(|path| check_file(&project.data, path, &forms))
        .collect();
    let mut findings = Vec::new();
    for result in checked {
        match result {
            Ok(found) => findings.extend(found),
            Err(unreadable) => diagnostics.extend(unreadable),
        }
    }
    diagnostics.extend(findings);
    Ok(diagnostics)
}

/// One data file loaded and checked, against its previous year too: its
/// findings, or why it could not be loaded. Files are independent, so a
/// folder's are checked on every core at once.
fn check_file(data: &Path, path: &Path, forms: &Forms) -> Result<Vec<Diagnostic>, Vec<Diagnostic>> {
    let bytes = read(path).map_err(|d| vec![*d])?;
    let source = load_source(data, path, &bytes, forms)?;
    Ok(review(&source, forms))
}

/// What `check` finds in a loaded data file: its contract's warnings and
/// every rule's findings, against its previous year when there is one. The
/// same for `check`, for `build`, which builds only what has no error, and
/// for `import`, which writes only what has none.
fn review(source: &Source, forms: &Forms) -> Vec<Diagnostic> {
    let previous = previous_year(&source.path, forms);
    let previous = previous.as_ref().map(|(path, parsed)| Previous {
        path,
        document: &parsed.document,
    });
    review_against(source, forms, previous)
}

/// [`review`] for a data file not yet written, whose previous year may be
/// one of the others about to be (`staged`) rather than on disk.
pub fn review_staged(source: &Source, forms: &Forms, staged: &[Source]) -> Vec<Diagnostic> {
    let earlier =
        previous_year_path(&source.path).and_then(|path| staged.iter().find(|s| s.path == path));
    match earlier {
        Some(earlier) => {
            let previous = Previous {
                path: &earlier.path,
                document: &earlier.document,
            };
            review_against(source, forms, Some(previous))
        }
        None => review(source, forms),
    }
}

fn review_against(source: &Source, forms: &Forms, previous: Option<Previous>) -> Vec<Diagnostic> {
    let mut diagnostics = source.warnings.clone();
    diagnostics
        .extend(check_with_history(&source.path, &source.document, forms, previous).into_all());
    diagnostics
}

/// The same department's data file of the year before, read, when there is
/// one: the file of the same name in the previous year's folder.
fn previous_year(path: &Path, forms: &Forms) -> Option<(PathBuf, crate::load::Parsed)> {
    let previous = previous_year_path(path).filter(|p| p.is_file())?;
    let parsed = crate::load::load_file(&previous, forms).ok()?;
    Some((previous, parsed))
}

/// The forms of a templates folder (and the built-in ones), each verified.
pub fn forms(templates: &Path) -> anyhow::Result<Forms> {
    let store = TemplateStore::load(Some(templates)).context("cannot read the templates folder")?;
    let forms = load_forms(&store)?;
    renderer(&store, &forms)?;
    Ok(forms)
}

/// The JSON Schema of the form `name`, as pretty JSON.
pub fn schema(forms: &Forms, name: &str) -> anyhow::Result<String> {
    let contract = known(forms, name)?;
    Ok(serde_json::to_string_pretty(&json_schema(contract))?)
}

/// Writes every form's schema into `dir`; returns how many.
pub fn write_schemas(forms: &Forms, dir: &Path) -> anyhow::Result<usize> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    for name in forms.names() {
        let path = dir.join(schema_file(name));
        std::fs::write(&path, schema(forms, name)? + "\n")
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(forms.contracts.len())
}

/// Writes a starting data file in the form `name` at `path`, pointing the
/// editor at the form's schema in `schemas`. An existing file is kept.
pub fn new_data_file(
    forms: &Forms,
    name: &str,
    year: u16,
    schemas: &Path,
    path: &Path,
) -> anyhow::Result<()> {
    let contract = known(forms, name)?;
    anyhow::ensure!(
        std::fs::symlink_metadata(path).is_err(),
        "{} exists already (as a file, a folder or a link); choose another name",
        path.display()
    );
    let folder = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(folder)
        .with_context(|| format!("cannot create {}", folder.display()))?;
    let schema = relative_path(folder, &schemas.join(schema_file(name)))?;
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .and_then(|mut file| {
            std::io::Write::write_all(&mut file, skeleton(contract, &schema, year).as_bytes())
        })
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

fn known<'f>(forms: &'f Forms, name: &str) -> anyhow::Result<&'f crate::contract::Contract> {
    forms.get(name).ok_or_else(|| {
        anyhow::anyhow!(
            "there is no form “{name}”; the forms are: {}",
            forms.names().join(", ")
        )
    })
}

/// `to` as a path relative to the folder `from`, with `/`.
fn relative_path(from: &Path, to: &Path) -> anyhow::Result<String> {
    let here = std::env::current_dir()?;
    let (from, to) = (here.join(from), here.join(to));
    let from: Vec<_> = from.components().collect();
    let to: Vec<_> = to.components().collect();
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> = vec!["..".to_owned(); from.len() - common];
    parts.extend(
        to[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    Ok(parts.join("/"))
}

/// Builds every document; `on_progress` is called once per document, with
/// the total, as each finishes.
pub fn build(
    project: &Project,
    options: &BuildOptions,
    on_progress: &(dyn Fn(usize) + Sync),
) -> anyhow::Result<Summary> {
    let started = Instant::now();
    if let Some(emit) = &options.emit_typst {
        refuse_emit_into(emit, &[&project.data, &options.out])?;
    }
    let store = load_templates(project)?;
    let found = found_files(project)?;
    let state = State::open(&options.out, writer(options.shard), &options.holder)?;
    let session = Session::new(project, options, store)?;
    let mut summary = session.run(&state, found, on_progress)?;
    summary.seconds = started.elapsed().as_secs_f64();
    Ok(summary)
}

/// Refuses `--emit-typst` into the data or the output folder (or a folder
/// in either): the sources would be read as data files, or published.
fn refuse_emit_into(emit: &Path, folders: &[&Path]) -> anyhow::Result<()> {
    let real = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_owned());
    let emit_real = real(emit);
    for folder in folders {
        anyhow::ensure!(
            !emit_real.starts_with(real(folder)),
            "--emit-typst {} is inside {}, whose files would then be read or published as the site's; give a folder outside it",
            emit.display(),
            folder.display()
        );
    }
    Ok(())
}

/// The data files of the project, within the limit of a run.
fn found_files(project: &Project) -> anyhow::Result<crate::load::Found> {
    let found = data_files(&project.data)?;
    anyhow::ensure!(
        found.files.len() <= MAX_DOCUMENTS,
        "the data folder has {} data files; a run builds at most {MAX_DOCUMENTS}: split it into several folders",
        found.files.len()
    );
    Ok(found)
}

/// How a build writes its output folder: alone, or as one of its shards.
fn writer(shard: Option<Shard>) -> Writer {
    shard.map_or(Writer::Whole, Writer::Shard)
}

/// What a build needs besides the data: the templates, forms, fonts and
/// worker processes. `jixiao watch` keeps one while only data changes, so
/// that its workers stay warm.
struct Session<'o> {
    project: Project,
    options: &'o BuildOptions,
    store: TemplateStore,
    forms: Forms,
    renderer: Renderer,
    typesetter: Typesetter,
    freshness: Freshness,
    pool: Pool,
}

impl<'o> Session<'o> {
    fn new(
        project: &Project,
        options: &'o BuildOptions,
        store: TemplateStore,
    ) -> anyhow::Result<Self> {
        let setup = Setup::new(&store, &project.font_dirs).context("cannot set up Typst")?;
        let typesetter = Typesetter::new(&setup).context("cannot set up Typst")?;
        let pool = Pool::new(options.worker.clone(), &setup, options.limits);
        let forms = load_forms(&store)?;
        let renderer = renderer(&store, &forms)?;
        let freshness = Freshness::new(&store, typesetter.font_identity(), options.source_date);
        Ok(Self {
            project: project.clone(),
            options,
            store,
            forms,
            renderer,
            typesetter,
            freshness,
            pool,
        })
    }

    /// Builds the documents of `found` that are not up to date (this
    /// shard's, with `--shard`) and, for a whole build, finishes the site.
    fn run(
        &self,
        state: &State,
        found: crate::load::Found,
        on_progress: &(dyn Fn(usize) + Sync),
    ) -> anyhow::Result<Summary> {
        let data = &self.project.data;
        let mut plan = plan::plan(data, found.files);
        let mut refused = found.refused;
        if let Some(shard) = self.options.shard {
            let held = |path: &Path| shard.holds(&relative_to(data, path));
            plan.documents.retain(|p| shard.holds(&p.relative));
            plan.refused.retain(|d| held(&d.file));
            refused.retain(|d| held(&d.file));
        }
        let builder = Builder {
            store: &self.store,
            forms: &self.forms,
            renderer: &self.renderer,
            freshness: &self.freshness,
            typesetter: &self.typesetter,
            state,
            options: self.options,
            data,
        };
        let mut documents = batch::run(
            self.options.jobs,
            &plan.documents,
            &self.pool,
            on_progress,
            |worker, planned| builder.build_file(worker, planned),
        )?;
        documents.extend(
            refused
                .into_iter()
                .chain(plan.refused)
                .map(|d| builder.refused(d)),
        );
        documents.sort_by(|a, b| a.path.cmp(&b.path));
        let mut summary = Summary {
            documents,
            ..Summary::default()
        };
        if self.options.shard.is_none() {
            finish_site(&self.store, state, data, &mut summary);
        }
        Ok(summary)
    }
}

/// What changed in a project while `watch` waited.
enum Change {
    Data,
    Templates,
}

/// Builds, then builds again whenever a data file or template changes,
/// until `keep_going` says stop; `on_build` gets each build's summary. A
/// change to data rebuilds only the documents it touches, in the same warm
/// worker processes; a change to the templates or fonts starts afresh.
/// What a save can break (a template that does not parse, a data folder
/// empty for a moment during an editor's save, a font role left without a
/// font) goes to `on_error`, and watching goes on: the output folder keeps
/// the last good build until the next change builds again.
pub fn watch(
    project: &Project,
    options: &BuildOptions,
    on_build: &mut dyn FnMut(&Summary),
    on_error: &mut dyn FnMut(&anyhow::Error),
    keep_going: &dyn Fn() -> bool,
) -> anyhow::Result<()> {
    let state = State::open(&options.out, writer(options.shard), &options.holder)?;
    while keep_going() {
        let seen = snapshot(project);
        let session = match load_templates(project).and_then(|s| Session::new(project, options, s))
        {
            Ok(session) => session,
            Err(error) => {
                on_error(&error);
                match wait_for_change(project, &seen, keep_going) {
                    Some(_) => continue,
                    None => return Ok(()),
                }
            }
        };
        loop {
            let started = Instant::now();
            let seen = snapshot(project);
            let run = found_files(project).and_then(|found| session.run(&state, found, &|_| {}));
            match run {
                Ok(mut summary) => {
                    summary.seconds = started.elapsed().as_secs_f64();
                    on_build(&summary);
                }
                Err(error) => on_error(&error),
            }
            match wait_for_change(project, &seen, keep_going) {
                Some(Change::Data) => continue,
                Some(Change::Templates) => break,
                None => return Ok(()),
            }
        }
    }
    Ok(())
}

/// The modification time and size of every file under the project's data,
/// templates and font folders, by path.
type Snapshot = std::collections::BTreeMap<PathBuf, (std::time::SystemTime, u64)>;

fn snapshot(project: &Project) -> (Snapshot, Snapshot) {
    let others = project.templates.iter().chain(&project.font_dirs);
    (scan([&project.data]), scan(others))
}

fn scan<'p>(dirs: impl IntoIterator<Item = &'p PathBuf>) -> Snapshot {
    dirs.into_iter()
        .flat_map(|dir| walkdir::WalkDir::new(dir).follow_links(true))
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .filter_map(|e| {
            let meta = e.metadata().ok()?;
            Some((e.into_path(), (meta.modified().ok()?, meta.len())))
        })
        .collect()
}

/// Polls the project every tenth of a second until something changed, or
/// `keep_going` says stop (`None`). Polling needs no watcher thread or
/// platform API, and a tenth of a second is below what a person notices.
fn wait_for_change(
    project: &Project,
    seen: &(Snapshot, Snapshot),
    keep_going: &dyn Fn() -> bool,
) -> Option<Change> {
    while keep_going() {
        std::thread::sleep(Duration::from_millis(100));
        let now = snapshot(project);
        if now.1 != seen.1 {
            return Some(Change::Templates);
        }
        if now.0 != seen.0 {
            return Some(Change::Data);
        }
    }
    None
}

/// Leaves the output folder holding exactly the documents' outputs, the
/// index and the checksums.
fn finish_site(store: &TemplateStore, state: &State, data: &Path, summary: &mut Summary) {
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
    let store = load_templates(project)?;
    let found = data_files(&project.data)?;
    let plan = plan::plan(&project.data, found.files);
    let state = State::open(out, Writer::Whole, holder)?;
    let setup = Setup::new(&store, &project.font_dirs).context("cannot set up Typst")?;
    let typesetter = Typesetter::new(&setup).context("cannot set up Typst")?;
    let freshness = Freshness::new(&store, typesetter.font_identity(), source_date);
    let mut documents: Vec<DocReport> = plan
        .documents
        .iter()
        .map(|planned| assembled(&freshness, &state, planned))
        .collect();
    documents.extend(found.refused.into_iter().chain(plan.refused).map(|d| {
        let previous = freshness::verified(&state, &relative_to(&project.data, &d.file));
        failed_report(d.file.clone(), vec![d], previous)
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
        finish_site(&store, &state, &project.data, &mut summary);
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
    let fresh = read(&planned.path).ok().and_then(|bytes| {
        freshness.fresh(
            state,
            &planned.relative,
            &bytes,
            &last_year_bytes(&planned.path),
        )
    });
    match fresh {
        Some(stamp) => replay(&planned.path, stamp),
        None => {
            let shards = "the shard that builds it (`jixiao build --shard K/N`) did not build it from its current data, or failed";
            let missing = Diagnostic::error(
                &planned.path,
                crate::model::Loc::default(),
                "not-built",
                shards,
            )
            .with_hint("run that shard again, or a whole `jixiao build`, then `jixiao index`");
            let previous = freshness::verified(state, &planned.relative);
            failed_report(planned.path.clone(), vec![missing], previous)
        }
    }
}

/// A document that failed, with what an earlier build published for it
/// (`previous`, its outputs verified intact), which stays published.
fn failed_report(
    path: PathBuf,
    diagnostics: Vec<Diagnostic>,
    previous: Option<Stamp>,
) -> DocReport {
    DocReport {
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

fn relative_to(data: &Path, path: &Path) -> PathBuf {
    path.strip_prefix(data).unwrap_or(path).to_owned()
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

/// The template engine, every form's template verified against its contract.
fn renderer(store: &TemplateStore, forms: &Forms) -> anyhow::Result<Renderer> {
    Renderer::new(store, forms).map_err(|e| anyhow::anyhow!("{}", locate::template_error(store, e)))
}

fn load_templates(project: &Project) -> anyhow::Result<TemplateStore> {
    TemplateStore::load(project.templates.as_deref()).context("cannot read the templates folder")
}

/// What every document of a run shares.
struct Builder<'a> {
    store: &'a TemplateStore,
    forms: &'a Forms,
    renderer: &'a Renderer,
    freshness: &'a Freshness,
    typesetter: &'a Typesetter,
    state: &'a State,
    options: &'a BuildOptions,
    data: &'a Path,
}

impl Builder<'_> {
    fn build_file(&self, worker: &mut Worker, planned: &Planned) -> DocReport {
        let started = Instant::now();
        let mut report = match read(&planned.path) {
            Err(diagnostic) => self.failed(planned, vec![*diagnostic]),
            Ok(bytes) => match self.fresh(&planned.path, &planned.relative, &bytes) {
                Some(stamp) => replay(&planned.path, stamp),
                None => match load_source(self.data, &planned.path, &bytes, self.forms) {
                    Ok(source) => self.build_one(worker, planned, &source, &bytes),
                    Err(found) => self.failed(planned, found),
                },
            },
        };
        report.rest = started.elapsed().saturating_sub(report.times.total());
        report
    }

    /// The stamp of outputs made from these very inputs, unless the build
    /// must redo them anyway (`--force`, or `--emit-typst`, which renders all).
    fn fresh(&self, path: &Path, relative: &Path, bytes: &[u8]) -> Option<Stamp> {
        if self.options.force || self.options.emit_typst.is_some() {
            return None;
        }
        self.freshness
            .fresh(self.state, relative, bytes, &last_year_bytes(path))
    }

    /// A document that failed now: what an earlier build published for it
    /// stays published and listed, if it is intact. If not, its stamp goes,
    /// so that no later build trusts it, and the files stay where they are,
    /// unlisted: a failed build removes nothing it cannot vouch for.
    fn failed(&self, planned: &Planned, diagnostics: Vec<Diagnostic>) -> DocReport {
        let previous = freshness::verified(self.state, &planned.relative);
        if previous.is_none() {
            let _ = unpublish(self.state, &self.state.stamp_path(&planned.relative), &[]);
        }
        failed_report(planned.path.clone(), diagnostics, previous)
    }

    /// A data file that cannot be built at all (see [`plan`]).
    fn refused(&self, diagnostic: Diagnostic) -> DocReport {
        let planned = Planned {
            relative: relative_to(self.data, &diagnostic.file),
            path: diagnostic.file.clone(),
        };
        self.failed(&planned, vec![diagnostic])
    }

    fn build_one(
        &self,
        worker: &mut Worker,
        planned: &Planned,
        source: &Source,
        bytes: &[u8],
    ) -> DocReport {
        let document = &source.document;
        let mut diagnostics = review(source, self.forms);
        if diagnostics.iter().any(Diagnostic::is_error) {
            return self.failed(planned, diagnostics);
        }
        let outputs = Outputs::new(self.state, &planned.relative);
        let stamp = Stamp {
            form: document.form.value.clone(),
            inputs: self.freshness.inputs(
                &document.form.value,
                &planned.relative,
                bytes,
                &last_year_bytes(&planned.path),
            ),
            published: Vec::new(),
            entry: index_entry(document, &outputs),
            findings: diagnostics.clone(),
        };
        let text = String::from_utf8_lossy(bytes);
        let mut times = PhaseTimes::default();
        match self.render_and_typeset(worker, source, &text, &outputs, stamp, &mut times) {
            Ok((pages, stamp)) => DocReport {
                path: source.path.clone(),
                outcome: Outcome::Built { pages },
                diagnostics,
                times,
                rest: Duration::ZERO,
                published: stamp.published,
                entry: Some(stamp.entry),
            },
            Err(found) => {
                diagnostics.extend(found);
                let mut report = self.failed(planned, diagnostics);
                report.times = times;
                report
            }
        }
    }

    fn render_and_typeset(
        &self,
        worker: &mut Worker,
        source: &Source,
        text: &str,
        outputs: &Outputs,
        stamp: Stamp,
        times: &mut PhaseTimes,
    ) -> Result<(usize, Stamp), Vec<Diagnostic>> {
        let page = Page {
            date: self.date_of(&source.document).to_string(),
            index: index_href(&source.relative),
            pdf: pdf_href(&source.relative),
        };
        let form = &source.document.form.value;
        let fields = self
            .forms
            .get(form)
            .map(|c| c.fields.as_slice())
            .unwrap_or_default();
        let main = self
            .renderer
            .render(form, &view(&source.document, &source.extras, fields), &page)
            .map_err(|e| vec![locate::template_error(self.store, e)])?;
        if let Some(dir) = &self.options.emit_typst {
            self.emit_typst(&dir.join(source.relative.with_extension("")), &main)
                .map_err(|e| vec![io_error(&source.path, "cannot write the Typst sources", &e)])?;
        }
        let json = serde_json::to_vec_pretty(&published_json(&source.document, &source.extras))
            .map_err(|e| {
                vec![io_error(
                    &source.path,
                    "cannot write the data as JSON",
                    &std::io::Error::other(e),
                )]
            })?;
        let document = locate::Document {
            path: &source.path,
            text,
            form: &source.document.form.value,
            main: &main,
        };
        let typeset = worker.typeset(&main).map_err(|problems| {
            problems
                .into_iter()
                .map(|p| locate::typst_problem(self.store, &document, p))
                .collect::<Vec<_>>()
        })?;
        *times = typeset.times;
        let stamp = outputs
            .write([&typeset.pdf, typeset.html.as_bytes(), &json], stamp)
            .map_err(|e| vec![io_error(&source.path, "cannot write the outputs", &e)])?;
        Ok((typeset.pages, stamp))
    }

    /// The document date: the data's, else the build's, else 1 January of
    /// the budget year. Never the clock.
    fn date_of(&self, document: &Document) -> Date {
        document
            .date
            .as_ref()
            .map(|d| d.value)
            .or(self.options.source_date)
            .unwrap_or_else(|| Date::new_year(document.year.value))
    }

    /// Writes `main.typ` and all it reads, as `typst compile --root` wants them.
    fn emit_typst(&self, dir: &Path, main: &str) -> std::io::Result<()> {
        std::fs::create_dir_all(dir)?;
        std::fs::write(dir.join("main.typ"), main)?;
        for (path, bytes) in self.typesetter.support_files() {
            let path = dir.join(path.trim_start_matches('/'));
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(path, bytes)?;
        }
        Ok(())
    }
}

/// The bytes of a data file's previous year, which its findings depend on
/// (empty when there is none).
fn last_year_bytes(path: &Path) -> Vec<u8> {
    previous_year_path(path)
        .and_then(|p| std::fs::read(p).ok())
        .unwrap_or_default()
}

/// An up-to-date document, reported as its last build found it.
fn replay(path: &Path, stamp: Stamp) -> DocReport {
    DocReport {
        path: path.to_owned(),
        outcome: Outcome::UpToDate,
        diagnostics: stamp.findings,
        times: PhaseTimes::default(),
        rest: Duration::ZERO,
        published: stamp.published,
        entry: Some(stamp.entry),
    }
}

/// The link from a document's web page back to the index.
fn index_href(relative: &Path) -> String {
    let depth = relative.components().count().saturating_sub(1);
    format!("{}{INDEX}", "../".repeat(depth))
}

/// The link from a document's web page to its PDF, which stands beside it.
fn pdf_href(relative: &Path) -> String {
    relative
        .with_extension("pdf")
        .file_name()
        .map(|n| outputs::href(Path::new(n)))
        .unwrap_or_default()
}

/// How the index lists a published document.
fn index_entry(document: &Document, outputs: &Outputs) -> Entry {
    let [pdf, html, json] = EXTENSIONS.map(|e| outputs.href(e));
    Entry {
        year: document.year.value,
        department: document.department.value.clone(),
        title: document.title.value.clone(),
        projects: document.project_count(),
        total: document
            .budget_total()
            .map(|(amount, unit)| wan_yuan(unit.convert(amount, Unit::TenThousandYuan))),
        pdf,
        html,
        json,
    }
}

fn io_error(path: &Path, what: &str, error: &std::io::Error) -> Diagnostic {
    Diagnostic::error(
        path,
        crate::model::Loc::default(),
        "io",
        format!("{what}: {error}"),
    )
}
