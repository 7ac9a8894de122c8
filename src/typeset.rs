//! Typst source → PDF and HTML, in process.
//!
//! One [`Typesetter`] per run holds the fonts, the standard library and the
//! template files; each document only brings its rendered `main.typ`.

pub mod fonts;
mod web;
pub mod worker;
mod world;

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use typst::diag::{SourceDiagnostic, Warned};
use typst::foundations::{Dict, IntoValue, Smart};
use typst::layout::{Frame, FrameItem};
use typst::syntax::Source;
use typst::utils::LazyHash;
use typst::{Feature, Library, LibraryExt, World, WorldExt};
use typst_html::HtmlDocument;
use typst_layout::PagedDocument;
use typst_pdf::{PdfOptions, PdfStandard, PdfStandards};

use fonts::{Face, Fonts};
pub use fonts::{MissingRole, RoleCandidates};
use world::{DocWorld, Served, Shared, file_id};
pub use world::{FONTS_JSON, MAIN};

use crate::diag::Quote;
use crate::templates::TemplateStore;

/// The file in the templates folder that lists the font families of each role.
pub const FONT_ROLES: &str = "fonts.yaml";

/// Why the typesetter could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error("the templates have no {FONT_ROLES}")]
    NoFontRoles,
    #[error("{FONT_ROLES}: {0}")]
    BadFontRoles(String),
    #[error(transparent)]
    MissingRole(#[from] MissingRole),
    #[error("the template path {} cannot be served to Typst", Quote(.0))]
    BadPath(String),
}

/// A Typst finding, located in the virtual file it points into.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    pub kind: ProblemKind,
    /// The virtual path (`/main.typ`, `/lib/gov.typ`), if the finding has one.
    pub file: Option<String>,
    pub line: u32,
    pub column: u32,
    pub message: String,
    /// Typst's hints, each a way to fix it.
    pub hints: Vec<String>,
}

/// What went wrong, for the caller to place and word it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ProblemKind {
    /// An error or warning of Typst's own.
    Typst,
    /// A character no chosen font has: the data wrote it.
    MissingGlyph(char),
    /// The document took longer than the time limit.
    TimeLimit,
    /// The document needed more memory than the limit.
    MemoryLimit,
    /// The typesetting process stopped without an answer.
    Crashed,
}

impl Problem {
    /// Whether Typst found it in the generated `main.typ`, which a
    /// template line wrote.
    pub fn is_in_main(&self) -> bool {
        self.kind == ProblemKind::Typst && self.file.as_deref() == Some(MAIN)
    }

    /// A finding without a place in any file.
    pub fn unplaced(kind: ProblemKind, message: String) -> Self {
        Self {
            kind,
            file: None,
            line: 0,
            column: 0,
            message,
            hints: Vec::new(),
        }
    }
}

/// The outputs of one document.
pub struct Typeset {
    pub pdf: Vec<u8>,
    pub html: String,
    pub pages: usize,
    pub times: PhaseTimes,
}

/// Where a document's typesetting time went, in CPU time of the process
/// that typeset it (see [`crate::cpu`]).
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize)]
pub struct PhaseTimes {
    /// Typst's evaluation and layout for the paged document.
    pub compile_paged: Duration,
    /// Typst's evaluation for the HTML document.
    pub compile_html: Duration,
    pub export_pdf: Duration,
    pub export_html: Duration,
    /// Typst's memoized results dropped between a long document's two
    /// compilations (see [`LONG_DOCUMENT`]).
    pub evict: Duration,
    /// The worker process's start (its fonts loaded), with the first
    /// document it typesets: a worker serves a few documents and is
    /// replaced (see [`worker::RETIRE_AFTER`]).
    pub start_up: Duration,
    /// The typesetter's own work on the document, outside Typst: the
    /// glyph check, the web page's pass for readers.
    pub outside: Duration,
}

impl PhaseTimes {
    /// Typst's share of the document: everything but
    /// [`PhaseTimes::outside`] and a worker's [`PhaseTimes::start_up`].
    pub fn typst(&self) -> Duration {
        self.compile_paged + self.compile_html + self.export_pdf + self.export_html + self.evict
    }
}

impl std::ops::AddAssign for PhaseTimes {
    fn add_assign(&mut self, other: Self) {
        self.compile_paged += other.compile_paged;
        self.compile_html += other.compile_html;
        self.export_pdf += other.export_pdf;
        self.export_html += other.export_html;
        self.evict += other.evict;
        self.start_up += other.start_up;
        self.outside += other.outside;
    }
}

/// Runs `f` and adds the CPU time it took to `total`.
fn timed<T>(total: &mut Duration, f: impl FnOnce() -> T) -> T {
    let start = crate::cpu::process();
    let result = f();
    *total += crate::cpu::process().saturating_sub(start);
    result
}

/// Everything a typesetter is made from: the files Typst may read, where
/// to look for fonts besides the system's, and the font families of each
/// role. A worker process receives it whole, so that it typesets with the
/// very templates its parent rendered with.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Setup {
    /// Template files by virtual path (`/lib/gov.typ`), the `.j2` sources excepted.
    pub files: Vec<(String, Vec<u8>)>,
    pub font_dirs: Vec<PathBuf>,
    pub roles: RoleCandidates,
    /// The faces the parent found (see [`Fonts::of_faces`]); none before
    /// it has looked, and then a typesetter finds them itself.
    #[serde(default)]
    pub faces: Vec<Face>,
}

impl Setup {
    pub fn new(store: &TemplateStore, font_dirs: &[PathBuf]) -> Result<Self, SetupError> {
        let roles = store.get(FONT_ROLES).ok_or(SetupError::NoFontRoles)?;
        let roles: RoleCandidates = serde_saphyr::from_slice(&roles.bytes)
            .map_err(|e| SetupError::BadFontRoles(e.to_string()))?;
        let files = store
            .files()
            .filter(|(path, _)| !path.ends_with(".j2") && *path != FONT_ROLES)
            .map(|(path, file)| (format!("/{path}"), file.bytes.clone()))
            .collect();
        Ok(Self {
            files,
            font_dirs: font_dirs.to_vec(),
            roles,
            faces: Vec::new(),
        })
    }

    /// Every file a document may read besides its `main.typ`, by virtual
    /// path, with the roles' families as `fonts` chose them: what
    /// `--emit-typst` writes next to it.
    pub fn support_files(&self, fonts: &Fonts) -> Vec<(String, Vec<u8>)> {
        let roles = (FONTS_JSON.to_owned(), fonts.roles_json().into_bytes());
        let mut files: Vec<_> = self.files.iter().cloned().chain([roles]).collect();
        files.sort();
        files
    }
}

/// Compiles documents; one per process, shared by all its threads.
pub struct Typesetter {
    shared: Shared,
}

impl Typesetter {
    /// Takes the fonts the setup was handed, or finds them (system and the
    /// setup's folders), and prepares the template files.
    pub fn new(setup: &Setup) -> Result<Self, SetupError> {
        let fonts = if setup.faces.is_empty() {
            Fonts::discover(&setup.font_dirs, &setup.roles)?
        } else {
            Fonts::of_faces(&setup.faces, &setup.roles)?
        };
        Self::with_fonts(setup, fonts)
    }

    /// A typesetter with fonts already found for `setup`.
    pub fn with_fonts(setup: &Setup, fonts: Fonts) -> Result<Self, SetupError> {
        let mut files = HashMap::new();
        let roles = (FONTS_JSON.to_owned(), fonts.roles_json().into_bytes());
        for (path, bytes) in setup.files.iter().cloned().chain([roles]) {
            let id = file_id(&path).ok_or_else(|| SetupError::BadPath(path.clone()))?;
            files.insert(id, Served::new(id, bytes, path.ends_with(".typ")));
        }
        let main = file_id(MAIN).ok_or_else(|| SetupError::BadPath(MAIN.to_owned()))?;
        Ok(Self {
            shared: Shared {
                paged: LazyHash::new(library(PAGED)),
                web: LazyHash::new(library(WEB)),
                fonts,
                files,
                main,
            },
        })
    }

    /// Compiles a rendered `main.typ` to PDF and HTML.
    ///
    /// Any Typst warning fails the document: an unknown font, a glyph no font
    /// has, content that HTML export would drop. A published document must be
    /// exactly what the data says.
    pub fn typeset(&self, main: &str) -> Result<Typeset, Vec<Problem>> {
        let began = crate::cpu::process();
        let source = Source::new(self.shared.main, main.to_owned());
        let world = DocWorld {
            shared: &self.shared,
            library: &self.shared.paged,
            main: source.clone(),
        };
        let web_world = DocWorld {
            library: &self.shared.web,
            main: source,
            ..world
        };
        let mut times = PhaseTimes::default();
        let problems = |errors| to_problems(&world, errors);
        let paged = timed(&mut times.compile_paged, || {
            typst::compile::<PagedDocument>(&world)
        });
        let paged = finish(&world, paged, Pass::Paged)?;
        missing_glyphs(&paged).map_or(Ok(()), Err)?;
        let pdf = timed(&mut times.export_pdf, || {
            typst_pdf::pdf(&paged, &pdf_options())
        })
        .map_err(problems)?;
        let pages = paged.pages().len();
        // The laid-out pages go before the web page is compiled, and with
        // them, for a long document, the memoized layouts that hold them:
        // the peak is one compilation's, not both's.
        drop(paged);
        if pages >= LONG_DOCUMENT {
            timed(&mut times.evict, || typst::comemo::evict(0));
        }
        let html_doc = timed(&mut times.compile_html, || {
            typst::compile::<HtmlDocument>(&web_world)
        });
        let html_doc = finish(&web_world, html_doc, Pass::Web)?;
        let html = timed(&mut times.export_html, || {
            typst_html::html(&html_doc, &typst_html::HtmlOptions::default())
        });
        let html = web::for_every_reader(&html.map_err(problems)?);
        times.outside = crate::cpu::process()
            .saturating_sub(began)
            .saturating_sub(times.typst());
        Ok(Typeset {
            pdf,
            html,
            pages,
            times,
        })
    }
}

/// Pages from which a document's memoized layouts are dropped once its PDF
/// is written: they would be used by no other document, and a 1,000-page
/// document's take a gigabyte.
const LONG_DOCUMENT: usize = 100;

/// The `sys.inputs` key that tells the templates which output they are
/// compiled for, and its values.
pub const TARGET_INPUT: &str = "jixiao-target";
const PAGED: &str = "paged";
const WEB: &str = "html";

/// The standard library for documents compiled for `target`. The templates
/// read the target from `sys.inputs` once, where `target()` would need a
/// `context` block in every helper, re-evaluated wherever it is laid out:
/// that cost a tenth of the layout time.
fn library(target: &str) -> Library {
    let mut inputs = Dict::new();
    inputs.insert(TARGET_INPUT.into(), target.into_value());
    Library::builder()
        .with_features([Feature::Html, Feature::A11yExtras].into_iter().collect())
        .with_inputs(inputs)
        .build()
}

/// Archival and accessible: PDF/A-2b and PDF/UA-1, tagged. These are the
/// options of `typst compile --pdf-standard a-2b,ua-1`, so that the sources
/// `--emit-typst` writes give the same PDF with the typst CLI.
pub fn pdf_options() -> PdfOptions {
    PdfOptions {
        ident: Smart::Auto,
        creator: Smart::Auto,
        timestamp: None,
        page_ranges: None,
        standards: PDF_STANDARDS.clone(),
        tagged: true,
        pretty: false,
    }
}

static PDF_STANDARDS: std::sync::LazyLock<PdfStandards> = std::sync::LazyLock::new(|| {
    PdfStandards::new(&[PdfStandard::A_2b, PdfStandard::Ua_1])
        .expect("PDF/A-2b and PDF/UA-1 can be combined")
});

/// Which of a document's two compilations a finding comes from.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Pass {
    Paged,
    Web,
}

/// The compiled document, or every error and warning as a problem: any
/// warning fails a document. The one exception is the warning every HTML
/// compilation gives, that HTML export is experimental: it is the only
/// warning Typst attaches to no place in the sources (a detached span), and
/// says nothing about the document. A warning the sources cause has a place.
fn finish<T>(
    world: &DocWorld,
    warned: Warned<typst::diag::SourceResult<T>>,
    pass: Pass,
) -> Result<T, Vec<Problem>> {
    let warnings: Vec<SourceDiagnostic> = warned
        .warnings
        .into_iter()
        .filter(|w| !(pass == Pass::Web && w.span.is_detached()))
        .collect();
    match warned.output {
        Ok(output) if warnings.is_empty() => Ok(output),
        Ok(_) => Err(to_problems(world, warnings)),
        Err(errors) => Err(to_problems(world, errors.into_iter().chain(warnings))),
    }
}

fn to_problems(
    world: &DocWorld,
    diagnostics: impl IntoIterator<Item = SourceDiagnostic>,
) -> Vec<Problem> {
    diagnostics
        .into_iter()
        .map(|d| problem(world, &d))
        .collect()
}

fn problem(world: &DocWorld, diagnostic: &SourceDiagnostic) -> Problem {
    let id = diagnostic.span.id();
    let position = id
        .zip(world.range(diagnostic.span))
        .and_then(|(id, range)| {
            let source = world.source(id).ok()?;
            let (line, column) = source.lines().byte_to_line_column(range.start)?;
            Some((line as u32 + 1, column as u32 + 1))
        });
    let (line, column) = position.unwrap_or((0, 0));
    Problem {
        kind: ProblemKind::Typst,
        file: id.map(|id| id.vpath().get_with_slash().to_owned()),
        line,
        column,
        message: diagnostic.message.to_string(),
        hints: diagnostic.hints.iter().map(|h| h.v.to_string()).collect(),
    }
}

/// Glyphs no font could show: Typst draws a blank box and says nothing, so
/// they are looked for in the laid-out pages.
fn missing_glyphs(document: &PagedDocument) -> Option<Vec<Problem>> {
    let mut missing = Vec::new();
    for page in document.pages() {
        collect_missing(&page.frame, &mut missing);
    }
    missing.sort();
    missing.dedup();
    (!missing.is_empty()).then(|| {
        missing
            .into_iter()
            .map(|c| {
                let message = format!(
                    "no font has a glyph for {c} (U+{:04X})",
                    c as u32,
                    c = Quote(&c)
                );
                Problem::unplaced(ProblemKind::MissingGlyph(c), message)
            })
            .collect()
    })
}

fn collect_missing(frame: &Frame, missing: &mut Vec<char>) {
    for (_, item) in frame.items() {
        match item {
            FrameItem::Group(group) => collect_missing(&group.frame, missing),
            FrameItem::Text(text) => missing.extend(
                text.glyphs
                    .iter()
                    .filter(|g| g.id == 0)
                    .flat_map(|g| text.text[g.range()].chars()),
            ),
            _ => {}
        }
    }
}
