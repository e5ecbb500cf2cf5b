//! Every CSV file Usher writes goes through [`CsvExport`], so no cell can
//! turn into a spreadsheet formula when the file is opened in Excel,
//! LibreOffice or Google Sheets (CSV injection). Names, custom attributes
//! and user agents are typed by people we do not trust.

use std::borrow::Cow;

/// The characters a spreadsheet reads as the start of a formula (OWASP's
/// list: `=`, `+`, `-`, `@`, tab, carriage return).
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// A cell that a spreadsheet would run as a formula gets a leading `'`, as
/// OWASP recommends; spreadsheets then show it as text. Every other cell
/// is returned unchanged. A phone number such as `+4915112345678` becomes
/// `'+4915112345678`: still readable, and no longer a number to evaluate.
pub fn defuse(cell: &str) -> Cow<'_, str> {
    if cell.starts_with(FORMULA_STARTS) { Cow::Owned(format!("'{cell}")) } else { Cow::Borrowed(cell) }
}

/// A CSV document built in memory, every cell defused.
pub struct CsvExport {
    writer: csv::Writer<Vec<u8>>,
}

impl CsvExport {
    /// A document whose first line names the columns.
    pub fn new(header: &[&str]) -> anyhow::Result<Self> {
        let mut export = Self { writer: csv::Writer::from_writer(Vec::new()) };
        export.row(header)?;
        Ok(export)
    }

    /// Append one line.
    pub fn row<I, S>(&mut self, cells: I) -> anyhow::Result<()>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let cells: Vec<String> = cells.into_iter().map(|c| defuse(c.as_ref()).into_owned()).collect();
        self.writer.write_record(&cells)?;
        Ok(())
    }

    /// The finished document, UTF-8.
    pub fn finish(self) -> anyhow::Result<Vec<u8>> {
        self.writer.into_inner().map_err(|e| anyhow::anyhow!("writing CSV: {}", e.error()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_that_start_a_formula_get_a_leading_quote() {
        for cell in ["=1+2", "+4915112345678", "-2+3", "@SUM(A1)", "\t=1", "\r=1"] {
            assert_eq!(defuse(cell), format!("'{cell}"), "{cell:?}");
        }
        for cell in ["", "Ada", "ada@x.io", "2026-11-21T10:00:00+00:00", "{\"a\":\"=1\"}", "1-2", "a=b"] {
            assert_eq!(defuse(cell), cell, "{cell:?}");
        }
    }

    #[test]
    fn every_cell_of_an_export_is_defused_and_quoted_as_csv_requires() {
        let mut export = CsvExport::new(&["name", "note"]).unwrap();
        export.row(["=HYPERLINK(\"http://evil\",\"x\")", "a,b"]).unwrap();
        let text = String::from_utf8(export.finish().unwrap()).unwrap();
        assert_eq!(text, "name,note\n\"'=HYPERLINK(\"\"http://evil\"\",\"\"x\"\")\",\"a,b\"\n");
    }
}
