//! Identifiers that try to leave their path segment (traversal, an injected query or fragment)
//! reach the platform as one percent-encoded segment, or are refused before any call, on every
//! client method that puts an identifier in a URL.

use leafbridge::flourish::model::{DestinationFields, OutboundOrderUpdate};
use leafbridge::leaflink::model::{OrderAction, OrderPatch};
use leafbridge::sim::common::SimControl;

use super::{flourish_support, leaflink_support};

/// Identifiers a hostile or broken sender might sign.
const HOSTILE: [&str; 6] = [
    "../products/5150",
    "x?limit=1#",
    "a#fragment",
    "..",
    "%2e%2e%2fproducts",
    "a/../../b",
];

/// Every request the simulator saw since the last check stayed under `prefix`, with exactly
/// one path segment after it (plus `tail` fixed segments), and no query but `allowed_query`.
fn assert_confined(
    control: &SimControl,
    prefix: &str,
    tail: usize,
    allowed_query: Option<&str>,
) -> usize {
    let requests = control.requests();
    for request in &requests {
        let rest = request
            .path
            .strip_prefix(prefix)
            .unwrap_or_else(|| panic!("{} left {prefix}", request.path));
        let segments: Vec<&str> = rest.trim_end_matches('/').split('/').collect();
        assert_eq!(
            segments.len(),
            1 + tail,
            "{} has extra segments",
            request.path
        );
        assert!(!segments[0].is_empty(), "{} has an empty id", request.path);
        assert_eq!(
            request.query.as_deref(),
            allowed_query,
            "{} carried an injected query",
            request.path
        );
    }
    control.clear_requests();
    requests.len()
}

#[tokio::test]
async fn leaflink_order_numbers_cannot_leave_their_segment() {
    let sim = leaflink_support::start_sim(0, None).await;
    let client = leaflink_support::client(&sim);
    let control = sim.control();
    let prefix = "/api/v2/orders-received/";
    let children = Some("include_children=line_items%2Ccustomer%2Csales_reps");
    control.clear_requests();
    let mut seen = 0;
    for number in HOSTILE {
        assert!(client.get_order_received(number).await.is_err(), "{number}");
        seen += assert_confined(&control, prefix, 0, children);
        let patch = OrderPatch::default();
        assert!(client.patch_order_received(number, &patch).await.is_err());
        seen += assert_confined(&control, prefix, 0, None);
        assert!(
            client
                .transition_order(number, OrderAction::Accept)
                .await
                .is_err()
        );
        seen += assert_confined(&control, prefix, 2, None);
        assert!(client.order_line_items(number).await.is_err());
        seen += assert_confined(&control, prefix, 1, None);
    }
    // Every identifier but ".." reached the platform, once per method.
    assert_eq!(seen, (HOSTILE.len() - 1) * 4);
    // A dot segment is refused before any call: URL normalisation would drop it.
    assert!(client.get_order_received("..").await.is_err());
    assert!(control.requests().is_empty());
}

#[tokio::test]
async fn flourish_ids_cannot_leave_their_segment() {
    let (sim, client) = flourish_support::setup().await;
    let control = sim.control();
    let north = flourish_support::NORTH;
    control.clear_requests();
    let mut seen = 0;
    for id in HOSTILE {
        assert!(client.get_item(id).await.is_err(), "{id}");
        seen += assert_confined(control, "/external/api/v1/items/", 0, None);
        assert!(client.get_outbound_order(id).await.is_err());
        seen += assert_confined(control, "/external/api/v1/outbound-orders/", 0, None);
        let update = OutboundOrderUpdate::default();
        assert!(
            client
                .update_outbound_order(north, id, &update)
                .await
                .is_err()
        );
        seen += assert_confined(control, "/external/api/v1/outbound-orders/", 0, None);
        assert!(client.cancel_outbound_order(north, id).await.is_err());
        seen += assert_confined(control, "/external/api/v1/outbound-orders/", 0, None);
        assert!(client.get_destination(id).await.is_err());
        seen += assert_confined(control, "/external/api/v1/destinations/", 0, None);
        let fields = DestinationFields::default();
        assert!(client.update_destination(id, &fields).await.is_err());
        seen += assert_confined(control, "/external/api/v1/destinations/", 0, None);
        assert!(client.get_facility(id).await.is_err());
        seen += assert_confined(control, "/external/api/v1/facilities/", 0, None);
        assert!(client.get_strain(id).await.is_err());
        seen += assert_confined(control, "/external/api/v1/strains/", 0, None);
    }
    assert_eq!(seen, (HOSTILE.len() - 1) * 8);
    assert!(client.get_item("..").await.is_err());
    assert!(client.get_item("").await.is_err());
    assert!(control.requests().is_empty());
}
