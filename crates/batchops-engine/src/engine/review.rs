//! Deciding held lines: an operator picks a candidate, a new item, or "none of these".
//!
//! One decision applies to every open held line that shares the decided line's canonical key,
//! across runs. It is one transaction: the held lines are marked decided, each lands under its own
//! identity `(import_key, line)` (`ON CONFLICT DO NOTHING`, the inventory moved by the rows
//! actually inserted), the alias is learned (or the pairings rejected) and the correction audited.
//! A kill before its commit leaves the lines held, as they were; deciding again lands them once.

use super::EngineError;
use crate::domain::{Candidate, MappingDecision, run_rules};
use crate::input::validate_fields;
use crate::mapping::{LearnedPart, Mapped, MappedLine, Mapper, generated_sku};
use crate::store::fields_from_json;
use crate::store::{DecidedGroup, DecidedLine, HeldFilter, HeldRow, ReviewRecord, Store};
use rust_decimal::Decimal;
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::Arc;

/// What the operator chose for a held line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Choice {
    /// This existing item.
    Item(String),
    /// A new item (SKU and name default to a generated SKU and the line's description).
    New {
        sku: Option<String>,
        name: Option<String>,
    },
    /// None of the candidates: their pairings are rejected and the lines are mapped again.
    Reject,
}

/// What a decision did.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Outcome {
    pub correction_id: Option<i64>,
    pub alias: String,
    /// Held lines the decision covered.
    pub lines: u64,
    /// Lines that landed now (the others had landed before: a decision run again).
    pub landed: u64,
    pub quantity: Decimal,
    /// The item the lines landed on (item and new-item choices).
    pub sku: Option<String>,
    pub rejected: Vec<String>,
    /// After a rejection: lines held again with other candidates.
    pub still_held: u64,
}

/// A held line's reason and candidates, as stored.
pub fn candidates_of(row: &HeldRow) -> (String, Vec<Candidate>) {
    let v: serde_json::Value = serde_json::from_str(&row.candidates_json).unwrap_or_default();
    let reason = v["reason"].as_str().unwrap_or_default().to_string();
    let candidates = serde_json::from_value(v["candidates"].clone()).unwrap_or_default();
    (reason, candidates)
}

/// One line of the review listing (`batchops review list --format json`).
#[derive(Debug, Clone, Serialize)]
pub struct ListedLine {
    pub id: i64,
    pub run_id: i64,
    pub import_key: String,
    pub line: u64,
    pub description: String,
    pub alias: String,
    pub reason: String,
    pub candidates: Vec<Candidate>,
    pub decided: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decision: Option<serde_json::Value>,
}

impl From<&HeldRow> for ListedLine {
    fn from(r: &HeldRow) -> Self {
        let (reason, candidates) = candidates_of(r);
        ListedLine {
            id: r.id,
            run_id: r.run_id,
            import_key: r.import_key.clone(),
            line: r.line,
            description: r.description.clone(),
            alias: r.alias.clone(),
            reason,
            candidates,
            decided: !r.is_open(),
            decision: r
                .decision_json
                .as_deref()
                .and_then(|j| serde_json::from_str(j).ok()),
        }
    }
}

/// Held lines grouped by canonical key, the most lines first: what the Review tab shows.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Group {
    pub alias: String,
    /// The id of the group's first line (deciding it decides the group).
    pub id: i64,
    pub description: String,
    pub lines: u64,
    pub runs: Vec<i64>,
    pub reason: String,
    pub candidates: Vec<Candidate>,
}

/// A group as the database grouped it ([`crate::store::Store::held_groups`]).
pub fn group_of(g: &crate::store::HeldGroup) -> Group {
    let (reason, candidates) = candidates_of(&g.first);
    Group {
        alias: g.first.alias.clone(),
        id: g.first.id,
        description: g.first.description.clone(),
        lines: g.lines,
        runs: g.runs.clone(),
        reason,
        candidates,
    }
}

pub fn groups(rows: &[HeldRow]) -> Vec<Group> {
    let mut by: BTreeMap<&str, Group> = BTreeMap::new();
    for r in rows {
        let g = by.entry(&r.alias).or_insert_with(|| {
            let (reason, candidates) = candidates_of(r);
            Group {
                alias: r.alias.clone(),
                id: r.id,
                description: r.description.clone(),
                lines: 0,
                runs: Vec::new(),
                reason,
                candidates,
            }
        });
        g.lines += 1;
        if !g.runs.contains(&r.run_id) {
            g.runs.push(r.run_id);
        }
    }
    let mut out: Vec<Group> = by.into_values().collect();
    out.sort_by(|a, b| b.lines.cmp(&a.lines).then(a.id.cmp(&b.id)));
    out
}

pub use crate::store::HeldKind;

impl Group {
    /// Why the group is held ([`HeldKind`]); the database narrows by the same reading
    /// (`sql::held::held_groups`).
    pub fn kind(&self) -> HeldKind {
        match self.candidates.first() {
            Some(c) if !c.differed.is_empty() => HeldKind::Veto,
            Some(c) if !c.one_sided.is_empty() => HeldKind::OneSided,
            _ => HeldKind::CloseScore,
        }
    }

    /// The top candidate's score (0 without a candidate).
    pub fn top_score(&self) -> f64 {
        self.candidates.first().map_or(0.0, |c| f64::from(c.score))
    }
}

fn invalid(msg: impl Into<String>) -> EngineError {
    EngineError::Invalid(msg.into())
}

/// Whether the catalog has the SKU (a live item, or a retired one merged into a live item),
/// looked up by SKU: a decision never reads the whole catalog to check the item it lands on.
async fn is_known(store: &dyn Store, sku: &str) -> Result<bool, EngineError> {
    let found = store.catalog_of_skus(None, &[sku.to_string()]).await?;
    Ok(found.items.iter().any(|i| i.sku == sku) || found.retired.iter().any(|(r, _)| r == sku))
}

/// A decision lands held lines in the live tables: refused when one of them belongs to a run that
/// may not write there ([`run_rules::live_write_refusal`]: a rehearsal, a dry run).
async fn refuse_scratch_runs(store: &dyn Store, group: &[HeldRow]) -> Result<(), EngineError> {
    let mut runs: Vec<i64> = group.iter().map(|h| h.run_id).collect();
    runs.sort_unstable();
    runs.dedup();
    for run_id in runs {
        if let Some(run) = store.run(run_id).await?
            && let Some(why) =
                run_rules::live_write_refusal(run_id, run.rehearsal, run.dry_run, "decide")
        {
            return Err(invalid(why));
        }
    }
    Ok(())
}

/// Decide the held line `held_id` (and every open line that shares its key).
pub async fn decide(
    store: &dyn Store,
    held_id: i64,
    choice: &Choice,
    operator: &str,
) -> Result<Outcome, EngineError> {
    let Some(row) = store
        .held(&HeldFilter::Id(held_id))
        .await?
        .into_iter()
        .next()
    else {
        return Err(invalid(format!(
            "there is no held line {held_id} (batchops review list)"
        )));
    };
    if let Some(c) = row.correction_id.filter(|_| !row.is_open()) {
        return Err(invalid(format!(
            "held line {held_id} was decided already (correction {c}); nothing to do"
        )));
    }
    let group = store
        .held(&HeldFilter::OpenAlias(row.alias.clone()))
        .await?;
    let keys: std::collections::BTreeSet<String> =
        group.iter().map(|h| h.import_key.clone()).collect();
    let lock = crate::locks::acquire(store, crate::locks::Command::Decide, keys, operator).await?;
    // Read again under the locks: lines decided or reverted meanwhile are gone; lines of a key
    // not locked (held since) wait for the next decision.
    let mut group = store
        .held(&HeldFilter::OpenAlias(row.alias.clone()))
        .await?;
    group.retain(|h| lock.covers(&h.import_key));
    if group.is_empty() {
        return Err(invalid(format!(
            "held line {held_id} was decided or reverted meanwhile; nothing to do"
        )));
    }
    refuse_scratch_runs(store, &group).await?;
    let (target, new_name) = match choice {
        Choice::Item(sku) => {
            if !is_known(store, sku).await? {
                return Err(invalid(format!(
                    "there is no item {sku} (batchops inventory)"
                )));
            }
            (sku.clone(), None)
        }
        Choice::New { sku, name } => {
            let sku = sku.clone().unwrap_or_else(|| generated_sku(&row.alias));
            if is_known(store, &sku).await? {
                return Err(invalid(format!(
                    "an item {sku} exists already: choose it with --item {sku}, or give --sku a new SKU"
                )));
            }
            let name = name.clone().unwrap_or_else(|| row.description.clone());
            (sku, Some(name))
        }
        Choice::Reject => {
            // The lines are mapped again: against the whole catalog.
            let catalog = store.load_catalog().await?;
            let outcome = reject(store, &row, &group, catalog, operator).await;
            lock.release().await;
            return outcome;
        }
    };
    let mut seen = std::collections::HashMap::new();
    let planned = plan_onto(
        store,
        &row,
        &group,
        &target,
        new_name.as_deref(),
        operator,
        &mut seen,
    )
    .await?;
    let (land, quantity) = decided_lines(planned.rows);
    let summary = format!(
        "review: {} line(s) of \"{}\" onto {}{}",
        group.len(),
        row.description,
        target,
        if new_name.is_some() {
            " (new item)"
        } else {
            ""
        }
    );
    let record = ReviewRecord {
        groups: vec![planned.group],
        land,
        operator: operator.to_string(),
        summary,
        lines: group.len() as u64,
        quantity,
        detail_json: serde_json::json!({
            "alias": row.alias,
            "sku": target,
            "lines": group.iter().map(|h| serde_json::json!({"run_id": h.run_id, "line": h.line})).collect::<Vec<_>>(),
            "quantity": quantity.to_string(),
        })
        .to_string(),
        reject: Vec::new(),
    };
    let (correction_id, landed) = store.finish_review(&record).await?.unzip();
    lock.release().await;
    Ok(Outcome {
        correction_id,
        alias: row.alias.clone(),
        lines: group.len() as u64,
        landed: landed.unwrap_or(0),
        quantity,
        sku: Some(target),
        rejected: Vec::new(),
        still_held: 0,
    })
}

/// One group's lines planned onto an item: what its held rows record and the rows that land.
struct Planned {
    group: DecidedGroup,
    rows: Vec<(HeldRow, MappedLine)>,
}

/// Plan the open lines `group` (of `row`'s key) onto `target` (a new item named `new_name`, or
/// an existing one): each line read again from its stored fields, the alias learned.
async fn plan_onto(
    store: &dyn Store,
    row: &HeldRow,
    group: &[HeldRow],
    target: &str,
    new_name: Option<&str>,
    operator: &str,
    suppliers: &mut std::collections::HashMap<i64, Option<String>>,
) -> Result<Planned, EngineError> {
    let sku: Arc<str> = target.into();
    let new_name: Option<Arc<str>> = new_name.map(Into::into);
    let alias: Arc<str> = row.alias.as_str().into();
    let decision = match &new_name {
        Some(_) => MappingDecision::Created {
            reason: Some(format!("operator's decision ({operator})")),
        },
        None => MappingDecision::Alias,
    };
    for (run, supplier) in parts_suppliers(store, group).await? {
        suppliers.entry(run).or_insert(supplier);
    }
    let mut rows: Vec<(HeldRow, MappedLine)> = Vec::new();
    for h in group {
        let item = validate_fields(
            h.line,
            h.raw_record.clone(),
            fields_from_json(&h.fields_json),
        )
        .map_err(|e| {
            invalid(format!(
                "held line {} (line {}): {}",
                h.id, h.line, e.reason
            ))
        })?;
        // The operator's decision teaches the supplier's part number too.
        let learned_part = item
            .sku
            .as_deref()
            .zip(suppliers.get(&h.run_id).and_then(Option::as_deref))
            .map(|(part, supplier)| LearnedPart {
                supplier: supplier.into(),
                part_number: part.into(),
                by_operator: true,
            });
        rows.push((
            h.clone(),
            MappedLine {
                line: h.line,
                sku: sku.clone(),
                new_item_name: new_name.clone(),
                learned_alias: None,
                learned_part,
                alias: Some(alias.clone()),
                decision: decision.clone(),
                quantity: item.quantity,
                unit_cost: item.unit_price,
                fingerprint: None,
                item,
            },
        ));
    }
    let decision_json = serde_json::json!({
        "choice": if new_name.is_some() { "new" } else { "item" },
        "sku": target,
        "name": new_name.as_deref(),
        "operator": operator,
    })
    .to_string();
    Ok(Planned {
        group: DecidedGroup {
            held_ids: group.iter().map(|h| h.id).collect(),
            decision_json,
            learn: Some((row.alias.clone(), target.to_string())),
        },
        rows,
    })
}

/// One group of a bulk decision: its description, lines and the item they land on.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct BulkGroup {
    pub description: String,
    pub sku: String,
    pub lines: u64,
}

/// What a bulk decision did.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct BulkOutcome {
    pub correction_id: Option<i64>,
    pub groups: Vec<BulkGroup>,
    /// Held lines the decision covered.
    pub lines: u64,
    /// Lines that landed now.
    pub landed: u64,
    pub quantity: Decimal,
    /// Selected groups left as they were: decided meanwhile, or without a candidate.
    pub left: u64,
}

/// Accept the top candidate of each group `held_ids` names (a held line's id stands for every
/// open line of its key): every group's lines land on its top candidate, its alias is learned,
/// all in ONE transaction and one correction (one undo takes all of it back). Groups decided
/// meanwhile, or without a candidate, are left out and counted.
pub async fn accept_top(
    store: &dyn Store,
    held_ids: &[i64],
    operator: &str,
) -> Result<BulkOutcome, EngineError> {
    // The keys of the selected lines' groups, read once to know which import keys to lock.
    let mut aliases: Vec<String> = Vec::new();
    let mut keys = std::collections::BTreeSet::new();
    for id in held_ids {
        if let Some(row) = store.held(&HeldFilter::Id(*id)).await?.into_iter().next()
            && row.is_open()
            && !aliases.contains(&row.alias)
        {
            for h in store
                .held(&HeldFilter::OpenAlias(row.alias.clone()))
                .await?
            {
                keys.insert(h.import_key);
            }
            aliases.push(row.alias);
        }
    }
    let mut left = held_ids.len() as u64 - aliases.len() as u64;
    if aliases.is_empty() {
        return Err(invalid(
            "the selected lines were decided or reverted meanwhile; nothing to do",
        ));
    }
    let lock = crate::locks::acquire(store, crate::locks::Command::Decide, keys, operator).await?;
    let done = accept_top_locked(store, &aliases, operator, &lock, &mut left).await;
    lock.release().await;
    let (correction_id, landed, groups, lines, quantity) = done?;
    Ok(BulkOutcome {
        correction_id,
        groups,
        lines,
        landed,
        quantity,
        left,
    })
}

type BulkDone = (Option<i64>, u64, Vec<BulkGroup>, u64, Decimal);

async fn accept_top_locked(
    store: &dyn Store,
    aliases: &[String],
    operator: &str,
    lock: &crate::store::locks::KeyLock,
    left: &mut u64,
) -> Result<BulkDone, EngineError> {
    let mut suppliers = std::collections::HashMap::new();
    let mut groups = Vec::new();
    let mut decided = Vec::new();
    let mut rows = Vec::new();
    let mut detail = Vec::new();
    for alias in aliases {
        // Read again under the locks: lines decided or reverted meanwhile are gone.
        let mut group = store.held(&HeldFilter::OpenAlias(alias.clone())).await?;
        group.retain(|h| lock.covers(&h.import_key));
        let Some(first) = group.first().cloned() else {
            *left += 1;
            continue;
        };
        let (_, candidates) = candidates_of(&first);
        let top = match candidates.first() {
            Some(c) if is_known(store, &c.sku).await? => c,
            _ => {
                *left += 1;
                continue;
            }
        };
        refuse_scratch_runs(store, &group).await?;
        let planned = plan_onto(
            store,
            &first,
            &group,
            &top.sku,
            None,
            operator,
            &mut suppliers,
        )
        .await?;
        groups.push(BulkGroup {
            description: first.description.clone(),
            sku: top.sku.clone(),
            lines: group.len() as u64,
        });
        detail.push(serde_json::json!({
            "alias": first.alias,
            "sku": top.sku,
            "lines": group.iter().map(|h| serde_json::json!({"run_id": h.run_id, "line": h.line})).collect::<Vec<_>>(),
        }));
        decided.push(planned.group);
        rows.extend(planned.rows);
    }
    if decided.is_empty() {
        return Err(invalid(
            "no selected group has a candidate to accept; nothing to do",
        ));
    }
    let lines = rows.len() as u64;
    let (land, quantity) = decided_lines(rows);
    let record = ReviewRecord {
        groups: decided,
        land,
        operator: operator.to_string(),
        summary: format!(
            "review: {lines} line(s) of {} group(s) onto their top candidates",
            groups.len()
        ),
        lines,
        quantity,
        detail_json: serde_json::json!({
            "bulk": true,
            "groups": detail,
            "quantity": quantity.to_string(),
        })
        .to_string(),
        reject: Vec::new(),
    };
    let (correction_id, landed) = store.finish_review(&record).await?.unzip();
    Ok((correction_id, landed.unwrap_or(0), groups, lines, quantity))
}

/// Undo the review decision `correction_id` (the newest one still standing when `None`): its
/// lines are held again and the stock it added taken back, in one transaction under the locks of
/// their import keys. Undoing it again changes nothing.
pub async fn undo(
    store: &dyn Store,
    correction_id: Option<i64>,
    operator: &str,
) -> Result<crate::corrections::Applied, EngineError> {
    let id = match correction_id {
        Some(id) => id,
        None => store
            .corrections()
            .last_review()
            .await?
            .ok_or_else(|| invalid("no review decision is left to undo"))?,
    };
    let keys: std::collections::BTreeSet<String> = store
        .held(&HeldFilter::Decision(id))
        .await?
        .into_iter()
        .map(|h| h.import_key)
        .collect();
    let lock = crate::locks::acquire(store, crate::locks::Command::Decide, keys, operator).await?;
    let done = store.corrections().undo_review(id, operator).await;
    lock.release().await;
    done.map_err(|e| match e {
        crate::corrections::CorrectionError::Refused(m) => invalid(m),
        crate::corrections::CorrectionError::Store(e) => e.into(),
    })
}

/// Per run of the held lines: the supplier whose part numbers its SKU column held, if any.
async fn parts_suppliers(
    store: &dyn Store,
    group: &[HeldRow],
) -> Result<std::collections::HashMap<i64, Option<String>>, EngineError> {
    let mut out = std::collections::HashMap::new();
    for h in group {
        if out.contains_key(&h.run_id) {
            continue;
        }
        let supplier = store.run(h.run_id).await?.and_then(|run| {
            (run.sku_column.as_deref() == Some("supplier"))
                .then_some(run.invoice.supplier)
                .flatten()
        });
        out.insert(h.run_id, supplier);
    }
    Ok(out)
}

/// The lines a decision lands, each under its own identity and run, and their quantity.
fn decided_lines(rows: Vec<(HeldRow, MappedLine)>) -> (Vec<DecidedLine>, Decimal) {
    let quantity = rows.iter().map(|(_, m)| m.quantity).sum();
    let lines = rows
        .into_iter()
        .map(|(h, row)| DecidedLine {
            run_id: h.run_id,
            import_key: h.import_key,
            operator: h.operator,
            row,
        })
        .collect();
    (lines, quantity)
}

/// "None of these": reject the pairing of the key with every candidate shown, then map the lines
/// again; lines that now map land (as a new item, or on another item automatically), lines that
/// are still uncertain stay held with their new candidates.
async fn reject(
    store: &dyn Store,
    row: &HeldRow,
    group: &[HeldRow],
    catalog: crate::mapping::Catalog,
    operator: &str,
) -> Result<Outcome, EngineError> {
    let (_, candidates) = candidates_of(row);
    let rejected: Vec<String> = candidates.iter().map(|c| c.sku.clone()).collect();
    let mut rejections: Vec<(String, String)> = rejected
        .iter()
        .map(|s| (row.alias.clone(), s.clone()))
        .collect();
    // The catalog as it will be once the rejections are stored; the lines' numbers read as
    // their run read them.
    let suppliers = parts_suppliers(store, group).await?;
    let supplier = group
        .first()
        .and_then(|h| suppliers.get(&h.run_id).cloned().flatten());
    let mut mapper = Mapper::new(
        catalog.reject_more(&rejections),
        crate::mapping::DEFAULT_MATCH_THRESHOLD,
    )
    .supplier_parts(supplier.as_deref());
    let mut to_land: Vec<(HeldRow, MappedLine)> = Vec::new();
    let mut still: Vec<i64> = Vec::new();
    let mut new_candidates = String::new();
    for h in group {
        let item = validate_fields(
            h.line,
            h.raw_record.clone(),
            fields_from_json(&h.fields_json),
        )
        .map_err(|e| {
            invalid(format!(
                "held line {} (line {}): {}",
                h.id, h.line, e.reason
            ))
        })?;
        match mapper.map(item) {
            Mapped::Land(mut m) => {
                m.learned_alias = None;
                to_land.push((h.clone(), m));
            }
            Mapped::Hold(again) => {
                still.push(h.id);
                new_candidates = serde_json::json!({
                    "reason": again.reason,
                    "candidates": again.candidates,
                })
                .to_string();
            }
        }
    }
    if let Some(why) = mapper.catalog().read_failure() {
        return Err(invalid(format!(
            "the kept catalog could not be read ({why})"
        )));
    }
    let held_ids: Vec<i64> = to_land.iter().map(|(h, _)| h.id).collect();
    let skus: Vec<String> = to_land.iter().map(|(_, m)| m.sku.to_string()).collect();
    let landing = to_land.len();
    let (land, quantity) = decided_lines(to_land);
    if !still.is_empty() {
        store.rehold(&still, &new_candidates).await?;
    }
    let record = ReviewRecord {
        groups: vec![DecidedGroup {
            held_ids,
            decision_json: serde_json::json!({
                "choice": "reject",
                "rejected": rejected,
                "operator": operator,
                "sku": skus.first(),
            })
            .to_string(),
            learn: None,
        }],
        land,
        operator: operator.to_string(),
        summary: format!(
            "review: none of {} for \"{}\"; {} line(s) mapped again, {} still held",
            rejected.join(", "),
            row.description,
            landing,
            still.len()
        ),
        lines: landing as u64,
        quantity,
        detail_json: serde_json::json!({"alias": row.alias, "rejected": rejected}).to_string(),
        reject: std::mem::take(&mut rejections),
    };
    let (correction_id, landed) = store.finish_review(&record).await?.unzip();
    Ok(Outcome {
        correction_id,
        alias: row.alias.clone(),
        lines: group.len() as u64,
        landed: landed.unwrap_or(0),
        quantity,
        sku: skus.first().cloned(),
        rejected,
        still_held: still.len() as u64,
    })
}

/// A legacy alias the rules refuse, with the stock that landed through it.
#[derive(Debug, Clone, Serialize)]
pub struct SuspectAlias {
    pub alias: String,
    pub sku: String,
    pub name: String,
    pub reason: String,
    /// Lines landed through the alias and their quantity, found by reading again the files of
    /// the runs that imported them (the lines of old runs record no alias).
    pub lines: u64,
    pub quantity: Decimal,
    /// Runs whose file could not be read again (moved, changed): their lines are not counted.
    pub unreadable_runs: Vec<i64>,
}

/// `aliases check`: the legacy aliases the new rules would not accept, and where their stock went.
pub async fn check_aliases(store: &dyn Store) -> Result<Vec<SuspectAlias>, EngineError> {
    let catalog = store.load_catalog().await?;
    let mut out: Vec<SuspectAlias> = catalog
        .refused_aliases()
        .iter()
        .map(|r| SuspectAlias {
            alias: r.alias.clone(),
            sku: r.sku.clone(),
            name: r.name.clone(),
            reason: r.reason.clone(),
            lines: 0,
            quantity: Decimal::ZERO,
            unreadable_runs: Vec::new(),
        })
        .collect();
    if out.is_empty() {
        return Ok(out);
    }
    let by_alias: std::collections::HashMap<String, usize> = out
        .iter()
        .enumerate()
        .map(|(i, s)| (s.alias.clone(), i))
        .collect();
    for run in store.runs(u64::MAX).await? {
        if run.dry_run || run.rehearsal {
            continue;
        }
        let path = std::path::Path::new(&run.source);
        let readable = crate::input::inspect(path, None)
            .ok()
            .filter(|f| f.sha256.eq_ignore_ascii_case(&run.import_key));
        let Some(file) = readable else {
            for s in out.iter_mut() {
                s.unreadable_runs.push(run.id);
            }
            continue;
        };
        let Ok(reader) = crate::input::open(&file) else {
            for s in out.iter_mut() {
                s.unreadable_runs.push(run.id);
            }
            continue;
        };
        // Lines without a SKU whose description the old matcher keyed as a suspect alias.
        let mut hits: Vec<(u64, usize, Decimal)> = Vec::new();
        for item in reader.flatten() {
            if item.sku.is_some() {
                continue;
            }
            if let Some(&i) = by_alias.get(&crate::mapping::normalize(&item.description)) {
                hits.push((item.line, i, item.quantity));
            }
        }
        if hits.is_empty() {
            continue;
        }
        let lines: Vec<u64> = hits.iter().map(|h| h.0).collect();
        let landed = store.imported_lines(&run.import_key, &lines).await?;
        for (line, i, q) in hits {
            if landed.contains(&line) {
                out[i].lines += 1;
                out[i].quantity += q;
            }
        }
    }
    // A run that could not be read matters only when it could have held the alias's lines.
    for s in out.iter_mut() {
        s.unreadable_runs.dedup();
    }
    out.sort_by(|a, b| b.quantity.cmp(&a.quantity).then(a.alias.cmp(&b.alias)));
    Ok(out)
}
