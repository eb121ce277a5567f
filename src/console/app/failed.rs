//! The Failed tab: a window onto a run's failed items, paged from the database (never all of them
//! in memory), with the live results of retries and the edit form.

use super::input::TextInput;
use crate::domain::Fields;
use crate::store::{FailedQuery, FailedRow, FailedSort};
use std::collections::HashMap;
use std::time::Duration;

/// Rows fetched per page.
pub const PAGE: u64 = 500;
/// Rows kept above the visible ones when a page is fetched.
const PAGE_LEAD: u64 = 200;
/// Fetch the next page before the visible rows come this close to the end of the cache.
const PREFETCH_MARGIN: u64 = 50;

/// A retry of one item, as seen in this session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RetryMark {
    Pending,
    Landed,
    FailedAgain(String),
}

/// A retry job's progress (a retry is a run of its own).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RetryProgress {
    pub retry_run: Option<i64>,
    pub total: u64,
    pub done: u64,
    pub landed: u64,
    pub failed_again: u64,
    pub finished: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct FailedView {
    pub run_id: Option<i64>,
    pub source: String,
    pub filter: String,
    pub sort: FailedSort,
    pub descending: bool,
    pub unresolved_only: bool,
    /// Bumped whenever the query changes; answers to an older query are dropped.
    pub generation: u64,
    /// Matching items; `None` while counting.
    pub total: Option<u64>,
    pub selected: u64,
    pub top: u64,
    /// The cached page: rows `cache_offset .. cache_offset + cache.len()`.
    pub cache_offset: u64,
    pub cache: Vec<FailedRow>,
    pub pending: Option<u64>,
    pub error: Option<String>,
    pub filter_editing: bool,
    pub filter_input: TextInput,
    pub marks: HashMap<i64, RetryMark>,
    pub retry: Option<RetryProgress>,
    pub last_refresh: Duration,
}

/// A request for the database, made by the view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest {
    pub generation: u64,
    pub run_id: i64,
    pub query: FailedQuery,
    pub count: bool,
}

impl FailedView {
    pub fn query(&self) -> FailedQuery {
        FailedQuery {
            offset: 0,
            limit: PAGE,
            filter: (!self.filter.is_empty()).then(|| self.filter.clone()),
            sort: self.sort,
            descending: self.descending,
            unresolved_only: self.unresolved_only,
            lines: Vec::new(),
        }
    }

    /// Show another run (or the same one afresh).
    pub fn open(&mut self, run_id: i64, source: String) -> Option<PageRequest> {
        if self.run_id != Some(run_id) {
            self.marks.clear();
            self.retry = None;
            self.selected = 0;
            self.top = 0;
        }
        self.run_id = Some(run_id);
        self.source = source;
        self.requery(true)
    }

    /// The query changed (filter, sort, run): count again and fetch the first page.
    pub fn requery(&mut self, keep_selection: bool) -> Option<PageRequest> {
        let run_id = self.run_id?;
        self.generation += 1;
        self.cache.clear();
        self.error = None;
        if !keep_selection {
            self.selected = 0;
            self.top = 0;
        }
        let offset = self.top.saturating_sub(PAGE_LEAD);
        self.cache_offset = offset;
        self.pending = Some(offset);
        let query = FailedQuery {
            offset,
            ..self.query()
        };
        Some(PageRequest {
            generation: self.generation,
            run_id,
            query,
            count: true,
        })
    }

    /// Count and fetch the rows on screen again, keeping the selection (after a retry, or while
    /// the run is still writing failures).
    pub fn refresh(&mut self, now: Duration) -> Option<PageRequest> {
        self.last_refresh = now;
        let run_id = self.run_id?;
        let offset = self.top.saturating_sub(PAGE_LEAD);
        self.pending = Some(offset);
        Some(PageRequest {
            generation: self.generation,
            run_id,
            query: FailedQuery {
                offset,
                ..self.query()
            },
            count: true,
        })
    }

    pub fn on_count(&mut self, generation: u64, result: Result<u64, String>) {
        if generation != self.generation {
            return;
        }
        match result {
            Ok(n) => {
                self.total = Some(n);
                if n == 0 {
                    self.selected = 0;
                    self.top = 0;
                } else if self.selected >= n {
                    self.selected = n - 1;
                }
                self.top = self.top.min(self.selected);
            }
            Err(e) => self.error = Some(e),
        }
    }

    pub fn on_page(
        &mut self,
        generation: u64,
        offset: u64,
        result: Result<Vec<FailedRow>, String>,
    ) {
        if generation != self.generation {
            return;
        }
        if self.pending == Some(offset) {
            self.pending = None;
        }
        match result {
            Ok(rows) => {
                self.cache_offset = offset;
                self.cache = rows;
            }
            Err(e) => self.error = Some(e),
        }
    }

    pub fn row(&self, index: u64) -> Option<&FailedRow> {
        let i = index.checked_sub(self.cache_offset)?;
        self.cache.get(usize::try_from(i).ok()?)
    }

    pub fn selected_row(&self) -> Option<&FailedRow> {
        self.row(self.selected)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn len(&self) -> u64 {
        self.total.unwrap_or(0)
    }

    /// Move the selection by `delta` rows, keeping it visible in `height` rows, and ask for the
    /// page around it when the cache does not hold it.
    pub fn move_by(&mut self, delta: i64, height: u64) -> Option<PageRequest> {
        let len = self.len();
        if len == 0 {
            return None;
        }
        let target = (self.selected as i64 + delta).clamp(0, len as i64 - 1) as u64;
        self.select(target, height)
    }

    pub fn select(&mut self, index: u64, height: u64) -> Option<PageRequest> {
        let len = self.len();
        if len == 0 {
            return None;
        }
        let height = height.max(1);
        self.selected = index.min(len - 1);
        if self.selected < self.top {
            self.top = self.selected;
        } else if self.selected >= self.top + height {
            self.top = self.selected + 1 - height;
        }
        self.ensure_cached(height)
    }

    /// Ask for the page around the visible rows when the cache is about to run out.
    pub fn ensure_cached(&mut self, height: u64) -> Option<PageRequest> {
        let run_id = self.run_id?;
        let len = self.len();
        let first = self.top;
        let last = (self.top + height).min(len);
        let cache_end = self.cache_offset + self.cache.len() as u64;
        let covered = first >= self.cache_offset && last <= cache_end;
        let near_start = self.cache_offset > 0 && first < self.cache_offset + PREFETCH_MARGIN;
        let near_end = cache_end < len && last + PREFETCH_MARGIN > cache_end;
        if covered && !near_start && !near_end {
            return None;
        }
        if let Some(p) = self.pending
            && first >= p
            && last <= p + PAGE
        {
            // The page on its way covers the rows on screen.
            return None;
        }
        let offset = first.saturating_sub(PAGE_LEAD);
        if covered && offset == self.cache_offset {
            return None;
        }
        self.pending = Some(offset);
        Some(PageRequest {
            generation: self.generation,
            run_id,
            query: FailedQuery {
                offset,
                ..self.query()
            },
            count: false,
        })
    }
}

/// The fields an operator corrects, by the names the validator knows.
pub const EDIT_FIELDS: [(&str, &str); 4] = [
    ("sku", "SKU"),
    ("description", "Description"),
    ("quantity", "Quantity"),
    ("unit_price", "Unit price"),
];

#[derive(Debug, Clone, PartialEq)]
pub struct EditForm {
    pub failed_id: i64,
    pub run_id: i64,
    pub line: u64,
    /// The record the form started from (the correction if there is one, else the original).
    pub base: Fields,
    pub inputs: [TextInput; 4],
    pub focus: usize,
}

impl EditForm {
    pub fn new(row: &FailedRow) -> Self {
        let base = row.corrected.clone().unwrap_or_else(|| row.fields.clone());
        let inputs =
            EDIT_FIELDS.map(|(name, _)| TextInput::new(row.field(name).unwrap_or_default()));
        Self {
            failed_id: row.id,
            run_id: row.run_id,
            line: row.line,
            base,
            inputs,
            focus: 0,
        }
    }

    pub fn input(&mut self) -> &mut TextInput {
        &mut self.inputs[self.focus.min(3)]
    }

    /// The corrected record: the original fields in their order with the four edited values put
    /// in (added at the end when the original lacked them).
    pub fn corrected(&self) -> Fields {
        let mut fields = self.base.clone();
        for ((name, _), input) in EDIT_FIELDS.iter().zip(&self.inputs) {
            let value = input.text().trim().to_string();
            let key_matches = |k: &str| {
                k.trim()
                    .trim_start_matches('\u{feff}')
                    .trim()
                    .eq_ignore_ascii_case(name)
            };
            match fields.iter_mut().find(|(k, _)| key_matches(k)) {
                Some((_, v)) => *v = value,
                None => fields.push((name.to_string(), value)),
            }
        }
        fields
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Phase;

    pub(crate) fn row(id: i64, line: u64) -> FailedRow {
        FailedRow {
            id,
            run_id: 1,
            import_key: "k".into(),
            line,
            raw_record: format!("PO-1,SKU-{line},Thing,abc,EA,1.00"),
            fields: vec![
                ("po_number".into(), "PO-1".into()),
                ("SKU".into(), format!("SKU-{line}")),
                ("description".into(), "Thing".into()),
                ("quantity".into(), "abc".into()),
            ],
            corrected: None,
            phase: Phase::Parse,
            error: "quantity \"abc\" is not a decimal number".into(),
            sqlstate: None,
            decision: None,
            attempts: 0,
            resolved_at: None,
        }
    }

    #[test]
    fn the_correction_keeps_the_original_columns_in_order() {
        let mut form = EditForm::new(&row(7, 3));
        assert_eq!(form.inputs[0].text(), "SKU-3");
        assert_eq!(form.inputs[2].text(), "abc");
        form.focus = 2;
        form.input().clear();
        for c in "12".chars() {
            form.input().insert(c);
        }
        form.focus = 3;
        for c in "0.50".chars() {
            form.input().insert(c);
        }
        assert_eq!(
            form.corrected(),
            vec![
                ("po_number".to_string(), "PO-1".to_string()),
                ("SKU".into(), "SKU-3".into()),
                ("description".into(), "Thing".into()),
                ("quantity".into(), "12".into()),
                ("unit_price".into(), "0.50".into()),
            ]
        );
    }

    #[test]
    fn scrolling_far_asks_for_the_page_around_the_selection() {
        let mut v = FailedView::default();
        let req = v.open(1, "f.csv".into()).expect("a first page");
        assert!(req.count);
        assert_eq!(req.query.offset, 0);
        v.on_count(v.generation, Ok(200_000));
        v.on_page(
            v.generation,
            0,
            Ok((0..PAGE).map(|i| row(i as i64, i + 1)).collect()),
        );
        assert!(v.move_by(10, 20).is_none(), "inside the cache");
        let req = v.select(150_000, 20).expect("a page far away");
        assert_eq!(req.query.offset, 150_000 - 19 - 200);
        assert!(!req.count);
        assert!(
            v.select(150_001, 20).is_none(),
            "the same page is already on its way"
        );
        assert!(v.selected_row().is_none());
    }

    #[test]
    fn answers_to_an_old_query_are_dropped() {
        let mut v = FailedView::default();
        v.open(1, "f.csv".into());
        let old = v.generation;
        v.filter = "x".into();
        v.requery(false);
        v.on_count(old, Ok(5));
        assert_eq!(v.total, None);
        v.on_count(v.generation, Ok(2));
        assert_eq!(v.total, Some(2));
    }
}
