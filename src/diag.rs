//! Findings about a document: what is wrong, where, and how to fix it.
//!
//! Every stage reports through the same type, so `jixiao check --format json`
//! and the terminal report show loader, checker, template and Typst findings
//! alike.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::model::Loc;

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Error,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Warning => "warning",
            Self::Error => "error",
        })
    }
}

/// One finding, located in a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub file: PathBuf,
    pub loc: Loc,
    pub severity: Severity,
    /// A stable code, e.g. `yaml-syntax`, that tools and waivers can match on.
    pub code: &'static str,
    pub message: String,
    /// How to fix it, where that can be said.
    pub hint: Option<String>,
}

impl Diagnostic {
    pub fn error(file: &Path, loc: Loc, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            file: file.to_owned(),
            loc,
            severity: Severity::Error,
            code,
            message: message.into(),
            hint: None,
        }
    }

    pub fn warning(file: &Path, loc: Loc, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Warning,
            ..Self::error(file, loc, code, message)
        }
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}: {}[{}]: {}",
            self.file.display(),
            self.loc,
            self.severity,
            self.code,
            self.message
        )?;
        if let Some(hint) = &self.hint {
            write!(f, "\n  hint: {hint}")?;
        }
        Ok(())
    }
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
pub fn to_json(diagnostics: &[Diagnostic]) -> String {
    let rows: Vec<JsonDiagnostic> = diagnostics
        .iter()
        .map(|d| JsonDiagnostic {
            file: d.file.display().to_string(),
            line: d.loc.line,
            column: d.loc.column,
            severity: d.severity,
            code: d.code,
            message: match &d.hint {
                Some(hint) => format!("{} (hint: {hint})", d.message),
                None => d.message.clone(),
            },
        })
        .collect();
    serde_json::to_string_pretty(&rows).unwrap_or_else(|_| "[]".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_has_the_documented_shape() {
        let d = Diagnostic::error(
            Path::new("data/a.yaml"),
            Loc::new(3, 7),
            "yaml-syntax",
            "bad",
        )
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
        let d = Diagnostic::warning(Path::new("x.yaml"), Loc::new(1, 2), "c", "m");
        assert_eq!(d.to_string(), "x.yaml:1:2: warning[c]: m");
    }
}
