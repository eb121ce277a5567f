//! Normalized descriptions: the key for aliases, exact names and fuzzy matching.

use sha2::{Digest, Sha256};

/// Lowercase, punctuation dropped, tokens sorted and joined by one space:
/// `"Zinc Hex-Bolt,  M8"` → `"bolt hex m8 zinc"`. Word order and punctuation do not make a new product.
/// A description that is all punctuation keeps its lowercase trimmed text, so it is never empty.
pub fn normalize(description: &str) -> String {
    let lowered = description.to_lowercase();
    let mut tokens: Vec<&str> = lowered
        .split(|c: char| !c.is_alphanumeric() && c != '.')
        .map(|t| t.trim_matches('.'))
        .filter(|t| !t.is_empty())
        .collect();
    if tokens.is_empty() {
        return lowered.trim().to_string();
    }
    tokens.sort_unstable();
    tokens.join(" ")
}

/// A deterministic SKU for a new product that came without one, so that a re-run after a crash
/// names it the same way: `GEN-` and 12 hex digits of the SHA-256 of its normalized description.
pub fn generated_sku(normalized: &str) -> String {
    let digest = Sha256::digest(normalized.as_bytes());
    format!("GEN-{}", &hex::encode_upper(digest)[..12])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_case_and_punctuation_do_not_matter() {
        assert_eq!(normalize("Zinc Hex-Bolt,  M8"), "bolt hex m8 zinc");
        assert_eq!(normalize("hex bolt m8 ZINC."), "bolt hex m8 zinc");
        assert_eq!(normalize("Pipe 1.5m"), "1.5m pipe");
        assert_eq!(normalize("!!!"), "!!!");
    }

    #[test]
    fn generated_skus_are_stable() {
        assert_eq!(generated_sku("a b"), generated_sku("a b"));
        assert_ne!(generated_sku("a b"), generated_sku("a c"));
        assert_eq!(generated_sku("x").len(), 16);
    }
}
