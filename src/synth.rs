//! A deterministic synthetic corpus in the real schema, for benchmarks and
//! scale tests: a province's worth of departments across the built-in forms.
//!
//! The text is made of clauses from the published seeds and names drawn from
//! the 3,755 common hanzi of GB 2312, so that documents have realistic
//! lengths and the corpus as a whole uses several thousand distinct
//! characters. Amounts add up and values fit their indicators, so the corpus
//! passes `jixiao check`.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

/// Clauses taken from the five published seeds.
const PHRASES: &str = include_str!("synth/phrases.txt");

/// The forms a synthetic department may use.
const FORMS: &[&str] = &[
    "dongguan-rd",
    "wuxi-rd",
    "chengde-rd",
    "panzhihua-renhe-rd",
    "shanghai-songjiang-rd",
    "national",
];

const YEAR: u16 = 2023;

/// Characters that tell the checks what an indicator measures.
const MEANINGFUL: &str = "率费满意成本价资金额次数量性及时效经用人件份";

/// A small, fast, seedable generator (splitmix64): the corpus must be the
/// same for the same seed on every machine, without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `low..=high`.
    fn range(&mut self, low: u64, high: u64) -> u64 {
        low + self.next() % (high - low + 1)
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.range(0, items.len() as u64 - 1) as usize]
    }
}

/// What the generator draws from.
struct Corpus {
    phrases: Vec<&'static str>,
    hanzi: Vec<char>,
}

impl Corpus {
    fn new() -> Self {
        let phrases = PHRASES.lines().filter(|l| !l.is_empty()).collect();
        let hanzi = common_hanzi()
            .into_iter()
            .filter(|c| !MEANINGFUL.contains(*c))
            .collect();
        Self { phrases, hanzi }
    }

    /// A name of `len` common hanzi, none of which make the checks read it as
    /// a rate, an amount or a count.
    fn name(&self, rng: &mut Rng, len: usize) -> String {
        (0..len).map(|_| *rng.pick(&self.hanzi)).collect()
    }

    /// A sentence of `min..=max` clauses, ending in 。.
    fn sentence(&self, rng: &mut Rng, min: u64, max: u64) -> String {
        let clauses = rng.range(min, max);
        let parts: Vec<&str> = (0..clauses).map(|_| *rng.pick(&self.phrases)).collect();
        format!("{}。", parts.join("，"))
    }

    /// A paragraph of realistic length (60–300 characters).
    fn paragraph(&self, rng: &mut Rng) -> String {
        (0..rng.range(1, 4))
            .map(|_| self.sentence(rng, 2, 5))
            .collect()
    }
}

/// The 3,755 level-1 hanzi of GB 2312 (rows 16–55), decoded from their codes.
fn common_hanzi() -> Vec<char> {
    let mut bytes = Vec::new();
    for row in 0xB0u8..=0xD7 {
        for cell in 0xA1u8..=0xFE {
            if row == 0xD7 && cell > 0xF9 {
                break;
            }
            bytes.extend([row, cell]);
        }
    }
    let (text, _, _) = encoding_rs::GB18030.decode(&bytes);
    text.chars()
        .filter(|c| ('\u{4e00}'..='\u{9fff}').contains(c))
        .collect()
}

/// Writes `departments` data files under `out`; returns their paths.
pub fn write_corpus(departments: usize, seed: u64, out: &Path) -> std::io::Result<Vec<PathBuf>> {
    let corpus = Corpus::new();
    let mut rng = Rng(seed);
    let mut written = Vec::with_capacity(departments);
    for index in 0..departments {
        let form = *rng.pick(FORMS);
        let document = department(&corpus, &mut rng, form);
        let yaml = serde_saphyr::to_string(&document).map_err(std::io::Error::other)?;
        let path = out
            .join(YEAR.to_string())
            .join(format!("dept-{index:05}-{form}.yaml"));
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(&path, yaml)?;
        written.push(path);
    }
    Ok(written)
}

fn department(corpus: &Corpus, rng: &mut Rng, form: &str) -> Value {
    let city = format!("{}市", corpus.name(rng, 2));
    let department = format!("{city}{}局", corpus.name(rng, 2));
    let projects = rng.range(5, 30) as usize;
    let mut doc = json!({
        "form": form,
        "year": YEAR,
        "title": format!("{department}{YEAR}年预算绩效目标"),
        "department": department,
        "date": format!("{YEAR}-02-{:02}", rng.range(1, 28)),
        "preamble": [corpus.paragraph(rng)],
    });
    let (columns, framework): (&[&str], &[(&str, &[&str])]) = match form {
        "dongguan-rd" => (&["实施周期指标值", "年度指标值"], CLASSIC),
        "wuxi-rd" => (&["半年（程） 指标值", "全年（程） 指标值"], CLASSIC),
        "chengde-rd" => (&["绩效指标描述", "指标值", "指标值确定依据"], CLASSIC),
        "panzhihua-renhe-rd" => (&["指标值（包含数字及文字描述）"], SICHUAN),
        _ => (&["年度指标值"], CLASSIC),
    };
    let projects: Vec<Value> = (0..projects)
        .map(|_| project(corpus, rng, form, columns, framework, &department))
        .collect();
    let total_yuan: u64 = projects
        .iter()
        .map(|p| p["funds"]["total_yuan"].as_u64().unwrap_or(0))
        .sum();
    let projects: Vec<Value> = projects.into_iter().map(strip_total_yuan).collect();
    doc["department_target"] = department_target(corpus, rng, form, total_yuan);
    if form == "shanghai-songjiang-rd" {
        doc["preamble"] = json!([format!(
            "{}本部门编报绩效目标的项目{}个，涉及项目预算资金{}万元。",
            corpus.sentence(rng, 2, 2),
            projects.len(),
            wan_yuan(total_yuan)
        )]);
    }
    if !matches!(form, "dongguan-rd" | "shanghai-songjiang-rd" | "national")
        && let Some(fields) = doc.as_object_mut()
    {
        fields.remove("preamble");
    }
    if form == "dongguan-rd" {
        doc["department_target"]["other_tasks"] = json!(projects
            .iter()
            .map(|p| json!({"name": p["name"], "content": corpus.paragraph(rng), "amount": format!("{}.00", rng.range(1, 300) * 1000)}))
            .collect::<Vec<_>>());
        doc["department_target"]["indicators"] =
            table(corpus, rng, columns, CLASSIC, total_yuan / 10_000);
    } else {
        doc["projects"] = json!(projects);
    }
    if form == "wuxi-rd" {
        unprinted(&mut doc["department_target"], "goals");
        for project in doc["projects"].as_array_mut().into_iter().flatten() {
            unprinted(project, "goal");
        }
    }
    doc
}

/// Leaves out a field the form does not print.
fn unprinted(record: &mut Value, key: &str) {
    if let Some(fields) = record.as_object_mut() {
        fields.remove(key);
    }
}

/// The classic framework's categories and a few indicator names for each.
const CLASSIC: &[(&str, &[&str])] = &[
    (
        "产出指标",
        &["数量指标", "质量指标", "时效指标", "成本指标"],
    ),
    ("效益指标", &["社会效益指标", "可持续影响指标"]),
    ("满意度指标", &["服务对象满意度指标"]),
];

const SICHUAN: &[(&str, &[&str])] = &[
    (
        "项目完成",
        &["数量指标", "质量指标", "时效指标", "成本指标"],
    ),
    ("项目效益", &["社会效益指标", "可持续影响指标"]),
    ("满意度指标", &["服务对象满意度指标"]),
];

fn department_target(corpus: &Corpus, rng: &mut Rng, form: &str, projects_yuan: u64) -> Value {
    let goals: Vec<String> = (0..rng.range(1, 4))
        .map(|_| corpus.paragraph(rng))
        .collect();
    let mut target = json!({ "goals": goals });
    match form {
        "dongguan-rd" => {
            target["key_tasks"] = json!((0..rng.range(2, 4))
                .map(|_| json!({"name": corpus.sentence(rng, 1, 1), "content": corpus.paragraph(rng), "expected": corpus.paragraph(rng)}))
                .collect::<Vec<_>>());
        }
        "wuxi-rd" => {
            target["functions"] = json!((0..rng.range(3, 7))
                .map(|_| json!({"name": corpus.sentence(rng, 2, 2), "works": (0..rng.range(1, 3)).map(|_| json!({
                    "name": corpus.sentence(rng, 1, 1),
                    "targets": [{"name": format!("完成{}工作", corpus.name(rng, 2)), "value": format!("{}次", rng.range(1, 12))}],
                })).collect::<Vec<_>>()}))
                .collect::<Vec<_>>());
        }
        "chengde-rd" => {
            target["sub_targets"] = json!((0..rng.range(3, 5))
                .map(|_| json!({"title": corpus.sentence(rng, 1, 1), "target": corpus.paragraph(rng), "indicators": corpus.paragraph(rng)}))
                .collect::<Vec<_>>());
            target["safeguards"] = json!(
                (0..rng.range(3, 7))
                    .map(|_| json!({"text": corpus.paragraph(rng)}))
                    .collect::<Vec<_>>()
            );
        }
        "panzhihua-renhe-rd" => {
            let projects = projects_yuan / 100;
            let (personnel, public) = (rng.range(30_000, 90_000), rng.range(5_000, 20_000));
            target["budget"] = json!({
                "unit": "万元",
                "total": hundredths(personnel + public + projects),
                "personnel": hundredths(personnel),
                "public": hundredths(public),
                "projects": hundredths(projects),
            });
            target["indicators"] = table(
                corpus,
                rng,
                &["指标值（包含数字及文字描述）"],
                PANZHIHUA_DEPARTMENT,
                projects_yuan / 10_000,
            );
        }
        "national" => {
            target["indicators"] = table(
                corpus,
                rng,
                &["年度指标值"],
                CLASSIC,
                projects_yuan / 10_000,
            )
        }
        _ => return Value::Null,
    }
    target
}

const PANZHIHUA_DEPARTMENT: &[(&str, &[&str])] = &[
    ("基本经费", &["数量指标", "质量指标", "时效指标"]),
    ("项目经费", &["数量指标", "质量指标", "时效指标"]),
    ("效果指标", &["社会效益指标", "可持续影响指标"]),
    ("满意度指标", &["满意度指标"]),
];

fn project(
    corpus: &Corpus,
    rng: &mut Rng,
    form: &str,
    columns: &[&str],
    framework: &[(&str, &[&str])],
    department: &str,
) -> Value {
    let name = format!(
        "{}{}",
        corpus.name(rng, 2),
        rng.pick(&[
            "专项经费",
            "工作经费",
            "运行维护费",
            "培训费",
            "会议费",
            "调研经费"
        ])
    );
    let total_yuan = rng.range(2, 400) * 10_000;
    let goal = format!(
        "{}{}月底前全部完成。",
        corpus.paragraph(rng),
        rng.range(6, 12)
    );
    let mut project = json!({
        "name": name,
        "goal": goal,
        "indicators": table(corpus, rng, columns, framework, total_yuan / 10_000),
        "funds": {"total_yuan": total_yuan},
    });
    match form {
        "wuxi-rd" => {
            project["supervisor"] = json!(department);
            project["start"] = json!(format!("{YEAR}年"));
            project["end"] = json!(format!("{}年", YEAR + rng.range(0, 2) as u16));
        }
        "chengde-rd" => project["title"] = json!(format!("{YEAR}年度{name}项目绩效目标表")),
        "panzhihua-renhe-rd" => {
            project["implementer"] = json!(department);
            project["funds"] = json!({"unit": "万元", "total": wan_yuan(total_yuan), "fiscal": wan_yuan(total_yuan), "total_yuan": total_yuan});
        }
        "shanghai-songjiang-rd" | "national" => {
            let fiscal = total_yuan - rng.range(0, 1) * 10_000;
            project["category"] = json!("经常性项目");
            project["supervisor"] = json!(department);
            project["implementer"] = json!(department);
            project["start"] = json!(format!("{YEAR}-01-01"));
            project["end"] = json!(format!("{YEAR}-12-31"));
            project["overall_goal"] = json!(format!(
                "{}，{}年内完成。",
                corpus.sentence(rng, 2, 2),
                rng.range(2, 5)
            ));
            project["funds"] = json!({
                "unit": "元",
                "total": format!("{total_yuan}.00"),
                "fiscal": fiscal.to_string(),
                "other": (total_yuan - fiscal).to_string(),
                "annual": {"total": total_yuan.to_string(), "appropriation": fiscal.to_string(), "carryover": "0", "other": (total_yuan - fiscal).to_string()},
                "total_yuan": total_yuan,
            });
            if form == "shanghai-songjiang-rd" {
                let texts: Vec<String> = (0..7).map(|_| corpus.sentence(rng, 1, 3)).collect();
                let keys = [
                    "overview",
                    "basis",
                    "implementer",
                    "plan",
                    "period",
                    "budget",
                    "target",
                ];
                project["explanation"] = Value::Object(
                    keys.iter()
                        .map(|k| k.to_string())
                        .zip(texts.into_iter().map(Value::from))
                        .collect(),
                );
            }
        }
        _ => {}
    }
    project
}

/// The amount in 元 as 万元 with two decimals, as the forms write it.
fn wan_yuan(yuan: u64) -> String {
    hundredths(yuan / 100)
}

fn hundredths(n: u64) -> String {
    format!("{}.{:02}", n / 100, n % 100)
}

/// Drops the generator's bookkeeping (the total in 元) from a project, and
/// the funds of forms that show none.
fn strip_total_yuan(mut project: Value) -> Value {
    if let Some(funds) = project["funds"].as_object_mut() {
        funds.remove("total_yuan");
        if funds.is_empty() {
            project.as_object_mut().map(|p| p.remove("funds"));
        }
    }
    project
}

/// An indicator table with values that fit their indicators; its cost caps
/// stay within `funds_wan` (万元).
fn table(
    corpus: &Corpus,
    rng: &mut Rng,
    columns: &[&str],
    framework: &[(&str, &[&str])],
    funds_wan: u64,
) -> Value {
    let groups: Vec<Value> = framework
        .iter()
        .map(|(level1, subs)| {
            let groups: Vec<Value> = subs
                .iter()
                .map(|sub| {
                    let items: Vec<Value> = (0..rng.range(1, 3))
                        .enumerate()
                        .map(|(i, _)| indicator(corpus, rng, sub, i, columns, funds_wan))
                        .collect();
                    json!({"name": sub, "items": items})
                })
                .collect();
            json!({"name": level1, "groups": groups})
        })
        .collect();
    json!({"columns": columns, "groups": groups})
}

fn indicator(
    corpus: &Corpus,
    rng: &mut Rng,
    category: &str,
    index: usize,
    columns: &[&str],
    funds_wan: u64,
) -> Value {
    let stem = corpus.name(rng, 2);
    let (name, value, whole) = match category {
        "数量指标" => {
            let (unit, n) = (
                *rng.pick(&["次", "人次", "件", "份", "个", "项", "场"]),
                rng.range(1, 500),
            );
            (
                format!("{stem}工作数量{index}"),
                format!("≥{n}{unit}"),
                format!("≥{}{unit}", n * 2),
            )
        }
        "质量指标" => {
            let rate = format!("≥{}%", rng.range(85, 99));
            (format!("{stem}合格率{index}"), rate.clone(), rate)
        }
        "时效指标" => (
            format!("{stem}完成及时性{index}"),
            "及时".to_owned(),
            "及时".to_owned(),
        ),
        "成本指标" => {
            let n = rng.range(1, funds_wan.clamp(2, 90));
            (
                format!("{stem}成本{index}"),
                format!("≤{n}万元"),
                format!("≤{n}万元"),
            )
        }
        "服务对象满意度指标" | "满意度指标" => {
            let rate = format!("≥{}%", rng.range(85, 98));
            (format!("{stem}对象满意度{index}"), rate.clone(), rate)
        }
        _ => {
            let word = *rng.pick(&["有效提升", "持续改善", "显著提高", "稳步提升", "长期"]);
            (
                format!(
                    "{stem}{}{index}",
                    rng.pick(&["工作水平", "服务能力", "社会影响"])
                ),
                word.to_owned(),
                word.to_owned(),
            )
        }
    };
    let values: Vec<String> = columns
        .iter()
        .map(|column| match *column {
            "绩效指标描述" => corpus.sentence(rng, 1, 1),
            "指标值确定依据" => rng
                .pick(&["年初工作安排", "工作要求", "实际工作情况"])
                .to_string(),
            c if c.contains("全年") || c.contains("实施周期") => whole.clone(),
            _ => value.clone(),
        })
        .collect();
    json!({"name": name, "values": values})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gb2312_level_one_has_3755_hanzi() {
        let hanzi = common_hanzi();
        assert_eq!(hanzi.len(), 3755);
        assert!(Corpus::new().hanzi.len() > 3700);
        assert_eq!(hanzi[0], '啊');
    }

    #[test]
    fn the_same_seed_gives_the_same_corpus() {
        let corpus = Corpus::new();
        let one = department(&corpus, &mut Rng(7), "national");
        let two = department(&corpus, &mut Rng(7), "national");
        assert_eq!(one, two);
        assert_ne!(one, department(&corpus, &mut Rng(8), "national"));
    }
}
