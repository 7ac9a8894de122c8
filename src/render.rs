//! Data + form template → Typst source.
//!
//! Templates are Typst with minijinja tags. No data value is ever spliced into
//! Typst markup: the formatter prints every `{{ value }}` as a Typst string
//! literal, so a `#`, `$`, `[` or `"` in the data is text, never markup. The
//! template writes `#{{ v }};` in markup and `{{ v }}` in code.
//!
//! A template sees a document as its form's contract declares it (see
//! [`crate::contract::view`]). When the renderer is made, every form's
//! template is rendered with two made-up documents, one with every field the
//! contract declares and one with only the required ones: a template that
//! reads a value the contract does not declare fails then, at its line, and
//! not when some document happens to reach that line.

mod trace;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, OnceLock};

use minijinja::syntax::SyntaxConfig;
use minijinja::value::{Serde, ValueKind};
use minijinja::{AutoEscape, Environment, Error, ErrorKind, State, UndefinedBehavior, Value};

use crate::contract::{Contract, Forms, samples, view};
use crate::diag::{Quote, foreign};
use crate::templates::TemplateStore;

/// Bounds template work, so that a template loop cannot hang a batch.
const FUEL: u64 = 50_000_000;

/// A template error, located in the template file.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct RenderError {
    pub template: String,
    pub line: u32,
    pub message: String,
}

/// What a document's template knows besides its data.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Page {
    /// The document date (`YYYY-MM-DD`): the data's own, else the build's
    /// `SOURCE_DATE_EPOCH`, else 1 January of the budget year.
    pub date: String,
    /// The site index, relative to the document's web page.
    pub index: String,
    /// The document's PDF, relative to its web page.
    pub pdf: String,
}

pub use trace::Trace;

/// The template engine for one run, shared by all documents.
pub struct Renderer {
    env: Environment<'static>,
    sources: BTreeMap<String, String>,
    /// The templates with their lines marked (see [`trace`]), made when a
    /// document first needs them.
    traced: OnceLock<Option<(Environment<'static>, Arc<trace::Places>)>>,
}

/// The template engine's settings: strict about undefined values, every
/// value through the Typst formatter, bounded work, no filter that marks
/// data as safe.
fn environment() -> Result<Environment<'static>, Error> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_auto_escape_callback(|_| AutoEscape::Custom("typst".into()));
    env.set_formatter(typst_formatter);
    env.set_fuel(Some(FUEL));
    env.set_syntax(
        SyntaxConfig::builder()
            .trim_blocks(true)
            .lstrip_blocks(true)
            .keep_trailing_newline(true)
            .build()?,
    );
    env.remove_filter("safe");
    env.remove_filter("escape");
    env.remove_filter("e");
    env.add_filter("words", |text: &str| words(text));
    env.add_filter("units", units_filter);
    Ok(env)
}

/// The template engine (see [`environment`]) over the template sources
/// `sources`, by name.
fn serving(sources: BTreeMap<String, String>) -> Result<Environment<'static>, Error> {
    let mut env = environment()?;
    env.set_loader(move |name| Ok(sources.get(name).cloned()));
    Ok(env)
}

/// Hanzi that one line of a 一级 (5.8 em) and of a 二级 (6.8 em) label
/// column holds in the tables' 五号, their insets aside (`widths` in
/// lib/gov.typ).
const LEVEL1_LINE: f64 = 5.0;
const LEVEL2_LINE: f64 = 6.0;

/// A merged 二级 label of more than one line keeps up to this many rows of
/// its group together.
const KEEP_ROWS: usize = 6;

/// How many lines a label takes in a column holding `line` hanzi: a hanzi
/// is one em wide, an ASCII character about half.
fn label_lines(name: &str, line: f64) -> usize {
    let width: f64 = name
        .chars()
        .map(|c| if c.is_ascii() { 0.55 } else { 1.0 })
        .sum();
    ((width / line).ceil() as usize).max(1)
}

/// Where the units of a 一级 group start, in rows of the group: a page may
/// break between units, never inside one (lib/gov.typ `group-units`). A
/// unit is a row; where the 二级 label is merged over its rows (`merged`)
/// and takes more than one line, its whole 二级 group, a longer one in
/// parts of at most [`KEEP_ROWS`] rows of about equal size; and a unit has
/// at least as many rows as the 一级 label takes lines. So a label is never
/// taller than the rows it names, however the page breaks fall, and the
/// units a page holds can be joined into one cell without moving a row.
/// `level2`: each 二级 group's name and number of rows.
pub fn unit_starts(level1: &str, level2: &[(&str, usize)], merged: bool) -> Vec<usize> {
    let least = label_lines(level1, LEVEL1_LINE);
    let mut cuts = Vec::new();
    let mut total = 0;
    for &(name, rows) in level2 {
        let whole = merged && label_lines(name, LEVEL2_LINE) > 1;
        let parts = if whole {
            rows.div_ceil(KEEP_ROWS)
        } else {
            rows
        };
        cuts.extend((0..parts).map(|i| total + i * rows / parts));
        total += rows;
    }
    let mut starts: Vec<usize> = Vec::new();
    for cut in cuts {
        if starts.last().is_none_or(|&last| cut - last >= least) {
            starts.push(cut);
        }
    }
    if starts.len() > 1 && starts.last().is_some_and(|&last| total - last < least) {
        starts.pop();
    }
    starts
}

/// `units(merged)` on a 一级 group of the template's view: [`unit_starts`].
fn units_filter(group: Value, merged: bool) -> Result<Vec<usize>, Error> {
    let invalid = || {
        Error::new(
            ErrorKind::InvalidOperation,
            "units takes an indicator group (name, groups of items)",
        )
    };
    let name = group.get_attr("name")?;
    let mut level2 = Vec::new();
    for sub in group.get_attr("groups")?.try_iter()? {
        let rows = sub.get_attr("items")?.len().ok_or_else(invalid)?;
        level2.push((sub.get_attr("name")?.to_string(), rows));
    }
    let level2: Vec<(&str, usize)> = level2.iter().map(|(n, r)| (n.as_str(), *r)).collect();
    Ok(unit_starts(
        name.as_str().ok_or_else(invalid)?,
        &level2,
        merged,
    ))
}

/// Brackets whose contents a title's line must not be cut in.
const BRACKETS: &[(char, char)] = &[
    ('（', '）'),
    ('(', ')'),
    ('《', '》'),
    ('〔', '〕'),
    ('【', '】'),
];

/// Words of official titles that the segmenter's dictionary cuts but a
/// title must not: 部门单位 (部门|单位) is one term, as 部门（单位） is.
const TERMS: &[&str] = &["部门单位", "人民代表大会", "常务委员会", "人大常委会"];

/// A text as the words a line may break between, for titles: the word
/// segmenter's words (a dictionary of Chinese), with a bracketed part kept
/// whole, a term of [`TERMS`] kept whole, a number kept with the 年/月/日
/// after it, spaces and punctuation kept with the word before them, and a
/// word of one hanzi too: the dictionary cuts 办公室 and 委员会 into
/// 办公|室 and 委员|会, and a title's one-hanzi words are such suffixes
/// (市, 会, 室, 表). Joined, they are the text.
pub fn words(text: &str) -> Vec<String> {
    let segmenter = icu_segmenter::WordSegmenter::new_auto(Default::default());
    let inside_term = |at: usize| {
        TERMS.iter().any(|term| {
            text.match_indices(term)
                .any(|(start, found)| start < at && at < start + found.len())
        })
    };
    let breaks: Vec<usize> = segmenter
        .segment_str(text)
        .filter(|&at| !inside_term(at))
        .collect();
    let mut words: Vec<String> = Vec::new();
    let mut open: Vec<char> = Vec::new();
    for pair in breaks.windows(2) {
        let piece = &text[pair[0]..pair[1]];
        let first = piece.chars().next().unwrap_or(' ');
        let joins_previous = !open.is_empty()
            || first.is_whitespace()
            || "、，。；：）)》〕】".contains(first)
            || ("年月日".contains(first)
                && words
                    .last()
                    .is_some_and(|w| w.ends_with(|c: char| c.is_ascii_digit())))
            || (is_one_hanzi(piece) && words.last().is_some_and(|w| w.ends_with(is_hanzi)));
        match words.last_mut() {
            Some(last) if joins_previous => last.push_str(piece),
            _ => words.push(piece.to_owned()),
        }
        for c in piece.chars() {
            if let Some((_, close)) = BRACKETS.iter().find(|(o, _)| *o == c) {
                open.push(*close);
            } else if open.last() == Some(&c) {
                open.pop();
            }
        }
    }
    words
}

fn is_hanzi(c: char) -> bool {
    matches!(c, '\u{3400}'..='\u{4dbf}' | '\u{4e00}'..='\u{9fff}' | '\u{f900}'..='\u{faff}' | '\u{20000}'..='\u{3134f}')
}

fn is_one_hanzi(piece: &str) -> bool {
    let mut chars = piece.chars();
    chars.next().is_some_and(is_hanzi) && chars.next().is_none()
}

impl Renderer {
    /// The renderer of the templates in `store`, each form's verified
    /// against its contract.
    pub fn new(store: &TemplateStore, forms: &Forms) -> Result<Self, RenderError> {
        let renderer = Self::unverified(store).map_err(|e| located("", &e))?;
        for contract in forms.contracts.values() {
            renderer.verify(contract, forms)?;
        }
        Ok(renderer)
    }

    fn unverified(store: &TemplateStore) -> Result<Self, Error> {
        let sources: BTreeMap<String, String> = store
            .files()
            .filter(|(path, _)| path.ends_with(".j2"))
            .map(|(path, file)| {
                (
                    path.to_owned(),
                    String::from_utf8_lossy(&file.bytes).into_owned(),
                )
            })
            .collect();
        Ok(Self {
            env: serving(sources.clone())?,
            sources,
            traced: OnceLock::new(),
        })
    }

    /// Renders the `main.typ` of a document in `form`, from its view.
    pub fn render(
        &self,
        form: &str,
        view: &serde_json::Value,
        page: &Page,
    ) -> Result<String, RenderError> {
        render_in(&self.env, form, view, page)
    }

    /// The document rendered again with the template lines that wrote each
    /// part of it (see [`trace`]), for placing an error Typst finds in it;
    /// none when the templates cannot be marked or fail.
    pub fn trace(&self, form: &str, view: &serde_json::Value, page: &Page) -> Option<Trace> {
        let (env, places) = self
            .traced
            .get_or_init(|| {
                let (marked, places) = trace::mark(&self.sources);
                Some((serving(marked).ok()?, Arc::new(places)))
            })
            .as_ref()?;
        let marked = render_in(env, form, view, page).ok()?;
        Some(trace::strip(&marked, places.clone()))
    }

    /// Renders the form's samples (see [`crate::contract::samples`]): a
    /// template that fails on a document its contract allows fails here,
    /// before any real document takes the branch that breaks.
    fn verify(&self, contract: &Contract, forms: &Forms) -> Result<(), RenderError> {
        let page = Page {
            date: "2023-01-01".to_owned(),
            index: "index.html".to_owned(),
            pdf: "document.pdf".to_owned(),
        };
        for sample in samples(contract) {
            let path = Path::new(&sample.name);
            // A sample its contract refuses is `check`'s finding
            // (`form-unproved`), where the form is proved.
            let Ok(parsed) = crate::load::parse(path, &sample.yaml, forms) else {
                continue;
            };
            let view = view(&parsed.document, &parsed.extras, Some(contract));
            self.render(&contract.name, &view, &page).map_err(|mut e| {
                e.message = format!(
                    "{} (the template of the form {} fails on a document its contract allows, the sample with {}: does it read a field form.yaml does not declare, or one that may be empty?)",
                    e.message, Quote(&contract.name), sample.name
                );
                e
            })?;
        }
        Ok(())
    }
}

/// A document in `form`, rendered in `env`.
fn render_in(
    env: &Environment<'static>,
    form: &str,
    view: &serde_json::Value,
    page: &Page,
) -> Result<String, RenderError> {
    let name = TemplateStore::form_entry(form);
    let template = env.get_template(&name).map_err(|e| located(&name, &e))?;
    let context = minijinja::context! {
        doc => Value::from(Serde(view)),
        page => Value::from(Serde(page)),
    };
    template.render(context).map_err(|e| located(&name, &e))
}

fn located(template: &str, error: &Error) -> RenderError {
    let mut message = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        message.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    RenderError {
        template: error.name().unwrap_or(template).to_owned(),
        line: error.line().unwrap_or(0) as u32,
        message: foreign(&message).into_owned(),
    }
}

/// Prints text as a Typst string literal and a whole number as a Typst
/// integer; anything else is an error, so a list or a float cannot slip into
/// a document. Macro output, made of template text and printed values, is
/// written as it is.
fn typst_formatter(out: &mut minijinja::Output, _: &mut State, value: &Value) -> Result<(), Error> {
    let literal = match value.kind() {
        // Only template text is safe: a macro's output, whose values were
        // printed through this formatter. No filter marks data as safe.
        ValueKind::String if value.is_safe() => value.as_str().unwrap_or_default().to_owned(),
        ValueKind::String => typst_string(value.as_str().unwrap_or_default()),
        ValueKind::Number if value.is_integer() => format!("({value})"),
        kind => {
            return Err(Error::new(
                ErrorKind::InvalidOperation,
                format!("a template can print only text and whole numbers, not a {kind}"),
            ));
        }
    };
    out.write_str(&literal).map_err(Error::from)
}

/// A Typst string literal for `text`.
pub fn typst_string(text: &str) -> String {
    let mut literal = String::with_capacity(text.len() + 2);
    literal.push('"');
    for c in text.chars() {
        match c {
            '\\' => literal.push_str("\\\\"),
            '"' => literal.push_str("\\\""),
            '\n' => literal.push_str("\\n"),
            '\r' => literal.push_str("\\r"),
            '\t' => literal.push_str("\\t"),
            c if c.is_control() => literal.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => literal.push(c),
        }
    }
    literal.push('"');
    literal
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every built-in form's samples, rendered and traced: the marks change
    /// nothing once taken out, and each line the trace names wrote the
    /// text it is asked about.
    #[test]
    fn a_traced_rendering_is_the_rendering_and_names_the_lines_that_wrote_it() {
        let store = TemplateStore::built_in();
        let forms = crate::contract::load_forms(&store).unwrap();
        let renderer = Renderer::new(&store, &forms).unwrap();
        let page = Page {
            date: "2023-01-01".to_owned(),
            index: "index.html".to_owned(),
            pdf: "d.pdf".to_owned(),
        };
        let mut placed = 0;
        for contract in forms.contracts.values() {
            for sample in samples(contract) {
                let parsed = crate::load::parse(Path::new("s.yaml"), &sample.yaml, &forms).unwrap();
                let view = view(&parsed.document, &parsed.extras, Some(contract));
                let main = renderer.render(&contract.name, &view, &page).unwrap();
                let trace = renderer.trace(&contract.name, &view, &page).unwrap();
                assert_eq!(trace.text, main, "{} {}", contract.name, sample.name);
                for (n, line) in main.lines().enumerate() {
                    let Some(at) = line.find("row-label") else {
                        continue;
                    };
                    let column = line[..at].chars().count() as u32 + 1;
                    let (file, number) = trace.place(n as u32 + 1, column).unwrap();
                    let source = &renderer.sources[file];
                    let written = source.lines().nth(number as usize - 1).unwrap();
                    assert!(written.contains("row-label"), "{file}:{number}: {written}");
                    placed += 1;
                }
            }
        }
        assert!(placed >= 50, "{placed}");
    }

    #[test]
    fn string_literals_escape_what_typst_would_read() {
        assert_eq!(typst_string(r#"a"b\c"#), r#""a\"b\\c""#);
        assert_eq!(typst_string("x\ny\u{1}"), r#""x\ny\u{1}""#);
        assert_eq!(typst_string("#[$]{{x}}"), "\"#[$]{{x}}\"");
    }

    #[test]
    fn titles_are_cut_between_words_only() {
        let cut =
            words("无锡市人民代表大会常务委员会办公室（本级）2022年部门单位整体支出预算绩效目标表");
        assert_eq!(
            cut.concat(),
            "无锡市人民代表大会常务委员会办公室（本级）2022年部门单位整体支出预算绩效目标表"
        );
        assert!(cut.iter().any(|w| w.contains("办公室")), "{cut:?}");
        assert!(cut.iter().any(|w| w.contains("委员会")), "{cut:?}");
        assert!(cut.iter().any(|w| w.contains("（本级）")), "{cut:?}");
        assert!(cut.iter().any(|w| w.contains("2022年")), "{cut:?}");
        assert!(
            !cut.iter().any(|w| w.ends_with("目") || w.ends_with("办公")),
            "{cut:?}"
        );
        let spaced = words("2022 年东莞市人民代表大会常务委员会 办公室部门");
        assert!(spaced.iter().any(|w| w.ends_with("委员会 ")), "{spaced:?}");
        // 部门单位 is one term, which the dictionary cuts as 部门|单位.
        assert!(cut.iter().any(|w| w.contains("部门单位")), "{cut:?}");
    }

    #[test]
    fn a_group_breaks_between_rows_or_between_its_long_labelled_groups() {
        // 二级 labels of one line: every row is a unit.
        assert_eq!(
            unit_starts("产出指标", &[("数量指标", 3), ("质量指标", 2)], true),
            [0, 1, 2, 3, 4]
        );
        // A merged label of two lines keeps its group whole; unmerged, it
        // is on every row.
        let two_lines = [("数量指标", 2), ("服务对象满意度指标", 3), ("成本指标", 1)];
        assert_eq!(unit_starts("产出指标", &two_lines, true), [0, 1, 2, 5]);
        assert_eq!(
            unit_starts("产出指标", &two_lines, false),
            [0, 1, 2, 3, 4, 5]
        );
        // A long group of a two-line label in parts of at most six rows.
        assert_eq!(
            unit_starts("效益指标", &[("可持续影响指标", 14)], true),
            [0, 4, 9]
        );
        // A 一级 label of two lines: units of two rows at least, the last
        // one joined to the one before when shorter.
        assert_eq!(
            unit_starts("可持续发展影响指标", &[("数量", 5)], false),
            [0, 2]
        );
        assert_eq!(
            unit_starts("产出指标", &[("数量", 0)], true),
            [] as [usize; 0]
        );
    }

    #[test]
    fn the_units_filter_reads_a_group_of_the_view() {
        let group = serde_json::json!({
            "name": "产出指标",
            "groups": [{"name": "数量指标", "items": [{}, {}]}, {"name": "质量指标", "items": [{}]}],
        });
        let ctx = minijinja::context! { g => Value::from(Serde(group)) };
        assert_eq!(
            render_source("{% for u in g | units(true) %}{{ u }},{% endfor %}", ctx).unwrap(),
            "(0),(1),(2),"
        );
    }

    #[test]
    fn a_template_that_reads_an_undeclared_field_fails_when_its_form_is_loaded() {
        let dir = std::env::temp_dir().join(format!("jixiao-probe-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("forms/t")).unwrap();
        std::fs::write(
            dir.join("forms/t/form.yaml"),
            "prints: {preamble: optional}\n",
        )
        .unwrap();
        std::fs::write(
            dir.join("forms/t/main.typ.j2"),
            "#{{ doc.title }};\n{% for p in doc.projects %}{% endfor %}\n",
        )
        .unwrap();
        let store = TemplateStore::load(Some(&dir)).unwrap();
        let forms = crate::contract::load_forms(&store).unwrap();
        let error = Renderer::new(&store, &forms).err().unwrap();
        assert_eq!(
            (error.template.as_str(), error.line),
            ("forms/t/main.typ.j2", 2)
        );
        std::fs::write(
            dir.join("forms/t/form.yaml"),
            "prints: {projects: optional}\n",
        )
        .unwrap();
        let store = TemplateStore::load(Some(&dir)).unwrap();
        let forms = crate::contract::load_forms(&store).unwrap();
        assert!(Renderer::new(&store, &forms).is_ok());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    fn render_source(source: &str, ctx: Value) -> Result<String, Error> {
        environment()?.render_str(source, ctx)
    }

    #[test]
    fn every_value_is_printed_as_a_literal() {
        let ctx = minijinja::context! { s => "#set page(width: 1pt)", n => 2022 };
        assert_eq!(
            render_source("#{{ s }}; {{ n }}", ctx).unwrap(),
            "#\"#set page(width: 1pt)\"; (2022)"
        );
    }

    #[test]
    fn macro_output_is_template_text_with_printed_values() {
        let source = "{% macro cell(v) %}cell({{ v }}){% endmacro %}{{ cell(s) }}";
        let ctx = minijinja::context! { s => "\")#x" };
        assert_eq!(render_source(source, ctx).unwrap(), r#"cell("\")#x")"#);
    }

    #[test]
    fn autoescape_false_does_not_let_data_through() {
        let source = "{% autoescape false %}{{ s }}{% endautoescape %}";
        let ctx = minijinja::context! { s => "#set page(width: 1pt)" };
        assert_eq!(
            render_source(source, ctx).unwrap(),
            "\"#set page(width: 1pt)\""
        );
    }

    #[test]
    fn lists_floats_undefined_and_safe_are_refused() {
        assert!(render_source("{{ xs }}", minijinja::context! { xs => vec![1] }).is_err());
        assert!(render_source("{{ f }}", minijinja::context! { f => 1.5 }).is_err());
        assert!(render_source("{{ nope }}", minijinja::context! {}).is_err());
        assert!(render_source("{{ s|safe }}", minijinja::context! { s => "x" }).is_err());
        assert!(render_source("{{ s|escape }}", minijinja::context! { s => "x" }).is_err());
    }
}
