//! Normalised keys that pair records across LeafLink and Flourish.
//!
//! Each key type applies exactly one rule from `matching-rules.md`, so a lookup can never
//! compare two values normalised differently.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

/// A SKU as both systems compare it: surrounding whitespace trimmed, case kept.
///
/// SKUs are never case-folded: `abc-1` and `ABC-1` are two products on LeafLink.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct SkuKey(String);

impl SkuKey {
    /// Builds the key from a raw SKU.
    pub fn new(raw: &str) -> Self {
        Self(raw.trim().to_owned())
    }

    /// The normalised SKU.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// True when nothing is left after trimming.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// A licence number as both systems compare it: trimmed, otherwise exact.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct LicenseKey(String);

impl LicenseKey {
    /// Builds the key; `None` when the licence is absent or blank.
    pub fn new(raw: &str) -> Option<Self> {
        let trimmed = raw.trim();
        (!trimmed.is_empty()).then(|| Self(trimmed.to_owned()))
    }

    /// The normalised licence number.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An e-mail address compared the way sales reps are matched: trimmed and lowercased.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct EmailKey(String);

impl EmailKey {
    /// Builds the key; `None` when the address is blank.
    pub fn new(raw: &str) -> Option<Self> {
        let trimmed = raw.trim();
        (!trimmed.is_empty()).then(|| Self(trimmed.to_lowercase()))
    }

    /// The normalised address.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// How strain names are compared.
///
/// The guide contradicts itself; its worked example (`OG KUSH` joins `og kush`) wins, so
/// case-insensitive is the default and exact matching is the opt-out.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StrainMatching {
    /// Trim, collapse inner whitespace, Unicode lowercase.
    #[default]
    CaseInsensitive,
    /// Trim only.
    Exact,
}

/// A strain name normalised under a [`StrainMatching`] setting.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct StrainKey(String);

impl StrainKey {
    /// Builds the key; `None` when the name is blank.
    pub fn new(raw: &str, mode: StrainMatching) -> Option<Self> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return None;
        }
        let key = match mode {
            StrainMatching::Exact => trimmed.to_owned(),
            StrainMatching::CaseInsensitive => collapse_whitespace(trimmed).to_lowercase(),
        };
        Some(Self(key))
    }

    /// The normalised name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Joins the words of `text` with single spaces.
fn collapse_whitespace(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A brand or product-line name: exact after trimming.
pub fn name_key(raw: &str) -> &str {
    raw.trim()
}

/// A lot number as carried from a LeafLink batch: exact, only surrounding whitespace dropped.
pub fn lot_key(raw: &str) -> Option<&str> {
    let trimmed = raw.trim();
    (!trimmed.is_empty()).then_some(trimmed)
}

/// Maps Flourish custom categories onto LeafLink category names.
///
/// A category without an entry keeps its own name, which must then exist in LeafLink as is.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryMap {
    entries: HashMap<String, String>,
}

impl CategoryMap {
    /// Builds the map from `(custom category, LeafLink category)` pairs; names are trimmed.
    pub fn new<I, K, V>(pairs: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: AsRef<str>,
    {
        let entries = pairs
            .into_iter()
            .map(|(k, v)| (k.as_ref().trim().to_owned(), v.as_ref().trim().to_owned()))
            .collect();
        Self { entries }
    }

    /// The LeafLink category name for a Flourish category name.
    pub fn leaflink_name<'a>(&'a self, flourish: &'a str) -> &'a str {
        let key = flourish.trim();
        self.entries.get(key).map_or(key, String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sku_is_trimmed_but_keeps_its_case() {
        assert_eq!(SkuKey::new("  OGK-PR-1G \t").as_str(), "OGK-PR-1G");
        assert_ne!(SkuKey::new("ogk-pr-1g"), SkuKey::new("OGK-PR-1G"));
    }

    #[test]
    fn license_is_trimmed_and_blank_is_none() {
        assert_eq!(
            LicenseKey::new(" C10-0000123-LIC ").unwrap().as_str(),
            "C10-0000123-LIC"
        );
        assert_eq!(LicenseKey::new("   "), None);
        assert_ne!(LicenseKey::new("c10-1"), LicenseKey::new("C10-1"));
    }

    #[test]
    fn email_is_trimmed_and_lowercased() {
        assert_eq!(
            EmailKey::new(" Ana@Brand.Example ").unwrap(),
            EmailKey::new("ana@brand.example").unwrap()
        );
        assert_eq!(EmailKey::new(""), None);
    }

    #[test]
    fn og_kush_in_capitals_matches_og_kush_in_lowercase() {
        let mode = StrainMatching::default();
        assert_eq!(
            StrainKey::new("OG KUSH", mode),
            StrainKey::new("og kush", mode)
        );
    }

    #[test]
    fn strain_key_collapses_inner_whitespace_and_folds_unicode() {
        let mode = StrainMatching::CaseInsensitive;
        let key = StrainKey::new("  Blue   \u{C9}CLAIR\tHaze ", mode).unwrap();
        assert_eq!(key.as_str(), "blue \u{E9}clair haze");
    }

    #[test]
    fn exact_strain_matching_keeps_case() {
        let mode = StrainMatching::Exact;
        assert_ne!(
            StrainKey::new("OG KUSH", mode),
            StrainKey::new("og kush", mode)
        );
        assert_eq!(
            StrainKey::new(" OG KUSH ", mode).unwrap().as_str(),
            "OG KUSH"
        );
    }

    #[test]
    fn brand_names_and_lots_are_exact_after_trim() {
        assert_eq!(name_key(" Canyon Farms "), "Canyon Farms");
        assert_eq!(lot_key(" LOT-7 "), Some("LOT-7"));
        assert_eq!(lot_key(" "), None);
    }

    #[test]
    fn category_map_translates_or_keeps_the_name() {
        let map = CategoryMap::new([("Pre-Roll", "Pre-Rolls")]);
        assert_eq!(map.leaflink_name(" Pre-Roll "), "Pre-Rolls");
        assert_eq!(map.leaflink_name("Flower"), "Flower");
    }
}
