//! Reading a form's `form.yaml` into its contract.

use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde_saphyr::Spanned;

use super::framework::{FRAMEWORK_FILE, FormRules, Framework};
use super::{Condition, Contract, Field, Kind, Origin, Role, Sum, model};
use crate::diag::{Code, Quote, foreign};
use crate::model::{Loc, Unit};
use crate::templates::{TemplateFile, TemplateStore};

/// The file of a form's folder that holds its contract.
pub const FORM_FILE: &str = "form.yaml";

/// Fields every form prints, whatever its `prints` says: the header and
/// title all forms share read them (who issued a document and when belong
/// on its first page).
const ALWAYS_PRINTED: &[&str] = &["year", "title", "department", "date"];

/// A form whose contract cannot be read, at the place that is wrong.
#[derive(Debug, thiserror::Error)]
pub struct ContractError {
    pub file: PathBuf,
    pub loc: Loc,
    pub message: String,
}

impl fmt::Display for ContractError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if self.loc.line > 0 {
            write!(f, ":{}", self.loc)?;
        }
        write!(f, ": {}", self.message)
    }
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FormFile {
    #[serde(default)]
    description: String,
    /// The unit every amount of the form is printed in.
    #[serde(default)]
    money_unit: Option<Unit>,
    #[serde(default)]
    prints: Option<Ordered<Print>>,
    #[serde(default)]
    fields: Additions,
    #[serde(default)]
    indicators: Option<Framework>,
    #[serde(default)]
    department_indicators: Option<Framework>,
    /// Other headings workbooks give a field, by its path
    /// (`projects.funds.total: [项目资金总额]`), for `jixiao import`.
    #[serde(default)]
    synonyms: Ordered<Vec<String>>,
    /// Amounts that must add up: a total's path and its parts' paths.
    #[serde(default)]
    sums: Ordered<Vec<String>>,
}

/// The fields a form adds, by the record they are added to.
#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Additions {
    #[serde(default)]
    document: Ordered<Extra>,
    #[serde(default)]
    department_target: Ordered<Extra>,
    #[serde(default)]
    project: Ordered<Extra>,
    /// Sources of a project's funds the form names (上级补助, 单位自筹),
    /// added to `projects.funds`; its `sums:` then says what adds up to
    /// the total.
    #[serde(default)]
    funds: Ordered<Extra>,
}

/// A field a form adds.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Extra {
    #[serde(rename = "type")]
    kind: ExtraType,
    /// Its printed name; a grid's column may leave it out, its key being
    /// its heading.
    #[serde(default)]
    title: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    required: bool,
    /// A choice's options.
    #[serde(default)]
    options: Vec<String>,
    /// A money field's unit.
    #[serde(default)]
    unit: Option<Unit>,
    /// The columns of rows or of a grid.
    #[serde(default)]
    columns: Ordered<Extra>,
    /// A grid's rows, by the names it prints (资金来源: 财政拨款, 自筹资金, 合计).
    #[serde(default)]
    rows: Vec<String>,
    /// A grid's cells that are “——” by design: the columns of each row
    /// that the data leaves out (`blank: {上年结转: [本年]}`).
    #[serde(default)]
    blank: Ordered<Vec<String>>,
    /// Required when another field of the record has a value:
    /// `required_when: {kind: 延续}`.
    #[serde(default)]
    required_when: Option<BTreeMap<String, String>>,
}

#[derive(Clone, Copy, Deserialize)]
#[serde(try_from = "String")]
enum ExtraType {
    Text,
    Paragraphs,
    Money,
    Date,
    Period,
    Choice,
    Rows,
    Grid,
    Indicators,
    Signoff,
}

/// The types of field a form may add, by the name form.yaml gives them.
const EXTRA_TYPES: [(&str, ExtraType); 10] = [
    ("text", ExtraType::Text),
    ("paragraphs", ExtraType::Paragraphs),
    ("money", ExtraType::Money),
    ("date", ExtraType::Date),
    ("period", ExtraType::Period),
    ("choice", ExtraType::Choice),
    ("rows", ExtraType::Rows),
    ("grid", ExtraType::Grid),
    ("indicators", ExtraType::Indicators),
    ("signoff", ExtraType::Signoff),
];

impl TryFrom<String> for ExtraType {
    type Error = String;

    /// The type named, or a sentence listing the types.
    fn try_from(name: String) -> Result<Self, String> {
        super::framework::named(&EXTRA_TYPES, &name, "a type of field")
    }
}

/// How a form prints a part of the model.
enum Print {
    Required,
    Optional,
    /// A record or list, printed with only the fields named.
    Detail {
        required: bool,
        fields: Ordered<Print>,
    },
}

/// A mapping whose order is kept: the order a form declares its fields in
/// is the order `jixiao new` writes them.
struct Ordered<T>(Vec<(Spanned<String>, T)>);

impl<T> Default for Ordered<T> {
    fn default() -> Self {
        Self(Vec::new())
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Ordered<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct OrderedVisitor<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for OrderedVisitor<T> {
            type Value = Ordered<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a mapping")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut entries = Vec::new();
                while let Some(entry) = map.next_entry()? {
                    entries.push(entry);
                }
                Ok(Ordered(entries))
            }
        }
        deserializer.deserialize_map(OrderedVisitor(PhantomData))
    }
}

impl<'de> Deserialize<'de> for Print {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct PrintVisitor;
        impl<'de> Visitor<'de> for PrintVisitor {
            type Value = Print;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("`required`, `optional`, or a mapping with `required` and `fields`")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Print, E> {
                match v {
                    "required" => Ok(Print::Required),
                    "optional" => Ok(Print::Optional),
                    other => Err(E::invalid_value(de::Unexpected::Str(other), &self)),
                }
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Print, A::Error> {
                let (mut required, mut fields) = (false, Ordered::default());
                while let Some(key) = map.next_key::<String>()? {
                    match key.as_str() {
                        "required" => required = map.next_value()?,
                        "fields" => fields = map.next_value()?,
                        other => {
                            return Err(de::Error::unknown_field(other, &["required", "fields"]));
                        }
                    }
                }
                Ok(Print::Detail { required, fields })
            }
        }
        deserializer.deserialize_any(PrintVisitor)
    }
}

/// The contract of the form `name`: its `form.yaml`, or the model printed
/// whole for a form without one.
pub fn load(store: &TemplateStore, name: &str) -> Result<Contract, ContractError> {
    let own = format!("forms/{name}/{FORM_FILE}");
    let form = match store.get(&own) {
        Some(file) => read(file)?,
        None => FormFile::default(),
    };
    let origin = match store.get(&TemplateStore::form_entry(name)) {
        Some(file) if !file.built_in => Origin::Project(file.origin.clone()),
        _ => Origin::BuiltIn,
    };
    let at = |file: &TemplateFile| file.origin.clone();
    let file_of_errors = store.get(&own).map_or_else(|| PathBuf::from(&own), at);
    let mut fields = model::document();
    if let Some(prints) = &form.prints {
        print_only(&mut fields, prints, &file_of_errors, true)?;
    }
    add_extras(&mut fields, &form.fields, &file_of_errors)?;
    conditions_hold(&fields).map_err(|(key, message)| ContractError {
        loc: Loc::new(
            store
                .get(&own)
                .map_or(0, |f| line_naming(&f.bytes, &format!("{key}:"))),
            0,
        ),
        file: file_of_errors.clone(),
        message,
    })?;
    add_synonyms(&mut fields, &form.synonyms, &file_of_errors)?;
    let indicators = match form.indicators {
        Some(framework) => {
            sound(&framework, store.get(&own))?;
            framework
        }
        None => classic(store)?,
    };
    if let Some(framework) = &form.department_indicators {
        sound(framework, store.get(&own))?;
    }
    let sums = sums(&fields, &form.sums, &file_of_errors)?;
    sources_summed(&form.fields.funds, &sums, &file_of_errors)?;
    Ok(Contract {
        name: name.to_owned(),
        description: form.description,
        origin,
        fields,
        money_unit: form.money_unit,
        sums,
        rules: FormRules {
            indicators,
            department_indicators: form.department_indicators,
        },
    })
}

/// The form file, or what is wrong with it in the parser's user-facing
/// words (its place shown once, on its own).
fn read(file: &TemplateFile) -> Result<FormFile, ContractError> {
    use serde_saphyr::MessageFormatter;
    serde_saphyr::from_slice(&file.bytes).map_err(|e| ContractError {
        file: file.origin.clone(),
        loc: e.location().map(Loc::from).unwrap_or_default(),
        message: foreign(serde_saphyr::UserMessageFormatter.format_message(&e).trim()).into_owned(),
    })
}

/// A framework with nothing wrong with it (see [`Framework::problems`]);
/// else the first problem, at the line of `file` that names the category.
fn sound(framework: &Framework, file: Option<&TemplateFile>) -> Result<(), ContractError> {
    let Some((name, message)) = framework.problems().into_iter().next() else {
        return Ok(());
    };
    let (file, line) = match file {
        Some(file) => (file.origin.clone(), line_naming(&file.bytes, &name)),
        None => (PathBuf::from(FRAMEWORK_FILE), 0),
    };
    Err(ContractError {
        file,
        loc: Loc::new(line, 0),
        message,
    })
}

/// The first line of a form file that names `name`, past the comments.
fn line_naming(bytes: &[u8], name: &str) -> u32 {
    String::from_utf8_lossy(bytes)
        .lines()
        .position(|line| {
            let code = line.split('#').next().unwrap_or_default();
            code.contains(name)
        })
        .map_or(0, |i| i as u32 + 1)
}

/// The framework of forms that declare none.
fn classic(store: &TemplateStore) -> Result<Framework, ContractError> {
    let file = store.get(FRAMEWORK_FILE).ok_or_else(|| ContractError {
        file: PathBuf::from(FRAMEWORK_FILE),
        loc: Loc::default(),
        message: "the classic indicator framework is missing".to_owned(),
    })?;
    let framework = read(file)?.indicators.ok_or_else(|| ContractError {
        file: file.origin.clone(),
        loc: Loc::default(),
        message: "has no `indicators`".to_owned(),
    })?;
    sound(&framework, Some(file))?;
    Ok(framework)
}

/// Marks the model fields a form prints, and those it requires.
fn print_only(
    fields: &mut [Field],
    prints: &Ordered<Print>,
    file: &Path,
    top: bool,
) -> Result<(), ContractError> {
    for field in fields.iter_mut().filter(|f| f.role == Role::Model) {
        field.printed = top && ALWAYS_PRINTED.contains(&field.key.as_str());
    }
    for (key, print) in &prints.0 {
        let error = |message: String| ContractError {
            file: file.to_owned(),
            loc: Loc::from(key.referenced),
            message,
        };
        let known: Vec<String> = fields
            .iter()
            .filter(|f| f.role == Role::Model)
            .map(|f| f.key.clone())
            .collect();
        let Some(field) = fields
            .iter_mut()
            .find(|f| f.key == key.value && f.role == Role::Model)
        else {
            return Err(error(format!(
                "{} is not a part of the model here; the parts are: {}",
                Code(&key.value),
                known.join(", ")
            )));
        };
        field.printed = true;
        match print {
            Print::Required => field.required = true,
            Print::Optional => {}
            Print::Detail { required, fields } => {
                field.required |= required;
                match &mut field.kind {
                    Kind::Record(children) | Kind::List(children) => {
                        print_only(children, fields, file, false)?
                    }
                    _ => {
                        return Err(error(format!(
                            "{} has no fields to choose from; write `required` or `optional`",
                            Code(&key.value)
                        )));
                    }
                }
            }
        }
    }
    Ok(())
}

/// Adds the form's own fields to the records they belong to.
fn add_extras(
    fields: &mut Vec<Field>,
    additions: &Additions,
    file: &Path,
) -> Result<(), ContractError> {
    add_to(fields, &additions.document, file)?;
    for (record, extras) in [
        ("department_target", &additions.department_target),
        ("project", &additions.project),
    ] {
        if extras.0.is_empty() {
            continue;
        }
        let key = if record == "project" {
            "projects"
        } else {
            record
        };
        if let Some(Field {
            kind: Kind::Record(children) | Kind::List(children),
            ..
        }) = fields.iter_mut().find(|f| f.key == key)
        {
            add_to(children, extras, file)?;
        }
    }
    if !additions.funds.0.is_empty()
        && let Some(projects) = fields.iter_mut().find(|f| f.key == "projects")
        && let Kind::List(project) = &mut projects.kind
        && let Some(Field {
            kind: Kind::Record(funds),
            ..
        }) = project.iter_mut().find(|f| f.key == "funds")
    {
        add_to(funds, &additions.funds, file)?;
    }
    Ok(())
}

fn add_to(
    fields: &mut Vec<Field>,
    extras: &Ordered<Extra>,
    file: &Path,
) -> Result<(), ContractError> {
    for (key, extra) in &extras.0 {
        let error = |message: String| ContractError {
            file: file.to_owned(),
            loc: Loc::from(key.referenced),
            message,
        };
        if fields.iter().any(|f| f.key == key.value) {
            return Err(error(format!(
                "{} is already a field here; give the form's own field another key",
                Code(&key.value)
            )));
        }
        if !is_key(&key.value) {
            return Err(error(format!(
                "{} is not a usable key: write lowercase letters, digits and _, e.g. contact_phone",
                Code(&key.value)
            )));
        }
        let field = extra_field(&key.value, extra).map_err(|fault| ContractError {
            loc: fault.at.unwrap_or(Loc::from(key.referenced)),
            ..error(fault.message)
        })?;
        fields.push(field);
    }
    Ok(())
}

/// Gives the fields the headings a form lists for them.
fn add_synonyms(
    fields: &mut [Field],
    synonyms: &Ordered<Vec<String>>,
    file: &Path,
) -> Result<(), ContractError> {
    for (path, names) in &synonyms.0 {
        let keys: Vec<&str> = path.value.split('.').collect();
        let field = field_at(fields, &keys);
        let Some(field) = field else {
            return Err(ContractError {
                file: file.to_owned(),
                loc: Loc::from(path.referenced),
                message: format!(
                    "{} is not a field of the form: write its keys joined by dots, e.g. projects.funds.total",
                    Code(&path.value)
                ),
            });
        };
        field.synonyms.extend(names.iter().cloned());
    }
    Ok(())
}

/// The field at a path of keys, through records and lists.
fn field_at<'f>(fields: &'f mut [Field], path: &[&str]) -> Option<&'f mut Field> {
    let (first, rest) = path.split_first()?;
    let field = fields.iter_mut().find(|f| f.key == *first)?;
    if rest.is_empty() {
        return Some(field);
    }
    match &mut field.kind {
        Kind::Record(children) | Kind::List(children) => field_at(children, rest),
        _ => None,
    }
}

fn is_key(key: &str) -> bool {
    key.starts_with(|c: char| c.is_ascii_lowercase())
        && key
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// A property given to a type it does not belong to: `unit` on a text,
/// `options` on anything but a choice, `columns` on anything but rows.
fn misplaced(key: &str, extra: &Extra) -> Option<String> {
    let kind = extra.kind;
    let says = |property: &str, belongs: &str| {
        format!(
            "{key} has {property}, which only {belongs} take: remove it, or change its `type`",
            property = Code(&property),
            key = Code(&key)
        )
    };
    if extra.unit.is_some() && !matches!(kind, ExtraType::Money) {
        return Some(says("unit", "money fields"));
    }
    if !extra.options.is_empty() && !matches!(kind, ExtraType::Choice) {
        return Some(says("options", "choices"));
    }
    if !extra.columns.0.is_empty() && !matches!(kind, ExtraType::Rows | ExtraType::Grid) {
        return Some(says("columns", "rows and grids"));
    }
    if !extra.rows.is_empty() && !matches!(kind, ExtraType::Grid) {
        return Some(says("rows", "grids"));
    }
    if !extra.blank.0.is_empty() && !matches!(kind, ExtraType::Grid) {
        return Some(says("blank", "grids"));
    }
    let options = &extra.options;
    let twice = (1..options.len()).find(|&i| options[..i].contains(&options[i]));
    twice.map(|i| {
        format!(
            "the choice {key} lists {} twice",
            Quote(&options[i]),
            key = Code(&key)
        )
    })
}

/// A mistake in a field form.yaml adds, and its place when that is not the
/// field's key (a `blank` entry of a grid is on a line of its own).
struct Fault {
    message: String,
    at: Option<Loc>,
}

impl From<String> for Fault {
    fn from(message: String) -> Self {
        Self { message, at: None }
    }
}

fn extra_field(key: &str, extra: &Extra) -> Result<Field, Fault> {
    if let Some(problem) = misplaced(key, extra) {
        return Err(problem.into());
    }
    if extra.title.is_empty() {
        return Err(format!(
            "{key} has no `title`: give the name the form prints, e.g. `title: 项目负责人`",
            key = Code(&key)
        )
        .into());
    }
    let kind = match extra.kind {
        ExtraType::Text => Kind::Text,
        ExtraType::Paragraphs => Kind::Paragraphs,
        ExtraType::Money => Kind::Money(extra.unit),
        ExtraType::Date => Kind::Date,
        ExtraType::Period => Kind::Period,
        ExtraType::Indicators => Kind::Indicators,
        ExtraType::Choice if extra.options.len() >= 2 => Kind::Choice(extra.options.clone()),
        ExtraType::Choice => {
            return Err(format!(
                "the choice {key} needs at least two `options`",
                key = Code(&key)
            )
            .into());
        }
        ExtraType::Rows if !extra.columns.0.is_empty() => {
            let columns = extra
                .columns
                .0
                .iter()
                .map(|(column, spec)| match spec.kind {
                    ExtraType::Rows | ExtraType::Indicators | ExtraType::Signoff => Err(format!(
                        "the column {} of {key} must be text, paragraphs, money, a date, a period or a choice",
                        Code(&column.value), key = Code(&key)
                    ).into()),
                    _ => extra_field(&column.value, spec),
                })
                .collect::<Result<_, _>>()?;
            Kind::List(columns)
        }
        ExtraType::Rows => {
            return Err(format!("the rows {key} need `columns`", key = Code(&key)).into());
        }
        ExtraType::Grid => Kind::Grid(grid(key, extra)?),
        ExtraType::Signoff => Kind::Record(signoff()),
    };
    Ok(Field {
        key: key.to_owned(),
        kind,
        title: extra.title.clone(),
        synonyms: Vec::new(),
        description: extra.description.clone(),
        required: extra.required,
        required_when: condition(key, extra)?,
        printed: true,
        role: Role::Extra,
    })
}

/// A grid's rows, each a record of its cells by column: a cell is required
/// when its column says so, except those its `blank` declares “——”, which
/// are [`Kind::Blank`]; a row is required when it has a required cell.
/// A row or column named twice, a blank naming a row or column the grid
/// lacks, or a column that is not money or text is an error in the form.
fn grid(key: &str, extra: &Extra) -> Result<Vec<Field>, Fault> {
    if extra.rows.is_empty() || extra.columns.0.is_empty() {
        return Err(format!(
            "the grid {key} needs `rows` (the names it prints, e.g. [财政拨款, 合计]) and `columns` (e.g. {{金额: {{type: money}}}})", key = Code(&key)
        ).into());
    }
    let rows = &extra.rows;
    if let Some(i) = (1..rows.len()).find(|&i| rows[..i].contains(&rows[i])) {
        return Err(format!(
            "the grid {key} lists the row {} twice",
            Quote(&rows[i]),
            key = Code(&key)
        )
        .into());
    }
    let columns: Vec<&str> = extra
        .columns
        .0
        .iter()
        .map(|(c, _)| c.value.as_str())
        .collect();
    for (row, blank) in &extra.blank.0 {
        let at_entry = |message| Fault {
            message,
            at: Some(Loc::from(row.referenced)),
        };
        if !rows.contains(&row.value) {
            return Err(at_entry(format!(
                "`blank` of the grid {key} names the row {}, which it does not have: its rows are {}",
                Quote(&row.value),
                rows.join(", "),
                key = Code(&key)
            )));
        }
        if let Some(column) = blank.iter().find(|c| !columns.contains(&c.as_str())) {
            return Err(at_entry(format!(
                "`blank` of the grid {key} names the column {column} in the row {}, which it does not have: its columns are {}",
                Quote(&row.value),
                columns.join(", "),
                column = Quote(&column),
                key = Code(&key)
            )));
        }
    }
    let cells = extra
        .columns
        .0
        .iter()
        .map(|(column, spec)| {
            let kind = match spec.kind {
                ExtraType::Money => Kind::Money(spec.unit),
                ExtraType::Text => Kind::Text,
                _ => {
                    return Err(format!(
                        "the column {} of the grid {key} must be money or text",
                        Code(&column.value),
                        key = Code(&key)
                    )
                    .into());
                }
            };
            if let Some(problem) = misplaced(&column.value, spec) {
                return Err(problem.into());
            }
            let title = if spec.title.is_empty() {
                column.value.clone()
            } else {
                spec.title.clone()
            };
            Ok(Field {
                required_when: condition(&column.value, spec)?,
                ..grid_field(&column.value, kind, &title, spec.required)
            })
        })
        .collect::<Result<Vec<_>, Fault>>()?;
    Ok(rows
        .iter()
        .map(|row| {
            let blank = extra
                .blank
                .0
                .iter()
                .find(|(r, _)| &r.value == row)
                .map_or(&[][..], |(_, columns)| columns.as_slice());
            let row_cells = cells
                .iter()
                .map(|cell| {
                    if blank.contains(&cell.key) {
                        Field {
                            kind: Kind::Blank,
                            required: false,
                            required_when: None,
                            ..cell.clone()
                        }
                    } else {
                        cell.clone()
                    }
                })
                .collect::<Vec<_>>();
            let required = row_cells.iter().any(|c| c.required);
            grid_field(row, Kind::Record(row_cells), row, required)
        })
        .collect())
}

/// A row or cell of a grid, named by its printed name.
fn grid_field(key: &str, kind: Kind, title: &str, required: bool) -> Field {
    Field {
        key: key.to_owned(),
        kind,
        title: title.to_owned(),
        synonyms: Vec::new(),
        description: String::new(),
        required,
        required_when: None,
        printed: true,
        role: Role::Extra,
    }
}

/// The form's sums, every path in them an amount of the form.
fn sums(
    fields: &[Field],
    declared: &Ordered<Vec<String>>,
    file: &Path,
) -> Result<Vec<Sum>, ContractError> {
    let mut sums = Vec::new();
    for (total, parts) in &declared.0 {
        let error = |message: String| ContractError {
            file: file.to_owned(),
            loc: Loc::from(total.referenced),
            message,
        };
        if parts.is_empty() {
            return Err(error(format!(
                "the sum {} lists no parts",
                Code(&total.value)
            )));
        }
        for path in std::iter::once(&total.value).chain(parts) {
            if !super::field_at(fields, path).is_some_and(|f| matches!(f.kind, Kind::Money(_))) {
                return Err(error(format!(
                    "the sum {} names {path}, which is not an amount of the form: write the keys of a money field joined by dots (`[]` after a list of rows to add its column), e.g. projects.funds.fiscal",
                    Code(&total.value),
                    path = Code(&path)
                )));
            }
        }
        sums.push(Sum {
            total: total.value.clone(),
            parts: parts.clone(),
        });
    }
    Ok(sums)
}

/// A form that adds sources of money to the funds says what their total is
/// the sum of: else the common 财政资金 + 其他资金 would be held to the
/// total without them, a `funds-sum` the data could never fix.
fn sources_summed(funds: &Ordered<Extra>, sums: &[Sum], file: &Path) -> Result<(), ContractError> {
    let Some((key, _)) = funds
        .0
        .iter()
        .find(|(_, e)| matches!(e.kind, ExtraType::Money))
    else {
        return Ok(());
    };
    if sums.iter().any(|s| s.total == "projects.funds.total") {
        return Ok(());
    }
    Err(ContractError {
        file: file.to_owned(),
        loc: Loc::from(key.referenced),
        message: format!(
            "the funds have the form's own source {}, but no sum says what 资金总额 adds up: add under `sums:` a line `projects.funds.total: [projects.funds.fiscal, …]` whose parts include {}",
            Code(&key.value),
            Code(format!("projects.funds.{}", key.value))
        ),
    })
}

/// A field's `required_when`, one field and its value.
fn condition(key: &str, extra: &Extra) -> Result<Option<Condition>, String> {
    let Some(when) = &extra.required_when else {
        return Ok(None);
    };
    let mut pairs = when.iter();
    match (pairs.next(), pairs.next()) {
        (Some((field, value)), None) => Ok(Some(Condition {
            field: field.clone(),
            value: value.clone(),
        })),
        _ => Err(format!(
            "`required_when` of {key} names one field and its value, e.g. `required_when: {{kind: 延续}}`",
            key = Code(&key)
        )),
    }
}

/// Every condition of `fields` names a field of the same record, and a
/// value it can take when that field is a choice; else the field whose
/// condition does not, and why.
fn conditions_hold(fields: &[Field]) -> Result<(), (String, String)> {
    for field in fields {
        if let Some(condition) = &field.required_when {
            let Some(other) = fields.iter().find(|f| f.key == condition.field) else {
                let message = format!(
                    "{} is required when {} is {}, but this record has no field {}",
                    Code(&field.key),
                    Code(&condition.field),
                    Quote(&condition.value),
                    Code(&condition.field)
                );
                return Err((field.key.clone(), message));
            };
            if let Kind::Choice(options) = &other.kind
                && !options.contains(&condition.value)
            {
                let message = format!(
                    "{} is required when {} is {}, which is not one of its options: {}",
                    Code(&field.key),
                    Code(&condition.field),
                    Quote(&condition.value),
                    options.join(", ")
                );
                return Err((field.key.clone(), message));
            }
        }
        if let Kind::Record(children) | Kind::List(children) | Kind::Grid(children) = &field.kind {
            conditions_hold(children)?;
        }
    }
    Ok(())
}

/// A sign-off block: the reviewer's opinion, who signed it and when.
fn signoff() -> Vec<Field> {
    let field = |key: &str, kind, title: &str| Field {
        key: key.to_owned(),
        kind,
        title: title.to_owned(),
        synonyms: Vec::new(),
        description: String::new(),
        required: false,
        required_when: None,
        printed: true,
        role: Role::Extra,
    };
    vec![
        field("opinion", Kind::Text, "审核意见"),
        field("signer", Kind::Text, "审核人"),
        field("date", Kind::Period, "日期"),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(yaml: &str) -> Result<Contract, ContractError> {
        load(&crate::contract::store_with_form(yaml), "t")
    }

    fn field<'c>(fields: &'c [Field], key: &str) -> &'c Field {
        fields.iter().find(|f| f.key == key).unwrap()
    }

    #[test]
    fn a_form_prints_what_it_names_and_requires_what_it_says() {
        let contract = form(
            "description: x\nprints:\n  preamble: required\n  projects:\n    required: true\n    fields: {name: required, goal: optional, indicators: required}\n",
        )
        .unwrap();
        let fields = &contract.fields;
        assert!(field(fields, "preamble").printed && field(fields, "preamble").required);
        assert!(
            field(fields, "title").printed,
            "the header prints the title"
        );
        assert!(!field(fields, "part").printed);
        let projects = field(fields, "projects");
        assert!(projects.required);
        let children = projects.children().unwrap();
        assert!(field(&children, "goal").printed && !field(&children, "goal").required);
        assert!(!field(&children, "explanation").printed);
    }

    #[test]
    fn extra_fields_are_typed() {
        let contract = form(
            "fields:\n  project:\n    leader: {type: text, title: 项目负责人, required: true}\n    kind: {type: choice, title: 项目类型, options: [新增, 延续]}\n    plan: {type: rows, title: 实施进度计划, columns: {content: {type: text, title: 内容}, start: {type: period, title: 开始时间}}}\n    long_term: {type: indicators, title: 长期绩效指标}\n  document:\n    review: {type: signoff, title: 财政局审核意见}\n",
        )
        .unwrap();
        let projects = field(&contract.fields, "projects").children().unwrap();
        assert_eq!(field(&projects, "leader").role, Role::Extra);
        assert_eq!(
            field(&projects, "kind").kind,
            Kind::Choice(vec!["新增".into(), "延续".into()])
        );
        assert!(
            matches!(&field(&projects, "plan").kind, Kind::List(columns) if columns.len() == 2)
        );
        assert_eq!(field(&projects, "long_term").kind, Kind::Indicators);
        assert!(matches!(
            field(&contract.fields, "review").kind,
            Kind::Record(_)
        ));
    }

    #[test]
    fn a_property_of_another_type_is_an_error_at_its_field() {
        for (yaml, says) in [
            (
                "leader: {type: text, title: 负责人, unit: 元}",
                "`leader` has `unit`",
            ),
            (
                "kind: {type: text, title: 类型, options: [a, b]}",
                "`kind` has `options`",
            ),
            (
                "kind: {type: choice, title: 类型, options: [新增, 新增]}",
                "lists “新增” twice",
            ),
        ] {
            let error = form(&format!("fields:\n  project:\n    {yaml}\n")).unwrap_err();
            assert!(error.message.contains(says), "{error}");
            assert_eq!(error.loc.line, 3, "{error}");
        }
    }

    #[test]
    fn a_condition_names_a_field_of_its_record_and_one_of_its_values() {
        let fields =
            "fields:\n  project:\n    kind: {type: choice, title: 类型, options: [新增, 延续]}\n";
        let ok = format!(
            "{fields}    last: {{type: money, title: 上年, required_when: {{kind: 延续}}}}\n"
        );
        assert!(form(&ok).is_ok());
        for (when, says) in [
            ("{kind: 续建}", "not one of its options"),
            ("{knd: 延续}", "no field `knd`"),
        ] {
            let yaml =
                format!("{fields}    last: {{type: money, title: 上年, required_when: {when}}}\n");
            let error = form(&yaml).unwrap_err();
            assert!(error.message.contains(says), "{error}");
            assert_eq!(error.loc.line, 4, "{error}");
        }
    }

    #[test]
    fn a_sum_names_amounts_of_the_form() {
        let fields = "fields:\n  project:\n    a: {type: money, title: 甲}\n    b: {type: money, title: 乙}\n    t: {type: money, title: 合计}\n";
        let sums = |s: &str| format!("{fields}sums:\n  {s}\n");
        assert_eq!(
            form(&sums("projects.t: [projects.a, projects.b]"))
                .unwrap()
                .sums
                .len(),
            1
        );
        let error = form(&sums("projects.t: [projects.a, projects.c]")).unwrap_err();
        assert!(
            error
                .message
                .contains("`projects.c`, which is not an amount"),
            "{error}"
        );
        assert_eq!(error.loc.line, 7, "{error}");
    }

    /// A form whose project has the grid `sources`, written with `spec`.
    fn grid_form(spec: &str) -> Result<Contract, ContractError> {
        form(&format!(
            "fields:\n  project:\n    sources:\n      type: grid\n      title: 资金来源\n{spec}"
        ))
    }

    const GRID: &str = "      rows: [财政拨款, 上年结转, 合计]\n      columns:\n        本年: {type: money, required: true}\n        说明: {type: text, title: 资金说明}\n";

    #[test]
    fn a_grid_is_rows_of_cells_with_its_blank_cells_declared() {
        let contract = grid_form(&format!(
            "{GRID}      blank: {{上年结转: [本年], 合计: [说明]}}\n"
        ))
        .unwrap();
        let projects = field(&contract.fields, "projects").children().unwrap();
        let Kind::Grid(rows) = &field(&projects, "sources").kind else {
            panic!("not a grid");
        };
        let keys: Vec<&str> = rows.iter().map(|r| r.key.as_str()).collect();
        assert_eq!(keys, ["财政拨款", "上年结转", "合计"]);
        let carried = rows[1].children().unwrap();
        assert_eq!(field(&carried, "本年").kind, Kind::Blank);
        assert!(!rows[1].required, "a row of no required cell");
        let total = rows[2].children().unwrap();
        assert!(field(&total, "本年").required);
        assert_eq!(field(&total, "说明").kind, Kind::Blank);
        assert_eq!(
            field(&rows[0].children().unwrap(), "说明").title,
            "资金说明"
        );
        let sums = "sums:\n  projects.sources.合计.本年: [projects.sources.财政拨款.本年]\n";
        assert_eq!(grid_form(&format!("{GRID}{sums}")).unwrap().sums.len(), 1);
    }

    #[test]
    fn a_grid_s_cell_may_be_required_when_another_cell_of_its_row_has_a_value() {
        let spec = GRID.replace(
            "说明: {type: text, title: 资金说明}",
            "说明: {type: text, title: 资金说明, required_when: {本年: '0.00'}}",
        );
        let contract = grid_form(&format!("{spec}      blank: {{合计: [说明]}}\n")).unwrap();
        let projects = field(&contract.fields, "projects").children().unwrap();
        let Kind::Grid(rows) = &field(&projects, "sources").kind else {
            panic!("not a grid");
        };
        let note = |row: &str| {
            let cells = field(rows, row).children().unwrap();
            field(&cells, "说明").required_when.clone()
        };
        assert_eq!(note("财政拨款").map(|c| c.field), Some("本年".to_owned()));
        assert_eq!(note("合计"), None, "a —— cell is never required");

        let data = |note: &str| {
            format!(
                "form: t\nyear: 2024\ntitle: t\ndepartment: d\nprojects:\n  - name: p\n    sources:\n      财政拨款: {{本年: 0.00{note}}}\n      上年结转: {{本年: 1.00}}\n      合计: {{本年: 1.00}}\n"
            )
        };
        let missing = |yaml: &str| {
            let node = crate::node::parse(yaml, serde_saphyr::Options::default()).unwrap();
            let found = crate::contract::validate(
                std::path::Path::new("t.yaml"),
                &node,
                &contract.fields,
                Some(&contract),
            )
            .found;
            found
                .iter()
                .filter(|d| d.code == "missing-field" && d.message.contains("sources"))
                .map(|d| d.message.clone())
                .collect::<Vec<_>>()
        };
        let said = missing(&data(""));
        assert_eq!(said.len(), 1, "{said:?}");
        assert!(
            said[0].contains("`projects[0].sources.财政拨款.说明`"),
            "{said:?}"
        );
        assert!(missing(&data(", 说明: 本年未安排")).is_empty());

        let wrong = GRID.replace(
            "说明: {type: text, title: 资金说明}",
            "说明: {type: text, title: 资金说明, required_when: {上年: '0'}}",
        );
        let error = grid_form(&wrong).unwrap_err();
        assert!(error.message.contains("has no field `上年`"), "{error}");
        assert_eq!(error.loc.line, 9, "{error}");
    }

    #[test]
    fn a_grid_s_mistakes_are_errors_at_its_line() {
        // A `blank` entry is on a line of its own (10); the rest are the
        // grid's own mistakes, at its key (3).
        for (spec, says, line) in [
            (
                format!("{GRID}      blank: {{上年结余: [本年]}}\n"),
                "names the row “上年结余”, which it does not have",
                10,
            ),
            (
                format!("{GRID}      blank:\n        财政拨款: []\n        合计: [上年]\n"),
                "names the column “上年” in the row “合计”",
                12,
            ),
            ("      rows: [合计]\n".to_owned(), "needs `rows`", 3),
            (
                "      rows: [合计, 合计]\n      columns: {本年: {type: money}}\n".to_owned(),
                "the row “合计” twice",
                3,
            ),
            (
                "      rows: [合计]\n      columns: {本年: {type: date}}\n".to_owned(),
                "must be money or text",
                3,
            ),
            (
                GRID.replace("type: money,", "type: money, options: [a, b],"),
                "`本年` has `options`",
                3,
            ),
        ] {
            let error = grid_form(&spec).unwrap_err();
            assert!(error.message.contains(says), "{error}");
            assert_eq!(error.loc.line, line, "{error}");
        }
        let error = form("fields:\n  project:\n    x: {type: text, title: 甲, blank: {a: [b]}}\n")
            .unwrap_err();
        assert!(
            error
                .message
                .contains("`x` has `blank`, which only grids take"),
            "{error}"
        );
        let error = form("fields:\n  project:\n    x: {type: text}\n").unwrap_err();
        assert!(error.message.contains("`x` has no `title`"), "{error}");
        assert_eq!(error.loc.line, 3, "{error}");
    }

    #[test]
    fn a_form_adds_sources_to_the_funds() {
        let contract = form(
            "fields:\n  funds:\n    superior: {type: money, title: 上级补助资金}\nsums:\n  projects.funds.total: [projects.funds.fiscal, projects.funds.superior]\n",
        )
        .unwrap();
        let superior = contract.field_at("projects.funds.superior").unwrap();
        assert_eq!(superior.title, "上级补助资金");
        assert_eq!(superior.role, Role::Extra);
        let error =
            form("fields:\n  funds:\n    fiscal: {type: money, title: 财政}\n").unwrap_err();
        assert!(error.message.contains("already a field"), "{error}");
        assert_eq!(error.loc.line, 3, "{error}");
        let error = form("fields:\n  funds:\n    own: {type: money, title: 自筹}\n").unwrap_err();
        assert!(
            error.message.contains("no sum says what 资金总额 adds up"),
            "{error}"
        );
        assert_eq!(error.loc.line, 3, "{error}");
    }

    #[test]
    fn a_parser_message_says_the_place_once_and_no_internals() {
        let error = form("fields:\n  project:\n    x: {type: record, title: t}\n").unwrap_err();
        assert!(!error.message.contains("at line"), "{error}");
        assert_eq!(error.loc.line, 3, "{error}");
    }

    #[test]
    fn a_form_lists_the_headings_workbooks_give_its_fields() {
        let contract = form(
            "fields:\n  project:\n    leader: {type: text, title: 项目负责人}\nsynonyms:\n  projects.leader: [负责人]\n  projects.funds.total: [项目资金总额]\n",
        )
        .unwrap();
        let projects = field(&contract.fields, "projects").children().unwrap();
        assert_eq!(field(&projects, "leader").synonyms, ["负责人"]);
        let funds = field(&projects, "funds").children().unwrap();
        assert_eq!(field(&funds, "total").synonyms, ["项目资金总额"]);
        let error = form("synonyms:\n  projects.leadr: [负责人]\n").unwrap_err();
        assert!(
            error.message.contains("`projects.leadr` is not a field"),
            "{error}"
        );
    }

    #[test]
    fn mistakes_in_a_contract_are_placed_and_explained() {
        let error = form("prints:\n  preambel: required\n").unwrap_err();
        assert_eq!(error.loc, Loc::new(2, 3));
        assert!(
            error
                .message
                .contains("`preambel` is not a part of the model"),
            "{error}"
        );
        let error =
            form("fields:\n  document:\n    title: {type: text, title: 标题}\n").unwrap_err();
        assert!(error.message.contains("already a field"), "{error}");
        let error =
            form("fields:\n  document:\n    kind: {type: choice, title: 类型}\n").unwrap_err();
        assert!(error.message.contains("at least two"), "{error}");
        assert!(form("fields:\n  document:\n    x: {type: colour, title: 色}\n").is_err());
    }
}
