//! The catalog a cart line comes from: a country's (`pc.catalog("US")`) and one customer's
//! (`customer.catalog()`), the inventory check, promotions and their eligibility, and the
//! customer's agreements. Reads, each a few lines over the generated builder; confirming an
//! agreement is the one write.

use super::checks::{answered_for, checked, checked_catalog, checked_country};
use super::refs::{Customer, WithRequestId};
use crate::client::PartnerCenter;
use crate::error::{Error, Unconfirmed};
use crate::generated::{Client, Operation};
use crate::pipeline::Sending;
use crate::types::{
    Agreement, AgreementCollection, Availability, AvailabilityCollection, InventoryCheckRequest,
    InventoryItem, Product, ProductCollection, ProductPromotion, ProductPromotionCollection,
    PromotionEligibilities, PromotionEligibilitiesRequest, PromotionEligibilityItem, Sku,
    SkuCollection,
};

impl PartnerCenter {
    /// The catalog of one country (a two-letter ISO code such as `US`; checked when an
    /// operation is sent): its products, their SKUs and the SKUs' availabilities, the same
    /// for every customer of the partner. [`Customer::catalog`] gives what one customer can
    /// buy.
    ///
    /// ```no_run
    /// # async fn run(pc: partner_center_carts::PartnerCenter) -> Result<(), partner_center_carts::Error> {
    /// let catalog = pc.catalog("US").segment("commercial");
    /// let products = catalog.products("OnlineServices").await?;
    /// for product in products.items.iter().flatten() {
    ///     let id = product.id.as_deref().unwrap_or_default();
    ///     for sku in catalog.skus(id).await?.items.iter().flatten() {
    ///         println!("{id}:{}  {:?}", sku.id.as_deref().unwrap_or_default(), sku.title);
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub fn catalog(&self, country: impl Into<String>) -> Catalog {
        Catalog {
            pc: self.clone(),
            country: country.into(),
            segment: None,
            reservation_scope: None,
        }
    }

    /// Checks whether items can be bought in a customer's context
    /// (`POST /v1/extensions/product/checkinventory?country={country}`): an Azure
    /// subscription, a region (`inventoryContext`: `customerId`, `azureSubscriptionId`,
    /// `armRegionName`, ...). Needed only for a SKU whose `purchasePrerequisites` holds
    /// [`PurchasePrerequisite::INVENTORY_CHECK`](crate::types::PurchasePrerequisite::INVENTORY_CHECK).
    /// A read: it changes nothing. One entry per item; `isRestricted` with its
    /// `restrictions` says why one cannot be bought.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput), sending nothing, for a
    /// country that is not two letters; otherwise the operation's own, as [`Error`]
    /// describes them.
    pub async fn check_inventory(
        &self,
        country: &str,
        request: &InventoryCheckRequest,
    ) -> Result<Vec<InventoryItem>, Error> {
        self.check_inventory_with(country, request, self.sending(None))
            .await
    }

    pub(super) async fn check_inventory_with(
        &self,
        country: &str,
        request: &InventoryCheckRequest,
        sending: Sending,
    ) -> Result<Vec<InventoryItem>, Error> {
        let country = checked_country(Operation::CheckInventory, country)?;
        let body = request.clone();
        let send = async |api: &Client| {
            let post = api.check_inventory().country(&country);
            post.body(body).send().await
        };
        let items = self.invoke(sending, send, |_| None).await?;
        Ok(items.0)
    }

    /// The active new-commerce promotions of a country and segment (`commercial`,
    /// `education`, ...): `GET /v1/productpromotions?country={country}&segment={segment}`.
    ///
    /// # Errors
    ///
    /// As [`check_inventory`](Self::check_inventory)'s.
    pub async fn promotions(
        &self,
        country: &str,
        segment: &str,
    ) -> Result<ProductPromotionCollection, Error> {
        let country = checked_country(Operation::ListPromotions, country)?;
        let send = async |api: &Client| {
            let get = api.list_promotions().country(&country);
            get.segment(segment).send().await
        };
        self.invoke(self.sending(None), send, |_| None).await
    }

    /// One promotion, in a country (`GET /v1/productpromotions/{promotion-id}?country=`).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput), sending nothing, for a
    /// country that is not two letters or an id that is not a catalog id; a 404
    /// ([`Error::is_not_found`]) for a promotion the service does not know; otherwise the
    /// operation's own.
    pub async fn promotion(
        &self,
        country: &str,
        promotion_id: &str,
    ) -> Result<ProductPromotion, Error> {
        const OP: Operation = Operation::GetPromotion;
        let country = checked_country(OP, country)?;
        let id = checked_catalog(OP, "promotion", promotion_id)?;
        let send = async |api: &Client| {
            let get = api.get_promotion().promotion_id(&id);
            get.country(&country).send().await
        };
        let check = |p: &ProductPromotion| answered_for("promotion", p.id.as_deref(), &id);
        self.invoke(self.sending(None), send, check).await
    }
}

/// The catalog of one country. Get one from [`PartnerCenter::catalog`].
///
/// Ids are checked before anything is sent: a product, SKU or availability id is letters,
/// digits, `-` and `_` ([`validate::catalog_id`](crate::validate::catalog_id)).
#[derive(Clone, Debug)]
pub struct Catalog {
    pc: PartnerCenter,
    country: String,
    segment: Option<String>,
    reservation_scope: Option<String>,
}

impl Catalog {
    /// The country, as given.
    pub fn country(&self) -> &str {
        &self.country
    }

    /// Only items of this segment (`commercial`, `education`, `government`, `nonprofit`;
    /// `targetSegment`), in the lists that take one: products, SKUs, availabilities.
    pub fn segment(mut self, segment: impl Into<String>) -> Self {
        self.segment = Some(segment.into());
        self
    }

    /// For Azure reservations, `AzurePlan` lists those bought with an Azure plan
    /// (`reservationScope`), in the lists of products and SKUs.
    pub fn reservation_scope(mut self, scope: impl Into<String>) -> Self {
        self.reservation_scope = Some(scope.into());
        self
    }

    /// The products of one view (`OnlineServices`, `Azure`, `Software`,
    /// `AzureReservations`, ...): `GET /v1/products?country=&targetView=`.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput), sending nothing, for a
    /// country that is not two letters or an id that is not a catalog id; otherwise the
    /// operation's own, as [`Error`] describes them.
    pub async fn products(&self, target_view: &str) -> Result<ProductCollection, Error> {
        let country = checked_country(Operation::ListProducts, &self.country)?;
        let send = async |api: &Client| {
            let mut get = api
                .list_products()
                .country(&country)
                .target_view(target_view);
            if let Some(segment) = &self.segment {
                get = get.target_segment(segment);
            }
            if let Some(scope) = &self.reservation_scope {
                get = get.reservation_scope(scope);
            }
            get.send().await
        };
        self.pc.invoke(self.pc.sending(None), send, |_| None).await
    }

    /// One product (`GET /v1/products/{product-id}?country=`).
    ///
    /// # Errors
    ///
    /// As [`products`](Self::products)'s; a 404 ([`Error::is_not_found`]) for a product the
    /// country's catalog does not have.
    pub async fn product(&self, product_id: &str) -> Result<Product, Error> {
        const OP: Operation = Operation::GetProduct;
        let country = checked_country(OP, &self.country)?;
        let product = checked_catalog(OP, "product", product_id)?;
        let send = async |api: &Client| {
            let get = api.get_product().product_id(&product);
            get.country(&country).send().await
        };
        let check = |p: &Product| answered_for("product", p.id.as_deref(), &product);
        self.pc.invoke(self.pc.sending(None), send, check).await
    }

    /// A product's SKUs (`GET /v1/products/{product-id}/skus?country=`): each with the
    /// quantities it takes, its billing cycles, its `purchasePrerequisites` and its
    /// `provisioningVariables`.
    ///
    /// # Errors
    ///
    /// As [`product`](Self::product)'s.
    pub async fn skus(&self, product_id: &str) -> Result<SkuCollection, Error> {
        const OP: Operation = Operation::ListSkus;
        let country = checked_country(OP, &self.country)?;
        let product = checked_catalog(OP, "product", product_id)?;
        let send = async |api: &Client| {
            let mut get = api.list_skus().product_id(&product).country(&country);
            if let Some(segment) = &self.segment {
                get = get.target_segment(segment);
            }
            if let Some(scope) = &self.reservation_scope {
                get = get.reservation_scope(scope);
            }
            get.send().await
        };
        self.pc.invoke(self.pc.sending(None), send, |_| None).await
    }

    /// One SKU (`GET /v1/products/{product-id}/skus/{sku-id}?country=`).
    ///
    /// # Errors
    ///
    /// As [`product`](Self::product)'s.
    pub async fn sku(&self, product_id: &str, sku_id: &str) -> Result<Sku, Error> {
        const OP: Operation = Operation::GetSku;
        let country = checked_country(OP, &self.country)?;
        let product = checked_catalog(OP, "product", product_id)?;
        let sku = checked_catalog(OP, "SKU", sku_id)?;
        let send = async |api: &Client| {
            let get = api.get_sku().product_id(&product).sku_id(&sku);
            get.country(&country).send().await
        };
        let check = |s: &Sku| answered_for("SKU", s.id.as_deref(), &sku);
        self.pc.invoke(self.pc.sending(None), send, check).await
    }

    /// A SKU's availabilities (`GET .../skus/{sku-id}/availabilities?country=`): each a
    /// `catalogItemId` a cart line can name, with its terms and billing cycles.
    ///
    /// # Errors
    ///
    /// As [`product`](Self::product)'s.
    pub async fn availabilities(
        &self,
        product_id: &str,
        sku_id: &str,
    ) -> Result<AvailabilityCollection, Error> {
        const OP: Operation = Operation::ListAvailabilities;
        let country = checked_country(OP, &self.country)?;
        let product = checked_catalog(OP, "product", product_id)?;
        let sku = checked_catalog(OP, "SKU", sku_id)?;
        let send = async |api: &Client| {
            let mut get = api.list_availabilities().product_id(&product).sku_id(&sku);
            if let Some(segment) = &self.segment {
                get = get.target_segment(segment);
            }
            get.country(&country).send().await
        };
        self.pc.invoke(self.pc.sending(None), send, |_| None).await
    }

    /// One availability (`GET .../availabilities/{availability-id}?country=`). Its terms may
    /// differ from the list's for the same SKU: keep both
    /// ([`union_terms`](crate::catalog::union_terms)).
    ///
    /// # Errors
    ///
    /// As [`product`](Self::product)'s.
    pub async fn availability(
        &self,
        product_id: &str,
        sku_id: &str,
        availability_id: &str,
    ) -> Result<Availability, Error> {
        self.availability_with(product_id, sku_id, availability_id, self.pc.sending(None))
            .await
    }

    pub(super) async fn availability_with(
        &self,
        product_id: &str,
        sku_id: &str,
        availability_id: &str,
        sending: Sending,
    ) -> Result<Availability, Error> {
        const OP: Operation = Operation::GetAvailability;
        let country = checked_country(OP, &self.country)?;
        let product = checked_catalog(OP, "product", product_id)?;
        let sku = checked_catalog(OP, "SKU", sku_id)?;
        let availability = checked_catalog(OP, "availability", availability_id)?;
        let send = async |api: &Client| {
            let get = api.get_availability().product_id(&product).sku_id(&sku);
            get.availability_id(&availability)
                .country(&country)
                .send()
                .await
        };
        let check = |a: &Availability| answered_for("availability", a.id.as_deref(), &availability);
        self.pc.invoke(sending, send, check).await
    }
}

impl Customer {
    /// The catalog as this customer can buy from it, in its country: products, SKUs and
    /// availabilities limited to what it can buy.
    ///
    /// ```no_run
    /// # async fn run(pc: partner_center_carts::PartnerCenter) -> Result<(), partner_center_carts::Error> {
    /// let customer = pc.customer("d6bf25b7-e0a8-4f2d-a31b-97b55cfc774d");
    /// let offered = customer.catalog().availabilities("CFQ7TTC0LH0Z", "0001").await?;
    /// for availability in offered.items.iter().flatten() {
    ///     println!("{:?}", availability.catalog_item_id);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn catalog(&self) -> CustomerCatalog {
        CustomerCatalog {
            pc: self.pc.clone(),
            customer_id: self.id.clone(),
        }
    }

    /// Whether the customer is eligible for the promotions of `items`
    /// (`POST /v1/customers/{customer-id}/promotionEligibilities`), each as its cart line
    /// would be, with an `id` to find its answer by. A read: it changes nothing. The service
    /// limits it to 625 requests a minute per partner tenant.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput), sending nothing, when
    /// the customer id is not a GUID; otherwise the operation's own, as [`Error`] describes
    /// them.
    pub async fn promotion_eligibilities(
        &self,
        items: &[PromotionEligibilityItem],
    ) -> Result<PromotionEligibilities, Error> {
        self.promotion_eligibilities_with(items, self.pc.sending(None))
            .await
    }

    pub(super) async fn promotion_eligibilities_with(
        &self,
        items: &[PromotionEligibilityItem],
        sending: Sending,
    ) -> Result<PromotionEligibilities, Error> {
        let customer = checked(Operation::CheckPromotionEligibilities, "customer", &self.id)?;
        let body = PromotionEligibilitiesRequest {
            items: Some(items.to_vec()),
            ..Default::default()
        };
        let send = async |api: &Client| {
            let post = api.check_promotion_eligibilities().customer_id(&customer);
            post.body(body).send().await
        };
        self.pc
            .invoke(sending.for_customer(&customer), send, |_| None)
            .await
    }

    /// The agreements the customer's acceptance was confirmed for
    /// (`GET /v1/customers/{customer-id}/agreements`), of one type when given
    /// ([`PurchasePrerequisite::MICROSOFT_CUSTOMER_AGREEMENT`](crate::types::PurchasePrerequisite::MICROSOFT_CUSTOMER_AGREEMENT)).
    /// An App+User call: the service refuses an app-only token.
    ///
    /// # Errors
    ///
    /// As [`promotion_eligibilities`](Self::promotion_eligibilities)'s; a 401 or 403 to an
    /// app-only token.
    pub async fn agreements(
        &self,
        agreement_type: Option<&str>,
    ) -> Result<AgreementCollection, Error> {
        self.agreements_with(agreement_type, self.pc.sending(None))
            .await
    }

    pub(super) async fn agreements_with(
        &self,
        agreement_type: Option<&str>,
        sending: Sending,
    ) -> Result<AgreementCollection, Error> {
        let customer = checked(Operation::ListAgreements, "customer", &self.id)?;
        let send = async |api: &Client| {
            let mut get = api.list_agreements().customer_id(&customer);
            if let Some(agreement_type) = agreement_type {
                get = get.agreement_type(agreement_type);
            }
            get.send().await
        };
        self.pc
            .invoke(sending.for_customer(&customer), send, |_| None)
            .await
    }

    /// Confirms the customer's acceptance of an agreement
    /// (`POST /v1/customers/{customer-id}/agreements`): its `templateId`, `dateAgreed`,
    /// `type` and the customer's `primaryContact` who accepted it. An App+User call; new
    /// commerce needs the Microsoft Customer Agreement confirmed before a purchase.
    ///
    /// A write: [`with_request_id`](Customer::with_request_id) sends it with an
    /// `MS-RequestId` kept beforehand. An error whose
    /// [`outcome_unknown`](Error::outcome_unknown) is true may have recorded it:
    /// [`PartnerCenter::resend`](crate::PartnerCenter::resend) sends it again as the same
    /// request ([`Settled::Agreement`](crate::Settled::Agreement)). Never as a new one: a new
    /// confirmation of an acceptance already recorded may be refused as one that exists (the
    /// emulator answers 409 / 600061).
    ///
    /// ```no_run
    /// # async fn run(pc: partner_center_carts::PartnerCenter) -> Result<(), Box<dyn std::error::Error>> {
    /// use partner_center_carts::types::{Agreement, AgreementContact, PurchasePrerequisite};
    ///
    /// let confirmed = pc.customer("d6bf25b7-e0a8-4f2d-a31b-97b55cfc774d")
    ///     .confirm_agreement(&Agreement {
    ///         type_: Some(PurchasePrerequisite::MICROSOFT_CUSTOMER_AGREEMENT.into()),
    ///         template_id: Some("117a77b0-9360-443b-8795-c6dedc750cf9".into()),
    ///         date_agreed: Some("2026-11-02T00:00:00Z".parse()?),
    ///         primary_contact: Some(AgreementContact {
    ///             first_name: Some("Ana".into()),
    ///             last_name: Some("Silva".into()),
    ///             email: Some("ana@contoso.example".into()),
    ///             ..Default::default()
    ///         }),
    ///         ..Default::default()
    ///     })
    ///     .await?;
    /// # let _ = confirmed; Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// As [`agreements`](Self::agreements)'s; a 400 when the service refuses the agreement.
    pub async fn confirm_agreement(&self, agreement: &Agreement) -> Result<Agreement, Error> {
        self.confirm_agreement_with(agreement.clone(), self.pc.sending(None))
            .await
    }

    pub(super) async fn confirm_agreement_with(
        &self,
        agreement: Agreement,
        sending: Sending,
    ) -> Result<Agreement, Error> {
        let customer = checked(Operation::CreateAgreement, "customer", &self.id)?;
        let send = async |api: &Client| {
            let post = api.create_agreement().customer_id(&customer);
            post.body(agreement).send().await
        };
        self.pc
            .invoke(sending.for_customer(&customer), send, |_| None)
            .await
            .map_err(|e| e.unconfirmed_at(Unconfirmed::agreement(&customer)))
    }
}

impl WithRequestId<Customer> {
    /// [`Customer::confirm_agreement`] with this request id.
    ///
    /// # Errors
    ///
    /// As [`Customer::confirm_agreement`]'s.
    pub async fn confirm_agreement(self, agreement: &Agreement) -> Result<Agreement, Error> {
        let sending = self.target.pc.sending(self.request_id);
        self.target
            .confirm_agreement_with(agreement.clone(), sending)
            .await
    }
}

/// The catalog as one customer can buy from it. Get one from [`Customer::catalog`].
#[derive(Clone, Debug)]
pub struct CustomerCatalog {
    pc: PartnerCenter,
    customer_id: String,
}

impl CustomerCatalog {
    /// The customer's tenant id, as given.
    pub fn customer_id(&self) -> &str {
        &self.customer_id
    }

    /// The products of one view the customer can buy
    /// (`GET /v1/customers/{customer-id}/products?targetView=`).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput), sending nothing, when
    /// the customer id is not a GUID or an id not a catalog id; otherwise the operation's
    /// own, as [`Error`] describes them.
    pub async fn products(&self, target_view: &str) -> Result<ProductCollection, Error> {
        let customer = checked(
            Operation::ListCustomerProducts,
            "customer",
            &self.customer_id,
        )?;
        let send = async |api: &Client| {
            let get = api.list_customer_products().customer_id(&customer);
            get.target_view(target_view).send().await
        };
        let sending = self.pc.sending(None).for_customer(&customer);
        self.pc.invoke(sending, send, |_| None).await
    }

    /// The SKUs of a product the customer can buy
    /// (`GET /v1/customers/{customer-id}/products/{product-id}/skus`).
    ///
    /// # Errors
    ///
    /// As [`products`](Self::products)'s.
    pub async fn skus(&self, product_id: &str) -> Result<SkuCollection, Error> {
        self.skus_with(product_id, self.pc.sending(None)).await
    }

    pub(super) async fn skus_with(
        &self,
        product_id: &str,
        sending: Sending,
    ) -> Result<SkuCollection, Error> {
        const OP: Operation = Operation::ListCustomerSkus;
        let customer = checked(OP, "customer", &self.customer_id)?;
        let product = checked_catalog(OP, "product", product_id)?;
        let send = async |api: &Client| {
            let get = api.list_customer_skus().customer_id(&customer);
            get.product_id(&product).send().await
        };
        self.pc
            .invoke(sending.for_customer(&customer), send, |_| None)
            .await
    }

    /// The availabilities of a SKU the customer can buy
    /// (`GET /v1/customers/{customer-id}/products/{product-id}/skus/{sku-id}/availabilities`):
    /// each says its `country`, the customer's.
    ///
    /// # Errors
    ///
    /// As [`products`](Self::products)'s.
    pub async fn availabilities(
        &self,
        product_id: &str,
        sku_id: &str,
    ) -> Result<AvailabilityCollection, Error> {
        self.availabilities_with(product_id, sku_id, self.pc.sending(None))
            .await
    }

    pub(super) async fn availabilities_with(
        &self,
        product_id: &str,
        sku_id: &str,
        sending: Sending,
    ) -> Result<AvailabilityCollection, Error> {
        const OP: Operation = Operation::ListCustomerAvailabilities;
        let customer = checked(OP, "customer", &self.customer_id)?;
        let product = checked_catalog(OP, "product", product_id)?;
        let sku = checked_catalog(OP, "SKU", sku_id)?;
        let send = async |api: &Client| {
            let get = api.list_customer_availabilities().customer_id(&customer);
            get.product_id(&product).sku_id(&sku).send().await
        };
        self.pc
            .invoke(sending.for_customer(&customer), send, |_| None)
            .await
    }
}
