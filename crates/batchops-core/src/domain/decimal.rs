//! Exact decimal rules shared by every reader and both stores: NUMERIC(18,4).

use rust_decimal::Decimal;

/// Digits after the point that the database keeps.
pub const SCALE: u32 = 4;
/// Largest absolute value NUMERIC(18,4) holds: 99,999,999,999,999.9999.
pub fn max_abs() -> Decimal {
    Decimal::from_i128_with_scale(999_999_999_999_999_999, SCALE)
}

/// How a number may be written, beyond plain notation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NumberSyntax {
    /// Exponent notation (`1e3`, `2.5E-2`): what a spreadsheet makes of a long or small number,
    /// not what anyone types; refused unless a source is known to write it.
    pub exponent: bool,
}

impl NumberSyntax {
    /// Plain notation only: the rule of every reader.
    pub const PLAIN: NumberSyntax = NumberSyntax { exponent: false };
}

/// Parse a decimal number written in plain notation, as an operator would type it in a CSV file.
///
/// Accepted: optional sign, ASCII digits, one optional `.` with digits, surrounding spaces.
/// Rejected with a reason: empty text, `NaN`, `Infinity`, exponent notation (`1E3`),
/// thousands separators (`1,000`, `1_000`), decimal commas (`1,5`), hexadecimal, non-ASCII digits,
/// more than 4 decimal places, and anything beyond NUMERIC(18,4). Negative zero becomes zero.
pub fn parse_exact(text: &str) -> Result<Decimal, String> {
    parse_with(text, NumberSyntax::PLAIN)
}

/// [`parse_exact`] with the notation `syntax` allows.
pub fn parse_with(text: &str, syntax: NumberSyntax) -> Result<Decimal, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err("is empty".into());
    }
    let lower = t.to_ascii_lowercase();
    let unsigned = lower.trim_start_matches(['+', '-']);
    if matches!(unsigned, "nan" | "inf" | "infinity") {
        return Err(format!("\"{t}\" is not a finite number"));
    }
    if unsigned.starts_with("0x") {
        return Err(format!("\"{t}\" is hexadecimal, not a decimal number"));
    }
    if t.contains(',') {
        return Err(format!(
            "\"{t}\" has a comma: use a point for decimals and no thousands separators"
        ));
    }
    if !t
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'+' | b'-' | b'e' | b'E'))
    {
        return Err(format!("\"{t}\" is not a decimal number"));
    }
    let (mantissa, exponent) = match lower.split_once('e') {
        Some((m, e)) => (m, Some(e)),
        None => (lower.as_str(), None),
    };
    let digits = mantissa.trim_start_matches(['+', '-']);
    if digits.is_empty()
        || digits.starts_with('.') && digits.len() == 1
        || mantissa.len() - digits.len() > 1
        || digits.contains(['+', '-'])
        || digits.matches('.').count() > 1
    {
        return Err(format!("\"{t}\" is not a decimal number"));
    }
    let value = match exponent {
        None => {
            let significant = digits.trim_start_matches('0').replace('.', "");
            if significant.len() > 28 {
                return Err(format!(
                    "\"{t}\" is out of range (at most 99999999999999.9999)"
                ));
            }
            Decimal::from_str_exact(mantissa)
                .map_err(|_| format!("\"{t}\" is not a decimal number"))?
        }
        Some(_) if !syntax.exponent => {
            // Say what the number would be, when it is one: the operator fixes the cell.
            let full = Decimal::from_scientific(&lower)
                .ok()
                .and_then(|v| check_range(v).ok())
                .map(|v| format!(" ({v})"))
                .unwrap_or_default();
            return Err(format!(
                "\"{t}\" is in exponent notation (a spreadsheet's rendering?): write the number \
                 out{full}"
            ));
        }
        Some(e) => {
            let e: i64 = e
                .parse()
                .map_err(|_| format!("\"{t}\" has an invalid exponent"))?;
            if !(-28..=14).contains(&e) {
                return Err(format!(
                    "\"{t}\" is out of range (at most 99999999999999.9999)"
                ));
            }
            Decimal::from_scientific(&lower).map_err(|_| format!("\"{t}\" is out of range"))?
        }
    };
    check_range(value).map_err(|why| format!("\"{t}\" {why}"))
}

/// Check a value fits NUMERIC(18,4) exactly; normalise its representation (no negative zero).
pub fn check_range(value: Decimal) -> Result<Decimal, String> {
    let v = value.normalize();
    if v.scale() > SCALE {
        return Err(format!("has more than {SCALE} decimal places"));
    }
    if v.abs() > max_abs() {
        return Err("is out of range (at most 99999999999999.9999)".into());
    }
    Ok(if v.is_zero() { Decimal::ZERO } else { v })
}

/// A value of NUMERIC(18,4) as a scaled integer (units of 0.0001), how SQLite stores it exactly.
pub fn to_units(value: Decimal) -> Option<i64> {
    let mut v = value;
    v.rescale(SCALE);
    if v.scale() != SCALE {
        return None;
    }
    i64::try_from(v.mantissa()).ok()
}

/// The inverse of [`to_units`].
pub fn from_units(units: i64) -> Decimal {
    Decimal::new(units, SCALE).normalize()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn accepts_plain_decimals() {
        assert_eq!(parse_exact("12").unwrap(), d("12"));
        assert_eq!(parse_exact(" 3.50 ").unwrap(), d("3.5"));
        assert_eq!(parse_exact("-0.0001").unwrap(), d("-0.0001"));
        assert_eq!(parse_exact("007").unwrap(), d("7"));
        assert_eq!(
            parse_exact("99999999999999.9999").unwrap(),
            d("99999999999999.9999")
        );
    }

    #[test]
    fn exponent_notation_is_refused_unless_allowed() {
        for (text, full) in [("1E3", "(1000)"), ("1e-2", "(0.01)"), ("2.5E+1", "(25)")] {
            let why = parse_exact(text).unwrap_err();
            assert!(why.contains("exponent notation"), "{text}: {why}");
            assert!(why.contains(full), "{text}: {why}");
        }
        assert!(!parse_exact("1e400").unwrap_err().contains("(1"));
        let allowed = NumberSyntax { exponent: true };
        assert_eq!(parse_with("1e3", allowed).unwrap(), d("1000"));
        assert_eq!(parse_with("2.5E-2", allowed).unwrap(), d("0.025"));
        assert!(parse_with("1e400", allowed).is_err());
    }

    #[test]
    fn negative_zero_is_zero() {
        let z = parse_exact("-0.00").unwrap();
        assert!(z.is_zero());
        assert!(!z.is_sign_negative());
    }

    #[test]
    fn rejects_what_is_not_exact() {
        for bad in [
            "",
            "NaN",
            "nan",
            "Infinity",
            "-inf",
            "1,5",
            "1,000",
            "1_000",
            "0x1F",
            "١٢",
            "1e400",
            "123456789012345678901234567890",
            "100000000000000",
            "0.00001",
            "1.2.3",
            "--1",
            "+",
            ".",
            "1e",
            "12abc",
        ] {
            assert!(parse_exact(bad).is_err(), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn units_round_trip() {
        for s in ["0", "0.1", "-12.3456", "99999999999999.9999"] {
            let v = d(s);
            assert_eq!(from_units(to_units(v).unwrap()), v.normalize());
        }
    }
}
