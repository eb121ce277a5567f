//! The Inventory tab end to end: the real binary in a pseudo-terminal (80×24 and 200×50) against
//! a SQLite database of 1,000,000 generated items, opened, paged to the end and searched.

use crate::support::terminal::{self, Terminal};
use crate::support::{catalog, db};
use std::time::Duration;

const ITEMS: u64 = 1_000_000;

/// How long a screen may take to show what a step waits for.
const WAIT: Duration = Duration::from_secs(30);

#[tokio::test(flavor = "multi_thread")]
async fn a_large_inventory_opens_pages_to_the_end_and_is_searched_in_the_database() {
    let db = db::sqlite().await;
    catalog::fill(&db, ITEMS).await;
    let url = db.url.clone();
    for (cols, rows) in [(80, 24), (200, 50)] {
        let mut c = Terminal::spawn(terminal::batchops(&url), cols, rows);
        c.wait_for(&["7 Inventory"], WAIT, "the console");
        c.keys("7");
        c.wait_for(&["1,000,000 items", "GEN-0000001"], WAIT, "the first page");
        c.keys("G");
        c.wait_for(&["GEN-1000000", "row 1,000,000"], WAIT, "the last page");
        c.keys("/0999999");
        c.wait_for(&["1 match ", "GEN-0999999"], WAIT, "the search");
        assert!(
            !c.contents().contains("GEN-0000001"),
            "{cols}x{rows}: the list is narrowed"
        );
        c.keys("\x1b");
        c.wait_for(&["1,000,000 items"], WAIT, "the search cleared");
        c.keys("q");
    }
}
