//! DynamoDB state: one table, on-demand, TTL on activities.
//!
//! | pk                     | sk                         | attributes                                   |
//! |------------------------|----------------------------|----------------------------------------------|
//! | `TARGET#<ResourceId>`  | `CONFIG`                   | `config` (JSON ScalableTarget), `config_version` |
//! | `TARGET#<ResourceId>`  | `STATE`                    | `state` (JSON TargetState), `version`        |
//! | `TARGET#<ResourceId>`  | `ACT#<start>#<ActivityId>` | `activity` (JSON ScalingActivity), `status`, `expires_at` (TTL) |
//! | `ALARM#<AlarmName>`    | `<ResourceId>`             | binding: the alarm drives policies on that target |
//! | `TARGETS`              | `<ResourceId>`             | registry the one-minute pass walks           |
//!
//! `ACT#` sorts before `CONFIG` < `STATE`, so one Query with `sk >= CONFIG` loads a target's
//! configuration and state together without touching its activities. The STATE item carries a
//! version number; every write of it is conditional on the version read (optimistic
//! concurrency), which makes the write the linearization point of a decision.

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem};
use chrono::{DateTime, Duration, Utc};
use std::collections::HashMap;

use sagescale_core::activity::ScalingActivity;
use sagescale_core::model::ScalableTarget;
use sagescale_core::state::TargetState;

/// Activities are kept six weeks, like AAS's scaling activity history.
pub const ACTIVITY_RETENTION_DAYS: i64 = 42;
/// DynamoDB caps a transaction at 100 items; leave room for the state item.
const MAX_TRANSACTION_ITEMS: usize = 100;
/// One DynamoDB item.
type Item = HashMap<String, AttributeValue>;
/// BatchGetItem takes 100 keys per call: a target's CONFIG and STATE items, 50 targets.
pub const BATCH_GET_TARGETS: usize = 50;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Another writer changed the state since it was read: re-read and re-decide.
    #[error("state of {0} changed concurrently")]
    Conflict(String),
    #[error("DynamoDB {op}: {message}")]
    Service { op: &'static str, message: String },
    #[error("corrupt item {pk}/{sk}: {message}")]
    Corrupt {
        pk: String,
        sk: String,
        message: String,
    },
}

/// A target's configuration and state as read together.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub config: ScalableTarget,
    pub config_version: i64,
    /// When the configuration was last applied (`sagescale apply`); `None` for items written
    /// before this was recorded.
    pub applied_at: Option<DateTime<Utc>>,
    pub state: TargetState,
    /// 0 when no state item exists yet.
    pub version: i64,
}

#[derive(Clone)]
pub struct Store {
    client: Client,
    table: String,
}

pub fn target_pk(resource_id: &str) -> String {
    format!("TARGET#{resource_id}")
}

fn alarm_pk(alarm: &str) -> String {
    format!("ALARM#{alarm}")
}

const TARGETS_PK: &str = "TARGETS";

/// Sort key of an activity: newest last in key order, so a reverse query lists newest first.
pub fn activity_sk(activity: &ScalingActivity) -> String {
    format!(
        "ACT#{}#{}",
        activity.start_time.format("%Y-%m-%dT%H:%M:%S%.3fZ"),
        activity.activity_id
    )
}

fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

fn n(v: i64) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

fn service_err<E, R>(op: &'static str, e: SdkError<E, R>) -> StoreError
where
    E: std::error::Error + 'static,
    R: std::fmt::Debug,
{
    StoreError::Service {
        op,
        message: crate::sdk_error::message(&e),
    }
}

fn get_s<'a>(item: &'a HashMap<String, AttributeValue>, key: &str) -> Option<&'a str> {
    item.get(key)
        .and_then(|v| v.as_s().ok())
        .map(String::as_str)
}

fn get_n(item: &HashMap<String, AttributeValue>, key: &str) -> Option<i64> {
    item.get(key)
        .and_then(|v| v.as_n().ok())
        .and_then(|v| v.parse().ok())
}

fn parse_json<T: serde::de::DeserializeOwned>(
    item: &HashMap<String, AttributeValue>,
    attr: &str,
) -> Result<T, StoreError> {
    let corrupt = |message: String| StoreError::Corrupt {
        pk: get_s(item, "pk").unwrap_or("?").to_string(),
        sk: get_s(item, "sk").unwrap_or("?").to_string(),
        message,
    };
    let raw = get_s(item, attr).ok_or_else(|| corrupt(format!("missing attribute {attr}")))?;
    serde_json::from_str(raw).map_err(|e| corrupt(format!("{attr}: {e}")))
}

fn activity_item(table: &str, a: &ScalingActivity) -> Put {
    let expires = a.start_time + Duration::days(ACTIVITY_RETENTION_DAYS);
    Put::builder()
        .table_name(table)
        .item("pk", s(target_pk(&a.resource_id)))
        .item("sk", s(activity_sk(a)))
        .item(
            "activity",
            s(serde_json::to_string(a).expect("activity serialises")),
        )
        .item("status", s(format!("{:?}", a.status_code)))
        .item("expires_at", n(expires.timestamp()))
        .build()
        .expect("table, item set")
}

impl Store {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }

    pub fn table(&self) -> &str {
        &self.table
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The targets whose policies an alarm drives (one Query).
    pub async fn targets_for_alarm(&self, alarm: &str) -> Result<Vec<String>, StoreError> {
        self.query_sort_keys(&alarm_pk(alarm)).await
    }

    /// Every configured target (one Query, paginated).
    pub async fn list_targets(&self) -> Result<Vec<String>, StoreError> {
        self.query_sort_keys(TARGETS_PK).await
    }

    async fn query_sort_keys(&self, pk: &str) -> Result<Vec<String>, StoreError> {
        let mut out = Vec::new();
        let mut start = None;
        loop {
            let resp = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("pk = :pk")
                .expression_attribute_values(":pk", s(pk))
                .projection_expression("sk")
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(|e| service_err("Query", e))?;
            out.extend(
                resp.items()
                    .iter()
                    .filter_map(|i| get_s(i, "sk").map(str::to_string)),
            );
            match resp.last_evaluated_key {
                Some(k) if !k.is_empty() => start = Some(k),
                _ => return Ok(out),
            }
        }
    }

    /// Configuration and state of one target in one Query; `None` when not configured.
    pub async fn load(&self, resource_id: &str) -> Result<Option<Loaded>, StoreError> {
        let resp = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk AND sk >= :config")
            .expression_attribute_values(":pk", s(target_pk(resource_id)))
            .expression_attribute_values(":config", s("CONFIG"))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| service_err("Query", e))?;
        let mut config = None;
        let mut state = (TargetState::default(), 0);
        for item in resp.items() {
            match get_s(item, "sk") {
                Some("CONFIG") => {
                    config = Some((
                        parse_json::<ScalableTarget>(item, "config")?,
                        get_n(item, "config_version").unwrap_or(0),
                        get_s(item, "applied_at")
                            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
                            .map(|t| t.to_utc()),
                    ))
                }
                Some("STATE") => {
                    state = (
                        parse_json::<TargetState>(item, "state")?,
                        get_n(item, "version").unwrap_or(0),
                    )
                }
                _ => {}
            }
        }
        Ok(config.map(|(config, config_version, applied_at)| Loaded {
            config,
            config_version,
            applied_at,
            state: state.0,
            version: state.1,
        }))
    }

    /// Configurations and states of many targets with BatchGetItem: 100 keys (50 targets) per
    /// call, consistent reads, unprocessed keys asked again. Targets without a configuration
    /// are left out.
    pub async fn load_many(&self, resource_ids: &[String]) -> Result<Vec<Loaded>, StoreError> {
        use aws_sdk_dynamodb::types::KeysAndAttributes;
        let mut items: HashMap<String, (Option<Item>, Option<Item>)> = HashMap::new();
        for chunk in resource_ids.chunks(BATCH_GET_TARGETS) {
            let keys: Vec<HashMap<String, AttributeValue>> = chunk
                .iter()
                .flat_map(|rid| {
                    ["CONFIG", "STATE"].map(|sk| {
                        HashMap::from([
                            ("pk".to_string(), s(target_pk(rid))),
                            ("sk".to_string(), s(sk)),
                        ])
                    })
                })
                .collect();
            let mut request = Some(HashMap::from([(
                self.table.clone(),
                KeysAndAttributes::builder()
                    .set_keys(Some(keys))
                    .consistent_read(true)
                    .build()
                    .expect("keys set"),
            )]));
            let mut attempt = 0u32;
            while let Some(req) = request.take() {
                let resp = self
                    .client
                    .batch_get_item()
                    .set_request_items(Some(req))
                    .send()
                    .await
                    .map_err(|e| service_err("BatchGetItem", e))?;
                for item in resp
                    .responses
                    .unwrap_or_default()
                    .remove(&self.table)
                    .unwrap_or_default()
                {
                    let (Some(pk), Some(sk)) = (get_s(&item, "pk"), get_s(&item, "sk")) else {
                        continue;
                    };
                    let rid = pk.strip_prefix("TARGET#").unwrap_or(pk).to_string();
                    let slot = items.entry(rid).or_default();
                    match sk {
                        "CONFIG" => slot.0 = Some(item),
                        "STATE" => slot.1 = Some(item),
                        _ => {}
                    }
                }
                // DynamoDB may return part of a batch (throughput, 16 MB): ask again for the
                // rest, backing off a little as the API reference advises.
                if let Some(rest) = resp.unprocessed_keys.filter(|u| !u.is_empty()) {
                    attempt += 1;
                    tokio::time::sleep(std::time::Duration::from_millis(
                        (20u64 << attempt.min(6)).min(1_000),
                    ))
                    .await;
                    request = Some(rest);
                }
            }
        }
        let mut out = Vec::with_capacity(resource_ids.len());
        for rid in resource_ids {
            let Some((Some(config), state)) = items.remove(rid) else {
                continue;
            };
            let (state, version) = match state {
                Some(item) => (
                    parse_json::<TargetState>(&item, "state")?,
                    get_n(&item, "version").unwrap_or(0),
                ),
                None => (TargetState::default(), 0),
            };
            out.push(Loaded {
                config: parse_json::<ScalableTarget>(&config, "config")?,
                config_version: get_n(&config, "config_version").unwrap_or(0),
                applied_at: get_s(&config, "applied_at")
                    .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
                    .map(|t| t.to_utc()),
                state,
                version,
            });
        }
        Ok(out)
    }

    /// Write `state` as version `expected + 1` if the stored version is still `expected`,
    /// together with `activities` (new or updated), atomically.
    pub async fn commit(
        &self,
        resource_id: &str,
        expected: i64,
        state: &TargetState,
        activities: &[&ScalingActivity],
    ) -> Result<i64, StoreError> {
        let next = expected + 1;
        let condition = if expected == 0 {
            "attribute_not_exists(pk)"
        } else {
            "version = :expected"
        };
        let mut put = Put::builder()
            .table_name(&self.table)
            .item("pk", s(target_pk(resource_id)))
            .item("sk", s("STATE"))
            .item(
                "state",
                s(serde_json::to_string(state).expect("state serialises")),
            )
            .item("version", n(next))
            .condition_expression(condition);
        if expected != 0 {
            put = put.expression_attribute_values(":expected", n(expected));
        }
        let state_put = put.build().expect("table, item set");
        let mut items = Vec::with_capacity(1 + activities.len());
        items.push(TransactWriteItem::builder().put(state_put).build());
        for a in activities.iter().take(MAX_TRANSACTION_ITEMS - 1) {
            items.push(
                TransactWriteItem::builder()
                    .put(activity_item(&self.table, a))
                    .build(),
            );
        }
        match self
            .client
            .transact_write_items()
            .set_transact_items(Some(items))
            .send()
            .await
        {
            Ok(_) => Ok(next),
            Err(e) => {
                if let Some(TransactWriteItemsError::TransactionCanceledException(tc)) =
                    e.as_service_error()
                {
                    let conflict = tc
                        .cancellation_reasons()
                        .iter()
                        .any(|r| r.code() == Some("ConditionalCheckFailed"));
                    if conflict {
                        return Err(StoreError::Conflict(resource_id.to_string()));
                    }
                }
                Err(service_err("TransactWriteItems", e))
            }
        }
    }

    /// Write (or rewrite: same sort key) one activity, without the state: the outcome of a
    /// claim that a newer decision superseded while it was being carried out.
    pub async fn put_activity(&self, activity: &ScalingActivity) -> Result<(), StoreError> {
        self.client
            .transact_write_items()
            .transact_items(
                TransactWriteItem::builder()
                    .put(activity_item(&self.table, activity))
                    .build(),
            )
            .send()
            .await
            .map(|_| ())
            .map_err(|e| service_err("TransactWriteItems", e))
    }

    /// Newest first, at most `limit`.
    pub async fn activities(
        &self,
        resource_id: &str,
        limit: i32,
    ) -> Result<Vec<ScalingActivity>, StoreError> {
        let resp = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk AND begins_with(sk, :act)")
            .expression_attribute_values(":pk", s(target_pk(resource_id)))
            .expression_attribute_values(":act", s("ACT#"))
            .scan_index_forward(false)
            .limit(limit)
            .send()
            .await
            .map_err(|e| service_err("Query", e))?;
        resp.items()
            .iter()
            .map(|i| parse_json::<ScalingActivity>(i, "activity"))
            .collect()
    }

    /// Write a target's configuration, its registry entry and its alarm bindings; remove
    /// bindings of alarms it no longer uses. Validation happens before this is called.
    pub async fn put_config(
        &self,
        target: &ScalableTarget,
        previous_alarms: &[String],
        now: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        let current = self.load(&target.resource_id).await?;
        let version = current.as_ref().map_or(0, |l| l.config_version) + 1;
        let rid = &target.resource_id;
        let mut items = vec![
            TransactWriteItem::builder()
                .put(
                    Put::builder()
                        .table_name(&self.table)
                        .item("pk", s(target_pk(rid)))
                        .item("sk", s("CONFIG"))
                        .item(
                            "config",
                            s(serde_json::to_string(target).expect("config serialises")),
                        )
                        .item("config_version", n(version))
                        .item("applied_at", s(now.to_rfc3339()))
                        .build()
                        .expect("table, item set"),
                )
                .build(),
            TransactWriteItem::builder()
                .put(
                    Put::builder()
                        .table_name(&self.table)
                        .item("pk", s(TARGETS_PK))
                        .item("sk", s(rid))
                        .build()
                        .expect("table, item set"),
                )
                .build(),
        ];
        let alarms: std::collections::BTreeSet<&str> = target
            .scaling_policies
            .iter()
            .flat_map(|p| p.alarms.iter().map(String::as_str))
            .collect();
        for alarm in &alarms {
            items.push(
                TransactWriteItem::builder()
                    .put(
                        Put::builder()
                            .table_name(&self.table)
                            .item("pk", s(alarm_pk(alarm)))
                            .item("sk", s(rid))
                            .build()
                            .expect("table, item set"),
                    )
                    .build(),
            );
        }
        for stale in previous_alarms
            .iter()
            .filter(|a| !alarms.contains(a.as_str()))
        {
            items.push(
                TransactWriteItem::builder()
                    .delete(
                        aws_sdk_dynamodb::types::Delete::builder()
                            .table_name(&self.table)
                            .key("pk", s(alarm_pk(stale)))
                            .key("sk", s(rid))
                            .build()
                            .expect("table, key set"),
                    )
                    .build(),
            );
        }
        self.client
            .transact_write_items()
            .set_transact_items(Some(items))
            .send()
            .await
            .map_err(|e| service_err("TransactWriteItems", e))?;
        Ok(version)
    }

    /// Create the table (tests, demo and `sagescale init` against an emulator; production uses
    /// the SAM/CDK template).
    pub async fn create_table(&self) -> Result<(), StoreError> {
        use aws_sdk_dynamodb::types::{
            AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
            TimeToLiveSpecification,
        };
        let attr = |name: &str| {
            AttributeDefinition::builder()
                .attribute_name(name)
                .attribute_type(ScalarAttributeType::S)
                .build()
                .expect("name, type set")
        };
        let key = |name: &str, t: KeyType| {
            KeySchemaElement::builder()
                .attribute_name(name)
                .key_type(t)
                .build()
                .expect("name, type set")
        };
        self.client
            .create_table()
            .table_name(&self.table)
            .billing_mode(BillingMode::PayPerRequest)
            .attribute_definitions(attr("pk"))
            .attribute_definitions(attr("sk"))
            .key_schema(key("pk", KeyType::Hash))
            .key_schema(key("sk", KeyType::Range))
            .send()
            .await
            .map_err(|e| service_err("CreateTable", e))?;
        self.client
            .update_time_to_live()
            .table_name(&self.table)
            .time_to_live_specification(
                TimeToLiveSpecification::builder()
                    .attribute_name("expires_at")
                    .enabled(true)
                    .build()
                    .expect("name, enabled set"),
            )
            .send()
            .await
            .map_err(|e| service_err("UpdateTimeToLive", e))?;
        Ok(())
    }
}
