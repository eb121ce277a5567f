//! Database URLs: the default, the redacted form every output uses, and the refusal of strings
//! that are not URLs.

/// `DATABASE_URL` is read by clap; this is the fallback: a SQLite file in the current directory.
pub fn default_url() -> String {
    "sqlite:batchops.db".to_string()
}

/// What is shown of a database string that is neither a URL nor a keyword/value string: nothing of
/// it (it may be a password pasted in the wrong place).
const NOT_SHOWN: &str = "(a database string that is not a URL; not shown)";

/// The form of a database string used everywhere it is shown (console, logs, reports, errors):
/// nothing of a password shows.
///
/// - A URL (`scheme://…`): the password of its userinfo becomes `***`, and so does every
///   `password=` parameter. A password typed without percent-encoding may hold `/`, `?`, `#` or
///   `@`, so it runs from the userinfo's `:` to the URL's last `@`; with no `@` at all, whatever
///   follows the host's `:` that is not a port number is hidden.
/// - `sqlite:PATH` and libpq keyword/value strings (`host=h user=u password=p`): every
///   `password=` value becomes `***`, quoted ones (`password='a b'`) whole.
/// - Anything else is not shown at all.
pub fn redact_url(url: &str) -> String {
    if url.contains("://") {
        hide_password_values(&redact_userinfo(url))
    } else if url.starts_with("sqlite:") || is_keyword_value(url) {
        hide_password_values(url)
    } else {
        NOT_SHOWN.to_string()
    }
}

/// A URL with the password of its userinfo replaced by `***`.
fn redact_userinfo(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return url.to_string();
    };
    let mut out = url.to_string();
    let rest_start = scheme_end + 3;
    let rest = &url[rest_start..];
    let hidden = match (rest.find(':'), rest.find('@'), rest.rfind('@')) {
        (Some(colon), Some(first_at), Some(last_at)) if colon < first_at => {
            Some(colon + 1..last_at)
        }
        (_, None, _) => not_a_port(rest),
        _ => None,
    };
    if let Some(range) = hidden {
        out.replace_range(rest_start + range.start..rest_start + range.end, "***");
    }
    out
}

/// In a URL's authority without `@` (`host:5432`, `[::1]:5432`), the part after the host's `:`
/// when it is not a port number: `user:secret` without its `@host`.
fn not_a_port(rest: &str) -> Option<std::ops::Range<usize>> {
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..end];
    let host_end = if authority.starts_with('[') {
        authority.find(']').map_or(authority.len(), |i| i + 1)
    } else {
        0
    };
    let colon = host_end + authority[host_end..].find(':')?;
    let port = &authority[colon + 1..];
    if port.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // The rest of the string may hold more of the secret ('/' in it): hide up to the end.
    Some(colon + 1..rest.len())
}

/// A libpq keyword/value connection string: `host=h user=u password=p dbname=d`, i.e. a
/// `keyword=` at its start.
pub fn is_keyword_value(text: &str) -> bool {
    let t = text.trim_start();
    let key_len = t
        .bytes()
        .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
        .count();
    key_len > 0 && t[key_len..].trim_start().starts_with('=')
}

/// Why a libpq keyword/value string is refused, with the URL to write instead (its password never
/// shown); `None` for any other string.
pub fn keyword_value_refusal(text: &str) -> Option<String> {
    if text.contains("://") || text.starts_with("sqlite:") || !is_keyword_value(text) {
        return None;
    }
    let pairs = keyword_values(text);
    let get = |key: &str| {
        pairs
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.as_str())
    };
    let user = get("user").unwrap_or("USER");
    let password = if get("password").is_some() {
        ":PASSWORD"
    } else {
        ""
    };
    let host = get("host").or(get("hostaddr")).unwrap_or("HOST");
    let port = get("port").map(|p| format!(":{p}")).unwrap_or_default();
    let db = get("dbname").unwrap_or("DBNAME");
    Some(format!(
        "a keyword/value connection string is not supported; write it as a URL: \
         postgres://{user}{password}@{host}{port}/{db} (special characters percent-encoded)"
    ))
}

/// The `keyword=value` pairs of a libpq string: values may be quoted with `'` (`\'` and `\\`
/// inside), spaces around `=` are allowed.
fn keyword_values(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = text;
    loop {
        rest = rest.trim_start();
        let Some(eq) = rest.find('=') else {
            return out;
        };
        let key = rest[..eq].trim().to_string();
        let after = rest[eq + 1..].trim_start();
        let (value, len) = value_at(after);
        out.push((key, value));
        rest = &after[len..];
    }
}

/// The value at the start of `text` (after `=`): its unquoted text and the bytes it spans. An
/// unquoted value runs to the next whitespace, so in a URL's query a password hides the
/// parameters after it too (more than the password, never less: it may hold `&`).
fn value_at(text: &str) -> (String, usize) {
    if let Some(quoted) = text.strip_prefix('\'') {
        let mut value = String::new();
        let mut chars = quoted.char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                '\\' => {
                    if let Some((_, next)) = chars.next() {
                        value.push(next);
                    }
                }
                '\'' => return (value, i + 2),
                c => value.push(c),
            }
        }
        return (value, text.len());
    }
    let len = text.find(char::is_whitespace).unwrap_or(text.len());
    (text[..len].to_string(), len)
}

/// Hide the password of every URL in a text (a driver's error message may quote one) and every
/// `password=` value (a URL's query, a keyword/value string).
pub fn redact_secrets(text: &str) -> String {
    let urls: Vec<String> = text.split(' ').map(redact_userinfo).collect();
    hide_password_values(&urls.join(" "))
}

/// Replace the value after every `password` keyword (`password=`, `password = '…'`, `&password=`,
/// `sslpassword=`) with `***`.
fn hide_password_values(text: &str) -> String {
    const KEY: &str = "password";
    let lower = text.to_ascii_lowercase();
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut from = 0;
    while let Some(found) = lower[from..].find(KEY) {
        let start = from + found;
        let key_end = start + KEY.len();
        from = key_end;
        let after_key = &text[key_end..];
        let spaces = after_key.len() - after_key.trim_start().len();
        if !after_key[spaces..].starts_with('=') {
            continue;
        }
        let value_start = key_end + spaces + 1;
        let after_eq = &text[value_start..];
        let lead = after_eq.len() - after_eq.trim_start().len();
        let (_, len) = value_at(&after_eq[lead..]);
        if len == 0 {
            continue;
        }
        out.push_str(&text[copied..value_start + lead]);
        out.push_str("***");
        copied = value_start + lead + len;
        from = copied;
    }
    out.push_str(&text[copied..]);
    out
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

    #[test]
    fn keyword_value_strings_show_without_their_passwords() {
        assert_eq!(
            redact_url("host=127.0.0.1 user=root password=S3cretK dbname=x"),
            "host=127.0.0.1 user=root password=*** dbname=x"
        );
        assert_eq!(
            redact_url("host=h password = 'a b\\' c' dbname=x"),
            "host=h password = *** dbname=x"
        );
        assert_eq!(
            redact_url("dbname=x PASSWORD='never closed"),
            "dbname=x PASSWORD=***"
        );
        assert_eq!(
            redact_url("host=h sslpassword=k3y"),
            "host=h sslpassword=***"
        );
        assert_eq!(
            redact_url("host=h password=a&b#c dbname=x"),
            "host=h password=*** dbname=x"
        );
        assert_eq!(
            redact_url("postgres://u@h/db?password=a&b&sslmode=require"),
            "postgres://u@h/db?password=***"
        );
    }

    #[test]
    fn strings_that_are_not_urls_are_not_shown() {
        for text in ["S3cretK", "root:S3cretK@127.0.0.1/test", "  ", ""] {
            assert_eq!(redact_url(text), NOT_SHOWN, "{text:?}");
        }
        assert_eq!(redact_url("postgres://root:S3cretK"), "postgres://root:***");
        assert_eq!(redact_url("postgres://h:5432/db"), "postgres://h:5432/db");
        assert_eq!(
            redact_url("postgres://[::1]:5432/db"),
            "postgres://[::1]:5432/db"
        );
    }

    #[test]
    fn a_keyword_value_string_is_refused_with_the_url_to_write() {
        let why = keyword_value_refusal(
            "host=127.0.0.1 port=5433 user=root password='S3 cretK' dbname=x",
        )
        .unwrap();
        assert!(!why.contains("S3"), "{why}");
        assert!(
            why.contains("postgres://root:PASSWORD@127.0.0.1:5433/x"),
            "{why}"
        );
        assert_eq!(keyword_value_refusal("postgres://u@h/db"), None);
        assert_eq!(keyword_value_refusal("sqlite:a=b.db"), None);
    }

    #[test]
    fn secrets_in_a_message_are_hidden() {
        assert_eq!(
            redact_secrets(
                "error at postgres://u:p@ss@h/db: password=x y; password authentication failed"
            ),
            "error at postgres://u:***@h/db: password=*** y; password authentication failed"
        );
    }
}
