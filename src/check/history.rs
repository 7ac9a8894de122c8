//! A document against the same department's document of the year before: a
//! table copied unchanged, or a target set lower than last year's, says
//! that the year's targets were not thought through. Both are warnings that
//! quote last year's line.
//!
//! The previous year's document is the data file of the same name in the
//! previous year's folder (`data/2022/x.yaml` for `data/2023/x.yaml`), when
//! it names the same department.

use std::path::{Path, PathBuf};

use super::Mark;
use super::content::rows;
use super::{Findings, Previous, Scope};
use crate::codes::{COPIED_FROM_LAST_YEAR, LOWERED_TARGET};
use crate::diag::Quote;
use crate::model::{Document, IndicatorTable, Op, Quantity};

/// Where the previous year's data file of `path` would be: the same path
/// with its year folder one less.
pub fn previous_year_path(path: &Path) -> Option<PathBuf> {
    let mut parts: Vec<String> = path
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    let year = parts
        .iter()
        .rposition(|p| p.len() == 4 && p.bytes().all(|b| b.is_ascii_digit()))?;
    let number: u16 = parts[year].parse().ok()?;
    parts[year] = format!("{:04}", number.checked_sub(1)?);
    Some(parts.iter().collect())
}

pub(super) fn check(document: &Document, previous: Previous, findings: &mut Findings) {
    let last = previous.document;
    let same = last.department.value.trim() == document.department.value.trim();
    if !same || last.year.value.checked_add(1) != Some(document.year.value) {
        return;
    }
    let department = |d: &'_ Document| {
        d.department_target
            .as_ref()
            .and_then(|t| t.indicators.as_ref())
            .cloned()
    };
    if let (Some(now), Some(then)) = (department(document), department(last)) {
        compare(Scope::Department, &now, &then, previous.path, findings);
    }
    for project in &document.projects {
        let name = project.name.value.trim();
        if let Some(then) = last.projects.iter().find(|p| p.name.value.trim() == name) {
            compare(
                Scope::Project(&project.name.value),
                &project.indicators,
                &then.indicators,
                previous.path,
                findings,
            );
        }
    }
}

fn compare(
    scope: Scope,
    now: &IndicatorTable,
    then: &IndicatorTable,
    path: &Path,
    findings: &mut Findings,
) {
    let last_line = |t: &IndicatorTable| t.columns.first().map_or(0, |c| c.loc.line);
    if !rows(now).is_empty() && rows(now) == rows(then) {
        let at = now.columns.first().map_or_else(Default::default, |c| c.loc);
        findings
            .add(
                COPIED_FROM_LAST_YEAR,
                at,
                format!("{}的指标表与上一年度的完全相同（{}:{}）", describe(scope), path.display(), last_line(then)),
            )
            .hint("set this year's targets: what will be delivered this year, and how much more than last year")
            .about(scope.name());
        return;
    }
    let columns = findings.target_columns(scope, now);
    for (_, _, indicator) in now.indicators() {
        let name = indicator.name.value.trim();
        let Some((_, _, before)) = then
            .indicators()
            .find(|(_, _, i)| i.name.value.trim() == name)
        else {
            continue;
        };
        for &column in &columns {
            let (Some(value), Some(old)) =
                (indicator.values.get(column), before.values.get(column))
            else {
                continue;
            };
            let (Some(q), Some(p)) = (value.value.quantity(), old.value.quantity()) else {
                continue;
            };
            if lowered(q, p) {
                findings
                    .add(
                        LOWERED_TARGET,
                        value.loc,
                        format!(
                            "指标{name}的目标{}低于上一年度的{}（{}:{}）",
                            Quote(&value.value),
                            Quote(&old.value),
                            path.display(),
                            old.loc.line, name = Quote(&name)
                        ),
                    )
                    .hint("a target lower than last year's needs a reason; keep or raise it, or waive with the reason")
                    .about(value.value.as_str())
                    .about(name)
                    .about(scope.name());
            }
        }
    }
}

/// A floor set lower, or a cap set higher, than before, in the same unit.
fn lowered(now: &Quantity, then: &Quantity) -> bool {
    let floor = |q: &Quantity| matches!(q.op, Op::AtLeast | Op::Above);
    let cap = |q: &Quantity| matches!(q.op, Op::AtMost | Op::Below);
    now.unit == then.unit
        && ((floor(now) && floor(then) && now.number < then.number)
            || (cap(now) && cap(then) && now.number > then.number))
}

fn describe(scope: Scope) -> String {
    match scope {
        Scope::Department => "部门整体支出".to_owned(),
        Scope::Project(name) => format!("项目{name}", name = Quote(&name)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::testing::*;
    use crate::check::{Previous, check_with_history};

    fn against(
        last_rows: &[(&str, &str, &str, &str)],
        rows: &[(&str, &str, &str, &str)],
    ) -> Vec<String> {
        let last = document(&with_rows(last_rows).replace("year: 2022", "year: 2021"));
        let now = document(&with_rows(rows));
        let previous = Previous {
            path: Path::new("data/2021/t.yaml"),
            document: &last,
        };
        let report = check_with_history(
            Path::new("data/2022/t.yaml"),
            &now,
            &forms(),
            Some(previous),
            Vec::new(),
        );
        report
            .diagnostics
            .iter()
            .map(|d| format!("{} {}", d.code, d.message))
            .collect()
    }

    #[test]
    fn a_table_copied_from_last_year_is_found_with_last_year_s_line() {
        let found = against(GOOD_ROWS, GOOD_ROWS);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].starts_with("copied-from-last-year"), "{found:?}");
        assert!(found[0].contains("data/2021/t.yaml:8"), "{found:?}");
    }

    #[test]
    fn a_lowered_target_is_found_and_a_raised_one_is_not() {
        let mut rows = GOOD_ROWS.to_vec();
        rows[1] = ("产出指标", "质量指标", "培训合格率", "≥90%");
        let found = against(GOOD_ROWS, &rows);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].starts_with("lowered-target") && found[0].contains("≥95%"),
            "{found:?}"
        );
        rows[1] = ("产出指标", "质量指标", "培训合格率", "≥98%");
        assert!(against(GOOD_ROWS, &rows).is_empty());
        rows[3] = ("产出指标", "成本指标", "人均培训成本", "≤600元");
        let found = against(GOOD_ROWS, &rows);
        assert!(
            found.iter().any(|f| f.starts_with("lowered-target")),
            "{found:?}"
        );
    }

    #[test]
    fn the_previous_year_is_the_same_name_one_folder_back() {
        assert_eq!(
            previous_year_path(Path::new("data/2023/x.yaml")),
            Some(PathBuf::from("data/2022/x.yaml"))
        );
        assert_eq!(previous_year_path(Path::new("data/x.yaml")), None);
    }
}
