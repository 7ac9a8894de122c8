//! Findings of the template engine and of Typst, placed where a person can
//! fix them: a template file and line, or the data file's line.
//!
//! Typst sees only the generated `main.typ`. An error there is placed at the
//! template line that wrote the text it is in (the document rendered again
//! with its lines traced, see [`crate::render::Trace`]); a character no font
//! has is placed where the data file first writes it; a limit is the data
//! file's as a whole.

use std::path::{Path, PathBuf};

use crate::codes::{LIMIT, MISSING_GLYPH, TEMPLATE, TYPESET, TYPST};
use crate::diag::{Diagnostic, foreign};
use crate::model::Loc;
use crate::node::{Node, Value};
use crate::render::{RenderError, Trace};
use crate::templates::TemplateStore;
use crate::typeset::{MAIN, Problem, ProblemKind};

/// What a finding about one document is placed against.
pub struct Typesetting<'a> {
    pub path: &'a Path,
    /// The data file's text, to find where a character is written.
    pub text: &'a str,
    /// The generated Typst source.
    pub main: &'a str,
    /// Which template lines wrote `main`, when Typst found an error in it.
    pub trace: Option<&'a Trace>,
}

pub fn template_error(store: &TemplateStore, error: RenderError) -> Diagnostic {
    let origin = store
        .get(&error.template)
        .map_or_else(|| PathBuf::from(&error.template), |f| f.origin.clone());
    Diagnostic::new(TEMPLATE, &origin, Loc::new(error.line, 0), error.message)
}

pub fn typst_problem(
    store: &TemplateStore,
    document: &Typesetting,
    problem: Problem,
) -> Diagnostic {
    let mut found = placed(store, document, &problem);
    let hints = found.hint.take().into_iter().chain(problem.hints);
    let hints: Vec<String> = hints.collect();
    found.hint = (!hints.is_empty()).then(|| hints.join("; "));
    found
}

/// A problem at its place, with jixiao's own hint where it has one.
fn placed(store: &TemplateStore, document: &Typesetting, problem: &Problem) -> Diagnostic {
    let message = foreign(&problem.message);
    let data = |rule, loc| Diagnostic::new(rule, document.path, loc, message.as_ref());
    match problem.kind {
        ProblemKind::MissingGlyph(c) => data(MISSING_GLYPH, first_written(document.text, c))
            .with_hint("install a font that has it (see README.md, Fonts), or write the character another way"),
        ProblemKind::TimeLimit | ProblemKind::MemoryLimit => data(LIMIT, Loc::default()),
        ProblemKind::Crashed => data(TYPESET, Loc::default()),
        ProblemKind::Typst => match problem.file.as_deref() {
            Some(MAIN) => in_generated(store, document, problem),
            Some(file) => match store.get(file.trim_start_matches('/')) {
                Some(template) => Diagnostic::new(
                    TYPST,
                    &template.origin,
                    Loc::new(problem.line, problem.column),
                    message.as_ref(),
                ),
                None => data(TYPST, Loc::default()),
            },
            None => data(TYPST, Loc::default()),
        },
    }
}

/// An error in the generated `main.typ`, placed at the template line that
/// wrote it, and naming the document it was building. The trace gives the
/// place only when its text is the document's to the byte.
fn in_generated(store: &TemplateStore, document: &Typesetting, problem: &Problem) -> Diagnostic {
    let message = format!(
        "{} (building {})",
        foreign(&problem.message),
        document.path.display()
    );
    let place = document
        .trace
        .filter(|trace| trace.text == document.main)
        .and_then(|trace| trace.place(problem.line, problem.column))
        .and_then(|(name, line)| Some((store.get(name)?, line)));
    match place {
        Some((file, line)) => Diagnostic::new(TYPST, &file.origin, Loc::new(line, 0), message),
        None => Diagnostic::new(TYPST, document.path, Loc::default(), message)
            .with_hint("run `jixiao build --emit-typst DIR` to see the generated Typst"),
    }
}

/// Where the data file first writes `c`: as itself, else the value that
/// holds it written as an escape (`"\u2800"`); its start when neither.
fn first_written(text: &str, c: char) -> Loc {
    text.lines()
        .enumerate()
        .find_map(|(i, line)| {
            let column = line.chars().position(|x| x == c)?;
            Some(Loc::new(i as u32 + 1, column as u32 + 1))
        })
        .or_else(|| {
            let tree = crate::node::parse(text, crate::load::options()).ok()?;
            holding(&tree, c)
        })
        .unwrap_or(Loc::new(1, 1))
}

/// The place of the first value under `node` whose text holds `c`.
fn holding(node: &Node, c: char) -> Option<Loc> {
    match &node.value {
        Value::Scalar(text) => text.contains(c).then_some(node.loc),
        Value::List(items) => items.iter().find_map(|i| holding(i, c)),
        Value::Map(entries) => entries.iter().find_map(|(_, v)| holding(v, c)),
        Value::Null => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_template_error_is_placed_at_its_template_line() {
        let store = TemplateStore::built_in();
        let error = RenderError {
            template: "forms/national/main.typ.j2".to_owned(),
            line: 7,
            message: "unexpected end of block".to_owned(),
        };
        let found = template_error(&store, error);
        assert_eq!((found.code.as_ref(), found.loc.line), ("template", 7));
        assert!(found.file.ends_with("forms/national/main.typ.j2"));
    }

    #[test]
    fn a_character_no_font_has_is_a_finding_where_the_data_writes_it() {
        let store = TemplateStore::built_in();
        let document = Typesetting {
            path: Path::new("a.yaml"),
            text: "title: 标题\ndepartment: 某局𓀀\n",
            main: "",
            trace: None,
        };
        let problem = Problem::unplaced(ProblemKind::MissingGlyph('𓀀'), "no font".to_owned());
        let found = typst_problem(&store, &document, problem);
        assert_eq!(
            (found.code.as_ref(), found.loc),
            ("missing-glyph", Loc::new(2, 15))
        );
    }

    #[test]
    fn a_worker_that_dies_is_a_finding_about_the_whole_file() {
        let store = TemplateStore::built_in();
        let document = Typesetting {
            path: Path::new("a.yaml"),
            text: "",
            main: "",
            trace: None,
        };
        let problem = Problem::unplaced(ProblemKind::Crashed, "the worker ended".to_owned());
        let found = typst_problem(&store, &document, problem);
        assert_eq!(
            (found.code.as_ref(), found.loc),
            ("typeset", Loc::default())
        );
    }

    #[test]
    fn a_missing_character_is_placed_where_the_data_writes_it() {
        assert_eq!(first_written("a: x\nb: 𝔸\n", '𝔸'), Loc::new(2, 4));
        assert_eq!(
            first_written("a: x\nb:\n  c: \"\\u2800\"\n", '\u{2800}'),
            Loc::new(3, 6)
        );
    }
}
