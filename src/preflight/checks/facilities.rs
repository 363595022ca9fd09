//! Facilities named in the settings that Flourish does not have: inventory from them would never
//! arrive, and orders routed to them would be refused.

use std::collections::HashSet;

use super::Context;
use crate::matcher::FeedingFacilities;
use crate::matcher::order::Routing;
use crate::preflight::finding::{Finding, RecordRef, Severity, Side};

/// Facility findings.
pub fn check(cx: &Context<'_>) -> Vec<Finding> {
    let known: HashSet<&str> = cx
        .snapshot
        .flourish
        .facilities
        .iter()
        .map(|f| f.id.as_str())
        .collect();
    let mut named: Vec<(&str, &str)> = Vec::new();
    if let FeedingFacilities::Only(ids) = &cx.settings.feeding {
        let mut ids: Vec<&str> = ids.iter().map(String::as_str).collect();
        ids.sort_unstable();
        named.extend(ids.into_iter().map(|id| (id, "inventory facilities")));
    }
    if let Routing::SingleFacility { facility_id, .. } = &cx.settings.routing {
        named.push((facility_id, "routing facility"));
    }
    named
        .into_iter()
        .filter(|(id, _)| !known.contains(id))
        .map(|(id, setting)| {
            Finding::new(
                "facility_unknown",
                Severity::Error,
                format!("The {setting} setting names facility {id}, which Flourish does not have"),
            )
            .with([RecordRef::leafbridge("setting", setting, id)])
            .fix(
                Side::Leafbridge,
                format!(
                    "correct the {setting} setting to ids listed by Flourish's GET /facilities"
                ),
            )
        })
        .collect()
}
