//! Sample documents of a form, made from its contract: what `check` renders
//! and typesets to prove the form's template before any real document
//! takes a branch of it (see `pipeline::proof`).
//!
//! The samples are: every field absent that may be (the required ones
//! only), every field present with lists of two, every list empty, and one
//! per option of each choice. A choice another field is required by
//! (`required_when`) also gives, per option, the required fields only with
//! that option, so that the template meets the field absent where the form
//! lets it be. Each value is the plainest of its kind (示例, 1.00,
//! 2023-01-01), so that a failure is the template's, not the data's; a
//! sample never leaves out a field its own values make required.

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
        let conditioned = conditions_name(&contract.fields, key);
        for option in options.iter().skip(1) {
            let choice = Code(format!("{key}: {option}")).to_string();
            if conditioned {
                let name = format!("required fields only and {choice}");
                all.push(sample(name, Fill::Required, Some((key, option))));
            }
            all.push(sample(choice, Fill::Full, Some((key, option))));
        }
    }
    all
}

/// Whether a field's `required_when` names the field `key`, in any record.
fn conditions_name(fields: &[Field], key: &str) -> bool {
    fields.iter().any(|field| {
        field.required_when.as_ref().is_some_and(|c| c.field == key)
            || match &field.kind {
                Kind::Record(children) | Kind::List(children) | Kind::Grid(children) => {
                    conditions_name(children, key)
                }
                _ => false,
            }
    })
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
    let fields: Vec<&Field> = fields.collect();
    for field in fields
        .iter()
        .filter(|f| wanted(f, &fields, sampler, fields.len()))
    {
        yaml.push_str(&format!("{pad}{}:", field.key));
        value(yaml, field, depth, sampler);
    }
}

/// Whether a sample gives the field among its record's `fields`: waivers
/// and a grid's “——” cells never (a sample has nothing to waive, and a
/// blank cell takes no value); a field the sample's own values require
/// always; the rest as the fill says. Conditions are followed through at
/// most `depth` fields, as a form may make two fields require each other.
fn wanted(field: &Field, fields: &[&Field], sampler: Sampler, depth: usize) -> bool {
    let required = field.required
        || field.required_when.as_ref().is_some_and(|condition| {
            depth > 0
                && fields.iter().any(|other| {
                    other.key == condition.field
                        && wanted(other, fields, sampler, depth - 1)
                        && scalar(other, sampler) == Some(condition.value.as_str())
                })
        });
    field.key != "waivers"
        && field.kind != Kind::Blank
        && (required || sampler.fill != Fill::Required)
}

/// The text a sample writes for a scalar field.
fn scalar<'a>(field: &'a Field, sampler: Sampler<'a>) -> Option<&'a str> {
    match (&field.kind, sampler.choice) {
        (Kind::Unit, _) => Some(sampler.unit),
        (Kind::Choice(_), Some((key, option))) if key == field.key => Some(option),
        (kind, _) => kind.example(),
    }
}

fn value(yaml: &mut String, field: &Field, depth: usize, sampler: Sampler) {
    let fill = sampler.fill;
    let pad = "  ".repeat(depth + 1);
    match &field.kind {
        Kind::Unit
        | Kind::Text
        | Kind::Value
        | Kind::Money(_)
        | Kind::Date
        | Kind::Period
        | Kind::Year => {
            yaml.push_str(&format!(
                " {}\n",
                scalar(field, sampler).unwrap_or_default()
            ));
        }
        // An option is the form's own text, which may read as YAML
        // (`null`, `是: 否`): it is written quoted.
        Kind::Choice(_) => {
            let option = scalar(field, sampler).unwrap_or_default();
            let quoted = serde_json::to_string(option).unwrap_or_default();
            yaml.push_str(&format!(" {quoted}\n"));
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
    use crate::contract::{Forms, load_forms};
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

    /// The province fixture's form as `t`, with its `kind` field (whose
    /// value 延续 requires `last_budget`) written as `kind`.
    fn province_with(kind: &str) -> Forms {
        let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/province-form/templates/forms/province-fanben/form.yaml");
        let spec = std::fs::read_to_string(fixture).unwrap();
        let old =
            "    kind: {type: choice, title: 项目类型, options: [新增, 延续], required: true}\n";
        assert!(spec.contains(old));
        let spec = spec.replace(old, kind);
        load_forms(&crate::contract::store_with_form(&spec)).unwrap()
    }

    fn every_sample_loads(forms: &Forms) -> Vec<Sample> {
        let samples = samples(forms.get("t").unwrap());
        for sample in &samples {
            let path = std::path::Path::new("sample.yaml");
            if let Err(found) = crate::load::parse(path, &sample.yaml, forms) {
                panic!("{}: {found:?}\n{}", sample.name, sample.yaml);
            }
        }
        samples
    }

    #[test]
    fn a_field_the_sample_s_own_choice_requires_is_given_and_left_out_where_it_may_be() {
        for options in ["[新增, 延续]", "[延续, 新增]"] {
            let kind = format!(
                "    kind: {{type: choice, title: 项目类型, options: {options}, required: true}}\n"
            );
            let samples = every_sample_loads(&province_with(&kind));
            let required_only: Vec<&Sample> = samples
                .iter()
                .filter(|s| s.name.starts_with("required fields only"))
                .collect();
            let with_last = |s: &&&Sample| s.yaml.contains("last_budget:");
            assert_eq!(required_only.len(), 2, "{options}: {samples:?}");
            assert_eq!(
                required_only.iter().filter(with_last).count(),
                1,
                "{options}: one required-only sample is 延续 and states last year's budget, the other is 新增 and leaves it out: {required_only:?}"
            );
        }
    }

    #[test]
    fn an_option_that_reads_as_yaml_is_written_as_the_text_it_is() {
        let kind = "    kind: {type: choice, title: 项目类型, options: [新增, 延续, 'null', '是: 否', '- 一'], required: true}\n";
        let samples = every_sample_loads(&province_with(kind));
        assert!(
            samples
                .iter()
                .any(|s| s.yaml.contains("kind: \"是: 否\"\n")),
            "{samples:?}"
        );
    }

    #[test]
    fn fields_that_require_each_other_are_sampled_without_end() {
        let kind = "    kind: {type: choice, title: 项目类型, options: [新增, 延续], required: true}\n    \
             first: {type: text, title: 甲, required_when: {second: 示例}}\n    \
             second: {type: text, title: 乙, required_when: {first: 示例}}\n    \
             own: {type: text, title: 丙, required_when: {own: 示例}}\n";
        let samples = every_sample_loads(&province_with(kind));
        assert!(samples[0].yaml.contains("kind:"), "{samples:?}");
        assert!(!samples[0].yaml.contains("first:"), "{samples:?}");
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
