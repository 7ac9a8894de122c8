//! The number format of each cell of a `.xls`, which calamine reads the
//! values of but does not hand over.
//!
//! A `.xls` (BIFF8) keeps its sheets in the `Workbook` stream of a compound
//! file ([`super::cfb`]): a run of records, each a type, a length and its
//! bytes. The workbook's records come first: FORMAT (a format's id and
//! code), XF (the cell styles, each naming a format id) and BOUNDSHEET8
//! (each sheet's name and where its records start); then each sheet's cell
//! records, each naming its row, column and XF. Only BIFF8, what Excel 97
//! and later and LibreOffice save, is read: an older file's numbers show
//! as in the General format. The stream is untrusted: a record cut off,
//! or one that names a style or place that is not there, is an error.

use std::collections::HashMap;

use super::cfb::{self, u16_at, u32_at};
use super::{Formats, shown};
use crate::workbook::CellRef;

const BOF: u16 = 0x0809;
const EOF: u16 = 0x000A;
const FORMAT: u16 = 0x041E;
const XF: u16 = 0x00E0;
const BOUNDSHEET: u16 = 0x0085;
const MULRK: u16 = 0x00BD;
const BIFF8: u16 = 0x0600;
const WORKSHEET: u8 = 0;

/// The records of one cell, which start with its row, column and XF, and
/// the fewest bytes each has: NUMBER, RK, LABELSST, FORMULA, BOOLERR.
const CELLS: [(u16, usize); 5] = [
    (0x0203, 14),
    (0x027E, 10),
    (0x00FD, 10),
    (0x0006, 20),
    (0x0205, 8),
];

/// The number format of every formatted cell of the `.xls` file `file`,
/// by sheet name; none for a file that is not BIFF8.
pub fn xls_formats(file: &[u8]) -> Result<HashMap<String, Formats>, String> {
    let read = match cfb::stream(file, "Workbook") {
        Ok(Some(stream)) => formats(&stream),
        Ok(None) => Ok(HashMap::new()),
        Err(e) => Err(e),
    };
    read.map_err(|e| format!("{e}; open it in Excel, WPS or LibreOffice and save it again"))
}

/// The formats of the cells of every worksheet in a `Workbook` stream.
fn formats(stream: &[u8]) -> Result<HashMap<String, Formats>, String> {
    let Some(globals) = globals(stream)? else {
        return Ok(HashMap::new());
    };
    let mut by_sheet = HashMap::new();
    for sheet in &globals.sheets {
        by_sheet.insert(sheet.name.clone(), sheet_formats(stream, sheet, &globals)?);
    }
    Ok(by_sheet)
}

/// What the workbook's records say about formats and sheets.
#[derive(Debug, Default)]
struct Globals {
    /// Format codes by id, as FORMAT records give them.
    codes: HashMap<u16, String>,
    /// The format id of each XF, in order: a cell names its XF by index.
    styles: Vec<u16>,
    sheets: Vec<Sheet>,
}

#[derive(Debug)]
struct Sheet {
    name: String,
    /// Where the sheet's BOF record is in the stream.
    start: usize,
}

impl Globals {
    /// The format code of the cell at `at` whose XF is `xf`; none for General.
    fn code(&self, xf: u16, at: impl Fn() -> CellRef) -> Result<Option<&str>, String> {
        let id = *self.styles.get(usize::from(xf)).ok_or_else(|| {
            format!(
                "{}: the cell names style {xf}; the workbook has {}",
                at(),
                self.styles.len()
            )
        })?;
        if id == 0 {
            return Ok(None);
        }
        Ok(self
            .codes
            .get(&id)
            .map(String::as_str)
            .or_else(|| shown::builtin(u32::from(id))))
    }
}

/// The workbook's records, or none for a stream older than BIFF8.
fn globals(stream: &[u8]) -> Result<Option<Globals>, String> {
    let mut globals = Globals::default();
    let records = substream(stream, 0)?;
    if records.first().and_then(|bof| u16_at(bof.data, 0)) != Some(BIFF8) {
        return Ok(None);
    }
    for record in &records {
        let cut = || format!("{} is cut off", record.name());
        match record.kind {
            FORMAT => {
                let id = u16_at(record.data, 0).ok_or_else(cut)?;
                let count = u16_at(record.data, 2).ok_or_else(cut)?;
                let code = unicode(record.data, 4, usize::from(count)).ok_or_else(cut)?;
                globals.codes.insert(id, code);
            }
            XF => globals.styles.push(u16_at(record.data, 2).ok_or_else(cut)?),
            BOUNDSHEET => {
                let start = u32_at(record.data, 0).ok_or_else(cut)?;
                let kind = *record.data.get(5).ok_or_else(cut)?;
                let count = *record.data.get(6).ok_or_else(cut)?;
                let name = unicode(record.data, 7, usize::from(count)).ok_or_else(cut)?;
                if kind == WORKSHEET {
                    globals.sheets.push(Sheet {
                        name,
                        start: start as usize,
                    });
                }
            }
            _ => {}
        }
    }
    Ok(Some(globals))
}

/// The formats of one sheet's cells.
fn sheet_formats(stream: &[u8], sheet: &Sheet, globals: &Globals) -> Result<Formats, String> {
    let mut cells = Formats::new();
    let records =
        substream(stream, sheet.start).map_err(|e| format!("sheet {}: {e}", sheet.name))?;
    for record in records {
        let cut = || format!("sheet {}: {} is cut off", sheet.name, record.name());
        let data = record.data;
        let mut styled = |row: u16, col: u16, xf: u16| -> Result<(), String> {
            let (row, col) = (usize::from(row), usize::from(col));
            let at = || CellRef::new(&sheet.name, row, col);
            if let Some(code) = globals.code(xf, at)? {
                cells.insert((row, col), code.to_owned());
            }
            Ok(())
        };
        if let Some(&(_, least)) = CELLS.iter().find(|(kind, _)| *kind == record.kind) {
            let (Some(row), Some(col), Some(xf)) =
                (u16_at(data, 0), u16_at(data, 2), u16_at(data, 4))
            else {
                return Err(cut());
            };
            if data.len() < least {
                return Err(cut());
            }
            styled(row, col, xf)?;
        } else if record.kind == MULRK {
            let (Some(row), Some(first), Some(last)) = (
                u16_at(data, 0),
                u16_at(data, 2),
                u16_at(data, data.len().saturating_sub(2)),
            ) else {
                return Err(cut());
            };
            let count = data.len().saturating_sub(6) / 6;
            let consistent = data.len() >= 12
                && (data.len() - 6) % 6 == 0
                && usize::from(last) + 1 == usize::from(first) + count;
            if !consistent {
                return Err(format!(
                    "sheet {}: {} does not hold the cells it names",
                    sheet.name,
                    record.name()
                ));
            }
            for (i, col) in (first..=last).enumerate() {
                let xf = u16_at(data, 4 + 6 * i).ok_or_else(cut)?;
                styled(row, col, xf)?;
            }
        }
    }
    Ok(cells)
}

/// One record of the stream: its type, where it starts, its bytes.
#[derive(Debug)]
struct Record<'s> {
    kind: u16,
    at: usize,
    data: &'s [u8],
}

impl Record<'_> {
    fn name(&self) -> String {
        format!(
            "the record of type {:#06x} at byte {} of the Workbook stream",
            self.kind, self.at
        )
    }
}

/// The records of the substream whose BOF is at `start`, to its EOF; an
/// embedded substream (a chart's) is skipped whole.
fn substream(stream: &[u8], start: usize) -> Result<Vec<Record<'_>>, String> {
    let mut records = Vec::new();
    let mut depth = 0usize;
    let mut at = start;
    loop {
        let record = record_at(stream, at)?;
        at = record.at + 4 + record.data.len();
        match record.kind {
            BOF => depth += 1,
            _ if depth == 0 => {
                return Err(format!(
                    "the records at byte {start} do not start with a BOF"
                ));
            }
            EOF => depth -= 1,
            _ => {}
        }
        if depth == 0 {
            return Ok(records);
        }
        if depth == 1 {
            records.push(record);
        }
    }
}

fn record_at(stream: &[u8], at: usize) -> Result<Record<'_>, String> {
    let (Some(kind), Some(length)) = (u16_at(stream, at), u16_at(stream, at.saturating_add(2)))
    else {
        return Err(format!(
            "the Workbook stream ends at byte {} inside a record, or before its EOF",
            stream.len().min(at)
        ));
    };
    let body = at + 4;
    let data = stream
        .get(body..body + usize::from(length))
        .ok_or_else(|| {
            format!(
                "the record of type {kind:#06x} at byte {at} of the Workbook stream says it has {length} bytes; the stream ends first"
            )
        })?;
    Ok(Record { kind, at, data })
}

/// An `XLUnicodeString` whose character count is known, at `at`: a flags
/// byte (bit 0: two bytes a character, else one, Latin-1), then the
/// characters.
fn unicode(data: &[u8], at: usize, count: usize) -> Option<String> {
    let flags = *data.get(at)?;
    let chars = data.get(at + 1..)?;
    if flags & 1 == 0 {
        return Some(chars.get(..count)?.iter().map(|&b| char::from(b)).collect());
    }
    let units: Vec<u16> = chars
        .get(..count * 2)?
        .chunks_exact(2)
        .map(|p| u16::from_le_bytes([p[0], p[1]]))
        .collect();
    Some(String::from_utf16_lossy(&units))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(kind: u16, data: &[u8]) -> Vec<u8> {
        let mut bytes = kind.to_le_bytes().to_vec();
        bytes.extend((data.len() as u16).to_le_bytes());
        bytes.extend(data);
        bytes
    }

    fn bof() -> Vec<u8> {
        record(BOF, &[0x00, 0x06, 0x05, 0x00, 0, 0, 0, 0])
    }

    fn format(id: u16, code: &str) -> Vec<u8> {
        let mut data = id.to_le_bytes().to_vec();
        data.extend((code.chars().count() as u16).to_le_bytes());
        data.push(1);
        data.extend(code.encode_utf16().flat_map(u16::to_le_bytes));
        record(FORMAT, &data)
    }

    fn xf(format: u16) -> Vec<u8> {
        let mut data = vec![0u8; 20];
        data[2..4].copy_from_slice(&format.to_le_bytes());
        record(XF, &data)
    }

    fn cell(kind: u16, row: u16, col: u16, xf: u16, rest: usize) -> Vec<u8> {
        let mut data = [row, col, xf]
            .iter()
            .flat_map(|w| w.to_le_bytes())
            .collect::<Vec<_>>();
        data.resize(6 + rest, 0);
        record(kind, &data)
    }

    fn mulrk(row: u16, first: u16, xfs: &[u16]) -> Vec<u8> {
        let mut data = [row, first]
            .iter()
            .flat_map(|w| w.to_le_bytes())
            .collect::<Vec<_>>();
        for xf in xfs {
            data.extend(xf.to_le_bytes());
            data.extend([0, 0, 0xF0, 0x3F]);
        }
        data.extend((first + xfs.len() as u16 - 1).to_le_bytes());
        record(MULRK, &data)
    }

    /// A Workbook stream with the formats of the long workbook's cells: a
    /// sheet 指标 whose B1 is 0%, C1 0.00, D1 0.0000, A2 a date, B2 General,
    /// C2–E2 (one MULRK) 0%, General, 0.00.
    fn workbook() -> Vec<u8> {
        let globals_but_sheets = [
            bof(),
            format(164, "0.0000"),
            format(165, "yyyy\"年\"m\"月\"d\"日\""),
            xf(0),
            xf(9),
            xf(2),
            xf(164),
            xf(165),
        ]
        .concat();
        let sheet_record_length = 4 + 8 + 2 * 2;
        let start = globals_but_sheets.len() + sheet_record_length + 4;
        let mut sheet = (start as u32).to_le_bytes().to_vec();
        sheet.extend([0, WORKSHEET, 2, 1]);
        sheet.extend("指标".encode_utf16().flat_map(u16::to_le_bytes));
        let globals = [
            globals_but_sheets,
            record(BOUNDSHEET, &sheet),
            record(EOF, &[]),
        ]
        .concat();
        assert_eq!(globals.len(), start);
        let chart = [bof(), cell(0x0203, 9, 9, 1, 8), record(EOF, &[])].concat();
        let cells = [
            bof(),
            cell(0x0203, 0, 1, 1, 8),
            cell(0x027E, 0, 2, 2, 4),
            cell(0x0006, 0, 3, 3, 14),
            cell(0x0203, 1, 0, 4, 8),
            cell(0x027E, 1, 1, 0, 4),
            mulrk(1, 2, &[1, 0, 2]),
            cell(0x00FD, 5, 5, 0, 4),
            chart,
            record(EOF, &[]),
        ]
        .concat();
        [globals, cells].concat()
    }

    #[test]
    fn each_cell_has_the_format_of_its_style() {
        let formats = formats(&workbook()).unwrap();
        let sheet = &formats["指标"];
        let code = |row, col| sheet.get(&(row, col)).map(String::as_str);
        assert_eq!(code(0, 1), Some("0%"));
        assert_eq!(code(0, 2), Some("0.00"));
        assert_eq!(code(0, 3), Some("0.0000"));
        assert_eq!(code(1, 0), Some("yyyy\"年\"m\"月\"d\"日\""));
        assert_eq!(code(1, 1), None, "General");
        assert_eq!(code(1, 2), Some("0%"));
        assert_eq!(code(1, 3), None);
        assert_eq!(code(1, 4), Some("0.00"));
        assert_eq!(code(9, 9), None, "a chart's records are not the sheet's");
        assert_eq!(sheet.len(), 6);
    }

    #[test]
    fn a_cut_or_damaged_stream_is_an_error_never_a_panic() {
        let whole = workbook();
        for cut in 0..whole.len() {
            let result = std::panic::catch_unwind(|| formats(&whole[..cut]));
            let result = result.unwrap_or_else(|_| panic!("panicked when cut at {cut}"));
            assert!(result.is_err(), "cut at {cut}: {result:?}");
        }
        let mut wild = whole.clone();
        let first_cell = offset_of(&wild, 0x0203);
        wild[first_cell + 8..first_cell + 10].copy_from_slice(&200u16.to_le_bytes());
        let error = formats(&wild).unwrap_err();
        assert!(
            error.starts_with("指标!B1: the cell names style 200"),
            "{error}"
        );
        let mut short = whole.clone();
        let mulrk = offset_of(&short, MULRK);
        let last = mulrk + 4 + 22;
        assert_eq!(u16_at(&short, last), Some(4), "MULRK's last column");
        short[last..last + 2].copy_from_slice(&9u16.to_le_bytes());
        assert!(formats(&short).unwrap_err().contains("does not hold"));
        let mut thin = whole.clone();
        let number = offset_of(&thin, 0x0203);
        thin[number + 2..number + 4].copy_from_slice(&6u16.to_le_bytes());
        let error = formats(&thin).unwrap_err();
        assert!(
            error.contains("is cut off"),
            "a NUMBER without its number: {error}"
        );
    }

    /// Where the first record of type `kind` starts.
    fn offset_of(stream: &[u8], kind: u16) -> usize {
        let mut at = 0;
        loop {
            let record = record_at(stream, at).unwrap();
            if record.kind == kind {
                return at;
            }
            at += 4 + record.data.len();
        }
    }

    #[test]
    fn a_stream_older_than_biff8_has_no_formats() {
        let old = [record(BOF, &[0x00, 0x05, 0x05, 0x00]), record(EOF, &[])].concat();
        assert!(formats(&old).unwrap().is_empty());
        let headless = [record(EOF, &[]), bof(), record(EOF, &[])].concat();
        assert!(
            formats(&headless)
                .unwrap_err()
                .contains("do not start with a BOF")
        );
    }

    #[test]
    fn a_xls_file_is_its_workbook_stream() {
        let file = cfb::tests::compound("Workbook", &workbook());
        let formats = xls_formats(&file).unwrap();
        assert_eq!(formats["指标"].get(&(0, 1)).map(String::as_str), Some("0%"));
    }
}
