//! Reading a workbook file into grids of shown text.
//!
//! calamine reads the cells of `.xlsx`, `.xls` and `.ods`, but hands a
//! number over as a float without its number format; for `.xlsx` the
//! formats are read here from the file's styles, so that a cell is taken
//! as it shows ([`super::shown`]); for `.xls` they are read from its BIFF
//! records ([`biff`]). An `.ods` file keeps the text each cell shows
//! beside its value, and that text is read. A CSV file is text already:
//! UTF-8 (with or without a byte-order mark) or, as Chinese Excel and WPS
//! save it, GBK.

use std::collections::HashMap;
use std::io::{BufReader, Cursor, Read, Seek};
use std::path::{Path, PathBuf};

use calamine::{Data, Reader};

use super::{Grid, Span, shown};

mod biff;
mod cfb;

/// A workbook that cannot be read at all.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("{path}: cannot read the workbook: {message}")]
    Unreadable { path: PathBuf, message: String },
    #[error("{0}: is not a workbook jixiao reads; save it as .xlsx, .xls, .ods or .csv")]
    UnknownKind(PathBuf),
}

/// Every sheet of the workbook at `path`, as its cells show.
pub fn read_workbook(path: &Path) -> Result<Vec<Grid>, ReadError> {
    let unreadable = |message: String| ReadError::Unreadable {
        path: path.to_owned(),
        message,
    };
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    let mut grids = match extension.as_str() {
        "csv" => {
            let bytes = std::fs::read(path).map_err(|e| unreadable(e.to_string()))?;
            let name = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            vec![csv_grid(&name, &bytes).map_err(unreadable)?]
        }
        "xlsx" | "xlsm" => {
            let formats = xlsx_formats(path).map_err(unreadable)?;
            let mut book: calamine::Xlsx<_> = calamine::open_workbook(path)
                .map_err(|e: calamine::XlsxError| unreadable(e.to_string()))?;
            sheets(
                &mut book,
                calamine::Xlsx::merge_cells_by_sheet_name,
                &formats,
            )
            .map_err(unreadable)?
        }
        "ods" => ods_grids(path).map_err(unreadable)?,
        "xls" => {
            let bytes = std::fs::read(path).map_err(|e| unreadable(e.to_string()))?;
            let formats = biff::xls_formats(&bytes).map_err(unreadable)?;
            let mut book =
                calamine::Xls::new(Cursor::new(bytes)).map_err(|e| unreadable(e.to_string()))?;
            sheets(
                &mut book,
                |book, name| book.merge_cells_by_sheet_name(name),
                &formats,
            )
            .map_err(unreadable)?
        }
        _ => return Err(ReadError::UnknownKind(path.to_owned())),
    };
    for grid in &mut grids {
        grid.fill_merges();
    }
    Ok(grids)
}

/// Every sheet of a workbook calamine reads, each cell shown in the
/// format `formats` give it.
fn sheets<RS: Read + Seek, R: Reader<RS>>(
    book: &mut R,
    merges: impl Fn(&mut R, &str) -> Result<Vec<calamine::Dimensions>, R::Error>,
    formats: &HashMap<String, Formats>,
) -> Result<Vec<Grid>, String>
where
    R::Error: std::fmt::Display,
{
    let mut grids = Vec::new();
    for name in book.sheet_names() {
        let range = book.worksheet_range(&name).map_err(|e| e.to_string())?;
        let merges = merges(book, &name).map_err(|e| e.to_string())?;
        let codes = formats.get(&name);
        grids.push(grid(&name, &range, &merges, |row, col| {
            codes.and_then(|c| c.get(&(row, col))).map(String::as_str)
        }));
    }
    Ok(grids)
}

/// A sheet's cells as shown, at their places in the sheet (A1 is 0, 0).
fn grid<'f>(
    name: &str,
    range: &calamine::Range<Data>,
    merges: &[calamine::Dimensions],
    format: impl Fn(usize, usize) -> Option<&'f str>,
) -> Grid {
    let mut grid = Grid {
        name: name.to_owned(),
        ..Grid::default()
    };
    let (top, left) = range.start().unwrap_or((0, 0));
    for (r, cells) in range.rows().enumerate() {
        for (c, data) in cells.iter().enumerate() {
            let (row, col) = (top as usize + r, left as usize + c);
            let text = text_of(data, format(row, col));
            if !text.is_empty() {
                grid.set(row, col, text);
            }
            if let Data::DateTime(when) = data {
                let (y, m, d, ..) = when.to_ymd_hms_milli();
                grid.dates
                    .insert((row, col), format!("{y:04}-{m:02}-{d:02}"));
            }
        }
    }
    grid.merges = merges
        .iter()
        .map(|d| Span {
            first: (d.start.0 as usize, d.start.1 as usize),
            last: (d.end.0 as usize, d.end.1 as usize),
        })
        .collect();
    grid
}

/// A cell's shown text.
fn text_of(data: &Data, format: Option<&str>) -> String {
    match data {
        Data::Empty => String::new(),
        Data::String(text) => text.clone(),
        Data::Int(n) => format.map_or_else(|| n.to_string(), |code| shown::number(*n as f64, code)),
        Data::Float(f) => shown::number(*f, format.unwrap_or("General")),
        Data::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_owned(),
        Data::DateTime(when) => {
            let (y, m, d, ..) = when.to_ymd_hms_milli();
            let code = format.filter(|c| shown::is_date(c)).unwrap_or("yyyy-mm-dd");
            shown::date((y, m, d), code)
        }
        Data::DateTimeIso(text) | Data::DurationIso(text) => {
            text.split('T').next().unwrap_or(text).to_owned()
        }
        Data::Error(e) => e.to_string(),
    }
}

/// The number formats of a sheet's cells, by (row, column).
type Formats = HashMap<(usize, usize), String>;

/// The number format of every styled cell of an `.xlsx`, by sheet name.
fn xlsx_formats(path: &Path) -> Result<HashMap<String, Formats>, String> {
    let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let mut zip = zip::ZipArchive::new(BufReader::new(file)).map_err(|e| e.to_string())?;
    let styles = match member(&mut zip, "xl/styles.xml") {
        Ok(xml) => cell_formats(&xml),
        Err(_) => Vec::new(),
    };
    let mut by_sheet = HashMap::new();
    if styles.iter().all(Option::is_none) {
        return Ok(by_sheet);
    }
    let workbook = member(&mut zip, "xl/workbook.xml")?;
    let rels = member(&mut zip, "xl/_rels/workbook.xml.rels")?;
    let targets: HashMap<String, String> = elements(&rels, b"Relationship")
        .into_iter()
        .filter_map(|a| Some((a.get("Id")?.clone(), a.get("Target")?.clone())))
        .collect();
    for sheet in elements(&workbook, b"sheet") {
        let (Some(name), Some(target)) = (
            sheet.get("name"),
            sheet.get("id").and_then(|id| targets.get(id)),
        ) else {
            continue;
        };
        let target = target.trim_start_matches('/');
        let part = if target.starts_with("xl/") {
            target.to_owned()
        } else {
            format!("xl/{target}")
        };
        let Ok(xml) = member(&mut zip, &part) else {
            continue;
        };
        let mut cells = HashMap::new();
        for cell in elements(&xml, b"c") {
            let (Some(at), Some(style)) = (cell.get("r"), cell.get("s")) else {
                continue;
            };
            let code = style
                .parse::<usize>()
                .ok()
                .and_then(|s| styles.get(s).cloned().flatten());
            if let (Some(code), Some(place)) = (code, a1(at)) {
                cells.insert(place, code);
            }
        }
        by_sheet.insert(name.clone(), cells);
    }
    Ok(by_sheet)
}

/// The number format of each cell style (`cellXfs`), none for General.
fn cell_formats(styles: &str) -> Vec<Option<String>> {
    let custom: HashMap<u32, String> = elements(styles, b"numFmt")
        .into_iter()
        .filter_map(|a| {
            Some((
                a.get("numFmtId")?.parse().ok()?,
                a.get("formatCode")?.clone(),
            ))
        })
        .collect();
    let Some(start) = styles.find("<cellXfs") else {
        return Vec::new();
    };
    let end = styles[start..]
        .find("</cellXfs>")
        .map_or(styles.len(), |e| start + e);
    elements(&styles[start..end], b"xf")
        .into_iter()
        .map(|a| {
            let id: u32 = a.get("numFmtId")?.parse().ok()?;
            let code = custom
                .get(&id)
                .cloned()
                .or_else(|| shown::builtin(id).map(str::to_owned))?;
            (id != 0).then_some(code)
        })
        .collect()
}

fn member<R: Read + Seek>(zip: &mut zip::ZipArchive<R>, name: &str) -> Result<String, String> {
    let mut file = zip.by_name(name).map_err(|e| format!("{name}: {e}"))?;
    let mut text = String::new();
    file.read_to_string(&mut text)
        .map_err(|e| format!("{name}: {e}"))?;
    Ok(text)
}

/// The attributes (by local name, unescaped) of every element named `tag`.
fn elements(xml: &str, tag: &[u8]) -> Vec<HashMap<String, String>> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut found = Vec::new();
    loop {
        match reader.read_event() {
            Ok(Event::Start(e) | Event::Empty(e)) if e.local_name().as_ref() == tag => {
                let attributes = e
                    .attributes()
                    .flatten()
                    .map(|a| {
                        let key = String::from_utf8_lossy(a.key.local_name().as_ref()).into_owned();
                        (key, unescape(&String::from_utf8_lossy(&a.value)))
                    })
                    .collect();
                found.push(attributes);
            }
            Ok(Event::Eof) | Err(_) => break,
            Ok(_) => {}
        }
    }
    found
}

/// XML's entities and character references; a malformed one as written.
fn unescape(text: &str) -> String {
    quick_xml::escape::unescape(text).map_or_else(|_| text.to_owned(), |t| t.into_owned())
}

/// `C12` → (11, 2).
fn a1(at: &str) -> Option<(usize, usize)> {
    let letters = at.bytes().take_while(u8::is_ascii_alphabetic).count();
    let col = at[..letters].bytes().try_fold(0usize, |n, b| {
        Some(n * 26 + usize::from(b.to_ascii_uppercase().checked_sub(b'A')?) + 1)
    })?;
    let row: usize = at[letters..].parse().ok()?;
    Some((row.checked_sub(1)?, col.checked_sub(1)?))
}

/// Every sheet of an OpenDocument spreadsheet, each cell as its paragraphs
/// (`text:p`) show it: the text LibreOffice wrote with its number format
/// applied.
fn ods_grids(path: &Path) -> Result<Vec<Grid>, String> {
    use quick_xml::events::Event;
    let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let mut zip = zip::ZipArchive::new(BufReader::new(file)).map_err(|e| e.to_string())?;
    let xml = member(&mut zip, "content.xml")?;
    let mut reader = quick_xml::Reader::from_str(&xml);
    let mut grids: Vec<Grid> = Vec::new();
    let (mut row, mut col) = (0usize, 0usize);
    let mut row_repeat = 1usize;
    let mut cell: Option<OdsCell> = None;
    let mut paragraphs = 0usize;
    let attribute = |e: &quick_xml::events::BytesStart, name: &[u8]| -> Option<String> {
        e.attributes()
            .flatten()
            .find(|a| a.key.local_name().as_ref() == name)
            .map(|a| unescape(&String::from_utf8_lossy(&a.value)))
    };
    let number = |e: &quick_xml::events::BytesStart, name: &[u8]| -> usize {
        attribute(e, name)
            .and_then(|n| n.parse().ok())
            .unwrap_or(1)
            .max(1)
    };
    loop {
        let event = reader
            .read_event()
            .map_err(|e| format!("content.xml: {e}"))?;
        match &event {
            Event::Start(e) | Event::Empty(e) if e.name().as_ref() == b"table:table" => {
                grids.push(Grid {
                    name: attribute(e, b"name").unwrap_or_default(),
                    ..Grid::default()
                });
                row = 0;
            }
            Event::Start(e) if e.local_name().as_ref() == b"table-row" => {
                row_repeat = number(e, b"number-rows-repeated");
                col = 0;
            }
            Event::Empty(e) if e.local_name().as_ref() == b"table-row" => {
                row += number(e, b"number-rows-repeated");
            }
            Event::End(e) if e.local_name().as_ref() == b"table-row" => {
                if let Some(grid) = grids.last_mut() {
                    let filled = grid
                        .rows
                        .get(row)
                        .is_some_and(|r| r.iter().any(|c| !c.is_empty()));
                    if filled {
                        let copy = grid.rows[row].clone();
                        for extra in 1..row_repeat.min(MAX_REPEATED) {
                            grid.set_row(row + extra, copy.clone());
                        }
                    }
                }
                row += row_repeat;
            }
            Event::Start(e) | Event::Empty(e)
                if matches!(
                    e.local_name().as_ref(),
                    b"table-cell" | b"covered-table-cell"
                ) =>
            {
                let spans = (
                    number(e, b"number-rows-spanned"),
                    number(e, b"number-columns-spanned"),
                );
                let date = attribute(e, b"date-value")
                    .map(|d| d.split('T').next().unwrap_or_default().to_owned());
                let new = OdsCell {
                    date,
                    text: String::new(),
                    repeat: number(e, b"number-columns-repeated"),
                    spans,
                };
                if matches!(event, Event::Empty(_)) {
                    col = place(grids.last_mut(), row, col, new);
                } else {
                    cell = Some(new);
                    paragraphs = 0;
                }
            }
            Event::End(e)
                if matches!(
                    e.local_name().as_ref(),
                    b"table-cell" | b"covered-table-cell"
                ) =>
            {
                if let Some(done) = cell.take() {
                    col = place(grids.last_mut(), row, col, done);
                }
            }
            Event::Start(e) if e.local_name().as_ref() == b"p" => {
                if let Some(cell) = cell.as_mut() {
                    if paragraphs > 0 {
                        cell.text.push('\n');
                    }
                    paragraphs += 1;
                }
            }
            Event::Empty(e) if e.local_name().as_ref() == b"s" => {
                if let Some(cell) = cell.as_mut() {
                    cell.text.push_str(&" ".repeat(number(e, b"c")));
                }
            }
            Event::Empty(e) if e.local_name().as_ref() == b"tab" => {
                if let Some(cell) = cell.as_mut() {
                    cell.text.push('\t');
                }
            }
            Event::Empty(e) if e.local_name().as_ref() == b"line-break" => {
                if let Some(cell) = cell.as_mut() {
                    cell.text.push('\n');
                }
            }
            Event::Text(t) => {
                if let Some(cell) = cell.as_mut().filter(|_| paragraphs > 0) {
                    cell.text.push_str(&String::from_utf8_lossy(&t[..]));
                }
            }
            Event::GeneralRef(r) => {
                if let Some(cell) = cell.as_mut().filter(|_| paragraphs > 0) {
                    cell.text
                        .push_str(&unescape(&format!("&{};", String::from_utf8_lossy(&r[..]))));
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(grids)
}

/// Repeated rows and columns beyond this are empty filler a spreadsheet
/// writes to the end of the sheet.
const MAX_REPEATED: usize = 1000;

struct OdsCell {
    text: String,
    /// `office:date-value`, for a date cell.
    date: Option<String>,
    repeat: usize,
    spans: (usize, usize),
}

/// Puts a cell (and its repeats) at (row, col); the next column.
fn place(grid: Option<&mut Grid>, row: usize, col: usize, cell: OdsCell) -> usize {
    let Some(grid) = grid else {
        return col + cell.repeat;
    };
    if !cell.text.is_empty() {
        for c in col..col + cell.repeat.min(MAX_REPEATED) {
            grid.set(row, c, cell.text.clone());
            if let Some(date) = &cell.date {
                grid.dates.insert((row, c), date.clone());
            }
        }
    }
    if cell.spans != (1, 1) {
        grid.merges.push(Span {
            first: (row, col),
            last: (row + cell.spans.0 - 1, col + cell.spans.1 - 1),
        });
    }
    col + cell.repeat
}

/// A CSV file as one sheet named after the file.
fn csv_grid(name: &str, bytes: &[u8]) -> Result<Grid, String> {
    let text = decode(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut grid = Grid {
        name: name.to_owned(),
        ..Grid::default()
    };
    for record in reader.records() {
        let record = record.map_err(|e| e.to_string())?;
        grid.rows.push(record.iter().map(str::to_owned).collect());
    }
    Ok(grid)
}

/// CSV bytes as text: UTF-8 with or without its byte-order mark, else GBK
/// (what Chinese Excel and WPS write).
fn decode(bytes: &[u8]) -> String {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return String::from_utf8_lossy(rest).into_owned();
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => text.to_owned(),
        Err(_) => encoding_rs::GB18030.decode(bytes).0.into_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_in_gbk_and_in_utf8_with_a_bom_read_the_same() {
        let text = "单位名称,资金总额\n东莞市人大,921.83\n";
        let (gbk, _, _) = encoding_rs::GBK.encode(text);
        let bom = [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat();
        let a = csv_grid("t", &gbk).unwrap();
        let b = csv_grid("t", &bom).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.cell(1, 0), "东莞市人大");
        assert_eq!(a.cell(0, 0), "单位名称");
    }

    #[test]
    fn cell_places_and_entities() {
        assert_eq!(a1("A1"), Some((0, 0)));
        assert_eq!(a1("C12"), Some((11, 2)));
        assert_eq!(a1("AB3"), Some((2, 27)));
        assert_eq!(a1("A0"), None);
        assert_eq!(unescape("0.00&quot;万元&quot;&#37;"), "0.00\"万元\"%");
    }

    #[test]
    fn style_formats_are_read_by_style_index() {
        let styles = r#"<styleSheet><numFmts count="1"><numFmt numFmtId="164" formatCode="0.0000"/></numFmts>
<cellXfs count="3"><xf numFmtId="0"/><xf numFmtId="164"/><xf numFmtId="9"/></cellXfs></styleSheet>"#;
        assert_eq!(
            cell_formats(styles),
            [None, Some("0.0000".to_owned()), Some("0%".to_owned())]
        );
    }
}
