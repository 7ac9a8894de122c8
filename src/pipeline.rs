//! The stages a data file goes through, the same for every command.
//!
//! A run opens one [`Session`] (templates, forms, the template engine and
//! what a typesetter is made from), then takes each data file through
//! [`Input::read`] → [`Session::load`] → [`Session::check`] →
//! [`Session::render`] → [`Session::typeset`]. Each stage returns its value
//! or its findings. `check`, `build`, `watch`, the tests and the fuzz target
//! all call these, so none of them tests less than another publishes.

pub mod digest;
mod locate;
mod proof;

use std::path::{Path, PathBuf};

use crate::check::{
    Forms, Previous, check_with_history, draws_nothing, load_forms, previous_year_path,
};
use crate::codes::{FORM_FILE, MISSING_GLYPH, SETUP};
use crate::contract::{ContractError, view};
use crate::diag::{Diagnostic, Quote};
use crate::load::{Source, load_source, parse_bytes, read};
use crate::model::Loc;
use crate::render::{Page, Renderer};
use crate::templates::TemplateStore;
use crate::typeset::fonts::{Coverage, Fonts};
use crate::typeset::{FONT_ROLES, Problem, Setup, SetupError, Typeset};

/// Where a project keeps its inputs.
#[derive(Clone, Debug)]
pub struct Project {
    pub data: PathBuf,
    /// A folder whose files override the built-in templates.
    pub templates: Option<PathBuf>,
    /// Folders with fonts besides the system's.
    pub font_dirs: Vec<PathBuf>,
}

/// A data file's inputs, read once: its bytes and its previous year's, on
/// which its findings and its stamp both depend.
#[derive(Clone, Debug)]
pub struct Input {
    pub path: PathBuf,
    pub bytes: Vec<u8>,
    pub last_year: Option<LastYear>,
}

/// The same department's data file of the year before: the file of the same
/// name in the previous year's folder.
#[derive(Clone, Debug)]
pub struct LastYear {
    pub path: PathBuf,
    pub bytes: Vec<u8>,
}

impl LastYear {
    fn read(path: PathBuf) -> Option<Self> {
        let bytes = std::fs::read(&path).ok()?;
        Some(Self { path, bytes })
    }
}

impl Input {
    /// The data file at `path` and its previous year's, from disk.
    pub fn read(path: &Path) -> Result<Self, Vec<Diagnostic>> {
        let bytes = read(path).map_err(|d| vec![*d])?;
        let last_year = previous_year_path(path).and_then(LastYear::read);
        Ok(Self {
            path: path.to_owned(),
            bytes,
            last_year,
        })
    }

    /// A data file held in memory, with no previous year.
    pub fn from_bytes(path: &Path, bytes: Vec<u8>) -> Self {
        Self {
            path: path.to_owned(),
            bytes,
            last_year: None,
        }
    }

    /// The previous year's bytes, empty when there is none.
    pub fn last_year_bytes(&self) -> &[u8] {
        self.last_year.as_ref().map_or(&[], |l| &l.bytes)
    }
}

/// A data file read into the model.
pub struct Loaded {
    pub input: Input,
    pub source: Source,
}

/// What every document of a run shares: opened once.
pub struct Session {
    pub data: PathBuf,
    pub store: TemplateStore,
    pub forms: Forms,
    pub renderer: Renderer,
    /// What a typesetter is made from, handed to worker processes whole.
    pub setup: Setup,
    /// The characters the installed fonts have, once [`Session::find_fonts`]
    /// has looked: every printed value is then held to them.
    coverage: Option<Coverage>,
}

impl Session {
    /// Opens the project's templates and forms. What is wrong with them
    /// (a templates folder that cannot be read, a form.yaml, a template that
    /// does not parse, the font roles) are findings at their place, like a
    /// data file's.
    pub fn open(project: &Project) -> Result<Self, Vec<Diagnostic>> {
        let store = TemplateStore::load(project.templates.as_deref()).map_err(|e| {
            let folder = project.templates.clone().unwrap_or_default();
            vec![
                Diagnostic::new(
                    SETUP,
                    &folder,
                    Loc::default(),
                    format!("cannot read the templates folder: {e}"),
                )
                .with_hint("check that the folder exists and can be read"),
            ]
        })?;
        Self::with_store(&project.data, store, &project.font_dirs)
    }

    /// A session over a template store already loaded.
    pub fn with_store(
        data: &Path,
        store: TemplateStore,
        font_dirs: &[PathBuf],
    ) -> Result<Self, Vec<Diagnostic>> {
        let forms = load_forms(&store).map_err(|e| vec![form_file(e)])?;
        let renderer =
            Renderer::new(&store, &forms).map_err(|e| vec![locate::template_error(&store, e)])?;
        let setup = Setup::new(&store, font_dirs).map_err(|e| vec![setup_error(&store, &e)])?;
        Ok(Self {
            data: data.to_owned(),
            store,
            forms,
            renderer,
            setup,
            coverage: None,
        })
    }

    /// Finds the fonts the documents will be typeset with (the system's
    /// and the project's font folders), and from now on checks every
    /// printed character against them, as typesetting would. The workers
    /// started from now on are handed the faces found, not scanning again.
    pub fn find_fonts(&mut self) -> Result<Fonts, Vec<Diagnostic>> {
        let faces = crate::typeset::fonts::scan(&self.setup.font_dirs);
        let fonts = Fonts::of_faces(&faces, &self.setup.roles)
            .map_err(|e| vec![setup_error(&self.store, &SetupError::from(e))])?;
        self.coverage = Some(Coverage::of(&fonts));
        self.setup.faces = faces;
        Ok(fonts)
    }

    /// Parses a data file once into the model, against its form's contract.
    pub fn load(&self, input: Input) -> Result<Loaded, Vec<Diagnostic>> {
        let source = load_source(&self.data, &input.path, &input.bytes, &self.forms)?;
        Ok(Loaded { input, source })
    }

    /// What `check` finds in a loaded file: its contract's warnings and
    /// every rule's findings, against its previous year too, waivers applied.
    /// The same for `check` and `build`, which builds only what has no error.
    pub fn check(&self, loaded: &Loaded) -> Vec<Diagnostic> {
        let mut found = review(&loaded.source, &self.forms, loaded.input.last_year.as_ref());
        if let Some(coverage) = &self.coverage {
            found.extend(missing_glyphs(loaded, coverage));
        }
        found
    }

    /// The document's Typst source, from its form's template.
    pub fn render(&self, loaded: &Loaded, page: &Page) -> Result<String, Vec<Diagnostic>> {
        let form = &loaded.source.document.form.value;
        self.renderer
            .render(form, &self.view(loaded), page)
            .map_err(|e| vec![locate::template_error(&self.store, e)])
    }

    /// What the document's template sees of it.
    fn view(&self, loaded: &Loaded) -> serde_json::Value {
        let source = &loaded.source;
        view(
            &source.document,
            &source.extras,
            self.forms.get(&source.document.form.value),
        )
    }

    /// The document typeset by `typeset` (a worker process, or a
    /// typesetter in this one) from `main`, rendered for `page`, its
    /// problems placed where a person fixes them: a template line (the
    /// document rendered again to trace its lines, when Typst finds an
    /// error in it), or the data file's.
    pub fn typeset(
        &self,
        loaded: &Loaded,
        page: &Page,
        main: &str,
        typeset: impl FnOnce(&str) -> Result<Typeset, Vec<Problem>>,
    ) -> Result<Typeset, Vec<Diagnostic>> {
        typeset(main).map_err(|problems| {
            let form = &loaded.source.document.form.value;
            let in_main = problems.iter().any(Problem::is_in_main);
            let trace = in_main
                .then(|| self.renderer.trace(form, &self.view(loaded), page))
                .flatten();
            let text = String::from_utf8_lossy(&loaded.input.bytes);
            let document = locate::Typesetting {
                path: &loaded.source.path,
                text: &text,
                main,
                trace: trace.as_ref(),
            };
            problems
                .into_iter()
                .map(|p| locate::typst_problem(&self.store, &document, p))
                .collect()
        })
    }
}

/// What `check` finds in a loaded file, against `last_year` when there is
/// one: its contract's warnings and every rule's findings, waivers applied.
fn review(source: &Source, forms: &Forms, last_year: Option<&LastYear>) -> Vec<Diagnostic> {
    let parsed = last_year.and_then(|last| {
        let parsed = parse_bytes(&last.path, &last.bytes, forms).ok()?;
        Some((&last.path, parsed))
    });
    let previous = parsed.as_ref().map(|(path, parsed)| Previous {
        path,
        document: &parsed.document,
    });
    review_against(source, forms, previous)
}

/// [`Session::check`] for a data file not yet written (`jixiao import`),
/// whose previous year may be one of the others about to be (`staged`)
/// rather than on disk.
pub fn review_staged(source: &Source, forms: &Forms, staged: &[Source]) -> Vec<Diagnostic> {
    let last_path = previous_year_path(&source.path);
    match last_path
        .as_ref()
        .and_then(|path| staged.iter().find(|s| &s.path == path))
    {
        Some(earlier) => {
            let previous = Previous {
                path: &earlier.path,
                document: &earlier.document,
            };
            review_against(source, forms, Some(previous))
        }
        None => review(source, forms, last_path.and_then(LastYear::read).as_ref()),
    }
}

fn review_against(source: &Source, forms: &Forms, previous: Option<Previous>) -> Vec<Diagnostic> {
    let warnings = source.warnings.clone();
    check_with_history(&source.path, &source.document, forms, previous, warnings).into_all()
}

/// Each character of a printed value that no installed font has, at its
/// first place in the data file.
fn missing_glyphs(loaded: &Loaded, coverage: &Coverage) -> Vec<Diagnostic> {
    let mut seen = std::collections::HashSet::new();
    let mut found = Vec::new();
    for printed in &loaded.source.printed {
        let missing = printed
            .text
            .chars()
            .filter(|&c| !draws_nothing(c) && !coverage.has(c));
        for c in missing.filter(|&c| seen.insert(c)) {
            let message = format!(
                "no installed font has a glyph for {c} (U+{:04X}): it would print as a blank box",
                c as u32,
                c = Quote(&c)
            );
            let text = String::from_utf8_lossy(&loaded.input.bytes);
            let loc = place_of(&text, printed.loc, c);
            found.push(
                Diagnostic::new(MISSING_GLYPH, &loaded.source.path, loc, message).with_hint(
                    "install a font that has it (see README.md, Fonts), or write the character another way",
                ),
            );
        }
    }
    found
}

/// Where `c` is first written at or after `from`: a value's place is where
/// it starts, and the character may stand further along, or on a later
/// line of a block scalar.
fn place_of(text: &str, from: Loc, c: char) -> Loc {
    let first = from.line.saturating_sub(1) as usize;
    text.lines()
        .enumerate()
        .skip(first)
        .find_map(|(index, line)| {
            let skip = if index == first {
                from.column.saturating_sub(1) as usize
            } else {
                0
            };
            let column = line.chars().skip(skip).position(|x| x == c)? + skip;
            Some(Loc::new(index as u32 + 1, column as u32 + 1))
        })
        .unwrap_or(from)
}

/// The set-up findings as one error, for a command that cannot start
/// without a session (`check` shows them as findings instead).
pub fn setup_failed(found: Vec<Diagnostic>) -> anyhow::Error {
    let found: Vec<String> = found.iter().map(ToString::to_string).collect();
    anyhow::anyhow!("the templates cannot be used:\n{}", found.join("\n"))
}

/// A form whose form.yaml cannot be read, at its line.
fn form_file(error: ContractError) -> Diagnostic {
    Diagnostic::new(FORM_FILE, &error.file, error.loc, error.message)
        .with_hint("every data file of this form waits on it: correct the form.yaml")
}

/// The font roles (or another template file Typst is served) unusable.
fn setup_error(store: &TemplateStore, error: &SetupError) -> Diagnostic {
    let roles = store
        .get(FONT_ROLES)
        .map_or_else(|| PathBuf::from(FONT_ROLES), |f| f.origin.clone());
    Diagnostic::new(SETUP, &roles, Loc::default(), error.to_string())
}
