//! Text that prints as nothing, or not as it reads: a title, department or
//! project name that is empty or only blank or invisible characters, and
//! control, zero-width or direction-changing characters anywhere. Each
//! would publish a blank header, break the typesetting, or show a reader
//! something other than what the data file's reviewer saw.

use super::catalogue::{BLANK_TEXT, INVISIBLE_CHARACTER};
use super::{DEPARTMENT, Findings, texts};
use crate::model::{Document, Text};

pub(super) fn check(document: &Document, findings: &mut Findings) {
    let mut required: Vec<(&Text, &str, &str)> = vec![
        (&document.title, "标题（title）", DEPARTMENT),
        (&document.department, "部门名称（department）", DEPARTMENT),
    ];
    required.extend(
        document
            .projects
            .iter()
            .map(|p| (&p.name, "项目名称（name）", p.name.value.as_str())),
    );
    for (text, what, scope) in &required {
        if is_blank(&text.value) {
            findings
                .add(BLANK_TEXT, text.loc, format!("{what}是空的"))
                .hint("write the text as the approved document has it")
                .about(text.value.as_str())
                .about(*scope);
        }
    }
    for (text, loc, scope) in texts(document) {
        if is_blank(text) {
            continue;
        }
        if let Some(c) = text.chars().find(|&c| is_invisible(c)) {
            findings
                .add(
                    INVISIBLE_CHARACTER,
                    loc,
                    format!(
                        "“{}”中有不可见的字符 U+{:04X}",
                        made_visible(text),
                        c as u32
                    ),
                )
                .hint("delete it: it prints as nothing or changes the order of what follows; retype the text if unsure where it is")
                .about(text)
                .about(scope);
        }
    }
}

/// The text with each invisible character shown as its code, so that the
/// message itself is not reordered or cut by it.
fn made_visible(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            c if is_invisible(c) => format!("⟨U+{:04X}⟩", c as u32),
            c => c.to_string(),
        })
        .collect()
}

/// Empty, or only white space and invisible characters.
fn is_blank(text: &str) -> bool {
    text.chars().all(|c| c.is_whitespace() || is_invisible(c))
}

/// Control characters (line breaks and tabs excepted), zero-width
/// characters, and the marks that change the direction of text.
fn is_invisible(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{2069}' | '\u{feff}' | '\u{00ad}')
}

#[cfg(test)]
mod tests {
    use crate::check::testing::*;

    fn titled(title: &str) -> Vec<String> {
        let q = serde_json::to_string(title).unwrap();
        codes(&with_rows(GOOD_ROWS).replace("title: t", &format!("title: {q}")))
    }

    #[test]
    fn a_blank_title_department_or_project_is_an_error() {
        for blank in ["", " ", "\u{3000}", "\u{200b}", "\t\n"] {
            assert_eq!(titled(blank), ["blank-text"], "{blank:?}");
        }
        let yaml = with_rows(GOOD_ROWS).replace("department: d", "department: \"\\u200b\"");
        assert_eq!(codes(&yaml), ["blank-text"]);
        let yaml = with_rows(GOOD_ROWS).replace("name: 项目甲", "name: ' '");
        assert_eq!(codes(&yaml), ["blank-text"]);
    }

    #[test]
    fn control_zero_width_and_direction_characters_are_errors() {
        for text in ["标\u{7}题", "标\u{202e}题", "标\u{200b}题", "标题\u{feff}"] {
            assert_eq!(titled(text), ["invisible-character"], "{text:?}");
        }
        let report = report(&with_rows(GOOD_ROWS).replace("title: t", "title: \"a\\u202eb\""));
        assert_eq!(report.diagnostics[0].loc.line, 3);
        assert!(report.diagnostics[0].message.contains("a⟨U+202E⟩b"));
    }

    #[test]
    fn ordinary_text_with_line_breaks_and_tabs_passes() {
        assert!(titled("2022年度\n部门预算\t绩效目标").is_empty());
        assert!(titled("（本级）").is_empty());
    }
}
