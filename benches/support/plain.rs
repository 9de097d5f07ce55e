//! The baseline of the codec benchmark: plain serde structs with the same known fields as the
//! generated types, that drop what they do not know (no catch-all map, closed types).
#![allow(dead_code)]

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Cart {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub creation_timestamp: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_modified_timestamp: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expiration_timestamp: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_modified_user: Option<String>,
    pub line_items: Vec<LineItem>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub links: Option<Links>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attributes: Option<Attributes>,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LineItem {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<i32>,
    pub catalog_item_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub friendly_name: Option<String>,
    pub quantity: i32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub currency_code: Option<String>,
    pub billing_cycle: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub term_duration: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub promotion_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub participants: Option<Vec<Participant>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provisioning_context: Option<BTreeMap<String, String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order_group: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub renews_to: Option<RenewsTo>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<CartError>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attestation_accepted: Option<bool>,
}

#[derive(Serialize, Deserialize)]
pub struct Participant {
    pub key: Option<String>,
    pub value: Option<String>,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RenewsTo {
    pub term_duration: Option<String>,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CartError {
    pub error_code: Option<i32>,
    pub error_description: Option<String>,
    pub additional_information: Option<BTreeMap<String, serde_json::Value>>,
}

#[derive(Serialize, Deserialize)]
pub struct Links {
    #[serde(rename = "self")]
    pub self_: Option<Link>,
}

#[derive(Serialize, Deserialize)]
pub struct Link {
    pub uri: Option<String>,
    pub method: Option<String>,
    pub headers: Option<Vec<serde_json::Value>>,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Attributes {
    pub object_type: Option<String>,
    pub etag: Option<String>,
}
