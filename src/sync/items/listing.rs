//! Where a new LeafLink product is listed: the company license and the sub-category, resolved
//! from LeafLink's own lists (`GET /licenses/`, `GET /product-subcategories/`) and the settings.
//! Pure, so Flow B and preflight decide the same way.

use crate::leaflink::model::{Category, License, Subcategory};
use crate::matcher::LicenseKey;

/// Why a license or sub-category does not resolve, and the fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Unresolved {
    pub problem: String,
    pub fix: String,
}

/// The license id new products are listed under: the one `setting` names (by number, compared
/// after trimming, or by id), else the company's only license.
pub(crate) fn resolve_license(
    licenses: &[License],
    setting: Option<&str>,
) -> Result<i64, Unresolved> {
    let numbers = || {
        licenses
            .iter()
            .map(|l| format!("`{}`", l.number.trim()))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if let Some(wanted) = setting {
        let key = LicenseKey::new(wanted);
        let found = licenses.iter().find(|l| {
            LicenseKey::new(&l.number) == key || wanted.trim().parse::<i64>().ok() == Some(l.id)
        });
        return found.map(|l| l.id).ok_or_else(|| Unresolved {
            problem: format!(
                "LEAFBRIDGE_LEAFLINK_LICENSE is \"{wanted}\", which is not one of the company's \
                 LeafLink licenses"
            ),
            fix: if licenses.is_empty() {
                "add the company's license in LeafLink, then set LEAFBRIDGE_LEAFLINK_LICENSE to \
                 its number"
                    .to_owned()
            } else {
                format!("set LEAFBRIDGE_LEAFLINK_LICENSE to one of {}", numbers())
            },
        });
    }
    match licenses {
        [only] => Ok(only.id),
        [] => Err(Unresolved {
            problem: "the company holds no LeafLink license to list products under".to_owned(),
            fix: "add the company's license in LeafLink (company settings → licenses)".to_owned(),
        }),
        many => Err(Unresolved {
            problem: format!(
                "the company holds {} LeafLink licenses and LEAFBRIDGE_LEAFLINK_LICENSE does not \
                 say which one products are listed under",
                many.len()
            ),
            fix: format!("set LEAFBRIDGE_LEAFLINK_LICENSE to one of {}", numbers()),
        }),
    }
}

/// The sub-category of a product in `category` for an item of Flourish `custom` category, first
/// found of: the map entry of the custom category; the sub-category of `category` named like
/// `custom`; the map entry of the LeafLink category name. Map values are a sub-category name
/// or id, and must lie within `category`.
pub(crate) fn resolve_subcategory(
    subcategories: &[Subcategory],
    category: &Category,
    custom: Option<&str>,
    map: &[(String, String)],
) -> Result<i64, Unresolved> {
    let within: Vec<&Subcategory> = subcategories
        .iter()
        .filter(|s| s.category == category.id)
        .collect();
    let custom = custom.map(str::trim).filter(|c| !c.is_empty());
    let label = custom.unwrap_or(category.name.as_str());
    let names = || {
        within
            .iter()
            .map(|s| format!("`{}`", s.name))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let choices = || {
        if within.is_empty() {
            format!(
                "LeafLink lists no sub-category under {}; choose another category",
                category.name
            )
        } else {
            format!(
                "map {label} to one of {}'s sub-categories ({}) in LEAFBRIDGE_SUBCATEGORY_MAP",
                category.name,
                names()
            )
        }
    };
    let same = |a: &str, b: &str| a.trim().to_lowercase() == b.trim().to_lowercase();
    let by_custom = custom.and_then(|c| map.iter().find(|(from, _)| same(from, c)));
    let by_name = custom.and_then(|c| within.iter().find(|s| same(&s.name, c)));
    if let (None, Some(found)) = (by_custom, by_name) {
        return Ok(found.id);
    }
    let mapped = by_custom.or_else(|| map.iter().find(|(from, _)| same(from, &category.name)));
    if let Some((from, to)) = mapped {
        let by_id = to.trim().parse::<i64>().ok();
        return within
            .iter()
            .find(|s| same(&s.name, to) || by_id == Some(s.id))
            .map(|s| s.id)
            .ok_or_else(|| Unresolved {
                problem: format!(
                    "{from} is mapped to sub-category {to}, which is not a sub-category of \
                     LeafLink category {}",
                    category.name
                ),
                fix: choices(),
            });
    }
    Err(Unresolved {
        problem: format!(
            "custom category {label} (LeafLink category {}) has no sub-category mapping",
            category.name
        ),
        fix: choices(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn license(id: i64, number: &str) -> License {
        License {
            id,
            number: number.to_owned(),
            license_type: None,
            display_type: None,
            classification: None,
        }
    }

    fn sub(id: i64, name: &str, category: i64) -> Subcategory {
        Subcategory {
            id,
            name: name.to_owned(),
            slug: String::new(),
            description: None,
            category,
        }
    }

    fn category(id: i64, name: &str) -> Category {
        Category {
            id,
            name: name.to_owned(),
            slug: String::new(),
        }
    }

    #[test]
    fn the_only_license_is_used_and_several_need_the_setting() {
        let one = [license(7, "C11-1")];
        assert_eq!(resolve_license(&one, None), Ok(7));
        let two = [license(7, "C11-1"), license(8, "C11-2 ")];
        let unresolved = resolve_license(&two, None).unwrap_err();
        assert!(unresolved.fix.contains("`C11-2`"), "{unresolved:?}");
        assert_eq!(resolve_license(&two, Some(" C11-2")), Ok(8));
        assert_eq!(resolve_license(&two, Some("7")), Ok(7));
        assert!(resolve_license(&two, Some("C11-9")).is_err());
        assert!(resolve_license(&[], None).is_err());
    }

    #[test]
    fn a_subcategory_comes_from_the_map_or_by_name_within_the_category_only() {
        let subs = [
            sub(31, "Indoor", 1),
            sub(35, "Gummies", 3),
            sub(36, "Chocolates", 3),
            sub(40, "Gummies", 9),
        ];
        let edible = category(3, "Edible");
        assert_eq!(
            resolve_subcategory(&subs, &edible, Some("Gummies"), &[]),
            Ok(35)
        );
        let map = [("Edible".to_owned(), "chocolates".to_owned())];
        assert_eq!(
            resolve_subcategory(&subs, &edible, Some("Edible"), &map),
            Ok(36)
        );
        assert_eq!(
            resolve_subcategory(&subs, &edible, Some("Gummies"), &map),
            Ok(35)
        );
        let flower = category(1, "Flower");
        let unresolved = resolve_subcategory(&subs, &flower, Some("Flower"), &[]).unwrap_err();
        assert!(unresolved.fix.contains("`Indoor`"), "{unresolved:?}");
        let wrong = [("Flower".to_owned(), "Gummies".to_owned())];
        assert!(resolve_subcategory(&subs, &flower, Some("Flower"), &wrong).is_err());
        let by_id = [("Flower".to_owned(), "31".to_owned())];
        assert_eq!(
            resolve_subcategory(&subs, &flower, Some("Flower"), &by_id),
            Ok(31)
        );
    }
}
