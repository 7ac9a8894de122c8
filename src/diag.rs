//! Findings about a document: what is wrong, where, and how to fix it.
//!
//! Every stage reports through the same type, from the loader to Typst, and
//! the build's stamps keep it as it is: `jixiao check --format json`, SARIF,
//! the terminal and a replayed up-to-date document all show the same finding.

use std::borrow::Cow;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::codes::Rule;
pub use crate::codes::Severity;
use crate::model::Loc;

/// One finding, located in a file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnostic {
    pub file: PathBuf,
    pub loc: Loc,
    pub severity: Severity,
    /// A stable code, e.g. `yaml-syntax`, that tools and waivers can match on.
    pub code: Cow<'static, str>,
    pub message: String,
    /// How to fix it, where that can be said.
    pub hint: Option<String>,
    /// Why the data file publishes the document anyway, when it waives the finding.
    pub waiver: Option<String>,
    /// What a waiver's `where` may name to acknowledge it: the offending
    /// value or name, and the table it is in. Waivers are applied before a
    /// finding is kept, so a stamp need not remember them.
    #[serde(skip)]
    pub subjects: Vec<String>,
}

impl Diagnostic {
    /// A finding of `rule`, at its severity. The message quotes values
    /// through [`Quote`] and [`Code`], and another program's words through
    /// [`foreign`], so that no value drowns it.
    pub fn new(rule: &'static Rule, file: &Path, loc: Loc, message: impl Into<String>) -> Self {
        Self {
            file: file.to_owned(),
            loc,
            severity: rule.severity,
            code: Cow::Borrowed(rule.code),
            message: message.into(),
            hint: None,
            waiver: None,
            subjects: Vec::new(),
        }
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// The same finding, also about `subject` (see [`Diagnostic::subjects`]).
    pub fn about(mut self, subject: impl Into<String>) -> Self {
        self.subjects.push(subject.into());
        self
    }

    /// An error the data file has not waived: it stops the document.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error && self.waiver.is_none()
    }

    pub fn is_waived(&self) -> bool {
        self.waiver.is_some()
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if self.loc.line > 0 {
            write!(f, ":{}", self.loc)?;
        }
        write!(f, ": {}[{}]: {}", self.severity, self.code, self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, "\n  hint: {hint}")?;
        }
        Ok(())
    }
}

/// The longest value a message quotes whole; longer ones are cut with “…”.
const QUOTE_CHARS: usize = 40;

/// A value as a message quotes it: whole when short, its start and “…” when
/// long, so that a 10,000-character value does not drown the message.
pub fn excerpt(text: &str) -> Cow<'_, str> {
    cut(text, QUOTE_CHARS)
}

/// `text`'s first `chars` characters and “…”, or `text` when no longer.
fn cut(text: &str, chars: usize) -> Cow<'_, str> {
    match text.char_indices().nth(chars) {
        None => Cow::Borrowed(text),
        Some((end, _)) => Cow::Owned(format!("{}…", &text[..end])),
    }
}

/// A value a message quotes, as “…”: a data file's text, a name, a
/// character. Any of them may be a 10,000-character paragraph; the message
/// shows its [`excerpt`].
pub struct Quote<T>(pub T);

impl<T: fmt::Display> fmt::Display for Quote<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "“{}”", excerpt(&self.0.to_string()))
    }
}

/// A key, path or code a message quotes as `…` (a data file's key is as
/// long as its writer made it): its [`excerpt`].
pub struct Code<T>(pub T);

impl<T: fmt::Display> fmt::Display for Code<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}`", excerpt(&self.0.to_string()))
    }
}

/// The longest message of another program (Typst, the template engine,
/// the YAML parser) a finding shows whole.
const FOREIGN_CHARS: usize = 300;

/// How much of a longer one's end is kept: what such a message quotes sits
/// in its middle (`invalid type: string "…", expected a sequence`), and
/// what it expects at its end.
const FOREIGN_TAIL: usize = 100;

/// Another program's message, for a finding: one longer than
/// [`FOREIGN_CHARS`] keeps its start and its last [`FOREIGN_TAIL`]
/// characters around “…”, since it may quote a value of any length and its
/// words are not jixiao's to take apart.
pub fn foreign(message: &str) -> Cow<'_, str> {
    let length = message.chars().count();
    if length <= FOREIGN_CHARS {
        return Cow::Borrowed(message);
    }
    let head = FOREIGN_CHARS - FOREIGN_TAIL;
    let tail = message
        .char_indices()
        .nth(length - FOREIGN_TAIL)
        .map_or(message.len(), |(at, _)| at);
    Cow::Owned(format!("{}{}", cut(message, head), &message[tail..]))
}

/// The machine-readable shape of a finding: `{file, line, column, severity, code, message}`.
#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    file: String,
    line: u32,
    column: u32,
    severity: Severity,
    code: &'a str,
    message: String,
}

/// Renders findings as one JSON array; a hint is appended to its message.
/// Waived findings are left out: they do not need attention.
pub fn to_json(diagnostics: &[Diagnostic]) -> String {
    let rows: Vec<JsonDiagnostic> = diagnostics
        .iter()
        .filter(|d| !d.is_waived())
        .map(|d| JsonDiagnostic {
            file: d.file.display().to_string(),
            line: d.loc.line,
            column: d.loc.column,
            severity: d.severity,
            code: &d.code,
            message: match &d.hint {
                Some(hint) => format!("{} (hint: {hint})", d.message),
                None => d.message.clone(),
            },
        })
        .collect();
    serde_json::to_string_pretty(&rows).unwrap_or_else(|_| "[]".to_owned())
}

/// What SARIF says of a rule.
pub struct RuleInfo {
    pub code: &'static str,
    pub summary: &'static str,
    pub severity: Severity,
}

/// Renders findings as SARIF 2.1.0, the format GitHub and GitLab code review
/// read to show findings on the lines of a pull request. Waived findings are
/// included as suppressed, with their reason.
pub fn to_sarif(diagnostics: &[Diagnostic], rules: &[RuleInfo], version: &str) -> String {
    let level = |s: Severity| match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    let rules: Vec<serde_json::Value> = rules
        .iter()
        .map(|r| {
            serde_json::json!({
                "id": r.code,
                "shortDescription": { "text": r.summary },
                "defaultConfiguration": { "level": level(r.severity) },
            })
        })
        .collect();
    let results: Vec<serde_json::Value> = diagnostics
        .iter()
        .map(|d| {
            let text = match &d.hint {
                Some(hint) => format!("{} (hint: {hint})", d.message),
                None => d.message.clone(),
            };
            let mut location = serde_json::json!({ "artifactLocation": { "uri": uri(&d.file) } });
            if d.loc.line > 0 {
                location["region"] = serde_json::json!({ "startLine": d.loc.line, "startColumn": d.loc.column.max(1) });
            }
            let mut result = serde_json::json!({
                "ruleId": d.code,
                "level": level(d.severity),
                "message": { "text": text },
                "locations": [{ "physicalLocation": location }],
            });
            if let Some(why) = &d.waiver {
                result["suppressions"] = serde_json::json!([{ "kind": "inSource", "justification": why }]);
            }
            result
        })
        .collect();
    let sarif = serde_json::json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "jixiao",
                "version": version,
                "rules": rules,
            }},
            "results": results,
        }],
    });
    serde_json::to_string_pretty(&sarif).unwrap_or_default()
}

/// A file as a SARIF URI: relative to the working folder, with `/`.
fn uri(path: &Path) -> String {
    let relative = std::env::current_dir()
        .ok()
        .and_then(|here| path.strip_prefix(here).ok().map(Path::to_path_buf))
        .unwrap_or_else(|| path.to_owned());
    crate::templates::slash_path(&relative)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codes::{BLANK_TEXT, BUDGET_SUM, LIMIT, MISSING_UNIT, YAML_SYNTAX};

    #[test]
    fn json_has_the_documented_shape() {
        let d = Diagnostic::new(YAML_SYNTAX, Path::new("data/a.yaml"), Loc::new(3, 7), "bad")
            .with_hint("fix it");
        let json: serde_json::Value = serde_json::from_str(&to_json(&[d])).unwrap();
        let row = &json[0];
        let mut keys: Vec<_> = row.as_object().unwrap().keys().cloned().collect();
        keys.sort();
        assert_eq!(
            keys,
            ["code", "column", "file", "line", "message", "severity"]
        );
        assert_eq!(row["line"], 3);
        assert_eq!(row["column"], 7);
        assert_eq!(row["severity"], "error");
        assert_eq!(row["message"], "bad (hint: fix it)");
    }

    #[test]
    fn display_names_file_line_and_column() {
        let d = Diagnostic::new(MISSING_UNIT, Path::new("x.yaml"), Loc::new(1, 2), "m");
        assert_eq!(d.to_string(), "x.yaml:1:2: warning[missing-unit]: m");
    }

    #[test]
    fn a_finding_about_a_whole_file_names_only_the_file() {
        let d = Diagnostic::new(LIMIT, Path::new("x.yaml"), Loc::default(), "m");
        assert_eq!(d.to_string(), "x.yaml: error[limit]: m");
    }

    #[test]
    fn a_waived_error_does_not_stop_the_document() {
        let mut d = Diagnostic::new(BLANK_TEXT, Path::new("x.yaml"), Loc::new(1, 2), "m");
        assert!(d.is_error());
        d.waiver = Some("原文如此".to_owned());
        assert!(!d.is_error() && d.is_waived());
        assert_eq!(to_json(&[d]), "[]");
    }

    #[test]
    fn long_values_are_quoted_by_their_start() {
        assert_eq!(excerpt("短"), "短");
        let long = "长".repeat(10_000);
        let quoted = excerpt(&long);
        assert_eq!(quoted.chars().count(), QUOTE_CHARS + 1);
        assert!(quoted.ends_with('…'));
    }

    #[test]
    fn every_quoted_value_of_a_message_is_shortened() {
        let long = "长".repeat(10_000);
        let message = format!(
            "{}不是{}; {} and {}",
            Quote(&long),
            Quote("短"),
            Code(&long),
            Quote('x')
        );
        assert!(message.chars().count() < 200, "{message}");
        assert!(message.contains("…”不是“短”; `长"), "{message}");
        assert!(message.ends_with("…` and “x”"), "{message}");
    }

    #[test]
    fn another_program_s_long_message_keeps_its_start_and_its_end() {
        let long = format!(
            "invalid type: string \"{}\", expected a sequence",
            "长".repeat(10_000)
        );
        let cut = foreign(&long);
        assert_eq!(cut.chars().count(), FOREIGN_CHARS + 1);
        assert!(cut.starts_with("invalid type: string \"长"), "{cut}");
        assert!(cut.ends_with("长长\", expected a sequence"), "{cut}");
        assert_eq!(cut.matches('…').count(), 1, "{cut}");
        let exact = "长".repeat(FOREIGN_CHARS);
        assert_eq!(foreign(&exact), exact);
        assert_eq!(foreign("unknown variable: x"), "unknown variable: x");
    }

    /// Messages quote values through [`Quote`] and [`Code`], never by
    /// hand: a value quoted by hand is shown whole, however long, and the
    /// only way to shorten it again would be to read the message's words.
    #[test]
    fn no_message_quotes_a_value_by_hand() {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut found = Vec::new();
        for entry in walkdir::WalkDir::new(&src)
            .into_iter()
            .filter_map(Result::ok)
        {
            let path = entry.path();
            if path.extension().is_none_or(|e| e != "rs") || path.ends_with("diag.rs") {
                continue;
            }
            let text = std::fs::read_to_string(path).unwrap();
            for (n, line) in text.lines().enumerate() {
                if quotes_by_hand(line) {
                    found.push(format!("{}:{}: {}", path.display(), n + 1, line.trim()));
                }
            }
        }
        assert!(
            found.is_empty(),
            "quote through diag::Quote or diag::Code:\n{}",
            found.join("\n")
        );
    }

    /// Whether a line puts a format argument between quotation marks.
    fn quotes_by_hand(line: &str) -> bool {
        line.contains("“{")
            || line.contains("}”")
            || line.split('`').skip(1).step_by(2).any(has_placeholder)
    }

    /// Whether `text` holds a format placeholder: `{}`, `{name}`, `{0:?}`,
    /// not an escaped `{{` or a template tag's `{% %}`.
    fn has_placeholder(text: &str) -> bool {
        let mut rest = text;
        while let Some(open) = rest.find('{') {
            rest = &rest[open + 1..];
            if let Some(escaped) = rest.strip_prefix('{') {
                rest = escaped;
                continue;
            }
            let Some(close) = rest.find('}') else {
                return false;
            };
            let (name, spec) = rest[..close]
                .split_once(':')
                .unwrap_or((&rest[..close], ""));
            let is_name = name
                .chars()
                .all(|c| c.is_alphanumeric() || c == '_' || c == '.');
            if is_name && spec.chars().all(|c| "?#0123456789.<>^+-xXeEbo".contains(c)) {
                return true;
            }
            rest = &rest[close + 1..];
        }
        false
    }

    #[test]
    fn a_value_quoted_by_hand_is_told_from_one_quoted_by_type() {
        assert!(quotes_by_hand(r#"format!("指标“{name}”重复")"#));
        assert!(quotes_by_hand(r#"format!("unknown key `{here}`")"#));
        assert!(quotes_by_hand(r#"format!("`{}` is missing", x)"#));
        assert!(!quotes_by_hand(r#"format!("指标{}重复", Quote(name))"#));
        assert!(!quotes_by_hand(
            r#"format!("add `kinds:` to {}", Code(key))"#
        ));
        assert!(quotes_by_hand(r#"format!("`{key}: {option}`")"#));
        assert!(!quotes_by_hand(
            "/// `{{ value }}` and `{% if %}` in a template"
        ));
        assert!(!quotes_by_hand("\"e.g. `{role: target, required: true}`\""));
    }

    #[test]
    fn sarif_places_each_finding_and_suppresses_the_waived() {
        let mut waived =
            Diagnostic::new(BUDGET_SUM, Path::new("data/a.yaml"), Loc::new(3, 7), "bad");
        waived.waiver = Some("原文如此".to_owned());
        let open = Diagnostic::new(MISSING_UNIT, Path::new("data/a.yaml"), Loc::default(), "m");
        let rules = [RuleInfo {
            code: "budget-sum",
            summary: "s",
            severity: Severity::Error,
        }];
        let sarif: serde_json::Value =
            serde_json::from_str(&to_sarif(&[waived, open], &rules, "1")).unwrap();
        let run = &sarif["runs"][0];
        assert_eq!(sarif["version"], "2.1.0");
        assert_eq!(run["tool"]["driver"]["rules"][0]["id"], "budget-sum");
        let first = &run["results"][0];
        assert_eq!(
            first["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            "data/a.yaml"
        );
        assert_eq!(
            first["locations"][0]["physicalLocation"]["region"]["startLine"],
            3
        );
        assert_eq!(first["suppressions"][0]["justification"], "原文如此");
        assert!(
            run["results"][1]["locations"][0]["physicalLocation"]
                .get("region")
                .is_none()
        );
        assert_eq!(run["results"][1]["level"], "warning");
    }

    #[test]
    fn a_finding_survives_a_round_trip_through_json() {
        let mut d =
            Diagnostic::new(MISSING_UNIT, Path::new("x.yaml"), Loc::new(4, 2), "m").with_hint("h");
        d.waiver = Some("w".to_owned());
        let back: Diagnostic = serde_json::from_str(&serde_json::to_string(&d).unwrap()).unwrap();
        assert_eq!(back, d);
    }
}
