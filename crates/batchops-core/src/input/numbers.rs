//! Number conventions of a supplier file, settled once per file from the evidence of its number
//! columns, never guessed per value.
//!
//! - A value whose separators can only be read one way settles the decimal mark: `2.500,25`,
//!   `1,5`, `1.234.567` (decimal comma); `1,234.50`, `12.50`, `0.125` (decimal point).
//! - A value that reads two ways (`1.200`: 1200 or 1.2) settles nothing. A file where such a
//!   value is the only evidence, or where two values settle opposite marks, is refused whole
//!   (see [`Evidence::settle`]), naming the place, the column and both readings.
//! - Currency symbols and codes (`€`, `$`, `£`, `EUR`, `CHF`…) before or after a number are set
//!   aside and noted; two currencies in one file refuse it.
//! - Thousands separators: the other mark, spaces (also no-break spaces) and `'`, in groups of three.

use rust_decimal::Decimal;
use std::str::FromStr;

/// The decimal mark of a file's numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DecimalMark {
    Point,
    Comma,
}

impl DecimalMark {
    pub fn as_str(self) -> &'static str {
        match self {
            DecimalMark::Point => "point",
            DecimalMark::Comma => "comma",
        }
    }
    fn char(self) -> char {
        match self {
            DecimalMark::Point => '.',
            DecimalMark::Comma => ',',
        }
    }
    fn other(self) -> DecimalMark {
        match self {
            DecimalMark::Point => DecimalMark::Comma,
            DecimalMark::Comma => DecimalMark::Point,
        }
    }
    /// `decimal comma, thousands point` / `decimal point, thousands comma`.
    pub fn describe(self) -> String {
        format!(
            "decimal {}, thousands {}",
            self.as_str(),
            self.other().as_str()
        )
    }
}

impl std::str::FromStr for DecimalMark {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "point" | "." | "dot" => Ok(DecimalMark::Point),
            "comma" | "," => Ok(DecimalMark::Comma),
            _ => Err(format!("unknown decimal mark {s:?}: use comma or point")),
        }
    }
}

/// Currency symbols and codes, as written → the code they are kept as (longest first).
const CURRENCIES: &[(&str, &str)] = &[
    ("US$", "USD"),
    ("EUR", "EUR"),
    ("USD", "USD"),
    ("GBP", "GBP"),
    ("CHF", "CHF"),
    ("SEK", "SEK"),
    ("NOK", "NOK"),
    ("DKK", "DKK"),
    ("PLN", "PLN"),
    ("CZK", "CZK"),
    ("CAD", "CAD"),
    ("AUD", "AUD"),
    ("JPY", "JPY"),
    ("€", "EUR"),
    ("£", "GBP"),
    ("$", "USD"),
    ("¥", "JPY"),
];

const GROUP_SEPARATORS: [char; 4] = [' ', '\u{a0}', '\u{202f}', '\''];

/// A number as written, with its currency and sign set aside.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Written<'a> {
    negative: bool,
    /// Digits and separators only, at least one digit.
    core: &'a str,
    currency: Option<&'static str>,
}

fn strip_currency(s: &str) -> (&str, Option<&'static str>) {
    for (written, code) in CURRENCIES {
        if let Some(rest) = s.strip_prefix(written) {
            return (rest.trim(), Some(code));
        }
        if let Some(rest) = s.strip_suffix(written) {
            return (rest.trim(), Some(code));
        }
    }
    (s, None)
}

/// `None` when the text is not written like a number at all (left to the usual checks).
fn written(text: &str) -> Option<Written<'_>> {
    let mut s = text.trim();
    let mut negative = false;
    if let Some(inner) = s.strip_prefix('(').and_then(|r| r.strip_suffix(')')) {
        negative = true;
        s = inner.trim();
    }
    let (rest, mut currency) = strip_currency(s);
    s = rest;
    for _ in 0..2 {
        // A sign stands next to the number (`- 1` is not one).
        if let Some(r) = s.strip_prefix('-') {
            negative = !negative;
            s = r;
        } else if let Some(r) = s.strip_prefix('+') {
            s = r;
        } else if let Some(r) = s.strip_suffix('-') {
            negative = !negative;
            s = r;
        }
        if currency.is_none() {
            let (rest, c) = strip_currency(s);
            s = rest;
            currency = c;
        }
    }
    let ok = s.chars().any(|c| c.is_ascii_digit())
        && s.chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == ',' || GROUP_SEPARATORS.contains(&c));
    let starts_with_digit_or_mark = s
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_digit() || c == '.' || c == ',');
    (ok && starts_with_digit_or_mark).then_some(Written {
        negative,
        core: s,
        currency,
    })
}

/// What one value says about the decimal mark.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Says {
    Nothing,
    Settles(DecimalMark),
    /// One mark, once, followed by three digits: reads either way.
    TwoWays(DecimalMark),
}

fn says(core: &str) -> Says {
    let points = core.matches('.').count();
    let commas = core.matches(',').count();
    match (points, commas) {
        (0, 0) => Says::Nothing,
        (_, 0) if points > 1 => Says::Settles(DecimalMark::Comma),
        (0, _) if commas > 1 => Says::Settles(DecimalMark::Point),
        (_, 0) | (0, _) => {
            let mark = if points == 1 {
                DecimalMark::Point
            } else {
                DecimalMark::Comma
            };
            let (int, frac) = core.split_once(mark.char()).unwrap_or((core, ""));
            let int_digits: String = int.chars().filter(char::is_ascii_digit).collect();
            let grouped_before = int.contains(GROUP_SEPARATORS);
            if frac.len() != 3
                || int_digits.is_empty()
                || int_digits.starts_with('0')
                || int_digits.len() > 3
                || grouped_before
            {
                Says::Settles(mark)
            } else {
                Says::TwoWays(mark)
            }
        }
        _ => {
            // Both marks: the last one is the decimal mark.
            let last_point = core.rfind('.').unwrap_or(0);
            let last_comma = core.rfind(',').unwrap_or(0);
            if last_point > last_comma {
                Says::Settles(DecimalMark::Point)
            } else {
                Says::Settles(DecimalMark::Comma)
            }
        }
    }
}

/// A value read under `mark`, as plain decimal text (`-1234.50`): `Ok(None)` when the text is not
/// written like a number (the usual checks will name what it is), `Err` when it is but does not
/// fit the convention (a misplaced separator).
pub fn normalize(text: &str, mark: DecimalMark) -> Result<Option<String>, String> {
    let Some(w) = written(text) else {
        return Ok(None);
    };
    let (int, frac) = match w.core.split_once(mark.char()) {
        Some((i, f)) => (i, Some(f)),
        None => (w.core, None),
    };
    let misfit = || {
        format!(
            "\"{}\" does not fit the file's numbers ({})",
            text.trim(),
            mark.describe()
        )
    };
    let thousands = mark.other().char();
    let groups: Vec<&str> = int
        .split(|c: char| c == thousands || GROUP_SEPARATORS.contains(&c))
        .collect();
    if groups.len() > 1
        && (groups[0].is_empty() || groups[0].len() > 3 || groups[1..].iter().any(|g| g.len() != 3))
    {
        return Err(misfit());
    }
    let digits: String = groups.concat();
    if !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err(misfit());
    }
    let mut out = String::with_capacity(digits.len() + 4);
    if w.negative {
        out.push('-');
    }
    out.push_str(if digits.is_empty() { "0" } else { &digits });
    if let Some(frac) = frac {
        if (frac.is_empty() && digits.is_empty()) || !frac.chars().all(|c| c.is_ascii_digit()) {
            return Err(misfit());
        }
        if !frac.is_empty() {
            out.push('.');
            out.push_str(frac);
        }
    }
    Ok(Some(out))
}

/// Where a value was seen: `line 7` or `Sheet1!C7`, and its column as the header names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sighting {
    pub place: String,
    pub column: String,
    pub text: String,
}

impl Sighting {
    fn describe(&self) -> String {
        format!(
            "{}, column \"{}\": \"{}\"",
            self.place, self.column, self.text
        )
    }
}

/// The evidence of a file's number columns, value by value.
#[derive(Debug, Clone, Default)]
pub struct Evidence {
    point: Option<Sighting>,
    comma: Option<Sighting>,
    two_ways: Option<Sighting>,
    currency: Option<(&'static str, Sighting)>,
    other_currency: Option<(&'static str, Sighting)>,
    /// How many values settle each mark.
    points: u64,
    commas: u64,
}

/// A mark settled by at least this many times more values than the other mark: the others are
/// values that do not fit (they fail as lines, never read the other way), not a second convention.
const OVERWHELMING: u64 = 3;

/// The convention a file's numbers are read with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Convention {
    pub decimal: DecimalMark,
    /// What settled it: a value and its place, a setting, or that nothing needed settling.
    pub settled_by: String,
    /// The currency the numbers are written with, if any.
    pub currency: Option<String>,
}

impl Default for Convention {
    fn default() -> Self {
        Convention {
            decimal: DecimalMark::Point,
            settled_by: "no value in the file has a separator".into(),
            currency: None,
        }
    }
}

impl Evidence {
    pub fn observe(&mut self, text: &str, place: impl FnOnce() -> (String, String)) {
        let Some(w) = written(text) else { return };
        match says(w.core) {
            Says::Settles(DecimalMark::Point) => self.points += 1,
            Says::Settles(DecimalMark::Comma) => self.commas += 1,
            _ => {}
        }
        let wanted = match says(w.core) {
            Says::Nothing => false,
            Says::Settles(DecimalMark::Point) => self.point.is_none(),
            Says::Settles(DecimalMark::Comma) => self.comma.is_none(),
            Says::TwoWays(_) => self.two_ways.is_none(),
        };
        let currency_news = match (w.currency, &self.currency) {
            (Some(_), None) => true,
            (Some(c), Some((first, _))) => c != *first && self.other_currency.is_none(),
            _ => false,
        };
        if !wanted && !currency_news {
            return;
        }
        let (place, column) = place();
        let sighting = Sighting {
            place,
            column,
            text: text.trim().to_string(),
        };
        if currency_news && let Some(c) = w.currency {
            if self.currency.is_none() {
                self.currency = Some((c, sighting.clone()));
            } else {
                self.other_currency = Some((c, sighting.clone()));
            }
        }
        if wanted {
            match says(w.core) {
                Says::Settles(DecimalMark::Point) => self.point = Some(sighting),
                Says::Settles(DecimalMark::Comma) => self.comma = Some(sighting),
                Says::TwoWays(_) => self.two_ways = Some(sighting),
                Says::Nothing => {}
            }
        }
    }

    /// The file's convention, or why it cannot be settled. `forced` is the operator's setting
    /// (`--decimal`, a profile), which wins over the evidence.
    pub fn settle(&self, forced: Option<DecimalMark>) -> Result<Convention, String> {
        if let (Some((a, first)), Some((b, second))) = (&self.currency, &self.other_currency) {
            return Err(format!(
                "two currencies in one file: {} is in {a}, {} is in {b}",
                first.describe(),
                second.describe()
            ));
        }
        let currency = self.currency.as_ref().map(|(c, _)| c.to_string());
        if let Some(decimal) = forced {
            return Ok(Convention {
                decimal,
                settled_by: "the setting of the operator".into(),
                currency,
            });
        }
        let settled_by = |mark: &str, s: &Sighting| format!("decimal {mark}: {}", s.describe());
        match (&self.point, &self.comma) {
            (Some(p), Some(c)) if self.points >= OVERWHELMING * self.commas => Ok(Convention {
                decimal: DecimalMark::Point,
                settled_by: format!(
                    "{} values with a decimal point against {} with a comma (first {}), which \
                     fail as lines",
                    self.points,
                    self.commas,
                    c.describe()
                ),
                currency,
            }),
            (Some(p), Some(c)) if self.commas >= OVERWHELMING * self.points => Ok(Convention {
                decimal: DecimalMark::Comma,
                settled_by: format!(
                    "{} values with a decimal comma against {} with a point (first {}), which \
                     fail as lines",
                    self.commas,
                    self.points,
                    p.describe()
                ),
                currency,
            }),
            (Some(p), Some(c)) => Err(format!(
                "the numbers contradict each other: {} has a decimal point, {} a decimal comma; \
                 nothing lands until the file says one thing: give --decimal point or --decimal \
                 comma (a supplier profile's `decimal`) to read every value one way",
                p.describe(),
                c.describe()
            )),
            (Some(p), None) => Ok(Convention {
                decimal: DecimalMark::Point,
                settled_by: settled_by("point", p),
                currency,
            }),
            (None, Some(c)) => Ok(Convention {
                decimal: DecimalMark::Comma,
                settled_by: settled_by("comma", c),
                currency,
            }),
            (None, None) => match &self.two_ways {
                Some(s) => Err(two_ways_message(s)),
                None => Ok(Convention {
                    currency,
                    ..Convention::default()
                }),
            },
        }
    }
}

impl Evidence {
    /// A value that reads two ways and was read one way because other values settled it.
    pub fn two_ways_note(&self, convention: &Convention) -> Option<String> {
        let s = self.two_ways.as_ref()?;
        Some(format!(
            "{} reads as {} because the file's numbers are written with {} ({})",
            s.describe(),
            reading(&s.text, convention.decimal),
            convention.decimal.describe(),
            convention.settled_by
        ))
    }
}

fn reading(text: &str, mark: DecimalMark) -> String {
    normalize(text, mark)
        .ok()
        .flatten()
        .and_then(|n| Decimal::from_str(&n).ok())
        .map(|d| d.normalize().to_string())
        .unwrap_or_else(|| "?".into())
}

fn two_ways_message(s: &Sighting) -> String {
    format!(
        "the decimal mark cannot be settled: {} reads as {} ({}) or as {} ({}), and no other \
         number in the file tells which; nothing was imported: give --decimal comma or --decimal \
         point (a supplier profile's `decimal`)",
        s.describe(),
        reading(&s.text, DecimalMark::Comma),
        DecimalMark::Comma.describe(),
        reading(&s.text, DecimalMark::Point),
        DecimalMark::Point.describe(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(text: &str, mark: DecimalMark) -> Option<String> {
        normalize(text, mark).unwrap()
    }

    fn settle(values: &[&str]) -> Result<Convention, String> {
        let mut e = Evidence::default();
        for (i, v) in values.iter().enumerate() {
            e.observe(v, || (format!("line {}", i + 2), "Preis".into()));
        }
        e.settle(None)
    }

    #[test]
    fn values_that_settle_the_mark_and_values_that_do_not() {
        use DecimalMark::*;
        for (v, mark) in [
            ("2.500,25", Comma),
            ("1,5", Comma),
            ("1.234.567", Comma),
            ("0,125", Comma),
            ("1234,567", Comma),
            ("1 234,567", Comma),
            ("1,234.50", Point),
            ("12.50", Point),
            ("0.125", Point),
            ("1,234,567", Point),
            ("$1,234.50", Point),
            ("12,50 €", Comma),
        ] {
            assert_eq!(settle(&[v]).unwrap().decimal, mark, "{v}");
        }
        for v in ["1.200", "1,200", "-1.200", "€ 999,000"] {
            let e = settle(&[v]).unwrap_err();
            assert!(
                e.starts_with("the decimal mark cannot be settled"),
                "{v}: {e}"
            );
        }
        assert_eq!(settle(&["3", "12", ""]).unwrap(), Convention::default());
    }

    #[test]
    fn an_ambiguous_value_names_its_place_column_and_both_readings() {
        let e = settle(&["3", "1.200"]).unwrap_err();
        assert_eq!(
            e,
            "the decimal mark cannot be settled: line 3, column \"Preis\": \"1.200\" reads as \
             1200 (decimal comma, thousands point) or as 1.2 (decimal point, thousands comma), \
             and no other number in the file tells which; nothing was imported: give --decimal \
             comma or --decimal point (a supplier profile's `decimal`)"
        );
        assert_eq!(
            settle(&["1.200", "2.500,25"]).unwrap().decimal,
            DecimalMark::Comma
        );
    }

    #[test]
    fn contradicting_values_and_two_currencies_refuse_the_file() {
        let e = settle(&["1,5", "0.5"]).unwrap_err();
        assert!(e.starts_with("the numbers contradict each other"), "{e}");
        assert!(e.contains("line 3") && e.contains("line 2"), "{e}");
        let mut many = vec!["0.5"; 3];
        many.push("1,5");
        let c = settle(&many).unwrap();
        assert_eq!(
            c.decimal,
            DecimalMark::Point,
            "one stray value among three does not vote"
        );
        assert!(c.settled_by.contains("\"1,5\""), "{}", c.settled_by);
        many.push("2,5");
        assert!(settle(&many).is_err());
        let e = settle(&["12,50 €", "$3,00"]).unwrap_err();
        assert!(e.starts_with("two currencies in one file"), "{e}");
        assert_eq!(
            settle(&["12,50 €", "EUR 3,00", "4"])
                .unwrap()
                .currency
                .as_deref(),
            Some("EUR")
        );
    }

    #[test]
    fn a_setting_wins_over_the_evidence() {
        let mut e = Evidence::default();
        e.observe("1.200", || ("line 2".into(), "qty".into()));
        let c = e.settle(Some(DecimalMark::Comma)).unwrap();
        assert_eq!(c.decimal, DecimalMark::Comma);
    }

    #[test]
    fn values_are_read_under_the_settled_mark() {
        use DecimalMark::*;
        assert_eq!(n("2.500,25", Comma).as_deref(), Some("2500.25"));
        assert_eq!(n("1.200", Comma).as_deref(), Some("1200"));
        assert_eq!(n("1.200", Point).as_deref(), Some("1.200"));
        assert_eq!(
            n("\"1,200\"", Point),
            None,
            "quotes are the reader's business"
        );
        assert_eq!(n("1,200", Point).as_deref(), Some("1200"));
        assert_eq!(n("$1,234.50", Point).as_deref(), Some("1234.50"));
        assert_eq!(n("-$1,234.50", Point).as_deref(), Some("-1234.50"));
        assert_eq!(n("(1,234.50)", Point).as_deref(), Some("-1234.50"));
        assert_eq!(n("12,50 €", Comma).as_deref(), Some("12.50"));
        assert_eq!(n("12,50-", Comma).as_deref(), Some("-12.50"));
        assert_eq!(n("CHF 1'234.50", Point).as_deref(), Some("1234.50"));
        assert_eq!(n("1\u{a0}234,5", Comma).as_deref(), Some("1234.5"));
        assert_eq!(n(" 7 ", Point).as_deref(), Some("7"));
        assert_eq!(n(",5", Comma).as_deref(), Some("0.5"));
        assert_eq!(n("1.", Point).as_deref(), Some("1"));
        for not_a_number in ["NaN", "1e400", "0x10", "abc", "", "1_000", "-", "- 1"] {
            assert_eq!(n(not_a_number, Point), None, "{not_a_number}");
        }
        assert!(normalize("1.23.4", Comma).is_err());
        assert!(normalize("1,5", Point).is_err());
        assert!(normalize("1.2,3", Comma).is_err());
    }
}
