//! The batch: every data file through check → render → typeset → write.
//!
//! Documents are independent: one that fails is reported and leaves its
//! previous outputs untouched, and the others go on. Outputs are written to a
//! temporary file and renamed into place, so nothing is ever half-written.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use sha2::{Digest, Sha256};

mod outputs;

pub use outputs::{CHECKSUMS, write_atomic};
use outputs::{Outputs, Published, Stamp, StoredFinding, hex, sha256_hex, write_checksums};

use crate::check::{Forms, Waived, check, load_forms};
use crate::diag::Diagnostic;
use crate::load::{Loaded, Source, data_files, load_dir, load_source, read};
use crate::model::{Date, Document, Loc};
use crate::render::{Page, RenderError, Renderer};
use crate::site::{Entry, render_index};
use crate::templates::TemplateStore;
use crate::typeset::{PhaseTimes, Problem, Typesetter};

/// Documents are compiled on plain threads, not in a rayon pool: Typst and
/// krilla use rayon inside, and a rayon worker waiting on them would run
/// other documents on top of its own stack (overflowing it, holding many
/// documents in memory at once, and muddling the timings). Typst's deep
/// recursion still wants more than the default 2 MiB.
const WORKER_STACK: usize = 16 * 1024 * 1024;

/// The most documents one run builds: a province publishes a few thousand.
pub const MAX_DOCUMENTS: usize = 50_000;

/// Typst memoizes without bound; evicting every few documents keeps memory
/// flat. Entries unused for `EVICT_AGE` evictions go; the shared styling,
/// used by every document, stays.
const EVICT_EVERY: usize = 16;
const EVICT_AGE: usize = 0;

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
    /// Worker threads; 0 means one per core.
    pub jobs: usize,
    /// The date of documents whose data gives none (`SOURCE_DATE_EPOCH`);
    /// without it, 1 January of the budget year.
    pub source_date: Option<Date>,
}

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
    pub diagnostics: Vec<Diagnostic>,
    /// Findings the data file acknowledged.
    pub waived: Vec<Waived>,
    /// Time spent in Typst.
    pub times: PhaseTimes,
    /// Time spent on everything else: load, check, render, hash, write.
    pub rest: Duration,
    /// The document's published files, new or from an earlier build.
    pub published: Vec<Published>,
    /// How the index lists it, if it is published.
    pub entry: Option<Entry>,
}

/// The outcome of a whole run.
#[derive(Debug, Default)]
pub struct Summary {
    pub documents: Vec<DocReport>,
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

    pub fn waived(&self) -> impl Iterator<Item = &Waived> {
        self.documents.iter().flat_map(|d| &d.waived)
    }

    /// The time all documents spent in Typst, and the rest, over all threads.
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

/// The findings of `check`.
#[derive(Debug, Default)]
pub struct CheckReport {
    pub diagnostics: Vec<Diagnostic>,
    pub waived: Vec<Waived>,
}

/// Loads and checks every data file without building anything.
pub fn check_project(project: &Project) -> anyhow::Result<CheckReport> {
    let store = load_templates(project)?;
    let forms = load_forms(&store)?;
    let Loaded {
        sources,
        diagnostics,
    } = load_data(project)?;
    let mut report = CheckReport {
        diagnostics,
        waived: Vec::new(),
    };
    for source in &sources {
        let found = check(&source.path, &source.document, &forms);
        report.diagnostics.extend(found.diagnostics);
        report.waived.extend(found.waived);
    }
    Ok(report)
}

/// Builds every document; `on_progress` is called once per document, with
/// the total, as each finishes.
pub fn build(
    project: &Project,
    options: &BuildOptions,
    on_progress: &(dyn Fn(usize) + Sync),
) -> anyhow::Result<Summary> {
    let started = Instant::now();
    let store = load_templates(project)?;
    let files = data_files(&project.data)
        .with_context(|| format!("cannot read the data folder {}", project.data.display()))?;
    anyhow::ensure!(
        files.len() <= MAX_DOCUMENTS,
        "the data folder has {} data files; a run builds at most {MAX_DOCUMENTS}: split it into several folders",
        files.len()
    );
    let typesetter = Typesetter::new(&store, &project.font_dirs).context("cannot set up Typst")?;
    let builder = Builder::new(&store, typesetter, options)?;
    let jobs = if options.jobs == 0 {
        std::thread::available_parallelism().map_or(1, usize::from)
    } else {
        options.jobs
    };
    let next = AtomicUsize::new(0);
    let worker = || {
        let mut reports = Vec::new();
        loop {
            let index = next.fetch_add(1, Ordering::Relaxed);
            let Some(path) = files.get(index) else { break };
            reports.push(builder.build_file(&project.data, path));
            if (index + 1).is_multiple_of(EVICT_EVERY) {
                typst::comemo::evict(EVICT_AGE);
            }
            on_progress(files.len());
        }
        reports
    };
    let mut documents: Vec<DocReport> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..jobs)
            .map(|_| {
                std::thread::Builder::new()
                    .stack_size(WORKER_STACK)
                    .spawn_scoped(scope, worker)
            })
            .collect::<Result<_, _>>()?;
        let mut documents = Vec::with_capacity(files.len());
        for handle in workers {
            documents.extend(
                handle
                    .join()
                    .map_err(|_| anyhow::anyhow!("a worker thread panicked"))?,
            );
        }
        anyhow::Ok(documents)
    })
    .context("cannot run worker threads")?;
    documents.sort_by(|a, b| a.path.cmp(&b.path));
    write_site(&store, &options.out, &documents).context("cannot write the index and checksums")?;
    Ok(Summary {
        documents,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// The index of all published documents, and the checksums of every
/// published file, the index included.
fn write_site(store: &TemplateStore, out: &Path, documents: &[DocReport]) -> anyhow::Result<()> {
    let entries: Vec<Entry> = documents.iter().filter_map(|d| d.entry.clone()).collect();
    let index = render_index(store, &entries)?;
    write_atomic(&out.join(INDEX), index.as_bytes())?;
    let mut published: Vec<Published> =
        documents.iter().flat_map(|d| d.published.clone()).collect();
    published.push(Published {
        sha256: sha256_hex(index.as_bytes()),
        path: INDEX.to_owned(),
    });
    write_checksums(out, published)?;
    Ok(())
}

/// The site index, at the top of the output folder.
pub const INDEX: &str = "index.html";

fn load_templates(project: &Project) -> anyhow::Result<TemplateStore> {
    TemplateStore::load(project.templates.as_deref()).context("cannot read the templates folder")
}

fn load_data(project: &Project) -> anyhow::Result<Loaded> {
    load_dir(&project.data)
        .with_context(|| format!("cannot read the data folder {}", project.data.display()))
}

/// What every document of a run shares.
struct Builder<'a> {
    store: &'a TemplateStore,
    forms: Forms,
    renderer: Renderer,
    typesetter: Typesetter,
    options: &'a BuildOptions,
    /// Everything besides the document's own source that its outputs depend on.
    run_digest: Vec<u8>,
}

impl<'a> Builder<'a> {
    fn new(
        store: &'a TemplateStore,
        typesetter: Typesetter,
        options: &'a BuildOptions,
    ) -> anyhow::Result<Self> {
        let renderer = Renderer::new(store).context("cannot set up the template engine")?;
        let mut hasher = Sha256::new();
        hasher.update(env!("CARGO_PKG_VERSION"));
        for (path, bytes) in typesetter.support_files() {
            hasher.update(path);
            hasher.update(bytes);
        }
        Ok(Self {
            store,
            forms: load_forms(store)?,
            renderer,
            typesetter,
            options,
            run_digest: hasher.finalize().to_vec(),
        })
    }

    fn build_file(&self, data: &Path, path: &Path) -> DocReport {
        let started = Instant::now();
        let relative = path.strip_prefix(data).unwrap_or(path).to_owned();
        let outputs = Outputs::new(&self.options.out, &relative);
        let mut report = match read(path) {
            Err(diagnostic) => self.failed(path, &outputs, vec![*diagnostic], Vec::new()),
            Ok(bytes) => {
                let inputs = self.inputs(&relative, &bytes);
                match self.fresh(&outputs, &inputs) {
                    Some(stamp) => replay(path, stamp),
                    None => match load_source(data, path, &bytes) {
                        Ok(source) => self.build_one(&source, &outputs, inputs),
                        Err(diagnostic) => {
                            self.failed(path, &outputs, vec![*diagnostic], Vec::new())
                        }
                    },
                }
            }
        };
        report.rest = started.elapsed().saturating_sub(report.times.total());
        report
    }

    /// The stamp of outputs made from these very inputs, unless the build
    /// must redo them anyway (`--force`, or `--emit-typst`, which renders all).
    fn fresh(&self, outputs: &Outputs, inputs: &str) -> Option<Stamp> {
        if self.options.force || self.options.emit_typst.is_some() {
            return None;
        }
        outputs.stamp().filter(|stamp| stamp.inputs == inputs)
    }

    /// A document that failed now: what an earlier build published for it
    /// stays published and listed.
    fn failed(
        &self,
        path: &Path,
        outputs: &Outputs,
        diagnostics: Vec<Diagnostic>,
        waived: Vec<Waived>,
    ) -> DocReport {
        let previous = outputs.stamp();
        DocReport {
            path: path.to_owned(),
            outcome: Outcome::Failed,
            diagnostics,
            waived,
            times: PhaseTimes::default(),
            rest: Duration::ZERO,
            published: previous
                .as_ref()
                .map(|s| s.published.clone())
                .unwrap_or_default(),
            entry: previous.map(|s| s.entry),
        }
    }

    fn build_one(&self, source: &Source, outputs: &Outputs, inputs: String) -> DocReport {
        let checked = check(&source.path, &source.document, &self.forms);
        let mut diagnostics = checked.diagnostics;
        if diagnostics.iter().any(Diagnostic::is_error) {
            return self.failed(&source.path, outputs, diagnostics, checked.waived);
        }
        let mut times = PhaseTimes::default();
        let stamp = Stamp {
            inputs,
            published: Vec::new(),
            entry: index_entry(&source.document, outputs),
            findings: stored_findings(&diagnostics, &checked.waived),
        };
        match self.render_and_typeset(source, outputs, stamp, &mut times) {
            Ok((pages, stamp)) => DocReport {
                path: source.path.clone(),
                outcome: Outcome::Built { pages },
                diagnostics,
                waived: checked.waived,
                times,
                rest: Duration::ZERO,
                published: stamp.published,
                entry: Some(stamp.entry),
            },
            Err(found) => {
                diagnostics.extend(found);
                let mut report = self.failed(&source.path, outputs, diagnostics, checked.waived);
                report.times = times;
                report
            }
        }
    }

    fn render_and_typeset(
        &self,
        source: &Source,
        outputs: &Outputs,
        stamp: Stamp,
        times: &mut PhaseTimes,
    ) -> Result<(usize, Stamp), Vec<Diagnostic>> {
        let page = Page {
            date: self.date_of(&source.document).to_string(),
            index: index_href(&source.relative),
        };
        let main = self
            .renderer
            .render(&source.document, &page)
            .map_err(|e| vec![self.template_error(e)])?;
        if let Some(dir) = &self.options.emit_typst {
            self.emit_typst(&dir.join(source.relative.with_extension("")), &main)
                .map_err(|e| vec![io_error(&source.path, "cannot write the Typst sources", &e)])?;
        }
        let json = serde_json::to_vec_pretty(&source.document).map_err(|e| {
            vec![io_error(
                &source.path,
                "cannot write the data as JSON",
                &std::io::Error::other(e),
            )]
        })?;
        let typeset = self.typesetter.typeset(&main).map_err(|problems| {
            problems
                .into_iter()
                .map(|p| self.typst_error(source, &main, p))
                .collect::<Vec<_>>()
        })?;
        *times = typeset.times;
        let stamp = outputs
            .write([&typeset.pdf, typeset.html.as_bytes(), &json], stamp)
            .map_err(|e| vec![io_error(&source.path, "cannot write the outputs", &e)])?;
        Ok((typeset.pages, stamp))
    }

    /// Everything a document's outputs are made from: the tool, templates and
    /// fonts (the run digest), the date a document without one gets, where it
    /// stands, and its data file's bytes.
    fn inputs(&self, relative: &Path, bytes: &[u8]) -> String {
        let mut hasher = Sha256::new();
        hasher.update(&self.run_digest);
        hasher.update(
            self.options
                .source_date
                .map(|d| d.to_string())
                .unwrap_or_default(),
        );
        hasher.update(relative.to_string_lossy().as_bytes());
        hasher.update([0]);
        hasher.update(bytes);
        hex(&hasher.finalize())
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

    fn emit_typst(&self, dir: &Path, main: &str) -> std::io::Result<()> {
        write_atomic(&dir.join("main.typ"), main.as_bytes())?;
        for (path, bytes) in self.typesetter.support_files() {
            write_atomic(&dir.join(path.trim_start_matches('/')), bytes)?;
        }
        Ok(())
    }

    fn template_error(&self, error: RenderError) -> Diagnostic {
        let origin = self
            .store
            .get(&error.template)
            .map_or_else(|| PathBuf::from(&error.template), |f| f.origin.clone());
        Diagnostic::error(&origin, Loc::new(error.line, 0), "template", error.message)
    }

    /// Locates a Typst finding: in a template file where it points into one,
    /// otherwise in the data file, at the first place the offending text is
    /// written when that can be found.
    fn typst_error(&self, source: &Source, main: &str, problem: Problem) -> Diagnostic {
        let template = problem
            .file
            .as_deref()
            .filter(|f| *f != crate::typeset::MAIN);
        match template.and_then(|f| self.store.get(f.trim_start_matches('/'))) {
            Some(file) => Diagnostic::error(
                &file.origin,
                Loc::new(problem.line, problem.column),
                "typst",
                problem.message,
            ),
            None => {
                let loc = glyph_location(&source.path, &problem.message).unwrap_or_default();
                let near = main
                    .lines()
                    .nth(problem.line.saturating_sub(1) as usize)
                    .unwrap_or_default();
                let message = match problem.file {
                    Some(_) => format!(
                        "{} (generated main.typ {}:{}: {})",
                        problem.message,
                        problem.line,
                        problem.column,
                        near.trim()
                    ),
                    None => problem.message,
                };
                Diagnostic::error(&source.path, loc, "typst", message)
                    .with_hint("run `jixiao build --emit-typst DIR` to see the generated Typst")
            }
        }
    }
}

/// An up-to-date document, reported as its last build found it.
fn replay(path: &Path, stamp: Stamp) -> DocReport {
    let mut diagnostics = Vec::new();
    let mut waived = Vec::new();
    for finding in stamp.findings {
        let mut diagnostic = Diagnostic::error(
            path,
            Loc::new(finding.line, finding.column),
            code(&finding.code),
            finding.message,
        );
        diagnostic.severity = finding.severity;
        diagnostic.hint = finding.hint;
        match finding.why {
            Some(why) => waived.push(Waived { diagnostic, why }),
            None => diagnostics.push(diagnostic),
        }
    }
    DocReport {
        path: path.to_owned(),
        outcome: Outcome::UpToDate,
        diagnostics,
        waived,
        times: PhaseTimes::default(),
        rest: Duration::ZERO,
        published: stamp.published,
        entry: Some(stamp.entry),
    }
}

/// The rule code a stamp names, as the catalogue spells it.
fn code(name: &str) -> &'static str {
    crate::check::catalogue::rule(name).map_or("recorded", |rule| rule.code)
}

/// Findings as a stamp keeps them: the warnings and the waived ones.
fn stored_findings(diagnostics: &[Diagnostic], waived: &[Waived]) -> Vec<StoredFinding> {
    let store = |d: &Diagnostic, why: Option<&String>| StoredFinding {
        line: d.loc.line,
        column: d.loc.column,
        severity: d.severity,
        code: d.code.to_owned(),
        message: d.message.clone(),
        hint: d.hint.clone(),
        why: why.cloned(),
    };
    diagnostics
        .iter()
        .map(|d| store(d, None))
        .chain(waived.iter().map(|w| store(&w.diagnostic, Some(&w.why))))
        .collect()
}

/// The link from a document's web page back to the index.
fn index_href(relative: &Path) -> String {
    let depth = relative.components().count().saturating_sub(1);
    format!("{}{INDEX}", "../".repeat(depth))
}

/// How the index lists a published document.
fn index_entry(document: &Document, outputs: &Outputs) -> Entry {
    Entry {
        year: document.year.value,
        department: document.department.value.clone(),
        title: document.title.value.clone(),
        projects: document.projects.len(),
        total: document
            .total_amount()
            .map(|(amount, unit)| format!("{amount} {}", unit.as_str())),
        pdf: outputs.href("pdf"),
        html: outputs.href("html"),
        json: outputs.href("json"),
    }
}

/// Where a character that no font can show is first written in the data file.
fn glyph_location(path: &Path, message: &str) -> Option<Loc> {
    let wanted = message.split('“').nth(1)?.chars().next()?;
    let text = std::fs::read_to_string(path).ok()?;
    text.lines().enumerate().find_map(|(i, line)| {
        let column = line.chars().position(|c| c == wanted)?;
        Some(Loc::new(i as u32 + 1, column as u32 + 1))
    })
}

fn io_error(path: &Path, what: &str, error: &std::io::Error) -> Diagnostic {
    Diagnostic::error(path, Loc::default(), "io", format!("{what}: {error}"))
}
