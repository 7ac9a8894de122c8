//! Sample documents of a form, made from its contract: what `check` renders
//! and typesets to prove the form's template before any real document
//! takes a branch of it (see `pipeline::proof`).
//!
//! The samples are: every field absent that may be (the required ones
//! only), every field present with lists of two, every list empty, and one
//! per option of each choice. Each value is the plainest of its kind (示例,
//! 1.00, 2023-01-01), so that a failure is the template's, not the data's.

use crate::diag::Code;

use super::{Contract, Field, Kind};

/// A sample document: what it shows, and its YAML.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sample {
    pub name: String,
    pub yaml: String,
}

/// How much of the form a sample fills.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Fill {
    /// The required fields only.
    Required,
    /// Every field, lists of two.
    Full,
    /// Every field, lists empty.
    Empty,
}

/// The samples of `contract`, in the order they are typeset.
pub fn samples(contract: &Contract) -> Vec<Sample> {
    let sample = |name: String, fill: Fill, choice: Option<(&str, &str)>| Sample {
        name,
        yaml: document(contract, fill, choice),
    };
    let mut all = vec![
        sample("required fields only".to_owned(), Fill::Required, None),
        sample("every field, lists of two".to_owned(), Fill::Full, None),
        sample("every list empty".to_owned(), Fill::Empty, None),
    ];
    for (key, options) in choices(&contract.fields) {
        for option in options.iter().skip(1) {
            let name = Code(format!("{key}: {option}")).to_string();
            all.push(sample(name, Fill::Full, Some((key, option))));
        }
    }
    all
}

/// Every choice field and its options, by key.
fn choices(fields: &[Field]) -> Vec<(&str, &[String])> {
    let mut found = Vec::new();
    for field in fields {
        match &field.kind {
            Kind::Choice(options) => found.push((field.key.as_str(), options.as_slice())),
            Kind::Record(children) | Kind::List(children) | Kind::Grid(children) => {
                found.extend(choices(children))
            }
            _ => {}
        }
    }
    found
}

/// How a sample is filled: how much, which option of which choice, and
/// the unit of its amounts.
#[derive(Clone, Copy)]
struct Sampler<'a> {
    fill: Fill,
    choice: Option<(&'a str, &'a str)>,
    unit: &'static str,
}

fn document(contract: &Contract, fill: Fill, choice: Option<(&str, &str)>) -> String {
    let unit = contract.money_unit.map_or("万元", |u| u.as_str());
    let sampler = Sampler { fill, choice, unit };
    let mut yaml = format!("form: {}\n", contract.name);
    let fields = contract.fields.iter().filter(|f| f.key != "form");
    record(&mut yaml, fields, 0, sampler);
    yaml
}

fn record<'f>(
    yaml: &mut String,
    fields: impl Iterator<Item = &'f Field>,
    depth: usize,
    sampler: Sampler,
) {
    let pad = "  ".repeat(depth);
    for field in fields.filter(|f| wanted(f, sampler.fill)) {
        yaml.push_str(&format!("{pad}{}:", field.key));
        value(yaml, field, depth, sampler);
    }
}

/// Whether a sample of `fill` gives the field: waivers and a grid's “——”
/// cells never (a sample has nothing to waive, and a blank cell takes no
/// value), the rest as the fill says.
fn wanted(field: &Field, fill: Fill) -> bool {
    field.key != "waivers"
        && field.kind != Kind::Blank
        && (field.required || fill != Fill::Required)
}

fn value(yaml: &mut String, field: &Field, depth: usize, sampler: Sampler) {
    let (fill, choice) = (sampler.fill, sampler.choice);
    let pad = "  ".repeat(depth + 1);
    match &field.kind {
        Kind::Unit => yaml.push_str(&format!(" {}\n", sampler.unit)),
        Kind::Choice(_) if choice.is_some_and(|(key, _)| key == field.key) => {
            let option = choice.map_or("", |(_, option)| option);
            yaml.push_str(&format!(" {option}\n"));
        }
        kind @ (Kind::Text
        | Kind::Value
        | Kind::Money(_)
        | Kind::Date
        | Kind::Period
        | Kind::Year
        | Kind::Choice(_)) => {
            yaml.push_str(&format!(" {}\n", kind.example().unwrap_or_default()));
        }
        Kind::Paragraphs | Kind::Values if fill == Fill::Empty && !field.required => {
            yaml.push_str(" []\n")
        }
        Kind::Paragraphs | Kind::Values => {
            let text = Kind::Text.example().unwrap_or_default();
            yaml.push_str(&format!(" [{text}, {text}]\n"));
        }
        Kind::Indicators => indicators(yaml, depth + 1, fill),
        Kind::Blank => yaml.push_str(" ~\n"),
        Kind::Record(children) | Kind::Grid(children) => {
            yaml.push('\n');
            record(yaml, children.iter(), depth + 1, sampler);
        }
        Kind::List(_) if fill == Fill::Empty && !field.required => yaml.push_str(" []\n"),
        Kind::List(children) => {
            yaml.push('\n');
            let items = if fill == Fill::Required { 1 } else { 2 };
            for _ in 0..items {
                let mut item = String::new();
                record(&mut item, children.iter(), depth + 2, sampler);
                yaml.push_str(&format!("{pad}- {}", item.trim_start()));
            }
        }
    }
}

/// An indicator table of one value column: a group, a subgroup and an
/// indicator, or two of each for a full sample.
fn indicators(yaml: &mut String, depth: usize, fill: Fill) {
    let pad = "  ".repeat(depth);
    let each = if fill == Fill::Full { 2 } else { 1 };
    yaml.push_str(&format!("\n{pad}columns: [示例]\n{pad}groups:\n"));
    for _ in 0..each {
        yaml.push_str(&format!("{pad}  - name: 示例\n{pad}    groups:\n"));
        for _ in 0..each {
            yaml.push_str(&format!("{pad}      - name: 示例\n{pad}        items:\n"));
            for _ in 0..each {
                yaml.push_str(&format!(
                    "{pad}          - {{name: 示例, values: [示例]}}\n"
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::load_forms;
    use crate::templates::TemplateStore;

    #[test]
    fn every_sample_of_every_built_in_form_loads() {
        let forms = load_forms(&TemplateStore::built_in()).unwrap();
        for contract in forms.contracts.values() {
            let samples = samples(contract);
            assert!(samples.len() >= 3, "{}", contract.name);
            for sample in samples {
                let path = std::path::Path::new("sample.yaml");
                if let Err(found) = crate::load::parse(path, &sample.yaml, &forms) {
                    panic!(
                        "{} {}: {found:?}\n{}",
                        contract.name, sample.name, sample.yaml
                    );
                }
            }
        }
    }

    #[test]
    fn a_grid_is_sampled_by_its_cells_and_never_in_a_blank_one() {
        let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/grid-form/templates");
        let forms = load_forms(&TemplateStore::load(Some(&fixture)).unwrap()).unwrap();
        let samples = samples(forms.get("city-grid").unwrap());
        let full = &samples[1].yaml;
        assert!(
            full.contains("      单位自筹:\n        本年: 1.00\n        说明: 示例\n"),
            "{full}"
        );
        for sample in &samples {
            let path = std::path::Path::new("sample.yaml");
            if let Err(found) = crate::load::parse(path, &sample.yaml, &forms) {
                panic!("{}: {found:?}\n{}", sample.name, sample.yaml);
            }
        }
    }

    #[test]
    fn a_choice_gives_a_sample_per_option() {
        let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/county-form/templates");
        let forms = load_forms(&TemplateStore::load(Some(&fixture)).unwrap()).unwrap();
        let samples = samples(forms.get("hunan-county").unwrap());
        let names: Vec<&str> = samples.iter().map(|s| s.name.as_str()).collect();
        assert!(names.contains(&"`kind: 延续`"), "{names:?}");
        for sample in &samples {
            let path = std::path::Path::new("sample.yaml");
            if let Err(found) = crate::load::parse(path, &sample.yaml, &forms) {
                panic!("{}: {found:?}\n{}", sample.name, sample.yaml);
            }
        }
    }
}
