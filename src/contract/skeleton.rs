//! A starting data file for a form (`jixiao new`): every field the form
//! takes, each under a comment with its title and what to write; the
//! required ones as keys to fill in, the optional ones commented out.

use super::framework::ColumnRole;
use super::{Contract, Field, Kind, Role};
use crate::diag::Quote;

/// The starting file of a department in `contract`'s form; `schema` is the
/// path of the form's JSON Schema relative to the new file.
pub fn skeleton(contract: &Contract, schema: &str, year: u16) -> String {
    let mut out = format!("# yaml-language-server: $schema={schema}\n");
    out.push_str(&format!("# {}：{}\n", contract.name, contract.description));
    out.push_str("# Write every text exactly as approved; `jixiao check` shows what is missing.\n");
    for field in contract
        .fields
        .iter()
        .filter(|f| f.printed || f.role == Role::Meta)
    {
        let value = match field.key.as_str() {
            "form" => format!(" {}", contract.name),
            "year" => format!(" {year}"),
            _ => String::new(),
        };
        write_field(&mut out, field, 0, &value, contract, &contract.fields);
    }
    out
}

/// Writes `field`, one of `record`'s, under a comment saying what it is and
/// when it must be given.
fn write_field(
    out: &mut String,
    field: &Field,
    depth: usize,
    value: &str,
    contract: &Contract,
    record: &[Field],
) {
    let pad = "  ".repeat(depth);
    if field.kind == Kind::Blank {
        out.push_str(&format!("{pad}# {}：——（按表式不填）\n", field.title));
        return;
    }
    let need = match &field.required_when {
        _ if field.required => "必填".to_owned(),
        Some(condition) => {
            let on = record.iter().find(|f| f.key == condition.field);
            let title = on.map_or(condition.field.as_str(), |f| f.title.as_str());
            format!("{title}为{}时必填", Quote(&condition.value))
        }
        None => "选填".to_owned(),
    };
    let mut about = format!("{}（{need}）", field.title);
    if !field.description.is_empty() {
        about.push_str(&format!("：{}", field.description));
    }
    if let Kind::Choice(options) = &field.kind {
        about.push_str(&format!("；可选：{}", options.join("、")));
    }
    out.push_str(&format!("{pad}# {about}\n"));
    let comment = if field.required { "" } else { "# " };
    match &field.kind {
        Kind::Record(children) | Kind::Grid(children) => {
            out.push_str(&format!("{pad}{comment}{}:\n", field.key));
            write_children(out, children, depth + 1, comment, contract);
        }
        Kind::List(children) => {
            out.push_str(&format!("{pad}{comment}{}:\n", field.key));
            out.push_str(&format!("{pad}{comment}  -\n"));
            write_children(out, children, depth + 2, comment, contract);
        }
        Kind::Indicators => {
            out.push_str(&format!("{pad}{comment}{}:\n", field.key));
            for line in indicator_lines(contract) {
                out.push_str(&format!("{pad}{comment}  {line}\n"));
            }
        }
        Kind::Paragraphs | Kind::Values => {
            out.push_str(&format!("{pad}{comment}{}: []\n", field.key));
        }
        _ => out.push_str(&format!("{pad}{comment}{}:{value}\n", field.key)),
    }
}

fn write_children(
    out: &mut String,
    children: &[Field],
    depth: usize,
    comment: &str,
    contract: &Contract,
) {
    let mut inner = String::new();
    for child in children.iter().filter(|c| c.printed) {
        write_field(&mut inner, child, depth, "", contract, children);
    }
    for line in inner.lines() {
        let keep = line.trim_start().starts_with('#') || comment.is_empty();
        if keep {
            out.push_str(line);
        } else {
            let indent = line.len() - line.trim_start().len();
            out.push_str(&format!("{}{comment}{}", &line[..indent], &line[indent..]));
        }
        out.push('\n');
    }
}

/// An indicator table laid out as the form's framework requires: a column
/// of this year's targets (年度指标值 where the form has it) and the columns
/// it requires, and each
/// required 一级 with its first 二级 and one 三级 to fill in.
fn indicator_lines(contract: &Contract) -> Vec<String> {
    let framework = &contract.rules.indicators;
    let usual = "年度指标值";
    let column = match framework.role(usual) {
        Some(ColumnRole::Target) => usual,
        _ => framework
            .columns
            .iter()
            .find(|(_, column)| column.role == ColumnRole::Target)
            .map_or(usual, |(heading, _)| heading.as_str()),
    };
    let mut columns = vec![column];
    columns.extend(
        (framework.columns.iter())
            .filter(|(heading, c)| c.required && heading.as_str() != column)
            .map(|(heading, _)| heading.as_str()),
    );
    let quoted = |each: &dyn Fn(&str) -> String| -> String {
        let cells: Vec<String> = columns.iter().map(|c| each(c)).collect();
        cells.join(", ")
    };
    let mut lines = vec![
        format!("columns: [{}]", quoted(&|c| format!("'{c}'"))),
        "groups:".to_owned(),
    ];
    let values = quoted(&|_| "''".to_owned());
    for family in &framework.required {
        let level2 = framework
            .categories
            .get(family)
            .and_then(|c| c.first())
            .cloned()
            .unwrap_or_default();
        lines.push(format!("  - name: {family}"));
        lines.push("    groups:".to_owned());
        lines.push(format!("      - name: {level2}"));
        lines.push("        items:".to_owned());
        lines.push(format!("          - {{name: '', values: [{values}]}}"));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::load_forms;
    use crate::templates::TemplateStore;

    #[test]
    fn a_new_file_heads_its_table_with_a_column_of_its_form() {
        let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/province-form/templates");
        let forms = load_forms(&TemplateStore::load(Some(&fixture)).unwrap()).unwrap();
        let text = skeleton(forms.get("province-fanben").unwrap(), "x.json", 2024);
        assert!(text.contains("columns: ['本年度计划水平']"), "{text}");
        let forms = load_forms(&TemplateStore::built_in()).unwrap();
        let text = skeleton(forms.get("national").unwrap(), "x.json", 2024);
        assert!(text.contains("columns: ['年度指标值']"), "{text}");
    }

    #[test]
    fn a_new_file_writes_a_grid_by_its_rows_and_its_required_columns() {
        let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/grid-form/templates");
        let forms = load_forms(&TemplateStore::load(Some(&fixture)).unwrap()).unwrap();
        let contract = forms.get("city-grid").unwrap();
        let text = skeleton(contract, "x.json", 2024);
        assert!(text.contains("      上年结转:\n"), "{text}");
        assert!(text.contains("# 上年预算数：——（按表式不填）"), "{text}");
        assert!(
            text.contains("# 上年度预算安排（是否新增项目为“否”时必填）"),
            "{text}"
        );
        only_to_fill_in(contract, &text);
    }

    /// The new file parses, and all it lacks is what is to be filled in.
    fn only_to_fill_in(contract: &Contract, text: &str) {
        let node = crate::node::parse(text, crate::load::options())
            .unwrap_or_else(|e| panic!("{}: {e}\n{text}", contract.name));
        let found = crate::contract::validate(
            std::path::Path::new("new.yaml"),
            &node,
            &contract.fields,
            Some(contract),
        )
        .found;
        assert!(
            found
                .iter()
                .all(|d| d.code == "missing-field" || !d.is_error()),
            "{}: {found:?}\n{text}",
            contract.name
        );
    }

    #[test]
    fn a_new_file_names_every_printed_field_and_parses() {
        let forms = load_forms(&TemplateStore::built_in()).unwrap();
        for contract in forms.contracts.values() {
            let text = skeleton(contract, "../../schemas/x.schema.json", 2023);
            assert!(
                text.starts_with("# yaml-language-server: $schema=../../schemas/x.schema.json\n")
            );
            assert!(text.contains(&format!("form: {}\n", contract.name)));
            only_to_fill_in(contract, &text);
        }
    }
}
