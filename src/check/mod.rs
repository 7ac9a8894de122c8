//! Target review: what a finance-bureau reviewer would find in a document.
//!
//! Every rule of the [catalogue](crate::codes) looks at the typed document and reports
//! findings with the value it is about. A data file may waive a finding (an
//! approved document is published as approved); what is waived is reported,
//! never dropped.

mod content;
mod history;
mod money;
mod plausibility;
mod repetition;
mod structure;
mod sums;
mod text;
mod time;
mod tree;
mod units;
mod waivers;

use std::path::Path;

pub use crate::codes::{Family, RULES, Rule};

use crate::contract::{ColumnRole, FormRules, Framework, Measure};
pub use crate::contract::{Forms, load_forms};
use crate::diag::Diagnostic;
use crate::model::{Document, IndicatorTable, Loc};
pub use history::previous_year_path;
pub use text::{draws_nothing, first_invisible};

/// The outcome of checking one document.
#[derive(Clone, Debug, Default)]
pub struct Report {
    /// The findings that need attention.
    pub diagnostics: Vec<Diagnostic>,
    /// The findings the data file acknowledged, each with its `waiver`.
    pub waived: Vec<Diagnostic>,
}

impl Report {
    /// Every finding, the waived ones last.
    pub fn into_all(self) -> Vec<Diagnostic> {
        let mut all = self.diagnostics;
        all.extend(self.waived);
        all
    }
}

/// Checks one document against every rule and applies its waivers.
pub fn check(path: &Path, document: &Document, forms: &Forms) -> Report {
    check_with_history(path, document, forms, None, Vec::new())
}

/// The same department's document of the year before, to compare with.
#[derive(Clone, Copy, Debug)]
pub struct Previous<'a> {
    pub path: &'a Path,
    pub document: &'a Document,
}

/// Checks one document, and against its previous year when there is one.
/// `loaded` are the findings of loading it (its contract's warnings), which
/// its waivers may acknowledge too.
pub fn check_with_history(
    path: &Path,
    document: &Document,
    forms: &Forms,
    previous: Option<Previous>,
    loaded: Vec<Diagnostic>,
) -> Report {
    let form = forms.get(&document.form.value);
    let mut findings = Findings {
        path,
        items: loaded,
        rules: form.map(|f| &f.rules),
    };
    structure::check(document, forms, &mut findings);
    money::check(document, form, &mut findings);
    if let Some(form) = form {
        tree::check(document, &mut findings);
        sums::check(document, form, &mut findings);
    }
    plausibility::check(document, &mut findings);
    repetition::check(document, &mut findings);
    text::check(document, &mut findings);
    time::check(document, &mut findings);
    content::check(document, &mut findings);
    if let Some(previous) = previous {
        history::check(document, previous, &mut findings);
    }
    waivers::apply(path, document, findings.items)
}

/// Collects findings as the rules report them, and knows what the
/// document's form declares its categories to measure.
struct Findings<'p> {
    path: &'p Path,
    items: Vec<Diagnostic>,
    rules: Option<&'p FormRules>,
}

impl<'p> Findings<'p> {
    /// What the 二级 `level2` of a table at `scope` measures, as the form's
    /// framework declares it: the rules follow this, not the name.
    fn measure(&self, scope: Scope, level2: &str) -> Option<Measure> {
        self.framework(scope)?.measure(level2)
    }

    /// The framework of a table at `scope`, as the document's form declares
    /// it (none for a document of no known form).
    fn framework(&self, scope: Scope) -> Option<&'p Framework> {
        let rules = self.rules?;
        Some(match scope {
            Scope::Department => rules.for_department(),
            Scope::Project(_) => &rules.indicators,
        })
    }

    /// The column of `table` that has `role`, as the form declares roles.
    fn column(&self, scope: Scope, table: &IndicatorTable, role: ColumnRole) -> Option<usize> {
        let framework = self.framework(scope)?;
        (table.columns.iter()).position(|c| framework.role(&c.value) == Some(role))
    }

    /// The columns of `table` that hold targets, which the value rules
    /// judge: by the roles the form declares, never by their headings.
    fn target_columns(&self, scope: Scope, table: &IndicatorTable) -> Vec<usize> {
        let Some(framework) = self.framework(scope) else {
            return Vec::new();
        };
        (0..table.columns.len())
            .filter(|&i| {
                framework
                    .role(&table.columns[i].value)
                    .is_some_and(ColumnRole::is_target)
            })
            .collect()
    }

    fn add(&mut self, rule: &'static Rule, loc: Loc, message: String) -> &mut Diagnostic {
        self.items
            .push(Diagnostic::new(rule, self.path, loc, message));
        let last = self.items.len() - 1;
        &mut self.items[last]
    }
}

/// How a rule adds to the finding it just reported.
trait Mark {
    fn hint(&mut self, hint: impl Into<String>) -> &mut Self;
    /// Names what a waiver's `where` may give to acknowledge the finding.
    fn about(&mut self, subject: impl Into<String>) -> &mut Self;
}

impl Mark for Diagnostic {
    fn hint(&mut self, hint: impl Into<String>) -> &mut Self {
        self.hint = Some(hint.into());
        self
    }

    fn about(&mut self, subject: impl Into<String>) -> &mut Self {
        self.subjects.push(subject.into());
        self
    }
}

/// Where an indicator table stands: the department's own target or a project.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Scope<'a> {
    Department,
    Project(&'a str),
}

/// The name a waiver uses for the department's own target.
const DEPARTMENT: &str = "部门整体";

impl<'a> Scope<'a> {
    fn name(self) -> &'a str {
        match self {
            Self::Department => DEPARTMENT,
            Self::Project(name) => name,
        }
    }
}

/// Every indicator table of a document, with where it stands: the model's
/// and those its form adds.
fn tables(document: &Document) -> impl Iterator<Item = (Scope<'_>, &IndicatorTable)> {
    let department = document
        .department_target
        .as_ref()
        .and_then(|t| t.indicators.as_ref())
        .map(|t| (Scope::Department, t));
    let projects = document
        .projects
        .iter()
        .map(|p| (Scope::Project(&p.name.value), &p.indicators));
    let extra = document
        .extra_tables
        .iter()
        .map(|extra| (scope_of(document, extra.project), &extra.table));
    department.into_iter().chain(projects).chain(extra)
}

/// The scope of what belongs to the project at `project` (by position), or
/// to the department.
fn scope_of(document: &Document, project: Option<usize>) -> Scope<'_> {
    project
        .and_then(|i| document.projects.get(i))
        .map_or(Scope::Department, |p| Scope::Project(&p.name.value))
}

/// Every piece of free text in a document, with where it stands and the
/// project it belongs to (or the department): the model's and the form's
/// own, as the contract's walk found them, so that a field a form adds is
/// read like any other.
pub(super) fn texts(document: &Document) -> impl Iterator<Item = (&str, Loc, &str)> {
    document.texts.iter().map(|scoped| {
        let scope = scope_of(document, scoped.project);
        (scoped.text.value.as_str(), scoped.text.loc, scope.name())
    })
}

#[cfg(test)]
pub(crate) mod testing {
    //! Helpers for the rules' tests: a document from YAML, checked.

    use super::*;
    use crate::load::parse;

    /// The codes found in a document given as YAML, waivers applied.
    pub fn codes(yaml: &str) -> Vec<String> {
        report(yaml)
            .diagnostics
            .iter()
            .map(|d| d.code.to_string())
            .collect()
    }

    pub fn report(yaml: &str) -> Report {
        check(Path::new("t.yaml"), &document(yaml), &forms())
    }

    /// A document from YAML, read against its form's contract.
    pub fn document(yaml: &str) -> Document {
        parse(Path::new("t.yaml"), yaml, &forms())
            .unwrap_or_else(|d| panic!("{d:?}"))
            .document
    }

    pub fn forms() -> Forms {
        let store = crate::templates::TemplateStore::built_in();
        load_forms(&store).unwrap()
    }

    /// A 东莞-form document with one project table holding `rows`, each
    /// `一级/二级/三级/value`.
    pub fn with_rows(rows: &[(&str, &str, &str, &str)]) -> String {
        let mut yaml = String::from(
            "form: national\nyear: 2022\ntitle: t\ndepartment: d\nprojects:\n  - name: 项目甲\n    indicators:\n      columns: [年度指标值]\n      groups:\n",
        );
        for (l1, l2, name, value) in rows {
            yaml.push_str(&format!(
                "        - name: '{l1}'\n          groups:\n            - name: '{l2}'\n              items:\n                - {{name: '{name}', values: ['{value}']}}\n"
            ));
        }
        yaml
    }

    /// A complete, correct table: 产出, 效益 and 满意度, with good values.
    pub const GOOD_ROWS: &[(&str, &str, &str, &str)] = &[
        ("产出指标", "数量指标", "培训次数", "≥2次"),
        ("产出指标", "质量指标", "培训合格率", "≥95%"),
        ("产出指标", "时效指标", "培训及时性", "及时"),
        ("产出指标", "成本指标", "人均培训成本", "≤550元"),
        ("效益指标", "社会效益指标", "履职能力", "提升"),
        ("满意度指标", "服务对象满意度指标", "参训代表满意度", "≥90%"),
    ];

    /// The good table with one row replaced or added.
    pub fn good_with(row: (&'static str, &'static str, &'static str, &'static str)) -> String {
        let mut rows = GOOD_ROWS.to_vec();
        rows.push(row);
        with_rows(&rows)
    }

    /// The codes found in the good table with `row` added.
    pub fn codes_with(
        row: (&'static str, &'static str, &'static str, &'static str),
    ) -> Vec<String> {
        codes(&good_with(row))
    }
}
