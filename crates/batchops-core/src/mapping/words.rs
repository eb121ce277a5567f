//! When two words agree: equal, within the typo allowance (one edit for 5–8 letters, two for
//! longer, none for shorter words or anything with a digit), or weakly (a probable misspelling or
//! short form outside the allowance). The rules of word likeness every other module shares.

/// The most edits an alphabetic word of `len` letters may differ by and still agree.
pub fn allowed_edits(len: usize) -> usize {
    match len {
        0..=4 => 0,
        5..=8 => 1,
        _ => 2,
    }
}

/// A weak agreement: a word that is probably the other one misspelt or cut short, but outside the
/// typo allowance (`blot` for `bolt`, `chipbd` for `chipboard`). It never makes an automatic
/// match; it keeps a line with the right candidate in review instead of creating an item.
pub const WEAK: f32 = 0.5;

/// `a` and `b` weakly agree: the same first letter and one edit apart at four letters or more, or
/// the shorter one (three letters or more, the same first two) a subsequence of the longer.
pub fn weak_agreement(a: &str, b: &str) -> bool {
    let (sa, sb): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    if !sa.iter().chain(&sb).all(|c| c.is_alphabetic()) || sa.first() != sb.first() {
        return false;
    }
    let (short, long) = if sa.len() <= sb.len() {
        (&sa, &sb)
    } else {
        (&sb, &sa)
    };
    if short.len() >= 4 && strsim::damerau_levenshtein(a, b) <= 1 {
        return true;
    }
    if short.len() < 3 || long.len() < short.len() + 2 || short.get(1) != long.get(1) {
        return false;
    }
    let mut it = long.iter();
    short.iter().all(|c| it.any(|l| l == c))
}

/// How much a word within the typo allowance (or read as a catalog word) agrees: less than equal.
pub const TYPO: f32 = 0.9;

/// Whether two words agree, and how well (1.0 equal, [`TYPO`] within the typo allowance).
pub fn word_agreement(a: &str, b: &str) -> Option<f32> {
    if a == b {
        return Some(1.0);
    }
    if !a.chars().all(char::is_alphabetic) || !b.chars().all(char::is_alphabetic) {
        return None;
    }
    let (la, lb) = (a.chars().count(), b.chars().count());
    // The allowance of the longer word: `plugs` written `plus` is one letter dropped.
    let allowed = allowed_edits(la.max(lb));
    if allowed == 0 || la.abs_diff(lb) > allowed {
        return None;
    }
    (strsim::damerau_levenshtein(a, b) <= allowed).then_some(TYPO)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_never_count_as_typos() {
        assert_eq!(word_agreement("lc40le830u", "lc60le830u"), None);
        assert_eq!(
            word_agreement("bolt", "blot"),
            None,
            "four letters: exact only"
        );
        assert_eq!(word_agreement("washer", "wahser"), Some(0.9));
        assert_eq!(word_agreement("countersunk", "countresnuk"), Some(0.9));
        assert_eq!(word_agreement("washer", "wshr"), None);
        assert!(weak_agreement("blot", "bolt"));
        assert!(weak_agreement("chipbd", "chipboard"));
        assert!(!weak_agreement("wood", "hood"));
        assert!(!weak_agreement("m8", "m9"));
    }
}
