//! A data folder as one workbook in the long layout, the summary a bureau
//! sends upward: one row per indicator across all departments, to filter
//! and pivot in Excel or WPS, and sheets of departments, projects and the
//! other lists. `jixiao import` reads it back into the same data files.
//!
//! Amounts are numbers, shown with the decimals the data file writes
//! (`105.00` is 105 in the format `0.00`), so that they add up in a
//! spreadsheet and import reads back the text that was written; an amount
//! with more digits than a spreadsheet's number keeps is written as text.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rust_xlsxwriter::{Format, Workbook, Worksheet};

use super::layout::{self, Column, Layout, Owner};
use crate::contract::{Forms, Kind};
use crate::diag::{Diagnostic, Quote};
use crate::node::{Node, Value};

/// Why a data folder was not exported.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Data(#[from] crate::load::DataDirError),
    #[error("{} data files do not load; fix them first (`jixiao check`):\n{}", .0.len(), .0.iter().map(|d| format!("  {d}")).collect::<Vec<_>>().join("\n"))]
    Invalid(Vec<Diagnostic>),
    #[error(
        "{}: the table has two value columns headed {}; the long layout tells columns apart by their headings, so rename one",
        .0.display(),
        Quote(.1)
    )]
    SameHeading(PathBuf, String),
    #[error("cannot write {0}: {1}")]
    Write(PathBuf, rust_xlsxwriter::XlsxError),
}

/// What an export wrote.
#[derive(Debug, PartialEq, Eq)]
pub struct Exported {
    pub documents: usize,
    pub projects: usize,
    pub indicators: usize,
}

/// One sheet's rows before they are written: headings in order, and each
/// row's cells by heading.
#[derive(Default)]
struct Rows {
    headings: Vec<String>,
    kinds: HashMap<String, Kind>,
    rows: Vec<HashMap<String, String>>,
}

impl Rows {
    fn heading(&mut self, heading: &str, kind: Kind) {
        if !self.headings.iter().any(|h| h == heading) {
            self.headings.push(heading.to_owned());
            self.kinds.insert(heading.to_owned(), kind);
        }
    }

    /// Adds a row, its headings in the order first given.
    fn push(&mut self, cells: Vec<(String, Kind, String)>) {
        let mut row = HashMap::new();
        for (heading, kind, text) in cells {
            self.heading(&heading, kind);
            row.insert(heading, text);
        }
        self.rows.push(row);
    }
}

/// Writes every data file of `data` into the workbook `xlsx`.
pub fn export(data: &Path, forms: &Forms, xlsx: &Path) -> Result<Exported, ExportError> {
    let found = crate::load::data_files(data)?;
    if found.files.is_empty() {
        return Err(crate::load::DataDirError::Empty(data.to_owned()).into());
    }
    let mut invalid = found.refused;
    let mut sheets: Vec<(String, Rows)> =
        [layout::DEPARTMENTS, layout::PROJECTS, layout::INDICATORS]
            .iter()
            .map(|name| ((*name).to_owned(), Rows::default()))
            .collect();
    let mut layouts: HashMap<String, Layout> = HashMap::new();
    let mut count = Exported {
        documents: 0,
        projects: 0,
        indicators: 0,
    };
    for path in &found.files {
        let text = match crate::load::read(path) {
            Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
            Err(d) => {
                invalid.push(*d);
                continue;
            }
        };
        if let Err(found) = crate::load::parse(path, &text, forms) {
            invalid.extend(found.into_iter().filter(Diagnostic::is_error));
            continue;
        }
        let Ok(node) = crate::node::parse(&text, crate::load::options()) else {
            continue;
        };
        let form = node
            .get("form")
            .and_then(Node::as_text)
            .unwrap_or_default()
            .to_owned();
        let Some(contract) = forms.get(&form) else {
            continue;
        };
        let layout = layouts.entry(form).or_insert_with(|| Layout::of(contract));
        let slug = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        document(&mut sheets, layout, &node, &slug, path, &mut count)?;
    }
    if !invalid.is_empty() {
        return Err(ExportError::Invalid(invalid));
    }
    write(&sheets, xlsx).map_err(|e| ExportError::Write(xlsx.to_owned(), e))?;
    Ok(count)
}

/// A cell's text at a path of keys: a scalar, or a list of them one a line.
fn text_at(node: &Node, path: &[String]) -> Option<String> {
    let mut here = node;
    for key in path {
        here = here.get(key)?;
    }
    match &here.value {
        Value::Scalar(text) => Some(text.clone()),
        Value::List(items) => Some(
            items
                .iter()
                .filter_map(Node::as_text)
                .collect::<Vec<_>>()
                .join("\n"),
        ),
        _ => None,
    }
}

fn items<'n>(node: &'n Node, path: &[String]) -> &'n [Node] {
    let mut here = node;
    for key in path {
        match here.get(key) {
            Some(next) => here = next,
            None => return &[],
        }
    }
    match &here.value {
        Value::List(items) => items,
        _ => &[],
    }
}

fn cells(columns: &[Column], node: &Node) -> Vec<(String, Kind, String)> {
    columns
        .iter()
        .filter_map(|c| Some((c.heading.clone(), c.kind.clone(), text_at(node, &c.path)?)))
        .collect()
}

fn sheet<'s>(sheets: &'s mut Vec<(String, Rows)>, name: &str) -> &'s mut Rows {
    let index = match sheets.iter().position(|(n, _)| n == name) {
        Some(i) => i,
        None => {
            sheets.push((name.to_owned(), Rows::default()));
            sheets.len() - 1
        }
    };
    &mut sheets[index].1
}

fn document(
    sheets: &mut Vec<(String, Rows)>,
    layout: &Layout,
    node: &Node,
    slug: &str,
    path: &Path,
    count: &mut Exported,
) -> Result<(), ExportError> {
    count.documents += 1;
    let all = cells(&layout.document, node);
    // The department first, then its year: what a reader filters by.
    let key: Vec<(String, Kind, String)> = [["department"], ["year"]]
        .iter()
        .filter_map(|path| {
            let column = layout.document.iter().find(|c| c.path == *path)?;
            all.iter().find(|(h, _, _)| *h == column.heading).cloned()
        })
        .collect();
    let mut row = key.clone();
    row.push((layout::SLUG.to_owned(), Kind::Text, slug.to_owned()));
    row.extend(all.into_iter().filter(|c| !key.contains(c)));
    sheet(sheets, layout::DEPARTMENTS).push(row);
    for list in layout.lists.iter().filter(|l| l.owner == Owner::Document) {
        list_rows(sheets, list, node, &key);
    }
    for table in layout.tables.iter().filter(|t| t.owner == Owner::Document) {
        indicator_rows(sheets, table, node, &key, path, count)?;
    }
    for project in items(node, &["projects".to_owned()]) {
        count.projects += 1;
        let own = cells(&layout.project, project);
        let name: Vec<(String, Kind, String)> = own
            .iter()
            .filter(|(h, _, _)| h == "项目名称")
            .cloned()
            .collect();
        let mut row = key.clone();
        row.extend(own);
        sheet(sheets, layout::PROJECTS).push(row);
        let key: Vec<_> = key.iter().cloned().chain(name).collect();
        for list in layout.lists.iter().filter(|l| l.owner == Owner::Project) {
            list_rows(sheets, list, project, &key);
        }
        for table in layout.tables.iter().filter(|t| t.owner == Owner::Project) {
            indicator_rows(sheets, table, project, &key, path, count)?;
        }
    }
    Ok(())
}

/// A list's innermost items, one a row, each with its outer items' cells.
fn list_rows(
    sheets: &mut Vec<(String, Rows)>,
    list: &layout::List,
    node: &Node,
    key: &[(String, Kind, String)],
) {
    let mut rows = Vec::new();
    flatten(list, 0, items(node, &list.path), key.to_vec(), &mut rows);
    if rows.is_empty() {
        return;
    }
    let target = sheet(sheets, &list.title);
    for row in rows {
        target.push(row);
    }
}

fn flatten(
    list: &layout::List,
    depth: usize,
    nodes: &[Node],
    outer: Vec<(String, Kind, String)>,
    rows: &mut Vec<Vec<(String, Kind, String)>>,
) {
    let level = &list.levels[depth];
    for node in nodes {
        let mut row = outer.clone();
        row.extend(cells(&level.columns, node));
        match list.levels.get(depth + 1) {
            Some(inner) => flatten(
                list,
                depth + 1,
                items(node, std::slice::from_ref(&inner.key)),
                row,
                rows,
            ),
            None => rows.push(row),
        }
    }
}

fn indicator_rows(
    sheets: &mut Vec<(String, Rows)>,
    table: &layout::Table,
    owner: &Node,
    key: &[(String, Kind, String)],
    path: &Path,
    count: &mut Exported,
) -> Result<(), ExportError> {
    let mut node = owner;
    for step in &table.path {
        match node.get(step) {
            Some(next) => node = next,
            None => return Ok(()),
        }
    }
    let columns: Vec<String> = items(node, &["columns".to_owned()])
        .iter()
        .filter_map(|c| c.as_text().map(str::to_owned))
        .collect();
    for (i, column) in columns.iter().enumerate() {
        if columns[..i].contains(column) {
            return Err(ExportError::SameHeading(path.to_owned(), column.clone()));
        }
    }
    let target = sheet(sheets, layout::INDICATORS);
    let text = |n: &Node, k: &str| {
        n.get(k)
            .and_then(Node::as_text)
            .unwrap_or_default()
            .to_owned()
    };
    for level1 in items(node, &["groups".to_owned()]) {
        for level2 in items(level1, &["groups".to_owned()]) {
            for item in items(level2, &["items".to_owned()]) {
                count.indicators += 1;
                let mut row = key.to_vec();
                if !row.iter().any(|(h, _, _)| h == "项目名称") {
                    row.push(("项目名称".to_owned(), Kind::Text, String::new()));
                }
                row.push((layout::TABLE.to_owned(), Kind::Text, table.title.clone()));
                row.push(("一级指标".to_owned(), Kind::Text, text(level1, "name")));
                row.push(("二级指标".to_owned(), Kind::Text, text(level2, "name")));
                row.push(("三级指标".to_owned(), Kind::Text, text(item, "name")));
                let values = items(item, &["values".to_owned()]);
                for (column, value) in columns.iter().zip(values) {
                    row.push((
                        column.clone(),
                        Kind::Value,
                        value.as_text().unwrap_or_default().to_owned(),
                    ));
                }
                target.push(row);
            }
        }
    }
    Ok(())
}

/// The most significant digits a spreadsheet's number keeps exactly.
const EXACT_DIGITS: usize = 15;

/// An amount's number format: its decimals as written.
fn amount_format(text: &str) -> Option<(f64, String)> {
    let digits = text.bytes().filter(u8::is_ascii_digit).count();
    let significant = text
        .trim_start_matches(['0', '.'])
        .bytes()
        .filter(u8::is_ascii_digit)
        .count();
    if significant > EXACT_DIGITS || digits == 0 {
        return None;
    }
    let value: f64 = text.parse().ok()?;
    let places = text.split_once('.').map_or(0, |(_, f)| f.len());
    let format = if places == 0 {
        "0".to_owned()
    } else {
        format!("0.{}", "0".repeat(places))
    };
    Some((value, format))
}

/// Display width: a hanzi is two columns.
fn width(text: &str) -> usize {
    text.lines()
        .map(|l| {
            l.chars()
                .map(|c| if c.is_ascii() { 1 } else { 2 })
                .sum::<usize>()
        })
        .max()
        .unwrap_or(0)
}

fn write(sheets: &[(String, Rows)], xlsx: &Path) -> Result<(), rust_xlsxwriter::XlsxError> {
    let mut workbook = Workbook::new();
    // The same data gives the same bytes: no clock in the file.
    let epoch = rust_xlsxwriter::ExcelDateTime::from_ymd(2000, 1, 1)?;
    workbook.set_properties(&rust_xlsxwriter::DocProperties::new().set_creation_datetime(&epoch));
    let bold = Format::new().set_bold();
    let mut formats: HashMap<String, Format> = HashMap::new();
    for (name, rows) in sheets.iter().filter(|(_, r)| !r.rows.is_empty()) {
        let worksheet = workbook.add_worksheet();
        worksheet.set_name(name)?;
        fill(worksheet, rows, &bold, &mut formats)?;
    }
    workbook.save(xlsx)
}

fn fill(
    worksheet: &mut Worksheet,
    rows: &Rows,
    bold: &Format,
    formats: &mut HashMap<String, Format>,
) -> Result<(), rust_xlsxwriter::XlsxError> {
    for (col, heading) in rows.headings.iter().enumerate() {
        let col = col as u16;
        worksheet.write_string_with_format(0, col, heading, bold)?;
        let mut widest = width(heading);
        for (r, row) in rows.rows.iter().enumerate() {
            let Some(text) = row.get(heading) else {
                continue;
            };
            let r = r as u32 + 1;
            widest = widest.max(width(text));
            let number = match rows.kinds.get(heading) {
                Some(Kind::Money(_) | Kind::Year) => amount_format(text),
                _ => None,
            };
            match number {
                Some((value, code)) => {
                    let format = formats
                        .entry(code.clone())
                        .or_insert_with(|| Format::new().set_num_format(&code));
                    worksheet.write_number_with_format(r, col, value, format)?;
                }
                None => {
                    worksheet.write_string(r, col, text)?;
                }
            }
        }
        worksheet.set_column_width(col, (widest.clamp(6, 60) + 2) as f64)?;
    }
    worksheet.set_freeze_panes(1, 0)?;
    let last_col = rows.headings.len().saturating_sub(1) as u16;
    worksheet.autofilter(0, 0, rows.rows.len() as u32, last_col)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn part(xlsx: &Path, name: &str) -> String {
        let file = std::fs::File::open(xlsx).unwrap();
        let mut zip = zip::ZipArchive::new(file).unwrap();
        let mut text = String::new();
        zip.by_name(name)
            .unwrap()
            .read_to_string(&mut text)
            .unwrap();
        text
    }

    #[test]
    fn the_workbook_is_a_summary_to_filter_and_add_up() {
        let dir = std::env::temp_dir().join(format!("jixiao-export-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let forms =
            crate::contract::load_forms(&crate::templates::TemplateStore::built_in()).unwrap();
        let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
        let (first, second) = (dir.join("a.xlsx"), dir.join("b.xlsx"));
        let count = export(&data, &forms, &first).unwrap();
        assert_eq!((count.documents, count.projects), (6, 30));
        export(&data, &forms, &second).unwrap();
        assert_eq!(
            std::fs::read(&first).unwrap(),
            std::fs::read(&second).unwrap(),
            "the same data, the same bytes"
        );
        let book = part(&first, "xl/workbook.xml");
        for sheet in [
            "部门",
            "项目",
            "指标",
            "年度重点工作任务",
            "职能目标",
            "豁免",
        ] {
            assert!(
                book.contains(&format!("name=\"{sheet}\"")),
                "{sheet}: {book}"
            );
        }
        let departments = part(&first, "xl/worksheets/sheet1.xml");
        assert!(
            departments.contains("state=\"frozen\""),
            "the heading row is frozen"
        );
        assert!(
            departments.contains("<autoFilter ref=\"A1:"),
            "filters are on"
        );
        assert!(
            departments.contains("<col min=\"1\" max=\"1\" width="),
            "columns are sized"
        );
        assert!(
            departments.contains("<v>921.83</v>"),
            "an amount is a number"
        );
        let styles = part(&first, "xl/styles.xml");
        assert!(
            styles.contains("formatCode=\"0.00\""),
            "shown with its decimals: {styles}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn amounts_keep_their_decimals_as_a_format() {
        assert_eq!(amount_format("105.00"), Some((105.0, "0.00".to_owned())));
        assert_eq!(
            amount_format("10606.7522"),
            Some((10606.7522, "0.0000".to_owned()))
        );
        assert_eq!(amount_format("2023"), Some((2023.0, "0".to_owned())));
        assert_eq!(
            amount_format("999999999999999.999999"),
            None,
            "too many digits for a float"
        );
        assert_eq!(width("部门a"), 5);
    }
}
