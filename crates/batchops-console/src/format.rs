//! Number, duration and text formatting shared by the render modules.

use crate::report::escape_control;
use std::time::Duration;
use unicode_width::UnicodeWidthStr;

/// `1234567` → `1,234,567`.
pub fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A count in at most 7 columns: `41`, `12,345`, `280.0k`, `1.00M`.
pub fn compact(n: u64) -> String {
    if n < 100_000 {
        count(n)
    } else if n < 1_000_000 {
        format!("{:.1}k", n as f64 / 1000.0)
    } else {
        format!("{:.2}M", n as f64 / 1_000_000.0)
    }
}

/// A rate in items per second, without false precision.
pub fn rate(per_second: f64) -> String {
    if !per_second.is_finite() || per_second <= 0.0 {
        "—".into()
    } else if per_second < 10.0 {
        format!("{per_second:.1}")
    } else {
        count(per_second.round() as u64)
    }
}

/// Seconds as measured: `0.012 s`, `4.20 s`, `1m05s`, `2h03m`.
pub fn seconds(s: f64) -> String {
    if !s.is_finite() || s < 0.0 {
        return "—".into();
    }
    if s < 1.0 {
        format!("{s:.3} s")
    } else if s < 60.0 {
        format!("{s:.2} s")
    } else {
        duration(Duration::from_secs_f64(s))
    }
}

/// A coarse duration: `42s`, `1m05s`, `2h03m`.
pub fn duration(d: Duration) -> String {
    let s = d.as_secs();
    if s < 60 {
        format!("{s}s")
    } else if s < 3600 {
        format!("{}m{:02}s", s / 60, s % 60)
    } else {
        format!("{}h{:02}m", s / 3600, (s % 3600) / 60)
    }
}

/// Elapsed time in a log: `mm:ss.t`.
pub fn clock(d: Duration) -> String {
    let tenths = d.as_millis() / 100;
    format!(
        "{:02}:{:02}.{}",
        tenths / 600,
        (tenths / 10) % 60,
        tenths % 10
    )
}

/// Data made safe to draw (control characters escaped) and kept on one line.
pub fn safe(s: &str) -> String {
    escape_control(s).into_owned()
}

/// Cut `s` to at most `width` columns, marking a cut with `…` (at the start when `keep_end`).
pub fn fit(s: &str, width: usize, keep_end: bool) -> String {
    if s.width() <= width {
        return s.to_string();
    }
    if width == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    if keep_end {
        let mut tail: Vec<char> = Vec::new();
        for c in s.chars().rev() {
            let w = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
            if used + w > width - 1 {
                break;
            }
            used += w;
            tail.push(c);
        }
        out.push('…');
        out.extend(tail.into_iter().rev());
    } else {
        for c in s.chars() {
            let w = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
            if used + w > width - 1 {
                break;
            }
            used += w;
            out.push(c);
        }
        out.push('…');
    }
    out
}

/// A text progress bar of `width` cells, with eighth-block precision.
pub fn bar(ratio: f64, width: usize) -> (String, String) {
    const PARTS: [char; 8] = [' ', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];
    let ratio = if ratio.is_finite() {
        ratio.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let eighths = (ratio * width as f64 * 8.0).round() as usize;
    let full = eighths / 8;
    let part = eighths % 8;
    let mut done = "█".repeat(full);
    let mut used = full;
    if part > 0 && used < width {
        done.push(PARTS[part]);
        used += 1;
    }
    (done, "░".repeat(width.saturating_sub(used)))
}

/// A share as a percentage, `—` when the total is unknown.
pub fn percent(done: u64, total: u64) -> String {
    if total == 0 {
        "—".into()
    } else {
        format!("{:.0}%", (done as f64 * 100.0 / total as f64).min(100.0))
    }
}

/// `1 item`, `2 items`: a count with its noun, thousands separated.
pub fn plural(n: u64, one: &str, many: &str) -> String {
    let noun = if n == 1 { one } else { many };
    format!("{} {noun}", count(n))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_easily() {
        assert_eq!(count(0), "0");
        assert_eq!(count(1234), "1,234");
        assert_eq!(count(1_000_000), "1,000,000");
        assert_eq!(rate(3.25), "3.2");
        assert_eq!(compact(280_000), "280.0k");
        assert_eq!(compact(1_000_000), "1.00M");
        assert_eq!(rate(12345.6), "12,346");
        assert_eq!(rate(0.0), "—");
        assert_eq!(seconds(0.0123), "0.012 s");
        assert_eq!(seconds(65.0), "1m05s");
        assert_eq!(clock(Duration::from_millis(61_250)), "01:01.2");
    }

    #[test]
    fn text_is_cut_to_fit() {
        assert_eq!(fit("abcdef", 4, false), "abc…");
        assert_eq!(fit("abcdef", 4, true), "…def");
        assert_eq!(fit("abc", 4, false), "abc");
    }

    #[test]
    fn bars_fill_by_eighths() {
        assert_eq!(bar(0.5, 4), ("██".to_string(), "░░".to_string()));
        assert_eq!(bar(1.0, 3).1, "");
        assert_eq!(bar(0.0, 3), (String::new(), "░░░".to_string()));
    }
}
