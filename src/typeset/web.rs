//! The web page's tables, readable on a phone and by a screen reader.
//!
//! Typst's HTML export writes tables as they are laid out on paper. On a
//! phone a six-column table either scrolls sideways or squeezes its labels to
//! one character a line, so below 40rem the stylesheet shows each row as a
//! card, every value under the heading of its column. This pass gives every
//! cell what that needs and what a screen reader needs: the heading of its
//! column (`data-label`), header cells as `th` with their scope (a form's
//! label cells, 项目名称 and the like, are row headers), and explicit table
//! roles, which survive the stylesheet's change of `display`.

/// The page with its tables prepared for cards and screen readers.
pub fn for_every_reader(html: &str) -> String {
    tables_for_every_reader(&attribute_brackets_escaped(html))
}

/// The page with `<` and `>` escaped in attribute values too. Typst escapes
/// only the quote there, which is enough for a browser, but a table's
/// `aria-label` carries a project's name and a page should never hold
/// `<script` anywhere, for any tool that reads it.
fn attribute_brackets_escaped(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let (mut in_tag, mut in_value) = (false, false);
    for c in html.chars() {
        match c {
            '<' if in_value => out.push_str("&lt;"),
            '>' if in_value => out.push_str("&gt;"),
            '<' => {
                in_tag = true;
                out.push(c);
            }
            '>' if in_tag => {
                in_tag = false;
                out.push(c);
            }
            '"' if in_tag => {
                in_value = !in_value;
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

fn tables_for_every_reader(html: &str) -> String {
    let mut out = String::with_capacity(html.len() + html.len() / 8);
    let mut rest = html;
    while let Some(start) = rest.find("<table") {
        let Some(end) = rest[start..]
            .find("</table>")
            .map(|e| start + e + "</table>".len())
        else {
            break;
        };
        out.push_str(&rest[..start]);
        out.push_str(&table(&rest[start..end]));
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// The length up to which a cell's text is kept on one line on a wide
/// screen: a label such as 满意度指标 or 社会效益指标, a value such as
/// ≥500人次, which the browser would otherwise squeeze to a character a line
/// beside a long description.
const SHORT: usize = 8;

/// The mark a form's label cell carries (see `label` in lib/gov.typ).
const LABEL: &str = r#"<span class="label">"#;

struct Cell {
    header: bool,
    attrs: String,
    body: String,
    colspan: usize,
    rowspan: usize,
}

/// One table, rewritten cell by cell.
fn table(html: &str) -> String {
    let mut out = String::from(r#"<table role="table">"#);
    let mut labels: Vec<String> = Vec::new();
    // By column: how many more rows a cell spanning rows covers, and what
    // a card of those rows repeats of it (an 一级 or 二级 group's name).
    let mut occupied: Vec<usize> = Vec::new();
    let mut spanning: Vec<Option<String>> = Vec::new();
    let mut section = "";
    let rows: Vec<Vec<Cell>> = rows(html)
        .into_iter()
        .filter(|row| !row.iter().all(|c| c.header && text(&c.body).is_empty()))
        .collect();
    for (index, row) in rows.iter().enumerate() {
        let all_header = is_column_header(row);
        let labelling = all_header || is_label_row(row);
        let wanted = if all_header && (index == 0 || section == "thead") {
            "thead"
        } else if section.is_empty() {
            ""
        } else {
            "tbody"
        };
        if wanted != section {
            if !section.is_empty() {
                out.push_str(&format!("</{section}>"));
            }
            out.push_str(&format!("<{wanted}>"));
            section = wanted;
        }
        if !labelling && row.iter().all(|c| text(&c.body).is_empty()) {
            out.push_str(r#"<tr role="row" class="blank">"#);
        } else if labelling && !is_caption_row(row) {
            out.push_str(r#"<tr role="row" class="labels">"#);
        } else {
            out.push_str(r#"<tr role="row">"#);
        }
        let mut column = 0;
        let mut header_texts = Vec::new();
        for cell in row {
            while occupied.get(column).is_some_and(|&left| left > 0) {
                if let Some(repeat) = spanning[column].as_ref().filter(|_| !labelling) {
                    out.push_str(repeat);
                }
                column += 1;
            }
            let label = (!labelling)
                .then(|| labels.get(column).filter(|l| !l.is_empty()).cloned())
                .flatten();
            out.push_str(&rewrite(cell, labelling, label.as_deref()));
            if occupied.len() < column + cell.colspan {
                occupied.resize(column + cell.colspan, 0);
                spanning.resize(column + cell.colspan, None);
            }
            let spanned = column..column + cell.colspan;
            occupied[spanned.clone()].fill(cell.rowspan);
            spanning[spanned.clone()].fill(None);
            if cell.rowspan > 1 {
                spanning[column] = repeated(cell, label.as_deref());
            }
            if labelling {
                header_texts.extend(spanned.map(|at| (at, text(&cell.body))));
            }
            column += cell.colspan;
        }
        for left in occupied.iter_mut() {
            *left = left.saturating_sub(1);
        }
        // A caption alone on its row names no column.
        if labelling && (row.len() != 1 || all_header) {
            labels = vec![String::new(); column];
            for (at, text) in header_texts {
                labels[at] = text;
            }
        }
        out.push_str("</tr>");
    }
    if !section.is_empty() {
        out.push_str(&format!("</{section}>"));
    }
    out.push_str("</table>");
    out
}

/// A row of column headings: header cells, each a form's label. (A form's
/// opening rows, 项目名称 and its value, sit in a header on paper too, but
/// are rows like any other.)
fn is_column_header(row: &[Cell]) -> bool {
    row.iter()
        .all(|c| c.header && (text(&c.body).is_empty() || c.body.trim_start().starts_with(LABEL)))
}

/// A row of labels in the body, such as 东莞's 名称 / 主要实施内容 /
/// 金额（元） over its other tasks: it names the columns of the rows
/// after it.
fn is_label_row(row: &[Cell]) -> bool {
    row.iter().filter(|c| is_label(c)).count() >= 2
        && row.iter().all(|c| is_label(c) || text(&c.body).is_empty())
}

/// A row of labels that a phone shows, because the cards after it do not
/// repeat all it says: one that heads a group of rows (其他需完成的任务,
/// 项目绩效目标) or a caption alone on its row (项目资金情况（万元）).
/// A plain row of column headings is said again on every card.
fn is_caption_row(row: &[Cell]) -> bool {
    row.len() == 1 || row.iter().any(|c| c.rowspan > 1)
}

fn is_label(cell: &Cell) -> bool {
    cell.body.trim_start().starts_with(LABEL)
}

/// What the cards of the rows a cell spans repeat of it: a group's name,
/// shown on a phone only and hidden from screen readers, which have the
/// cell itself. A label or an empty cell is not repeated.
fn repeated(cell: &Cell, label: Option<&str>) -> Option<String> {
    if is_label(cell) || text(&cell.body).is_empty() {
        return None;
    }
    let label = label.map_or(String::new(), |l| format!(r#" data-label="{}""#, escape(l)));
    Some(format!(
        r#"<td class="repeat" aria-hidden="true"{label}>{}</td>"#,
        cell.body
    ))
}

fn rewrite(cell: &Cell, in_header_row: bool, label: Option<&str>) -> String {
    let labelled = is_label(cell);
    let (tag, role, scope) = if in_header_row && cell.rowspan > 1 {
        ("th", "rowheader", Some("rowgroup"))
    } else if in_header_row {
        ("th", "columnheader", Some("col"))
    } else if labelled {
        ("th", "rowheader", Some("row"))
    } else {
        ("td", "cell", None)
    };
    let mut attrs = cell.attrs.clone();
    attrs.push_str(&format!(r#" role="{role}""#));
    if let Some(scope) = scope {
        attrs.push_str(&format!(r#" scope="{scope}""#));
    }
    if let Some(label) = label.filter(|_| tag == "td") {
        attrs.push_str(&format!(r#" data-label="{}""#, escape(label)));
    }
    let length = text(&cell.body).chars().count();
    if tag == "td" && length == 0 {
        attrs.push_str(r#" class="empty""#);
    } else if (1..=SHORT).contains(&length) {
        attrs.push_str(r#" class="short""#);
    }
    format!("<{tag}{attrs}>{}</{tag}>", cell.body)
}

/// The rows of a table, each a list of its cells, as Typst writes them.
fn rows(html: &str) -> Vec<Vec<Cell>> {
    let mut rows = Vec::new();
    for row in html.split("<tr").skip(1) {
        let row = row.split_once("</tr>").map_or(row, |(r, _)| r);
        let mut cells = Vec::new();
        let mut rest = row;
        while let Some(at) = rest.find('<') {
            let tail = &rest[at..];
            let header = tail.starts_with("<th");
            if !(header || tail.starts_with("<td")) {
                rest = &tail[1..];
                continue;
            }
            let Some(open_end) = tail.find('>') else {
                break;
            };
            let attrs = tail[3..open_end].to_owned();
            let close = if header { "</th>" } else { "</td>" };
            let Some(body_end) = tail.find(close) else {
                break;
            };
            let body = tail[open_end + 1..body_end].to_owned();
            cells.push(Cell {
                header,
                colspan: span(&attrs, "colspan"),
                rowspan: span(&attrs, "rowspan"),
                attrs,
                body,
            });
            rest = &tail[body_end + close.len()..];
        }
        rows.push(cells);
    }
    rows
}

fn span(attrs: &str, name: &str) -> usize {
    attrs
        .split(&format!(r#"{name}=""#))
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(1)
}

/// A cell's text: its tags dropped, its entities kept.
fn text(body: &str) -> String {
    let mut text = String::new();
    let mut in_tag = false;
    for c in body.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    text.trim().to_owned()
}

/// Text for an attribute value; the text is already escaped for HTML
/// content, so only the quote needs it.
fn escape(text: &str) -> String {
    text.replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_value_gets_the_heading_of_its_column() {
        let html = r#"<table><tr><th><span class="label">一级指标</span></th><th><span class="label">二级指标</span></th><th><span class="label">指标值</span></th></tr><tr><td rowspan="2">产出指标</td><td>数量指标</td><td>≥2次</td></tr><tr><td>质量指标</td><td>≥95%</td></tr></table>"#;
        let out = for_every_reader(html);
        assert!(out.starts_with(r#"<table role="table"><thead><tr role="row" class="labels"><th role="columnheader" scope="col" class="short"><span class="label">一级指标</span></th>"#), "{out}");
        assert!(
            out.contains(
                r#"<td rowspan="2" role="cell" data-label="一级指标" class="short">产出指标</td>"#
            ),
            "{out}"
        );
        assert!(out.contains(r#"<td role="cell" data-label="二级指标" class="short">质量指标</td><td role="cell" data-label="指标值" class="short">≥95%</td>"#), "{out}");
        assert!(out.contains("</thead>"));
    }

    #[test]
    fn opening_rows_in_a_header_are_rows_and_an_empty_header_row_goes() {
        let html = r#"<table><thead><tr><th><span class="label">项目名称</span></th><th>会议费</th></tr><tr><th colspan="2"></th></tr><tr><th><span class="label">一级指标</span></th><th><span class="label">指标值</span></th></tr></thead><tbody><tr><td>产出指标</td><td>≥2次</td></tr></tbody></table>"#;
        let out = for_every_reader(html);
        assert!(out.contains(r#"<th role="rowheader" scope="row" class="short"><span class="label">项目名称</span></th><td role="cell" class="short">会议费</td>"#), "{out}");
        assert!(!out.contains(r#"<th colspan="2""#), "{out}");
        assert!(
            out.contains(r#"<td role="cell" data-label="指标值" class="short">≥2次</td>"#),
            "{out}"
        );
    }

    #[test]
    fn a_row_of_labels_names_the_columns_below_it_and_a_caption_row_stays_on_a_phone() {
        let html = r#"<table><tr><th><span class="label">名称</span></th><th><span class="label">内容</span></th><th><span class="label">目标</span></th></tr><tr><td>甲</td><td>乙</td><td>丙</td></tr><tr><td rowspan="2"><span class="label">其他任务</span></td><td><span class="label">名称</span></td><td><span class="label">金额（元）</span></td></tr><tr><td>发放</td><td>1449000.00</td></tr></table>"#;
        let out = for_every_reader(html);
        assert!(
            out.contains(r#"<thead><tr role="row" class="labels">"#),
            "{out}"
        );
        assert!(out.contains(r#"<tr role="row"><th rowspan="2" role="rowheader" scope="rowgroup" class="short"><span class="label">其他任务</span></th><th role="columnheader" scope="col" class="short"><span class="label">名称</span></th>"#), "{out}");
        assert!(
            out.contains(r#"<td role="cell" data-label="金额（元）">1449000.00</td>"#),
            "{out}"
        );
    }

    #[test]
    fn every_card_of_a_group_repeats_its_name() {
        let html = r#"<table><tr><th><span class="label">一级指标</span></th><th><span class="label">三级指标</span></th></tr><tr><td rowspan="3">产出指标</td><td>会议</td></tr><tr><td>培训</td></tr><tr><td>调研</td></tr></table>"#;
        let out = for_every_reader(html);
        let repeat = r#"<td class="repeat" aria-hidden="true" data-label="一级指标">产出指标</td><td role="cell" data-label="三级指标" class="short">"#;
        assert_eq!(out.matches(repeat).count(), 2, "{out}");
        assert!(out.contains(&format!("{repeat}培训")), "{out}");
    }

    #[test]
    fn brackets_in_attribute_values_are_escaped_and_nowhere_else() {
        let html = r#"<style>tr:has(> th) { }</style><div aria-label="a<script>b&quot;"><p>x &lt; y</p></div>"#;
        assert_eq!(
            for_every_reader(html),
            r#"<style>tr:has(> th) { }</style><div aria-label="a&lt;script&gt;b&quot;"><p>x &lt; y</p></div>"#
        );
    }

    #[test]
    fn label_cells_are_row_headers_and_empty_and_short_cells_are_marked() {
        let html = r#"<p>x</p><table><tr><td colspan="2"><span class="label">项目名称</span></td><td>会议费</td><td></td><td>保障机关正常运转的经费</td></tr></table><p>y</p>"#;
        let out = for_every_reader(html);
        assert!(out.contains(r#"<th colspan="2" role="rowheader" scope="row" class="short"><span class="label">项目名称</span></th>"#), "{out}");
        assert!(
            out.contains(r#"<td role="cell" class="empty"></td>"#),
            "{out}"
        );
        assert!(
            out.contains(r#"<td role="cell">保障机关正常运转的经费</td>"#),
            "{out}"
        );
        let blank = for_every_reader(
            "<table><tr><td>a</td><td>b</td></tr><tr><td></td><td> </td></tr></table>",
        );
        assert!(
            blank.contains(r#"<tr role="row" class="blank"><td role="cell" class="empty">"#),
            "{blank}"
        );
        assert!(out.starts_with("<p>x</p>") && out.ends_with("<p>y</p>"));
    }
}
