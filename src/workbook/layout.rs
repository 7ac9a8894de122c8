//! The long layout of a form, read from its contract: which sheet holds
//! which field, and under which heading.
//!
//! A document's own fields (and those of its records, such as 预算情况)
//! are columns of the departments sheet; a project's, of the projects
//! sheet; each other list (年度重点工作任务, a form's rows) has a sheet of
//! its own, a nested list (职能 → 工作及项目 → 年度目标) flattened into one
//! row per innermost item; every indicator table's rows are in the
//! indicators sheet, one row per 三级指标. A heading is the field's title
//! in the contract, qualified by its record's (项目资金·其他资金) where two
//! fields of a sheet share a title.

use crate::contract::{Contract, Field, Kind};

/// The sheets of the long layout, by the names export gives them.
pub const DEPARTMENTS: &str = "部门";
pub const PROJECTS: &str = "项目";
pub const INDICATORS: &str = "指标";

/// Headings that are no field of the contract.
pub const SLUG: &str = "数据文件";
pub const TABLE: &str = "指标表";
/// The suffix of the column naming a table's value columns.
pub const TABLE_COLUMNS: &str = "指标值列";
/// What joins a record's title to its field's in a qualified heading.
pub const JOIN: char = '·';

/// Whether an indicators sheet's heading is one of the tables' value
/// columns (实施周期指标值, 半年（程） 指标值, 绩效指标描述, 指标值确定依据),
/// which are the data's own, not the contract's.
pub fn is_value_heading(heading: &str) -> bool {
    ["指标值", "目标值", "指标描述", "确定依据"]
        .iter()
        .any(|w| heading.contains(w))
}

/// The record a column's path starts from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Owner {
    Document,
    Project,
}

/// A field printed in one cell.
#[derive(Clone, Debug)]
pub struct Column {
    /// Keys from its row's record to the field.
    pub path: Vec<String>,
    pub kind: Kind,
    pub title: String,
    /// Its record's title, for a qualified heading.
    pub parent: Option<String>,
    /// The heading export writes (set by [`Layout::of`]).
    pub heading: String,
    /// Other headings the contract lists for it.
    pub synonyms: Vec<String>,
    pub required: bool,
}

impl Column {
    /// The column of a field of the contract at `path`, under the record
    /// titled `parent`.
    fn of(field: &Field, path: Vec<String>, parent: Option<&str>, required: bool) -> Self {
        Self {
            path,
            kind: field.kind.clone(),
            title: field.title.clone(),
            parent: parent.map(str::to_owned),
            heading: String::new(),
            synonyms: field.synonyms.clone(),
            required,
        }
    }

    /// The headings import takes for it.
    pub fn accepts(&self, heading: &str) -> bool {
        let heading = heading.trim();
        heading == self.title
            || heading == self.heading
            || self.parent.as_ref().is_some_and(|p| {
                heading
                    .strip_prefix(p.as_str())
                    .and_then(|rest| rest.strip_prefix(JOIN))
                    == Some(self.title.as_str())
            })
            || self.synonyms.iter().any(|s| s == heading)
    }
}

/// A list with a sheet of its own.
#[derive(Clone, Debug)]
pub struct List {
    /// The sheet's name: the list's title.
    pub title: String,
    pub owner: Owner,
    /// Keys from the owner's record to the list.
    pub path: Vec<String>,
    /// Level 0 is the list's items; each further level a list inside the
    /// items of the one before, under the key `Level::key`.
    pub levels: Vec<Level>,
}

#[derive(Clone, Debug)]
pub struct Level {
    /// The key of this level's list in an item of the level before.
    pub key: String,
    pub columns: Vec<Column>,
}

/// An indicator table and where it stands.
#[derive(Clone, Debug)]
pub struct Table {
    pub owner: Owner,
    /// Keys from the owner's record to the table.
    pub path: Vec<String>,
    pub title: String,
}

impl Table {
    /// The heading of the column listing its value columns.
    pub fn columns_heading(&self) -> String {
        format!("{}{JOIN}{TABLE_COLUMNS}", self.title)
    }
}

/// A form's long layout.
#[derive(Clone, Debug)]
pub struct Layout {
    pub document: Vec<Column>,
    pub project: Vec<Column>,
    pub lists: Vec<List>,
    pub tables: Vec<Table>,
}

impl Layout {
    pub fn of(contract: &Contract) -> Self {
        let mut layout = Layout {
            document: Vec::new(),
            project: Vec::new(),
            lists: Vec::new(),
            tables: Vec::new(),
        };
        walk(
            &mut layout,
            &contract.fields,
            &[],
            Owner::Document,
            None,
            true,
        );
        for columns in [&mut layout.document, &mut layout.project] {
            set_headings(columns);
        }
        for list in &mut layout.lists {
            let mut all: Vec<Column> = list.levels.iter().flat_map(|l| l.columns.clone()).collect();
            set_headings(&mut all);
            let mut headings = all.into_iter().map(|c| c.heading);
            for level in &mut list.levels {
                for column in &mut level.columns {
                    column.heading = headings.next().unwrap_or_default();
                }
            }
        }
        let mut names: Vec<String> = Vec::new();
        for list in &mut layout.lists {
            if names.contains(&list.title)
                || [DEPARTMENTS, PROJECTS, INDICATORS].contains(&list.title.as_str())
            {
                list.title = format!("{}{JOIN}{}", owner_title(list.owner), list.title);
            }
            names.push(list.title.clone());
        }
        layout
    }

    /// The table of `owner` titled `title`, or its first when no title is given.
    pub fn table(&self, owner: Owner, title: &str) -> Option<usize> {
        self.tables
            .iter()
            .position(|t| t.owner == owner && (title.is_empty() || t.title == title))
    }
}

fn owner_title(owner: Owner) -> &'static str {
    match owner {
        Owner::Document => DEPARTMENTS,
        Owner::Project => PROJECTS,
    }
}

/// Collects the columns, lists and tables under `fields`.
fn walk(
    layout: &mut Layout,
    fields: &[Field],
    path: &[String],
    owner: Owner,
    parent: Option<&str>,
    required: bool,
) {
    for field in fields {
        let here: Vec<String> = path.iter().cloned().chain([field.key.clone()]).collect();
        let required = required && field.required;
        match &field.kind {
            Kind::Record(children) | Kind::Grid(children) => {
                walk(layout, children, &here, owner, Some(&field.title), required);
            }
            Kind::List(children) if owner == Owner::Document && here == ["projects"] => {
                walk(layout, children, &[], Owner::Project, None, true);
            }
            Kind::List(children) => {
                let mut levels = Vec::new();
                nest(&mut levels, field.key.clone(), children);
                layout.lists.push(List {
                    title: field.title.clone(),
                    owner,
                    path: here,
                    levels,
                });
            }
            Kind::Indicators => {
                let table = Table {
                    owner,
                    path: here.clone(),
                    title: field.title.clone(),
                };
                let column = Column {
                    path: here.iter().cloned().chain(["columns".to_owned()]).collect(),
                    kind: Kind::Paragraphs,
                    title: table.columns_heading(),
                    parent: None,
                    heading: String::new(),
                    synonyms: Vec::new(),
                    required: false,
                };
                layout.tables.push(table);
                push(layout, owner, column);
            }
            Kind::Blank => {}
            _ => push(layout, owner, Column::of(field, here, parent, required)),
        }
    }
}

fn push(layout: &mut Layout, owner: Owner, column: Column) {
    match owner {
        Owner::Document => layout.document.push(column),
        Owner::Project => layout.project.push(column),
    }
}

/// The levels of a list: its items' cells, then those of the first list
/// inside them.
fn nest(levels: &mut Vec<Level>, key: String, fields: &[Field]) {
    let mut columns = Vec::new();
    let mut inner = None;
    flatten(fields, &[], None, &mut columns, &mut inner);
    levels.push(Level { key, columns });
    if let Some((key, children)) = inner {
        nest(levels, key, &children);
    }
}

fn flatten(
    fields: &[Field],
    path: &[String],
    parent: Option<&str>,
    columns: &mut Vec<Column>,
    inner: &mut Option<(String, Vec<Field>)>,
) {
    for field in fields {
        let here: Vec<String> = path.iter().cloned().chain([field.key.clone()]).collect();
        match &field.kind {
            Kind::Record(children) | Kind::Grid(children) => {
                flatten(children, &here, Some(&field.title), columns, inner)
            }
            Kind::Blank => {}
            Kind::List(children) if inner.is_none() && path.is_empty() => {
                *inner = Some((field.key.clone(), children.clone()));
            }
            Kind::List(_) | Kind::Indicators => {}
            _ => columns.push(Column::of(field, here, parent, field.required)),
        }
    }
}

/// Each column's heading: its title, qualified by its record's where two
/// columns share it.
fn set_headings(columns: &mut [Column]) {
    let titles: Vec<String> = columns.iter().map(|c| c.title.clone()).collect();
    for column in columns.iter_mut() {
        let shared = titles.iter().filter(|t| **t == column.title).count() > 1;
        column.heading = match (&column.parent, shared) {
            (Some(parent), true) => format!("{parent}{JOIN}{}", column.title),
            _ => column.title.clone(),
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::load_forms;
    use crate::templates::TemplateStore;

    fn layout(form: &str) -> Layout {
        let forms = load_forms(&TemplateStore::built_in()).unwrap();
        Layout::of(forms.get(form).unwrap())
    }

    fn headings(columns: &[Column]) -> Vec<&str> {
        columns.iter().map(|c| c.heading.as_str()).collect()
    }

    #[test]
    fn every_field_has_one_heading_in_its_sheet() {
        let national = layout("national");
        let project = headings(&national.project);
        assert!(project.contains(&"项目名称") && project.contains(&"资金总额"));
        assert!(project.contains(&"项目资金·其他资金"));
        assert!(project.contains(&"年度资金申请·其他资金"));
        assert!(project.contains(&"绩效指标·指标值列"));
        let document = headings(&national.document);
        assert!(document.contains(&"部门名称") && document.contains(&"预算年度"));
        for columns in [&national.document, &national.project] {
            let mut seen = headings(columns);
            seen.sort();
            let count = seen.len();
            seen.dedup();
            assert_eq!(seen.len(), count, "{seen:?}");
        }
    }

    #[test]
    fn nested_lists_are_one_sheet_of_their_innermost_items() {
        let wuxi = layout("wuxi-rd");
        let functions = wuxi
            .lists
            .iter()
            .find(|l| l.path.last().unwrap() == "functions")
            .unwrap();
        assert_eq!(functions.levels.len(), 3);
        assert_eq!(
            headings(&functions.levels[2].columns),
            ["年度目标", "目标值"]
        );
        assert!(wuxi.tables.iter().any(|t| t.owner == Owner::Project));
    }

    #[test]
    fn a_department_column_goes_by_the_names_systems_give_it() {
        let national = layout("national");
        let department = national
            .document
            .iter()
            .find(|c| c.path == ["department"])
            .unwrap();
        for heading in ["部门名称", "单位名称", "预算单位", " 单位名称 "] {
            assert!(department.accepts(heading), "{heading}");
        }
        assert!(!department.accepts("项目名称"));
    }
}
