//! Lines held for review: listing them, and recording an operator's decision. The SQL is the same
//! on both backends (`$N` placeholders), instantiated per pool type by [`held_queries!`]; only how a
//! quantity is bound differs (SQLite: integer units of 0.0001, PostgreSQL: NUMERIC), passed in as
//! a conversion function.

use crate::domain::run_rules;
use serde::Serialize;

/// A held line as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HeldRow {
    pub id: i64,
    pub run_id: i64,
    pub import_key: String,
    pub line: u64,
    pub description: String,
    /// The canonical key the line was read as: one decision applies to every line that shares it.
    pub alias: String,
    pub raw_record: String,
    pub fields_json: String,
    /// `{"reason": …, "candidates": [{sku, name, score, agreed, differed, one_sided}]}`.
    pub candidates_json: String,
    pub operator: String,
    pub decision_json: Option<String>,
    pub correction_id: Option<i64>,
}

/// Which held lines to list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeldFilter {
    /// Every line not decided yet.
    Open,
    /// Every line, decided or not.
    All,
    /// One line by id.
    Id(i64),
    /// The lines not decided yet that share an alias key.
    OpenAlias(String),
    /// The lines not decided yet whose description contains the text (case-insensitive; `%`,
    /// `_` and `\\` match themselves).
    OpenMatching(String),
    /// The lines a decision (its correction id) decided and that are still decided.
    Decision(i64),
}

/// Why a group of held lines is held, read from its top candidate: a veto (both sides state an
/// attribute differently), an attribute stated on one side only, or a score too close to another's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeldKind {
    Veto,
    OneSided,
    CloseScore,
}

impl HeldKind {
    pub fn label(self) -> &'static str {
        match self {
            HeldKind::Veto => "veto",
            HeldKind::OneSided => "one-sided attribute",
            HeldKind::CloseScore => "close score",
        }
    }
}

/// A band of the top candidate's score.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Band {
    High,
    Middle,
    Low,
}

impl Band {
    pub fn label(self) -> &'static str {
        match self {
            Band::High => "score ≥ 0.90",
            Band::Middle => "score 0.75–0.90",
            Band::Low => "score < 0.75",
        }
    }

    /// The band's scores: at least the first, below the second.
    pub fn range(self) -> (Option<f64>, Option<f64>) {
        match self {
            Band::High => (Some(0.90), None),
            Band::Middle => (Some(0.75), Some(0.90)),
            Band::Low => (None, Some(0.75)),
        }
    }

    /// Whether a score is in the band. The matcher's `f32` score is written to `candidates_json`
    /// as the `f64` it widens to (`0.9` as `0.8999999761581421`), which the database compares; so
    /// is a score here (`f64::from`): `0.9` is in `0.75–0.90` on both sides.
    pub fn holds(self, score: f64) -> bool {
        let (low, high) = self.range();
        low.is_none_or(|l| score >= l) && high.is_none_or(|h| score < h)
    }
}

/// Which groups of open held lines (the lines that share an alias key) to list, a page at a
/// time, most lines first (then by the group's first line).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GroupQuery {
    /// Only the lines whose description contains the text (case-insensitive).
    pub search: Option<String>,
    pub why: Option<HeldKind>,
    pub band: Option<Band>,
    /// Only groups whose top candidate is this SKU.
    pub top_sku: Option<String>,
    /// The groups after this one: (its lines, its first line's id).
    pub after: Option<(u64, i64)>,
    pub limit: u64,
}

/// A page of groups, with what the narrowed list holds in all (0 when the page is empty).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GroupPage {
    pub groups: Vec<HeldGroup>,
    pub total_groups: u64,
    pub total_lines: u64,
}

/// A group of open held lines: its first line (whose candidates are the group's), how many lines
/// it has and the runs they came from.
#[derive(Debug, Clone, PartialEq)]
pub struct HeldGroup {
    pub first: HeldRow,
    pub lines: u64,
    pub runs: Vec<i64>,
}

/// A held line a decision lands: under its own identity, as part of the run that held it.
#[derive(Debug, Clone)]
pub struct DecidedLine {
    pub run_id: i64,
    pub import_key: String,
    pub operator: String,
    pub row: crate::mapping::MappedLine,
}

/// One group's part of a decision: its held lines, what was decided for them, the alias learned.
#[derive(Debug, Clone)]
pub struct DecidedGroup {
    /// The held lines decided (only those still open are marked).
    pub held_ids: Vec<i64>,
    pub decision_json: String,
    /// (alias key, sku) learned from the decision (`learned_by = 'operator'`).
    pub learn: Option<(String, String)>,
}

/// What an operator's decision (of one group, or of a selection of groups) changes in one
/// transaction.
#[derive(Debug, Clone)]
pub struct ReviewRecord {
    pub groups: Vec<DecidedGroup>,
    /// The lines that land, written in the same transaction once their held rows are marked
    /// decided (a held line lands only by the decision that closes it).
    pub land: Vec<DecidedLine>,
    pub operator: String,
    pub summary: String,
    pub lines: u64,
    pub quantity: rust_decimal::Decimal,
    pub detail_json: String,
    /// (alias key, sku) pairings rejected.
    pub reject: Vec<(String, String)>,
}

impl HeldRow {
    /// Whether the line waits for an operator's decision ([`run_rules::held_is_open`]).
    pub fn is_open(&self) -> bool {
        run_rules::held_is_open(self.decision_json.is_some())
    }
}

macro_rules! held_queries {
    ($db:ty, $qty:path) => {
        /// Held-line queries shared with the other backend (see `store/held.rs`).
        mod held_queries {
            use crate::StoreResult;
            use crate::held::{HeldFilter, HeldRow, ReviewRecord};
            use crate::{RunCtx, WriteOutcome};
            use chrono::Utc;
            use sqlx::{AssertSqlSafe, Pool, Row};

            type Db = $db;

            pub async fn held(pool: &Pool<Db>, filter: &HeldFilter) -> StoreResult<Vec<HeldRow>> {
                let sql = AssertSqlSafe(crate::sql::held::held(filter));
                let rows = match filter {
                    HeldFilter::Open | HeldFilter::All => sqlx::query(sql).fetch_all(pool).await?,
                    HeldFilter::Id(id) | HeldFilter::Decision(id) => {
                        sqlx::query(sql).bind(*id).fetch_all(pool).await?
                    }
                    HeldFilter::OpenMatching(text) => {
                        sqlx::query(sql)
                            .bind(crate::inventory::contains_pattern(&text.to_lowercase()))
                            .fetch_all(pool)
                            .await?
                    }
                    HeldFilter::OpenAlias(alias) => {
                        sqlx::query(sql).bind(alias.clone()).fetch_all(pool).await?
                    }
                };
                rows.iter().map(held_row).collect()
            }

            fn held_row(r: &<Db as sqlx::Database>::Row) -> StoreResult<HeldRow> {
                Ok(HeldRow {
                    id: r.try_get("id")?,
                    run_id: r.try_get("run_id")?,
                    import_key: r.try_get("import_key")?,
                    line: r.try_get::<i64, _>("line")?.max(0) as u64,
                    description: r.try_get("description")?,
                    alias: r.try_get("alias")?,
                    raw_record: r.try_get("raw_record")?,
                    fields_json: r.try_get("fields_json")?,
                    candidates_json: r.try_get("candidates_json")?,
                    operator: r.try_get("operator")?,
                    decision_json: r.try_get("decision_json")?,
                    correction_id: r.try_get("correction_id")?,
                })
            }

            /// A page of groups of open held lines ([`GroupQuery`]), grouped, narrowed and
            /// ordered in the database.
            pub async fn held_groups<D: crate::dialect::Dialect>(
                pool: &Pool<Db>,
                q: &crate::held::GroupQuery,
            ) -> StoreResult<crate::held::GroupPage> {
                let pattern = q
                    .search
                    .as_deref()
                    .map(|t| crate::inventory::contains_pattern(&t.to_lowercase()));
                let sql = AssertSqlSafe(crate::sql::held::held_groups::<D>(q));
                let rows = sqlx::query(sql)
                    .bind(pattern.clone())
                    .bind(q.top_sku.clone())
                    .bind(q.after.map(|(lines, _)| lines.min(i64::MAX as u64) as i64))
                    .bind(q.after.map(|(_, id)| id))
                    .bind(q.limit.min(i64::MAX as u64) as i64)
                    .fetch_all(pool)
                    .await?;
                let mut groups = Vec::with_capacity(rows.len());
                let mut page = crate::held::GroupPage::default();
                for r in &rows {
                    page.total_groups = r.try_get::<i64, _>("total_groups")?.max(0) as u64;
                    page.total_lines = r.try_get::<i64, _>("total_lines")?.max(0) as u64;
                    let lines: i64 = r.try_get("group_lines")?;
                    groups.push(crate::held::HeldGroup {
                        first: held_row(r)?,
                        lines: lines.max(0) as u64,
                        runs: Vec::new(),
                    });
                }
                if groups.is_empty() {
                    return Ok(page);
                }
                let aliases: Vec<&str> = groups.iter().map(|g| g.first.alias.as_str()).collect();
                let aliases = serde_json::to_string(&aliases).map_err(|e| {
                    crate::StoreError::config(format!("the groups' keys as JSON: {e}"))
                })?;
                let sql = AssertSqlSafe(crate::sql::held::group_runs::<D>());
                let runs: Vec<(String, i64)> = sqlx::query_as(sql)
                    .bind(aliases)
                    .bind(pattern)
                    .fetch_all(pool)
                    .await?;
                for (alias, run) in runs {
                    if let Some(g) = groups.iter_mut().find(|g| g.first.alias == alias) {
                        g.runs.push(run);
                    }
                }
                page.groups = groups;
                Ok(page)
            }

            /// Mark the held lines decided, land the decided lines, learn or reject pairings and
            /// audit it, in one transaction. Returns the correction's id and the lines landed, or
            /// `None` when every line was decided already (a decision that ran twice changes
            /// nothing the second time).
            pub async fn finish_review(
                pool: &Pool<Db>,
                r: &ReviewRecord,
            ) -> StoreResult<Option<(i64, u64)>> {
                let mut tx = pool.begin().await?;
                let now = Utc::now();
                let correction: i64 =
                    sqlx::query_scalar(crate::sql::held::FINISH_REVIEW_INSERT_CORRECTIONS)
                        .bind(r.operator.clone())
                        .bind(r.summary.clone())
                        .bind(r.lines as i64)
                        .bind($qty(r.quantity)?)
                        .bind(r.detail_json.clone())
                        .fetch_one(&mut *tx)
                        .await?;
                let mut marked = 0;
                for g in &r.groups {
                    for id in &g.held_ids {
                        marked += sqlx::query(crate::sql::held::FINISH_REVIEW_UPDATE_HELD_LINES)
                            .bind(*id)
                            .bind(now)
                            .bind(g.decision_json.clone())
                            .bind(correction)
                            .execute(&mut *tx)
                            .await?
                            .rows_affected();
                    }
                }
                if marked == 0 && r.groups.iter().any(|g| !g.held_ids.is_empty()) {
                    tx.rollback().await?;
                    return Ok(None);
                }
                let mut landed = 0;
                for d in &r.land {
                    let ctx = RunCtx {
                        run_id: d.run_id,
                        import_key: &d.import_key,
                        operator: &d.operator,
                    };
                    let mut out = WriteOutcome::default();
                    let sql = &super::ONE_LINE;
                    super::write_one_sql::write_one_in(sql, &mut tx, ctx, &d.row, &mut out).await?;
                    landed += out.inserted;
                }
                crate::failpoint::hit("review_after_land");
                crate::failpoint::hit("review_before_commit");
                for (alias, sku) in r.groups.iter().filter_map(|g| g.learn.as_ref()) {
                    sqlx::query(crate::sql::held::FINISH_REVIEW_INSERT_ITEM_ALIASES)
                        .bind(alias.clone())
                        .bind(sku.clone())
                        .execute(&mut *tx)
                        .await?;
                }
                for (alias, sku) in &r.reject {
                    sqlx::query(crate::sql::held::FINISH_REVIEW_INSERT_ALIAS_REJECTIONS)
                        .bind(alias.clone())
                        .bind(sku.clone())
                        .bind(r.operator.clone())
                        .execute(&mut *tx)
                        .await?;
                    // The alias stops naming the rejected item.
                    sqlx::query(crate::sql::held::FINISH_REVIEW_DELETE_ITEM_ALIASES)
                        .bind(alias.clone())
                        .bind(sku.clone())
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
                Ok(Some((correction, landed)))
            }

            /// Replace the candidates of held lines that stay held after a rejection.
            pub async fn rehold(
                pool: &Pool<Db>,
                ids: &[i64],
                candidates_json: &str,
            ) -> StoreResult<()> {
                let mut tx = pool.begin().await?;
                for id in ids {
                    sqlx::query(crate::sql::held::REHOLD)
                        .bind(*id)
                        .bind(candidates_json.to_string())
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
                Ok(())
            }
        }
    };
}

pub(crate) use held_queries;
