//! Strains: strain-required items without one, ambiguous LeafLink strains, and the strains the
//! first sync matches ignoring case or creates.

use std::collections::BTreeMap;

use super::Context;
use super::skus::item_ref;
use crate::flourish::model as fl;
use crate::leaflink::model as ll;
use crate::matcher::{Lookup, StrainKey};
use crate::preflight::finding::{Finding, RecordRef, Severity, Side};

/// Strain findings.
pub fn check(cx: &Context<'_>) -> Vec<Finding> {
    let mut findings: Vec<Finding> = cx
        .active_items
        .iter()
        .filter(|i| i.strain_required && strain_name(i).is_none())
        .map(|item| {
            Finding::new(
                "strain_required_without_strain",
                Severity::Error,
                format!("Strain-specific item {} has no strain", item.sku.trim()),
            )
            .with([item_ref(item)])
            .fix(
                Side::Flourish,
                format!("set the strain of item {} ({})", item.id, item.item_name),
            )
        })
        .collect();
    findings.extend(ambiguous(cx));
    findings
}

fn strain_name(item: &fl::Item) -> Option<&str> {
    item.strain_name
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

fn ambiguous(cx: &Context<'_>) -> Vec<Finding> {
    let mode = cx.settings.strain_matching;
    let mut groups: BTreeMap<StrainKey, Vec<&ll::Strain>> = BTreeMap::new();
    for strain in &cx.snapshot.leaflink.strains {
        if let Some(key) = StrainKey::new(&strain.name, mode) {
            groups.entry(key).or_default().push(strain);
        }
    }
    let mut users: BTreeMap<StrainKey, Vec<&fl::Item>> = BTreeMap::new();
    for item in &cx.active_items {
        if let Some(key) = strain_name(item).and_then(|n| StrainKey::new(n, mode)) {
            users.entry(key).or_default().push(item);
        }
    }
    let mut findings = Vec::new();
    for (key, strains) in groups.iter().filter(|(_, s)| s.len() > 1) {
        let names: Vec<&str> = strains.iter().map(|s| s.name.as_str()).collect();
        let items = users.get(key).map_or(&[][..], Vec::as_slice);
        findings.push(
            Finding::new(
                "strain_ambiguous",
                Severity::Error,
                format!(
                    "LeafLink has {} strains named {}; items with that strain cannot be matched",
                    strains.len(),
                    names.join(" / ")
                ),
            )
            .with(
                strains
                    .iter()
                    .map(|s| RecordRef::leaflink("strain", s.id, s.name.clone())),
            )
            .with(items.iter().map(|i| item_ref(i)))
            .fix(
                Side::Leaflink,
                format!(
                    "keep one strain named {} and move products off the others",
                    key.as_str()
                ),
            ),
        );
    }
    findings
}

/// Strains that match only ignoring case, and strains the first sync creates in LeafLink.
pub fn notes(cx: &Context<'_>) -> Vec<Finding> {
    let mut by_name: BTreeMap<&str, Vec<&fl::Item>> = BTreeMap::new();
    for item in &cx.active_items {
        if let Some(name) = strain_name(item) {
            by_name.entry(name).or_default().push(item);
        }
    }
    let mut notes = Vec::new();
    for (name, items) in by_name {
        let item_refs = items.iter().map(|i| item_ref(i));
        match cx.strains.find(name) {
            Lookup::One(id) => {
                let Some(strain) = cx.snapshot.leaflink.strains.iter().find(|s| s.id == id) else {
                    continue;
                };
                if strain.name.trim() != name {
                    notes.push(
                        Finding::new(
                            "strain_case_match",
                            Severity::Info,
                            format!(
                                "Flourish strain {name} matches LeafLink strain {} ignoring case",
                                strain.name
                            ),
                        )
                        .with([RecordRef::leaflink("strain", id, strain.name.clone())])
                        .with(item_refs),
                    );
                }
            }
            Lookup::Missing => notes.push(
                Finding::new(
                    "strain_will_be_created",
                    Severity::Info,
                    format!("Strain {name} is not in LeafLink; the first sync creates it"),
                )
                .with(item_refs)
                .fix(
                    Side::Leaflink,
                    format!("nothing, or create strain {name} now (--fix-safe does)"),
                ),
            ),
            Lookup::Many(_) => {}
        }
    }
    notes
}
