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
    /// A finding of `rule`, at its severity; a long value the message
    /// quotes is shortened (see [`excerpt`]).
    pub fn new(rule: &'static Rule, file: &Path, loc: Loc, message: impl Into<String>) -> Self {
        Self {
            file: file.to_owned(),
            loc,
            severity: rule.severity,
            code: Cow::Borrowed(rule.code),
            message: shorten_quotes(&message.into()),
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
    match text.char_indices().nth(QUOTE_CHARS) {
        None => Cow::Borrowed(text),
        Some((end, _)) => Cow::Owned(format!("{}…", &text[..end])),
    }
}

/// The quotation marks messages put around values: “…”, `…` and "…".
const QUOTES: [(char, char); 3] = [('“', '”'), ('`', '`'), ('"', '"')];

/// A message with every value it quotes shortened to its [`excerpt`]: the
/// rules, serde and Typst all quote the offending text, and any of it may be
/// a 10,000-character paragraph.
fn shorten_quotes(message: &str) -> String {
    let mut out = String::with_capacity(message.len().min(1024));
    let mut rest = message;
    while let Some((start, open, close)) = QUOTES
        .iter()
        .filter_map(|&(open, close)| Some((rest.find(open)?, open, close)))
        .min_by_key(|&(start, ..)| start)
    {
        let inner_start = start + open.len_utf8();
        let Some(length) = rest[inner_start..].find(close) else {
            break;
        };
        out.push_str(&rest[..inner_start]);
        out.push_str(&excerpt(&rest[inner_start..inner_start + length]));
        out.push(close);
        rest = &rest[inner_start + length + close.len_utf8()..];
    }
    out.push_str(rest);
    out
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
        let d = Diagnostic::new(
            BLANK_TEXT,
            Path::new("x.yaml"),
            Loc::new(1, 1),
            format!("“{long}”不是“短”; `{long}` and \"{long}\""),
        );
        assert!(d.message.chars().count() < 200, "{}", d.message);
        assert!(d.message.contains("”不是“短”; `"));
        assert_eq!(shorten_quotes("no “closing"), "no “closing");
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
