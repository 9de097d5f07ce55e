//! The catalog's routes (tag `catalog` of the spec): products, SKUs and availabilities, for the
//! partner or a customer, the inventory check, promotions and their eligibility, and the
//! customer's agreements. Behind the same gate as every route (token, MFA rule, body limits,
//! faults, rate limits, log); the one write, createAgreement, is kept once per `MS-RequestId`.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Extension, State};
use axum::routing::{get, post};

use super::agreements;
use super::catalog_reads::{self, CatalogQuery, Reader};
use super::extract::{Customer, Ids, Queried, fingerprint};
use super::gate::RequestId;
use super::reply::Reply;
use super::service::Service;

type Shared = State<Arc<Service>>;

pub(crate) fn routes() -> Router<Arc<Service>> {
    let p = "/v1/products/{product}";
    let c = "/v1/customers/{customer}";
    Router::new()
        .route("/v1/products", get(products))
        .route(p, get(product))
        .route(&format!("{p}/skus"), get(skus))
        .route(&format!("{p}/skus/{{sku}}"), get(sku))
        .route(
            &format!("{p}/skus/{{sku}}/availabilities"),
            get(availabilities),
        )
        .route(
            &format!("{p}/skus/{{sku}}/availabilities/{{availability}}"),
            get(availability),
        )
        .route(&format!("{c}/products"), get(customer_products))
        .route(
            &format!("{c}/products/{{product}}/skus"),
            get(customer_skus),
        )
        .route(
            &format!("{c}/products/{{product}}/skus/{{sku}}/availabilities"),
            get(customer_availabilities),
        )
        .route("/v1/extensions/product/checkinventory", post(inventory))
        .route("/v1/productpromotions", get(promotions))
        .route("/v1/productpromotions/{promotion}", get(promotion))
        .route(&format!("{c}/promotionEligibilities"), post(eligibilities))
        .route(
            &format!("{c}/agreements"),
            get(list_agreements).post(create_agreement),
        )
}

async fn products(State(service): Shared, Queried(query): Queried<CatalogQuery>) -> Reply {
    catalog_reads::products(&service.settings.catalog, &Reader::Partner, &query)
}

async fn product(State(service): Shared, ids: Ids, Queried(query): Queried<CatalogQuery>) -> Reply {
    catalog_reads::product(&service.settings.catalog, ids.get("product"), &query)
}

async fn skus(State(service): Shared, ids: Ids, Queried(query): Queried<CatalogQuery>) -> Reply {
    let catalog = &service.settings.catalog;
    catalog_reads::skus(catalog, &Reader::Partner, ids.get("product"), &query)
}

async fn sku(State(service): Shared, ids: Ids, Queried(query): Queried<CatalogQuery>) -> Reply {
    let catalog = &service.settings.catalog;
    catalog_reads::sku(catalog, ids.get("product"), ids.get("sku"), &query)
}

async fn availabilities(
    State(service): Shared,
    ids: Ids,
    Queried(query): Queried<CatalogQuery>,
) -> Reply {
    let catalog = &service.settings.catalog;
    let sku = (ids.get("product"), ids.get("sku"));
    catalog_reads::availabilities(catalog, &Reader::Partner, sku, &query)
}

async fn availability(
    State(service): Shared,
    ids: Ids,
    Queried(query): Queried<CatalogQuery>,
) -> Reply {
    let catalog = &service.settings.catalog;
    let id = (ids.get("product"), ids.get("sku"), ids.get("availability"));
    catalog_reads::availability(catalog, id, &query)
}

async fn customer_products(
    State(service): Shared,
    _: Customer,
    Queried(query): Queried<CatalogQuery>,
) -> Reply {
    catalog_reads::products(&service.settings.catalog, &Reader::Customer, &query)
}

async fn customer_skus(
    State(service): Shared,
    _: Customer,
    ids: Ids,
    Queried(query): Queried<CatalogQuery>,
) -> Reply {
    let catalog = &service.settings.catalog;
    catalog_reads::skus(catalog, &Reader::Customer, ids.get("product"), &query)
}

async fn customer_availabilities(
    State(service): Shared,
    _: Customer,
    ids: Ids,
    Queried(query): Queried<CatalogQuery>,
) -> Reply {
    let catalog = &service.settings.catalog;
    let sku = (ids.get("product"), ids.get("sku"));
    catalog_reads::availabilities(catalog, &Reader::Customer, sku, &query)
}

async fn inventory(
    State(service): Shared,
    Queried(query): Queried<CatalogQuery>,
    body: Bytes,
) -> Reply {
    catalog_reads::inventory(&service.settings.catalog, &query, &body)
}

async fn promotions(State(service): Shared, Queried(query): Queried<CatalogQuery>) -> Reply {
    catalog_reads::promotions(&service.settings.catalog, &query)
}

async fn promotion(
    State(service): Shared,
    ids: Ids,
    Queried(query): Queried<CatalogQuery>,
) -> Reply {
    catalog_reads::promotion(&service.settings.catalog, ids.get("promotion"), &query)
}

async fn eligibilities(State(service): Shared, _: Customer, body: Bytes) -> Reply {
    catalog_reads::eligibilities(&service.settings.catalog, &body, service.now())
}

async fn list_agreements(
    State(service): Shared,
    Customer(customer): Customer,
    Queried(query): Queried<CatalogQuery>,
) -> Reply {
    agreements::list(&service, &customer, query.agreement_type.as_deref())
}

async fn create_agreement(
    State(service): Shared,
    Customer(customer): Customer,
    Extension(RequestId(request_id)): Extension<RequestId>,
    body: Bytes,
) -> Reply {
    let fingerprint = fingerprint("createAgreement", &customer, &body);
    service
        .write(customer.clone(), request_id, fingerprint, move |service| {
            agreements::create(service, &customer, &body)
        })
        .await
}
