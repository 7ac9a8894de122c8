//! Writing the imported data files without losing anyone's edits: a data
//! file that differs from what import would write is replaced only when
//! asked (`--force`), and either way the differences are said.

use std::path::{Path, PathBuf};

/// What import did, or would do, to one data file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    Created,
    Unchanged,
    /// Replaced; the lines that changed, as `-` and `+` lines.
    Replaced(Vec<String>),
}

/// A data file import wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Written {
    pub path: PathBuf,
    pub change: Change,
}

/// Files that exist and differ, which import refuses to replace.
#[derive(Debug, thiserror::Error)]
#[error("{}", refusal(.0))]
pub struct Refused(pub Vec<(PathBuf, Vec<String>)>);

fn refusal(files: &[(PathBuf, Vec<String>)]) -> String {
    let mut text = String::from(
        "nothing was written: these data files exist and differ from what the workbook gives (pass --force to replace them):",
    );
    for (path, lines) in files {
        text.push_str(&format!("\n  {}:", path.display()));
        for line in lines {
            text.push_str(&format!("\n    {line}"));
        }
    }
    text
}

/// Writes every file, or none when one exists and differs and `force` is
/// not given.
pub fn write_all(files: &[(PathBuf, String)], force: bool) -> Result<Vec<Written>, WriteError> {
    let mut planned = Vec::new();
    let mut refused = Vec::new();
    for (path, text) in files {
        let change = match std::fs::read(path) {
            Ok(old) if old == text.as_bytes() => Change::Unchanged,
            Ok(old) => Change::Replaced(differences(&String::from_utf8_lossy(&old), text)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Change::Created,
            Err(e) => return Err(WriteError::Io(path.clone(), e)),
        };
        if let (Change::Replaced(lines), false) = (&change, force) {
            refused.push((path.clone(), lines.clone()));
        }
        planned.push(Written {
            path: path.clone(),
            change,
        });
    }
    if !refused.is_empty() {
        return Err(WriteError::Refused(Refused(refused)));
    }
    for (written, (_, text)) in planned.iter().zip(files) {
        if written.change != Change::Unchanged {
            replace(&written.path, text).map_err(|e| WriteError::Io(written.path.clone(), e))?;
        }
    }
    Ok(planned)
}

#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error(transparent)]
    Refused(Refused),
    #[error("cannot write {}: {}", .0.display(), .1)]
    Io(PathBuf, std::io::Error),
}

/// Writes beside the file, then renames: a reader never sees half a file.
fn replace(path: &Path, text: &str) -> std::io::Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temporary = path.with_file_name(format!(".{name}.import"));
    std::fs::write(&temporary, text)?;
    std::fs::rename(&temporary, path)
}

/// The most changed lines listed for one file.
const MAX_LISTED: usize = 20;

/// The lines that differ, `-` old and `+` new, from a longest common
/// subsequence of lines (bounded: past it, the first lines that differ).
fn differences(old: &str, new: &str) -> Vec<String> {
    let a: Vec<&str> = old.lines().collect();
    let b: Vec<&str> = new.lines().collect();
    let mut lines = Vec::new();
    if a.len().saturating_mul(b.len()) > 4_000_000 {
        for (i, (x, y)) in a.iter().zip(&b).enumerate().filter(|(_, (x, y))| x != y) {
            lines.push(format!("line {}: - {x}", i + 1));
            lines.push(format!("line {}: + {y}", i + 1));
        }
    } else {
        let mut common = vec![vec![0u32; b.len() + 1]; a.len() + 1];
        for i in (0..a.len()).rev() {
            for j in (0..b.len()).rev() {
                common[i][j] = if a[i] == b[j] {
                    common[i + 1][j + 1] + 1
                } else {
                    common[i + 1][j].max(common[i][j + 1])
                };
            }
        }
        let (mut i, mut j) = (0, 0);
        while i < a.len() || j < b.len() {
            if i < a.len() && j < b.len() && a[i] == b[j] {
                i += 1;
                j += 1;
            } else if j < b.len() && (i == a.len() || common[i][j + 1] >= common[i + 1][j]) {
                lines.push(format!("line {}: + {}", j + 1, b[j]));
                j += 1;
            } else {
                lines.push(format!("line {}: - {}", i + 1, a[i]));
                i += 1;
            }
        }
    }
    if lines.len() > MAX_LISTED {
        let more = lines.len() - MAX_LISTED;
        lines.truncate(MAX_LISTED);
        lines.push(format!("… and {more} more changed lines"));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_changed_lines_are_listed() {
        let lines = differences("a\nb\nc\n", "a\nB\nc\nd\n");
        assert_eq!(lines, ["line 2: + B", "line 2: - b", "line 4: + d"]);
    }

    #[test]
    fn a_differing_file_is_kept_unless_forced() {
        let dir = std::env::temp_dir().join(format!("jixiao-files-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let (old, new) = (dir.join("2022/a.yaml"), dir.join("2022/b.yaml"));
        std::fs::create_dir_all(dir.join("2022")).unwrap();
        std::fs::write(&old, "year: 2021\n").unwrap();
        let files = vec![
            (old.clone(), "year: 2022\n".to_owned()),
            (new.clone(), "x\n".to_owned()),
        ];
        let refused = write_all(&files, false).unwrap_err();
        assert!(refused.to_string().contains("- year: 2021"), "{refused}");
        assert!(!new.exists(), "nothing is written when one file is refused");
        let written = write_all(&files, true).unwrap();
        assert_eq!(written[1].change, Change::Created);
        assert!(matches!(&written[0].change, Change::Replaced(l) if l.len() == 2));
        assert_eq!(std::fs::read_to_string(&old).unwrap(), "year: 2022\n");
        assert_eq!(
            write_all(&files, false).unwrap()[0].change,
            Change::Unchanged
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
