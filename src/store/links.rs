//! Links between the platforms: SKU ↔ LeafLink product, license ↔ Flourish destination,
//! LeafLink order ↔ Flourish order (+ facility), strain name ↔ LeafLink strain, Flourish item ↔
//! LeafLink product. Looked up before any search; written after every create or match. An order
//! link whose LeafLink order went away is closed, not deleted (see [`Link::is_closed`]).

use serde::{Deserialize, Serialize};
use sqlx::{AnyPool, Row};

/// What a link pairs. The text form is stored and used by the operator API.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkKind {
    /// SKU → LeafLink product id.
    Product,
    /// Flourish item id → LeafLink product id.
    Item,
    /// License number → Flourish destination id.
    Destination,
    /// LeafLink order number → Flourish order id (extra: facility id).
    Order,
    /// Normalised strain name → LeafLink strain id.
    Strain,
}

impl LinkKind {
    pub const ALL: [LinkKind; 5] = [
        Self::Product,
        Self::Item,
        Self::Destination,
        Self::Order,
        Self::Strain,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Product => "product",
            Self::Item => "item",
            Self::Destination => "destination",
            Self::Order => "order",
            Self::Strain => "strain",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == text)
    }
}

/// One stored link.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Link {
    pub id: String,
    pub kind: LinkKind,
    pub key: String,
    pub remote_id: String,
    /// Kind-specific detail (e.g. `{"facility_id": "04bb2a7c"}` for orders).
    pub extra: Option<serde_json::Value>,
    /// Set by an operator: sync never replaces a pinned link.
    pub pinned: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

impl Link {
    /// Whether the link is closed: its LeafLink order was deleted or combined into another. A
    /// closed link is kept as history (`extra.closed`: `{"at": <ms>, "reason": …}`) and no flow
    /// follows it; recording the pair again opens it.
    pub fn is_closed(&self) -> bool {
        self.extra
            .as_ref()
            .and_then(|extra| extra.get("closed"))
            .is_some_and(|closed| !closed.is_null())
    }
}

pub(crate) const COLUMNS: &str = "id, kind, key, remote_id, extra, pinned, created_at, updated_at";

pub(crate) fn link_row(row: &sqlx::any::AnyRow) -> sqlx::Result<Link> {
    let kind: String = row.try_get("kind")?;
    let extra: Option<String> = row.try_get("extra")?;
    let pinned: i64 = row.try_get("pinned")?;
    Ok(Link {
        id: row.try_get("id")?,
        kind: LinkKind::parse(&kind)
            .ok_or_else(|| sqlx::Error::Decode(format!("unknown link kind {kind}").into()))?,
        key: row.try_get("key")?,
        remote_id: row.try_get("remote_id")?,
        extra: extra.and_then(|e| serde_json::from_str(&e).ok()),
        pinned: pinned != 0,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

/// The link for `key`, if any.
pub async fn get(
    pool: &AnyPool,
    connection: &str,
    kind: LinkKind,
    key: &str,
) -> sqlx::Result<Option<Link>> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM links WHERE connection = $1 AND kind = $2 AND key = $3"
    ))
    .bind(connection)
    .bind(kind.as_str())
    .bind(key)
    .fetch_optional(pool)
    .await?;
    row.as_ref().map(link_row).transpose()
}

/// The link pointing at `remote_id`, if any (e.g. the LeafLink order of a Flourish order).
pub async fn by_remote(
    pool: &AnyPool,
    connection: &str,
    kind: LinkKind,
    remote_id: &str,
) -> sqlx::Result<Option<Link>> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM links WHERE connection = $1 AND kind = $2 AND remote_id = $3 ORDER BY updated_at DESC LIMIT 1"
    ))
    .bind(connection)
    .bind(kind.as_str())
    .bind(remote_id)
    .fetch_optional(pool)
    .await?;
    row.as_ref().map(link_row).transpose()
}

/// Every link of `kind` pointing at `remote_id` (e.g. each Flourish item linked to one LeafLink
/// product), newest first.
pub async fn all_by_remote(
    pool: &AnyPool,
    connection: &str,
    kind: LinkKind,
    remote_id: &str,
) -> sqlx::Result<Vec<Link>> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM links WHERE connection = $1 AND kind = $2 AND remote_id = $3 ORDER BY updated_at DESC"
    ))
    .bind(connection)
    .bind(kind.as_str())
    .bind(remote_id)
    .fetch_all(pool)
    .await?;
    rows.iter().map(link_row).collect()
}

/// Every link of one kind (the flows load them into the matcher's `LinkSet`).
pub async fn all_of_kind(
    pool: &AnyPool,
    connection: &str,
    kind: LinkKind,
) -> sqlx::Result<Vec<Link>> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM links WHERE connection = $1 AND kind = $2 ORDER BY key"
    ))
    .bind(connection)
    .bind(kind.as_str())
    .fetch_all(pool)
    .await?;
    rows.iter().map(link_row).collect()
}

/// A link to record.
#[derive(Clone, Debug)]
pub struct NewLink<'a> {
    pub kind: LinkKind,
    pub key: &'a str,
    pub remote_id: &'a str,
    pub extra: Option<serde_json::Value>,
    /// An operator's pin: sync never replaces it.
    pub pinned: bool,
}

impl<'a> NewLink<'a> {
    /// A link found or made by sync: no detail, not pinned.
    pub fn found(kind: LinkKind, key: &'a str, remote_id: &'a str) -> Self {
        Self {
            kind,
            key,
            remote_id,
            extra: None,
            pinned: false,
        }
    }
}

/// Records (or moves) a link. A pinned link is never replaced by sync (`pinned` false); an
/// operator's pin (`pinned` true) replaces anything. Returns the stored link.
pub async fn upsert(
    pool: &AnyPool,
    connection: &str,
    link: &NewLink<'_>,
    now: i64,
) -> sqlx::Result<Link> {
    let NewLink {
        kind,
        key,
        remote_id,
        pinned,
        ..
    } = *link;
    let id = uuid::Uuid::now_v7().to_string();
    let extra = link.extra.as_ref().map(|e| e.to_string());
    sqlx::query(
        "INSERT INTO links (id, connection, kind, key, remote_id, extra, pinned, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) \
         ON CONFLICT (connection, kind, key) DO UPDATE \
         SET remote_id = excluded.remote_id, extra = excluded.extra, pinned = excluded.pinned, \
             updated_at = excluded.updated_at \
         WHERE links.pinned = 0 OR excluded.pinned = 1",
    )
    .bind(&id)
    .bind(connection)
    .bind(kind.as_str())
    .bind(key)
    .bind(remote_id)
    .bind(extra)
    .bind(i64::from(pinned))
    .bind(now)
    .execute(pool)
    .await?;
    Ok(get(pool, connection, kind, key)
        .await?
        .expect("the link was just written"))
}

/// Deletes a link by id; false when there was none.
pub async fn delete(pool: &AnyPool, connection: &str, id: &str) -> sqlx::Result<bool> {
    let done = sqlx::query("DELETE FROM links WHERE connection = $1 AND id = $2")
        .bind(connection)
        .bind(id)
        .execute(pool)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// One link by id.
pub async fn by_id(pool: &AnyPool, connection: &str, id: &str) -> sqlx::Result<Option<Link>> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM links WHERE connection = $1 AND id = $2"
    ))
    .bind(connection)
    .bind(id)
    .fetch_optional(pool)
    .await?;
    row.as_ref().map(link_row).transpose()
}

/// Links, optionally of one kind and key, ordered by id, after `after_id` (keyset pagination).
pub async fn list(
    pool: &AnyPool,
    connection: &str,
    kind: Option<LinkKind>,
    key: Option<&str>,
    after_id: Option<&str>,
    limit: i64,
) -> sqlx::Result<Vec<Link>> {
    let mut sql = format!("SELECT {COLUMNS} FROM links WHERE connection = $1");
    let mut binds: Vec<String> = vec![connection.to_owned()];
    if let Some(kind) = kind {
        binds.push(kind.as_str().to_owned());
        sql.push_str(&format!(" AND kind = ${}", binds.len()));
    }
    if let Some(key) = key {
        binds.push(key.to_owned());
        sql.push_str(&format!(" AND key = ${}", binds.len()));
    }
    if let Some(after) = after_id {
        binds.push(after.to_owned());
        sql.push_str(&format!(" AND id > ${}", binds.len()));
    }
    sql.push_str(&format!(" ORDER BY id LIMIT {limit}"));
    let mut query = sqlx::query(&sql);
    for value in &binds {
        query = query.bind(value);
    }
    query.fetch_all(pool).await?.iter().map(link_row).collect()
}

/// Links whose key or remote id is `text` (a SKU, license, order number or a platform id), any
/// kind, newest first.
pub async fn find(
    pool: &AnyPool,
    connection: &str,
    text: &str,
    limit: i64,
) -> sqlx::Result<Vec<Link>> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM links WHERE connection = $1 AND (key = $2 OR remote_id = $2) \
         ORDER BY updated_at DESC LIMIT {limit}"
    ))
    .bind(connection)
    .bind(text)
    .fetch_all(pool)
    .await?;
    rows.iter().map(link_row).collect()
}
