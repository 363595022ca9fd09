//! Flow A's payment term: LeafLink's term matched to a Flourish payment term by name.

use crate::flourish::model::PaymentTerm;
use crate::jobs::JobError;
use crate::matcher::{Outcome, System};
use crate::sync::SyncContext;
use crate::sync::cache::Freshness;

/// The Flourish payment term named like `name` (trimmed, case-insensitive), from the shared
/// list; a name the shared list lacks is looked up again fresh before it is attention (the
/// term may just have been created in Flourish).
pub(super) async fn flourish_term(
    context: &SyncContext,
    name: &str,
) -> Result<Result<String, Outcome>, JobError> {
    let shared = context.payment_terms(Freshness::SHARED).await?;
    if let Some(id) = find_term(&shared, name) {
        return Ok(Ok(id));
    }
    let fresh = context.payment_terms(Freshness::fresh()).await?;
    Ok(find_term(&fresh, name).ok_or_else(|| unknown_term(name)))
}

/// The id of the term named `name`, trimmed and ignoring case.
pub(crate) fn find_term(terms: &[PaymentTerm], name: &str) -> Option<String> {
    let name = name.trim();
    terms
        .iter()
        .find(|t| t.name.trim().eq_ignore_ascii_case(name))
        .map(|t| t.id.clone())
}

/// A LeafLink payment term Flourish does not have: the order waits rather than going without.
fn unknown_term(name: &str) -> Outcome {
    let name = name.trim();
    Outcome::attention_fix(
        format!("LeafLink payment term {name:?} has no Flourish payment term of that name"),
        System::Flourish,
        format!(
            "create the payment term {name:?} in Flourish, or rename the LeafLink term \
             to one Flourish has, then resync the order"
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn term(id: &str, name: &str) -> PaymentTerm {
        PaymentTerm {
            id: id.to_owned(),
            name: name.to_owned(),
        }
    }

    #[test]
    fn a_term_matches_by_trimmed_name_ignoring_case_and_only_by_name() {
        let terms = [term("1", "COD"), term("2", " Net 30 ")];
        assert_eq!(find_term(&terms, "net 30"), Some("2".to_owned()));
        assert_eq!(find_term(&terms, "  cod"), Some("1".to_owned()));
        assert_eq!(find_term(&terms, "Net 3"), None);
        assert_eq!(find_term(&terms, "Net 15"), None);
    }

    #[test]
    fn an_unknown_term_names_it_and_the_fix() {
        let outcome = unknown_term(" Net 45 ");
        assert!(outcome.reason.contains("\"Net 45\""), "{}", outcome.reason);
        let fix = outcome.fix.expect("a fix");
        assert!(
            fix.action
                .contains("create the payment term \"Net 45\" in Flourish")
        );
    }
}
