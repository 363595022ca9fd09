//! Orders received, customers and company staff.

use chrono::{DateTime, FixedOffset};

use super::{LeafLinkClient, timestamp};
use crate::leaflink::model::{
    CompanyStaff, Customer, LineItem, NewOrderPayment, OrderAction, OrderPatch, OrderPayment,
    OrderReceived, OrderStatus,
};
use crate::remote::ClientError;

/// The children every order read asks for.
const ORDER_CHILDREN: &str = "line_items,customer,sales_reps";

/// Filters for `GET /orders-received/`.
#[derive(Clone, Debug, Default)]
pub struct OrderQuery {
    pub modified_gte: Option<DateTime<FixedOffset>>,
    pub status: Option<OrderStatus>,
    /// Any of these statuses (sent with `status` as one comma list).
    pub statuses: Vec<OrderStatus>,
    pub status_not: Option<OrderStatus>,
}

/// Filters for `GET /customers/`.
#[derive(Clone, Debug, Default)]
pub struct CustomerQuery {
    /// Exact license number.
    pub license_number: Option<String>,
    /// Any of these license numbers (`license_number__in`).
    pub license_numbers: Vec<String>,
    pub modified_gte: Option<DateTime<FixedOffset>>,
}

impl LeafLinkClient {
    /// Every order received matching `query`, with line items, customer and sales reps.
    pub async fn list_orders_received(
        &self,
        query: &OrderQuery,
    ) -> Result<Vec<OrderReceived>, ClientError> {
        let mut filters = vec![("include_children", ORDER_CHILDREN.to_owned())];
        if let Some(at) = &query.modified_gte {
            filters.push(("modified__gte", timestamp(at)));
        }
        let statuses: Vec<String> = query
            .status
            .iter()
            .chain(&query.statuses)
            .map(|status| status.as_str().to_ascii_lowercase())
            .collect();
        if !statuses.is_empty() {
            filters.push(("status", statuses.join(",")));
        }
        if let Some(status) = query.status_not {
            filters.push(("status__not", status.as_str().to_ascii_lowercase()));
        }
        self.list_all(&["orders-received"], &filters).await
    }

    /// One order by its number (UUID), with children.
    pub async fn get_order_received(&self, number: &str) -> Result<OrderReceived, ClientError> {
        let query = [("include_children", ORDER_CHILDREN.to_owned())];
        self.get(&["orders-received", number], &query).await
    }

    /// Patches an order (e.g. `external_ids`).
    pub async fn patch_order_received(
        &self,
        number: &str,
        patch: &OrderPatch,
    ) -> Result<OrderReceived, ClientError> {
        self.write(
            reqwest::Method::PATCH,
            &["orders-received", number],
            Some(patch),
        )
        .await
    }

    /// The payments recorded on an order (`GET /orders-received/{number}/payments/`).
    pub async fn order_payments(&self, number: &str) -> Result<Vec<OrderPayment>, ClientError> {
        self.list_all(&["orders-received", number, "payments"], &[])
            .await
    }

    /// Records a payment on an order (`POST /order-payments/`).
    pub async fn create_order_payment(
        &self,
        payment: &NewOrderPayment,
    ) -> Result<OrderPayment, ClientError> {
        self.write(reqwest::Method::POST, &["order-payments"], Some(payment))
            .await
    }

    /// Moves an order through its state machine; LeafLink refuses actions the state forbids.
    pub async fn transition_order(
        &self,
        number: &str,
        action: OrderAction,
    ) -> Result<OrderReceived, ClientError> {
        let path = ["orders-received", number, "transition", action.as_str()];
        self.write(reqwest::Method::POST, &path, None::<&()>).await
    }

    /// An order's line items (a plain array, not paginated).
    pub async fn order_line_items(&self, number: &str) -> Result<Vec<LineItem>, ClientError> {
        self.get(&["orders-received", number, "line-items"], &[])
            .await
    }

    /// Customers matching `query` (all given filters apply).
    pub async fn list_customers(
        &self,
        query: &CustomerQuery,
    ) -> Result<Vec<Customer>, ClientError> {
        let mut filters = Vec::new();
        if let Some(license) = &query.license_number {
            filters.push(("license_number", license.clone()));
        }
        if !query.license_numbers.is_empty() {
            filters.push(("license_number__in", query.license_numbers.join(",")));
        }
        if let Some(at) = &query.modified_gte {
            filters.push(("modified__gte", timestamp(at)));
        }
        self.list_all(&["customers"], &filters).await
    }

    pub async fn get_customer(&self, id: i64) -> Result<Customer, ClientError> {
        self.get(&["customers", &id.to_string()], &[]).await
    }

    /// All company staff (there is no email filter: match locally).
    pub async fn list_company_staff(&self) -> Result<Vec<CompanyStaff>, ClientError> {
        self.list_all(&["company-staff"], &[]).await
    }

    pub async fn get_company_staff(&self, id: i64) -> Result<CompanyStaff, ClientError> {
        self.get(&["company-staff", &id.to_string()], &[]).await
    }
}
