//! The form layout: a sheet laid out like the printed form, one per
//! department or per project. A label cell (项目名称, 资金总额, 项目负责人)
//! has its value beside it, or below it where nothing is beside it; a row
//! with 一级指标, 二级指标 and 三级指标 heads the indicator rows under it
//! (their merged 一级/二级 cells read as their first cell); the sheet's
//! first cell, above the labels, is its title. Such a sheet is read into
//! the long layout, every cell still named where it stands in the sheet.

use std::collections::HashMap;

use super::Grid;

/// The heading names of the indicator block.
const LEVELS: [&str; 3] = ["一级指标", "二级指标", "三级指标"];

/// A label's text without what forms add to it: a colon, a unit in
/// brackets (资金总额（万元）), spaces.
pub fn label_text(cell: &str) -> &str {
    let text = cell.trim().trim_end_matches([':', '：']).trim();
    match text.rfind(['（', '(']) {
        Some(open) if text.ends_with(['）', ')']) && open > 0 => text[..open].trim(),
        _ => text,
    }
}

/// Whether a sheet is a form rather than a table: its cells with a field's
/// title mostly stand beside their values instead of heading a column.
pub fn is_form(grid: &Grid, is_heading: &dyn Fn(&str) -> bool) -> bool {
    let Some(row) = grid
        .rows
        .iter()
        .find(|r| r.iter().any(|c| is_heading(label_text(c))))
    else {
        return false;
    };
    let filled: Vec<&String> = row.iter().filter(|c| !c.trim().is_empty()).collect();
    let known = filled.iter().filter(|c| is_heading(label_text(c))).count();
    known * 3 <= filled.len() * 2
}

/// The sheet in the long layout: one heading row, then a row per 三级指标
/// (or one row when it has none), each with the sheet's labelled values.
/// A label, where it stands and where its value stands.
type Label = (String, (usize, usize), (usize, usize));

/// The title goes to 表格标题 on a project's sheet, else to 标题.
pub fn to_long(
    grid: &Grid,
    is_label: &dyn Fn(&str) -> bool,
    is_value: &dyn Fn(&str) -> bool,
) -> Grid {
    let block = indicator_block(grid, is_value);
    let in_block = |row: usize| block.as_ref().is_some_and(|b| b.rows.contains(&row));
    let mut labels: Vec<Label> = Vec::new();
    let mut first_label_row = None;
    for (r, cells) in grid.rows.iter().enumerate() {
        if in_block(r) || block.as_ref().is_some_and(|b| b.header == r) {
            continue;
        }
        for (c, cell) in cells.iter().enumerate() {
            let label = label_text(cell);
            if label.is_empty() || !is_label(label) || labels.iter().any(|(l, _, _)| l == label) {
                continue;
            }
            if c > 0 && grid.cell(r, c - 1) == cell {
                continue;
            }
            if let Some(value) = value_of(grid, r, c, is_label) {
                first_label_row.get_or_insert(r);
                labels.push((label.to_owned(), (r, c), value));
            }
        }
    }
    let mut long = Grid {
        name: grid.name.clone(),
        ..Grid::default()
    };
    let mut header: Vec<String> = labels.iter().map(|(l, _, _)| l.clone()).collect();
    let mut heads: Vec<(usize, usize)> = labels.iter().map(|(_, at, _)| *at).collect();
    let mut origins: Vec<(usize, usize)> = labels.iter().map(|(_, _, at)| *at).collect();
    let title_heading = if header.iter().any(|h| h == "项目名称") {
        "表格标题"
    } else {
        "标题"
    };
    if !header.iter().any(|h| h == title_heading) {
        let top = (0..first_label_row.unwrap_or(0))
            .flat_map(|r| (0..grid.rows[r].len()).map(move |c| (r, c)))
            .find(|&(r, c)| !grid.cell(r, c).trim().is_empty());
        if let Some(at) = top {
            header.push(title_heading.to_owned());
            heads.push(at);
            origins.push(at);
        }
    }
    let mut rows: Vec<Vec<(usize, usize)>> = Vec::new();
    if let Some(block) = &block {
        header.extend(LEVELS.iter().map(|l| (*l).to_owned()));
        header.extend(block.values.iter().map(|(h, _)| h.clone()));
        for &r in &block.rows {
            let mut row = origins.clone();
            row.extend(block.levels.iter().map(|&c| (r, c)));
            row.extend(block.values.iter().map(|&(_, c)| (r, c)));
            rows.push(row);
        }
    }
    if rows.is_empty() {
        rows.push(origins.clone());
    }
    long.rows.push(header.clone());
    for (i, row) in rows.iter().enumerate() {
        let cells = row
            .iter()
            .map(|&(r, c)| grid.cell(r, c).to_owned())
            .collect();
        long.rows.push(cells);
        for (col, &(r, c)) in row.iter().enumerate() {
            long.origins.insert((i + 1, col), grid.at(r, c));
            if let Some(date) = grid.date(r, c) {
                long.dates.insert((i + 1, col), date.to_owned());
            }
        }
    }
    for (col, &(r, c)) in heads.iter().enumerate() {
        long.origins.insert((0, col), grid.at(r, c));
    }
    if let Some(block) = &block {
        let columns = block
            .levels
            .iter()
            .chain(block.values.iter().map(|(_, c)| c));
        for (i, &c) in columns.enumerate() {
            long.origins
                .insert((0, heads.len() + i), grid.at(block.header, c));
        }
    }
    long
}

/// The value of the label at (row, col): the first other cell to its
/// right, else the one below it.
fn value_of(
    grid: &Grid,
    row: usize,
    col: usize,
    is_label: &dyn Fn(&str) -> bool,
) -> Option<(usize, usize)> {
    let label = grid.cell(row, col);
    let width = grid.rows[row].len();
    for c in col + 1..width {
        let cell = grid.cell(row, c);
        if cell == label {
            continue;
        }
        if is_label(label_text(cell)) && !cell.trim().is_empty() {
            break;
        }
        if !cell.trim().is_empty() {
            return Some((row, c));
        }
    }
    let below = grid.cell(row + 1, col);
    (!below.trim().is_empty() && below != label && !is_label(label_text(below)))
        .then_some((row + 1, col))
}

struct Block {
    header: usize,
    levels: [usize; 3],
    values: Vec<(String, usize)>,
    rows: Vec<usize>,
}

/// The indicator rows: under the row naming 一级指标, 二级指标, 三级指标,
/// until a row with none of them.
fn indicator_block(grid: &Grid, is_value: &dyn Fn(&str) -> bool) -> Option<Block> {
    let (header, levels) = grid.rows.iter().enumerate().find_map(|(r, cells)| {
        let at = |name: &str| cells.iter().position(|c| c.trim() == name);
        Some((r, [at(LEVELS[0])?, at(LEVELS[1])?, at(LEVELS[2])?]))
    })?;
    let mut seen: HashMap<String, usize> = HashMap::new();
    let values: Vec<(String, usize)> = grid.rows[header]
        .iter()
        .enumerate()
        .filter(|(_, h)| is_value(h.trim()))
        .filter(|(_, h)| seen.insert(h.trim().to_owned(), 0).is_none())
        .map(|(c, h)| (h.trim().to_owned(), c))
        .collect();
    let rows = (header + 1..grid.rows.len())
        .take_while(|&r| levels.iter().any(|&c| !grid.cell(r, c).trim().is_empty()))
        .collect();
    Some(Block {
        header,
        levels,
        values,
        rows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid(rows: &[&[&str]]) -> Grid {
        Grid {
            name: "项目1".to_owned(),
            rows: rows
                .iter()
                .map(|r| r.iter().map(|c| (*c).to_owned()).collect())
                .collect(),
            ..Grid::default()
        }
    }

    const LABELS: [&str; 5] = ["部门名称", "预算年度", "项目名称", "资金总额", "表格标题"];

    #[test]
    fn a_form_sheet_reads_as_rows_of_the_long_layout() {
        let form = grid(&[
            &[
                "2023年项目支出绩效目标表",
                "2023年项目支出绩效目标表",
                "",
                "",
            ],
            &["部门名称", "某局", "预算年度", "2023"],
            &["项目名称", "办公设备购置", "资金总额（万元）", "36.50"],
            &["绩效指标", "一级指标", "二级指标", "三级指标", "指标值"],
            &["绩效指标", "产出指标", "数量指标", "购置台数", "≥10台"],
            &["绩效指标", "产出指标", "质量指标", "验收合格率", "100%"],
            &["", "", "", ""],
        ]);
        let is_label = |l: &str| LABELS.contains(&l);
        assert!(is_form(&form, &is_label));
        let long = to_long(&form, &is_label, &crate::workbook::layout::is_value_heading);
        assert_eq!(
            long.rows[0],
            [
                "部门名称",
                "预算年度",
                "项目名称",
                "资金总额",
                "表格标题",
                "一级指标",
                "二级指标",
                "三级指标",
                "指标值"
            ]
        );
        assert_eq!(
            long.rows[2],
            [
                "某局",
                "2023",
                "办公设备购置",
                "36.50",
                "2023年项目支出绩效目标表",
                "产出指标",
                "质量指标",
                "验收合格率",
                "100%"
            ]
        );
        assert_eq!(long.at(2, 3).to_string(), "项目1!D3");
        assert_eq!(long.at(2, 8).to_string(), "项目1!E6");
        assert_eq!(label_text("资金总额（万元）："), "资金总额");
    }

    #[test]
    fn a_table_is_not_a_form() {
        let table = grid(&[&["部门名称", "项目名称", "资金总额"], &["某局", "x", "1"]]);
        assert!(!is_form(&table, &|l: &str| LABELS.contains(&l)));
    }
}
