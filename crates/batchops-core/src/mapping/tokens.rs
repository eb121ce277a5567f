//! Text into tokens: numbers, words and symbols, after the rewrites every reading starts with
//! (lower case, accents and vulgar fractions spelt out). The signature reads its attributes from
//! them; the lexicon keys its phrases by them.

use rust_decimal::Decimal;
use std::str::FromStr;
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Tok {
    Num(Decimal),
    Word(Box<str>),
    Sym(char),
}

#[derive(Debug, Clone)]
pub(super) struct Token {
    pub(super) tok: Tok,
    /// The token's text as written (lowercase).
    pub(super) text: Box<str>,
    /// No space before it (`40mm`: `mm` is glued to `40`).
    pub(super) glued: bool,
}

/// Vulgar fractions as text, so `1½"` reads as one and a half inches.
fn rewrite_fractions(c: char) -> Option<&'static str> {
    Some(match c {
        '½' => " 1/2",
        '¼' => " 1/4",
        '¾' => " 3/4",
        '⅛' => " 1/8",
        '⅜' => " 3/8",
        '⅝' => " 5/8",
        '⅞' => " 7/8",
        '⅓' => " 1/3",
        '⅔' => " 2/3",
        '×' | '*' => " x ",
        'ø' | 'Ø' | '⌀' => " dia ",
        '⁄' => "/",
        _ => return None,
    })
}

/// Lowercase ASCII-folded text: vulgar fractions and `×` rewritten, NFKC compatibility forms
/// (superscripts, full-width digits) and accents folded.
pub(super) fn prepare(description: &str) -> String {
    let mut rewritten = String::with_capacity(description.len() + 8);
    for c in description.chars() {
        match rewrite_fractions(c) {
            Some(r) => rewritten.push_str(r),
            None => rewritten.push(c),
        }
    }
    rewritten
        .nfkd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .collect()
}

/// Split into numbers, words and symbols. `unit` tells which letters before a glued `x` are a unit
/// (`40mmx50mm`: `mm`, then `x`); any other word ending in `x` stays whole (`bx100`, `box100`).
pub(super) fn tokenize(text: &str, unit: &dyn Fn(&str) -> bool) -> Vec<Token> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut glued = false;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next_digit = chars.get(i + 1).is_some_and(|d| d.is_ascii_digit());
        if c.is_ascii_digit() || (c == '.' && next_digit && !glued) {
            let start = i;
            while i < chars.len() && chars[i].is_ascii_digit() {
                i += 1;
            }
            if i + 1 < chars.len() && chars[i] == '.' && chars[i + 1].is_ascii_digit() {
                i += 1;
                while i < chars.len() && chars[i].is_ascii_digit() {
                    i += 1;
                }
            }
            let text: String = chars[start..i].iter().collect();
            let value = Decimal::from_str(&text)
                .or_else(|_| Decimal::from_str(&format!("0{text}")))
                .ok();
            match value {
                Some(v) => out.push(Token {
                    tok: Tok::Num(v),
                    text: text.into(),
                    glued,
                }),
                // Too long for a decimal: a code, compared exactly.
                None => out.push(Token {
                    tok: Tok::Word(text.clone().into()),
                    text: text.into(),
                    glued,
                }),
            }
            glued = true;
        } else if c.is_alphabetic() {
            let start = i;
            let mut word = String::new();
            while i < chars.len()
                && (chars[i].is_alphabetic()
                    || (chars[i] == '\''
                        && chars.get(i + 1).is_some_and(|n| n.is_alphabetic())
                        && i > start))
            {
                if chars[i] != '\'' {
                    word.push(chars[i]);
                }
                i += 1;
            }
            // `40mmx50mm`: an `x` glued between a unit and a number.
            if word.len() > 1
                && word.ends_with('x')
                && chars.get(i).is_some_and(|d| d.is_ascii_digit())
                && unit(&word[..word.len() - 1])
            {
                word.pop();
                out.push(Token {
                    tok: Tok::Word(word.clone().into()),
                    text: word.into(),
                    glued,
                });
                out.push(Token {
                    tok: Tok::Word("x".into()),
                    text: "x".into(),
                    glued: true,
                });
            } else {
                out.push(Token {
                    tok: Tok::Word(word.clone().into()),
                    text: word.into(),
                    glued,
                });
            }
            glued = true;
        } else if matches!(c, '"' | '/' | '-' | '#' | '+' | '%') {
            out.push(Token {
                tok: Tok::Sym(c),
                text: c.to_string().into(),
                glued,
            });
            glued = true;
            i += 1;
        } else {
            glued = false;
            i += 1;
        }
    }
    out
}

/// The token texts of a phrase, as the lexicon keys them.
pub(crate) fn token_texts(phrase: &str) -> Vec<Box<str>> {
    tokenize(&prepare(phrase), &|_| true)
        .into_iter()
        .map(|t| t.text)
        .collect()
}
