//! One build over the data files: each through the pipeline's stages in a
//! worker process, its outputs written beside its stamp.

use std::path::Path;
use std::time::Duration;

use super::batch;
use super::folder::finish_site;
use super::outputs::{Outputs, href};
use super::plan::EXTENSIONS;
use super::plan::{self, Planned, relative_to};
use super::stamps::{Freshness, Stamp, unpublish, verified};
use super::state::State;
use super::summary::{DocReport, Outcome, Summary};
use super::{BuildOptions, INDEX};
use crate::codes::IO;
use crate::contract::published_json;
use crate::diag::Diagnostic;
use crate::load::Found;
use crate::model::{Date, Document, Loc, Unit};
use crate::pipeline::{Input, Loaded, Project, Session, setup_failed};
use crate::render::Page;
use crate::site::{Entry, wan_yuan};
use crate::typeset::PhaseTimes;
use crate::typeset::fonts::Fonts;
use crate::typeset::worker::{Pool, Worker};

/// What a build needs besides the data: the pipeline's session, the fonts'
/// identity and the worker processes. `jixiao watch` keeps one while only
/// data changes, so that its workers stay warm.
pub(super) struct Run<'o> {
    project: Project,
    options: &'o BuildOptions,
    session: Session,
    fonts: Fonts,
    freshness: Freshness,
    pool: Pool,
}

impl<'o> Run<'o> {
    /// Opens the session and finds the fonts, whose identity decides which
    /// outputs are up to date; the parent typesets nothing itself.
    pub(super) fn new(project: &Project, options: &'o BuildOptions) -> anyhow::Result<Self> {
        let mut session = Session::open(project).map_err(setup_failed)?;
        let fonts = session.find_fonts().map_err(setup_failed)?;
        let pool = Pool::new(options.worker.clone(), &session.setup, options.limits);
        let freshness = Freshness::new(&session.store, &fonts.identity, options.source_date);
        Ok(Self {
            project: project.clone(),
            options,
            session,
            fonts,
            freshness,
            pool,
        })
    }

    /// Builds the documents of `found` that are not up to date (this
    /// shard's, with `--shard`) and, for a whole build, finishes the site.
    pub(super) fn run(
        &self,
        state: &State,
        found: Found,
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
            run: self,
            state,
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
            finish_site(&self.session.store, state, data, &mut summary);
        }
        Ok(summary)
    }
}

/// What every document of a run shares.
struct Builder<'a> {
    run: &'a Run<'a>,
    state: &'a State,
    data: &'a Path,
}

impl Builder<'_> {
    fn build_file(&self, worker: &mut Worker, planned: &Planned) -> DocReport {
        let started = crate::cpu::thread();
        let mut report = match Input::read(&planned.path) {
            Err(found) => self.failed(planned, found),
            Ok(input) => match self.fresh(&planned.relative, &input) {
                Some(stamp) => DocReport::replayed(&planned.path, stamp),
                None => match self.run.session.load(input) {
                    Ok(loaded) => self.build_one(worker, planned, &loaded),
                    Err(found) => self.failed(planned, found),
                },
            },
        };
        // This thread waits for the worker without running, so its CPU
        // time is the parent's own work on the document.
        report.rest = crate::cpu::thread().saturating_sub(started) + report.times.outside;
        report
    }

    /// The stamp of outputs made from these very inputs, unless the build
    /// must redo them anyway (`--force`, or `--emit-typst`, which renders all).
    fn fresh(&self, relative: &Path, input: &Input) -> Option<Stamp> {
        let options = self.run.options;
        if options.force || options.emit_typst.is_some() {
            return None;
        }
        self.run
            .freshness
            .fresh(self.state, relative, &input.bytes, input.last_year_bytes())
    }

    /// A document that failed now: what an earlier build published for it
    /// stays published and listed, if it is intact. If not, its stamp goes,
    /// so that no later build trusts it, and the files stay where they are,
    /// unlisted: a failed build removes nothing it cannot vouch for.
    fn failed(&self, planned: &Planned, diagnostics: Vec<Diagnostic>) -> DocReport {
        let previous = verified(self.state, &planned.relative);
        if previous.is_none() {
            let _ = unpublish(self.state, &self.state.stamp_path(&planned.relative), &[]);
        }
        DocReport::failed(planned.path.clone(), diagnostics, previous)
    }

    /// A data file that cannot be built at all (see [`plan`]).
    fn refused(&self, diagnostic: Diagnostic) -> DocReport {
        let planned = Planned {
            relative: relative_to(self.data, &diagnostic.file),
            path: diagnostic.file.clone(),
        };
        self.failed(&planned, vec![diagnostic])
    }

    fn build_one(&self, worker: &mut Worker, planned: &Planned, loaded: &Loaded) -> DocReport {
        let document = &loaded.source.document;
        let mut diagnostics = self.run.session.check(loaded);
        if diagnostics.iter().any(Diagnostic::is_error) {
            return self.failed(planned, diagnostics);
        }
        let outputs = Outputs::new(self.state, &planned.relative);
        let stamp = Stamp {
            form: document.form.value.clone(),
            inputs: self.run.freshness.inputs(
                &document.form.value,
                &planned.relative,
                &loaded.input.bytes,
                loaded.input.last_year_bytes(),
            ),
            published: Vec::new(),
            entry: index_entry(document, &outputs),
            diagnostics: diagnostics.clone(),
        };
        let mut times = PhaseTimes::default();
        match self.render_and_typeset(worker, loaded, &outputs, stamp, &mut times) {
            Ok((pages, stamp)) => DocReport {
                path: loaded.source.path.clone(),
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
        loaded: &Loaded,
        outputs: &Outputs,
        stamp: Stamp,
        times: &mut PhaseTimes,
    ) -> Result<(usize, Stamp), Vec<Diagnostic>> {
        let source = &loaded.source;
        let session = &self.run.session;
        let page = Page {
            date: self.date_of(&source.document).to_string(),
            index: index_href(&source.relative),
            pdf: pdf_href(&source.relative),
        };
        let main = session.render(loaded, &page)?;
        if let Some(dir) = &self.run.options.emit_typst {
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
        let typeset = session.typeset(loaded, &page, &main, |main| worker.typeset(main))?;
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
            .or(self.run.options.source_date)
            .unwrap_or_else(|| Date::new_year(document.year.value))
    }

    /// Writes `main.typ` and all it reads, as `typst compile --root` wants them.
    fn emit_typst(&self, dir: &Path, main: &str) -> std::io::Result<()> {
        std::fs::create_dir_all(dir)?;
        std::fs::write(dir.join("main.typ"), main)?;
        for (path, bytes) in self.run.session.setup.support_files(&self.run.fonts) {
            let path = dir.join(path.trim_start_matches('/'));
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(path, bytes)?;
        }
        Ok(())
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
        .map(|n| href(Path::new(n)))
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
    Diagnostic::new(IO, path, Loc::default(), format!("{what}: {error}"))
}
