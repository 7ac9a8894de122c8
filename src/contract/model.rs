//! The common model every form draws on, field by field: its key, its type,
//! its title and description in the users' language (for `jixiao schema`
//! and `jixiao new`), and whether the model itself requires it.
//!
//! It mirrors the typed structs of [`crate::model`]; a test reads documents
//! made from this description back through them, so the two cannot drift.

use super::{Field, Kind};

fn text(key: &str, title: &str, description: &str) -> Field {
    Field::model(key, Kind::Text, title, description)
}

fn money(key: &str, title: &str) -> Field {
    Field::model(
        key,
        Kind::Money(None),
        title,
        "金额，照批复原文书写，如 1449000.00；不写单位和千位分隔符",
    )
}

/// The fields of a data file.
pub fn document() -> Vec<Field> {
    vec![
        Field::model(
            "form",
            Kind::Text,
            "表式",
            "本文件使用的表式，即 templates/forms/ 下的文件夹名，如 dongguan-rd",
        )
        .required()
        .meta(),
        Field::model("year", Kind::Year, "预算年度", "四位年份，如 2022").required(),
        text("title", "标题", "公开文件的标题，照批复原文").required(),
        text("department", "部门名称", "部门（单位）名称，即预算单位")
            .required()
            .also(&["单位名称", "预算单位", "部门（单位）名称", "单位"]),
        Field::model(
            "date",
            Kind::Date,
            "日期",
            "批复或公开日期，YYYY-MM-DD；不写时取 SOURCE_DATE_EPOCH 或预算年度1月1日",
        ),
        text("part", "分部标签", "标题上方的标签，如 附件3、第一部分"),
        Field::model(
            "preamble",
            Kind::Paragraphs,
            "前言",
            "表格前的段落，如引用批复文件的说明，每段一项",
        ),
        Field::model(
            "department_target",
            Kind::Record(department_target()),
            "部门整体支出绩效目标",
            "部门整体支出的目标、预算和指标",
        ),
        Field::model(
            "projects",
            Kind::List(project()),
            "项目支出绩效目标",
            "每个项目一项，各成一张表",
        ),
        Field::model(
            "waivers",
            Kind::List(waiver()),
            "豁免",
            "审核规则发现、但按批复原文公开的问题，每项写明规则代码、所指内容和理由",
        )
        .meta(),
    ]
}

fn department_target() -> Vec<Field> {
    vec![
        Field::model(
            "goals",
            Kind::Paragraphs,
            "总体绩效目标",
            "年度主要任务及拟达到的目标，每段一项",
        ),
        Field::model(
            "budget",
            Kind::Record(budget()),
            "预算情况",
            "财政拨款总额及人员经费、公用经费、项目经费",
        ),
        Field::model(
            "key_tasks",
            Kind::List(key_task()),
            "年度重点工作任务",
            "名称、主要实施内容、期望达到的目标",
        ),
        Field::model(
            "other_tasks",
            Kind::List(other_task()),
            "其他需完成的任务",
            "名称、内容及金额",
        ),
        Field::model(
            "functions",
            Kind::List(function()),
            "职能目标",
            "按职能（二级专项）列出工作及项目和年度目标",
        ),
        Field::model(
            "sub_targets",
            Kind::List(sub_target()),
            "分项绩效目标",
            "每个支出方向的绩效目标和绩效指标（文字）",
        ),
        Field::model(
            "safeguards",
            Kind::List(safeguard()),
            "工作保障措施",
            "每条措施一项",
        ),
        Field::model(
            "indicators",
            Kind::Indicators,
            "绩效指标",
            "部门整体支出的指标表",
        ),
    ]
}

fn budget() -> Vec<Field> {
    vec![
        Field::model("unit", Kind::Unit, "金额单位", "元 或 万元").required(),
        money("total", "年度财政拨款资金总额").required(),
        money("personnel", "人员经费").required(),
        money("public", "公用经费").required(),
        money("projects", "项目经费").required(),
    ]
}

fn key_task() -> Vec<Field> {
    vec![
        text("name", "名称", "任务名称").required(),
        text("content", "主要实施内容", "").required(),
        text("expected", "期望达到的目标", "").required(),
    ]
}

fn other_task() -> Vec<Field> {
    vec![
        text("name", "名称", "任务名称").required(),
        text("content", "内容", "").required(),
        money("amount", "金额（元）").required(),
    ]
}

fn function() -> Vec<Field> {
    vec![
        text("name", "职能（二级专项）", "").required(),
        Field::model("works", Kind::List(work()), "工作及项目", "").required(),
    ]
}

fn work() -> Vec<Field> {
    vec![
        text("name", "工作及项目名称", "").required(),
        Field::model("targets", Kind::List(work_target()), "年度目标", "").required(),
    ]
}

fn work_target() -> Vec<Field> {
    vec![
        text("name", "年度目标", "").required(),
        Field::model("value", Kind::Value, "目标值", "如 ≥90%、3次、及时").required(),
    ]
}

fn sub_target() -> Vec<Field> {
    vec![
        text("title", "支出方向", "如 召开会议：会议费").required(),
        text("target", "绩效目标", "").required(),
        text("indicators", "绩效指标", "文字").required(),
    ]
}

fn safeguard() -> Vec<Field> {
    vec![
        text("title", "标题", "措施的小标题"),
        text("text", "内容", "").required(),
    ]
}

/// The fields of one project.
fn project() -> Vec<Field> {
    vec![
        text("name", "项目名称", "").required(),
        text(
            "title",
            "表格标题",
            "照原文的表格标题，如 1、2022年度会议费项目绩效目标表",
        ),
        text("category", "项目类别", "如 经常性项目、新增、延续"),
        text("supervisor", "主管部门", ""),
        text("implementer", "实施单位", "实施单位或预算单位"),
        Field::model(
            "start",
            Kind::Period,
            "开始时间",
            "2022-01-01、2022年 或 2022年1月",
        ),
        Field::model(
            "end",
            Kind::Period,
            "完成时间",
            "2022-12-31、2022年 或 2022年12月",
        ),
        Field::model("funds", Kind::Record(funds()), "项目资金", "资金总额及来源"),
        Field::model(
            "explanation",
            Kind::Record(explanation()),
            "项目经费情况说明",
            "概述、立项依据、实施主体、实施方案、实施周期、年度预算安排、绩效目标",
        ),
        text("overall_goal", "项目总目标", "整个实施期的目标"),
        text("goal", "年度目标", "年度总目标（绩效目标）"),
        Field::model("indicators", Kind::Indicators, "绩效指标", "项目的指标表").required(),
    ]
}

fn funds() -> Vec<Field> {
    vec![
        Field::model("unit", Kind::Unit, "金额单位", "元 或 万元").required(),
        money("total", "资金总额").required(),
        money("fiscal", "财政资金"),
        money("other", "其他资金"),
        Field::model(
            "annual",
            Kind::Record(annual()),
            "年度资金申请",
            "年度申请总额及来源",
        ),
    ]
}

fn annual() -> Vec<Field> {
    vec![
        money("total", "年度资金申请总额").required(),
        money("appropriation", "当年财政拨款").required(),
        money("carryover", "上年结转资金").required(),
        money("other", "其他资金").required(),
    ]
}

fn explanation() -> Vec<Field> {
    [
        ("overview", "项目概述"),
        ("basis", "立项依据"),
        ("implementer", "实施主体"),
        ("plan", "实施方案"),
        ("period", "实施周期"),
        ("budget", "年度预算安排"),
        ("target", "绩效目标"),
    ]
    .into_iter()
    .map(|(key, title)| text(key, title, "").required())
    .collect()
}

fn waiver() -> Vec<Field> {
    vec![
        text("code", "规则代码", "jixiao rules 列出的代码").required(),
        text(
            "where",
            "所指内容",
            "问题所指的值、名称或项目名称（部门整体写 部门整体）",
        )
        .required(),
        text("why", "理由", "按原文公开的理由").required(),
    ]
}

/// The fields of an indicator table: its value columns, then 一级 → 二级
/// → 三级 groups.
pub fn indicator_table() -> Vec<Field> {
    let item = vec![
        text("name", "三级指标", "").required(),
        Field::model(
            "values",
            Kind::Values,
            "指标值",
            "每个指标值列一项，如 ≥90%、3次",
        )
        .required(),
    ];
    let level2 = vec![
        text("name", "二级指标", "如 数量指标").required(),
        Field::model("items", Kind::List(item), "三级指标", "").required(),
    ];
    let level1 = vec![
        text("name", "一级指标", "如 产出指标").required(),
        Field::model("groups", Kind::List(level2), "二级指标", "").required(),
    ];
    vec![
        Field::model(
            "columns",
            Kind::Paragraphs,
            "指标值列",
            "指标值列的标题，如 [实施周期指标值, 年度指标值]",
        )
        .required(),
        Field::model("groups", Kind::List(level1), "一级指标", "").required(),
    ]
}
