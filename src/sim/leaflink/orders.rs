//! Order behaviour: the status machine behind `transition/{action}/`, stock reservation, the
//! user's order actions, and the webhook shape of orders (`orderedproduct_set`).

use serde::Deserialize;
use serde_json::{Value, json};

use super::state::{Db, SimError, recompute_available};
use crate::leaflink::model::{
    Decimal, LineItem, Money, OrderAction, OrderCustomer, OrderReceived, OrderSalesRep,
    OrderStatus, WebhookCustomer, WebhookOrder, WebhookOrderLine, WebhookProductRef,
    WebhookSalesRep,
};
use crate::sim::common::WebhookOutbox;

/// The status an action leads to, if `from` allows it.
pub fn next_status(from: OrderStatus, action: OrderAction) -> Option<OrderStatus> {
    use OrderStatus::*;
    let (allowed, to): (&[OrderStatus], OrderStatus) = match action {
        OrderAction::Submit => (&[Draft], Submitted),
        OrderAction::Accept => (&[Submitted, Backorder], Accepted),
        OrderAction::Fulfill => (&[Accepted, Backorder], Fulfilled),
        OrderAction::Ship => (&[Fulfilled], Shipped),
        OrderAction::Complete => (&[Fulfilled, Shipped], Complete),
        OrderAction::Reject => (
            &[Submitted, Accepted, Backorder, Fulfilled, Shipped],
            Rejected,
        ),
        OrderAction::Cancel => (
            &[Draft, Submitted, Accepted, Backorder, Fulfilled],
            Cancelled,
        ),
    };
    allowed.contains(&from).then_some(to)
}

/// Whether the seller (the API key's company) may take `action`: `submit` and `cancel` are the
/// buyer's.
pub fn seller_may(action: OrderAction) -> bool {
    !matches!(action, OrderAction::Submit | OrderAction::Cancel)
}

/// The states the seller can move an order in `status` to, lower case, as
/// `available_transitions` lists them (an Accepted order: `["fulfilled", "rejected"]`).
pub fn available_transitions(status: OrderStatus) -> Vec<String> {
    OrderAction::ALL
        .into_iter()
        .filter(|action| seller_may(*action))
        .filter_map(|action| next_status(status, action))
        .map(|to| to.as_str().to_lowercase())
        .collect()
}

/// Submitted and Accepted orders hold their quantities as `reserved_qty` on the products.
fn reserves(status: OrderStatus) -> bool {
    use OrderStatus::*;
    matches!(status, Submitted | Accepted)
}

/// From fulfilment on, an order's quantities have left the product's `quantity`.
fn takes(status: OrderStatus) -> bool {
    use OrderStatus::*;
    matches!(status, Fulfilled | Shipped | Complete)
}

/// One line of an order a buyer places: cases (`bulk_units`) or individual units (`quantity`).
#[derive(Clone, Debug, Deserialize)]
pub struct SimOrderLine {
    pub product: i64,
    #[serde(default)]
    pub bulk_units: Option<i64>,
    #[serde(default)]
    pub quantity: Option<Decimal>,
    #[serde(default)]
    pub batch: Option<i64>,
}

impl SimOrderLine {
    /// `cases` cases (`bulk_units`) of `product`.
    pub fn cases(product: i64, cases: i64) -> Self {
        Self {
            product,
            bulk_units: Some(cases),
            quantity: None,
            batch: None,
        }
    }

    /// `units` individual units of `product`.
    pub fn units(product: i64, units: &str) -> Self {
        Self {
            product,
            bulk_units: None,
            quantity: Some(Decimal::from(units)),
            batch: None,
        }
    }

    /// Sells from batch `batch` (a batch id).
    pub fn with_batch(mut self, batch: i64) -> Self {
        self.batch = Some(batch);
        self
    }
}

/// Places a Submitted order as a buyer would; reserves stock and emits the webhooks.
pub fn place_order(
    db: &mut Db,
    outbox: &WebhookOutbox,
    customer: i64,
    sales_reps: &[i64],
    lines: &[SimOrderLine],
) -> Result<String, SimError> {
    let display_name = db
        .customer(customer)
        .map(|c| c.nickname.clone().unwrap_or_else(|| c.name.clone()))
        .ok_or_else(|| SimError::bad_request(format!("customer {customer} does not exist")))?;
    db.check_staff(sales_reps)?;
    let number = uuid::Uuid::new_v4().to_string();
    let mut items = Vec::new();
    for line in lines {
        items.push(new_line(db, &number, line)?);
    }
    let now = db.tick();
    let order = OrderReceived {
        short_id: number[number.len() - 8..].to_owned(),
        number: number.clone(),
        status: OrderStatus::Submitted,
        customer: OrderCustomer {
            id: customer,
            display_name: Some(display_name),
            ..Default::default()
        },
        sales_reps: sales_reps
            .iter()
            .map(|id| OrderSalesRep {
                id: *id,
                user: None,
            })
            .collect(),
        created_on: now,
        modified: Some(now),
        notes: None,
        ship_date: None,
        external_ids: Default::default(),
        available_transitions: Vec::new(),
        line_items: Some(items),
        is_combination: false,
        money: Default::default(),
    };
    db.orders.push(order);
    let index = db.orders.len() - 1;
    let payments = db.order_payments.clone();
    super::money::recompute(&mut db.orders[index], &payments);
    adjust_stock(db, outbox, index, None, OrderStatus::Submitted);
    emit_order(db, outbox, index, "create");
    Ok(number)
}

fn new_line(db: &mut Db, number: &str, line: &SimOrderLine) -> Result<LineItem, SimError> {
    let id = db.new_id();
    let product = db.product_mut(line.product)?;
    let multiplier = product.unit_multiplier.max(1);
    let quantity = match (line.bulk_units, &line.quantity) {
        (Some(cases), _) => (cases * multiplier) as f64,
        (None, Some(units)) => units
            .as_f64()
            .ok_or_else(|| SimError::bad_request("bad quantity"))?,
        (None, None) => return Err(SimError::bad_request("a line needs bulk_units or quantity")),
    };
    let price = product
        .wholesale_price
        .clone()
        .unwrap_or_else(|| Money::usd("0.00"));
    Ok(LineItem {
        id,
        order: Some(number.to_owned()),
        product: line.product,
        quantity: Decimal::from_f64(quantity),
        unit_multiplier: multiplier,
        bulk_units: Some((quantity / multiplier as f64).floor() as i64),
        ordered_unit_price: price.clone(),
        sale_price: price,
        on_sale: false,
        batch: line.batch,
        is_sample: false,
    })
}

/// Applies an API transition; refused (400) from a status that does not allow it.
pub fn transition(
    db: &mut Db,
    outbox: &WebhookOutbox,
    number: &str,
    action: OrderAction,
) -> Result<usize, SimError> {
    if !seller_may(action) {
        return Err(SimError::forbidden(format!(
            "only the buyer may {} an order",
            action.as_str()
        )));
    }
    let index = db.order_index(number)?;
    let from = db.orders[index].status;
    let to = next_status(from, action).ok_or_else(|| {
        SimError::bad_request(format!(
            "cannot {} an order in status {}",
            action.as_str(),
            from.as_str()
        ))
    })?;
    set_status(db, outbox, index, to);
    Ok(index)
}

/// Sets a status directly (a user in the LeafLink UI), moving reservations and emitting webhooks.
pub fn set_status(db: &mut Db, outbox: &WebhookOutbox, index: usize, to: OrderStatus) {
    let from = db.orders[index].status;
    db.orders[index].status = to;
    db.orders[index].modified = Some(db.tick());
    adjust_stock(db, outbox, index, Some(from), to);
    emit_order(db, outbox, index, "edit");
}

/// Reserves or releases the order's quantities; fulfilment releases the reservation and takes
/// them out of stock, and rejecting or cancelling a fulfilled or shipped order puts them back.
/// Each changed product fires its own webhook, as LeafLink does for every order line.
fn adjust_stock(
    db: &mut Db,
    outbox: &WebhookOutbox,
    index: usize,
    from: Option<OrderStatus>,
    to: OrderStatus,
) {
    let delta = |held: fn(OrderStatus) -> bool| -> f64 {
        f64::from(i8::from(held(to)) - i8::from(from.is_some_and(held)))
    };
    let (reserve, take) = (delta(reserves), delta(takes));
    if reserve == 0.0 && take == 0.0 {
        return;
    }
    let lines = db.orders[index].line_items.clone().unwrap_or_default();
    for line in lines {
        let amount = line.quantity.as_f64().unwrap_or(0.0);
        let now = db.tick();
        let Ok(product) = db.product_mut(line.product) else {
            continue;
        };
        let reserved = product.reserved_qty.as_f64().unwrap_or(0.0) + reserve * amount;
        product.reserved_qty = Decimal::from_f64(reserved.max(0.0));
        let quantity = product.quantity.as_f64().unwrap_or(0.0) - take * amount;
        product.quantity = Decimal::from_f64(quantity);
        recompute_available(product);
        product.modified = Some(now);
        let body = json!({"action": "edit", "type": "product", "data": product});
        outbox.emit(&body);
    }
}

/// Queues an order webhook in the webhook shape.
pub fn emit_order(db: &Db, outbox: &WebhookOutbox, index: usize, action: &str) {
    let data = webhook_order(db, &db.orders[index]);
    outbox.emit(&json!({"action": action, "type": "order", "data": data}));
}

/// The webhook's order shape: nested products with SKUs, the customer's license number and
/// the reps' emails. It carries no `modified`.
pub fn webhook_order(db: &Db, order: &OrderReceived) -> Value {
    let customer = db.customer(order.customer.id);
    let lines = order.line_items.iter().flatten().map(|line| {
        let product = db.products.iter().find(|p| p.id == line.product);
        WebhookOrderLine {
            id: line.id,
            quantity: line.quantity.clone(),
            unit_multiplier: line.unit_multiplier,
            sale_price: Some(line.sale_price.clone()),
            batch: line.batch,
            product: WebhookProductRef {
                id: line.product,
                sku: product.map(|p| p.sku.clone()).unwrap_or_default(),
                name: product.map(|p| p.name.clone()).unwrap_or_default(),
            },
        }
    });
    let shape = WebhookOrder {
        number: order.number.clone(),
        short_id: Some(order.short_id.clone()),
        status: order.status,
        customer: Some(WebhookCustomer {
            id: order.customer.id,
            name: customer.map(|c| c.name.clone()),
            license_number: customer.and_then(|c| c.license_number.clone()),
        }),
        sales_reps: order
            .sales_reps
            .iter()
            .map(|rep| WebhookSalesRep {
                id: rep.id,
                email: db.staff(rep.id).and_then(|s| s.email.clone()),
            })
            .collect(),
        orderedproduct_set: lines.collect(),
    };
    let mut data = serde_json::to_value(shape).expect("webhook order serialises");
    // The webhook also carries the order's integer `id` (the REST shape keys on `number`) and
    // the buyer company as an object, as LeafLink's order shape for the buy side has it. The
    // simulator numbers orders by position and gives each customer's company the customer's id.
    let position = db.orders.iter().position(|o| o.number == order.number);
    data["id"] = json!(100_000 + position.unwrap_or(db.orders.len()) as i64);
    data["buyer"] = json!({
        "id": order.customer.id,
        "name": customer.map(|c| c.name.clone()),
        "address": customer.and_then(|c| c.address.clone()),
        "city": customer.and_then(|c| c.city.clone()),
        "state": customer.and_then(|c| c.state.clone()),
        "zip": customer.and_then(|c| c.zipcode.clone()),
        "licenses": customer
            .and_then(|c| c.license_number.clone())
            .map(|number| vec![json!({"number": number})])
            .unwrap_or_default(),
    });
    data["created_on"] = json!(order.created_on);
    data["notes"] = json!(order.notes);
    data["external_ids"] = json!(order.external_ids);
    // The order's money fields, as on the REST shape.
    if let Value::Object(money) = json!(order.money) {
        for (name, value) in money {
            data[name] = value;
        }
    }
    data
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_status_offers_the_states_the_seller_can_reach() {
        use OrderStatus::*;
        let offered = |status| available_transitions(status);
        assert_eq!(offered(Submitted), ["accepted", "rejected"]);
        assert_eq!(offered(Accepted), ["fulfilled", "rejected"]);
        assert_eq!(offered(Backorder), ["accepted", "fulfilled", "rejected"]);
        assert_eq!(offered(Fulfilled), ["rejected", "shipped", "complete"]);
        assert_eq!(offered(Shipped), ["rejected", "complete"]);
        for closed in [Draft, Complete, Rejected, Cancelled, Combined] {
            assert!(offered(closed).is_empty(), "{closed:?}");
        }
    }

    #[test]
    fn only_submitted_and_accepted_orders_reserve_stock() {
        assert!(reserves(OrderStatus::Submitted));
        assert!(reserves(OrderStatus::Accepted));
        assert!(!reserves(OrderStatus::Draft));
        assert!(!reserves(OrderStatus::Fulfilled));
        assert!(takes(OrderStatus::Fulfilled));
        assert!(!takes(OrderStatus::Rejected));
    }
}
