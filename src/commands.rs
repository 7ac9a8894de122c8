//! The commands that read a project without publishing it: `check`,
//! `forms`, `schema` and `new`.

use std::path::{Path, PathBuf};

use anyhow::Context;
use rayon::prelude::*;

use crate::check::Forms;
use crate::contract::{json_schema, schema_file, skeleton};
use crate::diag::{Diagnostic, Quote};
use crate::load::data_files;
use crate::pipeline::{Input, Project, Session, setup_failed};
use crate::publish::plan;

/// Loads and checks the data files `only` (every data file when none are
/// named) without building anything, and proves the forms they use (see
/// [`Session::prove`]): what `check` passes, `build` builds. What is wrong
/// with the templates, forms or fonts is among the findings, at its place,
/// since no file can be checked without them.
pub fn check(project: &Project, only: &[PathBuf]) -> anyhow::Result<Vec<Diagnostic>> {
    let mut session = match Session::open(project) {
        Ok(session) => session,
        Err(found) => return Ok(found),
    };
    let fonts = match session.find_fonts() {
        Ok(fonts) => fonts,
        Err(found) => return Ok(found),
    };
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
    let checked: Vec<Checked> = files
        .par_iter()
        .map(|path| check_file(&session, path))
        .collect();
    let mut forms: Vec<String> = checked.iter().filter_map(|c| c.form.clone()).collect();
    forms.sort();
    forms.dedup();
    diagnostics.extend(session.prove(&forms, fonts));
    diagnostics.extend(checked.into_iter().flat_map(|c| c.found));
    Ok(diagnostics)
}

/// A data file checked: its findings, and its form when it loaded.
struct Checked {
    form: Option<String>,
    found: Vec<Diagnostic>,
}

/// One data file loaded and checked, against its previous year too: its
/// findings, or why it could not be loaded. Files are independent, so a
/// folder's are checked on every core at once.
fn check_file(session: &Session, path: &Path) -> Checked {
    match Input::read(path).and_then(|input| session.load(input)) {
        Ok(loaded) => Checked {
            form: Some(loaded.source.document.form.value.clone()),
            found: session.check(&loaded),
        },
        Err(found) => Checked { form: None, found },
    }
}

/// The forms of a templates folder (and the built-in ones), each verified.
pub fn forms(templates: &Path) -> anyhow::Result<Forms> {
    let project = Project {
        data: PathBuf::new(),
        templates: Some(templates.to_owned()),
        font_dirs: Vec::new(),
    };
    Ok(Session::open(&project).map_err(setup_failed)?.forms)
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
            "there is no form {name}; the forms are: {}",
            forms.names().join(", "),
            name = Quote(&name)
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
