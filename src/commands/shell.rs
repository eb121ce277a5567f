//! `config`, `completions` and `man`: how batchops fits the shell.

use super::output;
use crate::cli::{Cli, TextOrJson};
use crate::settings::Settings;
use clap::CommandFactory;
use color_eyre::eyre::Result;
use std::io::Write;

/// Each setting in effect, where it came from and what gave it (a database password redacted).
pub fn config(settings: &Settings, format: TextOrJson) -> Result<u8> {
    let rows = settings.rows();
    let mut out = output::stdout();
    match format {
        TextOrJson::Json => output::json_pretty(&mut out, &rows)?,
        TextOrJson::Text => {
            let name_w = rows.iter().map(|r| r.name.len()).max().unwrap_or(0);
            let value_w = rows
                .iter()
                .map(|r| r.value.chars().count())
                .max()
                .unwrap_or(0);
            for r in &rows {
                let from = if r.origin.is_empty() {
                    r.source.to_string()
                } else {
                    format!("{} ({})", r.source, r.origin)
                };
                let line = format!("{:name_w$}  {:value_w$}  {from}", r.name, r.value);
                writeln!(out, "{}", line.trim_end())?;
            }
        }
    }
    out.flush()?;
    Ok(super::EXIT_OK)
}

/// The completion script of `shell`, on stdout.
pub fn completions(shell: clap_complete::Shell) -> Result<u8> {
    let mut out = output::stdout();
    clap_complete::generate(shell, &mut Cli::command(), "batchops", &mut out);
    out.flush()?;
    Ok(super::EXIT_OK)
}

/// The manual page (roff), on stdout.
pub fn man() -> Result<u8> {
    let mut out = output::stdout();
    clap_mangen::Man::new(Cli::command()).render(&mut out)?;
    out.flush()?;
    Ok(super::EXIT_OK)
}
