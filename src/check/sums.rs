//! A form's own sums: the amounts its table adds up (资金总额 = 上级财政资金 +
//! 本级财政 + …, 合计 = the rows' 金额), held to what the data file writes.
//! A mismatch names both sides and the difference.

use rust_decimal::Decimal;

use super::{Findings, Mark};
use crate::codes::FORM_SUM;
use crate::contract::{Contract, Kind, Sum};
use crate::model::{Amount, Document};

pub(super) fn check(document: &Document, contract: &Contract, findings: &mut Findings) {
    for sum in &contract.sums {
        let totals = document
            .amounts
            .iter()
            .filter(|a| unplaced(&a.path).0 == sum.total);
        for total in totals {
            let at = unplaced(&total.path).1;
            let parts: Vec<&Amount> = document
                .amounts
                .iter()
                .filter(|a| sum.parts.iter().any(|part| is_part(a, part, &at)))
                .collect();
            if parts.is_empty() {
                continue;
            }
            let added: Decimal = parts.iter().map(|a| a.value).sum();
            if added != total.value {
                let message = format!(
                    "{}（{}）{} 不等于 {} 之和 {}，相差 {}",
                    title(contract, &sum.total),
                    total.path,
                    total.value,
                    names(contract, sum),
                    added,
                    (total.value - added).abs()
                );
                findings
                    .add(FORM_SUM, total.loc, message)
                    .hint("correct the total or a part; if the approved table itself does not add up, waive `form-sum` with `where:` naming the total's path")
                    .about(total.path.clone());
            }
        }
    }
}

/// A path without its list positions, and the positions:
/// `projects[1].grid[2].amount` is `projects.grid.amount` at `[1, 2]`.
fn unplaced(path: &str) -> (String, Vec<usize>) {
    let mut bare = String::with_capacity(path.len());
    let mut positions = Vec::new();
    let mut rest = path;
    while let Some(open) = rest.find('[') {
        bare.push_str(&rest[..open]);
        let close = rest[open..].find(']').map_or(rest.len(), |c| open + c);
        positions.extend(rest[open + 1..close].parse::<usize>().ok());
        rest = rest.get(close + 1..).unwrap_or_default();
    }
    bare.push_str(rest);
    (bare, positions)
}

/// Whether `amount` is the part `part` of a total at the list positions
/// `at`: at the same positions, or for `[]` (a column of rows) one of the
/// rows of the total's record.
fn is_part(amount: &Amount, part: &str, at: &[usize]) -> bool {
    let (bare, positions) = unplaced(&amount.path);
    if bare != part.replace("[]", "") {
        return false;
    }
    if part.contains("[]") {
        positions.len() > at.len() && positions.starts_with(at)
    } else {
        positions == at
    }
}

/// A field's title; a grid's cell is named by its row too (合计本年预算数),
/// since its column's title alone is the same in every row.
fn title(contract: &Contract, path: &str) -> String {
    let own = contract
        .field_at(path)
        .map_or_else(|| path.to_owned(), |f| f.title);
    let row = path.rsplit_once('.').map(|(row, _)| row);
    let grid = row
        .and_then(|row| row.rsplit_once('.'))
        .map(|(grid, _)| grid);
    match (
        row.and_then(|r| contract.field_at(r)),
        grid.and_then(|g| contract.field_at(g)),
    ) {
        (Some(row), Some(grid)) if matches!(grid.kind, Kind::Grid(_)) => {
            format!("{}{own}", row.title)
        }
        _ => own,
    }
}

/// The parts of a sum by their titles, 上级财政资金、本级财政, and a column of
/// rows as 资金测算明细各行的金额.
fn names(contract: &Contract, sum: &Sum) -> String {
    let titles: Vec<String> = sum
        .parts
        .iter()
        .map(|part| match part.split_once("[]") {
            Some((rows, _)) => format!("{}各行的{}", title(contract, rows), title(contract, part)),
            None => title(contract, part),
        })
        .collect();
    titles.join("、")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_is_read_apart_from_its_places() {
        assert_eq!(
            unplaced("projects[1].grid[12].amount"),
            ("projects.grid.amount".to_owned(), vec![1, 12])
        );
        let row = Amount {
            path: "projects[1].grid[0].amount".to_owned(),
            loc: Default::default(),
            value: Decimal::ONE,
        };
        assert!(is_part(&row, "projects.grid[].amount", &[1]));
        assert!(!is_part(&row, "projects.grid[].amount", &[0]));
        assert!(!is_part(&row, "projects.grid.amount", &[1]));
    }
}
