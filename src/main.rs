//! Start-up: error reporting, the command line, then the console or a headless command.

use batchops::cli::{AliasesCommand, Cli, Command, ReviewCommand};
use batchops::commands::{self, Access, EXIT_FAILED, EXIT_OK, EXIT_USAGE, output};
use batchops::settings::{Environment, Settings};
use clap::{CommandFactory, FromArgMatches};
use color_eyre::eyre::Result;
use std::io::{IsTerminal, Write};
use std::process::ExitCode;

/// mimalloc instead of the system allocator: mapping allocates and frees small strings per line,
/// and glibc's malloc (with its consolidation of freed chunks) took about 40% of the mapping
/// thread's time in a profile of the 1,000,000-line import. See [`return_memory_promptly`].
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's defaults commit its arenas eagerly and keep freed memory for 10 ms; with lines
/// allocated on the mapping thread and freed on the writer's, that raised the 1,000,000-line
/// import's peak RSS from 54 MiB (glibc) to 86–90 MiB. Committing on demand and returning freed
/// pages at once, set here, measured 71–72 MiB at the same speed (48 MiB when set through the
/// environment, which also covers the allocations made before `main`). (Option numbers of mimalloc v3's
/// `mi_option_e`, the version libmimalloc-sys builds by default: `mi_option_arena_eager_commit`
/// is 4, `mi_option_purge_delay` 15.)
fn return_memory_promptly() {
    const ARENA_EAGER_COMMIT: libmimalloc_sys::mi_option_t = 4;
    const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;
    // SAFETY: mi_option_set only stores an option's value; it is called at start-up, before any
    // other thread exists.
    unsafe {
        libmimalloc_sys::mi_option_set(ARENA_EAGER_COMMIT, 0);
        libmimalloc_sys::mi_option_set(PURGE_DELAY, 0);
    }
    // The C code (SQLite) still allocates through glibc's malloc, which gives each thread that
    // allocates its own arena; on the SQLite 1,000,000-line import that cost ~15 MiB of peak RSS
    // (108 → 93 MiB) for no measurable speed. Two arenas are plenty for one writer connection.
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets a malloc parameter; called before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}

fn main() -> ExitCode {
    commands::mark_start();
    return_memory_promptly();
    if let Err(e) = color_eyre::install() {
        eprintln!("warning: {e}");
    }
    let matches = match Cli::command().try_get_matches() {
        Ok(m) => m,
        Err(e) => return ExitCode::from(usage(&e)),
    };
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => return ExitCode::from(usage(&e)),
    };
    // Flags, environment and the settings file, read once, here.
    let settings = match Settings::load(&matches, &cli.global, &Environment::of_process()) {
        Ok(s) => s,
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "error: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    settings.install();
    init_logging(cli_is_console(&cli), &settings);
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
    match runtime.block_on(run(cli, settings)) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            let code = commands::exit_code_of(&e);
            // A closed stdout is the reader's choice (`| head`): end quietly.
            if code != commands::EXIT_PIPE_CLOSED {
                let _ = writeln!(std::io::stderr(), "error: {e:#}");
            }
            ExitCode::from(code)
        }
    }
}

/// `--help` and `--version` print and exit 0 (quietly when stdout is closed); a command line
/// clap refuses prints its message and exits [`EXIT_USAGE`].
fn usage(e: &clap::Error) -> u8 {
    let _ = e.print();
    if e.use_stderr() { EXIT_USAGE } else { EXIT_OK }
}

fn cli_is_console(cli: &Cli) -> bool {
    matches!(cli.command, Some(Command::Console { .. }))
        || (cli.command.is_none() && std::io::stdout().is_terminal())
}

/// Logs go to stderr for headless commands (the settings' log filter: `-q`, `-v`, `RUST_LOG`, the
/// file's `log`, default warnings); the console keeps the terminal to itself, so there they are
/// off unless the settings name a log file.
fn init_logging(console: bool, settings: &Settings) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_new(&settings.log.value).unwrap_or_else(|_| EnvFilter::new("warn"));
    if console {
        if let Some(path) = &settings.log_file.value
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
        .with_ansi(std::io::stderr().is_terminal() && !settings.no_color.value)
        .with_writer(std::io::stderr)
        .try_init();
}

async fn run(cli: Cli, settings: Settings) -> Result<u8> {
    // What needs neither the lexicon nor the database: shown even when they are broken.
    match &cli.command {
        Some(Command::Config { format }) => return commands::config(&settings, *format),
        Some(Command::Completions { shell }) => return commands::completions((*shell).into()),
        Some(Command::Man) => return commands::man(),
        _ => {}
    }
    // A broken lexicon file is an error here, naming the file and line, before any work starts.
    batchops::mapping::lexicon::init(settings.lexicon.value.as_deref())?;
    let url = settings.database_url.value.as_str();
    let console = batchops::console::ConsoleSettings {
        no_color: settings.no_color.value,
    };
    let Some(command) = cli.command else {
        if std::io::stdout().is_terminal() {
            let store = commands::open_store(url, Access::Write).await?;
            return batchops::console::run(store, cli.files, cli.start.map(Into::into), console)
                .await;
        }
        if !cli.files.is_empty() {
            let given: Vec<String> = cli.files.iter().map(|f| f.display().to_string()).collect();
            return Err(commands::UsageError(format!(
                "{} is not a command, and the console (which would load it as a batch file) needs \
                 a terminal: to import without one, use `batchops import FILE...`; \
                 the commands are in `batchops --help`",
                given.join(" ")
            ))
            .into());
        }
        let mut out = output::stdout();
        write!(out, "{}", Cli::command().render_help())?;
        out.flush()?;
        return Ok(0);
    };
    if let Command::Generate(args) = &command {
        return commands::generate(args);
    }
    if let Command::Inspect {
        file,
        format_in,
        reading,
        profile,
        save_profile,
        supplier,
        sku_column,
        rows,
        format,
    } = &command
    {
        return commands::inspect(&commands::InspectArgs {
            path: file,
            format: format_in.map(Into::into),
            flags: reading.settings(),
            profile: profile.as_deref(),
            save_profile: save_profile.as_deref(),
            supplier: supplier.clone(),
            sku_column: sku_column.map(Into::into),
            rows: *rows,
            out_format: *format,
        });
    }
    let store = commands::open_store(url, access(&command)).await?;
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
        } => commands::failed(&*store, run_id, format, unresolved, &output).await?,
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
        Command::Items { command } => commands::items(&*store, command).await?,
        Command::Corrections { format, limit } => {
            commands::corrections(&*store, format, limit).await?
        }
        Command::Console { files, start } => {
            batchops::console::run(store.clone(), files, start.map(Into::into), console).await?
        }
        Command::Review { command } => commands::review(&*store, command).await?,
        Command::Aliases { command } => commands::aliases(&*store, command).await?,
        Command::Generate(_)
        | Command::Inspect { .. }
        | Command::Config { .. }
        | Command::Completions { .. }
        | Command::Man => unreachable!("handled above"),
    };
    store.close().await;
    Ok(code)
}

/// Whether `command` may create the database: the commands that only read never do.
fn access(command: &Command) -> Access {
    match command {
        Command::Inventory { .. }
        | Command::Runs { .. }
        | Command::Failed { .. }
        | Command::Corrections { .. }
        | Command::Review {
            command: ReviewCommand::List { .. } | ReviewCommand::Show { .. },
        }
        | Command::Aliases {
            command: AliasesCommand::List { .. } | AliasesCommand::Check { .. },
        } => Access::Read,
        _ => Access::Write,
    }
}
