//! `generate`: a synthetic batch for rehearsals and benchmarks.

use crate::cli::{GenFormatArg, GenerateArgs};
use crate::generate::{GenerateFormat, GenerateOptions, generate as write_batch};
use color_eyre::eyre::{Result, WrapErr, eyre};
use std::io::{BufWriter, Write};

pub fn generate(args: &GenerateArgs) -> Result<u8> {
    if !(0.0..=1.0).contains(&args.bad_ratio) {
        return Err(eyre!("--bad-ratio must be between 0 and 1"));
    }
    if args.items == 0 {
        return Err(eyre!("--items must be at least 1"));
    }
    let opts = GenerateOptions {
        lines: args.lines,
        items: args.items,
        bad_ratio: args.bad_ratio,
        seed: args.seed,
        format: match args.format {
            GenFormatArg::Csv => GenerateFormat::Csv,
            GenFormatArg::Jsonl => GenerateFormat::Jsonl,
        },
        ..GenerateOptions::default()
    };
    let summary = match &args.output {
        Some(path) => {
            let file = std::fs::File::create(path)
                .wrap_err_with(|| format!("cannot write {}", path.display()))?;
            let mut out = BufWriter::with_capacity(1 << 20, file);
            let s = write_batch(&opts, &mut out)?;
            out.flush()?;
            eprintln!(
                "wrote {} lines ({} bad) to {}",
                s.lines,
                s.bad_lines,
                path.display()
            );
            s
        }
        None => {
            let mut out = BufWriter::with_capacity(1 << 20, std::io::stdout().lock());
            let s = write_batch(&opts, &mut out)?;
            out.flush()?;
            s
        }
    };
    let _ = summary;
    Ok(0)
}
