//! `leafbridge migrate`: apply pending migrations and report how many.

use crate::store::Db;

pub async fn run(database_url: &str) -> anyhow::Result<()> {
    let db = Db::connect(database_url).await?;
    let applied = db.migrate().await?;
    println!("{applied} migration(s) applied; the database is up to date");
    Ok(())
}
