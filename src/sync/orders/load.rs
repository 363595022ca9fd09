//! Flow A's reads: the LeafLink order with its customer, reps, products and batches; Flourish
//! reps, items, the customer's destination and the linked order, as the matcher's records.

use std::collections::BTreeSet;

use chrono::Utc;
use rust_decimal::Decimal;

use crate::config::RoutingSetting;
use crate::flourish::ItemFilter;
use crate::jobs::JobError;
use crate::leaflink::model::{
    Customer as LeafLinkCustomer, LineItem, OrderCustomer, OrderReceived, OrderStatus,
};
use crate::matcher::order::adoption::Identified;
use crate::matcher::order::{LeafLinkOrder, LeafLinkStatus, LinkedOrder, OrderLine, Routing};
use crate::matcher::records::{Customer, Destination, FlourishRep, Staff};
use crate::matcher::{ItemIndex, LicenseKey, Outcome, RepDirectory, SkuKey, find_destination};
use crate::remote::ClientError;
use crate::sync::SyncContext;
use crate::sync::cache::Freshness;
use crate::sync::parties::{destinations_for, listed_destinations_for, to_customer};

/// Everything Flow A decides from, read fresh for one job.
pub(super) struct Loaded {
    pub order: LeafLinkOrder,
    /// When the LeafLink order was created (bounds the search for an unlinked Flourish order).
    pub created_on: chrono::DateTime<Utc>,
    pub external_ids: crate::leaflink::model::ExternalIds,
    pub reps: RepDirectory,
    pub routing: Routing,
    pub destination: Option<Destination>,
    pub items: ItemIndex,
    pub linked: Option<LinkedOrder>,
    /// How the linked order was found when not through a stored link (`original_order_id`,
    /// notes, or destination + lines + date: an order keyed by hand is adopted, not doubled).
    pub adopted: Option<Identified>,
    /// The Flourish payment term (id) matching the LeafLink order's, when it names one.
    pub payment_term: Option<String>,
}

/// A read that ends the job with an outcome instead of a plan.
pub(super) type Loading = Result<Loaded, Outcome>;

/// Where an order job's reads come from.
#[derive(Clone, Copy, Debug)]
enum Reads {
    /// The order (with its customer and lines) and everything its plan needs, read now.
    Fresh,
    /// The listings of the job's resync, none older than this: the order from the listing of
    /// every order the resync made, its Flourish order, items, products and destination from
    /// the pass's listings. Only for a plan that writes nothing.
    Pass(Freshness),
}

/// Reads the order fresh and, when it can still go to Flourish, everything its plan needs.
pub(super) async fn load(context: &SyncContext, number: &str) -> Result<Loading, JobError> {
    let order = match context.leaflink.get_order_received(number).await {
        Ok(order) => order,
        Err(ClientError::NotFound { .. }) => return super::gone::deleted(context, number).await,
        Err(error) => return Err(error.into()),
    };
    load_order(context, order, Reads::Fresh).await
}

/// Like [`load`], from the listings of the job's resync (as recent as `want`); `None` (nothing
/// read) when the resync did not list every order.
pub(super) async fn load_listed(
    context: &SyncContext,
    number: &str,
    want: Freshness,
) -> Result<Option<Loading>, JobError> {
    let Some(order) = context.listed_order(number, want).await else {
        return Ok(None);
    };
    load_order(context, order, Reads::Pass(want))
        .await
        .map(Some)
}

async fn load_order(
    context: &SyncContext,
    order: OrderReceived,
    reads: Reads,
) -> Result<Loading, JobError> {
    let listing = match reads {
        Reads::Pass(want) => Some(context.listed_outbound_orders(want).await?),
        Reads::Fresh => None,
    };
    let listing = listing.as_deref().map(Vec::as_slice);
    let found = super::linked::linked_order(context, &order, listing).await?;
    let (linked, adopted) = (found.linked, found.adopted);
    let syncable = matches!(
        order.status,
        OrderStatus::Submitted | OrderStatus::Accepted | OrderStatus::Backorder
    );
    let mut loaded = Loaded {
        order: LeafLinkOrder {
            number: order.number.clone(),
            status: leaflink_status(order.status),
            sales_reps: order.sales_reps.iter().map(|r| r.id).collect(),
            customer: short_customer(&order),
            lines: Vec::new(),
            money: super::money::order_money(&order.money)?,
        },
        created_on: order.created_on.with_timezone(&Utc),
        external_ids: order.external_ids.clone(),
        reps: RepDirectory::default(),
        routing: Routing::BySalesRep,
        destination: None,
        items: ItemIndex::default(),
        linked,
        adopted,
        payment_term: None,
    };
    // Cancelled, Draft and later states never route, place or price anything: skip those reads.
    if syncable && let Err(outcome) = load_for_sync(context, &order, &mut loaded, reads).await? {
        return Ok(Err(outcome));
    }
    if syncable && loaded.linked.is_none() {
        super::linked::find_keyed_by_hand(context, &order, &mut loaded, found.candidates).await?;
    }
    Ok(Ok(loaded))
}

async fn load_for_sync(
    context: &SyncContext,
    order: &OrderReceived,
    loaded: &mut Loaded,
    reads: Reads,
) -> Result<Result<(), Outcome>, JobError> {
    let customer = match carried_customer(&order.customer) {
        Some(customer) => customer,
        None => to_customer(&context.leaflink.get_customer(order.customer.id).await?),
    };
    let (reps, routing) = directory(context).await?;
    loaded.reps = reps;
    loaded.routing = routing;
    loaded.order.lines = lines(context, order, reads).await?;
    loaded.items = match reads {
        Reads::Pass(want) => listed_items(context, &loaded.order.lines, want).await?,
        Reads::Fresh => items(context, &loaded.order.lines).await?,
    };
    if let Some(name) = order.money.payment_term_name() {
        match super::terms::flourish_term(context, name).await? {
            Ok(id) => loaded.payment_term = Some(id),
            Err(outcome) => return Ok(Err(outcome)),
        }
    }
    if let Some(license) = customer.license_number.as_deref().and_then(LicenseKey::new) {
        let (index, links) = match reads {
            Reads::Pass(want) => listed_destinations_for(context, &license, want).await?,
            Reads::Fresh => destinations_for(context, &license).await?,
        };
        match find_destination(&customer, &index, &links) {
            Ok(found) => loaded.destination = found.cloned(),
            Err(outcome) => return Ok(Err(outcome)),
        }
    }
    loaded.order.customer = customer;
    Ok(Ok(()))
}

/// The whole customer record the order carries (`include_children=customer`), so it is not
/// read again; `None` for the short form (`{id, display_name}`), which must be read.
fn carried_customer(carried: &OrderCustomer) -> Option<Customer> {
    let name = carried.name.clone()?;
    Some(to_customer(&LeafLinkCustomer {
        id: carried.id,
        name,
        license_number: carried.license_number.clone(),
        managers: carried.managers.clone().unwrap_or_default(),
        email: carried.email.clone(),
        phone: carried.phone.clone(),
        address: carried.address.clone(),
        city: carried.city.clone(),
        state: carried.state.clone(),
        zipcode: carried.zipcode.clone(),
        country: carried.country.clone(),
        ..LeafLinkCustomer::default()
    }))
}

/// LeafLink's order status in the matcher's terms.
pub(crate) fn leaflink_status(status: OrderStatus) -> LeafLinkStatus {
    use LeafLinkStatus as L;
    match status {
        OrderStatus::Draft => L::Draft,
        OrderStatus::Submitted => L::Submitted,
        OrderStatus::Accepted => L::Accepted,
        OrderStatus::Backorder => L::Backorder,
        OrderStatus::Fulfilled => L::Fulfilled,
        OrderStatus::Shipped => L::Shipped,
        OrderStatus::Complete => L::Complete,
        OrderStatus::Rejected => L::Rejected,
        OrderStatus::Combined => L::Combined,
        OrderStatus::Cancelled => L::Cancelled,
        OrderStatus::Other => L::Other,
    }
}

/// The customer as the order names it (enough for orders that are not placed).
fn short_customer(order: &OrderReceived) -> Customer {
    let c = &order.customer;
    Customer {
        id: c.id,
        name: c
            .name
            .clone()
            .or(c.display_name.clone())
            .unwrap_or_default(),
        license_number: c.license_number.clone(),
        managers: c.managers.clone().unwrap_or_default(),
        email: None,
        phone: None,
        address: Default::default(),
    }
}

/// LeafLink staff e-mails, Flourish reps of every facility, and the configured routing.
async fn directory(context: &SyncContext) -> Result<(RepDirectory, Routing), JobError> {
    let staff: Vec<Staff> = context
        .company_staff(Freshness::SHARED)
        .await?
        .iter()
        .map(|s| Staff {
            id: s.id,
            email: s.email.clone(),
        })
        .collect();
    let facilities = context.facilities(Freshness::SHARED).await?;
    let mut reps = Vec::new();
    for facility in facilities.iter() {
        for rep in context
            .sales_reps(&facility.id, Freshness::SHARED)
            .await?
            .iter()
        {
            // A rep without a default facility cannot route anything.
            let Some(facility_id) = rep.facility_id.clone().filter(|f| !f.trim().is_empty()) else {
                continue;
            };
            if !reps.iter().any(|r: &FlourishRep| r.id == rep.sales_rep_id) {
                reps.push(FlourishRep {
                    id: rep.sales_rep_id.clone(),
                    email: rep.email.clone(),
                    facility_id,
                });
            }
        }
    }
    let routing = match &context.settings.routing {
        RoutingSetting::SalesRep => Routing::BySalesRep,
        RoutingSetting::Facility(id) => Routing::SingleFacility {
            facility_id: id.clone(),
            rep_required: facilities
                .iter()
                .any(|f| f.id == *id && f.sales_rep_required_for_outbound),
        },
    };
    Ok((RepDirectory::new(&staff, &reps), routing))
}

/// The order's lines with each product's SKU and each batch's production batch number (one
/// batched read each).
async fn lines(
    context: &SyncContext,
    order: &OrderReceived,
    reads: Reads,
) -> Result<Vec<OrderLine>, JobError> {
    let items: Vec<LineItem> = match &order.line_items {
        Some(items) => items.clone(),
        None => context.leaflink.order_line_items(&order.number).await?,
    };
    let products: BTreeSet<i64> = items.iter().map(|item| item.product).collect();
    let batches: BTreeSet<i64> = items.iter().filter_map(|item| item.batch).collect();
    let skus = match reads {
        Reads::Pass(want) => {
            super::line_reads::listed_product_skus(context, &products, want).await?
        }
        Reads::Fresh => super::line_reads::product_skus(context, &products).await?,
    };
    let lots = super::line_reads::batch_lots(context, &batches).await?;
    let mut lines = Vec::with_capacity(items.len());
    for item in items {
        let (price, list_price) = super::money::line_prices(&item)?;
        lines.push(OrderLine {
            product_id: Some(item.product),
            sku: skus.get(&item.product).cloned().unwrap_or_default(),
            quantity: decimal("line quantity", &item.quantity.0)?,
            bulk_units: item.bulk_units,
            unit_multiplier: item.unit_multiplier,
            price,
            list_price,
            lot_number: item.batch.and_then(|b| lots.get(&b).cloned()),
        });
    }
    Ok(lines)
}

/// Flourish items carrying the lines' SKUs: the items linked to the lines' products in one
/// `item_id` read, then, for a SKU none of them carries, one query per SKU (the list filter is
/// exact). SKUs that no item carries exactly are looked for once more, all together, in one
/// listing of every item compared trimmed, so an item stored with stray whitespace is found;
/// the index keeps the SKU as Flourish stores it, which is what its order lines must carry.
async fn items(context: &SyncContext, lines: &[OrderLine]) -> Result<ItemIndex, JobError> {
    let mut pairs = super::line_reads::linked_items(context, lines).await?;
    let mut asked: Vec<&str> = Vec::new();
    let mut missed: Vec<SkuKey> = Vec::new();
    for line in lines {
        let sku = line.sku.trim();
        if sku.is_empty() || asked.contains(&sku) || pairs.iter().any(|(_, s)| s.trim() == sku) {
            continue;
        }
        asked.push(sku);
        let filter = ItemFilter {
            sku: Some(sku.to_owned()),
            ..ItemFilter::default()
        };
        let found = context.flourish.list_items(&filter).await?;
        if found.is_empty() {
            missed.push(SkuKey::new(sku));
        }
        pairs.extend(found.into_iter().map(|item| (item.id, item.sku)));
    }
    if !missed.is_empty() {
        let every = context.flourish.list_items(&ItemFilter::default()).await?;
        pairs.extend(
            every
                .into_iter()
                .filter(|item| missed.contains(&SkuKey::new(&item.sku)))
                .map(|item| (item.id, item.sku)),
        );
    }
    Ok(ItemIndex::new(
        pairs.iter().map(|(id, sku)| (id.as_str(), sku.as_str())),
    ))
}

/// Flourish items carrying the lines' SKUs (compared trimmed), from the pass's listing of every
/// item.
async fn listed_items(
    context: &SyncContext,
    lines: &[OrderLine],
    want: Freshness,
) -> Result<ItemIndex, JobError> {
    let listing = context.listed_items(want).await?;
    let mut skus: Vec<SkuKey> = lines.iter().map(|line| SkuKey::new(&line.sku)).collect();
    skus.sort();
    skus.dedup();
    let found: Vec<_> = skus
        .iter()
        .filter(|sku| !sku.is_empty())
        .flat_map(|sku| listing.with_sku(sku))
        .collect();
    Ok(ItemIndex::new(
        found
            .iter()
            .map(|item| (item.id.as_str(), item.sku.as_str())),
    ))
}

/// A decimal as LeafLink writes quantities and amounts (`"12.5000"`, `"-3"`), exactly, or
/// the reason it is not one. Nothing is rounded and nothing defaults: an order line with an
/// unreadable quantity or price must not be written as zero.
pub(crate) fn parse_decimal(text: &str) -> Result<Decimal, String> {
    let trimmed = text.trim();
    let digits = trimmed.strip_prefix(['-', '+']).unwrap_or(trimmed);
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    let shaped = !whole.is_empty()
        && whole.bytes().all(|b| b.is_ascii_digit())
        && fraction.bytes().all(|b| b.is_ascii_digit());
    if !shaped {
        return Err(format!("{text:?} is not a decimal number"));
    }
    Decimal::from_str_exact(trimmed)
        .map(|d| d.normalize())
        .map_err(|e| format!("{text:?} cannot be held exactly ({e})"))
}

/// [`parse_decimal`] for a field of an order: refusal fails the job for good, with the reason.
pub(super) fn decimal(field: &str, text: &str) -> Result<Decimal, JobError> {
    parse_decimal(text).map_err(|reason| {
        JobError::Permanent(format!("LeafLink sent an unreadable {field}: {reason}"))
    })
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn leaflink_decimals_parse_exactly_or_are_refused() {
        assert_eq!(parse_decimal(" 12.5000 ").unwrap().to_string(), "12.5");
        assert_eq!(parse_decimal("-3").unwrap().to_string(), "-3");
        for bad in [
            "",
            "abc",
            "1e3",
            "1.2.3",
            ".5",
            "NaN",
            "1,5",
            "0x10",
            "99999999999999999999999999999999",
        ] {
            assert!(parse_decimal(bad).is_err(), "{bad:?}");
        }
        let error = decimal("line quantity", "ten").unwrap_err();
        assert!(
            matches!(&error, JobError::Permanent(m) if m.contains("line quantity")),
            "{error}"
        );
    }

    /// `text` normalised by hand: no sign for zero, no leading or trailing zeros.
    fn normalised(text: &str) -> String {
        let (negative, digits) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text.strip_prefix('+').unwrap_or(text)),
        };
        let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
        let whole = whole.trim_start_matches('0');
        let fraction = fraction.trim_end_matches('0');
        let mut out = if whole.is_empty() {
            "0".to_owned()
        } else {
            whole.to_owned()
        };
        if !fraction.is_empty() {
            out = format!("{out}.{fraction}");
        }
        if negative && out != "0" {
            out = format!("-{out}");
        }
        out
    }

    proptest! {
        /// Quantities and money amounts as LeafLink writes them come back exactly.
        #[test]
        fn written_decimals_parse_to_their_exact_value(
            sign in "[-+]?", whole in "[0-9]{1,14}", fraction in proptest::option::of("[0-9]{0,10}"),
        ) {
            let text = match &fraction {
                Some(f) => format!("{sign}{whole}.{f}"),
                None => format!("{sign}{whole}"),
            };
            let parsed = parse_decimal(&text).unwrap();
            prop_assert_eq!(parsed.to_string(), normalised(&text));
        }

        /// Any text at all either parses to exactly what it says or is refused.
        #[test]
        fn any_text_parses_exactly_or_is_refused(text in "\\PC{0,30}|[-+0-9.eE, ]{0,30}") {
            if let Ok(parsed) = parse_decimal(&text) {
                prop_assert_eq!(parsed.to_string(), normalised(text.trim()));
            }
        }
    }
}
