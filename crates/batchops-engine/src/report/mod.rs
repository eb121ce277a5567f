//! Output shared by the headless commands and the console: text, JSON and CSV.

pub mod corrections;
mod csv_out;
mod json;
mod text;

pub use csv_out::{RejectColumns, RejectWriter, reject_file};
pub use json::{
    RunReportJson, comparison_json, failed_items_command, failed_items_run, omitted_failed_items,
};
pub use text::{
    comparison, failed_header, failed_row, inventory_table, invoice_label, run_report,
    run_report_listing, runs_table,
};

use std::borrow::Cow;

/// Output format of the headless commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum OutputFormat {
    /// Tables for people.
    #[default]
    Text,
    /// JSON for scripts.
    Json,
    /// CSV (for failed items: the reject file, ready to fix and import again).
    Csv,
}

/// Data is shown, never obeyed: control characters (including ESC of terminal escape sequences)
/// are written escaped so that nothing in an input file can drive the operator's terminal.
pub fn escape_control(s: &str) -> Cow<'_, str> {
    if !s.chars().any(char::is_control) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_shown_escaped() {
        assert_eq!(escape_control("plain"), "plain");
        assert_eq!(escape_control("a\x1b[31mred\x07"), "a\\u{1b}[31mred\\u{7}");
        assert_eq!(escape_control("two\nlines\0"), "two\\nlines\\u{0}");
    }
}
