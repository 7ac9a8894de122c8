//! The typed shape of a department's disclosure, as its data file writes it.
//!
//! One model serves every region's form: a form decides the layout, the model
//! only says what was approved. What a form adds of its own, and which keys
//! a data file may have at all, its contract says ([`crate::contract`]): a
//! misspelt key is an error there, before the file is read into this model.

/// Serde for types written as text in the data file: parsed once when the
/// file is read, printed exactly as written. The contract has already
/// refused a bad value at its place with its own code (bad-amount,
/// bad-date), so a refusal here only says what is wrong.
macro_rules! text_serde {
    ($type:ty) => {
        impl<'de> serde::Deserialize<'de> for $type {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = String::deserialize(deserializer)?;
                text.parse().map_err(serde::de::Error::custom)
            }
        }

        impl serde::Serialize for $type {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(self)
            }
        }
    };
}
use text_serde;

mod date;
mod located;
mod money;
mod value;
mod when;

use serde::{Deserialize, Serialize};

pub use date::{Date, DateError};
pub use located::{LOCATED, LOCATED_FIELDS, Loc, Located, Text};
pub use money::{Money, MoneyError};
pub use value::{IndicatorValue, Op, Quantity, Shape};
pub use when::{When, WhenError, WhenKind};

/// One department's disclosure: one data file, one PDF, one HTML page.
#[derive(Clone, Debug, Deserialize, Serialize)]
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
    /// A label printed above the title, such as 附件3 or 第一部分.
    #[serde(default)]
    pub part: Option<Text>,
    /// Paragraphs before the tables, e.g. the notice citing the approving documents.
    #[serde(default)]
    pub preamble: Vec<Text>,
    /// 部门整体支出绩效目标: the department's target for its whole budget.
    #[serde(default)]
    pub department_target: Option<DepartmentTarget>,
    /// 项目支出绩效目标: one target table per spending project.
    #[serde(default)]
    pub projects: Vec<Project>,
    /// Findings of `jixiao check` acknowledged for this approved document,
    /// which is then published as it is.
    #[serde(default)]
    pub waivers: Vec<Waiver>,
    /// Indicator tables the document's form adds of its own (e.g. 长期绩效指标),
    /// read from its contract's fields: the rules hold them to the same
    /// standard as the model's.
    #[serde(skip)]
    pub extra_tables: Vec<ExtraTable>,
    /// Every text of the data file, the model's and those its form adds
    /// (项目负责人, 填报人 …), each with its place, as the contract's walk
    /// found them: what the text rules read, so that none is left out.
    #[serde(skip)]
    pub texts: Vec<ScopedText>,
    /// Every amount of the data file, by its path (`projects[0].funds.total`):
    /// what a form's sums add up.
    #[serde(skip)]
    pub amounts: Vec<Amount>,
}

/// A text of the data file, and the project it belongs to (by position), or
/// none for the department's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScopedText {
    pub project: Option<usize>,
    pub text: Text,
}

/// An amount of the data file and where it stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Amount {
    /// Its keys and list positions: `projects[0].funds.total`.
    pub path: String,
    pub loc: Loc,
    pub value: rust_decimal::Decimal,
}

/// An indicator table a form adds, and where it stands.
#[derive(Clone, Debug)]
pub struct ExtraTable {
    /// The project it belongs to (by position), or none for the department's.
    pub project: Option<usize>,
    /// Its title in the form, e.g. 长期绩效指标.
    pub title: String,
    pub table: IndicatorTable,
}

/// An acknowledged finding: the rule, the value or name it is about, and why
/// the document is published anyway.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct Waiver {
    /// The rule's code, as `jixiao rules` lists it.
    pub code: Text,
    /// What the finding is about: the offending value or name as the finding
    /// names it, or the project it is in (`部门整体` for the department's own target).
    #[serde(rename = "where")]
    pub place: Text,
    /// Why the document is published with it.
    pub why: Text,
}

impl Document {
    /// The department's total budget (财政拨款总额), where the document
    /// states one. A sum of project funds or of task amounts is no figure
    /// the approved document states, so the index shows none for it.
    pub fn budget_total(&self) -> Option<(rust_decimal::Decimal, Unit)> {
        let budget = self.department_target.as_ref()?.budget.as_ref()?;
        Some((budget.total.value.value(), budget.unit.value))
    }

    /// How many projects it sets targets for (a form's other tasks are
    /// not projects).
    pub fn project_count(&self) -> usize {
        self.projects.len()
    }
}

impl Unit {
    /// An amount in this unit, in `to`.
    pub fn convert(self, amount: rust_decimal::Decimal, to: Unit) -> rust_decimal::Decimal {
        let ten_thousand = rust_decimal::Decimal::from(10_000);
        match (self, to) {
            (Unit::Yuan, Unit::TenThousandYuan) => amount / ten_thousand,
            (Unit::TenThousandYuan, Unit::Yuan) => amount * ten_thousand,
            _ => amount,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Unit::Yuan => "元",
            Unit::TenThousandYuan => "万元",
        }
    }
}

/// The target for a department's whole budget (部门整体支出绩效目标).
///
/// Forms show different parts of it: 东莞 its key and other tasks, 无锡 its
/// statutory functions, 攀枝花 its budget split, 承德 a narrative.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct DepartmentTarget {
    /// 总体绩效目标 (年度主要任务及拟达到的目标), one entry per paragraph.
    #[serde(default)]
    pub goals: Vec<Text>,
    /// The department's budget and its split, where the form states it.
    #[serde(default)]
    pub budget: Option<Budget>,
    /// 年度重点工作任务.
    #[serde(default)]
    pub key_tasks: Vec<KeyTask>,
    /// 其他需完成的任务, with their amounts.
    #[serde(default)]
    pub other_tasks: Vec<OtherTask>,
    /// Targets by statutory function (职能 → 工作及项目 → 年度目标).
    #[serde(default)]
    pub functions: Vec<Function>,
    /// 分项绩效目标: a target and its indicators, in prose, per spending line.
    #[serde(default)]
    pub sub_targets: Vec<SubTarget>,
    /// 工作保障措施.
    #[serde(default)]
    pub safeguards: Vec<Safeguard>,
    /// The indicator table (绩效指标), where the form has one.
    #[serde(default)]
    pub indicators: Option<IndicatorTable>,
}

/// The unit amounts are written in; a document keeps the unit it was approved in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
pub enum Unit {
    #[serde(rename = "元")]
    Yuan,
    #[serde(rename = "万元")]
    TenThousandYuan,
}

/// A department's budget: the total of its 财政拨款 and its split into
/// 人员经费, 公用经费 and 项目经费.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct Budget {
    pub unit: Located<Unit>,
    pub total: Located<Money>,
    pub personnel: Located<Money>,
    pub public: Located<Money>,
    pub projects: Located<Money>,
}

/// A statutory function (职能（二级专项）) and the work done under it.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct Function {
    pub name: Text,
    pub works: Vec<Work>,
}

/// A work item or project (工作及项目名称) and its yearly targets.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct Work {
    pub name: Text,
    pub targets: Vec<WorkTarget>,
}

/// A yearly target (年度目标) and its value (目标值).
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct WorkTarget {
    pub name: Text,
    pub value: Located<IndicatorValue>,
}

/// A spending line's target and indicators, written as prose.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct SubTarget {
    /// The line's heading, e.g. 召开会议：会议费.
    pub title: Text,
    /// 绩效目标.
    pub target: Text,
    /// 绩效指标.
    pub indicators: Text,
}

/// A safeguard (工作保障措施): a paragraph, with a heading line where the
/// document gives one.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct Safeguard {
    #[serde(default)]
    pub title: Option<Text>,
    pub text: Text,
}

/// A spending project's target (项目支出绩效目标).
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct Project {
    /// 项目名称.
    pub name: Text,
    /// The heading of the project's table as published, where the form takes
    /// it from the data (承德: 1、2022年度会议费项目绩效目标表).
    #[serde(default)]
    pub title: Option<Text>,
    /// 项目类别 / 项目属性, e.g. 经常性项目.
    #[serde(default)]
    pub category: Option<Text>,
    /// 主管部门.
    #[serde(default)]
    pub supervisor: Option<Text>,
    /// 实施单位 / 预算单位.
    #[serde(default)]
    pub implementer: Option<Text>,
    /// 开始时间 / 计划开始日期.
    #[serde(default)]
    pub start: Option<Located<When>>,
    /// 完成时间 / 计划完成日期.
    #[serde(default)]
    pub end: Option<Located<When>>,
    /// 项目资金.
    #[serde(default)]
    pub funds: Option<Funds>,
    /// 项目经费情况说明 (松江).
    #[serde(default)]
    pub explanation: Option<Explanation>,
    /// 项目总目标 over the whole project period.
    #[serde(default)]
    pub overall_goal: Option<Text>,
    /// 年度目标 (年度总目标, 绩效目标).
    #[serde(default)]
    pub goal: Option<Text>,
    pub indicators: IndicatorTable,
}

/// A project's funds and their sources, in the unit of the form.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct Funds {
    pub unit: Located<Unit>,
    /// 项目资金总额 / 年度资金总额.
    pub total: Located<Money>,
    /// 财政资金 / 财政拨款.
    #[serde(default)]
    pub fiscal: Option<Located<Money>>,
    /// 其他资金.
    #[serde(default)]
    pub other: Option<Located<Money>>,
    /// The year's request, where the form separates it from the project total.
    #[serde(default)]
    pub annual: Option<AnnualFunds>,
}

/// 年度资金申请: the year's request and its sources.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct AnnualFunds {
    /// 年度资金申请总额.
    pub total: Located<Money>,
    /// 当年财政拨款.
    pub appropriation: Located<Money>,
    /// 上年结转资金.
    pub carryover: Located<Money>,
    /// 其他资金.
    pub other: Located<Money>,
}

/// 项目经费情况说明: the seven sections 松江 publishes before each table.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct Explanation {
    /// 项目概述.
    pub overview: Text,
    /// 立项依据.
    pub basis: Text,
    /// 实施主体.
    pub implementer: Text,
    /// 实施方案.
    pub plan: Text,
    /// 实施周期.
    pub period: Text,
    /// 年度预算安排.
    pub budget: Text,
    /// 绩效目标.
    pub target: Text,
}

/// A key task of the year: 名称 / 主要实施内容 / 期望达到的目标.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct KeyTask {
    pub name: Text,
    pub content: Text,
    pub expected: Text,
}

/// A further task with its budgeted amount.
#[derive(Clone, Debug, Deserialize, Serialize)]
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
pub struct IndicatorTable {
    /// Headings of the value columns, e.g. 实施周期指标值 and 年度指标值.
    pub columns: Vec<Text>,
    /// 一级指标 groups, in published order.
    pub groups: Vec<Level1>,
}

/// A 一级指标 (e.g. 产出指标) and its 二级 groups.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct Level1 {
    pub name: Text,
    pub groups: Vec<Level2>,
}

/// A 二级指标 (e.g. 数量指标) and its concrete indicators.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct Level2 {
    /// Empty where the published table leaves the cell blank.
    pub name: Text,
    pub items: Vec<Indicator>,
}

/// A 三级指标 and its values, one per value column of the table.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct Indicator {
    pub name: Text,
    pub values: Vec<Located<IndicatorValue>>,
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
