//! LeafLink's open orders (Submitted and Accepted, the ones LeafLink reserves stock for) read
//! once per pass as one snapshot: for each product, the orders whose lines hold it and how much.
//! Every SKU's stock job consults the same snapshot instead of listing the orders itself.

use std::collections::HashMap;
use std::sync::Arc;

use rust_decimal::Decimal;

use super::cache::Freshness;
use super::{SyncContext, store_error};
use crate::jobs::JobError;
use crate::leaflink::client::OrderQuery;
use crate::leaflink::model::{OrderReceived, OrderStatus, Product};
use crate::remote::ClientError;
use crate::store::links::{self, LinkKind};

/// What the open orders hold, by product.
#[derive(Debug, Default)]
pub struct OpenOrders {
    /// Product id → (order number, quantity of each line holding it).
    by_product: HashMap<i64, Vec<(String, Decimal)>>,
}

impl OpenOrders {
    /// Indexes the lines of `orders` by product (lines with an unreadable quantity count zero).
    pub fn new(orders: &[OrderReceived]) -> Self {
        let mut by_product: HashMap<i64, Vec<(String, Decimal)>> = HashMap::new();
        for order in orders {
            for line in order.line_items.iter().flatten() {
                by_product
                    .entry(line.product)
                    .or_default()
                    .push((order.number.clone(), decimal(&line.quantity.0)));
            }
        }
        Self { by_product }
    }

    /// The (order number, quantity) of every open line holding `product`.
    pub fn lines_of(&self, product: i64) -> &[(String, Decimal)] {
        self.by_product.get(&product).map_or(&[], Vec::as_slice)
    }
}

fn decimal(text: &str) -> Decimal {
    text.trim().parse().unwrap_or_default()
}

impl SyncContext {
    /// LeafLink's Submitted and Accepted orders with their lines, in one listing shared by the
    /// jobs of a pass, read as recently as `want`.
    pub async fn open_orders(&self, want: Freshness) -> Result<Arc<OpenOrders>, ClientError> {
        let client = &self.leaflink;
        let query = OrderQuery {
            statuses: vec![OrderStatus::Submitted, OrderStatus::Accepted],
            ..OrderQuery::default()
        };
        self.caches
            .open_orders
            .get(self.ttl_ms(), want, || async {
                let orders = client.list_orders_received(&query).await?;
                Ok::<_, ClientError>(OpenOrders::new(&orders))
            })
            .await
    }
}

/// What LeafLink reserves of `product` for Submitted and Accepted orders that are linked to a
/// Flourish order (so Flourish's sellable already excludes them), from the open orders read as
/// recently as `want`. No call when the product reserves nothing; LeafLink's own figure bounds
/// the answer.
pub(crate) async fn reserved_in_flourish(
    ctx: &SyncContext,
    product: &Product,
    want: Freshness,
) -> Result<Decimal, JobError> {
    let reserved = decimal(&product.reserved_qty.0);
    if reserved <= Decimal::ZERO {
        return Ok(Decimal::ZERO);
    }
    let open = ctx.open_orders(want).await?;
    let mut total = Decimal::ZERO;
    let mut checked: HashMap<&str, bool> = HashMap::new();
    for (number, quantity) in open.lines_of(product.id) {
        let linked = match checked.get(number.as_str()) {
            Some(linked) => *linked,
            None => {
                let link = links::get(&ctx.db.pool, &ctx.connection, LinkKind::Order, number)
                    .await
                    .map_err(store_error)?;
                checked.insert(number, link.is_some());
                link.is_some()
            }
        };
        if linked {
            total += *quantity;
        }
    }
    Ok(total.min(reserved))
}
