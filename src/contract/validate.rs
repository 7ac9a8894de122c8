//! A data file against its form's contract: every unknown key, missing
//! required field, value of the wrong shape and malformed amount or date,
//! at once, each at its line with its full path; and a warning for each
//! value the form does not print.

use std::path::Path;

use super::{BadValue, Contract, Field, Kind, Role};
use crate::codes::{
    BAD_CHOICE, FILLED_BLANK, MISSING_FIELD, Rule, UNKNOWN_KEY, UNPRINTED_FIELD, WRONG_TYPE,
    WRONG_UNIT,
};
use crate::diag::{Code, Diagnostic, Quote};
use crate::model::{Amount, Loc, ScopedText, Text, Unit};
use crate::node::{Node, Value};

/// What the contract found in a data file, and the texts it prints.
#[derive(Debug, Default)]
pub struct Validation {
    pub found: Vec<Diagnostic>,
    /// Every value the form prints, where it is written: what must be
    /// typeset, every character of it, in a font that has it.
    pub printed: Vec<Printed>,
    /// Every amount, by its path: what the form's sums add up.
    pub amounts: Vec<Amount>,
    /// Every text of the data (not of its waivers), with the project it
    /// belongs to: what the text rules read.
    pub texts: Vec<ScopedText>,
}

/// A value the form prints.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Printed {
    pub loc: Loc,
    pub text: String,
}

/// The findings of `node` (a whole data file) against `fields`, the
/// contract of the form `form` (none when the file names no known form).
pub fn validate(
    path: &Path,
    node: &Node,
    fields: &[Field],
    contract: Option<&Contract>,
) -> Validation {
    let mut validator = Validator {
        path,
        form: contract.map(|c| c.name.as_str()),
        money_unit: contract.and_then(|c| c.money_unit),
        found: Validation::default(),
        printing: true,
        meta: false,
        project: None,
    };
    validator.record(node, fields, "");
    validator.found
}

struct Validator<'a> {
    path: &'a Path,
    form: Option<&'a str>,
    /// The unit the form prints its amounts in, when it fixes one.
    money_unit: Option<Unit>,
    found: Validation,
    /// Whether the value at hand is printed: every field on its path is.
    printing: bool,
    /// Whether the value at hand is about the file rather than its data
    /// (`form`, `waivers`).
    meta: bool,
    /// The project the value at hand belongs to, by position.
    project: Option<usize>,
}

impl Validator<'_> {
    fn error(&mut self, loc: Loc, rule: &'static Rule, message: String, hint: Option<String>) {
        let diagnostic = Diagnostic::new(rule, self.path, loc, message);
        self.found.found.push(match hint {
            Some(hint) => diagnostic.with_hint(hint),
            None => diagnostic,
        });
    }

    fn record(&mut self, node: &Node, fields: &[Field], at: &str) {
        let Value::Map(entries) = &node.value else {
            let message = if at.is_empty() {
                "the file should be keys and values (`form: …`, `year: …`), not a list or a single value".to_owned()
            } else {
                format!("{at} should be keys and values (a mapping)", at = Code(&at))
            };
            self.error(node.loc, WRONG_TYPE, message, None);
            return;
        };
        for (key, value) in entries {
            let here = join(at, &key.name);
            let Some(field) = fields.iter().find(|f| f.key == key.name) else {
                let keys: Vec<&str> = fields.iter().map(|f| f.key.as_str()).collect();
                let hint = match closest(&key.name, keys.iter().copied()) {
                    Some(near) => format!("did you mean {near}?", near = Code(&near)),
                    None => format!("the keys here are: {}", keys.join(", ")),
                };
                self.error(
                    key.loc,
                    UNKNOWN_KEY,
                    format!("unknown key {here}", here = Code(&here)),
                    Some(hint),
                );
                continue;
            };
            if !field.printed && field.role == Role::Model && !value.is_empty() {
                self.found.found.push(
                    Diagnostic::new(UNPRINTED_FIELD, self.path, key.loc,
                        format!(
                            "{here}（{}）is not printed by the form {}: it will be in the published data, not in the PDF or web page",
                            field.title,
                            Quote(&self.form.unwrap_or_default()), here = Code(&here)
                        ),
                    )
                    .with_hint("remove it, publish in a form that prints it (`jixiao forms`), or waive `unprinted-field` with `where:` naming it")
                    .about(here.clone()),
                );
            }
            let (printing, meta) = (self.printing, self.meta);
            self.printing = printing && field.printed && field.role != Role::Meta;
            self.meta = meta || field.role == Role::Meta;
            self.value(value, field, &here);
            (self.printing, self.meta) = (printing, meta);
        }
        for field in fields.iter().filter(|f| f.required) {
            let given = entries.iter().find(|(k, _)| k.name == field.key);
            if given.is_none_or(|(_, v)| v.value == Value::Null) {
                let loc = given.map_or(node.loc, |(k, _)| k.loc);
                let whose = match self.form {
                    Some(form) => format!("the form {form} requires it", form = Quote(&form)),
                    None => "every data file needs it".to_owned(),
                };
                let message = format!(
                    "{}（{}）is missing: {whose}",
                    Code(&join(at, &field.key)),
                    field.title
                );
                let hint = if at.is_empty() {
                    format!(
                        "add {} as a key of its own, at the left margin",
                        Code(format!("{}:", field.key))
                    )
                } else {
                    format!("add {} under {at}", Code(format!("{}:", field.key)))
                };
                self.error(loc, MISSING_FIELD, message, Some(hint));
            }
        }
        for field in fields.iter().filter(|f| !f.required) {
            let Some(condition) = &field.required_when else {
                continue;
            };
            let value_of = |key: &str| entries.iter().find(|(k, _)| k.name == key).map(|(_, v)| v);
            let holds =
                value_of(&condition.field).and_then(Node::as_text) == Some(&condition.value);
            if holds && value_of(&field.key).is_none_or(|v| v.value == Value::Null) {
                let message = format!(
                    "{}（{}）is missing: the form requires it when {} is {}",
                    Code(&join(at, &field.key)),
                    field.title,
                    Code(&join(at, &condition.field)),
                    Quote(&condition.value)
                );
                let hint = format!(
                    "add {}, or change {}",
                    Code(format!("{}:", field.key)),
                    Code(&condition.field)
                );
                self.error(node.loc, MISSING_FIELD, message, Some(hint));
            }
        }
    }

    fn value(&mut self, node: &Node, field: &Field, here: &str) {
        if field.kind == Kind::Blank {
            if node.value != Value::Null {
                let message = format!(
                    "{here} is “——” in the form {}: the cell is blank by design",
                    Quote(&self.form.unwrap_or_default()),
                    here = Code(&here)
                );
                let key = here.rsplit('.').next().unwrap_or(here);
                let hint = format!(
                    "remove {} from this row; the form prints —— there",
                    Code(format!("{key}:"))
                );
                self.error(node.loc, FILLED_BLANK, message, Some(hint));
            }
            return;
        }
        let text = match &node.value {
            Value::Null => {
                if matches!(field.kind, Kind::List(_) | Kind::Paragraphs | Kind::Values) {
                    let message = format!(
                        "{here} is empty: write its items, or remove the key",
                        here = Code(&here)
                    );
                    self.error(node.loc, WRONG_TYPE, message, None);
                }
                return;
            }
            Value::Scalar(text) => Some(text.as_str()),
            _ => None,
        };
        if let Some(text) = text {
            self.print(node.loc, text);
        }
        match (&field.kind, text) {
            (kind, Some(text)) if kind.is_scalar() => self.scalar(node, field, here, text),
            (Kind::Paragraphs | Kind::Values, None) => self.texts(node, here),
            (Kind::Record(_) | Kind::Grid(_) | Kind::Indicators, None) => {
                if let Some(children) = field.children() {
                    self.record(node, &children, here);
                }
            }
            (Kind::List(children), None) => {
                if field.required && field.role == Role::Extra && node.is_empty() {
                    let message = format!(
                        "{here}（{}）has no rows: the form requires at least one",
                        field.title,
                        here = Code(&here)
                    );
                    self.error(node.loc, MISSING_FIELD, message, None);
                }
                self.rows(node, children, here);
            }
            _ => self.wrong_type(node, field, here),
        }
    }

    fn scalar(&mut self, node: &Node, field: &Field, here: &str, text: &str) {
        match field.kind.read(text) {
            Ok(amount) => {
                if let Some(value) = amount {
                    self.found.amounts.push(Amount {
                        path: here.to_owned(),
                        loc: node.loc,
                        value,
                    });
                }
                match field.kind {
                    Kind::Unit => self.unit(node.loc, here, text),
                    Kind::Text | Kind::Value => self.text(node.loc, text),
                    _ => {}
                }
            }
            Err(BadValue::Malformed { rule, message }) => self.error(node.loc, rule, message, None),
            Err(BadValue::NotAnOption(options)) => {
                let message = format!(
                    "{here} is {text}; the form's choices are: {}",
                    options.join(", "),
                    text = Quote(&text),
                    here = Code(&here)
                );
                self.error(node.loc, BAD_CHOICE, message, None);
            }
            Err(BadValue::NotThisKind) => self.wrong_type(node, field, here),
        }
    }

    /// A unit against the one the form prints its amounts in, if it fixes one.
    fn unit(&mut self, loc: Loc, here: &str, text: &str) {
        let Some(unit) = self.money_unit.filter(|unit| unit.as_str() != text) else {
            return;
        };
        let message = format!(
            "the form {} prints its amounts in {}, but {here} is {text}",
            Quote(&self.form.unwrap_or_default()),
            unit.as_str(),
            text = Quote(&text),
            here = Code(&here)
        );
        let hint = format!(
            "write {} and the amounts in {}, as the approved table states them",
            Code(format!("unit: {}", unit.as_str())),
            unit.as_str()
        );
        self.error(loc, WRONG_UNIT, message, Some(hint));
    }

    fn wrong_type(&mut self, node: &Node, field: &Field, here: &str) {
        let message = format!(
            "{here} should be {}",
            field.kind.describe(),
            here = Code(&here)
        );
        let hint = matches!(field.kind, Kind::Year)
            .then(|| "write a whole number, e.g. year: 2022".to_owned());
        self.error(node.loc, WRONG_TYPE, message, hint);
    }

    fn texts(&mut self, node: &Node, here: &str) {
        let Value::List(items) = &node.value else {
            let message = format!(
                "{here} should be a list of texts (`- ` before each, or [a, b])",
                here = Code(&here)
            );
            self.error(node.loc, WRONG_TYPE, message, None);
            return;
        };
        for (i, item) in items.iter().enumerate() {
            match item.as_text() {
                Some(text) => {
                    self.print(item.loc, text);
                    self.text(item.loc, text);
                }
                None => {
                    let message =
                        format!("{} should be a piece of text", Code(format!("{here}[{i}]")));
                    self.error(item.loc, WRONG_TYPE, message, None);
                }
            }
        }
    }

    fn print(&mut self, loc: Loc, text: &str) {
        if self.printing {
            self.found.printed.push(Printed {
                loc,
                text: text.to_owned(),
            });
        }
    }

    fn text(&mut self, loc: Loc, text: &str) {
        if !self.meta {
            self.found.texts.push(ScopedText {
                project: self.project,
                text: Text::new(text.to_owned(), loc),
            });
        }
    }

    fn rows(&mut self, node: &Node, children: &[Field], here: &str) {
        let Value::List(items) = &node.value else {
            let message = format!(
                "{here} should be a list (`- ` before each item)",
                here = Code(&here)
            );
            self.error(node.loc, WRONG_TYPE, message, None);
            return;
        };
        let projects = here == "projects";
        for (i, item) in items.iter().enumerate() {
            if projects {
                self.project = Some(i);
            }
            self.record(item, children, &format!("{here}[{i}]"));
        }
        if projects {
            self.project = None;
        }
    }
}

fn join(at: &str, key: &str) -> String {
    if at.is_empty() {
        key.to_owned()
    } else {
        format!("{at}.{key}")
    }
}

/// The candidate nearest to a misspelt key, if one is near enough.
fn closest<'a>(word: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .filter(|c| !c.is_empty())
        .map(|c| (edit_distance(word, c), c))
        .filter(|(d, c)| *d <= (c.chars().count() / 3).max(2))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = diagonal + usize::from(ca != *cb);
            diagonal = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(row[j + 1] + 1);
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::{Forms, load_forms};
    use crate::templates::TemplateStore;

    fn forms() -> Forms {
        load_forms(&TemplateStore::built_in()).unwrap()
    }

    /// The forms of the fixture `name` and the text of its data file `file`.
    fn fixture(name: &str, file: &str) -> (Forms, String) {
        let fixture = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(name);
        let store = TemplateStore::load(Some(&fixture.join("templates"))).unwrap();
        let yaml = std::fs::read_to_string(fixture.join("data").join(file)).unwrap();
        (load_forms(&store).unwrap(), yaml)
    }

    #[test]
    fn a_form_s_required_rows_are_not_empty() {
        let (forms, yaml) = fixture("county-form", "2023/county-water.yaml");
        let start = yaml.find("    schedule:").unwrap();
        let rows = yaml[start..]
            .lines()
            .skip(1)
            .take_while(|l| l.starts_with("      "));
        let end = start
            + yaml[start..].find('\n').unwrap()
            + 1
            + rows.map(|l| l.len() + 1).sum::<usize>();
        let emptied = format!("{}    schedule: []\n{}", &yaml[..start], &yaml[end..]);
        let node = crate::node::parse(&emptied, serde_saphyr::Options::default()).unwrap();
        let contract = forms.get("hunan-county");
        let fields = &contract.unwrap().fields;
        let found = validate(Path::new("t.yaml"), &node, fields, contract).found;
        let missing: Vec<&Diagnostic> =
            found.iter().filter(|d| d.code == "missing-field").collect();
        assert_eq!(missing.len(), 1, "{found:?}");
        assert!(
            missing[0].message.contains("has no rows"),
            "{}",
            missing[0].message
        );
    }

    #[test]
    fn a_choice_the_form_does_not_offer_is_named_with_the_choices() {
        let (forms, yaml) = fixture("county-form", "2023/county-water.yaml");
        let yaml = yaml.replace("    kind: 延续", "    kind: 续建");
        let node = crate::node::parse(&yaml, serde_saphyr::Options::default()).unwrap();
        let fields = &forms.get("hunan-county").unwrap().fields;
        let contract = forms.get("hunan-county");
        let found = validate(Path::new("t.yaml"), &node, fields, contract).found;
        let choice: Vec<&Diagnostic> = found.iter().filter(|d| d.code == "bad-choice").collect();
        assert_eq!(choice.len(), 1, "{found:?}");
        assert_eq!(choice[0].loc.line, 24);
        assert!(choice[0].message.contains("延续"), "{}", choice[0].message);
    }

    #[test]
    fn a_grid_s_blank_cells_stay_blank_and_its_required_cells_are_given() {
        let (forms, yaml) = fixture("grid-form", "2024/parks.yaml");
        let yaml = yaml
            .replace(
                "上年结转: {上年: 30.00",
                "上年结转: {本年: 0.00, 上年: 30.00",
            )
            .replace("合计: {本年: 500.00, 上年: 420.00}", "合计: {本年: 500.00}")
            .replace("单位自筹: {本年", "单位自筹: {本月: 1.00, 本年");
        let node = crate::node::parse(&yaml, serde_saphyr::Options::default()).unwrap();
        let contract = forms.get("city-grid");
        let found = validate(
            Path::new("t.yaml"),
            &node,
            &contract.unwrap().fields,
            contract,
        )
        .found;
        let at: Vec<(&str, u32)> = found
            .iter()
            .map(|d| (d.code.as_ref(), d.loc.line))
            .collect();
        assert_eq!(
            at,
            [
                ("unknown-key", 16),
                ("filled-blank", 17),
                ("missing-field", 18)
            ],
            "{found:?}"
        );
        assert!(
            found[0]
                .hint
                .as_deref()
                .unwrap_or_default()
                .contains("本年"),
            "{found:?}"
        );
        assert!(
            found[1].message.contains("sources.上年结转.本年"),
            "{found:?}"
        );
        assert!(found[2].message.contains("sources.合计.上年"), "{found:?}");
    }

    #[test]
    fn edit_distance_counts_edits() {
        assert_eq!(edit_distance("preambel", "preamble"), 2);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("年度", "年度"), 0);
    }

    fn found(form: &str, yaml: &str) -> Vec<Diagnostic> {
        let node = crate::node::parse(yaml, serde_saphyr::Options::default()).unwrap();
        let forms = forms();
        validate(
            Path::new("t.yaml"),
            &node,
            &forms.get(form).unwrap().fields,
            forms.get(form),
        )
        .found
    }

    #[test]
    fn every_missing_field_is_reported_at_once_with_its_full_path() {
        let found = found(
            "shanghai-songjiang-rd",
            "form: shanghai-songjiang-rd\nyear: 2022\ntitle: t\ndepartment: d\nprojects:\n  - name: p\n    explanation:\n      overview: o\n    indicators: {columns: [], groups: []}\n",
        );
        let missing: Vec<&str> = found
            .iter()
            .filter(|d| d.code == "missing-field")
            .map(|d| d.message.split('`').nth(1).unwrap())
            .collect();
        assert!(
            missing.contains(&"projects[0].explanation.implementer"),
            "{missing:?}"
        );
        assert!(
            missing.contains(&"projects[0].explanation.basis"),
            "{missing:?}"
        );
        assert!(
            found
                .iter()
                .filter(|d| d.code == "missing-field")
                .all(|d| d.loc.line >= 6)
        );
    }

    #[test]
    fn unknown_keys_get_a_suggestion_and_values_are_read_where_they_stand() {
        let found = found(
            "national",
            "form: national\nyear: 2022\ntitle: t\ndepartment: d\ndepartment_target:\n  budget: {unit: 万元, total: 1.2.3, personnel: 1, public: 1, projects: 1}\n  goalz: [x]\n",
        );
        let codes: Vec<&str> = found.iter().map(|d| d.code.as_ref()).collect();
        assert_eq!(codes, ["bad-amount", "unknown-key"]);
        assert_eq!(found[0].loc, Loc::new(6, 29));
        assert_eq!(found[1].hint.as_deref(), Some("did you mean `goals`?"));
    }

    #[test]
    fn a_value_the_form_does_not_print_is_a_warning() {
        let found = found(
            "dongguan-rd",
            "form: dongguan-rd\nyear: 2022\ntitle: t\ndepartment: d\nprojects: []\ndepartment_target:\n  goals: [g]\n  key_tasks: []\n  indicators: {columns: [], groups: []}\n  safeguards: [{text: s}]\n",
        );
        let unprinted: Vec<&Diagnostic> = found
            .iter()
            .filter(|d| d.code == "unprinted-field")
            .collect();
        assert_eq!(unprinted.len(), 1, "{found:?}");
        assert!(!unprinted[0].is_error());
        assert!(
            unprinted[0]
                .message
                .contains("department_target.safeguards")
        );
    }
}
