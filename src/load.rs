//! Finding and reading the data files.
//!
//! Everything that can be wrong with a file as YAML (syntax, unknown or
//! duplicate keys, wrong types, malformed amounts and dates) is found here and
//! reported with the file, line and column; nothing past this stage sees text
//! that is not a valid [`Document`].

use std::borrow::Cow;
use std::io::Read;
use std::path::{Path, PathBuf};

use walkdir::WalkDir;

use crate::codes::{
    DUPLICATE_KEY, EMPTY_FILE, FILE_TOO_LARGE, LIMIT, LINE_TOO_LONG, NOT_A_DATA_FILE, NOT_UTF8,
    UNREADABLE, WRONG_TYPE, YAML_SYNTAX,
};
use crate::contract::{Extras, Forms, Printed, Validation, any_form, extras, validate};
use crate::diag::{Diagnostic, foreign};
use crate::model::{Document, Loc};
use crate::node::{ModelError, Node, from_node};

/// Bounds on one data file, tuned to the real shapes with a wide margin: the
/// largest seed has 60 KiB, 2,000 values and nesting 10 deep; a synthetic
/// department with 30 projects has 300 KiB and 10,000 values. Anything far
/// beyond is a broken or hostile file, refused with a clear message before it
/// costs time or memory.
pub const MAX_FILE_BYTES: u64 = 4 * 1024 * 1024;
/// The longest paragraph of the seeds is 9 KiB.
pub const MAX_LINE_BYTES: usize = 64 * 1024;
const MAX_DEPTH: usize = 24;
const MAX_NODES: usize = 200_000;
/// The most files and folders the data folder's walk visits: ten for each
/// of the most documents a run builds, far below what a link to `/` finds.
const MAX_ENTRIES: usize = 10 * MAX_DOCUMENTS;

/// The most documents one run builds: a province publishes a few thousand.
pub const MAX_DOCUMENTS: usize = 50_000;
/// Anchors and aliases have no use in a disclosure; a few are tolerated,
/// and an alias bomb is refused.
const MAX_ALIASES: usize = 100;

/// A data file that parsed into the model.
#[derive(Clone, Debug)]
pub struct Source {
    /// The path relative to the data folder, which is also the output path.
    pub relative: PathBuf,
    /// The path as shown to the user.
    pub path: PathBuf,
    pub document: Document,
    /// The fields its form adds of its own.
    pub extras: Extras,
    /// Warnings of its form's contract: values the form does not print.
    pub warnings: Vec<Diagnostic>,
    /// The values its form prints, where they are written.
    pub printed: Vec<Printed>,
}

/// A data file read into the model, with what its contract said.
#[derive(Clone, Debug)]
pub struct Parsed {
    pub document: Document,
    pub extras: Extras,
    pub warnings: Vec<Diagnostic>,
    pub printed: Vec<Printed>,
}

/// Why the data folder cannot be read at all.
#[derive(Debug, thiserror::Error)]
pub enum DataDirError {
    #[error("the data folder {0} does not exist; pass --data with the folder of the data files")]
    Missing(PathBuf),
    #[error("{0} is not a folder; pass --data with the folder of the data files")]
    NotAFolder(PathBuf),
    #[error("the data folder {0} has no data files (*.yaml, *.yml); nothing was built or changed")]
    Empty(PathBuf),
    #[error(
        "the data folder {0} holds more than {MAX_ENTRIES} files and folders (counting those its links lead to): does a link in it lead to / or a large tree? Remove it; nothing was built or changed"
    )]
    TooLarge(PathBuf),
}

/// The data files of a folder, and findings about entries that look like
/// data files but cannot be read as such.
#[derive(Debug, Default)]
pub struct Found {
    pub files: Vec<PathBuf>,
    pub refused: Vec<Diagnostic>,
}

/// Every `*.yaml` and `*.yml` file under `data` (any case), in a stable
/// order. Symbolic links are followed; a broken one, a loop, a FIFO or a
/// device named like a data file is refused by name, never skipped.
pub fn data_files(data: &Path) -> Result<Found, DataDirError> {
    if !data.exists() {
        return Err(DataDirError::Missing(data.to_owned()));
    }
    if !data.is_dir() {
        return Err(DataDirError::NotAFolder(data.to_owned()));
    }
    let mut found = Found::default();
    for (seen, entry) in WalkDir::new(data)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .enumerate()
    {
        if seen == MAX_ENTRIES {
            return Err(DataDirError::TooLarge(data.to_owned()));
        }
        match entry {
            Ok(entry) if is_data_name(entry.path()) => {
                if entry.file_type().is_file() {
                    found.files.push(entry.into_path());
                } else if !entry.file_type().is_dir() {
                    found.refused.push(refuse(
                        entry.path(),
                        "is not a regular file (a FIFO, socket or device); a data file must be a plain file".to_owned(),
                    ));
                }
            }
            Ok(_) => {}
            Err(error) => {
                let path = error.path().unwrap_or(data).to_owned();
                let why = match error.loop_ancestor() {
                    Some(ancestor) => format!(
                        "is a symbolic link back to {}, a loop; remove the link",
                        ancestor.display()
                    ),
                    None => match error.io_error() {
                        Some(io) if io.kind() == std::io::ErrorKind::NotFound => {
                            "is a symbolic link to nothing; remove it or point it at the file"
                                .to_owned()
                        }
                        Some(io) => format!("cannot be read: {io}"),
                        None => "cannot be read".to_owned(),
                    },
                };
                found.refused.push(refuse(&path, why));
            }
        }
    }
    if found.files.is_empty() && found.refused.is_empty() {
        return Err(DataDirError::Empty(data.to_owned()));
    }
    Ok(found)
}

fn is_data_name(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("yaml") || e.eq_ignore_ascii_case("yml"))
}

fn refuse(path: &Path, why: String) -> Diagnostic {
    Diagnostic::new(
        NOT_A_DATA_FILE,
        path,
        Loc::default(),
        format!("{} {why}", path.display()),
    )
}

/// Loads the data file at `path`, under the data folder `data`, from its bytes.
pub fn load_source(
    data: &Path,
    path: &Path,
    bytes: &[u8],
    forms: &Forms,
) -> Result<Source, Vec<Diagnostic>> {
    let relative = path.strip_prefix(data).unwrap_or(path).to_owned();
    let parsed = parse_bytes(path, bytes, forms)?;
    Ok(Source {
        relative,
        path: path.to_owned(),
        document: parsed.document,
        extras: parsed.extras,
        warnings: parsed.warnings,
        printed: parsed.printed,
    })
}

/// Reads one data file into the model.
pub fn load_file(path: &Path, forms: &Forms) -> Result<Parsed, Vec<Diagnostic>> {
    let bytes = read(path).map_err(|d| vec![*d])?;
    parse_bytes(path, &bytes, forms)
}

/// A data file's bytes, refusing one too large to be a disclosure.
pub fn read(path: &Path) -> Result<Vec<u8>, Box<Diagnostic>> {
    let fail = |loc, rule, message: String| Box::new(Diagnostic::new(rule, path, loc, message));
    let size = std::fs::metadata(path)
        .map_err(|e| {
            fail(
                Loc::default(),
                UNREADABLE,
                format!("cannot read the file: {e}"),
            )
        })?
        .len();
    if size > MAX_FILE_BYTES {
        return Err(fail(
            Loc::new(1, 1),
            FILE_TOO_LARGE,
            format!("the file has {size} bytes; a data file may have at most {MAX_FILE_BYTES}"),
        ));
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|file| file.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes))
        .map_err(|e| {
            fail(
                Loc::default(),
                UNREADABLE,
                format!("cannot read the file: {e}"),
            )
        })?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(fail(
            Loc::new(1, 1),
            FILE_TOO_LARGE,
            format!("the file grew past {MAX_FILE_BYTES} bytes while it was read"),
        ));
    }
    Ok(bytes)
}

/// Parses a data file's bytes: UTF-8, then YAML.
pub fn parse_bytes(path: &Path, bytes: &[u8], forms: &Forms) -> Result<Parsed, Vec<Diagnostic>> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let loc = loc_of_offset(bytes, e.valid_up_to());
        vec![Diagnostic::new(
            NOT_UTF8,
            path,
            loc,
            "the file is not valid UTF-8 text",
        )]
    })?;
    parse(path, text, forms)
}

/// Parses YAML text: into a tree, checked against its form's contract
/// (every finding at once), then into the model.
pub fn parse(path: &Path, text: &str, forms: &Forms) -> Result<Parsed, Vec<Diagnostic>> {
    let node = syntax(path, text).map_err(|d| vec![*d])?;
    let form = node.get("form").and_then(Node::as_text).unwrap_or_default();
    let contract = forms.get(form);
    let fields = contract.map_or_else(|| Cow::Owned(any_form()), |c| Cow::Borrowed(&c.fields));
    let Validation {
        found,
        printed,
        amounts,
        texts,
    } = validate(path, &node, &fields, contract);
    if found.iter().any(Diagnostic::is_error) {
        return Err(found);
    }
    let mut document: Document =
        from_node(&node).map_err(|e| vec![model_diagnostic(path, &node, e)])?;
    let extras = extras(&node, &fields, &mut document);
    document.amounts = amounts;
    document.texts = texts;
    Ok(Parsed {
        document,
        extras,
        warnings: found,
        printed,
    })
}

/// The YAML tree of a file, within the limits.
fn syntax(path: &Path, text: &str) -> Result<Node, Box<Diagnostic>> {
    if text.trim().is_empty() {
        return Err(Box::new(
            Diagnostic::new(EMPTY_FILE, path, Loc::new(1, 1), "the file is empty")
                .with_hint("a data file starts with `form:`, `year:`, `title:` and `department:`"),
        ));
    }
    if let Some((index, line)) = text
        .lines()
        .enumerate()
        .find(|(_, l)| l.len() > MAX_LINE_BYTES)
    {
        return Err(Box::new(
            Diagnostic::new(
                LINE_TOO_LONG,
                path,
                Loc::new(index as u32 + 1, 1),
                format!(
                    "line {} has {} bytes; a line may have at most {MAX_LINE_BYTES}",
                    index + 1,
                    line.len()
                ),
            )
            .with_hint("a long text can be split over lines with a YAML block scalar (`>-`)"),
        ));
    }
    crate::node::parse(text, options()).map_err(|e| {
        Box::new(match e {
            crate::node::ParseError::Yaml(e) => yaml_diagnostic(path, &e),
            tagged @ crate::node::ParseError::Tag { loc, .. } => {
                Diagnostic::new(WRONG_TYPE, path, loc, tagged.to_string()).with_hint(
                    "remove the tag and write the text itself, as the approved document has it",
                )
            }
        })
    })
}

pub(crate) fn options() -> serde_saphyr::Options {
    let mut budget = serde_saphyr::budget::Budget::default();
    budget.max_depth = MAX_DEPTH;
    budget.flow_nesting_limit = MAX_DEPTH;
    budget.max_nodes = MAX_NODES;
    budget.max_aliases = MAX_ALIASES;
    budget.max_anchors = MAX_ALIASES;
    budget.max_documents = 1;
    budget.max_total_scalar_bytes = MAX_FILE_BYTES as usize;
    let mut options = serde_saphyr::Options::default();
    options.budget = Some(budget);
    options.reject_unsupported_tags = true;
    // Comments are not data: nothing needs them, and a long run of them
    // must not meet the parser's look-ahead limit.
    options.emit_comments = false;
    // A plain `1e400` is text to be refused as an amount, not a YAML error.
    options.non_finite_float_policy = serde_saphyr::NonFiniteFloatPolicy::PassThrough;
    options
}

/// Turns a YAML error into a finding with a stable code and, where one can be
/// given, a hint. The error's kind decides, never its words: serde quotes the
/// file's own text, which may say anything.
fn yaml_diagnostic(path: &Path, error: &serde_saphyr::Error) -> Diagnostic {
    use serde_saphyr::Error as E;
    let loc = error.location().map(Loc::from).unwrap_or_default();
    let error = innermost(error);
    let message = foreign(&plain_message(error)).into_owned();
    let fail = |rule, message: String| Diagnostic::new(rule, path, loc, message);
    match error {
        E::DuplicateMappingKey { .. } => fail(DUPLICATE_KEY, message)
            .with_hint("a key may appear once per mapping: remove or rename the second one"),
        E::Budget { breach, .. } => fail(LIMIT, limit_message(breach))
            .with_hint("the file is far larger or deeper than a disclosure; is it the right file?"),
        E::AliasReplayCounterOverflow { .. }
        | E::AliasReplayLimitExceeded { .. }
        | E::AliasExpansionLimitExceeded { .. }
        | E::AliasReplayStackDepthExceeded { .. } => fail(
            LIMIT,
            format!("anchors and aliases (&name, *name) expand too far; a data file may use at most {MAX_ALIASES}"),
        )
        .with_hint("write the values out instead of repeating them with aliases"),
        E::ExternalMessage { source, .. } if is_recursion_limit(source) => fail(
            LIMIT,
            format!("the data is nested more than {MAX_DEPTH} levels deep"),
        )
        .with_hint("the file is far larger or deeper than a disclosure; is it the right file?"),
        _ => fail(YAML_SYNTAX, message),
    }
}

/// The error inside the wrappers that add a snippet or an alias's place.
fn innermost(error: &serde_saphyr::Error) -> &serde_saphyr::Error {
    use serde_saphyr::Error as E;
    let mut error = error;
    while let E::WithSnippet { error: inner, .. } | E::AliasError { error: inner, .. } = error {
        error = inner;
    }
    error
}

/// The parser's own depth limit, which it reports before serde's budget.
fn is_recursion_limit(source: &serde_saphyr::ExternalMessageSource) -> bool {
    use serde_saphyr::granit_parser::ErrorKind;
    matches!(source, serde_saphyr::ExternalMessageSource::Parser(e) if matches!(e.kind(), ErrorKind::RecursionLimitExceeded))
}

/// A breached parser limit in words.
fn limit_message(breach: &serde_saphyr::budget::BudgetBreach) -> String {
    use serde_saphyr::budget::BudgetBreach as B;
    match breach {
        B::Depth { .. } => format!("the data is nested more than {MAX_DEPTH} levels deep"),
        B::Nodes { .. } | B::Events { .. } => format!("the file has more than {MAX_NODES} values"),
        B::Aliases { .. } | B::Anchors { .. } | B::AliasAnchorRatio { .. } => {
            format!("the file uses more than {MAX_ALIASES} anchors or aliases (&name, *name)")
        }
        B::Documents { .. } => "the file holds more than one YAML document (a second `---`); a data file is one document".to_owned(),
        B::ScalarBytes { .. } | B::InputBytes { .. } => {
            format!("the file's text is larger than {MAX_FILE_BYTES} bytes")
        }
        _ => "the file is far larger or deeper than a disclosure".to_owned(),
    }
}

/// A value the contract let through and the model's types refused: the two
/// describe the same fields, so this is a value of a shape the contract
/// does not know yet, said at its place.
fn model_diagnostic(path: &Path, node: &Node, error: ModelError) -> Diagnostic {
    let loc = error.loc.unwrap_or(node.loc);
    Diagnostic::new(WRONG_TYPE, path, loc, foreign(&error.message))
}

/// The parser's own words for what is wrong, without its place (shown on its
/// own) or its internals: the user-facing formatter of serde-saphyr, asked
/// for the message alone.
fn plain_message(error: &serde_saphyr::Error) -> String {
    use serde_saphyr::MessageFormatter;
    serde_saphyr::UserMessageFormatter
        .format_message(error)
        .trim()
        .to_owned()
}

/// The line and column (in characters) of a byte offset.
fn loc_of_offset(bytes: &[u8], offset: usize) -> Loc {
    let before = &bytes[..offset.min(bytes.len())];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |p| p + 1);
    let column = String::from_utf8_lossy(&before[line_start..])
        .chars()
        .count()
        + 1;
    Loc::new(line as u32, column as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = "form: national\nyear: 2022\ntitle: 标题\ndepartment: 某部门\n";

    fn forms() -> Forms {
        crate::contract::load_forms(&crate::templates::TemplateStore::built_in()).unwrap()
    }

    #[test]
    fn a_file_that_cannot_be_read_is_said_so() {
        let missing = std::env::temp_dir().join("jixiao-no-such-file.yaml");
        let found = read(&missing).unwrap_err();
        assert_eq!((found.code.as_ref(), &found.file), ("unreadable", &missing));
    }

    #[test]
    fn a_link_to_nothing_in_the_data_folder_is_named() {
        let dir = std::env::temp_dir().join(format!("jixiao-dangling-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        std::os::unix::fs::symlink(dir.join("gone.yaml"), dir.join("a.yaml")).unwrap();
        let found = data_files(&dir).unwrap();
        let _ = std::fs::remove_dir_all(&dir);
        assert!(found.files.is_empty());
        assert_eq!(found.refused[0].code, "not-a-data-file");
        assert!(
            found.refused[0]
                .message
                .contains("symbolic link to nothing")
        );
    }

    fn error_of(text: &str) -> Diagnostic {
        parse(Path::new("t.yaml"), text, &forms())
            .unwrap_err()
            .remove(0)
    }

    #[test]
    fn a_minimal_document_loads() {
        let doc = parse(Path::new("t.yaml"), MINIMAL, &forms())
            .unwrap()
            .document;
        assert_eq!(doc.department.value, "某部门");
        assert_eq!(doc.department.loc, Loc::new(4, 13));
    }

    #[test]
    fn syntax_errors_name_line_and_column() {
        let d = error_of("form: x\nyear: 2022\ntitle: t\n  department: x\n");
        assert_eq!((d.code.as_ref(), d.loc), ("yaml-syntax", Loc::new(4, 13)));
        assert_eq!(d.message, "mapping values are not allowed in this context");
    }

    #[test]
    fn unknown_keys_suggest_the_right_one() {
        let d = error_of(&format!("{MINIMAL}preambel: []\n"));
        assert_eq!(d.code, "unknown-key");
        assert_eq!(d.loc, Loc::new(5, 1));
        assert_eq!(d.hint.as_deref(), Some("did you mean `preamble`?"));
    }

    #[test]
    fn duplicate_keys_are_errors() {
        let d = error_of(&format!("{MINIMAL}title: again\n"));
        assert_eq!(d.code, "duplicate-key");
        assert_eq!(d.loc.line, 5);
    }

    #[test]
    fn missing_fields_are_named() {
        let d = error_of("form: dongguan-rd\nyear: 2022\ntitle: t\n");
        assert_eq!(d.code, "missing-field");
        assert!(d.message.contains("department"), "{}", d.message);
    }

    #[test]
    fn malformed_dates_are_reported_where_they_stand() {
        let d = error_of(&format!("{MINIMAL}date: 2022-02-30\n"));
        assert_eq!(d.code, "bad-date");
        assert_eq!(d.loc.line, 5);
    }

    #[test]
    fn empty_and_non_utf8_files_are_reported() {
        assert_eq!(error_of(" \n").code, "empty-file");
        let dir = std::env::temp_dir().join(format!("jixiao-load-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("bad.yaml");
        std::fs::write(&file, b"form: x\ntitle: \xff\n").unwrap();
        let d = load_file(&file, &forms()).unwrap_err().remove(0);
        assert_eq!((d.code.as_ref(), d.loc), ("not-utf8", Loc::new(2, 8)));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
