//! Forms are contracts: each form declares, in its `form.yaml`, which parts
//! of the common model it prints (required or optional) and the fields it
//! adds of its own, typed. A data file is checked against its form's
//! contract, every missing or unknown key at once; the template sees only
//! what the contract declares, and that it reads nothing else is verified
//! when the form is loaded. So when `jixiao check` passes, `build` does.
//!
//! ```yaml
//! description: 湖南某县 项目绩效目标表
//! prints:
//!   preamble: optional
//!   projects:
//!     required: true
//!     fields: {name: required, supervisor: required, indicators: required}
//! fields:
//!   project:
//!     leader: {type: text, title: 项目负责人, required: true}
//!     kind: {type: choice, title: 项目类型, options: [新增, 延续]}
//! ```

mod framework;
mod kind;
mod model;
mod sample;
mod schema;
mod skeleton;
mod spec;
mod validate;
mod view;

use std::collections::BTreeMap;
use std::path::PathBuf;

pub use kind::BadValue;
pub use sample::{Sample, samples};
pub use schema::{json_schema, schema_file};
pub use skeleton::skeleton;
pub use spec::{ContractError, FORM_FILE};
pub use validate::{Printed, Validation, validate};
pub use view::{Extras, extras, grid_view, published_json, view};

use crate::model::Unit;
use crate::templates::TemplateStore;
pub use framework::{Column, ColumnRole, FRAMEWORK_FILE, FormRules, Framework, Level1, Measure};

/// One field of a record: a key of the data file.
#[derive(Clone, Debug, PartialEq)]
pub struct Field {
    pub key: String,
    pub kind: Kind,
    /// Its name in the published document, e.g. 项目负责人.
    pub title: String,
    /// Other headings a workbook gives it (单位名称 for 部门名称), which
    /// `jixiao import` takes as its title.
    pub synonyms: Vec<String>,
    pub description: String,
    /// The data file must give it (lists: with at least the key).
    pub required: bool,
    /// The data file must give it when another field of the same record
    /// has a value (上年度预算安排 when 项目类型 is 延续).
    pub required_when: Option<Condition>,
    /// The form prints it; a value of a field not printed is a warning.
    pub printed: bool,
    pub role: Role,
}

/// An amount that is the sum of others: `projects.total` of
/// `projects.superior` and `projects.local`, or of a column of rows,
/// `projects.grid[].amount`. Paths are keys joined by dots; a list's items
/// are matched item by item, and `[]` sums a list's rows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sum {
    pub total: String,
    pub parts: Vec<String>,
}

/// A field of the same record and the value that makes another required.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Condition {
    pub field: String,
    pub value: String,
}

/// Where a field comes from and what it is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// A part of the common model.
    Model,
    /// Part of the model every form uses, printed or not (the form, the
    /// date, the waivers): never an unprinted field.
    Meta,
    /// A field the form adds.
    Extra,
}

/// What a field holds.
#[derive(Clone, Debug, PartialEq)]
pub enum Kind {
    /// One piece of text, published as written.
    Text,
    /// A list of paragraphs.
    Paragraphs,
    /// An exact amount, written as digits; the unit, when the form fixes it.
    Money(Option<Unit>),
    /// 元 or 万元.
    Unit,
    /// `YYYY-MM-DD`.
    Date,
    /// A date or a period: 2022-01-01, 2022年, 2021年度, 2021年1月至12月.
    Period,
    /// A four-digit year.
    Year,
    /// One of the options, printed as ☑/☐.
    Choice(Vec<String>),
    /// A mapping of fields.
    Record(Vec<Field>),
    /// A list of records: rows of a table.
    List(Vec<Field>),
    /// A fixed grid: named rows (each a record of its cells, by column),
    /// printed in the order the form declares them.
    Grid(Vec<Field>),
    /// A cell of a grid that is “——” by design: the data file leaves it out.
    Blank,
    /// An indicator table (see [`model::indicator_table`]).
    Indicators,
    /// An indicator or target value: any text.
    Value,
    /// An indicator's values, one per value column.
    Values,
}

impl Field {
    fn model(key: &str, kind: Kind, title: &str, description: &str) -> Self {
        Self {
            key: key.to_owned(),
            kind,
            title: title.to_owned(),
            synonyms: Vec::new(),
            description: description.to_owned(),
            required: false,
            required_when: None,
            printed: true,
            role: Role::Model,
        }
    }

    fn also(mut self, synonyms: &[&str]) -> Self {
        self.synonyms = synonyms.iter().map(|s| (*s).to_owned()).collect();
        self
    }

    fn required(mut self) -> Self {
        self.required = true;
        self
    }

    fn meta(mut self) -> Self {
        self.role = Role::Meta;
        self
    }

    /// The fields of a record, a list's rows or an indicator table.
    pub fn children(&self) -> Option<std::borrow::Cow<'_, [Field]>> {
        match &self.kind {
            Kind::Record(fields) | Kind::List(fields) | Kind::Grid(fields) => {
                Some(std::borrow::Cow::Borrowed(fields))
            }
            Kind::Indicators => Some(std::borrow::Cow::Owned(model::indicator_table())),
            _ => None,
        }
    }
}

/// Where a form comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    BuiltIn,
    /// A folder of the project's `templates/`.
    Project(PathBuf),
}

/// A form and what it takes.
#[derive(Clone, Debug)]
pub struct Contract {
    pub name: String,
    /// One line for `jixiao forms`.
    pub description: String,
    pub origin: Origin,
    /// The fields of a data file in this form, with what the form prints.
    pub fields: Vec<Field>,
    /// The unit the form prints every amount in (its headings say （万元）),
    /// when it fixes one: a data file's `unit:` cannot switch it.
    pub money_unit: Option<Unit>,
    /// The amounts that must add up, as the form declares them.
    pub sums: Vec<Sum>,
    /// The indicator frameworks its tables are held to.
    pub rules: FormRules,
}

impl Contract {
    /// The field at a path of keys joined by dots (`projects.funds.total`;
    /// `[]` after a list's key is allowed, `projects.grid[].amount`).
    pub fn field_at(&self, path: &str) -> Option<Field> {
        field_at(&self.fields, path)
    }
}

fn field_at(fields: &[Field], path: &str) -> Option<Field> {
    let (key, rest) = path.split_once('.').unwrap_or((path, ""));
    let field = fields
        .iter()
        .find(|f| f.key == key.trim_end_matches("[]"))?;
    if rest.is_empty() {
        return Some(field.clone());
    }
    field_at(&field.children()?, rest)
}

/// Every form of a run, by name.
#[derive(Clone, Debug, Default)]
pub struct Forms {
    pub contracts: BTreeMap<String, Contract>,
}

impl Forms {
    pub fn names(&self) -> Vec<&str> {
        self.contracts.keys().map(String::as_str).collect()
    }

    pub fn get(&self, name: &str) -> Option<&Contract> {
        self.contracts.get(name)
    }
}

/// The fields of a data file whose form is unknown: the model as it is,
/// so that the rest of the file is still checked.
pub fn any_form() -> Vec<Field> {
    model::document()
}

/// Loads every form of the store: its contract and its frameworks.
pub fn load_forms(store: &TemplateStore) -> Result<Forms, ContractError> {
    let mut forms = Forms::default();
    for name in store.forms() {
        forms
            .contracts
            .insert(name.to_owned(), spec::load(store, name)?);
    }
    Ok(forms)
}

/// A template store holding one form `t` of `form_yaml` with an empty
/// template, for the tests of this folder.
#[cfg(test)]
fn store_with_form(form_yaml: &str) -> TemplateStore {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "jixiao-form-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("forms/t")).unwrap();
    std::fs::write(dir.join("forms/t/main.typ.j2"), "").unwrap();
    std::fs::write(dir.join("forms/t/form.yaml"), form_yaml).unwrap();
    let store = TemplateStore::load(Some(&dir)).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    store
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A document with every field of the model, from the description.
    fn full(fields: &[Field], depth: usize) -> String {
        let pad = "  ".repeat(depth);
        let mut yaml = String::new();
        for field in fields {
            let value = sample(field, depth);
            yaml.push_str(&format!("{pad}{}:{value}\n", field.key));
        }
        yaml
    }

    fn sample(field: &Field, depth: usize) -> String {
        let pad = "  ".repeat(depth + 1);
        match &field.kind {
            Kind::Text | Kind::Value => " 示例".to_owned(),
            Kind::Paragraphs | Kind::Values => " [示例]".to_owned(),
            Kind::Money(_) => " 1.00".to_owned(),
            Kind::Unit => " 万元".to_owned(),
            Kind::Date | Kind::Period => " 2022-01-01".to_owned(),
            Kind::Year => " 2022".to_owned(),
            Kind::Choice(options) => format!(" {}", options[0]),
            Kind::Blank => " ~".to_owned(),
            Kind::Record(_) | Kind::Grid(_) | Kind::Indicators => {
                format!("\n{}", full(&field.children().unwrap(), depth + 1))
            }
            Kind::List(fields) => {
                let item = full(fields, depth + 2);
                format!("\n{pad}- {}", item.trim_start())
            }
        }
    }

    #[test]
    fn the_model_description_reads_into_the_typed_model() {
        let yaml = full(&model::document(), 0).replace("form: 示例", "form: national");
        let forms = load_forms(&TemplateStore::built_in()).unwrap();
        let document = crate::load::parse(std::path::Path::new("t.yaml"), &yaml, &forms)
            .unwrap_or_else(|d| panic!("{d:?}\n{yaml}"))
            .document;
        let json = serde_json::to_value(&document).unwrap();
        let back = crate::node::parse(&yaml, serde_saphyr::Options::default()).unwrap();
        assert_same_keys(&back, &json);
    }

    /// Every key the description writes comes back from the typed model.
    fn assert_same_keys(node: &crate::node::Node, json: &serde_json::Value) {
        use crate::node::Value;
        match (&node.value, json) {
            (Value::Map(entries), serde_json::Value::Object(object)) => {
                for (key, value) in entries {
                    let typed = object
                        .get(&key.name)
                        .unwrap_or_else(|| panic!("{} is not in the model", key.name));
                    assert_same_keys(value, typed);
                }
                assert_eq!(entries.len(), object.len(), "{:?}", object.keys());
            }
            (Value::List(items), serde_json::Value::Array(typed)) => {
                for (item, typed) in items.iter().zip(typed) {
                    assert_same_keys(item, typed);
                }
            }
            _ => {}
        }
    }

    #[test]
    fn every_built_in_form_loads_as_a_contract() {
        let forms = load_forms(&TemplateStore::built_in()).unwrap();
        assert_eq!(
            forms.names(),
            [
                "chengde-rd",
                "dongguan-rd",
                "national",
                "panzhihua-renhe-rd",
                "shanghai-songjiang-rd",
                "wuxi-rd"
            ]
        );
        assert!(forms.contracts.values().all(|c| !c.description.is_empty()));
    }
}
