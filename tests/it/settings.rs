//! The settings: flags, environment and the settings file read once at start, a flag over the
//! environment over the file over the default, as `batchops config` shows them; and the settings
//! reach the commands.

use crate::support::binary::{bin, json, text};
use crate::support::files::sample;
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

/// `batchops` with the configuration directory `dir` (so its `config.toml` is the settings file)
/// and none of the settings' variables inherited from the caller.
fn batchops_in(dir: &Path) -> Command {
    let mut c = bin();
    for var in [
        "BATCHOPS_CONFIG",
        "BATCHOPS_LEXICON",
        "BATCHOPS_SPOOL_LIMIT",
        "BATCHOPS_PIPE_WAIT",
        "BATCHOPS_LOG_FILE",
        "NO_COLOR",
    ] {
        c.env_remove(var);
    }
    c.env("BATCHOPS_CONFIG_DIR", dir).current_dir(dir);
    c
}

/// `batchops config --format json` as a map: name → (value, source, origin).
fn settings(out: &Output) -> Vec<(String, String, String, String)> {
    assert!(out.status.success(), "{}", text(out));
    let rows = json(out);
    rows.as_array()
        .unwrap_or_else(|| panic!("a list of settings: {rows}"))
        .iter()
        .map(|r| {
            let s = |k: &str| {
                r[k].as_str()
                    .unwrap_or_else(|| panic!("{k} in {r}"))
                    .to_string()
            };
            (s("name"), s("value"), s("source"), s("origin"))
        })
        .collect()
}

fn setting(rows: &[(String, String, String, String)], name: &str) -> (String, String) {
    let r = rows
        .iter()
        .find(|r| r.0 == name)
        .unwrap_or_else(|| panic!("no setting {name} in {rows:?}"));
    (r.1.clone(), r.2.clone())
}

#[test]
fn a_flag_beats_the_environment_beats_the_file_beats_the_default() {
    let dir = tempfile::tempdir().unwrap();
    let config = |extra: &[&str], env: &[(&str, &str)]| {
        let mut c = batchops_in(dir.path());
        c.args(extra).args(["config", "--format", "json"]);
        for (k, v) in env {
            c.env(k, v);
        }
        settings(&c.output().expect("run batchops config"))
    };
    // (setting, flag and its value, variable and its value, the file's line and its value,
    // the default)
    let cases = [
        (
            "database_url",
            ["--database-url", "sqlite:flag.db"],
            ("DATABASE_URL", "sqlite:env.db"),
            ("database_url = \"sqlite:file.db\"", "sqlite:file.db"),
            "sqlite:batchops.db",
        ),
        (
            "spool_limit",
            ["--spool-limit", "3K"],
            ("BATCHOPS_SPOOL_LIMIT", "2K"),
            ("spool_limit = \"1K\"", "1024"),
            "1073741824",
        ),
        (
            "pipe_wait",
            ["--pipe-wait", "7"],
            ("BATCHOPS_PIPE_WAIT", "6"),
            ("pipe_wait = 5", "5"),
            "60",
        ),
        (
            "log_file",
            ["--log-file", "flag.log"],
            ("BATCHOPS_LOG_FILE", "env.log"),
            ("log_file = \"file.log\"", "file.log"),
            "(none)",
        ),
    ];
    let expected_flag = |name: &str| match name {
        "spool_limit" => "3072",
        "pipe_wait" => "7",
        "database_url" => "sqlite:flag.db",
        _ => "flag.log",
    };
    let expected_env = |name: &str| match name {
        "spool_limit" => "2048",
        "pipe_wait" => "6",
        "database_url" => "sqlite:env.db",
        _ => "env.log",
    };
    let settings_file = dir.path().join("config.toml");
    for (name, flag, env, (file_line, file_value), default) in cases {
        let _ = std::fs::remove_file(&settings_file);
        assert_eq!(
            setting(&config(&[], &[]), name),
            (default.to_string(), "default".to_string()),
            "{name} with nothing set"
        );
        std::fs::write(&settings_file, format!("{file_line}\n")).unwrap();
        // A relative path in the file is relative to the file's directory.
        let file_value = if name == "log_file" {
            dir.path().join(file_value).display().to_string()
        } else {
            file_value.to_string()
        };
        assert_eq!(
            setting(&config(&[], &[]), name),
            (file_value, "file".to_string()),
            "{name} from the file"
        );
        assert_eq!(
            setting(&config(&[], &[env]), name),
            (expected_env(name).to_string(), "env".to_string()),
            "{name}: the environment over the file"
        );
        assert_eq!(
            setting(&config(&flag, &[env]), name),
            (expected_flag(name).to_string(), "flag".to_string()),
            "{name}: the flag over the environment and the file"
        );
    }
}

#[test]
fn the_settings_file_can_be_named_by_flag_or_variable_and_a_missing_named_one_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let other = dir.path().join("other.toml");
    std::fs::write(&other, "operator = \"from-other\"\n").unwrap();
    std::fs::write(
        dir.path().join("config.toml"),
        "operator = \"from-default-file\"\n",
    )
    .unwrap();
    let run = |args: &[&str], env: &[(&str, &str)]| {
        let mut c = batchops_in(dir.path());
        c.args(args).args(["config", "--format", "json"]);
        for (k, v) in env {
            c.env(k, v);
        }
        c.output().expect("run batchops config")
    };
    let other_s = other.to_str().unwrap();
    assert_eq!(
        setting(&settings(&run(&[], &[])), "operator").0,
        "from-default-file"
    );
    let by_flag = settings(&run(&["--config", other_s], &[]));
    assert_eq!(setting(&by_flag, "operator").0, "from-other");
    assert_eq!(
        setting(&by_flag, "config_file"),
        (other_s.to_string(), "flag".to_string())
    );
    let by_env = settings(&run(&[], &[("BATCHOPS_CONFIG", other_s)]));
    assert_eq!(setting(&by_env, "operator").0, "from-other");
    assert_eq!(setting(&by_env, "config_file").1, "env");

    let missing = dir.path().join("missing.toml");
    let out = run(&["--config", missing.to_str().unwrap()], &[]);
    assert_eq!(out.status.code(), Some(64), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("missing.toml"), "{err}");
}

#[test]
fn a_settings_file_with_an_unknown_key_or_a_bad_value_is_an_error_naming_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    for (content, line, reason) in [
        (
            "operator = \"x\"\ndatabse_url = \"sqlite:a.db\"\n",
            2,
            "databse_url",
        ),
        ("\n\nspool_limit = \"lots\"\n", 3, "not a size"),
    ] {
        std::fs::write(dir.path().join("config.toml"), content).unwrap();
        let out = batchops_in(dir.path())
            .arg("runs")
            .output()
            .expect("run batchops");
        assert_eq!(out.status.code(), Some(64), "{}", text(&out));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("config.toml"), "the file is named: {err}");
        assert!(err.contains(reason), "the reason is given: {err}");
        if reason == "databse_url" {
            assert!(
                err.contains(&format!("line {line}")),
                "the line is named: {err}"
            );
        }
        assert!(!dir.path().join("batchops.db").exists());
    }
}

#[test]
fn a_database_password_is_never_shown_whatever_gave_the_url() {
    let dir = tempfile::tempdir().unwrap();
    let url = "postgres://alice:hunter2-secret@db.example:5432/stock";
    std::fs::write(
        dir.path().join("config.toml"),
        format!("database_url = \"{url}\"\n"),
    )
    .unwrap();
    let from_file = batchops_in(dir.path())
        .arg("config")
        .output()
        .expect("config");
    let from_env = batchops_in(dir.path())
        .env("DATABASE_URL", url)
        .arg("config")
        .output()
        .expect("config");
    let from_flag = batchops_in(dir.path())
        .args(["--database-url", url, "config", "--format", "json"])
        .output()
        .expect("config");
    for (how, out) in [("file", from_file), ("env", from_env), ("flag", from_flag)] {
        assert!(out.status.success(), "{how}: {}", text(&out));
        let all = text(&out);
        assert!(!all.contains("hunter2"), "{how}: the password shows: {all}");
        assert!(
            all.contains("postgres://alice:***@db.example:5432/stock"),
            "{how}: the URL, redacted: {all}"
        );
        assert!(all.contains(how), "{how}: the source is named: {all}");
    }
}

/// The settings reach the commands: the file's database URL is where `import` writes, its
/// operator is who the run is recorded for.
#[test]
fn the_files_database_and_operator_are_the_ones_the_commands_use() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("from-file.db");
    std::fs::write(
        dir.path().join("config.toml"),
        format!(
            "database_url = \"sqlite:{}\"\noperator = \"carol\"\n",
            db.display()
        ),
    )
    .unwrap();
    let import = batchops_in(dir.path())
        .args(["import", "--format", "json"])
        .arg(sample("invoice-acme-2026-11.csv"))
        .output()
        .expect("import");
    assert!(
        import.status.code().is_some_and(|c| c != 64),
        "{}",
        text(&import)
    );
    assert!(db.exists(), "the file's database was written");
    assert!(!dir.path().join("batchops.db").exists());
    let runs = batchops_in(dir.path())
        .args(["runs", "--format", "json"])
        .output()
        .expect("runs");
    let rows: Value = json(&runs);
    assert_eq!(rows[0]["operator"], "carol", "{rows}");
    // A flag still wins over the file for this one command.
    let other = dir.path().join("flag.db");
    let out = batchops_in(dir.path())
        .arg("--database-url")
        .arg(format!("sqlite:{}", other.display()))
        .args(["import", "--operator", "dave", "--format", "json"])
        .arg(sample("invoice-acme-2026-11.csv"))
        .output()
        .expect("import");
    assert!(other.exists(), "{}", text(&out));
}
