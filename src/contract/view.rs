//! What a form's template sees of a document, and what is published as data.
//!
//! The template sees exactly what the contract declares: every printed field
//! is there (`none` when an optional one is not given), nothing else is, and
//! a choice comes with its options so that it can be printed as ☑/☐. The
//! published JSON holds everything the data file gives, the form's own
//! fields included.

use serde_json::{Map, Value as Json};

use super::{Contract, Field, FormRules, Kind, Role};
use crate::model::{
    Document, ExtraTable, Indicator, IndicatorTable, IndicatorValue, Level1, Level2, Located, Text,
};
use crate::node::{Node, Value};

/// The form's own fields of a document, as JSON in the shape of the data
/// file (nested under the records they belong to).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Extras(pub Json);

/// Reads the form's own fields out of a validated data file, and adds their
/// indicator tables to the document, so that the rules see them.
pub fn extras(node: &Node, fields: &[Field], document: &mut Document) -> Extras {
    let mut tables = Vec::new();
    let json = record_extras(node, fields, None, &mut tables);
    document.extra_tables = tables;
    Extras(json.unwrap_or(Json::Null))
}

/// The form's own fields under `node` as JSON, each indicator table among
/// them added to `tables` (their texts the contract's walk gives the rules).
fn record_extras(
    node: &Node,
    fields: &[Field],
    project: Option<usize>,
    tables: &mut Vec<ExtraTable>,
) -> Option<Json> {
    let Value::Map(entries) = &node.value else {
        return None;
    };
    let mut object = Map::new();
    for (key, value) in entries {
        let Some(field) = fields.iter().find(|f| f.key == key.name) else {
            continue;
        };
        match (&field.role, &field.kind, &value.value) {
            (Role::Extra, kind, _) => {
                if *kind == Kind::Indicators
                    && let Some(table) = indicator_table(value)
                {
                    tables.push(ExtraTable {
                        project,
                        title: field.title.clone(),
                        table,
                    });
                }
                object.insert(key.name.clone(), plain(value));
            }
            (_, Kind::Record(children), _) => {
                if let Some(inner) = record_extras(value, children, project, tables) {
                    object.insert(key.name.clone(), inner);
                }
            }
            (_, Kind::List(children), Value::List(items)) => {
                let rows: Vec<Json> = items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| {
                        let project = project.or((key.name == "projects").then_some(i));
                        record_extras(item, children, project, tables)
                            .unwrap_or_else(|| Json::Object(Map::new()))
                    })
                    .collect();
                if rows
                    .iter()
                    .any(|r| r.as_object().is_some_and(|o| !o.is_empty()))
                {
                    object.insert(key.name.clone(), Json::Array(rows));
                }
            }
            _ => {}
        }
    }
    (!object.is_empty()).then_some(Json::Object(object))
}

/// A value as JSON: text as written, lists and mappings as they are.
fn plain(node: &Node) -> Json {
    match &node.value {
        Value::Null => Json::Null,
        Value::Scalar(text) => Json::String(text.clone()),
        Value::List(items) => Json::Array(items.iter().map(plain).collect()),
        Value::Map(entries) => Json::Object(
            entries
                .iter()
                .map(|(k, v)| (k.name.clone(), plain(v)))
                .collect(),
        ),
    }
}

/// The published data: the typed document and the form's own fields.
pub fn published_json(document: &Document, extras: &Extras) -> Json {
    let mut json = serde_json::to_value(document).unwrap_or(Json::Null);
    merge(&mut json, &extras.0);
    json
}

/// Adds `extra`'s keys into `base`, into the same records and list items.
fn merge(base: &mut Json, extra: &Json) {
    match (base, extra) {
        (Json::Object(base), Json::Object(extra)) => {
            for (key, value) in extra {
                match base.get_mut(key) {
                    Some(existing) if !existing.is_null() => merge(existing, value),
                    _ => {
                        base.insert(key.clone(), value.clone());
                    }
                }
            }
        }
        (Json::Array(base), Json::Array(extra)) => {
            for (item, value) in base.iter_mut().zip(extra) {
                merge(item, value);
            }
        }
        _ => {}
    }
}

/// What the template sees: the printed fields of the published data, each
/// present, choices with their options, and each indicator table with
/// whether its form prints the 一级 column (`level1`).
pub fn view(document: &Document, extras: &Extras, contract: Option<&Contract>) -> Json {
    let Some(contract) = contract else {
        return Json::Object(Map::new());
    };
    let mut view = select(&published_json(document, extras), &contract.fields);
    mark_level1(&mut view, &contract.fields, &contract.rules, false);
    view
}

/// Adds to each indicator table of `view` its framework's `level1`
/// (`printed` or `hidden`): the department's framework under
/// `department_target`, the projects' elsewhere.
pub fn mark_level1(view: &mut Json, fields: &[Field], rules: &FormRules, department: bool) {
    let Json::Object(map) = view else {
        return;
    };
    for field in fields {
        let Some(value) = map.get_mut(&field.key) else {
            continue;
        };
        let department = department || field.key == "department_target";
        match (&field.kind, value) {
            (Kind::Indicators, Json::Object(table)) => {
                let framework = if department {
                    rules.for_department()
                } else {
                    &rules.indicators
                };
                table.insert("level1".into(), Json::from(framework.level1.name()));
            }
            (Kind::Record(children), value) => mark_level1(value, children, rules, department),
            (Kind::List(children), Json::Array(items)) => {
                for item in items {
                    mark_level1(item, children, rules, department);
                }
            }
            _ => {}
        }
    }
}

fn select(json: &Json, fields: &[Field]) -> Json {
    let object = json.as_object();
    let mut view = Map::new();
    for field in fields.iter().filter(|f| f.printed && f.role != Role::Meta) {
        let value = object
            .and_then(|o| o.get(&field.key))
            .unwrap_or(&Json::Null);
        view.insert(field.key.clone(), shown(value, field));
    }
    Json::Object(view)
}

fn shown(value: &Json, field: &Field) -> Json {
    match (&field.kind, value) {
        (Kind::List(_) | Kind::Paragraphs | Kind::Values, Json::Null) => Json::Array(Vec::new()),
        (Kind::Choice(options), _) => serde_json::json!({ "value": value, "options": options }),
        (_, Json::Null) => Json::Null,
        (Kind::Record(children), _) => select(value, children),
        (Kind::Grid(rows), _) => grid_view(rows, |row, cell| {
            value
                .get(&row.key)
                .and_then(|r| r.get(&cell.key))
                .cloned()
                .unwrap_or(Json::Null)
        }),
        (Kind::List(children), Json::Array(items)) => {
            Json::Array(items.iter().map(|item| select(item, children)).collect())
        }
        _ => value.clone(),
    }
}

/// A grid as a template loops over it: its columns' headings, and its rows
/// in the form's order, each with its name and its cells in the columns'
/// order (`none` where the cell is “——”):
/// `{columns: [金额, 占比], rows: [{name: 财政拨款, cells: ["100.00", "80%"]}, …]}`.
pub fn grid_view(rows: &[Field], cell: impl Fn(&Field, &Field) -> Json) -> Json {
    let columns: Vec<String> = rows
        .first()
        .and_then(|r| r.children())
        .map(|cells| cells.iter().map(|c| c.title.clone()).collect())
        .unwrap_or_default();
    let rows: Vec<Json> = rows
        .iter()
        .map(|row| {
            let cells: Vec<Json> = row
                .children()
                .unwrap_or_default()
                .iter()
                .map(|c| match c.kind {
                    Kind::Blank => Json::Null,
                    _ => cell(row, c),
                })
                .collect();
            serde_json::json!({ "name": row.title, "cells": cells })
        })
        .collect();
    serde_json::json!({ "columns": columns, "rows": rows })
}

/// An indicator table of the form's own, typed for the rules.
fn indicator_table(node: &Node) -> Option<IndicatorTable> {
    let columns = texts(node.get("columns")?)?;
    let groups = list(node.get("groups")?, |level1| {
        Some(Level1 {
            name: text(level1.get("name")?)?,
            groups: list(level1.get("groups")?, |level2| {
                Some(Level2 {
                    name: text(level2.get("name")?)?,
                    items: list(level2.get("items")?, |item| {
                        let values = texts(item.get("values")?)?;
                        Some(Indicator {
                            name: text(item.get("name")?)?,
                            values: values
                                .into_iter()
                                .map(|v| {
                                    Located::new(
                                        v.value
                                            .parse::<IndicatorValue>()
                                            .unwrap_or_else(|never| match never {}),
                                        v.loc,
                                    )
                                })
                                .collect(),
                        })
                    })?,
                })
            })?,
        })
    })?;
    Some(IndicatorTable { columns, groups })
}

fn text(node: &Node) -> Option<Text> {
    Some(Located::new(node.as_text()?.to_owned(), node.loc))
}

fn texts(node: &Node) -> Option<Vec<Text>> {
    list(node, text)
}

fn list<T>(node: &Node, item: impl Fn(&Node) -> Option<T>) -> Option<Vec<T>> {
    match &node.value {
        Value::List(items) => items.iter().map(item).collect(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::load_forms;
    use crate::templates::TemplateStore;

    #[test]
    fn a_template_loops_over_a_grid_and_knows_whether_the_level1_column_is_printed() {
        let fixture =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/grid-form");
        let store = TemplateStore::load(Some(&fixture.join("templates"))).unwrap();
        let forms = load_forms(&store).unwrap();
        let yaml = std::fs::read_to_string(fixture.join("data/2024/parks.yaml")).unwrap();
        let parsed = crate::load::parse(std::path::Path::new("parks.yaml"), &yaml, &forms).unwrap();
        let grid = view(&parsed.document, &parsed.extras, forms.get("city-grid"));
        let project = &grid["projects"][0];
        let sources = &project["sources"];
        assert_eq!(
            sources["columns"],
            serde_json::json!(["本年预算数", "上年预算数", "资金说明"])
        );
        let rows = sources["rows"].as_array().unwrap();
        let names: Vec<&str> = rows.iter().map(|r| r["name"].as_str().unwrap()).collect();
        assert_eq!(
            names,
            ["财政拨款", "上级补助", "单位自筹", "上年结转", "合计"]
        );
        assert_eq!(
            rows[2]["cells"],
            serde_json::json!(["20.00", null, "公园经营收入"])
        );
        assert_eq!(
            rows[4]["cells"],
            serde_json::json!(["500.00", "420.00", null])
        );
        assert_eq!(project["indicators"]["level1"], "hidden");
        let national = load_forms(&TemplateStore::built_in()).unwrap();
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let parsed =
            crate::load::load_file(&root.join("data/2023/example-office.yaml"), &national).unwrap();
        let classic = view(
            &parsed.document,
            &parsed.extras,
            national.get(&parsed.document.form.value),
        );
        assert_eq!(classic["projects"][0]["indicators"]["level1"], "printed");
    }
}
