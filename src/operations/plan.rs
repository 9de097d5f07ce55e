//! A cart line from the catalog (`customer.line(..)`), and a plan of a cart before it is
//! created (`customer.plan(&lines)`): per line, what would fail and why. Reads only, each
//! through the pipeline like every other call (paced, retried), each catalog answer read once
//! per plan.

use std::collections::HashMap;
use std::sync::Arc;

use uuid::Uuid;

use super::catalog::CustomerCatalog;
use super::refs::Customer;
use crate::catalog::{
    CatalogItemId, LineProblem, Plan, PlannedLine, check_choice, line_from, missing_provisioning,
    union_terms,
};
use crate::error::{Error, ErrorKind, InvalidInput};
use crate::ids::OperationIds;
use crate::pipeline::Sending;
use crate::types::{
    Availability, CartLineItem, InventoryCheckRequest, InventoryItem, PromotionEligibilityItem,
    PurchasePrerequisite, Sku,
};

impl Customer {
    /// A cart line for `quantity` of the catalog item `catalog_item_id`
    /// (`PRODUCT:SKU:AVAILABILITY`), on the term `term` (`P1M`, `P1Y`, ...; `None` only for
    /// an item that offers no term), billed `billing_cycle`, made as
    /// [`line_from`](crate::catalog::line_from) makes one, from what it reads: the SKU from
    /// the customer's SKUs of the product, the availability from the customer's
    /// availabilities of the SKU, and the same availability read alone in the customer's
    /// country (its `country`): the terms of both count.
    ///
    /// Nothing is created. Values the buyer alone knows (an Azure `subscriptionId`, a
    /// `scope`) are the caller's to add to the line's `provisioningContext`;
    /// [`plan`](Self::plan) says when one is missing.
    ///
    /// ```no_run
    /// # async fn run(pc: partner_center_carts::PartnerCenter) -> Result<(), partner_center_carts::Error> {
    /// use partner_center_carts::ErrorKind;
    ///
    /// let customer = pc.customer("d6bf25b7-e0a8-4f2d-a31b-97b55cfc774d");
    /// match customer.line("CFQ7TTC0LH0Z:0001:CFQ7TTC0K18P", Some("P3Y"), "annual", 5).await {
    ///     Ok(line) => println!("{line:?}"),
    ///     Err(e) => match e.kind() {
    ///         // "term P3Y is not offered; the offered terms are P1M, P1Y"
    ///         ErrorKind::InvalidInput(refused) => println!("{:?}", refused.line_problem()),
    ///         _ => return Err(e),
    ///     },
    /// }
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidInput`] when the catalog refuses the line, with its
    /// [`LineProblem`] ([`InvalidInput::line_problem`]): an id that is not
    /// `PRODUCT:SKU:AVAILABILITY` or that the customer's catalog does not have, an
    /// availability not purchasable, a term or cycle not offered (the words name the offered
    /// ones), a quantity outside the SKU's range. Otherwise the reads' own, as [`Error`]
    /// describes them.
    pub async fn line(
        &self,
        catalog_item_id: &str,
        term: Option<&str>,
        billing_cycle: &str,
        quantity: i32,
    ) -> Result<CartLineItem, Error> {
        let refused = |problem| Error::new(ErrorKind::InvalidInput(InvalidInput::line(problem)));
        let id: CatalogItemId = catalog_item_id.parse().map_err(|e| {
            refused(LineProblem::UnknownItem {
                catalog_item_id: catalog_item_id.to_string(),
                reason: format!("{e}"),
            })
        })?;
        let mut lookup = Lookup::new(self);
        let (sku, availability) = match lookup.resolve(&id).await? {
            Resolved::Item(item) => *item,
            Resolved::Refused(error) => {
                // The lookup keeps a copy; once it is gone, the error is this one alone.
                drop(lookup);
                return Err(Arc::try_unwrap(error).unwrap_or_else(|e| Error::new(e.kind().clone())));
            }
            Resolved::Absent(reason) => return Err(refused(lookup.absent(&id, reason).await?)),
        };
        line_from(&sku, &availability, term, billing_cycle, quantity).map_err(refused)
    }

    /// What each of `lines` would meet at checkout, found before anything is created: for
    /// each line,
    ///
    /// - the catalog item exists and the customer can buy it (the customer's SKUs and
    ///   availabilities; an item in the country's catalog but not the customer's is
    ///   [`NotPurchasable`](LineProblem::NotPurchasable), one in neither
    ///   [`UnknownItem`](LineProblem::UnknownItem));
    /// - its term and billing cycle are offered (the terms of the availabilities list and of
    ///   the single availability together), and its quantity is within the SKU's minimum and
    ///   maximum;
    /// - its `provisioningContext` has every `provisioningVariables` of the SKU;
    /// - where the SKU's `purchasePrerequisites` holds `InventoryCheck`: the inventory check,
    ///   in the line's context (below);
    /// - where the line names a `promotionId`: the customer's eligibility, one request for
    ///   every such line;
    /// - where the SKU's `purchasePrerequisites` holds `MicrosoftCustomerAgreement`: the
    ///   customer's agreements of that type, read once.
    ///
    /// Reads only, each through the pipeline as every call (paced, retried), with one
    /// `MS-CorrelationId` for the plan (the client's, when it has one); each list is read
    /// once per plan (a product's SKUs, a SKU's availabilities, a single availability, the
    /// agreements). A check the service would not answer (401, 403, another 4xx: the
    /// agreements refuse an app-only token) is [`NotChecked`](LineProblem::NotChecked) on
    /// the lines it concerns, and the plan goes on. Add-on items are not planned.
    ///
    /// The inventory check's context is the customer's id (`customerId`) and the line's
    /// `provisioningContext`, its keys mapped as the check names them: `subscriptionId` (or
    /// `azureSubscriptionId`) as `azureSubscriptionId`; `armRegionName`, `region` or
    /// `location` as `armRegionName`; any other key as it is.
    ///
    /// ```no_run
    /// # async fn run(pc: partner_center_carts::PartnerCenter) -> Result<(), partner_center_carts::Error> {
    /// use partner_center_carts::types::Cart;
    ///
    /// let customer = pc.customer("d6bf25b7-e0a8-4f2d-a31b-97b55cfc774d");
    /// let line = customer.line("CFQ7TTC0LH0Z:0001:CFQ7TTC0K18P", Some("P1Y"), "annual", 5).await?;
    /// let plan = customer.plan(std::slice::from_ref(&line)).await?;
    /// if plan.is_clean() {
    ///     let cart = customer.create(&Cart { line_items: vec![line], ..Default::default() }).await?;
    ///     customer.cart(cart.id()).checkout().await?;
    /// } else {
    ///     eprintln!("{plan}"); // line 0 (CFQ7TTC0LH0Z:0001:CFQ7TTC0K18P): ...
    /// }
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidInput`], sending nothing, when the customer id is not a GUID; a
    /// read that failed otherwise than by the service's refusal (time-out, connection,
    /// throttling or a server error beyond the retries), as [`Error`] describes it.
    pub async fn plan(&self, lines: &[CartLineItem]) -> Result<Plan, Error> {
        crate::validate::guid("customer", &self.id)?;
        let mut lookup = Lookup::new(self);
        let mut planned: Vec<Line> = Vec::with_capacity(lines.len());
        for line in lines {
            planned.push(lookup.line(line).await?);
        }
        // Absent items, once every line has had the chance to say the customer's country.
        for line in &mut planned {
            if let (Some(reason), Some(id)) = (line.absent.take(), line.id.clone()) {
                line.problems.push(lookup.absent(&id, reason).await?);
            }
        }
        lookup.inventory(lines, &mut planned).await?;
        lookup.promotions(lines, &mut planned).await?;
        lookup.agreement(&mut planned).await?;
        Ok(Plan::new(
            planned
                .into_iter()
                .zip(lines)
                .enumerate()
                .map(|(index, (line, item))| {
                    PlannedLine::new(index, item.catalog_item_id.clone(), line.problems)
                })
                .collect(),
        ))
    }
}

/// One line being planned.
struct Line {
    id: Option<CatalogItemId>,
    /// The SKU and the availability (terms of both answers), when found.
    item: Option<(Sku, Availability)>,
    /// Why the customer's catalog does not have it, to be classified once the country is known.
    absent: Option<String>,
    problems: Vec<LineProblem>,
}

/// What the customer's catalog says of an item.
enum Resolved {
    Item(Box<(Sku, Availability)>),
    /// Not in the customer's catalog, for this reason.
    Absent(String),
    /// The service refused a read (401, 403, another 4xx): for a plan, not checked.
    Refused(Arc<Error>),
}

/// A read's answer: found, not found (404), or refused by the service (401, 403, 4xx).
enum Read<T> {
    Found(T),
    NotFound,
    Refused(Arc<Error>),
}

impl<T: Clone> Read<T> {
    fn of(result: Result<T, Error>) -> Result<Self, Error> {
        match result {
            Ok(found) => Ok(Self::Found(found)),
            Err(e) if e.is_not_found() => Ok(Self::NotFound),
            Err(e) if refused(&e) => Ok(Self::Refused(Arc::new(e))),
            Err(e) => Err(e),
        }
    }
}

impl<T: Clone> Clone for Read<T> {
    fn clone(&self) -> Self {
        match self {
            Self::Found(found) => Self::Found(found.clone()),
            Self::NotFound => Self::NotFound,
            Self::Refused(e) => Self::Refused(e.clone()),
        }
    }
}

/// Whether the service refused to make a check for this caller or input (403, or another 4xx
/// but 401, 408 and 429), or the client refused it before sending for want of MFA (an
/// App+User-only read): the check is left to checkout. A token that cannot be had or that the
/// service refuses (401) is no such refusal: it fails the plan, as it fails every call.
fn refused(e: &Error) -> bool {
    match e.kind() {
        ErrorKind::Auth(a) => a.mfa_required() && a.service().is_none(),
        ErrorKind::Service(_) => e
            .status()
            .is_some_and(|s| (400..500).contains(&s) && ![401, 408, 429].contains(&s)),
        _ => false,
    }
}

/// A check the service would not make, in words.
fn not_checked(what: &str, e: &Error) -> LineProblem {
    let reason = match e.service_error().and_then(|s| s.description()) {
        Some(description) => format!(
            "the service answered {} ({description})",
            e.status().unwrap_or_default()
        ),
        None => e.to_string(),
    };
    LineProblem::NotChecked {
        what: what.to_string(),
        reason,
    }
}

/// The reads of one plan (or one line), each made once.
struct Lookup<'a> {
    customer: &'a Customer,
    catalog: CustomerCatalog,
    correlation: Uuid,
    /// The customer's country, from the first of its availabilities that says it.
    country: Option<String>,
    skus: HashMap<String, Read<Vec<Sku>>>,
    availabilities: HashMap<(String, String), Read<Vec<Availability>>>,
    single: HashMap<(String, String, String, String), Read<Availability>>,
    inventory: HashMap<(String, String), Read<Vec<InventoryItem>>>,
}

/// A key of ids compared without regard to case.
fn key(id: &str) -> String {
    id.to_ascii_lowercase()
}

fn same(a: Option<&str>, b: &str) -> bool {
    a.is_some_and(|a| a.eq_ignore_ascii_case(b))
}

fn has_prerequisite(sku: &Sku, prerequisite: &str) -> bool {
    sku.purchase_prerequisites
        .iter()
        .flatten()
        .any(|p| p.eq_ignore_ascii_case(prerequisite))
}

impl<'a> Lookup<'a> {
    fn new(customer: &'a Customer) -> Self {
        Self {
            customer,
            catalog: customer.catalog(),
            correlation: customer.pc.correlation_id().unwrap_or_else(Uuid::new_v4),
            country: None,
            skus: HashMap::new(),
            availabilities: HashMap::new(),
            single: HashMap::new(),
            inventory: HashMap::new(),
        }
    }

    /// A new read of the plan: its own request id and time budget, the plan's correlation id.
    fn sending(&self) -> Sending {
        Sending {
            ids: OperationIds::new(None, Some(self.correlation)),
            ..self.customer.pc.sending(None)
        }
    }

    async fn customer_skus(&mut self, product: &str) -> Result<Read<Vec<Sku>>, Error> {
        if let Some(read) = self.skus.get(&key(product)) {
            return Ok(read.clone());
        }
        let answer = self.catalog.skus_with(product, self.sending()).await;
        let read = Read::of(answer.map(|c| c.items.unwrap_or_default()))?;
        self.skus.insert(key(product), read.clone());
        Ok(read)
    }

    async fn customer_availabilities(
        &mut self,
        product: &str,
        sku: &str,
    ) -> Result<Read<Vec<Availability>>, Error> {
        let k = (key(product), key(sku));
        if let Some(read) = self.availabilities.get(&k) {
            return Ok(read.clone());
        }
        let answer = self
            .catalog
            .availabilities_with(product, sku, self.sending())
            .await;
        let read = Read::of(answer.map(|c| c.items.unwrap_or_default()))?;
        if let Read::Found(listed) = &read
            && self.country.is_none()
        {
            self.country = listed
                .iter()
                .find_map(|a| crate::validate::country(a.country.as_deref()?).ok());
        }
        self.availabilities.insert(k, read.clone());
        Ok(read)
    }

    async fn single(
        &mut self,
        country: &str,
        id: &CatalogItemId,
    ) -> Result<Read<Availability>, Error> {
        let k = (
            key(country),
            key(id.product()),
            key(id.sku()),
            key(id.availability()),
        );
        if let Some(read) = self.single.get(&k) {
            return Ok(read.clone());
        }
        let catalog = self.customer.pc.catalog(country);
        let answer = catalog
            .availability_with(id.product(), id.sku(), id.availability(), self.sending())
            .await;
        let read = Read::of(answer)?;
        self.single.insert(k, read.clone());
        Ok(read)
    }

    /// The SKU and availability of `id` in the customer's catalog, with the terms of the
    /// single availability too.
    async fn resolve(&mut self, id: &CatalogItemId) -> Result<Resolved, Error> {
        let (product, sku_id) = (id.product(), id.sku());
        let skus = match self.customer_skus(product).await? {
            Read::Found(skus) => skus,
            Read::NotFound => {
                return Ok(Resolved::Absent(format!(
                    "the customer's catalog has no product {product}"
                )));
            }
            Read::Refused(e) => return Ok(Resolved::Refused(e)),
        };
        let Some(sku) = skus.into_iter().find(|s| same(s.id.as_deref(), sku_id)) else {
            return Ok(Resolved::Absent(format!(
                "the customer's catalog has no SKU {sku_id} of product {product}"
            )));
        };
        let listed = match self.customer_availabilities(product, sku_id).await? {
            Read::Found(listed) => listed,
            Read::NotFound => {
                return Ok(Resolved::Absent(format!(
                    "the customer's catalog has no availabilities of SKU {product}:{sku_id}"
                )));
            }
            Read::Refused(e) => return Ok(Resolved::Refused(e)),
        };
        let found = listed.into_iter().find(|a| {
            same(a.id.as_deref(), id.availability())
                || same(a.catalog_item_id.as_deref(), &id.to_string())
        });
        let Some(listed) = found else {
            return Ok(Resolved::Absent(format!(
                "the customer's catalog has no availability {} of SKU {product}:{sku_id}",
                id.availability()
            )));
        };
        // The same availability read alone, in the customer's country: its terms count too.
        // Where it cannot be read, the customer's list is the answer.
        // A country the answer gives that is not one (`""`, `USA`) is no country: the
        // customer's list is then the answer, rather than a plan failed for the caller's input.
        let answered = listed
            .country
            .as_deref()
            .and_then(|c| crate::validate::country(c).ok());
        let country = answered.or_else(|| self.country.clone());
        let availability = match country {
            Some(country) => match self.single(&country, id).await? {
                Read::Found(single) => union_terms(&listed, &single),
                Read::NotFound | Read::Refused(_) => listed,
            },
            None => listed,
        };
        Ok(Resolved::Item(Box::new((sku, availability))))
    }

    /// What an item not in the customer's catalog is: in its country's catalog (not offered
    /// to this customer), or in neither (unknown). Without the country, unknown.
    async fn absent(&mut self, id: &CatalogItemId, reason: String) -> Result<LineProblem, Error> {
        let catalog_item_id = id.to_string();
        let Some(country) = self.country.clone() else {
            return Ok(LineProblem::UnknownItem {
                catalog_item_id,
                reason: format!("{reason} (unknown, or not offered to this customer)"),
            });
        };
        Ok(match self.single(&country, id).await? {
            Read::Found(_) => LineProblem::NotPurchasable {
                catalog_item_id,
                reason: format!(
                    "it is in the catalog of {country}, but not offered to this customer: {reason}"
                ),
            },
            Read::NotFound | Read::Refused(_) => LineProblem::UnknownItem {
                catalog_item_id,
                reason: format!("{reason}, nor has the catalog of {country}"),
            },
        })
    }

    /// The catalog's checks of one line.
    async fn line(&mut self, line: &CartLineItem) -> Result<Line, Error> {
        let mut planned = Line {
            id: None,
            item: None,
            absent: None,
            problems: Vec::new(),
        };
        let id: CatalogItemId = match line.catalog_item_id.parse() {
            Ok(id) => id,
            Err(e) => {
                planned.problems.push(if e.is_legacy_offer_id() {
                    LineProblem::NotChecked {
                        what: "catalog".into(),
                        reason: "a legacy offer id: the catalog is asked about PRODUCT:SKU:AVAILABILITY ids only"
                            .into(),
                    }
                } else {
                    LineProblem::UnknownItem {
                        catalog_item_id: line.catalog_item_id.clone(),
                        reason: e.to_string(),
                    }
                });
                return Ok(planned);
            }
        };
        planned.id = Some(id.clone());
        let (sku, availability) = match self.resolve(&id).await? {
            Resolved::Item(item) => *item,
            Resolved::Absent(reason) => {
                planned.absent = Some(reason);
                return Ok(planned);
            }
            Resolved::Refused(e) => {
                planned.problems.push(not_checked("catalog", &e));
                return Ok(planned);
            }
        };
        if availability.is_purchasable == Some(false) {
            planned.problems.push(LineProblem::NotPurchasable {
                catalog_item_id: id.to_string(),
                reason: "the availability says it is not purchasable".into(),
            });
        }
        let (problems, _) = check_choice(
            &sku,
            &availability,
            line.term_duration.as_deref(),
            line.billing_cycle.as_str(),
            line.quantity,
        );
        // A line without a term is refused at checkout only for a trial (400039 for the
        // term ''); another is left to the service to complete.
        let trial = sku.is_trial == Some(true);
        planned.problems.extend(
            problems
                .into_iter()
                .filter(|p| trial || !matches!(p, LineProblem::TermNotOffered { asked: None, .. })),
        );
        let missing = missing_provisioning(&sku, line);
        if !missing.is_empty() {
            planned
                .problems
                .push(LineProblem::ProvisioningMissing { missing });
        }
        planned.item = Some((sku, availability));
        Ok(planned)
    }

    /// The inventory check of every line whose SKU asks for one, each context once.
    async fn inventory(
        &mut self,
        lines: &[CartLineItem],
        planned: &mut [Line],
    ) -> Result<(), Error> {
        for (line, plan) in lines.iter().zip(planned.iter_mut()) {
            let Some((sku, availability)) = &plan.item else {
                continue;
            };
            if !has_prerequisite(sku, PurchasePrerequisite::INVENTORY_CHECK) {
                continue;
            }
            let Some(id) = plan.id.clone() else { continue };
            let answered = availability
                .country
                .as_deref()
                .and_then(|c| crate::validate::country(c).ok());
            let Some(country) = answered.or_else(|| self.country.clone()) else {
                plan.problems.push(LineProblem::NotChecked {
                    what: "inventory".into(),
                    reason: "the customer's country is not known".into(),
                });
                continue;
            };
            let request = InventoryCheckRequest {
                target_items: Some(vec![InventoryItem {
                    product_id: Some(id.product().to_string()),
                    sku_id: Some(id.sku().to_string()),
                    ..Default::default()
                }]),
                inventory_context: Some(inventory_context(&self.customer.id, line)),
                ..Default::default()
            };
            let k = (
                key(&country),
                serde_json::to_string(&request).unwrap_or_default(),
            );
            let read = match self.inventory.get(&k) {
                Some(read) => read.clone(),
                None => {
                    let answer = self
                        .customer
                        .pc
                        .check_inventory_with(&country, &request, self.sending())
                        .await;
                    let read = match answer {
                        Ok(items) => Read::Found(items),
                        Err(e) if refused(&e) => Read::Refused(Arc::new(e)),
                        Err(e) => return Err(e),
                    };
                    self.inventory.insert(k, read.clone());
                    read
                }
            };
            match read {
                Read::Found(items) => {
                    let item = items.iter().find(|i| {
                        same(i.product_id.as_deref(), id.product())
                            && same(i.sku_id.as_deref(), id.sku())
                    });
                    match item {
                        Some(item) if item.is_restricted == Some(true) => {
                            let reasons = item
                                .restrictions
                                .iter()
                                .flatten()
                                .filter_map(|r| {
                                    r.description.clone().or_else(|| r.reason_code.clone())
                                })
                                .collect();
                            plan.problems
                                .push(LineProblem::InventoryRestricted { reasons });
                        }
                        Some(_) => {}
                        // An answer silent on the item is no answer for it.
                        None => plan.problems.push(LineProblem::NotChecked {
                            what: "inventory".into(),
                            reason: "the service's answer says nothing of this item".into(),
                        }),
                    }
                }
                Read::NotFound => {}
                Read::Refused(e) => plan.problems.push(not_checked("inventory", &e)),
            }
        }
        Ok(())
    }

    /// The customer's eligibility for the promotion each line names: one request for all.
    async fn promotions(
        &mut self,
        lines: &[CartLineItem],
        planned: &mut [Line],
    ) -> Result<(), Error> {
        let asked: Vec<(usize, &str)> = lines
            .iter()
            .enumerate()
            .filter(|(i, _)| {
                planned[*i].item.is_some() && planned[*i].problems.iter().all(|p| !p.is_refusal())
            })
            .filter_map(|(i, l)| {
                let promotion = l.promotion_id.as_deref()?.trim();
                (!promotion.is_empty()).then_some((i, promotion))
            })
            .collect();
        if asked.is_empty() {
            return Ok(());
        }
        let items: Vec<PromotionEligibilityItem> = asked
            .iter()
            .map(|&(i, promotion)| PromotionEligibilityItem {
                id: i32::try_from(i).ok(),
                catalog_item_id: Some(lines[i].catalog_item_id.clone()),
                quantity: Some(lines[i].quantity),
                term_duration: lines[i].term_duration.clone(),
                billing_cycle: Some(lines[i].billing_cycle.clone()),
                promotion_id: Some(promotion.to_string()),
                ..Default::default()
            })
            .collect();
        let answer = self
            .customer
            .promotion_eligibilities_with(&items, self.sending())
            .await;
        let answered = match answer {
            Ok(answered) => answered.items.unwrap_or_default(),
            Err(e) if refused(&e) => {
                for &(i, _) in &asked {
                    planned[i].problems.push(not_checked("promotion", &e));
                }
                return Ok(());
            }
            Err(e) => return Err(e),
        };
        for (n, &(i, promotion)) in asked.iter().enumerate() {
            let of_item = answered
                .iter()
                .find(|a| a.id.is_some_and(|id| usize::try_from(id).ok() == Some(i)))
                .or_else(|| answered.get(n).filter(|a| a.id.is_none()));
            let eligibilities: Vec<_> = of_item
                .into_iter()
                .flat_map(|a| a.eligibilities.iter().flatten())
                .filter(|e| {
                    e.promotion_id
                        .as_deref()
                        .is_none_or(|p| p.eq_ignore_ascii_case(promotion))
                })
                .collect();
            if eligibilities.is_empty() {
                planned[i].problems.push(LineProblem::NotChecked {
                    what: "promotion".into(),
                    reason: format!(
                        "the service's answer says nothing of promotion {promotion} for this line"
                    ),
                });
            } else if let Some(no) = eligibilities.iter().find(|e| e.is_eligible == Some(false)) {
                let reasons = no
                    .errors
                    .iter()
                    .flatten()
                    .filter_map(|e| e.description.clone())
                    .collect();
                planned[i].problems.push(LineProblem::PromotionIneligible {
                    promotion: promotion.to_string(),
                    reasons,
                });
            }
        }
        Ok(())
    }

    /// The customer agreement, read once, for every line whose SKU needs it confirmed.
    async fn agreement(&mut self, planned: &mut [Line]) -> Result<(), Error> {
        const MCA: &str = PurchasePrerequisite::MICROSOFT_CUSTOMER_AGREEMENT;
        let needing: Vec<usize> = planned
            .iter()
            .enumerate()
            .filter(|(_, l)| {
                l.item
                    .as_ref()
                    .is_some_and(|(sku, _)| has_prerequisite(sku, MCA))
            })
            .map(|(i, _)| i)
            .collect();
        if needing.is_empty() {
            return Ok(());
        }
        let problem = match self
            .customer
            .agreements_with(Some(MCA), self.sending())
            .await
        {
            Ok(agreements) => {
                let confirmed = agreements.items.iter().flatten().any(|a| {
                    a.type_
                        .as_deref()
                        .is_none_or(|t| t.eq_ignore_ascii_case(MCA))
                });
                (!confirmed).then(|| LineProblem::AgreementMissing {
                    agreement_type: MCA.to_string(),
                })
            }
            Err(e) if refused(&e) => Some(not_checked("agreement", &e)),
            Err(e) => return Err(e),
        };
        if let Some(problem) = problem {
            for i in needing {
                planned[i].problems.push(problem.clone());
            }
        }
        Ok(())
    }
}

/// The inventory check's context for a line: the customer, and the line's provisioning
/// context under the names the check takes.
fn inventory_context(
    customer_id: &str,
    line: &CartLineItem,
) -> std::collections::BTreeMap<String, String> {
    let mut context = std::collections::BTreeMap::new();
    context.insert("customerId".to_string(), customer_id.to_string());
    for (k, v) in line.provisioning_context.iter().flatten() {
        let name = match k.to_ascii_lowercase().as_str() {
            "subscriptionid" | "azuresubscriptionid" => "azureSubscriptionId".to_string(),
            "armregionname" | "region" | "location" => "armRegionName".to_string(),
            _ => k.clone(),
        };
        context.insert(name, v.clone());
    }
    context
}
