//! The engine driven through the library, as the console and the commands drive it.

use crate::support::db::TestDb;
use batchops::domain::RunReport;
use batchops::engine::{EventSink, ImportOptions, import_file};
use batchops::store::Store;
use std::path::Path;
use tokio_util::sync::CancellationToken;

/// Import `path` with `opts`, with no progress listener and nothing cancelling it.
pub async fn import(db: &TestDb, path: &Path, opts: &ImportOptions) -> RunReport {
    import_into(&*db.store, path, opts).await
}

/// [`import`] into a store of the caller's own.
pub async fn import_into(store: &dyn Store, path: &Path, opts: &ImportOptions) -> RunReport {
    import_file(
        store,
        path,
        opts,
        &EventSink::none(),
        &CancellationToken::new(),
    )
    .await
    .expect("import runs")
}
