//! Sheets in the long layout into data files.
//!
//! Every sheet is read by its headings: the row that names the department
//! column (部门名称, 单位名称, 预算单位) is the heading row, and each
//! heading is matched to a field of the form's contract by its title. A
//! sheet with 三级指标 holds indicator rows; a sheet named like one of the
//! form's lists holds that list; one with 项目名称, projects; any other,
//! departments. In the indicators sheet, a heading with 指标值, 目标值,
//! 指标描述 or 确定依据 is a value column of the tables. A department's or project's field may be repeated on every
//! row of any sheet, as budget systems export it; two rows that say
//! different things are an error at the second. Nothing is written unless
//! every document reads and passes `check`: each is held to its form and
//! its review rules as `check` holds a data file.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::layout::{self, Column, Layout, Owner};
use super::yaml::{self, Tree};
use super::{CellRef, Grid, Problem, form_layout};
use crate::contract::{BadValue, Contract, Field, Forms, Kind};
use crate::diag::{Diagnostic, Quote};
use crate::load::load_source;
use crate::pipeline::review_staged;

/// Why a workbook was not imported; nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{}", problems(.0))]
    Cells(Vec<Problem>),
}

fn problems(found: &[Problem]) -> String {
    let count = match found.len() {
        1 => "1 problem".to_owned(),
        n => format!("{n} problems"),
    };
    let mut text = format!("nothing was written: {count} in the workbook:");
    for problem in found {
        text.push_str(&format!("\n  {problem}"));
    }
    text
}

/// The data files a workbook gives, by path under the output folder
/// (`<year>/<slug>.yaml`), with their text.
#[derive(Debug)]
pub struct Imported {
    pub files: Vec<(PathBuf, String)>,
    /// What the review rules find in them short of an error.
    pub warnings: Vec<Diagnostic>,
}

/// Reads `grids` (the sheets of the workbook named `source`) into data files
/// for the data folder `data`, in the form `form`, or each department's
/// form where a 表式 column says. A document `check` would find an error in
/// is an error at the cell the finding came from, so nothing is written
/// that fails `check`.
pub fn import(
    grids: &[Grid],
    forms: &Forms,
    form: Option<&str>,
    source: &str,
    data: &Path,
) -> Result<Imported, ImportError> {
    let layouts: Layouts = forms
        .contracts
        .iter()
        .map(|(name, contract)| (name.clone(), (Layout::of(contract), contract)))
        .collect();
    let mut reader = Reader {
        layouts: &layouts,
        default_form: form.map(str::to_owned),
        docs: Vec::new(),
        problems: Vec::new(),
    };
    let is_label = |text: &str| reader.is_heading(text);
    let is_value = |text: &str| reader.is_value_heading(text);
    let grids: Vec<std::borrow::Cow<Grid>> = grids
        .iter()
        .map(|grid| {
            if form_layout::is_form(grid, &is_label) {
                std::borrow::Cow::Owned(form_layout::to_long(grid, &is_label, &is_value))
            } else {
                std::borrow::Cow::Borrowed(grid)
            }
        })
        .collect();
    let mut sheets: Vec<Sheet> = grids.iter().filter_map(|grid| reader.sheet(grid)).collect();
    sheets.sort_by_key(|s| s.kind.order());
    for sheet in &sheets {
        reader.rows(sheet);
    }
    reader.documents(forms, source, data)
}

/// What a sheet holds.
#[derive(Clone, Debug, PartialEq)]
enum Holds {
    Documents,
    Projects,
    List(String),
    Indicators,
}

impl Holds {
    fn order(&self) -> u8 {
        match self {
            Holds::Documents => 0,
            Holds::Projects => 1,
            Holds::List(_) => 2,
            Holds::Indicators => 3,
        }
    }
}

/// What a heading stands for.
#[derive(Clone, Debug, PartialEq)]
enum Role {
    Department,
    Form,
    Slug,
    Table,
    Level1,
    Level2,
    Indicator,
    ProjectName,
    /// A value column of the indicator tables.
    Value,
    /// A field, found in each document's own form.
    Field,
}

struct Sheet<'g> {
    grid: &'g Grid,
    header: usize,
    kind: Holds,
    roles: Vec<Option<Role>>,
    /// The headings of the value columns, in order.
    values: Vec<String>,
}

impl Sheet<'_> {
    fn heading(&self, col: usize) -> &str {
        self.grid.cell(self.header, col).trim()
    }

    fn at(&self, row: usize, col: usize) -> CellRef {
        self.grid.at(row, col)
    }

    fn column_of(&self, role: &Role) -> Option<usize> {
        self.roles.iter().position(|r| r.as_ref() == Some(role))
    }
}

/// A value taken from a cell.
#[derive(Clone, Debug)]
struct Taken {
    text: String,
    at: CellRef,
}

/// Values by their path in a record.
type Values = Vec<(Vec<String>, Taken)>;

#[derive(Debug)]
struct Doc {
    name: Taken,
    form: Option<String>,
    year: Option<String>,
    slug: Option<Taken>,
    values: Values,
    projects: Vec<Proj>,
    /// Rows of lists: (list title, project, each row's values by level).
    lists: Vec<(String, Option<usize>, Vec<Vec<Values>>)>,
    tables: Vec<TableRows>,
}

#[derive(Debug)]
struct Proj {
    name: Taken,
    values: Values,
}

#[derive(Debug)]
struct TableRows {
    project: Option<usize>,
    table: usize,
    rows: Vec<IndicatorRow>,
    /// The value headings of the sheet the rows are in.
    headings: Vec<String>,
}

#[derive(Debug)]
struct IndicatorRow {
    names: [Taken; 3],
    values: Vec<(String, Taken)>,
}

/// Each form's layout and contract, by name.
type Layouts<'f> = HashMap<String, (Layout, &'f Contract)>;

struct Reader<'l> {
    layouts: &'l Layouts<'l>,
    default_form: Option<String>,
    docs: Vec<Doc>,
    problems: Vec<Problem>,
}

impl<'l> Reader<'l> {
    fn problem(&mut self, at: CellRef, message: String) {
        self.problems.push(Problem { at, message });
    }

    /// Every layout's columns, lists and table titles, to place headings.
    fn all_columns(&self) -> impl Iterator<Item = &Column> {
        self.layouts.values().flat_map(|(l, _)| {
            l.document.iter().chain(&l.project).chain(
                l.lists
                    .iter()
                    .flat_map(|list| list.levels.iter().flat_map(|v| &v.columns)),
            )
        })
    }

    /// Whether a text is a heading of some form's long layout.
    fn is_heading(&self, text: &str) -> bool {
        [
            "项目名称",
            "表式",
            layout::SLUG,
            layout::TABLE,
            "一级指标",
            "二级指标",
            "三级指标",
        ]
        .contains(&text)
            || self.is_value_heading(text)
            || self.all_columns().any(|c| c.accepts(text))
    }

    /// Whether a heading names a column of indicator values: one a form's
    /// framework declares (上年度实际水平, 参考标准), or one of the common
    /// forms' (指标值, 目标值 …).
    fn is_value_heading(&self, heading: &str) -> bool {
        layout::is_value_heading(heading)
            || self
                .layouts
                .values()
                .any(|(_, contract)| contract.rules.declares_column(heading))
    }

    fn is_list(&self, name: &str) -> bool {
        self.layouts
            .values()
            .any(|(l, _)| l.lists.iter().any(|list| list.title == name))
    }

    /// A sheet's heading row and what each heading is.
    fn sheet<'g>(&mut self, grid: &'g Grid) -> Option<Sheet<'g>> {
        if grid
            .rows
            .iter()
            .all(|r| r.iter().all(|c| c.trim().is_empty()))
        {
            return None;
        }
        let department = |text: &str| {
            self.all_columns()
                .any(|c| c.path == ["department"] && c.accepts(text))
        };
        let Some(header) = grid
            .rows
            .iter()
            .position(|r| r.iter().any(|c| department(c)))
        else {
            self.problem(
                CellRef::new(&grid.name, 0, 0),
                "no heading row: no cell of the sheet says 部门名称 (or 单位名称, 预算单位); every sheet needs a column naming each row's department".to_owned(),
            );
            return None;
        };
        let headings: Vec<String> = grid.rows[header]
            .iter()
            .map(|h| h.trim().to_owned())
            .collect();
        let kind = if headings.iter().any(|h| h == "三级指标" || h == "一级指标") {
            Holds::Indicators
        } else if self.is_list(&grid.name) {
            Holds::List(grid.name.clone())
        } else if headings.iter().any(|h| h == "项目名称") {
            Holds::Projects
        } else {
            Holds::Documents
        };
        let mut sheet = Sheet {
            grid,
            header,
            kind,
            roles: Vec::new(),
            values: Vec::new(),
        };
        for (col, heading) in headings.iter().enumerate() {
            let role = self.role(&sheet, heading);
            match &role {
                Some(Role::Value) => sheet.values.push(heading.clone()),
                None if !heading.is_empty() => {
                    let message = format!(
                        "the heading {heading} is no field of the form{}: rename it to the title the form gives the field (`jixiao schema --form NAME` lists them), or remove the column",
                        self.default_form
                            .as_ref()
                            .map(|f| format!(" {f}"))
                            .unwrap_or_default(),
                        heading = Quote(&heading)
                    );
                    self.problem(sheet.at(header, col), message);
                }
                None => {}
                _ => {}
            }
            sheet.roles.push(role);
        }
        Some(sheet)
    }

    fn role(&self, sheet: &Sheet, heading: &str) -> Option<Role> {
        let fixed = match heading {
            "" => return None,
            layout::SLUG => Some(Role::Slug),
            layout::TABLE if sheet.kind == Holds::Indicators => Some(Role::Table),
            "一级指标" if sheet.kind == Holds::Indicators => Some(Role::Level1),
            "二级指标" if sheet.kind == Holds::Indicators => Some(Role::Level2),
            "三级指标" if sheet.kind == Holds::Indicators => Some(Role::Indicator),
            "项目名称" => Some(Role::ProjectName),
            "表式" => Some(Role::Form),
            _ => None,
        };
        if fixed.is_some() {
            return fixed;
        }
        let column = self.all_columns().find(|c| c.accepts(heading));
        match column {
            Some(c) if c.path == ["department"] => Some(Role::Department),
            Some(_) => Some(Role::Field),
            None if sheet.kind == Holds::Indicators && self.is_value_heading(heading) => {
                Some(Role::Value)
            }
            None => None,
        }
    }

    /// Takes every row of a sheet.
    fn rows(&mut self, sheet: &Sheet) {
        let Some(department) = sheet.column_of(&Role::Department) else {
            return;
        };
        self.merges(sheet, department);
        let form_col = sheet.column_of(&Role::Form);
        for row in sheet.header + 1..sheet.grid.rows.len() {
            let cells = &sheet.grid.rows[row];
            if cells.iter().all(|c| c.trim().is_empty()) {
                continue;
            }
            let name = sheet.grid.cell(row, department);
            if name.trim().is_empty() {
                let message = format!(
                    "the department name ({}) is empty: every row names the department it belongs to",
                    sheet.heading(department)
                );
                self.problem(sheet.at(row, department), message);
                continue;
            }
            let form = form_col
                .map(|c| sheet.grid.cell(row, c).trim().to_owned())
                .filter(|f| !f.is_empty());
            let year = self.year_of(sheet, row);
            let doc = self.doc(
                Taken {
                    text: name.to_owned(),
                    at: sheet.at(row, department),
                },
                year,
                form,
            );
            let Some(form) = self.docs[doc]
                .form
                .clone()
                .or_else(|| self.default_form.clone())
            else {
                self.problems.push(Problem {
                    at: sheet.at(row, department),
                    message: "no form for this department: pass --form NAME or add a 表式 column"
                        .to_owned(),
                });
                continue;
            };
            if !self.layouts.contains_key(&form) {
                let at = form_col.map_or(sheet.at(row, department), |c| sheet.at(row, c));
                let known: Vec<&str> = self.layouts.keys().map(String::as_str).collect();
                self.problem(
                    at,
                    format!(
                        "there is no form {form}; the forms are: {}",
                        known.join(", "),
                        form = Quote(&form)
                    ),
                );
                continue;
            }
            self.docs[doc].form = Some(form.clone());
            self.row(sheet, row, doc, &form);
        }
    }

    fn year_of(&self, sheet: &Sheet, row: usize) -> Option<String> {
        (0..sheet.roles.len())
            .find(|&c| sheet.roles[c] == Some(Role::Field) && sheet.heading(c) == "预算年度")
            .map(|c| sheet.grid.cell(row, c).trim().to_owned())
            .filter(|y| !y.is_empty())
    }

    /// The document of a row: by department and, where a row says it, year.
    fn doc(&mut self, name: Taken, year: Option<String>, form: Option<String>) -> usize {
        let same = |d: &Doc| d.name.text == name.text;
        let found = self
            .docs
            .iter()
            .position(|d| same(d) && year.is_some() && d.year == year)
            .or_else(|| {
                self.docs
                    .iter()
                    .position(|d| same(d) && (d.year.is_none() || year.is_none()))
            });
        match found {
            Some(i) => {
                if self.docs[i].year.is_none() {
                    self.docs[i].year = year;
                }
                if self.docs[i].form.is_none() {
                    self.docs[i].form = form;
                }
                i
            }
            None => {
                self.docs.push(Doc {
                    name,
                    form,
                    year,
                    slug: None,
                    values: Vec::new(),
                    projects: Vec::new(),
                    lists: Vec::new(),
                    tables: Vec::new(),
                });
                self.docs.len() - 1
            }
        }
    }

    /// A merged cell over rows of two departments would give one of them
    /// the other's text.
    fn merges(&mut self, sheet: &Sheet, department: usize) {
        for span in &sheet.grid.merges {
            if span.last.0 == span.first.0 || span.last.0 <= sheet.header {
                continue;
            }
            let first = span.first.0.max(sheet.header + 1);
            let names: Vec<&str> = (first..=span.last.0)
                .map(|r| sheet.grid.cell(r, department))
                .filter(|n| !n.trim().is_empty())
                .collect();
            if let Some(other) = names.iter().find(|n| **n != names[0]) {
                let heading = sheet.heading(span.first.1).to_owned();
                let message = format!(
                    "the merged cell {}:{}{} ({heading}) spans rows of two departments, {} and {other}: unmerge it and give each department's rows their own cell",
                    sheet.at(span.first.0, span.first.1),
                    super::column_letters(span.last.1),
                    span.last.0 + 1,
                    Quote(&names[0]),
                    other = Quote(&other)
                );
                self.problem(sheet.at(span.first.0, span.first.1), message);
            }
        }
    }

    /// Takes one row's cells into its document.
    fn row(&mut self, sheet: &Sheet, row: usize, doc: usize, form: &str) {
        let layouts = self.layouts;
        let layout = &layouts[form].0;
        let list = match &sheet.kind {
            Holds::List(title) => layout.lists.iter().find(|l| &l.title == title),
            _ => None,
        };
        let project_col = sheet.column_of(&Role::ProjectName);
        let project_name = project_col
            .map(|c| sheet.grid.cell(row, c).to_owned())
            .filter(|n| !n.trim().is_empty());
        let needs_project =
            sheet.kind == Holds::Projects || list.is_some_and(|l| l.owner == Owner::Project);
        if needs_project && project_name.is_none() {
            let at = sheet.at(row, project_col.unwrap_or(0));
            self.problem(
                at,
                "the project name (项目名称) is empty: every row of this sheet names its project"
                    .to_owned(),
            );
            return;
        }
        let project = project_name.map(|n| {
            let at = sheet.at(row, project_col.unwrap_or(0));
            self.project(doc, Taken { text: n, at })
        });
        let mut list_levels: Vec<Values> =
            list.map_or_else(Vec::new, |l| vec![Vec::new(); l.levels.len()]);
        let mut names: [Option<Taken>; 3] = [None, None, None];
        let mut table_title = String::new();
        let mut values = Vec::new();
        let mut taken: Vec<(Owner, &Column, Taken)> = Vec::new();
        let mut unknown = Vec::new();
        for (col, role) in sheet.roles.iter().enumerate() {
            let text = sheet.grid.cell(row, col);
            let mut cell = Taken {
                text: text.to_owned(),
                at: sheet.at(row, col),
            };
            match role {
                Some(Role::Slug) if !text.trim().is_empty() => self.docs[doc].slug = Some(cell),
                Some(Role::Table) => table_title = text.trim().to_owned(),
                Some(Role::Level1) => names[0] = Some(cell),
                Some(Role::Level2) => names[1] = Some(cell),
                Some(Role::Indicator) => names[2] = Some(cell),
                Some(Role::Value) => values.push((sheet.heading(col).to_owned(), cell)),
                Some(Role::Field) | Some(Role::Department) | Some(Role::ProjectName) => {
                    let heading = sheet.heading(col);
                    let found = place(layout, list, project.is_some(), heading);
                    // A date field takes the date a date cell holds, however shown.
                    let column = found.as_ref().map(Place::column);
                    let is_date =
                        column.is_some_and(|c| matches!(c.kind, Kind::Date | Kind::Period));
                    if let Some(date) = sheet.grid.date(row, col).filter(|_| is_date) {
                        cell.text = date.to_owned();
                    }
                    match found {
                        Some(Place::List(level, column)) if !text.is_empty() || column.required => {
                            list_levels[level].push((column.path.clone(), cell))
                        }
                        Some(Place::Record(owner, column)) if !text.trim().is_empty() => {
                            taken.push((owner, column, cell))
                        }
                        None if !text.trim().is_empty() => {
                            unknown.push((heading.to_owned(), cell.at))
                        }
                        _ => {}
                    }
                }
                _ => {}
            }
        }
        for (heading, at) in unknown {
            self.problem(at, format!("{heading} is no field of the form {form}: leave the cell empty for this department, or use the form that has it", heading = Quote(&heading)));
        }
        for (owner, column, cell) in taken {
            self.take(
                doc,
                project.filter(|_| owner == Owner::Project),
                column,
                cell,
            );
        }
        if let Some(list) = list {
            let lists = &mut self.docs[doc].lists;
            let index = match lists
                .iter()
                .position(|(t, p, _)| *t == list.title && *p == project)
            {
                Some(i) => i,
                None => {
                    lists.push((list.title.clone(), project, Vec::new()));
                    lists.len() - 1
                }
            };
            lists[index].2.push(list_levels);
        }
        if sheet.kind == Holds::Indicators {
            self.indicator(sheet, row, doc, form, project, &table_title, names, values);
        }
    }

    /// Records a department's or project's value, once it reads as its field.
    fn take(&mut self, doc: usize, project: Option<usize>, column: &Column, cell: Taken) {
        if let Err(why) = scalar(&column.kind, &cell.text, cell.at.clone()) {
            let message = format!("{} ({}): {why}", column.heading, column.path.join("."));
            self.problem(cell.at, message);
            return;
        }
        let record = match project {
            Some(p) => &mut self.docs[doc].projects[p].values,
            None => &mut self.docs[doc].values,
        };
        if let Some(problem) = set(record, column, cell) {
            self.problems.push(problem);
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn indicator(
        &mut self,
        sheet: &Sheet,
        row: usize,
        doc: usize,
        form: &str,
        project: Option<usize>,
        title: &str,
        names: [Option<Taken>; 3],
        values: Vec<(String, Taken)>,
    ) {
        let owner = if project.is_some() {
            Owner::Project
        } else {
            Owner::Document
        };
        let layouts = self.layouts;
        let layout = &layouts[form].0;
        let Some(table) = layout.table(owner, title) else {
            let col = sheet.column_of(&Role::Table).unwrap_or(0);
            let titles: Vec<&str> = layout
                .tables
                .iter()
                .filter(|t| t.owner == owner)
                .map(|t| t.title.as_str())
                .collect();
            let whose = if project.is_some() {
                "a project"
            } else {
                "a department"
            };
            let message = if titles.is_empty() {
                format!("form {form} has no indicator table for {whose}; give the row's 项目名称")
            } else {
                format!(
                    "{title} is not an indicator table of {whose} in form {form}; the tables are: {}",
                    titles.join(", "),
                    title = Quote(&title)
                )
            };
            self.problem(sheet.at(row, col), message);
            return;
        };
        let blank = |col: Option<usize>| Taken {
            text: String::new(),
            at: sheet.at(row, col.unwrap_or(0)),
        };
        let [l1, l2, l3] = names;
        let names = [
            l1.unwrap_or_else(|| blank(sheet.column_of(&Role::Level1))),
            l2.unwrap_or_else(|| blank(sheet.column_of(&Role::Level2))),
            l3.unwrap_or_else(|| blank(sheet.column_of(&Role::Indicator))),
        ];
        let tables = &mut self.docs[doc].tables;
        let index = match tables
            .iter()
            .position(|t| t.project == project && t.table == table)
        {
            Some(i) => i,
            None => {
                tables.push(TableRows {
                    project,
                    table,
                    rows: Vec::new(),
                    headings: sheet.values.clone(),
                });
                tables.len() - 1
            }
        };
        tables[index].rows.push(IndicatorRow { names, values });
    }

    fn project(&mut self, doc: usize, name: Taken) -> usize {
        let projects = &mut self.docs[doc].projects;
        match projects.iter().position(|p| p.name.text == name.text) {
            Some(i) => i,
            None => {
                projects.push(Proj {
                    name: name.clone(),
                    values: vec![(vec!["name".to_owned()], name)],
                });
                projects.len() - 1
            }
        }
    }

    /// Every document as a data file, held to its form and to the review
    /// rules as `check` holds one in `data`.
    fn documents(
        mut self,
        forms: &Forms,
        source: &str,
        data: &Path,
    ) -> Result<Imported, ImportError> {
        // Every document is loaded before any is reviewed: a department's
        // previous year may be among them, not yet on disk. Documents are
        // reviewed on every core at once, as `check` reviews a folder.
        let mut sources = Vec::new();
        let mut staged = Vec::new();
        let docs = std::mem::take(&mut self.docs);
        for doc in &docs {
            // A department without a known form was reported at its rows.
            let form = doc.form.clone().or_else(|| self.default_form.clone());
            let layouts = self.layouts;
            let Some((form, (layout, contract))) =
                form.and_then(|f| Some((f.clone(), layouts.get(&f)?)))
            else {
                continue;
            };
            let mut found = Vec::new();
            let entries = build(doc, layout, contract, &form, &mut found);
            let year = entries
                .iter()
                .find(|(k, _)| k == "year")
                .and_then(|(_, v)| match v {
                    Tree::Plain(y, _) => Some(y.clone()),
                    _ => None,
                })
                .unwrap_or_default();
            let slug = match &doc.slug {
                Some(slug) if !is_slug(&slug.text) => {
                    found.push(Problem {
                        at: slug.at.clone(),
                        message: format!("{} cannot be a data file's name: write letters, digits, - and _ (no / or leading .)", Quote(&slug.text)),
                    });
                    String::new()
                }
                Some(slug) => slug.text.trim().to_owned(),
                None => slug_of(&doc.name.text),
            };
            let path = PathBuf::from(&year).join(format!("{slug}.yaml"));
            if staged.iter().any(|(p, _, _)| *p == path) {
                found.push(Problem {
                    at: doc.name.at.clone(),
                    message: format!("a second department would be written to {}: give each department its own {} ", path.display(), layout::SLUG),
                });
            }
            if !found.is_empty() {
                self.problems.extend(found);
                continue;
            }
            let header = [
                format!("yaml-language-server: $schema=../../schemas/{form}.schema.json"),
                format!("Imported from {source} by `jixiao import`."),
            ];
            let written = yaml::write(&header, &entries);
            match load_source(data, &data.join(&path), written.text.as_bytes(), forms) {
                Ok(source) => {
                    sources.push(source);
                    staged.push((path, written, doc.name.at.clone()));
                }
                Err(found) => self.at_cells(found, &written, &doc.name.at),
            }
        }
        let reviews: Vec<Vec<Diagnostic>> = sources
            .par_iter()
            .map(|source| review_staged(source, forms, &sources))
            .collect();
        let mut files = Vec::new();
        let mut warnings = Vec::new();
        for (review, (path, written, name_at)) in reviews.into_iter().zip(staged) {
            let (errors, others): (Vec<_>, Vec<_>) =
                review.into_iter().partition(Diagnostic::is_error);
            if errors.is_empty() {
                warnings.extend(others);
                files.push((path, written.text));
            } else {
                self.at_cells(errors, &written, &name_at);
            }
        }
        if self.problems.is_empty() {
            Ok(Imported { files, warnings })
        } else {
            Err(ImportError::Cells(self.problems))
        }
    }

    /// A document's errors, each at the cell its line of YAML came from
    /// (else at the department's name).
    fn at_cells(&mut self, found: Vec<Diagnostic>, written: &yaml::Written, name: &CellRef) {
        for d in found.into_iter().filter(Diagnostic::is_error) {
            let at = written
                .cell_at(d.loc.line as usize)
                .cloned()
                .unwrap_or_else(|| name.clone());
            let hint = d.hint.map(|h| format!(" ({h})")).unwrap_or_default();
            self.problem(at, format!("{} [{}]{hint}", d.message, d.code));
        }
    }
}

/// Where a cell of a row goes.
enum Place<'l> {
    /// A level of the sheet's list.
    List(usize, &'l Column),
    /// The row's project, or its department.
    Record(Owner, &'l Column),
}

impl<'l> Place<'l> {
    fn column(&self) -> &'l Column {
        match self {
            Place::List(_, column) | Place::Record(_, column) => column,
        }
    }
}

/// The field a heading names on a row: its list's first, then its
/// project's (where the row names one), then its department's.
fn place<'l>(
    layout: &'l Layout,
    list: Option<&'l layout::List>,
    project: bool,
    heading: &str,
) -> Option<Place<'l>> {
    let in_list = list.and_then(|l| {
        l.levels.iter().enumerate().find_map(|(i, level)| {
            let column = level.columns.iter().find(|c| c.accepts(heading))?;
            Some(Place::List(i, column))
        })
    });
    let find = |owner, columns: &'l [Column]| {
        let column = columns.iter().find(|c| c.accepts(heading))?;
        Some(Place::Record(owner, column))
    };
    in_list
        .or_else(|| find(Owner::Project, &layout.project).filter(|_| project))
        .or_else(|| find(Owner::Document, &layout.document))
}

/// Records a value, or the problem of a second, different one.
fn set(record: &mut Values, column: &Column, cell: Taken) -> Option<Problem> {
    match record.iter().find(|(p, _)| *p == column.path) {
        Some((_, old)) if old.text != cell.text => Some(Problem {
            message: format!(
                "{}: {} differs from {} at {}: a department's or project's value is the same on every row that repeats it",
                column.heading,
                Quote(&cell.text),
                Quote(&old.text),
                old.at
            ),
            at: cell.at,
        }),
        Some(_) => None,
        None => {
            record.push((column.path.clone(), cell));
            None
        }
    }
}

fn is_slug(text: &str) -> bool {
    let text = text.trim();
    !text.is_empty()
        && !text.starts_with('.')
        && !text.contains(['/', '\\', ':'])
        && !text.chars().any(char::is_control)
}

/// A file name from a department's name: its letters and digits, other
/// characters as `-`. The same name always gives the same file.
pub fn slug_of(name: &str) -> String {
    let mut slug = String::new();
    for c in name.trim().chars() {
        if c.is_alphanumeric() || c == '_' {
            slug.push(c);
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    let slug = slug.trim_end_matches('-').to_owned();
    if slug.is_empty() {
        "department".to_owned()
    } else {
        slug
    }
}

/// A document's fields in its contract's order.
fn build(
    doc: &Doc,
    layout: &Layout,
    contract: &Contract,
    form: &str,
    found: &mut Vec<Problem>,
) -> Vec<(String, Tree)> {
    let source = Source {
        values: &doc.values,
        doc,
        project: None,
        layout,
        form,
        found: std::cell::RefCell::new(Vec::new()),
    };
    for column in layout.document.iter().filter(|c| c.required) {
        let given = column.path == ["form"] || doc.values.iter().any(|(p, _)| *p == column.path);
        if !given {
            found.push(Problem {
                at: doc.name.at.clone(),
                message: format!(
                    "{} has no {} (required by form {form}): add a column {} to the {} sheet",
                    Quote(&doc.name.text),
                    column.heading,
                    column.heading,
                    layout::DEPARTMENTS
                ),
            });
        }
    }
    let entries = source.record(&contract.fields, &[]);
    found.extend(source.found.into_inner());
    entries
}

/// Where a record's values come from.
struct Source<'a> {
    values: &'a Values,
    doc: &'a Doc,
    project: Option<usize>,
    layout: &'a Layout,
    form: &'a str,
    found: std::cell::RefCell<Vec<Problem>>,
}

impl Source<'_> {
    fn owner(&self) -> Owner {
        if self.project.is_some() {
            Owner::Project
        } else {
            Owner::Document
        }
    }

    fn record(&self, fields: &[Field], path: &[String]) -> Vec<(String, Tree)> {
        let mut entries = Vec::new();
        for field in fields {
            let here: Vec<String> = path.iter().cloned().chain([field.key.clone()]).collect();
            let tree = match &field.kind {
                Kind::Record(children) | Kind::Grid(children) => {
                    let tree = Tree::Map(self.record(children, &here));
                    (!tree.is_empty()).then_some(tree)
                }
                Kind::List(children) if self.project.is_none() && here == ["projects"] => {
                    let projects: Vec<Tree> = (0..self.doc.projects.len())
                        .map(|p| {
                            let source = Source {
                                values: &self.doc.projects[p].values,
                                project: Some(p),
                                found: std::cell::RefCell::new(Vec::new()),
                                ..*self
                            };
                            let tree = Tree::Map(source.record(children, &[]));
                            self.found.borrow_mut().extend(source.found.into_inner());
                            tree
                        })
                        .collect();
                    (!projects.is_empty()).then_some(Tree::List(projects))
                }
                Kind::List(_) => self.list(&here),
                Kind::Indicators => self.table(&here),
                _ if here == ["form"] => Some(Tree::Text(self.form.to_owned(), None)),
                kind => self
                    .values
                    .iter()
                    .find(|(p, _)| *p == here)
                    .and_then(|(_, cell)| self.scalar(kind, &field.title, &field.key, cell)),
            };
            if let Some(tree) = tree {
                entries.push((field.key.clone(), tree));
            }
        }
        entries
    }

    fn scalar(&self, kind: &Kind, title: &str, key: &str, cell: &Taken) -> Option<Tree> {
        match scalar(kind, &cell.text, cell.at.clone()) {
            Ok(tree) => Some(tree),
            Err(why) => {
                self.found.borrow_mut().push(Problem {
                    at: cell.at.clone(),
                    message: format!("{title} ({key}): {why}"),
                });
                None
            }
        }
    }

    fn list(&self, path: &[String]) -> Option<Tree> {
        let list = self
            .layout
            .lists
            .iter()
            .find(|l| l.owner == self.owner() && l.path == path)?;
        let rows = &self
            .doc
            .lists
            .iter()
            .find(|(t, p, _)| *t == list.title && *p == self.project)?
            .2;
        let rows: Vec<&Vec<Values>> = rows.iter().collect();
        let items = self.items(list, 0, &rows);
        (!items.is_empty()).then_some(Tree::List(items))
    }

    /// The items of a list's level `depth`, from consecutive rows: rows
    /// that agree on this level's cells are one item, except at the last
    /// level, where each row is one.
    fn items(&self, list: &layout::List, depth: usize, rows: &[&Vec<Values>]) -> Vec<Tree> {
        let level = &list.levels[depth];
        let last = depth + 1 == list.levels.len();
        let own = |row: &Vec<Values>| -> Vec<String> {
            row[depth].iter().map(|(_, t)| t.text.clone()).collect()
        };
        let mut groups: Vec<Vec<&Vec<Values>>> = Vec::new();
        for row in rows {
            match groups.last_mut() {
                Some(group) if !last && own(group[0]) == own(row) => group.push(row),
                _ => groups.push(vec![row]),
            }
        }
        groups
            .into_iter()
            .map(|group| {
                let mut entries = Vec::new();
                for column in &level.columns {
                    let Some((_, cell)) = group[0][depth].iter().find(|(p, _)| *p == column.path)
                    else {
                        continue;
                    };
                    if let Some(tree) =
                        self.scalar(&column.kind, &column.title, &column.path.join("."), cell)
                    {
                        insert(&mut entries, &column.path, tree);
                    }
                }
                if !last {
                    let key = list.levels[depth + 1].key.clone();
                    entries.push((key, Tree::List(self.items(list, depth + 1, &group))));
                }
                Tree::Map(entries)
            })
            .collect()
    }

    fn table(&self, path: &[String]) -> Option<Tree> {
        let index = self
            .layout
            .tables
            .iter()
            .position(|t| t.owner == self.owner() && t.path == path)?;
        let rows = self
            .doc
            .tables
            .iter()
            .find(|t| t.project == self.project && t.table == index)?;
        let columns_path: Vec<String> =
            path.iter().cloned().chain(["columns".to_owned()]).collect();
        let declared = self.values.iter().find(|(p, _)| *p == columns_path);
        let columns: Vec<String> = match declared {
            Some((_, cell)) => {
                let columns = lines(&cell.text);
                for column in columns.iter().filter(|c| !rows.headings.contains(c)) {
                    self.found.borrow_mut().push(Problem {
                        at: cell.at.clone(),
                        message: format!("the value column {column} has no column of that heading in the indicator rows", column = Quote(&column)),
                    });
                }
                columns
            }
            None => rows.headings.clone(),
        };
        let mut groups: Vec<(String, Vec<Group>)> = Vec::new();
        for row in &rows.rows {
            let [l1, l2, name] = &row.names;
            let values = columns
                .iter()
                .map(|c| match row.values.iter().find(|(h, _)| h == c) {
                    Some((_, cell)) => Tree::Text(cell.text.clone(), Some(cell.at.clone())),
                    None => Tree::Text(String::new(), None),
                })
                .collect();
            let item = Tree::Map(vec![
                (
                    "name".to_owned(),
                    Tree::Text(name.text.clone(), Some(name.at.clone())),
                ),
                ("values".to_owned(), Tree::List(values)),
            ]);
            match groups.last_mut() {
                Some((n, level2)) if *n == l1.text => push_group(level2, &l2.text, item),
                _ => groups.push((l1.text.clone(), vec![(l2.text.clone(), vec![item])])),
            }
        }
        let text = |s: &str| Tree::Text(s.to_owned(), None);
        let groups = groups
            .into_iter()
            .map(|(name, level2)| {
                let level2 = level2
                    .into_iter()
                    .map(|(name, items)| {
                        Tree::Map(vec![
                            ("name".to_owned(), text(&name)),
                            ("items".to_owned(), Tree::List(items)),
                        ])
                    })
                    .collect();
                Tree::Map(vec![
                    ("name".to_owned(), text(&name)),
                    ("groups".to_owned(), Tree::List(level2)),
                ])
            })
            .collect();
        Some(Tree::Map(vec![
            (
                "columns".to_owned(),
                Tree::List(columns.iter().map(|c| text(c)).collect()),
            ),
            ("groups".to_owned(), Tree::List(groups)),
        ]))
    }
}

/// A group's name and items.
type Group = (String, Vec<Tree>);

/// Adds an item to the last group when it has the item's group name, else
/// to a new group: the rows of one group are consecutive.
fn push_group(groups: &mut Vec<Group>, name: &str, item: Tree) {
    match groups.last_mut() {
        Some((n, items)) if n == name => items.push(item),
        _ => groups.push((name.to_owned(), vec![item])),
    }
}

/// Puts a value at a path of keys into a record's entries.
fn insert(entries: &mut Vec<(String, Tree)>, path: &[String], tree: Tree) {
    let Some((first, rest)) = path.split_first() else {
        return;
    };
    if rest.is_empty() {
        entries.push((first.clone(), tree));
        return;
    }
    if !entries.iter().any(|(k, _)| k == first) {
        entries.push((first.clone(), Tree::Map(Vec::new())));
    }
    if let Some((_, Tree::Map(inner))) = entries.iter_mut().find(|(k, _)| k == first) {
        insert(inner, rest, tree);
    }
}

fn lines(text: &str) -> Vec<String> {
    text.lines().map(str::to_owned).collect()
}

/// A cell's text as the value of a field of `kind`, or why it cannot be:
/// read as the loader reads a data file's value ([`Kind::read`]), an
/// amount once its thousands separators are taken out.
fn scalar(kind: &Kind, text: &str, at: CellRef) -> Result<Tree, String> {
    let trimmed = text.trim();
    let value = match kind {
        Kind::Paragraphs => {
            return Ok(Tree::List(
                lines(text)
                    .into_iter()
                    .map(|l| Tree::Text(l, Some(at.clone())))
                    .collect(),
            ));
        }
        Kind::Money(_) => ungrouped(trimmed),
        Kind::Unit | Kind::Date | Kind::Period | Kind::Year | Kind::Choice(_) => trimmed.to_owned(),
        _ => return Ok(Tree::Text(text.to_owned(), Some(at))),
    };
    kind.read(&value).map_err(|bad| match bad {
        BadValue::Malformed { message, .. } => message,
        BadValue::NotThisKind => format!("{text} is not {}", kind.describe(), text = Quote(&text)),
        BadValue::NotAnOption(options) => {
            format!(
                "{text} is not one of the choices: {}",
                options.join("、"),
                text = Quote(&text)
            )
        }
    })?;
    Ok(match kind {
        Kind::Year => Tree::Plain(value, Some(at)),
        _ => Tree::Text(value, Some(at)),
    })
}

/// An amount shown with thousands separators (1,449,000.00), without them.
fn ungrouped(text: &str) -> String {
    let (whole, fraction) = text.split_at(text.find('.').unwrap_or(text.len()));
    let groups: Vec<&str> = whole.split(',').collect();
    let grouped = groups.len() > 1
        && (1..=3).contains(&groups[0].len())
        && groups[1..].iter().all(|g| g.len() == 3);
    if grouped {
        format!("{}{fraction}", groups.concat())
    } else {
        text.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::load_forms;
    use crate::templates::TemplateStore;

    fn grid(name: &str, rows: &[&[&str]]) -> Grid {
        Grid {
            name: name.to_owned(),
            rows: rows
                .iter()
                .map(|r| r.iter().map(|c| (*c).to_owned()).collect())
                .collect(),
            ..Grid::default()
        }
    }

    /// A data folder with no earlier years to compare with.
    fn no_data() -> PathBuf {
        std::env::temp_dir().join("jixiao-import-no-data")
    }

    fn national(grids: &[Grid]) -> Result<Imported, ImportError> {
        let forms = load_forms(&TemplateStore::built_in()).unwrap();
        import(grids, &forms, Some("national"), "t.xlsx", &no_data())
    }

    fn problems(result: Result<Imported, ImportError>) -> Vec<String> {
        match result {
            Err(ImportError::Cells(found)) => found.iter().map(ToString::to_string).collect(),
            other => panic!("{other:?}"),
        }
    }

    const HEAD: &[&str] = &[
        "单位名称",
        "预算年度",
        "标题",
        "项目名称",
        "资金总额",
        "金额单位",
        "一级指标",
        "二级指标",
        "三级指标",
        "指标值",
    ];

    fn row<'a>(department: &'a str, total: &'a str, name: &'a str) -> Vec<&'a str> {
        vec![
            department,
            "2023",
            "某局2023年项目支出绩效目标表",
            "办公设备购置",
            total,
            "万元",
            "产出指标",
            "数量指标",
            name,
            "≥10台",
        ]
    }

    /// A department's rows that `check` finds nothing wrong with: one
    /// indicator of each 一级指标 the form asks for.
    fn clean<'a>(department: &'a str, total: &'a str) -> Vec<Vec<&'a str>> {
        [
            ("产出指标", "数量指标", "购置台数", "≥10台"),
            ("产出指标", "质量指标", "验收合格率", "≥98%"),
            ("效益指标", "社会效益指标", "办公效率", "有效提升"),
            ("满意度指标", "服务对象满意度指标", "使用人员满意度", "≥90%"),
        ]
        .into_iter()
        .map(|(level1, level2, name, value)| {
            let mut cells = row(department, total, name);
            cells[6..].copy_from_slice(&[level1, level2, name, value]);
            cells
        })
        .collect()
    }

    #[test]
    fn one_row_per_indicator_gives_a_data_file_per_department() {
        let mut rows = vec![HEAD.to_vec()];
        rows.extend(clean("某局", "36.50"));
        rows.extend(clean("某所", "1,200.00"));
        let rows: Vec<&[&str]> = rows.iter().map(Vec::as_slice).collect();
        let imported = national(&[grid("指标", &rows)]);
        let found = match imported {
            Ok(i) => i,
            Err(e) => panic!("{e}"),
        };
        let paths: Vec<String> = found
            .files
            .iter()
            .map(|(p, _)| p.display().to_string())
            .collect();
        assert_eq!(paths, ["2023/某局.yaml", "2023/某所.yaml"]);
        let text = &found.files[0].1;
        assert!(text.contains("total: '36.50'"), "{text}");
        assert!(text.contains("- name: '验收合格率'"), "{text}");
        assert!(found.files[1].1.contains("total: '1200.00'"));
    }

    #[test]
    fn what_check_would_refuse_is_an_error_at_its_cell() {
        let mut rows = vec![HEAD.to_vec()];
        rows.extend(clean("某局", "36.50"));
        rows[2][9] = "≥10台";
        rows.extend(clean("某所", "1,200.00"));
        let rows: Vec<&[&str]> = rows.iter().map(Vec::as_slice).collect();
        let found = problems(national(&[grid("指标", &rows)]));
        assert_eq!(
            found,
            ["指标!J3: 比率类指标“验收合格率”的指标值“≥10台”不是百分比 [rate-unit]"],
            "the rule's finding, at the cell of the value, and for that department only"
        );
    }

    #[test]
    fn a_year_is_reviewed_against_the_year_before_it_in_the_same_workbook() {
        let mut rows = vec![HEAD.to_vec()];
        rows.extend(clean("某局", "36.50"));
        for mut earlier in clean("某局", "36.50") {
            earlier[1] = "2022";
            rows.push(earlier);
        }
        let rows: Vec<&[&str]> = rows.iter().map(Vec::as_slice).collect();
        let imported = national(&[grid("指标", &rows)]).unwrap();
        let warned: Vec<String> = imported
            .warnings
            .iter()
            .map(|d| format!("{}: {}", d.file.display(), d.code))
            .collect();
        let copied = no_data().join("2023/某局.yaml");
        assert!(
            warned.contains(&format!("{}: copied-from-last-year", copied.display())),
            "{warned:?}"
        );
    }

    #[test]
    fn a_bad_cell_is_named_with_its_field() {
        let rows = [
            HEAD.to_vec(),
            row("某局", "36.5万", "购置台数"),
            row("", "36.50", "x"),
        ];
        let rows: Vec<&[&str]> = rows.iter().map(Vec::as_slice).collect();
        let found = problems(national(&[grid("指标", &rows)]));
        assert!(
            found.iter().any(
                |p| p.starts_with("指标!E2: 资金总额 (funds.total): “36.5万” is not an amount")
            ),
            "{found:?}"
        );
        assert!(
            found
                .iter()
                .any(|p| p.starts_with("指标!A3: the department name")),
            "{found:?}"
        );
    }

    #[test]
    fn an_unknown_heading_is_reported_never_dropped() {
        let mut head = HEAD.to_vec();
        head.insert(3, "联系电话");
        let mut body = row("某局", "36.50", "购置台数");
        body.insert(3, "123");
        let found = problems(national(&[grid("指标", &[&head, &body])]));
        assert!(
            found
                .iter()
                .any(|p| p.starts_with("指标!D1: the heading “联系电话”")),
            "{found:?}"
        );
    }

    #[test]
    fn a_merged_cell_over_two_departments_is_refused() {
        let rows = [
            HEAD.to_vec(),
            row("某局", "36.50", "a"),
            row("某所", "36.50", "b"),
        ];
        let rows: Vec<&[&str]> = rows.iter().map(Vec::as_slice).collect();
        let mut sheet = grid("指标", &rows);
        sheet.merges.push(super::super::Span {
            first: (1, 6),
            last: (2, 6),
        });
        let found = problems(national(&[sheet]));
        assert!(
            found.iter().any(|p| p.starts_with(
                "指标!G2: the merged cell 指标!G2:G3 (一级指标) spans rows of two departments"
            )),
            "{found:?}"
        );
    }

    #[test]
    fn a_department_needs_a_form_the_project_has() {
        let forms = load_forms(&TemplateStore::built_in()).unwrap();
        let rows = [HEAD.to_vec(), row("某局", "36.50", "购置台数")];
        let rows: Vec<&[&str]> = rows.iter().map(Vec::as_slice).collect();
        let found = problems(import(
            &[grid("指标", &rows)],
            &forms,
            None,
            "t.xlsx",
            &no_data(),
        ));
        assert!(
            found[0].starts_with("指标!A2: no form for this department"),
            "{found:?}"
        );
        let found = problems(import(
            &[grid("指标", &rows)],
            &forms,
            Some("nationl"),
            "t.xlsx",
            &no_data(),
        ));
        assert!(
            found[0].starts_with("指标!A2: there is no form “nationl”"),
            "{found:?}"
        );
    }

    #[test]
    fn slugs_are_the_department_names_letters() {
        assert_eq!(slug_of("东莞市人大常委会办公室"), "东莞市人大常委会办公室");
        assert_eq!(slug_of(" 某局 / 某所（二） "), "某局-某所-二");
        assert_eq!(ungrouped("1,449,000.00"), "1449000.00");
        assert_eq!(ungrouped("1,44"), "1,44");
    }
}
