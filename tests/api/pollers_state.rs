//! The pollers' state: watermarks that only move forward, survive restarts and failures, a
//! per-platform summary for operators, and intervals that turn pollers on and off.

use std::time::Duration;

use leafbridge::config::SyncSettings;
use leafbridge::sim::common::Faults;
use leafbridge::store::{now_ms, watermarks};
use leafbridge::sync::poll::{self, Poller};

use crate::pollers::{jobs_for, place_order_losing_webhooks, poll, poll_at, poll_state};
use crate::world::{restart, seed_settings, spawn_world, spawn_world_with};

#[tokio::test]
async fn the_watermark_survives_a_restart() {
    let world = spawn_world().await;
    place_order_losing_webhooks(&world);
    world.settle().await;
    let first = poll(&world, Poller::Orders).await;
    let watermark = first
        .watermark
        .expect("a watermark after a pass that found an order");

    let world = restart(world).await;
    assert_eq!(
        poll_state(&world, Poller::Orders).await.watermark,
        Some(watermark)
    );
    let number = place_order_losing_webhooks(&world);
    world.settle().await;
    // A day later: a poller that forgot its watermark would look back one interval only.
    let day_later = now_ms() + 86_400_000;
    let report = poll_at(&world, Poller::Orders, day_later).await.unwrap();

    assert_eq!(report.enqueued, 1, "{report:?}");
    let key = format!("leaflink.order:{number}");
    assert_eq!(jobs_for(&world, &key).await.len(), 1);
    assert!(poll_state(&world, Poller::Orders).await.watermark > Some(watermark));
}

#[tokio::test]
async fn a_failing_platform_keeps_the_watermark_and_records_the_error() {
    let world = spawn_world().await;
    place_order_losing_webhooks(&world);
    world.settle().await;
    poll(&world, Poller::Orders).await;
    let before = poll_state(&world, Poller::Orders).await;
    let number = place_order_losing_webhooks(&world);
    world.settle().await;
    world.leaflink.control().fail_next(50, 503);

    let failed = poll_at(&world, Poller::Orders, now_ms()).await;

    assert!(failed.is_err());
    let after = poll_state(&world, Poller::Orders).await;
    assert_eq!(after.watermark, before.watermark);
    assert_eq!(after.last_success_at, before.last_success_at);
    assert!(
        after
            .last_error
            .as_deref()
            .is_some_and(|e| e.contains("503")),
        "{after:?}"
    );
    let platforms =
        watermarks::last_success_per_platform(&world.app.db.pool, &world.app.state.connection)
            .await
            .unwrap();
    assert_eq!(platforms[0].platform, "leaflink");
    assert_eq!(platforms[0].failing, ["leaflink.orders"]);

    world.leaflink.control().set_faults(Faults::default());
    let recovered = poll(&world, Poller::Orders).await;
    assert_eq!(recovered.enqueued, 1, "the order placed during the outage");
    let key = format!("leaflink.order:{number}");
    assert_eq!(jobs_for(&world, &key).await.len(), 1);
    assert_eq!(poll_state(&world, Poller::Orders).await.last_error, None);
}

#[tokio::test]
async fn a_watermark_never_moves_backwards() {
    let world = spawn_world().await;
    let (pool, connection) = (&world.app.db.pool, world.app.state.connection.as_str());
    let name = Poller::Orders.name();
    watermarks::record_success(pool, connection, name, Some(2_000), 10)
        .await
        .unwrap();
    watermarks::record_success(pool, connection, name, Some(1_000), 20)
        .await
        .unwrap();
    watermarks::record_success(pool, connection, name, None, 30)
        .await
        .unwrap();

    let state = poll_state(&world, Poller::Orders).await;

    assert_eq!(
        (state.watermark, state.last_success_at),
        (Some(2_000), Some(30))
    );
}

#[tokio::test]
async fn operators_see_the_last_successful_poll_of_each_platform() {
    let world = spawn_world().await;
    let (pool, connection) = (&world.app.db.pool, world.app.state.connection.as_str());
    for (poller, at) in [
        (Poller::Orders, 100),
        (Poller::Customers, 300),
        (Poller::Items, 200),
    ] {
        watermarks::record_success(pool, connection, poller.name(), None, at)
            .await
            .unwrap();
    }
    watermarks::record_failure(pool, connection, Poller::Inventory.name(), "boom", 400)
        .await
        .unwrap();

    let platforms = watermarks::last_success_per_platform(pool, connection)
        .await
        .unwrap();

    let summary: Vec<_> = platforms
        .iter()
        .map(|p| (p.platform.as_str(), p.last_success_at, p.failing.clone()))
        .collect();
    assert_eq!(
        summary,
        [
            ("flourish", Some(200), vec!["flourish.inventory".to_owned()]),
            ("leaflink", Some(300), vec![]),
        ]
    );
}

#[tokio::test]
async fn zero_intervals_turn_pollers_off_and_shutdown_stops_the_others() {
    let settings = SyncSettings {
        poll_customers: Duration::ZERO,
        poll_inventory: Duration::ZERO,
        ..seed_settings()
    };
    let world = spawn_world_with(settings).await;
    let state = &world.app.state;
    let shutdown = tokio_util::sync::CancellationToken::new();

    let pollers = poll::spawn(
        state.sync.clone().unwrap(),
        state.ingest.clone(),
        shutdown.clone(),
    );

    assert_eq!(pollers.len(), 2);
    shutdown.cancel();
    for poller in pollers {
        poller.await.unwrap();
    }
}

#[tokio::test]
async fn a_poller_another_instance_is_running_is_not_run_twice() {
    let world = spawn_world().await;
    let number = place_order_losing_webhooks(&world);
    world.settle().await;
    let (pool, connection) = (&world.app.db.pool, world.app.state.connection.as_str());
    let name = Poller::Orders.name();
    let now = now_ms();
    assert!(
        watermarks::claim(pool, connection, name, now, now + 60_000)
            .await
            .unwrap()
    );

    let busy = poll(&world, Poller::Orders).await;

    assert!(busy.busy);
    assert_eq!((busy.listed, busy.enqueued), (0, 0));
    let key = format!("leaflink.order:{number}");
    assert!(jobs_for(&world, &key).await.is_empty());
    let after_the_lease = poll_at(&world, Poller::Orders, now + 60_000).await.unwrap();
    assert_eq!((after_the_lease.busy, after_the_lease.enqueued), (false, 1));
    let free = poll(&world, Poller::Orders).await;
    assert!(!free.busy, "a finished pass gives the lease back");
}
