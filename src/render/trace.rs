//! Which template line wrote each part of a generated `main.typ`: asked
//! only when Typst reports an error there.
//!
//! The templates are rendered once more with a mark at the start of each
//! line that may write text: a noncharacter, the mark's number, another
//! noncharacter. Taking the marks out gives the text back, and where each
//! stood. The marks stay out of whitespace the template's `-` trims and
//! `lstrip_blocks` would remove, and the caller compares the text without
//! them to the document Typst read: when a template's own filters saw the
//! marks and wrote something else, there is no place to give, rather than
//! a wrong one.

use std::collections::BTreeMap;

const OPEN: char = '\u{FDD0}';
const CLOSE: char = '\u{FDD1}';

/// A template's file and line, by mark number.
pub type Places = Vec<(String, u32)>;

/// A rendering with its marks taken out.
pub struct Trace {
    /// The text without marks: the document, when the marks changed nothing.
    pub text: String,
    /// Each mark's byte offset in `text` and its place's index, in order.
    marks: Vec<(usize, usize)>,
    places: std::sync::Arc<Places>,
}

impl Trace {
    /// The template file and line that wrote the text at `line` and
    /// `column` (both from 1; column 0 for the line's start).
    pub fn place(&self, line: u32, column: u32) -> Option<(&str, u32)> {
        let start = self
            .text
            .split_inclusive('\n')
            .take(line.checked_sub(1)? as usize)
            .map(str::len)
            .sum::<usize>();
        let rest = &self.text[start..];
        let within = rest
            .char_indices()
            .nth(column.saturating_sub(1) as usize)
            .map_or(rest.len(), |(i, _)| i);
        let at = start + within;
        let index = self.marks.partition_point(|&(offset, _)| offset <= at);
        let (_, place) = self.marks.get(index.checked_sub(1)?)?;
        let (file, line) = self.places.get(*place)?;
        Some((file, *line))
    }
}

/// The sources with the start of each line that may write text marked,
/// and the places the marks stand for.
pub fn mark(sources: &BTreeMap<String, String>) -> (BTreeMap<String, String>, Places) {
    let mut places = Vec::new();
    let marked = sources
        .iter()
        .map(|(name, source)| (name.clone(), mark_lines(name, source, &mut places)))
        .collect();
    (marked, places)
}

/// One template with its lines marked. A line is left unmarked when a tag
/// is open at its start, when it starts with a block tag or a comment
/// (`lstrip_blocks` strips the whitespace before them), with `{{-`, when
/// the tag ending a line before it trims what follows (`-%}`), or when it
/// is blank (it writes nothing, and a trim may run over it).
fn mark_lines(name: &str, source: &str, places: &mut Places) -> String {
    let mut out = String::with_capacity(source.len() + source.len() / 4);
    let mut open = None;
    let mut trimmed = false;
    for (index, line) in source.split_inclusive('\n').enumerate() {
        let head = line.trim_start();
        let blank = head.is_empty();
        let tag = ["{%", "{#", "{{-"].iter().any(|t| head.starts_with(t));
        if open.is_none() && !trimmed && !blank && !tag {
            out.push(OPEN);
            out.push_str(&places.len().to_string());
            out.push(CLOSE);
            places.push((name.to_owned(), index as u32 + 1));
        }
        out.push_str(line);
        open = open_after(line, open);
        if !blank {
            let end = line.trim_end();
            trimmed = open.is_none() && ["-%}", "-}}", "-#}"].iter().any(|t| end.ends_with(t));
        }
    }
    out
}

/// The closing of the tag open at the end of `line`, given the one open at
/// its start.
fn open_after(line: &str, mut open: Option<&'static str>) -> Option<&'static str> {
    let mut rest = line;
    loop {
        match open {
            Some(close) => match rest.find(close) {
                Some(at) => {
                    rest = &rest[at + close.len()..];
                    open = None;
                }
                None => return open,
            },
            None => {
                let at = rest.find('{')?;
                open = match rest[at + 1..].chars().next() {
                    Some('{') => Some("}}"),
                    Some('%') => Some("%}"),
                    Some('#') => Some("#}"),
                    _ => None,
                };
                rest = &rest[at + if open.is_some() { 2 } else { 1 }..];
            }
        }
    }
}

/// A marked rendering with its marks taken out. Text that only looks like
/// a mark (a noncharacter without a number after it) is kept.
pub fn strip(marked: &str, places: std::sync::Arc<Places>) -> Trace {
    let mut text = String::with_capacity(marked.len());
    let mut marks = Vec::new();
    let mut rest = marked;
    while let Some(at) = rest.find(OPEN) {
        text.push_str(&rest[..at]);
        let after = &rest[at + OPEN.len_utf8()..];
        let number = after
            .find(CLOSE)
            .and_then(|end| Some((after[..end].parse::<usize>().ok()?, end)));
        match number {
            Some((place, end)) => {
                marks.push((text.len(), place));
                rest = &after[end + CLOSE.len_utf8()..];
            }
            None => {
                text.push(OPEN);
                rest = after;
            }
        }
    }
    text.push_str(rest);
    Trace {
        text,
        marks,
        places,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn traced(source: &str) -> Trace {
        let sources = BTreeMap::from([("t.j2".to_owned(), source.to_owned())]);
        let (marked, places) = mark(&sources);
        strip(&marked["t.j2"], std::sync::Arc::new(places))
    }

    #[test]
    fn marks_come_out_and_say_which_line_wrote_what() {
        let trace = traced("#let a = 1\n{% if x %}\n  #b(\n{{ y }}, c)\n");
        assert_eq!(trace.text, "#let a = 1\n{% if x %}\n  #b(\n{{ y }}, c)\n");
        assert_eq!(trace.place(1, 3), Some(("t.j2", 1)));
        assert_eq!(trace.place(3, 4), Some(("t.j2", 3)));
        assert_eq!(trace.place(4, 8), Some(("t.j2", 4)));
        assert_eq!(
            trace.place(2, 1),
            Some(("t.j2", 1)),
            "a block tag's line writes nothing"
        );
    }

    #[test]
    fn lines_a_trim_or_an_open_tag_reaches_are_not_marked() {
        let source = "a -%}\n\n  b\n{{ x\n  }} c\n{%- if y %}\n";
        let sources = BTreeMap::from([("t.j2".to_owned(), source.to_owned())]);
        let (marked, places) = mark(&sources);
        let lines: Vec<u32> = places.iter().map(|(_, line)| *line).collect();
        assert_eq!(lines, [1, 4]);
        assert!(marked["t.j2"].contains("\n\n  b\n"));
    }

    #[test]
    fn a_noncharacter_in_the_text_is_kept() {
        let trace = strip("a\u{FDD0}b\u{FDD0}7\u{FDD1}c", std::sync::Arc::new(vec![]));
        assert_eq!(trace.text, "a\u{FDD0}bc");
        assert_eq!(trace.place(1, 1), None);
    }
}
