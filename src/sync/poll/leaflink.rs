//! LeafLink listings: orders received and customers changed since a time (`modified__gte`).

use chrono::{DateTime, FixedOffset, Utc};
use serde_json::json;

use super::{Change, Listing};
use crate::leaflink::client::{CustomerQuery, OrderQuery};
use crate::sync::SyncContext;

/// Milliseconds as the offset time LeafLink's filters take.
fn at(millis: i64) -> Option<DateTime<FixedOffset>> {
    DateTime::<Utc>::from_timestamp_millis(millis).map(|at| at.fixed_offset())
}

fn stamp(modified: Option<DateTime<FixedOffset>>) -> (Option<String>, Option<i64>) {
    (
        modified.map(|m| m.to_rfc3339()),
        modified.map(|m| m.timestamp_millis()),
    )
}

/// Orders modified since `since`; the body names the order and its `modified`.
pub(super) async fn orders(ctx: &SyncContext, since: i64) -> anyhow::Result<Listing> {
    let query = OrderQuery {
        modified_gte: at(since),
        ..OrderQuery::default()
    };
    let orders = ctx.leaflink.list_orders_received(&query).await?;
    let mut listing = Listing::new();
    for order in orders {
        let (modified, changed_at) = stamp(order.modified);
        let data =
            json!({"number": order.number, "status": order.status.as_str(), "modified": modified});
        listing.push(Change::leaflink("order", data, changed_at)?);
    }
    Ok(listing)
}

/// Customers modified since `since` (LeafLink sends no customer webhook: this is their only
/// trigger besides a resync).
pub(super) async fn customers(ctx: &SyncContext, since: i64) -> anyhow::Result<Listing> {
    let query = CustomerQuery {
        modified_gte: at(since),
        ..CustomerQuery::default()
    };
    let customers = ctx.leaflink.list_customers(&query).await?;
    let mut listing = Listing::new();
    for customer in customers {
        let (modified, changed_at) = stamp(customer.modified);
        let data = json!({
            "id": customer.id,
            "license_number": customer.license_number,
            "modified": modified,
        });
        listing.push(Change::leaflink("customer", data, changed_at)?);
    }
    Ok(listing)
}
