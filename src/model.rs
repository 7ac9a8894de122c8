//! The typed shape of a department's disclosure, as its data file writes it.
//!
//! One model serves every region's form: a form decides the layout, the model
//! only says what was approved. Unknown keys are errors (`deny_unknown_fields`)
//! so that a misspelt key cannot silently drop a field from a published
//! document.

mod date;
mod located;
mod money;

use serde::{Deserialize, Serialize};

pub use date::{Date, DateError};
pub use located::{Loc, Located, Text};
pub use money::{Money, MoneyError};

/// One department's disclosure: one data file, one PDF, one HTML page.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Document {
    /// The form (layout) under `templates/forms/` the document is published in.
    pub form: Text,
    /// The budget year (预算年度).
    pub year: Located<u16>,
    /// The document title as published.
    pub title: Text,
    /// 部门名称 / 预算单位: the publishing department.
    pub department: Text,
    /// The approval or publication date, when the document states one.
    #[serde(default)]
    pub date: Option<Located<Date>>,
    /// Paragraphs before the tables, e.g. the notice citing the approving documents.
    #[serde(default)]
    pub preamble: Vec<Text>,
    /// 部门整体支出绩效目标: the department's target for its whole budget.
    #[serde(default)]
    pub department_target: Option<DepartmentTarget>,
}

/// The target for a department's whole budget (部门整体支出绩效目标).
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DepartmentTarget {
    /// 总体绩效目标, one entry per published paragraph.
    #[serde(default)]
    pub goals: Vec<Text>,
    /// 年度重点工作任务.
    #[serde(default)]
    pub key_tasks: Vec<KeyTask>,
    /// 其他需完成的任务, with their amounts.
    #[serde(default)]
    pub other_tasks: Vec<OtherTask>,
    /// The indicator table (绩效指标).
    pub indicators: IndicatorTable,
}

/// A key task of the year: 名称 / 主要实施内容 / 期望达到的目标.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct KeyTask {
    pub name: Text,
    pub content: Text,
    pub expected: Text,
}

/// A further task with its budgeted amount.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct OtherTask {
    pub name: Text,
    pub content: Text,
    /// The amount in 元, as approved.
    pub amount: Located<Money>,
}

/// A table of indicators: 一级指标 → 二级指标 → 三级指标, each with one value
/// per declared value column.
///
/// The same 一级 or 二级 name may appear in several groups: some published
/// tables list a category, move on, and come back to it, and the form must
/// reproduce that order.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct IndicatorTable {
    /// Headings of the value columns, e.g. 实施周期指标值 and 年度指标值.
    pub columns: Vec<Text>,
    /// 一级指标 groups, in published order.
    pub groups: Vec<Level1>,
}

/// A 一级指标 (e.g. 产出指标) and its 二级 groups.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Level1 {
    pub name: Text,
    pub groups: Vec<Level2>,
}

/// A 二级指标 (e.g. 数量指标) and its concrete indicators.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Level2 {
    /// Empty where the published table leaves the cell blank.
    pub name: Text,
    pub items: Vec<Indicator>,
}

/// A 三级指标 and its values, one per value column of the table.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Indicator {
    pub name: Text,
    pub values: Vec<Text>,
}

impl IndicatorTable {
    /// Every indicator with the names of its 一级 and 二级 groups.
    pub fn indicators(&self) -> impl Iterator<Item = (&Level1, &Level2, &Indicator)> {
        self.groups.iter().flat_map(|l1| {
            l1.groups
                .iter()
                .flat_map(move |l2| l2.items.iter().map(move |item| (l1, l2, item)))
        })
    }
}
