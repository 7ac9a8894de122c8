//! Data files written as text, the same bytes for the same data: keys in
//! the contract's order, every text quoted (so that nothing written is
//! read back as a number, a date or a boolean), and for each line the cell
//! its value came from, so that the loader's findings can name the cell.

use super::CellRef;

/// A data file's values, in the order they are written.
#[derive(Clone, Debug, PartialEq)]
pub enum Tree {
    /// Text, quoted; with the cell it came from.
    Text(String, Option<CellRef>),
    /// A number written plainly (the year).
    Plain(String, Option<CellRef>),
    List(Vec<Tree>),
    Map(Vec<(String, Tree)>),
}

impl Tree {
    pub fn is_empty(&self) -> bool {
        match self {
            Tree::List(items) => items.is_empty(),
            Tree::Map(entries) => entries.is_empty(),
            _ => false,
        }
    }
}

/// YAML text and the cell of each line (1-based lines; index 0 is line 1).
pub struct Written {
    pub text: String,
    pub cells: Vec<Option<CellRef>>,
}

impl Written {
    /// The cell the value at `line` came from, or the nearest one above it.
    pub fn cell_at(&self, line: usize) -> Option<&CellRef> {
        self.cells
            .get(..line.min(self.cells.len()))?
            .iter()
            .rev()
            .find_map(Option::as_ref)
    }
}

/// Writes a document: `header` comment lines, then its fields.
pub fn write(header: &[String], entries: &[(String, Tree)]) -> Written {
    let mut out = Written {
        text: String::new(),
        cells: Vec::new(),
    };
    for line in header {
        out.line(format!("# {line}"), None);
    }
    map(&mut out, entries, 0);
    out
}

impl Written {
    fn line(&mut self, text: String, cell: Option<CellRef>) {
        self.text.push_str(&text);
        self.text.push('\n');
        self.cells.push(cell);
    }
}

fn map(out: &mut Written, entries: &[(String, Tree)], depth: usize) {
    let pad = "  ".repeat(depth);
    for (key, value) in entries {
        entry(out, &format!("{pad}{key}:"), value, depth);
    }
}

/// `lead` (a key and colon, or a dash) followed by the value.
fn entry(out: &mut Written, lead: &str, value: &Tree, depth: usize) {
    match value {
        Tree::Text(text, cell) => out.line(format!("{lead} {}", quote(text)), cell.clone()),
        Tree::Plain(text, cell) => out.line(format!("{lead} {text}"), cell.clone()),
        Tree::List(items) if items.is_empty() => out.line(format!("{lead} []"), None),
        Tree::Map(entries) if entries.is_empty() => out.line(format!("{lead} {{}}"), None),
        Tree::List(items) => {
            out.line(lead.to_owned(), None);
            let pad = "  ".repeat(depth + 1);
            for item in items {
                match item {
                    Tree::Map(entries) if !entries.is_empty() => {
                        let (first, rest) = entries.split_at(1);
                        entry(
                            out,
                            &format!("{pad}- {}:", first[0].0),
                            &first[0].1,
                            depth + 2,
                        );
                        map(out, rest, depth + 2);
                    }
                    other => entry(out, &format!("{pad}-"), other, depth + 2),
                }
            }
        }
        Tree::Map(entries) => {
            out.line(lead.to_owned(), None);
            map(out, entries, depth + 1);
        }
    }
}

/// A YAML scalar that reads back as exactly `text`: single-quoted, or
/// double-quoted with escapes where it holds a line break or a control
/// character (which single quotes would fold or cannot hold).
pub fn quote(text: &str) -> String {
    let plain = text.chars().all(|c| !c.is_control() && c != '\u{feff}');
    if plain {
        return format!("'{}'", text.replace('\'', "''"));
    }
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() || c == '\u{feff}' => {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> Tree {
        Tree::Text(s.to_owned(), None)
    }

    #[test]
    fn what_is_written_reads_back_as_written() {
        let entries = vec![
            (
                "year".to_owned(),
                Tree::Plain("2022".into(), Some(CellRef::new("部门", 1, 2))),
            ),
            ("title".to_owned(), text("it's a\ntitle \"x\"\t")),
            (
                "preamble".to_owned(),
                Tree::List(vec![text("a"), text("b: c")]),
            ),
            (
                "projects".to_owned(),
                Tree::List(vec![Tree::Map(vec![
                    ("name".to_owned(), text("")),
                    ("values".to_owned(), Tree::List(vec![])),
                    ("amount".to_owned(), text("921.83")),
                ])]),
            ),
        ];
        let written = write(&["a comment".to_owned()], &entries);
        let node = crate::node::parse(&written.text, serde_saphyr::Options::default()).unwrap();
        assert_eq!(
            node.get("title").unwrap().as_text(),
            Some("it's a\ntitle \"x\"\t")
        );
        let project = match &node.get("projects").unwrap().value {
            crate::node::Value::List(items) => items[0].clone(),
            other => panic!("{other:?}"),
        };
        assert_eq!(project.get("amount").unwrap().as_text(), Some("921.83"));
        assert_eq!(project.get("name").unwrap().as_text(), Some(""));
        assert_eq!(written.cell_at(2).unwrap().to_string(), "部门!C2");
        assert_eq!(written.text.lines().nth(1), Some("year: 2022"));
    }
}
