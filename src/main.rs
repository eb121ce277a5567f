//! Start-up: error reporting, the command line, then the console or a headless command.

use batchops::cli::{Cli, Command};
use batchops::commands::{self, EXIT_FAILED};
use clap::{CommandFactory, Parser};
use color_eyre::eyre::Result;
use std::io::IsTerminal;
use std::process::ExitCode;

fn main() -> ExitCode {
    if let Err(e) = color_eyre::install() {
        eprintln!("warning: {e}");
    }
    let cli = Cli::parse();
    init_logging(cli_is_console(&cli));
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(EXIT_FAILED);
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(EXIT_FAILED)
        }
    }
}

fn cli_is_console(cli: &Cli) -> bool {
    matches!(cli.command, Some(Command::Console { .. }))
        || (cli.command.is_none() && std::io::stdout().is_terminal())
}

/// Logs go to stderr for headless commands (`RUST_LOG`, default warnings); the console keeps the
/// terminal to itself, so there they are off unless `BATCHOPS_LOG_FILE` names a file.
fn init_logging(console: bool) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("warn"));
    if console {
        if let Some(path) = std::env::var_os("BATCHOPS_LOG_FILE")
            && let Ok(file) = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
        {
            let _ = tracing_subscriber::fmt()
                .with_env_filter(filter)
                .with_ansi(false)
                .with_writer(std::sync::Mutex::new(file))
                .try_init();
        }
        return;
    }
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

async fn run(cli: Cli) -> Result<u8> {
    // A broken lexicon file is an error here, naming the file and line, before any work starts.
    batchops::mapping::lexicon::init(cli.lexicon.as_deref())?;
    let url = cli.database_url.as_deref();
    let Some(command) = cli.command else {
        if std::io::stdout().is_terminal() {
            let store = commands::open_store(url).await?;
            return batchops::console::run(store, cli.files, cli.start).await;
        }
        Cli::command().print_help()?;
        return Ok(0);
    };
    if let Command::Generate(args) = &command {
        return commands::generate(args);
    }
    let store = commands::open_store(url).await?;
    let code = match command {
        Command::Import(args) => commands::import(&*store, &args).await?,
        Command::Resume {
            run_id,
            tuning,
            format,
        } => commands::resume(&*store, run_id, &tuning, format).await?,
        Command::Inventory { format } => commands::inventory(&*store, format).await?,
        Command::Runs { format, limit } => commands::runs(&*store, format, limit).await?,
        Command::Failed {
            run_id,
            format,
            unresolved,
            output,
        } => commands::failed(&*store, run_id, format, unresolved, output).await?,
        Command::Retry {
            run_id,
            lines,
            operator,
            format,
        } => commands::retry(&*store, run_id, &lines, operator, format).await?,
        Command::Compare {
            file,
            chunk_size,
            sequential_lines,
            format_in,
            format,
        } => {
            commands::compare(
                store.clone(),
                &file,
                chunk_size,
                sequential_lines,
                format_in.map(Into::into),
                format,
            )
            .await?
        }
        Command::Revert {
            run_id,
            operator,
            format,
        } => commands::revert(&*store, run_id, operator, format).await?,
        Command::Aliases { command } => commands::aliases(&*store, command).await?,
        Command::Items { command } => commands::items(&*store, command).await?,
        Command::Corrections { format, limit } => {
            commands::corrections(&*store, format, limit).await?
        }
        Command::Console { files, start } => {
            batchops::console::run(store.clone(), files, start).await?
        }
        Command::Generate(_) => unreachable!("handled above"),
    };
    store.close().await;
    Ok(code)
}
