//! Supplier profiles: how one supplier's files are written, saved as TOML in the configuration
//! directory (`profiles/NAME.toml`), so that a file refused or misread once lands right from then
//! on. A profile is used by name (`import --profile NAME`) or picked when the header of a file
//! matches exactly one saved profile.

use super::config_dir::config_dir;
use super::decode::TextEncoding;
use super::dialect::{Layout, ReadSettings};
use super::header::fold;
use super::numbers::DecimalMark;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// Whose part numbers a supplier's SKU column holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SkuColumn {
    /// Our own SKUs.
    #[default]
    Ours,
    /// The supplier's part numbers.
    Supplier,
}

/// One supplier's way of writing files.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Profile {
    #[serde(skip)]
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supplier: Option<String>,
    /// Whose numbers the SKU column holds; unset: the supplier's when the profile names one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sku_column: Option<SkuColumn>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encoding: Option<TextEncoding>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delimiter: Option<char>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header_row: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decimal: Option<DecimalMark>,
    /// The header row as the supplier writes it: a file with this header is this supplier's.
    #[serde(default)]
    pub header: Vec<String>,
    /// Header name → the column it holds (`sku`, `description`, `quantity`, `unit_price`), where
    /// the synonyms alone do not tell.
    #[serde(default)]
    pub columns: BTreeMap<String, String>,
}

/// The folder of the profiles.
pub fn profiles_dir() -> Result<PathBuf, String> {
    config_dir()
        .map(|d| d.join("profiles"))
        .ok_or_else(|| "no configuration directory: set BATCHOPS_CONFIG_DIR".into())
}

fn check_name(name: &str) -> Result<(), String> {
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'))
        || name.starts_with('.')
    {
        return Err(format!(
            "profile name {name:?}: use letters, digits, '-', '_' and '.'"
        ));
    }
    Ok(())
}

impl Profile {
    /// A profile that reads files the way `layout` was read.
    pub fn from_layout(
        name: &str,
        layout: &Layout,
        supplier: Option<String>,
        sku_column: Option<SkuColumn>,
    ) -> Profile {
        Profile {
            name: name.to_string(),
            supplier,
            sku_column,
            encoding: layout.sheet.is_none().then_some(layout.encoding),
            delimiter: layout.sheet.is_none().then_some(layout.delimiter as char),
            header_row: Some(layout.header_row),
            decimal: Some(layout.convention.decimal),
            header: layout.columns.names.clone(),
            columns: layout
                .columns
                .names
                .iter()
                .zip(&layout.columns.known)
                .filter_map(|(n, k)| k.map(|k| (n.clone(), k.name().to_string())))
                .collect(),
        }
    }

    /// What the profile settles, with `flags` winning where they say something.
    pub fn settings(&self, flags: &ReadSettings) -> ReadSettings {
        ReadSettings {
            decimal: flags.decimal.or(self.decimal),
            delimiter: flags.delimiter.or(self.delimiter),
            encoding: flags.encoding.or(self.encoding),
            header_row: flags.header_row.or(self.header_row),
            columns: if flags.columns.is_empty() {
                self.columns.clone()
            } else {
                flags.columns.clone()
            },
        }
    }

    /// Write the profile to `profiles/NAME.toml`; returns the path.
    pub fn save(&self) -> Result<PathBuf, String> {
        check_name(&self.name)?;
        let dir = profiles_dir()?;
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let path = dir.join(format!("{}.toml", self.name));
        let text = toml::to_string(self).map_err(|e| e.to_string())?;
        std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(path)
    }

    /// The profile saved as NAME.
    pub fn load(name: &str) -> Result<Profile, String> {
        check_name(name)?;
        let path = profiles_dir()?.join(format!("{name}.toml"));
        let text = std::fs::read_to_string(&path).map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                format!(
                    "there is no profile {name:?} ({} does not exist)",
                    path.display()
                )
            } else {
                format!("{}: {e}", path.display())
            }
        })?;
        let mut profile: Profile =
            toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        profile.name = name.to_string();
        Ok(profile)
    }

    /// Every saved profile, by name.
    pub fn all() -> Result<Vec<Profile>, String> {
        let Ok(dir) = profiles_dir() else {
            return Ok(Vec::new());
        };
        let entries = match std::fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(format!("{}: {e}", dir.display())),
        };
        let mut names: Vec<String> = entries
            .filter_map(|e| e.ok())
            .filter_map(|e| {
                let name = e.file_name().to_string_lossy().to_string();
                name.strip_suffix(".toml").map(str::to_string)
            })
            .collect();
        names.sort();
        names.iter().map(|n| Profile::load(n)).collect()
    }

    /// Whether a header row (as written) is this profile's.
    pub fn matches(&self, header: &[String]) -> bool {
        let folded = |names: &[String]| -> Vec<String> { names.iter().map(|n| fold(n)).collect() };
        !self.header.is_empty() && folded(&self.header) == folded(header)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_profile_round_trips_through_toml() {
        let p = Profile {
            name: "mueller".into(),
            supplier: Some("Schrauben Müller GmbH".into()),
            sku_column: Some(SkuColumn::Supplier),
            encoding: Some(TextEncoding::Windows1252),
            delimiter: Some(';'),
            header_row: Some(4),
            decimal: Some(DecimalMark::Comma),
            header: vec!["Artikelnummer".into(), "Menge".into()],
            columns: [("Menge".to_string(), "quantity".to_string())].into(),
        };
        let text = toml::to_string(&p).unwrap();
        assert!(text.contains("decimal = \"comma\""), "{text}");
        assert!(text.contains("encoding = \"windows-1252\""), "{text}");
        let mut back: Profile = toml::from_str(&text).unwrap();
        back.name = "mueller".into();
        assert_eq!(back, p);
        assert!(p.matches(&["artikelnummer".into(), " MENGE".into()]));
        assert!(!p.matches(&["Artikelnummer".into()]));
        let flags = ReadSettings {
            decimal: Some(DecimalMark::Point),
            ..ReadSettings::default()
        };
        let s = p.settings(&flags);
        assert_eq!(s.decimal, Some(DecimalMark::Point), "a flag wins");
        assert_eq!(s.delimiter, Some(';'));
    }

    #[test]
    fn names_cannot_leave_the_folder() {
        assert!(check_name("../x").is_err());
        assert!(check_name(".hidden").is_err());
        assert!(check_name("mueller-2026").is_ok());
    }
}
