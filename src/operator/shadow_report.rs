//! The rehearsal report: what live mode would have done over a window, built in one pass from
//! the plans the shadow gate stored (`shadowed` events, and `needs_attention` ones marked as
//! found during the rehearsal). Every figure lists the ids of the events behind it. Surprises —
//! what most likely needs a person's eye — come first.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::store::events::rehearsal::RehearsedRow;

/// Default for [`ReportSettings::price_change_percent`].
pub const DEFAULT_PRICE_CHANGE_PERCENT: u32 = 20;

/// What the report flags.
#[derive(Clone, Copy, Debug)]
pub struct ReportSettings {
    /// A price change larger than this (percent of the old price) is a surprise.
    pub price_change_percent: u32,
}

impl Default for ReportSettings {
    fn default() -> Self {
        Self {
            price_change_percent: DEFAULT_PRICE_CHANGE_PERCENT,
        }
    }
}

/// A count with the events behind it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally {
    /// What is counted (a facility id, a sales rep id, a reason…).
    pub key: String,
    pub count: u64,
    pub event_ids: Vec<String>,
}

/// Something that most likely needs a person's eye before go-live.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Surprise {
    /// `new_facility_for_customer`, `large_price_change`, `stock_to_zero_with_open_orders`,
    /// `near_duplicate_license`.
    pub kind: String,
    pub message: String,
    pub event_ids: Vec<String>,
}

/// A record live mode would create (destination, strain, product).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Creation {
    /// Its key: a licence, a strain name, a SKU.
    pub key: String,
    pub name: String,
    pub event_ids: Vec<String>,
}

/// One field live mode would change.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldChange {
    pub field: String,
    /// The value now, when the plan recorded it.
    pub before: Option<Value>,
    pub after: Value,
}

/// A LeafLink product live mode would update.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductUpdate {
    pub sku: String,
    pub product_id: i64,
    pub changes: Vec<FieldChange>,
    pub event_ids: Vec<String>,
}

/// A LeafLink quantity live mode would write (the latest plan per SKU).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockUpdate {
    pub sku: String,
    pub product_id: i64,
    /// What LeafLink shows now, when the plan recorded it.
    pub before: Option<Decimal>,
    pub after: Decimal,
    /// `after - before` (the whole quantity when the figure before is unknown).
    pub change: Decimal,
    pub event_ids: Vec<String>,
}

/// Requests sent to one platform during one hour, against its limit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HourlyCalls {
    pub platform: String,
    /// Start of the hour (ms since the epoch).
    pub hour: i64,
    pub calls: u64,
    /// The platform's limit for an hour (requests per minute × 60).
    pub limit: u64,
}

/// What live mode would have done over a window.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ShadowReport {
    pub connection: String,
    /// The window (ms since the epoch): `[since, until)`.
    pub since: i64,
    pub until: i64,
    /// Rehearsed events in the window.
    pub events: u64,
    pub surprises: Vec<Surprise>,
    /// Orders that would be created, per Flourish facility id.
    pub orders_by_facility: Vec<Tally>,
    /// Orders that would be created, per Flourish sales rep id (`none` without one).
    pub orders_by_sales_rep: Vec<Tally>,
    /// Orders that would be held, per reason.
    pub orders_held: Vec<Tally>,
    /// Other order writes (cancel to move, line updates, external id write-back), per step.
    pub order_changes: Vec<Tally>,
    pub destinations_created: Vec<Creation>,
    pub strains_created: Vec<Creation>,
    pub products_created: Vec<Creation>,
    pub products_updated: Vec<ProductUpdate>,
    /// Largest changes first.
    pub stock_updates: Vec<StockUpdate>,
    /// LeafLink order transitions, per transition.
    pub status_transitions: Vec<Tally>,
    /// Data problems found during the rehearsal, per reason.
    pub attention: Vec<Tally>,
    /// Platform requests per hour (this process's own count, kept for a day; empty when the
    /// report is read from the database alone).
    pub platform_calls: Vec<HourlyCalls>,
}

/// Adds `event` under `key`.
fn count(tallies: &mut BTreeMap<String, Tally>, key: &str, event: &str) {
    let tally = tallies.entry(key.to_owned()).or_insert_with(|| Tally {
        key: key.to_owned(),
        ..Tally::default()
    });
    tally.count += 1;
    if !tally.event_ids.iter().any(|id| id == event) {
        tally.event_ids.push(event.to_owned());
    }
}

/// Largest count first, then by key.
fn ranked(tallies: BTreeMap<String, Tally>) -> Vec<Tally> {
    let mut list: Vec<Tally> = tallies.into_values().collect();
    list.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.key.cmp(&b.key)));
    list
}

/// Adds a creation of `key`, or the event to the one already listed.
fn created(list: &mut BTreeMap<String, Creation>, key: &str, name: &str, event: &str) {
    let entry = list.entry(key.to_owned()).or_insert_with(|| Creation {
        key: key.to_owned(),
        name: name.to_owned(),
        event_ids: Vec::new(),
    });
    if !entry.event_ids.iter().any(|id| id == event) {
        entry.event_ids.push(event.to_owned());
    }
}

/// A licence as people mistype it: case, spaces, dashes and dots ignored.
fn loose_license(license: &str) -> String {
    license
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn decimal(value: &Value) -> Option<Decimal> {
    match value {
        Value::String(s) => s.parse().ok(),
        Value::Number(n) => n.to_string().parse().ok(),
        _ => None,
    }
}

/// The report's state while rows are read.
#[derive(Default)]
struct Builder {
    events: u64,
    /// Order number → (facility, sales rep, event) of its latest create plan: an order planned
    /// again (a rep change) counts once, where it would go last.
    orders: BTreeMap<String, (String, String, String)>,
    held: BTreeMap<String, Tally>,
    order_changes: BTreeMap<String, Tally>,
    destinations: BTreeMap<String, Creation>,
    strains: BTreeMap<String, Creation>,
    products: BTreeMap<String, Creation>,
    updates: Vec<ProductUpdate>,
    stock: BTreeMap<String, StockUpdate>,
    transitions: BTreeMap<String, Tally>,
    attention: BTreeMap<String, Tally>,
    surprises: Vec<Surprise>,
    /// Customer (destination id or licence) → (order number, facility) of its orders so far.
    facilities_of: HashMap<String, Vec<(String, String)>>,
    /// SKU (lower case) → events of orders with a line of it.
    open_skus: HashMap<String, Vec<String>>,
    /// Loose licence → licences seen (existing destinations and ones to create).
    licenses: HashMap<String, BTreeSet<String>>,
}

/// Builds the report from the window's rehearsed rows (oldest first).
pub fn build(
    connection: &str,
    since: i64,
    until: i64,
    rows: &[RehearsedRow],
    settings: ReportSettings,
) -> ShadowReport {
    let mut builder = Builder::default();
    for row in rows {
        let detail: Option<Value> = row
            .detail
            .as_deref()
            .and_then(|d| serde_json::from_str(d).ok());
        if !crate::sync::shadow::is_rehearsal(detail.as_ref()) {
            continue;
        }
        let detail = detail.unwrap_or_default();
        builder.events += 1;
        builder.row(row, &detail, settings);
    }
    builder.finish(connection, since, until)
}

impl Builder {
    fn row(&mut self, row: &RehearsedRow, detail: &Value, settings: ReportSettings) {
        let id = row.id.as_str();
        let reason = row.reason.clone().unwrap_or_default();
        let would_be = detail["would_be"].as_str().unwrap_or_default();
        let job_kind = row.entity_key.split(':').next().unwrap_or_default();
        if row.outcome == "needs_attention" || would_be == "needs_attention" {
            count(&mut self.attention, &reason, id);
            return;
        }
        if would_be == "held" {
            count(&mut self.held, &reason, id);
            return;
        }
        let plan = &detail["plan"];
        if plan.is_null() {
            return;
        }
        match job_kind {
            "leaflink.order" => self.order(id, plan),
            "leaflink.customer" => self.customer(id, plan),
            "flourish.item" => self.item(id, plan, detail, settings),
            "flourish.inventory_summary" => self.stock(id, plan),
            "flourish.order" => {
                for step in plan["steps"].as_array().into_iter().flatten() {
                    count(&mut self.transitions, &text(step), id);
                }
            }
            _ => {}
        }
    }

    fn order(&mut self, id: &str, plan: &Value) {
        let mut created_license = None;
        for step in plan["steps"].as_array().into_iter().flatten() {
            match step["step"].as_str().unwrap_or_default() {
                "create_destination" => {
                    let license = text(&step["license_number"]);
                    self.new_destination(id, &license, &text(&step["name"]));
                    created_license = Some(license);
                }
                "create_order" => {
                    let facility = text(&step["facility_id"]);
                    let draft = &step["draft"];
                    let rep = match text(&draft["sales_rep_id"]) {
                        rep if rep.is_empty() => "none".to_owned(),
                        rep => rep,
                    };
                    let number = text(&draft["original_order_id"]);
                    let latest = (facility.clone(), rep, id.to_owned());
                    self.orders.insert(number, latest);
                    let customer = match draft["destination"]["id"].as_str() {
                        Some(destination) => format!("destination {destination}"),
                        None => format!("licence {}", created_license.clone().unwrap_or_default()),
                    };
                    self.routed(id, &customer, &facility, &text(&draft["original_order_id"]));
                    for line in draft["lines"].as_array().into_iter().flatten() {
                        let sku = text(&line["sku"]).trim().to_lowercase();
                        self.open_skus.entry(sku).or_default().push(id.to_owned());
                    }
                }
                other => count(&mut self.order_changes, other, id),
            }
        }
    }

    /// Flags an order routed to a facility none of the customer's other orders went to.
    fn routed(&mut self, id: &str, customer: &str, facility: &str, number: &str) {
        let seen = self.facilities_of.entry(customer.to_owned()).or_default();
        let others: BTreeSet<&str> = seen
            .iter()
            .filter(|(other, _)| other != number)
            .map(|(_, f)| f.as_str())
            .collect();
        if !others.is_empty() && !others.contains(facility) {
            let before: Vec<&str> = others.into_iter().collect();
            self.surprises.push(Surprise {
                kind: "new_facility_for_customer".into(),
                message: format!(
                    "order {number} of {customer} would go to facility {facility}; its earlier \
                     orders went to {}",
                    before.join(", ")
                ),
                event_ids: vec![id.to_owned()],
            });
        }
        seen.push((number.to_owned(), facility.to_owned()));
    }

    fn customer(&mut self, id: &str, plan: &Value) {
        for step in plan["steps"].as_array().into_iter().flatten() {
            match step["step"].as_str().unwrap_or_default() {
                "create_destination" => {
                    let license = text(&step["license_number"]);
                    self.new_destination(id, &license, &text(&step["name"]));
                }
                other => count(&mut self.order_changes, &format!("customer {other}"), id),
            }
        }
    }

    /// Lists a destination to create; flags a licence that differs from another only by case,
    /// spacing or punctuation.
    fn new_destination(&mut self, id: &str, license: &str, name: &str) {
        created(&mut self.destinations, license, name, id);
        let seen = self.licenses.entry(loose_license(license)).or_default();
        if let Some(other) = seen.iter().find(|other| other.as_str() != license) {
            self.surprises.push(Surprise {
                kind: "near_duplicate_license".into(),
                message: format!(
                    "a destination would be created for licence \"{license}\", which differs \
                     from \"{other}\" only by case or spacing"
                ),
                event_ids: vec![id.to_owned()],
            });
        }
        seen.insert(license.to_owned());
    }

    fn item(&mut self, id: &str, plan: &Value, detail: &Value, settings: ReportSettings) {
        let sku = text(&plan["sku"]);
        for step in plan["steps"].as_array().into_iter().flatten() {
            match step["step"].as_str().unwrap_or_default() {
                "create_strain" => {
                    let name = text(&step["name"]);
                    created(&mut self.strains, &name.to_lowercase(), &name, id);
                }
                "create_product" => created(&mut self.products, &sku, &text(&step["name"]), id),
                "patch_product" => {
                    let before = &detail["before"];
                    let changes: Vec<FieldChange> = step["patch"]
                        .as_object()
                        .into_iter()
                        .flatten()
                        .map(|(field, after)| FieldChange {
                            field: field.clone(),
                            before: before.get(field).cloned(),
                            after: after.clone(),
                        })
                        .collect();
                    self.price_surprises(id, &sku, &changes, settings);
                    self.updates.push(ProductUpdate {
                        sku: sku.clone(),
                        product_id: step["product_id"].as_i64().unwrap_or_default(),
                        changes,
                        event_ids: vec![id.to_owned()],
                    });
                }
                _ => {}
            }
        }
    }

    /// Flags a price that would change by more than the configured percentage.
    fn price_surprises(
        &mut self,
        id: &str,
        sku: &str,
        changes: &[FieldChange],
        settings: ReportSettings,
    ) {
        for change in changes.iter().filter(|c| c.field.contains("price")) {
            let (Some(before), Some(after)) = (
                change.before.as_ref().and_then(decimal),
                decimal(&change.after),
            ) else {
                continue;
            };
            if before.is_zero() {
                continue;
            }
            let percent = ((after - before) / before * Decimal::from(100)).abs();
            if percent > Decimal::from(settings.price_change_percent) {
                self.surprises.push(Surprise {
                    kind: "large_price_change".into(),
                    message: format!(
                        "{} of SKU {sku} would change from {before} to {after} ({}%)",
                        change.field,
                        percent.round_dp(1)
                    ),
                    event_ids: vec![id.to_owned()],
                });
            }
        }
    }

    fn stock(&mut self, id: &str, plan: &Value) {
        let sku = text(&plan["sku"]);
        let Some(after) = decimal(&plan["quantity"]) else {
            return;
        };
        let before = decimal(&plan["previous"]);
        let entry = self
            .stock
            .entry(sku.clone())
            .or_insert_with(|| StockUpdate {
                sku: sku.clone(),
                product_id: plan["product_id"].as_i64().unwrap_or_default(),
                before,
                after,
                change: Decimal::ZERO,
                event_ids: Vec::new(),
            });
        // The first plan's figure before, the latest plan's figure after.
        entry.after = after;
        entry.change = after - entry.before.unwrap_or_default();
        entry.event_ids.push(id.to_owned());
    }

    fn finish(mut self, connection: &str, since: i64, until: i64) -> ShadowReport {
        let mut by_facility = BTreeMap::new();
        let mut by_rep = BTreeMap::new();
        for (facility, rep, event) in self.orders.values() {
            count(&mut by_facility, facility, event);
            count(&mut by_rep, rep, event);
        }
        for stock in self.stock.values() {
            let Some(orders) = self.open_skus.get(&stock.sku.trim().to_lowercase()) else {
                continue;
            };
            if stock.after.is_zero() && stock.before.is_none_or(|b| !b.is_zero()) {
                let mut event_ids = stock.event_ids.clone();
                event_ids.extend(orders.iter().cloned());
                self.surprises.push(Surprise {
                    kind: "stock_to_zero_with_open_orders".into(),
                    message: format!(
                        "SKU {} would show 0 on LeafLink while {} order(s) of the window hold it",
                        stock.sku,
                        orders.len()
                    ),
                    event_ids,
                });
            }
        }
        let mut stock_updates: Vec<StockUpdate> = self.stock.into_values().collect();
        stock_updates.sort_by(|a, b| {
            b.change
                .abs()
                .cmp(&a.change.abs())
                .then_with(|| a.sku.cmp(&b.sku))
        });
        ShadowReport {
            connection: connection.to_owned(),
            since,
            until,
            events: self.events,
            surprises: self.surprises,
            orders_by_facility: ranked(by_facility),
            orders_by_sales_rep: ranked(by_rep),
            orders_held: ranked(self.held),
            order_changes: ranked(self.order_changes),
            destinations_created: self.destinations.into_values().collect(),
            strains_created: self.strains.into_values().collect(),
            products_created: self.products.into_values().collect(),
            products_updated: self.updates,
            stock_updates,
            status_transitions: ranked(self.transitions),
            attention: ranked(self.attention),
            platform_calls: Vec::new(),
        }
    }
}

impl super::Operator {
    /// The rehearsal report for events received in `[since, until)`.
    pub async fn shadow_report(
        &self,
        since: i64,
        until: i64,
        settings: ReportSettings,
    ) -> Result<ShadowReport, super::OperatorError> {
        let rows = crate::store::events::rehearsal::in_window(
            &self.db.pool,
            &self.connection,
            since,
            until,
        )
        .await?;
        let mut report = build(&self.connection, since, until, &rows, settings);
        if let Some(sync) = &self.sync {
            let platforms = [
                (
                    "leaflink",
                    sync.leaflink.usage(),
                    sync.leaflink.requests_per_minute(),
                ),
                (
                    "flourish",
                    sync.flourish.usage(),
                    sync.flourish.requests_per_minute(),
                ),
            ];
            for (platform, usage, per_minute) in platforms {
                let hours = usage.per_hour().into_iter();
                report.platform_calls.extend(
                    hours
                        .filter(|(hour, _)| *hour + 3_600_000 > since && *hour < until)
                        .map(|(hour, calls)| HourlyCalls {
                            platform: platform.into(),
                            hour,
                            calls,
                            limit: u64::from(per_minute) * 60,
                        }),
                );
            }
        }
        Ok(report)
    }
}

#[cfg(test)]
mod tests;
