//! The migrations are compiled in (`sqlx::migrate!`): a migration added or changed rebuilds the
//! store.
fn main() {
    println!("cargo:rerun-if-changed=src/migrations");
}
