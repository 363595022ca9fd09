//! Flow B tests.

use super::*;
use crate::matcher::catalog::{Named, ProductLine};
use crate::matcher::keys::StrainMatching;
use crate::matcher::outcome::OutcomeKind;
use crate::matcher::records::Strain;

struct World {
    products: ProductIndex,
    catalog: Catalog,
    strains: StrainIndex,
    categories: CategoryMap,
    links: LinkSet,
}

impl World {
    fn new(products: Vec<Product>, strains: &[Strain]) -> Self {
        let named = |id, name: &str| Named {
            id,
            name: name.into(),
        };
        Self {
            products: ProductIndex::new(products),
            catalog: Catalog::new(
                &[named(1, "Canyon Farms")],
                &[ProductLine {
                    id: 10,
                    name: "Pre-Rolls".into(),
                    brand: 1,
                }],
                &[named(20, "Pre-Rolls"), named(21, "Flower")],
            ),
            strains: StrainIndex::new(strains, StrainMatching::CaseInsensitive),
            categories: CategoryMap::new([("Pre-Roll", "Pre-Rolls")]),
            links: LinkSet::default(),
        }
    }

    fn plan(&self, item: &Item) -> Result<ItemPlan, Outcome> {
        plan_item(
            item,
            &ItemContext {
                products: &self.products,
                catalog: &self.catalog,
                strains: &self.strains,
                categories: &self.categories,
                links: &self.links,
            },
        )
    }
}

/// The contract's example item 151.
fn item() -> Item {
    Item {
        id: "151".into(),
        name: "OG Kush Pre-Roll 1g".into(),
        description: None,
        sku: "OGK-PR-1G".into(),
        brand: Some("Canyon Farms".into()),
        ecommerce_active: true,
        strain_name: Some("OG KUSH".into()),
        strain_required: true,
        product_line: Some("Pre-Rolls".into()),
        custom_category: Some("Pre-Roll".into()),
        item_category: None,
    }
}

/// The LeafLink product that item 151 is in sync with.
fn product(id: i64, state: ListingState) -> Product {
    Product {
        id,
        sku: "OGK-PR-1G".into(),
        name: "OG Kush Pre-Roll 1g".into(),
        description: "anything".into(),
        listing_state: state,
        brand: Some(1),
        product_line: Some(10),
        category: Some(20),
        strains: vec![7],
        quantity: None,
    }
}

fn og_kush() -> Vec<Strain> {
    vec![Strain {
        id: 7,
        name: "og kush".into(),
    }]
}

#[test]
fn new_item_creates_an_available_product_with_resolved_ids() {
    let plan = World::new(vec![], &og_kush()).plan(&item()).unwrap();
    let [ItemStep::CreateProduct(new)] = plan.steps.as_slice() else {
        panic!("{plan:?}")
    };
    assert_eq!(new.listing_state, ListingState::Available);
    assert_eq!(
        (new.brand, new.product_line, new.category),
        (1, Some(10), 20)
    );
    assert_eq!(
        new.strain,
        Some(StrainRef::Existing { id: 7 }),
        "OG KUSH joins og kush"
    );
    assert_eq!(new.description, "OG Kush Pre-Roll 1g");
}

#[test]
fn missing_strain_is_created_before_the_product() {
    let plan = World::new(vec![], &[]).plan(&item()).unwrap();
    assert_eq!(
        plan.steps[0],
        ItemStep::CreateStrain {
            name: "OG KUSH".into()
        }
    );
    let ItemStep::CreateProduct(new) = &plan.steps[1] else {
        panic!("{plan:?}")
    };
    assert_eq!(new.strain, Some(StrainRef::Created));
}

#[test]
fn strains_colliding_case_insensitively_need_attention() {
    let strains = [
        Strain {
            id: 7,
            name: "og kush".into(),
        },
        Strain {
            id: 8,
            name: "OG Kush".into(),
        },
    ];
    let err = World::new(vec![], &strains).plan(&item()).unwrap_err();
    assert_eq!(err.kind, OutcomeKind::NeedsAttention);
    assert!(err.reason.contains("7, 8"), "{}", err.reason);
}

#[test]
fn inactive_item_is_ignored() {
    let mut inactive = item();
    inactive.ecommerce_active = false;
    let world = World::new(vec![product(5150, ListingState::Available)], &og_kush());
    assert_eq!(
        world.plan(&inactive).unwrap_err().kind,
        OutcomeKind::Ignored
    );
}

#[test]
fn strain_specific_item_without_strain_needs_attention() {
    let mut no_strain = item();
    no_strain.strain_name = Some("  ".into());
    let err = World::new(vec![], &og_kush()).plan(&no_strain).unwrap_err();
    assert_eq!(err.reason, "strain-specific item has no strain");
    assert_eq!(err.fix.unwrap().system, System::Flourish);
}

#[test]
fn missing_brand_needs_attention_with_a_fix_in_leaflink() {
    let mut other = item();
    other.brand = Some("Desert Sun".into());
    let err = World::new(vec![], &og_kush()).plan(&other).unwrap_err();
    assert_eq!(
        err.reason,
        "brand \"Desert Sun\" does not exist in LeafLink"
    );
    assert_eq!(
        err.fix.unwrap().action,
        "create brand `Desert Sun` in LeafLink"
    );
}

#[test]
fn product_line_must_exist_within_the_item_brand() {
    let mut other = item();
    other.product_line = Some("Edibles".into());
    let err = World::new(vec![], &og_kush()).plan(&other).unwrap_err();
    assert!(
        err.reason.starts_with("product line \"Edibles\""),
        "{}",
        err.reason
    );
}

#[test]
fn unmapped_category_uses_its_own_name_or_needs_attention() {
    let mut flower = item();
    flower.custom_category = Some("Flower".into());
    let plan = World::new(vec![], &og_kush()).plan(&flower).unwrap();
    let ItemStep::CreateProduct(new) = &plan.steps[0] else {
        panic!("{plan:?}")
    };
    assert_eq!(new.category, 21);
    flower.custom_category = Some("Vapes".into());
    let err = World::new(vec![], &og_kush()).plan(&flower).unwrap_err();
    assert_eq!(err.kind, OutcomeKind::NeedsAttention);
}

#[test]
fn two_products_with_the_sku_need_attention() {
    let world = World::new(
        vec![
            product(1, ListingState::Available),
            product(2, ListingState::Available),
        ],
        &og_kush(),
    );
    let err = world.plan(&item()).unwrap_err();
    assert!(err.reason.contains("ambiguous"), "{}", err.reason);
}

#[test]
fn link_is_used_before_the_sku_search() {
    let mut world = World::new(
        vec![
            product(1, ListingState::Available),
            product(2, ListingState::Available),
        ],
        &og_kush(),
    );
    world.links.link_product("OGK-PR-1G", 2);
    assert_eq!(
        world.plan(&item()).unwrap_err().kind,
        OutcomeKind::Unchanged
    );
}

#[test]
fn product_found_by_sku_is_linked_without_writes_to_leaflink() {
    let world = World::new(vec![product(5150, ListingState::Available)], &og_kush());
    let plan = world.plan(&item()).unwrap();
    assert_eq!(plan.steps, [ItemStep::LinkProduct { product_id: 5150 }]);
}

#[test]
fn item_already_in_sync_is_unchanged() {
    let mut world = World::new(vec![product(5150, ListingState::Unavailable)], &og_kush());
    world.links.link_product("OGK-PR-1G", 5150);
    assert_eq!(
        world.plan(&item()).unwrap_err().kind,
        OutcomeKind::Unchanged
    );
}

#[test]
fn update_patches_only_differing_fields_and_never_the_listing_state() {
    let mut world = World::new(vec![product(5150, ListingState::Unavailable)], &og_kush());
    world.links.link_product("OGK-PR-1G", 5150);
    let mut renamed = item();
    renamed.name = "OG Kush Pre-Roll 1 g".into();
    let plan = world.plan(&renamed).unwrap();
    let [
        ItemStep::PatchProduct {
            product_id: 5150,
            patch,
        },
    ] = plan.steps.as_slice()
    else {
        panic!("{plan:?}")
    };
    let json = serde_json::to_value(patch).unwrap();
    assert_eq!(json, serde_json::json!({"name": "OG Kush Pre-Roll 1 g"}));
    assert_eq!(plan.summary(), "update name of LeafLink product 5150");
}

#[test]
fn linked_product_that_vanished_needs_attention() {
    let mut world = World::new(vec![], &og_kush());
    world.links.link_product("OGK-PR-1G", 5150);
    assert_eq!(
        world.plan(&item()).unwrap_err().kind,
        OutcomeKind::NeedsAttention
    );
}
