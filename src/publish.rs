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
use outputs::{Outputs, Published, hex, sha256_hex, write_checksums};

use crate::check::{Forms, Waived, check, load_forms};
use crate::diag::Diagnostic;
use crate::load::{Loaded, Source, data_files, load_dir, load_source};
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

/// Typst memoizes without bound; evicting every few documents keeps memory
/// flat. Entries unused for `EVICT_AGE` evictions go; the shared styling,
/// used by every document, stays.
const EVICT_EVERY: usize = 16;
const EVICT_AGE: usize = 2;

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
        let mut report = match load_source(data, path) {
            Ok(source) => self.build_one(&source),
            Err(diagnostic) => {
                let (published, entry) = self.previous(path.strip_prefix(data).unwrap_or(path));
                DocReport {
                    path: path.to_owned(),
                    outcome: Outcome::Failed,
                    diagnostics: vec![*diagnostic],
                    waived: Vec::new(),
                    times: PhaseTimes::default(),
                    rest: Duration::ZERO,
                    published,
                    entry,
                }
            }
        };
        report.rest = started.elapsed().saturating_sub(report.times.total());
        report
    }

    /// What an earlier build published for a document that fails now: its
    /// files stay published, and listed as they were, from their JSON.
    fn previous(&self, relative: &Path) -> (Vec<Published>, Option<Entry>) {
        let outputs = Outputs::new(&self.options.out, relative);
        let Some((_, published)) = outputs.published() else {
            return (Vec::new(), None);
        };
        let json = std::fs::read(self.options.out.join(relative.with_extension("json")));
        let document: Option<Document> = json
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok());
        (published, document.map(|d| index_entry(&d, &outputs)))
    }

    fn build_one(&self, source: &Source) -> DocReport {
        let checked = check(&source.path, &source.document, &self.forms);
        let mut diagnostics = checked.diagnostics;
        let mut times = PhaseTimes::default();
        let result = if diagnostics.iter().any(Diagnostic::is_error) {
            Err(Vec::new())
        } else {
            self.render_and_typeset(source, &mut times)
        };
        let (outcome, published, entry) = match result {
            Ok((outcome, published)) => {
                let outputs = Outputs::new(&self.options.out, &source.relative);
                (
                    outcome,
                    published,
                    Some(index_entry(&source.document, &outputs)),
                )
            }
            Err(found) => {
                diagnostics.extend(found);
                let (published, entry) = self.previous(&source.relative);
                (Outcome::Failed, published, entry)
            }
        };
        DocReport {
            path: source.path.clone(),
            outcome,
            diagnostics,
            waived: checked.waived,
            times,
            rest: Duration::ZERO,
            published,
            entry,
        }
    }

    fn render_and_typeset(
        &self,
        source: &Source,
        times: &mut PhaseTimes,
    ) -> Result<(Outcome, Vec<Published>), Vec<Diagnostic>> {
        let outputs = Outputs::new(&self.options.out, &source.relative);
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
        let digest = self.digest(&main, &json);
        if !self.options.force
            && let Some(published) = outputs.up_to_date(&digest)
        {
            return Ok((Outcome::UpToDate, published));
        }
        let typeset = self.typesetter.typeset(&main).map_err(|problems| {
            problems
                .into_iter()
                .map(|p| self.typst_error(source, &main, p))
                .collect::<Vec<_>>()
        })?;
        *times = typeset.times;
        let published = outputs
            .write(&typeset.pdf, typeset.html.as_bytes(), &json, &digest)
            .map_err(|e| vec![io_error(&source.path, "cannot write the outputs", &e)])?;
        Ok((
            Outcome::Built {
                pages: typeset.pages,
            },
            published,
        ))
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

    /// Everything a document's outputs are made from.
    fn digest(&self, main: &str, json: &[u8]) -> String {
        let mut hasher = Sha256::new();
        hasher.update(&self.run_digest);
        hasher.update(main);
        hasher.update(json);
        hex(&hasher.finalize())
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
