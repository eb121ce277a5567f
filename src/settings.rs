//! The settings: flags, environment and the settings file, read once at start into one
//! [`Settings`] value. A flag wins over the environment, the environment over the settings file,
//! the file over the default. Nothing below the binary reads the environment: [`Settings::install`]
//! hands each layer what it needs.

use crate::cli::GlobalArgs;
use crate::input::{self, SpoolLimits};
use clap::ArgMatches;
use clap::parser::ValueSource;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The name of the settings file in the configuration directory.
pub const SETTINGS_FILE: &str = "config.toml";

/// Where a setting's value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    Flag,
    Env,
    File,
    Default,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Flag => "flag",
            Source::Env => "env",
            Source::File => "file",
            Source::Default => "default",
        }
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One setting's value and where it came from (`origin`: the flag, variable or file key).
#[derive(Debug, Clone)]
pub struct Setting<T> {
    pub value: T,
    pub source: Source,
    pub origin: String,
}

impl<T> Setting<T> {
    fn default(value: T) -> Self {
        Setting {
            value,
            source: Source::Default,
            origin: String::new(),
        }
    }
}

/// How much the headless commands say on stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verbosity {
    /// The result and errors only (`--quiet`).
    Quiet,
    /// Notes, warnings, a progress bar when stderr is a terminal.
    Normal,
    /// Also progress lines when stderr is not a terminal, and logs (`-v` info, `-vv` debug,
    /// `-vvv` trace).
    Verbose(u8),
}

/// The keys of the settings file. An unknown key is an error naming it.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSettings {
    database_url: Option<String>,
    lexicon: Option<PathBuf>,
    catalog_cache: Option<PathBuf>,
    operator: Option<String>,
    spool_limit: Option<toml::Value>,
    pipe_wait: Option<toml::Value>,
    stale_after_seconds: Option<i64>,
    log_file: Option<PathBuf>,
    log: Option<String>,
    no_color: Option<bool>,
}

/// Every setting in effect.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The configuration directory (`None`: the platform names none).
    pub config_dir: Setting<Option<PathBuf>>,
    /// The settings file, whether or not it exists.
    pub config_file: Setting<Option<PathBuf>>,
    /// Whether the settings file was found and read.
    pub config_file_read: bool,
    pub database_url: Setting<String>,
    pub lexicon: Setting<Option<PathBuf>>,
    /// Where the catalog is kept between runs (`None`: not kept).
    pub catalog_cache: Setting<Option<PathBuf>>,
    /// Who runs a command that names no `--operator`.
    pub operator: Setting<String>,
    pub spool_limit: Setting<u64>,
    pub pipe_wait: Setting<Duration>,
    pub stale_after_seconds: Setting<i64>,
    pub log_file: Setting<Option<PathBuf>>,
    /// The log filter (tracing's `EnvFilter` syntax).
    pub log: Setting<String>,
    pub no_color: Setting<bool>,
    pub verbosity: Setting<Verbosity>,
}

/// What the settings read from the process's environment besides the flags' variables (clap reads
/// those): passed in so the rules can be tested without touching the environment.
#[derive(Debug, Clone, Default)]
pub struct Environment {
    pub rust_log: Option<String>,
    pub no_color: Option<String>,
    pub login: Option<String>,
}

impl Environment {
    /// Read once, at start.
    pub fn of_process() -> Self {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        Environment {
            rust_log: var("RUST_LOG"),
            no_color: var("NO_COLOR"),
            login: var("USER").or_else(|| var("LOGNAME")),
        }
    }
}

/// Where a global flag's value came from, with the flag or variable that gave it.
fn flag_source(matches: &ArgMatches, id: &str, flag: &str, var: &str) -> (Source, String) {
    match matches.value_source(id) {
        Some(ValueSource::EnvVariable) => (Source::Env, var.to_string()),
        _ => (Source::Flag, flag.to_string()),
    }
}

/// The value of a global flag (given or from its variable), else the file's, else `default`.
fn pick<T>(
    matches: &ArgMatches,
    (id, flag, var): (&str, &str, &str),
    given: Option<T>,
    file: Option<(T, String)>,
    default: T,
) -> Setting<T> {
    if let Some(value) = given {
        let (source, origin) = flag_source(matches, id, flag, var);
        return Setting {
            value,
            source,
            origin,
        };
    }
    match file {
        Some((value, origin)) => Setting {
            value,
            source: Source::File,
            origin,
        },
        None => Setting::default(default),
    }
}

impl Settings {
    /// Read the settings: the flags and their variables (`matches`, `args`), the rest of the
    /// environment (`env`), then the settings file. An error names the flag, variable or file
    /// (and line) and says what is wrong.
    pub fn load(
        matches: &ArgMatches,
        args: &GlobalArgs,
        env: &Environment,
    ) -> Result<Self, String> {
        let config_dir = match &args.config_dir {
            Some(dir) => {
                let (source, origin) =
                    flag_source(matches, "config_dir", "--config-dir", "BATCHOPS_CONFIG_DIR");
                Setting {
                    value: Some(dir.clone()),
                    source,
                    origin,
                }
            }
            None => Setting::default(input::config_dir::platform_config_dir()),
        };
        let config_file = match &args.config {
            Some(file) => {
                let (source, origin) =
                    flag_source(matches, "config", "--config", "BATCHOPS_CONFIG");
                Setting {
                    value: Some(file.clone()),
                    source,
                    origin,
                }
            }
            None => Setting::default(config_dir.value.as_ref().map(|d| d.join(SETTINGS_FILE))),
        };
        let (file, config_file_read) = match &config_file.value {
            Some(path) => read_file(path, config_file.source != Source::Default)?,
            None => (FileSettings::default(), false),
        };
        // A relative path in the file is relative to the file's directory.
        let beside_file = |p: PathBuf| match config_file.value.as_ref().and_then(|f| f.parent()) {
            Some(dir) if p.is_relative() => dir.join(p),
            _ => p,
        };
        let file = FileSettings {
            lexicon: file.lexicon.map(beside_file),
            catalog_cache: file.catalog_cache.map(beside_file),
            log_file: file.log_file.map(beside_file),
            ..file
        };
        let key = |name: &str| match &config_file.value {
            Some(path) => format!("{}: {name}", path.display()),
            None => name.to_string(),
        };

        let database_url = pick(
            matches,
            ("database_url", "--database-url", "DATABASE_URL"),
            args.database_url.clone(),
            file.database_url.map(|v| (v, key("database_url"))),
            crate::store::default_url(),
        );
        let lexicon = pick(
            matches,
            ("lexicon", "--lexicon", "BATCHOPS_LEXICON"),
            args.lexicon.clone().map(Some),
            file.lexicon.map(|v| (Some(v), key("lexicon"))),
            None,
        );
        let mut catalog_cache = pick(
            matches,
            ("catalog_cache", "--catalog-cache", "BATCHOPS_CATALOG_CACHE"),
            args.catalog_cache.clone().map(Some),
            file.catalog_cache.map(|v| (Some(v), key("catalog_cache"))),
            input::config_dir::platform_catalog_cache_dir(),
        );
        if catalog_cache.value.as_deref() == Some(Path::new("off")) {
            catalog_cache.value = None;
        }
        let spool_given = args
            .spool_limit
            .as_deref()
            .map(|text| {
                input::parse_spool_limit(text).map_err(|e| {
                    let (_, origin) = flag_source(
                        matches,
                        "spool_limit",
                        "--spool-limit",
                        input::SPOOL_LIMIT_ENV,
                    );
                    format!("{origin}: {e}")
                })
            })
            .transpose()?;
        let spool_file = file
            .spool_limit
            .map(|v| {
                let k = key("spool_limit");
                match &v {
                    toml::Value::Integer(n) if *n >= 0 => Ok((*n as u64, k)),
                    toml::Value::String(s) => input::parse_spool_limit(s)
                        .map(|n| (n, k.clone()))
                        .map_err(|e| format!("{k}: {e}")),
                    other => Err(format!(
                        "{k}: {other} is not a size (e.g. \"500M\", \"2G\")"
                    )),
                }
            })
            .transpose()?;
        let spool_limit = pick(
            matches,
            ("spool_limit", "--spool-limit", input::SPOOL_LIMIT_ENV),
            spool_given,
            spool_file,
            SpoolLimits::default().max_bytes,
        );
        let wait_given = args
            .pipe_wait
            .as_deref()
            .map(|text| {
                input::parse_pipe_wait(text).map_err(|e| {
                    let (_, origin) =
                        flag_source(matches, "pipe_wait", "--pipe-wait", input::PIPE_WAIT_ENV);
                    format!("{origin}: {e}")
                })
            })
            .transpose()?;
        let wait_file = file
            .pipe_wait
            .map(|v| {
                let k = key("pipe_wait");
                let text = match &v {
                    toml::Value::Integer(n) => n.to_string(),
                    toml::Value::Float(f) => f.to_string(),
                    toml::Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                input::parse_pipe_wait(&text)
                    .map(|d| (d, k.clone()))
                    .map_err(|e| format!("{k}: {e}"))
            })
            .transpose()?;
        let pipe_wait = pick(
            matches,
            ("pipe_wait", "--pipe-wait", input::PIPE_WAIT_ENV),
            wait_given,
            wait_file,
            SpoolLimits::default().wait,
        );
        let stale_given = args
            .stale_after_seconds
            .as_deref()
            .map(|text| {
                text.trim()
                    .parse::<i64>()
                    .ok()
                    .filter(|s| *s >= 0)
                    .ok_or_else(|| {
                        let (_, origin) = flag_source(
                            matches,
                            "stale_after_seconds",
                            "--stale-after-seconds",
                            "BATCHOPS_STALE_AFTER_SECONDS",
                        );
                        format!("{origin}: {text:?} is not a number of seconds from 0")
                    })
            })
            .transpose()?;
        let stale_file = match file.stale_after_seconds {
            Some(s) if s < 0 => {
                return Err(format!(
                    "{}: {s} is not a number of seconds from 0",
                    key("stale_after_seconds")
                ));
            }
            Some(s) => Some((s, key("stale_after_seconds"))),
            None => None,
        };
        let stale_after_seconds = pick(
            matches,
            (
                "stale_after_seconds",
                "--stale-after-seconds",
                "BATCHOPS_STALE_AFTER_SECONDS",
            ),
            stale_given,
            stale_file,
            crate::store::STALE_AFTER_SECONDS,
        );
        let log_file = pick(
            matches,
            ("log_file", "--log-file", "BATCHOPS_LOG_FILE"),
            args.log_file.clone().map(Some),
            file.log_file.map(|v| (Some(v), key("log_file"))),
            None,
        );

        let verbosity = if args.quiet {
            Setting {
                value: Verbosity::Quiet,
                source: Source::Flag,
                origin: "--quiet".into(),
            }
        } else if args.verbose > 0 {
            Setting {
                value: Verbosity::Verbose(args.verbose),
                source: Source::Flag,
                origin: format!("-{}", "v".repeat(usize::from(args.verbose))),
            }
        } else {
            Setting::default(Verbosity::Normal)
        };
        let log = match verbosity.value {
            Verbosity::Quiet => Setting {
                value: "error".into(),
                source: Source::Flag,
                origin: "--quiet".into(),
            },
            Verbosity::Verbose(n) => Setting {
                value: match n {
                    1 => "info",
                    2 => "debug",
                    _ => "trace",
                }
                .into(),
                source: Source::Flag,
                origin: verbosity.origin.clone(),
            },
            Verbosity::Normal => match (&env.rust_log, file.log) {
                (Some(filter), _) => Setting {
                    value: filter.clone(),
                    source: Source::Env,
                    origin: "RUST_LOG".into(),
                },
                (None, Some(filter)) => Setting {
                    value: filter,
                    source: Source::File,
                    origin: key("log"),
                },
                (None, None) => Setting::default("warn".into()),
            },
        };
        let no_color = match (&env.no_color, file.no_color) {
            (Some(_), _) => Setting {
                value: true,
                source: Source::Env,
                origin: "NO_COLOR".into(),
            },
            (None, Some(v)) => Setting {
                value: v,
                source: Source::File,
                origin: key("no_color"),
            },
            (None, None) => Setting::default(false),
        };
        // The login name is the default: an operator named in the file wins over it.
        let operator = match (file.operator, &env.login) {
            (Some(name), _) => Setting {
                value: name,
                source: Source::File,
                origin: key("operator"),
            },
            (None, Some(login)) => Setting {
                value: login.clone(),
                source: Source::Default,
                origin: "the login name ($USER)".into(),
            },
            (None, None) => Setting::default("operator".into()),
        };

        Ok(Settings {
            config_dir,
            config_file,
            config_file_read,
            database_url,
            lexicon,
            catalog_cache,
            operator,
            spool_limit,
            pipe_wait,
            stale_after_seconds,
            log_file,
            log,
            no_color,
            verbosity,
        })
    }

    /// Hand the lower layers what they read from the settings (each keeps the first value it is
    /// given, so call once, at start).
    pub fn install(&self) {
        if let Some(dir) = &self.config_dir.value {
            input::config_dir::install(dir.clone());
        }
        SpoolLimits::install(SpoolLimits {
            max_bytes: self.spool_limit.value,
            wait: self.pipe_wait.value,
        });
        crate::store::install_stale_after_seconds(self.stale_after_seconds.value);
        crate::store::catalog_cache::install(self.catalog_cache.value.clone());
        crate::engine::options::install_default_operator(self.operator.value.clone());
        crate::commands::output::set_quiet(self.verbosity.value == Verbosity::Quiet);
        crate::commands::set_progress_verbosity(self.verbosity.value);
    }

    /// Each setting as `batchops config` shows it: name, value (a database password redacted),
    /// source, origin.
    pub fn rows(&self) -> Vec<SettingRow> {
        fn path(p: &Option<PathBuf>) -> String {
            p.as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_else(|| "(none)".into())
        }
        fn row<T>(name: &str, s: &Setting<T>, value: String) -> SettingRow {
            SettingRow {
                name: name.into(),
                value,
                source: s.source,
                origin: s.origin.clone(),
            }
        }
        let file = match (&self.config_file.value, self.config_file_read) {
            (Some(p), true) => p.display().to_string(),
            (Some(p), false) => format!("{} (not found)", p.display()),
            (None, _) => "(none)".into(),
        };
        vec![
            row("config_file", &self.config_file, file),
            row("config_dir", &self.config_dir, path(&self.config_dir.value)),
            row(
                "database_url",
                &self.database_url,
                crate::store::redact_url(&self.database_url.value),
            ),
            row("lexicon", &self.lexicon, path(&self.lexicon.value)),
            row(
                "catalog_cache",
                &self.catalog_cache,
                self.catalog_cache
                    .value
                    .as_ref()
                    .map_or_else(|| "off".into(), |p| p.display().to_string()),
            ),
            row("operator", &self.operator, self.operator.value.clone()),
            row(
                "spool_limit",
                &self.spool_limit,
                self.spool_limit.value.to_string(),
            ),
            row(
                "pipe_wait",
                &self.pipe_wait,
                format!("{}", self.pipe_wait.value.as_secs_f64()),
            ),
            row(
                "stale_after_seconds",
                &self.stale_after_seconds,
                self.stale_after_seconds.value.to_string(),
            ),
            row("log_file", &self.log_file, path(&self.log_file.value)),
            row("log", &self.log, self.log.value.clone()),
            row("no_color", &self.no_color, self.no_color.value.to_string()),
            row(
                "verbosity",
                &self.verbosity,
                match self.verbosity.value {
                    Verbosity::Quiet => "quiet".into(),
                    Verbosity::Normal => "normal".into(),
                    Verbosity::Verbose(n) => format!("verbose ({n})"),
                },
            ),
        ]
    }
}

/// One line of `batchops config`.
#[derive(Debug, Clone, Serialize)]
pub struct SettingRow {
    pub name: String,
    pub value: String,
    pub source: Source,
    /// The flag, variable or file key that gave the value (empty for a default).
    pub origin: String,
}

/// Read the settings file. A missing file is no error unless it was named (`required`).
fn read_file(path: &Path, required: bool) -> Result<(FileSettings, bool), String> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !required => {
            return Ok((FileSettings::default(), false));
        }
        Err(e) => return Err(format!("settings file {}: {e}", path.display())),
    };
    let parsed: FileSettings = toml::from_str(&text).map_err(|e| {
        let at = e
            .span()
            .map(|span| {
                let line = text[..span.start.min(text.len())].matches('\n').count() + 1;
                format!(" line {line}:")
            })
            .unwrap_or_default();
        format!("settings file {}:{at} {}", path.display(), e.message())
    })?;
    Ok((parsed, true))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::Cli;
    use clap::{CommandFactory, FromArgMatches};

    fn load(args: &[&str], env: &Environment, file: Option<&str>) -> Settings {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.toml");
        let mut argv = vec!["batchops".to_string()];
        if let Some(text) = file {
            std::fs::write(&path, text).unwrap();
            argv.push("--config".into());
            argv.push(path.display().to_string());
        }
        argv.extend(args.iter().map(|a| a.to_string()));
        argv.push("config".into());
        let matches = Cli::command().try_get_matches_from(argv).unwrap();
        let cli = Cli::from_arg_matches(&matches).unwrap();
        Settings::load(&matches, &cli.global, env).unwrap()
    }

    #[test]
    fn the_log_filter_comes_from_the_flags_then_rust_log_then_the_file() {
        let env = Environment {
            rust_log: Some("debug".into()),
            ..Environment::default()
        };
        let file = Some("log = \"info\"\n");
        let s = load(&[], &Environment::default(), None);
        assert_eq!(
            (s.log.value.as_str(), s.log.source),
            ("warn", Source::Default)
        );
        let s = load(&[], &Environment::default(), file);
        assert_eq!((s.log.value.as_str(), s.log.source), ("info", Source::File));
        let s = load(&[], &env, file);
        assert_eq!((s.log.value.as_str(), s.log.source), ("debug", Source::Env));
        let s = load(&["-q"], &env, file);
        assert_eq!(
            (s.log.value.as_str(), s.log.source),
            ("error", Source::Flag)
        );
        assert_eq!(s.verbosity.value, Verbosity::Quiet);
        let s = load(&["-vv"], &env, file);
        assert_eq!(s.verbosity.value, Verbosity::Verbose(2));
        assert_eq!(s.log.value, "debug");
        assert_eq!(s.log.origin, "-vv");
    }

    #[test]
    fn the_files_operator_wins_over_the_login_name_and_no_color_over_the_file() {
        let env = Environment {
            login: Some("root".into()),
            no_color: Some("1".into()),
            ..Environment::default()
        };
        let s = load(&[], &env, None);
        assert_eq!(s.operator.value, "root");
        assert_eq!(s.operator.source, Source::Default);
        assert!(s.no_color.value);
        let s = load(&[], &env, Some("operator = \"alice\"\nno_color = false\n"));
        assert_eq!(
            (s.operator.value.as_str(), s.operator.source),
            ("alice", Source::File)
        );
        assert_eq!((s.no_color.value, s.no_color.source), (true, Source::Env));
    }

    #[test]
    fn relative_paths_in_the_file_are_relative_to_it() {
        let s = load(
            &[],
            &Environment::default(),
            Some("lexicon = \"words.toml\"\n"),
        );
        let lexicon = s.lexicon.value.unwrap();
        assert!(lexicon.is_absolute(), "{}", lexicon.display());
        assert!(lexicon.ends_with("words.toml"));
    }
}
