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

/// How an amount is written, in `check`'s words: the editor's message
/// whether the amount is a string or a number.
const MONEY_WORDS: &str = "金额写作不带单位、不带千分位的非负数，最多15位整数、6位小数，如 36.50";

/// A month, 1 to 12, with or without its leading zero.
const MONTH: &str = "(0?[1-9]|1[0-2])";

/// A day of a month, 1 to 31.
const DAY: &str = "(0?[1-9]|[12][0-9]|3[01])";

/// What the loader takes as a period: a date, a year, a year's month, day
/// or span of months (2023年1月至12月, 2023年1-12月, 2023年1～3月).
fn period_pattern() -> String {
    let to = "(至|-|～|~|—)";
    format!(
        "^([0-9]{{4}}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])|[0-9]{{4}}年(度|{MONTH}月(份|{DAY}日|{to}{MONTH}月)?|{MONTH}{to}{MONTH}月)?)$"
    )
}

fn property(field: &Field, form: &str) -> Json {
    let mut schema = match &field.kind {
        Kind::Text | Kind::Value => json!({ "type": ["string", "number", "boolean"] }),
        Kind::Paragraphs | Kind::Values => {
            json!({ "type": "array", "items": { "type": ["string", "number", "boolean"] } })
        }
        Kind::Money(_) => json!({
            "anyOf": [
                {
                    "type": "string",
                    "pattern": r"^[0-9]{1,15}(\.[0-9]{1,6})?$",
                    "patternErrorMessage": MONEY_WORDS,
                },
                { "type": "number", "minimum": 0, "maximum": 999_999_999_999_999_i64 },
            ],
            "errorMessage": MONEY_WORDS,
            "examples": ["36.50"],
        }),
        Kind::Unit => json!({ "enum": ["元", "万元"] }),
        Kind::Date => json!({
            "type": "string",
            "pattern": r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$",
            "patternErrorMessage": "日期写作 YYYY-MM-DD，如 2023-02-20",
            "examples": ["2023-02-20"],
        }),
        Kind::Period => json!({
            "type": "string",
            "pattern": period_pattern(),
            "patternErrorMessage": "写作日期或期间，如 2023-01-01、2023年、2023年度、2023年6月、2023年1月至12月、2023年1-12月",
            "examples": ["2023年1月至12月"],
        }),
        Kind::Year => json!({
            "type": "integer",
            "minimum": 1000,
            "maximum": 9999,
            "errorMessage": "预算年度写作四位数字，如 2023",
            "examples": [2023],
        }),
        Kind::Choice(options) => json!({ "enum": options }),
        Kind::Record(_) | Kind::Grid(_) | Kind::Indicators => {
            object(&field.children().unwrap_or_default(), form)
        }
        Kind::Blank => json!({
            "not": {},
            "errorMessage": "此格按表式为“——”，不填写",
        }),
        Kind::List(children) => json!({ "type": "array", "items": object(children, form) }),
    };
    if field.key == "form" && field.role == super::Role::Meta {
        schema = json!({ "const": form });
    }
    let map = schema.as_object_mut().expect("an object schema");
    map.insert("title".into(), json!(field.title));
    let mut description = if field.description.is_empty() {
        field.title.clone()
    } else {
        format!("{}：{}", field.title, field.description)
    };
    if let Kind::Money(Some(unit)) = field.kind {
        description.push_str(&format!("（单位：{}）", unit.as_str()));
    }
    if field.kind == Kind::Blank {
        description.push_str("：——（按表式不填写）");
    }
    if !field.printed {
        description.push_str("（本表式不打印此项）");
    }
    map.insert("description".into(), json!(description));
    schema
}
