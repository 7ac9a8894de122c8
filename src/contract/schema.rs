//! A form's contract as a JSON Schema (2020-12), for the YAML language
//! server: completion, hover help in Chinese and validation as the office
//! types, in VS Code, Neovim or JetBrains.

use serde_json::{Map, Value as Json, json};

use super::{Contract, Field, Kind};

/// Where the schema of a form is written: `<dir>/<form>.schema.json`.
pub fn schema_file(form: &str) -> String {
    format!("{form}.schema.json")
}

/// The JSON Schema of a data file in the form.
pub fn json_schema(contract: &Contract) -> Json {
    let mut schema = object(&contract.fields, &contract.name);
    let map = schema.as_object_mut().expect("an object schema");
    map.insert(
        "$schema".into(),
        json!("https://json-schema.org/draft/2020-12/schema"),
    );
    map.insert(
        "$id".into(),
        json!(format!("urn:jixiao:form:{}", contract.name)),
    );
    map.insert(
        "title".into(),
        json!(format!("{}（jixiao 表式）", contract.name)),
    );
    map.insert("description".into(), json!(contract.description));
    schema
}

fn object(fields: &[Field], form: &str) -> Json {
    let mut properties = Map::new();
    for field in fields {
        properties.insert(field.key.clone(), property(field, form));
    }
    let required: Vec<&str> = fields
        .iter()
        .filter(|f| f.required)
        .map(|f| f.key.as_str())
        .collect();
    json!({
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": false,
    })
}

fn property(field: &Field, form: &str) -> Json {
    let mut schema = match &field.kind {
        Kind::Text | Kind::Value => json!({ "type": ["string", "number", "boolean"] }),
        Kind::Paragraphs | Kind::Values => {
            json!({ "type": "array", "items": { "type": ["string", "number", "boolean"] } })
        }
        Kind::Money(_) => {
            json!({ "type": ["string", "number"], "pattern": r"^[0-9]{1,15}(\.[0-9]{1,6})?$" })
        }
        Kind::Unit => json!({ "enum": ["元", "万元"] }),
        Kind::Date => json!({ "type": "string", "pattern": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$" }),
        Kind::Period => json!({
            "type": "string",
            "pattern": r"^([0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{4}年(度|[0-9]{1,2}月(份|[0-9]{1,2}日|(至|-|～|~|—)[0-9]{1,2}月)?)?)$",
        }),
        Kind::Year => json!({ "type": "integer", "minimum": 0, "maximum": 65535 }),
        Kind::Choice(options) => json!({ "enum": options }),
        Kind::Record(_) | Kind::Indicators => object(&field.children().unwrap_or_default(), form),
        Kind::List(children) => json!({ "type": "array", "items": object(children, form) }),
    };
    if field.key == "form" && field.role == super::Role::Meta {
        schema = json!({ "const": form });
    }
    let map = schema.as_object_mut().expect("an object schema");
    map.insert("title".into(), json!(field.title));
    let mut description = field.description.clone();
    if let Kind::Money(Some(unit)) = field.kind {
        description.push_str(&format!("（单位：{}）", unit.as_str()));
    }
    if !field.printed {
        description.push_str("（本表式不打印此项）");
    }
    if !description.is_empty() {
        map.insert("description".into(), json!(description));
    }
    schema
}
