//! Flow D: a LeafLink customer becomes (or is linked to) the Flourish destination with its
//! licence number. The party conversions and destination reads it shares with Flow A live in
//! `sync::parties`.

use std::sync::Arc;

use crate::jobs::{JobContext, JobError, Processed, Processor, Processors};
use crate::leaflink::client::CustomerQuery;
use crate::leaflink::model::Customer as LeafLinkCustomer;
use crate::matcher::records::Customer;
use crate::matcher::{
    CustomerInput, CustomerPlan, CustomerStep, DestinationIndex, LicenseKey, LinkSet, Outcome,
    plan_customer,
};
use crate::remote::ClientError;

use super::SyncContext;
use super::cache::Freshness;
use super::parties::{
    create_destination, destinations_for, link_destination, listed_destinations_for, to_customer,
    updated_fields,
};
use super::record::{self, Writes};
use super::step::{StepError, refused};

/// Registers `leaflink.customer`.
pub fn register(processors: &mut Processors, context: &Arc<SyncContext>) {
    let processor = CustomerProcessor {
        context: context.clone(),
    };
    processors.register("leaflink.customer", Arc::new(processor));
}

/// Processes `leaflink.customer` jobs (key: licence number, or `id:<customer id>`).
pub struct CustomerProcessor {
    context: Arc<SyncContext>,
}

/// What Flow D reads before planning.
struct Loaded {
    customer: Customer,
    destinations: DestinationIndex,
    links: LinkSet,
}

#[async_trait::async_trait]
impl Processor for CustomerProcessor {
    async fn process(&self, job: &JobContext) -> Result<Processed, JobError> {
        let (loaded, plan) = match self.plan(job).await? {
            Ok(planned) => planned,
            Err(outcome) => return Ok(record::from_outcome(&outcome, None, Writes::default())),
        };
        let plan_json = serde_json::to_value(&plan).unwrap_or_default();
        let mut writes = Writes::default();
        match self.apply(&plan, &loaded, &mut writes).await? {
            None => Ok(record::synced(plan.summary(), plan_json, writes)),
            Some(outcome) => Ok(record::from_outcome(&outcome, Some(plan_json), writes)),
        }
    }

    async fn dry_run(&self, job: &JobContext) -> Result<serde_json::Value, JobError> {
        Ok(match self.plan(job).await? {
            Ok((_, plan)) => serde_json::json!({"plan": plan, "summary": plan.summary()}),
            Err(outcome) => serde_json::json!({"outcome": outcome}),
        })
    }
}

impl CustomerProcessor {
    /// Reads and plans. The jobs of a resync or poll share one listing of every customer and
    /// every destination (read after their event); a webhook's job reads fresh. A plan from
    /// shared listings that would write is planned again from fresh reads, so a shared value
    /// never causes a write that a fresh read would not.
    async fn plan(
        &self,
        job: &JobContext,
    ) -> Result<Result<(Loaded, CustomerPlan), Outcome>, JobError> {
        let key = super::entity_id(job);
        if matches!(job.source.as_str(), "operator" | super::poll::SOURCE) {
            let want = Freshness::of_event(&self.context, job).await?;
            let loaded = match self.load(key, Some(want)).await? {
                Ok(loaded) => loaded,
                Err(outcome) => return Ok(Err(outcome)),
            };
            if let Err(outcome) = plan_customer(self.input(&loaded)) {
                return Ok(Err(outcome));
            }
        }
        let loaded = match self.load(key, None).await? {
            Ok(loaded) => loaded,
            Err(outcome) => return Ok(Err(outcome)),
        };
        Ok(plan_customer(self.input(&loaded)).map(|plan| (loaded, plan)))
    }

    fn input<'a>(&self, loaded: &'a Loaded) -> CustomerInput<'a> {
        CustomerInput {
            customer: &loaded.customer,
            destinations: &loaded.destinations,
            links: &loaded.links,
            overwrite: self.context.settings.overwrite_destinations,
        }
    }

    /// Re-reads the customer from LeafLink and the destinations that could match it, from the
    /// listings shared by the jobs of a pass when `shared` says how recent they must be.
    async fn load(
        &self,
        key: &str,
        shared: Option<Freshness>,
    ) -> Result<Result<Loaded, Outcome>, JobError> {
        let read = match shared {
            Some(want) => self.listed_customer(key, want).await?,
            None => self.read_customer(key).await?,
        };
        let customer = match read {
            Ok(customer) => to_customer(&customer),
            Err(outcome) => return Ok(Err(outcome)),
        };
        let Some(license) = customer.license_number.as_deref().and_then(LicenseKey::new) else {
            // plan_customer explains a missing licence; nothing to look up.
            let empty = DestinationIndex::default();
            let links = LinkSet::default();
            return Ok(Ok(Loaded {
                customer,
                destinations: empty,
                links,
            }));
        };
        let (destinations, links) = match shared {
            Some(want) => listed_destinations_for(&self.context, &license, want).await?,
            None => destinations_for(&self.context, &license).await?,
        };
        Ok(Ok(Loaded {
            customer,
            destinations,
            links,
        }))
    }

    /// Like [`Self::read_customer`], from the listing of every customer.
    async fn listed_customer(
        &self,
        key: &str,
        want: Freshness,
    ) -> Result<Result<LeafLinkCustomer, Outcome>, JobError> {
        let listing = self.context.listed_customers(want).await?;
        let mut found: Vec<&LeafLinkCustomer> = match key.strip_prefix("id:") {
            Some(id) => {
                let id: i64 = id.parse().map_err(|_| {
                    JobError::Permanent(format!("customer key {key:?} is not an id"))
                })?;
                listing.iter().filter(|c| c.id == id).collect()
            }
            None => listing
                .iter()
                .filter(|c| !c.archived && c.license_number.as_deref() == Some(key))
                .collect(),
        };
        match found.len() {
            // Not listed (archived, or new since): read it as a webhook's job would.
            0 => self.read_customer(key).await,
            1 => Ok(Ok(found.remove(0).clone())),
            n => Ok(Err(Outcome::attention_fix(
                format!("licence {key} is on {n} LeafLink customers"),
                crate::matcher::System::LeafLink,
                format!("keep licence `{key}` on one customer only"),
            ))),
        }
    }

    async fn read_customer(
        &self,
        key: &str,
    ) -> Result<Result<LeafLinkCustomer, Outcome>, JobError> {
        let leaflink = &self.context.leaflink;
        if let Some(id) = key.strip_prefix("id:") {
            let id: i64 = id
                .parse()
                .map_err(|_| JobError::Permanent(format!("customer key {key:?} is not an id")))?;
            return match leaflink.get_customer(id).await {
                Ok(customer) => Ok(Ok(customer)),
                Err(ClientError::NotFound { .. }) => Ok(Err(Outcome::ignored(format!(
                    "LeafLink customer {id} no longer exists"
                )))),
                Err(error) => Err(error.into()),
            };
        }
        let query = CustomerQuery {
            license_number: Some(key.to_owned()),
            ..CustomerQuery::default()
        };
        let mut found = leaflink.list_customers(&query).await?;
        found.retain(|c| !c.archived);
        match found.len() {
            0 => Ok(Err(Outcome::ignored(format!(
                "no LeafLink customer has licence {key}"
            )))),
            1 => Ok(Ok(found.remove(0))),
            n => Ok(Err(Outcome::attention_fix(
                format!("licence {key} is on {n} LeafLink customers"),
                crate::matcher::System::LeafLink,
                format!("keep licence `{key}` on one customer only"),
            ))),
        }
    }

    /// Applies the steps; `Some(outcome)` when Flourish refused one.
    async fn apply(
        &self,
        plan: &CustomerPlan,
        loaded: &Loaded,
        writes: &mut Writes,
    ) -> Result<Option<Outcome>, JobError> {
        let context = &self.context;
        for step in &plan.steps {
            let result = match step {
                CustomerStep::CreateDestination(new) => {
                    create_destination(context, new, writes).await.map(|_| ())
                }
                CustomerStep::LinkDestination { destination_id } => {
                    link_destination(context, &plan.license_number, destination_id).await?;
                    Ok(())
                }
                CustomerStep::UpdateDestination {
                    destination_id,
                    changes,
                } => {
                    let current = loaded.destinations.get(destination_id);
                    let fields = updated_fields(current, changes);
                    let done = context
                        .flourish
                        .update_destination(destination_id, &fields)
                        .await;
                    context.caches.destinations.invalidate().await;
                    done.map_err(StepError::from).map(|_| {
                        writes.push(
                            "flourish",
                            "update_destination",
                            Some(destination_id.clone()),
                        )
                    })
                }
            };
            if let Err(error) = result {
                return refused(error).map(Some);
            }
        }
        Ok(None)
    }
}
