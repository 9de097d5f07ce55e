//! Which of the spec's operations a request is, by its method and path: for the rules that
//! depend on the operation rather than on its handler (an App+User-only operation, with
//! `require_mfa`), checked before the request reaches its handler.

use partner_center_carts::Operation;

/// Each operation's method and path, as the spec writes them (`{...}` matches one segment).
const ROUTES: &[(&str, &str, Operation)] = &[
    (
        "POST",
        "/v1/customers/{customer-id}/carts",
        Operation::CreateCart,
    ),
    (
        "GET",
        "/v1/customers/{customer-id}/carts/{cart-id}",
        Operation::GetCart,
    ),
    (
        "PUT",
        "/v1/customers/{customer-id}/carts/{cart-id}",
        Operation::UpdateCart,
    ),
    (
        "POST",
        "/v1/customers/{customer-id}/carts/{cart-id}/checkout",
        Operation::CheckoutCart,
    ),
    (
        "GET",
        "/v1/customers/{customer-id}/orders",
        Operation::ListOrders,
    ),
    (
        "GET",
        "/v1/customers/{customer-id}/orders/{order-id}",
        Operation::GetOrder,
    ),
    (
        "PATCH",
        "/v1/customers/{customer-id}/orders/{order-id}",
        Operation::UpdateOrder,
    ),
    (
        "GET",
        "/v1/customers/{customer-id}/orders/{order-id}/provisioningstatus",
        Operation::GetOrderProvisioningStatus,
    ),
    (
        "GET",
        "/v1/customers/{customer-id}/orders/{order-id}/activationlinks",
        Operation::GetOrderActivationLinks,
    ),
    (
        "GET",
        "/v1/customers/{customer-id}/orders/{order-id}/lineitems/{line-item-number}/activationlinks",
        Operation::GetOrderLineItemActivationLinks,
    ),
    (
        "GET",
        "/v1/customers/{customer-id}/subscriptions",
        Operation::ListSubscriptionsByOrder,
    ),
    (
        "GET",
        "/v1/customers/{customer-id}/subscriptions/{subscription-id}/provisioningstatus",
        Operation::GetSubscriptionProvisioningStatus,
    ),
    (
        "GET",
        "/v1/customers/{customer-id}/subscriptions/{subscription-id}",
        Operation::GetSubscription,
    ),
    (
        "PATCH",
        "/v1/customers/{customer-id}/subscriptions/{subscription-id}",
        Operation::UpdateSubscription,
    ),
    (
        "GET",
        "/v1/customers/{customer-id}/subscriptions/{subscription-id}/transitionEligibilities",
        Operation::GetTransitionEligibilities,
    ),
    (
        "GET",
        "/v1/customers/{customer-id}/subscriptions/{subscription-id}/transitions",
        Operation::ListTransitions,
    ),
    (
        "POST",
        "/v1/customers/{customer-id}/subscriptions/{subscription-id}/transitions",
        Operation::CreateTransition,
    ),
    (
        "GET",
        "/v1/profiles/organization",
        Operation::GetOrganizationProfile,
    ),
    ("GET", "/v1/products", Operation::ListProducts),
    ("GET", "/v1/products/{product-id}", Operation::GetProduct),
    ("GET", "/v1/products/{product-id}/skus", Operation::ListSkus),
    (
        "GET",
        "/v1/products/{product-id}/skus/{sku-id}",
        Operation::GetSku,
    ),
    (
        "GET",
        "/v1/products/{product-id}/skus/{sku-id}/availabilities",
        Operation::ListAvailabilities,
    ),
    (
        "GET",
        "/v1/products/{product-id}/skus/{sku-id}/availabilities/{availability-id}",
        Operation::GetAvailability,
    ),
    (
        "GET",
        "/v1/customers/{customer-id}/products",
        Operation::ListCustomerProducts,
    ),
    (
        "GET",
        "/v1/customers/{customer-id}/products/{product-id}/skus",
        Operation::ListCustomerSkus,
    ),
    (
        "GET",
        "/v1/customers/{customer-id}/products/{product-id}/skus/{sku-id}/availabilities",
        Operation::ListCustomerAvailabilities,
    ),
    (
        "POST",
        "/v1/extensions/product/checkinventory",
        Operation::CheckInventory,
    ),
    ("GET", "/v1/productpromotions", Operation::ListPromotions),
    (
        "GET",
        "/v1/productpromotions/{promotion-id}",
        Operation::GetPromotion,
    ),
    (
        "POST",
        "/v1/customers/{customer-id}/promotionEligibilities",
        Operation::CheckPromotionEligibilities,
    ),
    (
        "GET",
        "/v1/customers/{customer-id}/agreements",
        Operation::ListAgreements,
    ),
    (
        "POST",
        "/v1/customers/{customer-id}/agreements",
        Operation::CreateAgreement,
    ),
];

/// The operation a request with this method and path is, if any. A trailing `/` is allowed,
/// as the router allows it on a cart.
pub(crate) fn operation(method: &str, path: &str) -> Option<Operation> {
    let path = path.strip_suffix('/').unwrap_or(path);
    ROUTES
        .iter()
        .find(|(m, template, _)| *m == method && matches(template, path))
        .map(|(_, _, operation)| *operation)
}

fn matches(template: &str, path: &str) -> bool {
    let (mut template, mut path) = (template.split('/'), path.split('/'));
    loop {
        match (template.next(), path.next()) {
            (None, None) => return true,
            (Some(t), Some(p)) if t.starts_with('{') => {
                if p.is_empty() {
                    return false;
                }
            }
            (Some(t), Some(p)) if t == p => {}
            _ => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A spec that gains an operation fails here until the emulator knows its route.
    #[test]
    fn every_operation_of_the_spec_has_one_route() {
        for operation in Operation::ALL {
            let routes = ROUTES.iter().filter(|(_, _, o)| o == operation).count();
            assert_eq!(routes, 1, "{operation}");
            let (method, _, _) = ROUTES.iter().find(|(_, _, o)| o == operation).unwrap();
            // A POST that only checks (marked `x-read-only`) reads.
            let checks = [
                Operation::CheckInventory,
                Operation::CheckPromotionEligibilities,
            ];
            let writes = *method != "GET" && !checks.contains(operation);
            assert_eq!(writes, operation.writes(), "{operation}");
        }
    }

    #[test]
    fn a_request_is_known_by_its_method_and_path() {
        let c = "/v1/customers/d6bf25b7-e0a8-4f2d-a31b-97b55cfc774d";
        for (method, path, operation) in [
            ("GET", format!("{c}/carts/k"), Some(Operation::GetCart)),
            ("GET", format!("{c}/carts/k/"), Some(Operation::GetCart)),
            ("PUT", format!("{c}/carts/k"), Some(Operation::UpdateCart)),
            (
                "GET",
                format!("{c}/orders/o/provisioningstatus"),
                Some(Operation::GetOrderProvisioningStatus),
            ),
            (
                "GET",
                format!("{c}/subscriptions/s/provisioningstatus"),
                Some(Operation::GetSubscriptionProvisioningStatus),
            ),
            (
                "GET",
                "/v1/profiles/organization".into(),
                Some(Operation::GetOrganizationProfile),
            ),
            (
                "GET",
                "/v1/products/P/skus/S/availabilities/A".into(),
                Some(Operation::GetAvailability),
            ),
            (
                "POST",
                format!("{c}/agreements"),
                Some(Operation::CreateAgreement),
            ),
            ("DELETE", format!("{c}/carts/k"), None),
            ("POST", format!("{c}/carts//checkout"), None),
            ("GET", format!("{c}/elsewhere"), None),
        ] {
            assert_eq!(
                super::operation(method, &path),
                operation,
                "{method} {path}"
            );
        }
    }
}
