//! Database URLs: the default and the redacted form every output uses.

/// `DATABASE_URL` is read by clap; this is the fallback: a SQLite file in the current directory.
pub fn default_url() -> String {
    "sqlite:batchops.db".to_string()
}

/// Replace the password of a URL with `***`, and any `password=` query parameter too.
/// Used for every URL shown in the console, logs, reports and errors.
pub fn redact_url(url: &str) -> String {
    let mut out = url.to_string();
    if let Some(scheme_end) = out.find("://") {
        let rest_start = scheme_end + 3;
        let rest = &out[rest_start..];
        // A password that was not percent-encoded may hold '/', '?', '#' or '@', so it runs from
        // the userinfo's ':' to the URL's last '@' (when that ':' comes before any '@'). A query
        // holding an '@' makes this hide more than the password, never less.
        if let (Some(colon), Some(first_at), Some(last_at)) =
            (rest.find(':'), rest.find('@'), rest.rfind('@'))
            && colon < first_at
        {
            out.replace_range(rest_start + colon + 1..rest_start + last_at, "***");
        }
    }
    redact_query_password(&out)
}

fn redact_query_password(url: &str) -> String {
    let Some(q) = url.find('?') else {
        return url.to_string();
    };
    let (head, query) = url.split_at(q + 1);
    let parts: Vec<String> = query
        .split('&')
        .map(|kv| match kv.split_once('=') {
            Some((k, _)) if k.eq_ignore_ascii_case("password") => format!("{k}=***"),
            _ => kv.to_string(),
        })
        .collect();
    format!("{head}{}", parts.join("&"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_show() {
        assert_eq!(
            redact_url("postgres://root:s3cr%40t@db:5432/test"),
            "postgres://root:***@db:5432/test"
        );
        assert_eq!(
            redact_url("postgres://u@h/db?sslmode=require&password=hunter2"),
            "postgres://u@h/db?sslmode=require&password=***"
        );
        assert_eq!(
            redact_url("postgres://root@127.0.0.1/test"),
            "postgres://root@127.0.0.1/test"
        );
        assert_eq!(redact_url("sqlite:batchops.db"), "sqlite:batchops.db");
        assert_eq!(redact_url("postgres://a:b:c@h/d"), "postgres://a:***@h/d");
        // Passwords typed without percent-encoding: nothing of them shows.
        for url in [
            "postgres://u:se/cret@h:1/db",
            "postgres://u:se?cret@h:1/db",
            "postgres://u:se#cret@h:1/db",
            "postgres://u:p@ss/w@rd@h:1/db",
        ] {
            assert_eq!(redact_url(url), "postgres://u:***@h:1/db", "{url}");
        }
        assert_eq!(
            redact_url("postgres://u@h:5432/db?application_name=me@corp"),
            "postgres://u@h:5432/db?application_name=me@corp",
            "no password: nothing hidden"
        );
    }
}
