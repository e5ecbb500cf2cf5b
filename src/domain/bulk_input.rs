//! Reading bulk input: a pasted list of login IDs, or a CSV file with one
//! person per row. Pure: bytes in, rows (each with its own problem, if
//! any) out; a file that cannot be read at all is one clear error.

use std::collections::BTreeMap;

use super::number::grouped;

pub const MAX_ROWS: usize = 10_000;
pub const MAX_BYTES: usize = 5 * 1024 * 1024;

/// The columns a CSV file may have, besides `custom.<name>`.
pub const COLUMNS: [&str; 8] =
    ["email", "phone", "given_name", "family_name", "display_name", "roles", "tenants", "lang"];

/// One row as written in the file, not yet validated.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RawRow {
    /// Line number in the file (the header is line 1), or position in a list.
    pub line: usize,
    pub email: String,
    pub phone: String,
    pub given_name: String,
    pub family_name: String,
    pub display_name: String,
    pub roles: Vec<String>,
    pub tenants: Vec<String>,
    pub lang: String,
    pub custom: BTreeMap<String, String>,
    /// Why this row cannot be read (e.g. a ragged row).
    pub problem: Option<String>,
}

impl RawRow {
    /// The login ID as written: the email, else the phone.
    pub fn login_id(&self) -> &str {
        if self.email.trim().is_empty() { self.phone.trim() } else { self.email.trim() }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FileError {
    #[error("Choose a CSV file.")]
    NoFile,
    #[error("The file is empty.")]
    Empty,
    #[error("The file has a header row but no people. Add one person per line below the header.")]
    NoRows,
    #[error("The file is larger than 5 MiB. Split it into smaller files.")]
    TooLarge,
    #[error(
        "The file has {rows} rows; at most 10,000 rows can be imported at once. Split it into smaller files.",
        rows = grouped(*.0)
    )]
    TooManyRows(usize),
    #[error("This looks like an Excel workbook: save it as CSV UTF-8 and upload that file.")]
    Spreadsheet,
    #[error(
        "This does not look like a CSV file (it contains binary data). Export it from your spreadsheet as CSV (UTF-8)."
    )]
    Binary,
    #[error("The file is not UTF-8 text. Save it as \"CSV UTF-8\" and upload it again.")]
    NotUtf8,
    #[error(
        "The file has no email or phone column. The first line must name the columns, e.g. email,given_name,family_name."
    )]
    NoLoginColumn,
    #[error(
        "Unknown column \"{0}\". Use email, phone, given_name, family_name, display_name, roles, tenants, lang, or custom.<name>."
    )]
    UnknownColumn(String),
    #[error("The column \"{0}\" appears twice.")]
    DuplicateColumn(String),
    #[error("The file could not be read as CSV: {0}")]
    Malformed(String),
    #[error("Enter at least one email address or phone number.")]
    EmptyList,
}

fn split_cell(cell: &str) -> Vec<String> {
    cell.split(';').map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect()
}

/// How a workbook starts: xlsx (and ods) files are ZIP archives, xls files
/// OLE compound documents.
const WORKBOOK_MAGIC: [&[u8]; 2] = [b"PK\x03\x04", b"\xD0\xCF\x11\xE0"];

/// Check size and encoding; return the text without a byte-order mark.
fn as_text(bytes: &[u8]) -> Result<&str, FileError> {
    if bytes.len() > MAX_BYTES {
        return Err(FileError::TooLarge);
    }
    if WORKBOOK_MAGIC.iter().any(|magic| bytes.starts_with(magic)) {
        return Err(FileError::Spreadsheet);
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if bytes.contains(&0) {
        return Err(FileError::Binary);
    }
    let text = std::str::from_utf8(bytes).map_err(|_| FileError::NotUtf8)?;
    if text.trim().is_empty() {
        return Err(FileError::Empty);
    }
    Ok(text)
}

/// An uploaded file as text, or why it cannot be read as a CSV file.
pub fn file_text(bytes: &[u8]) -> Result<String, FileError> {
    as_text(bytes).map(str::to_owned)
}

/// A comma- or semicolon-separated file, decided by its header line.
fn delimiter(text: &str) -> u8 {
    let header = text.lines().next().unwrap_or_default();
    if header.matches(';').count() > header.matches(',').count() { b';' } else { b',' }
}

pub fn parse_csv(bytes: &[u8]) -> Result<Vec<RawRow>, FileError> {
    // The csv crate miscounts lines with CRLF endings; line numbers in the
    // preview must match what people see in their editor.
    let text = as_text(bytes)?.replace("\r\n", "\n");
    let text = text.as_str();
    let mut reader = csv::ReaderBuilder::new().delimiter(delimiter(text)).flexible(true).from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| FileError::Malformed(e.to_string()))?
        .iter()
        .map(|h| h.trim().to_lowercase())
        .collect();
    for (i, h) in headers.iter().enumerate() {
        if !(COLUMNS.contains(&h.as_str()) || (h.starts_with("custom.") && h.len() > 7)) {
            return Err(FileError::UnknownColumn(h.clone()));
        }
        if headers[..i].contains(h) {
            return Err(FileError::DuplicateColumn(h.clone()));
        }
    }
    if !headers.iter().any(|h| h == "email" || h == "phone") {
        return Err(FileError::NoLoginColumn);
    }
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| FileError::Malformed(e.to_string()))?;
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        if rows.len() == MAX_ROWS {
            let total = MAX_ROWS + 1 + text.lines().count().saturating_sub(rows.len() + 2);
            return Err(FileError::TooManyRows(total));
        }
        let line = record.position().map(|p| p.line() as usize).unwrap_or(rows.len() + 2);
        let mut row = RawRow { line, ..RawRow::default() };
        if record.len() != headers.len() {
            row.problem = Some(format!("has {} fields, but the header has {}", record.len(), headers.len()));
        }
        for (name, value) in headers.iter().zip(record.iter()) {
            let value = value.trim().to_string();
            match name.as_str() {
                "email" => row.email = value,
                "phone" => row.phone = value,
                "given_name" => row.given_name = value,
                "family_name" => row.family_name = value,
                "display_name" => row.display_name = value,
                "roles" => row.roles = split_cell(&value),
                "tenants" => row.tenants = split_cell(&value),
                "lang" => row.lang = value.to_lowercase(),
                custom => {
                    if !value.is_empty() {
                        row.custom.insert(custom["custom.".len()..].to_string(), value);
                    }
                }
            }
        }
        rows.push(row);
    }
    if rows.is_empty() {
        return Err(FileError::NoRows);
    }
    Ok(rows)
}

/// Login IDs separated by commas, semicolons, spaces or new lines.
pub fn parse_list(text: &str) -> Result<Vec<RawRow>, FileError> {
    if text.len() > MAX_BYTES {
        return Err(FileError::TooLarge);
    }
    let ids: Vec<&str> =
        text.split(|c: char| c == ',' || c == ';' || c.is_whitespace()).filter(|s| !s.is_empty()).collect();
    if ids.is_empty() {
        return Err(FileError::EmptyList);
    }
    if ids.len() > MAX_ROWS {
        return Err(FileError::TooManyRows(ids.len()));
    }
    Ok(ids
        .into_iter()
        .enumerate()
        .map(|(i, id)| {
            let mut row = RawRow { line: i + 1, ..RawRow::default() };
            if id.starts_with('+') || id.chars().next().is_some_and(|c| c.is_ascii_digit()) {
                row.phone = id.to_string();
            } else {
                row.email = id.to_string();
            }
            row
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_csv_with_bom_crlf_semicolons_and_mixed_case_headers_is_read() {
        let file = "\u{feff}Email;Given_Name;Roles;Custom.Team\r\nada@example.com;Ada;editor; viewer;blue\r\n\r\n"
            .replace("editor; viewer", "\"editor; viewer\"");
        let rows = parse_csv(file.as_bytes()).unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].email, "ada@example.com");
        assert_eq!(rows[0].given_name, "Ada");
        assert_eq!(rows[0].roles, vec!["editor", "viewer"]);
        assert_eq!(rows[0].custom.get("team").map(String::as_str), Some("blue"));
        assert_eq!(rows[0].line, 2);
    }

    #[test]
    fn a_ragged_row_is_reported_and_the_others_are_kept() {
        let rows = parse_csv(b"email,given_name\na@x.io,A\nb@x.io,B,extra\nc@x.io,C\n").unwrap();
        assert_eq!(rows.len(), 3);
        assert!(rows[1].problem.as_deref().unwrap().contains("has 3 fields"));
        assert!(rows[0].problem.is_none() && rows[2].problem.is_none());
    }

    #[test]
    fn unreadable_files_get_one_clear_error() {
        assert_eq!(parse_csv(b""), Err(FileError::Empty));
        assert_eq!(parse_csv(b"email\n"), Err(FileError::NoRows));
        assert_eq!(parse_csv(b"email,given_name\n,\n\n"), Err(FileError::NoRows));
        assert_eq!(parse_csv(b"PK\x03\x04\x14\x00\x06\x00xl/workbook.xml"), Err(FileError::Spreadsheet));
        assert_eq!(parse_csv(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\x00\x00"), Err(FileError::Spreadsheet));
        assert_eq!(parse_csv(b"email\na@x.io\n\x00\x01"), Err(FileError::Binary));
        assert_eq!(parse_csv(b"email\n\xff\xfe caf\xe9\n"), Err(FileError::NotUtf8));
        assert_eq!(parse_csv(b"name,team\nAda,x\n"), Err(FileError::UnknownColumn("name".into())));
        assert_eq!(parse_csv(b"given_name\nAda\n"), Err(FileError::NoLoginColumn));
        assert_eq!(parse_csv(b"email,email\na@x.io,b@x.io\n"), Err(FileError::DuplicateColumn("email".into())));
        assert_eq!(parse_csv(&vec![b'a'; MAX_BYTES + 1]), Err(FileError::TooLarge));
    }

    #[test]
    fn more_than_ten_thousand_rows_are_refused() {
        let mut file = String::from("email\n");
        for i in 0..10_001 {
            file.push_str(&format!("p{i}@example.com\n"));
        }
        let refused = parse_csv(file.as_bytes()).unwrap_err();
        assert_eq!(refused, FileError::TooManyRows(10_001));
        assert!(refused.to_string().starts_with("The file has 10,001 rows;"), "{refused}");
    }

    #[test]
    fn a_list_splits_on_commas_spaces_and_new_lines() {
        let rows = parse_list("a@x.io, b@x.io\n+4915112345678;c@x.io  ").unwrap();
        let ids: Vec<&str> = rows.iter().map(RawRow::login_id).collect();
        assert_eq!(ids, vec!["a@x.io", "b@x.io", "+4915112345678", "c@x.io"]);
        assert_eq!(parse_list(" \n "), Err(FileError::EmptyList));
    }
}
