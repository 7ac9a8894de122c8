//! Text that prints as nothing, or not as it reads: a title, department or
//! project name that is empty or only blank or invisible characters, and
//! control, zero-width or direction-changing characters anywhere, a form's
//! own fields included. Each would publish a blank header, break the
//! typesetting, or show a reader something other than what the data file's
//! reviewer saw. What is invisible is Unicode's to say (the properties
//! Default_Ignorable_Code_Point and Bidi_Control), not a list of ours.

use super::Mark;
use super::{DEPARTMENT, Findings, texts};
use crate::codes::{BLANK_TEXT, INVISIBLE_CHARACTER};
use crate::diag::Quote;
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
        if let Some(c) = first_invisible(text) {
            findings
                .add(
                    INVISIBLE_CHARACTER,
                    loc,
                    format!(
                        "{}中有不可见的字符 U+{:04X}",
                        Quote(&made_visible(text)),
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
    let mut shown = String::with_capacity(text.len());
    let mut before = None;
    for c in text.chars() {
        if is_invisible(c, before) {
            shown.push_str(&format!("⟨U+{:04X}⟩", c as u32));
        } else {
            shown.push(c);
        }
        before = Some(c);
    }
    shown
}

/// The first character of `text` that prints as nothing or changes what
/// follows, if any: what makes a text, or a file name, not read as it is.
pub fn first_invisible(text: &str) -> Option<char> {
    let mut before = None;
    text.chars().find(|&c| {
        let found = is_invisible(c, before);
        before = Some(c);
        found
    })
}

/// A character a page shows no mark for, so that no font need have it:
/// white space, control, default-ignorable and direction characters.
pub fn draws_nothing(c: char) -> bool {
    use icu_properties::CodePointSetData;
    use icu_properties::props::{BidiControl, DefaultIgnorableCodePoint};
    c.is_whitespace()
        || c.is_control()
        || CodePointSetData::new::<DefaultIgnorableCodePoint>().contains(c)
        || CodePointSetData::new::<BidiControl>().contains(c)
}

/// Empty, or only white space and invisible characters.
fn is_blank(text: &str) -> bool {
    text.chars()
        .all(|c| c.is_whitespace() || is_invisible(c, None) || is_variation_selector(c))
}

/// Control characters (line breaks and tabs excepted), and what Unicode
/// calls default-ignorable or bidirectional control: zero-width and
/// direction marks, the Hangul fillers, tag characters, U+061C. A
/// variation selector after a character it can vary (an ideographic
/// variation sequence in a name) is part of that character, not invisible.
fn is_invisible(c: char, before: Option<char>) -> bool {
    use icu_properties::CodePointSetData;
    use icu_properties::props::{BidiControl, DefaultIgnorableCodePoint};
    if c == '\n' || c == '\t' {
        return false;
    }
    if is_variation_selector(c) {
        return before.is_none_or(|b| b.is_whitespace() || is_invisible(b, None));
    }
    c.is_control()
        || is_blank_looking(c)
        || CodePointSetData::new::<DefaultIgnorableCodePoint>().contains(c)
        || CodePointSetData::new::<BidiControl>().contains(c)
}

/// Characters that print as a blank or as nothing a reader can name: the
/// braille blank, private-use characters (no official font has them) and
/// the noncharacters.
fn is_blank_looking(c: char) -> bool {
    let code = c as u32;
    c == '\u{2800}'
        || matches!(c, '\u{e000}'..='\u{f8ff}' | '\u{f0000}'..='\u{10ffff}')
        || (0xfdd0..=0xfdef).contains(&code)
        || code & 0xfffe == 0xfffe
}

fn is_variation_selector(c: char) -> bool {
    matches!(c, '\u{fe00}'..='\u{fe0f}' | '\u{e0100}'..='\u{e01ef}' | '\u{180b}'..='\u{180d}' | '\u{180f}')
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
    fn what_unicode_calls_ignorable_is_invisible_and_alone_is_blank() {
        for filler in [
            "\u{3164}",
            "\u{115f}",
            "\u{ffa0}",
            "\u{3164}\u{3164}",
            "\u{2800}\u{2800}",
        ] {
            assert_eq!(titled(filler), ["blank-text"], "{filler:?}");
        }
        for text in [
            "标\u{061c}题",
            "标\u{e0041}\u{e0042}题",
            "标\u{3164}题",
            "标\u{034f}题",
        ] {
            assert_eq!(titled(text), ["invisible-character"], "{text:?}");
        }
        assert!(
            titled("葛\u{e0100}洪").is_empty(),
            "a variation sequence is a character"
        );
        assert_eq!(titled("标 \u{fe00}题"), ["invisible-character"]);
    }

    #[test]
    fn every_text_the_contract_walks_is_held_to_the_rules() {
        let yaml = with_rows(GOOD_ROWS).replacen(
            "  - name: 项目甲\n",
            "  - name: 项目甲\n    supervisor: \"张\\u200b某\"\n",
            1,
        );
        let found = report(&yaml).diagnostics;
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].code, "invisible-character");
        assert_eq!((found[0].loc.line, found[0].loc.column), (7, 17));
        assert!(found[0].subjects.iter().any(|a| a == "项目甲"), "{found:?}");
    }

    #[test]
    fn ordinary_text_with_line_breaks_and_tabs_passes() {
        assert!(titled("2022年度\n部门预算\t绩效目标").is_empty());
        assert!(titled("（本级）").is_empty());
    }
}
