//! Each form's indicator framework: which 一级 and 二级 categories its tables
//! may use, which 一级 must be present, and what each 二级 measures.
//!
//! Frameworks are data, next to the form: `forms/<name>/form.yaml`. A form
//! without one follows the classic framework in `lib/framework.yaml`. The
//! review rules follow a 二级's declared kind, never its name: 成本目标,
//! 成本指标 and 经济成本指标 are all held to the money rules of a cost when
//! the form says they are costs, and a social or ecological cost is not.

use std::collections::BTreeMap;

use crate::diag::{Code, Quote};
use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};

/// The classic framework, for forms that declare none.
pub const FRAMEWORK_FILE: &str = "lib/framework.yaml";

/// What a 二级 category measures (财预〔2021〕101号's framework, and the
/// input indicators of forms that have them).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub enum Measure {
    /// 数量: how much is delivered.
    Quantity,
    /// 质量: how well.
    Quality,
    /// 时效: by when.
    Timeliness,
    /// 成本 under 产出: what a unit of output may cost, in money.
    Cost,
    /// 经济成本: a cost in money.
    EconomicCost,
    /// 社会成本: a cost borne by society, not in money.
    SocialCost,
    /// 生态环境成本: a cost borne by the environment, not in money.
    EcologicalCost,
    /// 经济效益.
    Economic,
    /// 社会效益.
    Social,
    /// 生态效益 (环境效益).
    Ecological,
    /// 可持续影响.
    Sustainable,
    /// 满意度.
    Satisfaction,
    /// 投入: the money and means put in.
    Input,
    /// Anything else a form's framework lists (其他指标).
    Other,
}

impl Measure {
    /// A cost written in money, which the money rules hold to a cap.
    pub fn is_money_cost(self) -> bool {
        matches!(self, Self::Cost | Self::EconomicCost)
    }

    /// An output measured in units, whose value needs its unit.
    pub fn is_measured(self) -> bool {
        matches!(
            self,
            Self::Quantity | Self::Quality | Self::Timeliness | Self::Cost | Self::EconomicCost
        )
    }
}

/// What a column of an indicator table holds. The value rules judge the
/// targets only: last year's actual, a description or a completion degree
/// is published as written, never held to what a target must be.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub enum ColumnRole {
    /// The target for the budget year (年度指标值, 全年指标值).
    Target,
    /// The target for the whole period (实施周期指标值).
    PeriodTarget,
    /// The target for the first half of the year (半年指标值).
    HalfYear,
    /// Last year's actual (上年度实际水平).
    LastYear,
    /// What the indicator means, or its formula (指标内容, 计算公式).
    Description,
    /// The standard it is measured against (参考标准).
    Reference,
    /// A remark (备注).
    Remark,
    /// How far the target was met (目标完成程度).
    Completion,
    /// Where the value comes from (指标值确定依据).
    Basis,
}

impl ColumnRole {
    /// A column of targets, which the value rules judge.
    pub fn is_target(self) -> bool {
        matches!(self, Self::Target | Self::PeriodTarget | Self::HalfYear)
    }
}

/// A column a form declares: what it holds, and whether every indicator
/// must have a value in it. Written as its role (`上年度实际水平: last-year`)
/// or, to require it, `本年度计划水平: {role: target, required: true}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Column {
    pub role: ColumnRole,
    pub required: bool,
}

impl<'de> Deserialize<'de> for Column {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Full {
            role: ColumnRole,
            #[serde(default)]
            required: bool,
        }
        struct ColumnVisitor;
        impl<'de> Visitor<'de> for ColumnVisitor {
            type Value = Column;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str(
                    "a column's role (target, last-year, …) or `{role: target, required: true}`",
                )
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Column, E> {
                let role = ColumnRole::try_from(v.to_owned()).map_err(E::custom)?;
                Ok(Column {
                    role,
                    required: false,
                })
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Column, A::Error> {
                let full = Full::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(Column {
                    role: full.role,
                    required: full.required,
                })
            }
        }
        deserializer.deserialize_any(ColumnVisitor)
    }
}

/// Whether a form's tables print the 一级 column. A form whose table
/// starts at the 二级 (the 一级 shown as a heading, or not at all) says
/// `level1: hidden`; its template reads it as `table.level1`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub enum Level1 {
    #[default]
    Printed,
    Hidden,
}

impl Level1 {
    /// Its name, as form.yaml writes it and the template reads it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Printed => "printed",
            Self::Hidden => "hidden",
        }
    }
}

/// The names form.yaml gives each kind of 二级.
const MEASURES: [(&str, Measure); 14] = [
    ("quantity", Measure::Quantity),
    ("quality", Measure::Quality),
    ("timeliness", Measure::Timeliness),
    ("cost", Measure::Cost),
    ("economic-cost", Measure::EconomicCost),
    ("social-cost", Measure::SocialCost),
    ("ecological-cost", Measure::EcologicalCost),
    ("economic", Measure::Economic),
    ("social", Measure::Social),
    ("ecological", Measure::Ecological),
    ("sustainable", Measure::Sustainable),
    ("satisfaction", Measure::Satisfaction),
    ("input", Measure::Input),
    ("other", Measure::Other),
];

/// The names form.yaml gives each role of a column.
const ROLES: [(&str, ColumnRole); 9] = [
    ("target", ColumnRole::Target),
    ("period-target", ColumnRole::PeriodTarget),
    ("half-year", ColumnRole::HalfYear),
    ("last-year", ColumnRole::LastYear),
    ("description", ColumnRole::Description),
    ("reference", ColumnRole::Reference),
    ("remark", ColumnRole::Remark),
    ("completion", ColumnRole::Completion),
    ("basis", ColumnRole::Basis),
];

/// The value `name` names in `table`, or a sentence listing the names: the
/// parser's own words ("unknown variant") mean nothing to a form's author.
pub(super) fn named<T: Copy>(table: &[(&str, T)], name: &str, what: &str) -> Result<T, String> {
    table
        .iter()
        .find(|(n, _)| *n == name)
        .map(|&(_, value)| value)
        .ok_or_else(|| {
            let names: Vec<&str> = table.iter().map(|(n, _)| *n).collect();
            format!(
                "{name} is not {what}: write one of {}",
                names.join(", "),
                name = Quote(&name)
            )
        })
}

impl TryFrom<String> for Measure {
    type Error = String;
    fn try_from(name: String) -> Result<Self, String> {
        named(&MEASURES, &name, "a kind of 二级")
    }
}

impl TryFrom<String> for ColumnRole {
    type Error = String;
    fn try_from(name: String) -> Result<Self, String> {
        named(&ROLES, &name, "a role of a column")
    }
}

impl TryFrom<String> for Level1 {
    type Error = String;
    fn try_from(name: String) -> Result<Self, String> {
        let names = [("printed", Level1::Printed), ("hidden", Level1::Hidden)];
        named(&names, &name, "a value of `level1`")
    }
}

/// The categories a table may use.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Framework {
    /// 一级 categories every table must have (产出, 效益, 满意度 or their names in this form).
    pub required: Vec<String>,
    /// Each 一级 category and the 二级 categories allowed under it.
    pub categories: BTreeMap<String, Vec<String>>,
    /// What each 二级 measures, by its name.
    pub kinds: BTreeMap<String, Measure>,
    /// The columns a table may have, by heading, and what each holds.
    pub columns: BTreeMap<String, Column>,
    /// Whether the 一级 column is printed.
    #[serde(default)]
    pub level1: Level1,
}

impl Framework {
    /// What the column headed `heading` holds, when the framework lists it.
    pub fn role(&self, heading: &str) -> Option<ColumnRole> {
        self.columns.get(heading.trim()).map(|c| c.role)
    }

    /// Whether every indicator must have a value in the column headed
    /// `heading`.
    pub fn is_required(&self, heading: &str) -> bool {
        self.columns.get(heading.trim()).is_some_and(|c| c.required)
    }

    /// What the 二级 `level2` measures, when the framework lists it.
    pub fn measure(&self, level2: &str) -> Option<Measure> {
        self.kinds.get(level2.trim()).copied()
    }

    /// What is wrong with the framework as written, each a sentence that
    /// names the category: a required 一级 it does not list (every table
    /// would get an error it could not fix), a 二级 listed twice, a 二级
    /// without a kind, a kind for a 二级 it does not list.
    pub fn problems(&self) -> Vec<(String, String)> {
        let mut found = Vec::new();
        if !self.columns.values().any(|c| c.role.is_target()) {
            found.push((
                "columns".to_owned(),
                "`columns:` names no column of targets: list the tables' headings with their roles, e.g. `年度指标值: target`".to_owned(),
            ));
        }
        for family in &self.required {
            if !self.categories.contains_key(family) {
                let listed: Vec<&str> = self.categories.keys().map(String::as_str).collect();
                found.push((
                    family.clone(),
                    format!(
                        "the required 一级 {family} is not among the categories ({}): add it, or remove it from `required`",
                        listed.join(", "), family = Quote(&family)
                    ),
                ));
            }
        }
        for (family, subs) in &self.categories {
            for (i, sub) in subs.iter().enumerate() {
                if subs[..i].contains(sub) {
                    found.push((
                        sub.clone(),
                        format!(
                            "{sub} is listed twice under {family}",
                            family = Quote(&family),
                            sub = Quote(&sub)
                        ),
                    ));
                } else if !self.kinds.contains_key(sub) {
                    found.push((
                        sub.clone(),
                        format!(
                            "the 二级 {} (under {family}) has no kind: add {} (or {}) under `kinds:`",
                            Quote(sub),
                            Code(format!("{sub}: quantity")),
                            MEASURES[1..].iter().map(|(name, _)| *name).collect::<Vec<_>>().join(", "), family = Quote(&family)
                        ),
                    ));
                }
            }
        }
        for sub in self.kinds.keys() {
            if !self.categories.values().any(|subs| subs.contains(sub)) {
                found.push((
                    sub.clone(),
                    format!("`kinds:` names {sub}, which no 一级 lists: add it under a 一级, or remove its kind", sub = Quote(&sub)),
                ));
            }
        }
        found
    }
}

/// A form's frameworks: one for project tables, and one for the department's
/// own table where it differs.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FormRules {
    pub indicators: Framework,
    #[serde(default)]
    pub department_indicators: Option<Framework>,
}

impl FormRules {
    /// Whether a table of this form may have a column headed `heading`.
    pub fn declares_column(&self, heading: &str) -> bool {
        let heading = heading.trim();
        [Some(&self.indicators), self.department_indicators.as_ref()]
            .into_iter()
            .flatten()
            .any(|f| f.columns.contains_key(heading))
    }

    pub fn for_department(&self) -> &Framework {
        self.department_indicators
            .as_ref()
            .unwrap_or(&self.indicators)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn framework(yaml: &str) -> Framework {
        serde_saphyr::from_str(yaml).unwrap()
    }

    #[test]
    fn a_framework_says_what_is_wrong_with_it() {
        let problems = framework(
            "required: [产出指标, 效益指标]\ncategories:\n  产出指标: [数量指标, 成本目标, 数量指标]\nkinds: {数量指标: quantity, 质量指标: quality}\ncolumns: {指标值确定依据: basis}\n",
        )
        .problems();
        let names: Vec<&str> = problems.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            ["columns", "效益指标", "成本目标", "数量指标", "质量指标"],
            "{problems:?}"
        );
    }

    #[test]
    fn a_column_may_be_required_and_the_level1_column_hidden() {
        let f = framework(
            "required: [产出指标]\ncategories: {产出指标: [数量指标]}\nkinds: {数量指标: quantity}\nlevel1: hidden\ncolumns:\n  本年度计划水平: {role: target, required: true}\n  上年度实际水平: last-year\n",
        );
        assert!(f.problems().is_empty());
        assert_eq!(f.level1, Level1::Hidden);
        assert_eq!(f.role("本年度计划水平"), Some(ColumnRole::Target));
        assert!(f.is_required("本年度计划水平") && !f.is_required("上年度实际水平"));
        let printed =
            framework("required: []\ncategories: {}\nkinds: {}\ncolumns: {年度指标值: target}\n");
        assert_eq!(printed.level1, Level1::Printed);
        let wrong = "required: []\ncategories: {}\nkinds: {}\ncolumns: {年度指标值: {role: target, requird: true}}\n";
        assert!(serde_saphyr::from_str::<Framework>(wrong).is_err());
        for (yaml, says) in [
            (
                "columns: {年度指标值: targt}",
                "“targt” is not a role of a column: write one of target,",
            ),
            (
                "columns: {年度指标值: target}\nlevel1: hid",
                "“hid” is not a value of `level1`",
            ),
            (
                "columns: {年度指标值: target}\nkinds: {数量指标: quantty}",
                "“quantty” is not a kind of 二级",
            ),
        ] {
            let yaml = format!("required: []\ncategories: {{}}\n{yaml}\n");
            let yaml = if yaml.contains("kinds") {
                yaml
            } else {
                format!("{yaml}kinds: {{}}\n")
            };
            let error = serde_saphyr::from_str::<Framework>(&yaml)
                .unwrap_err()
                .to_string();
            assert!(
                error.contains(says) && !error.contains("variant"),
                "{error}"
            );
        }
    }

    #[test]
    fn a_cost_is_a_cost_whatever_it_is_called() {
        let f = framework(
            "required: [产出指标]\ncategories:\n  产出指标: [成本目标]\n  成本指标: [社会成本指标]\nkinds: {成本目标: cost, 社会成本指标: social-cost}\ncolumns: {本年度计划水平: target, 上年度实际水平: last-year}\n",
        );
        assert!(f.problems().is_empty());
        assert!(f.measure("成本目标").is_some_and(Measure::is_money_cost));
        assert!(
            f.measure("社会成本指标")
                .is_some_and(|m| !m.is_money_cost())
        );
        assert_eq!(f.measure("成本指标"), None);
        assert_eq!(f.role(" 上年度实际水平 "), Some(ColumnRole::LastYear));
    }
}
