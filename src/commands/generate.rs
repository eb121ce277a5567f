//! `generate`: a synthetic batch for rehearsals and benchmarks.

use super::{UsageError, output};
use crate::cli::{GenFormatArg, GenerateArgs};
use crate::generate::{GenerateFormat, GenerateOptions, generate as write_batch};
use color_eyre::eyre::Result;
use std::io::Write;

pub fn generate(args: &GenerateArgs) -> Result<u8> {
    if !(0.0..=1.0).contains(&args.bad_ratio) {
        return Err(UsageError("--bad-ratio must be between 0 and 1".into()).into());
    }
    if args.items == 0 {
        return Err(UsageError("--items must be at least 1".into()).into());
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
    let path = args.output.path.as_deref();
    let mut out = output::destination(path, args.output.force)?;
    let summary = write_batch(&opts, &mut out)?;
    out.flush()?;
    if let Some(path) = path {
        output::note(format_args!(
            "wrote {} lines ({} bad) to {}",
            summary.lines,
            summary.bad_lines,
            path.display()
        ));
    }
    Ok(0)
}
