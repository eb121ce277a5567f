//! One line in its own transaction, the way a sequential importer writes it (the sequential mode
//! and the item-by-item fallback), written once for every backend: [`OneLineSql`] builds its
//! statements from the backend's [`Dialect`], and [`write_one!`] writes the line with them, given
//! the backend's transaction type and value codecs. The caller begins and ends the transaction.

pub(crate) use crate::sql::write_one::OneLineSql;

/// `async fn write_one_in(sql, tx, ctx, row, out) -> StoreResult<i64>` for a backend: `$db` its
/// sqlx database, `$qty` its quantity codec (`Decimal` → bound value) and `$text` what it stores
/// of free text (PostgreSQL text cannot hold NUL). Returns the line's item id; `out` counts the
/// statements, the item created, and whether the row was inserted now or was there already.
macro_rules! write_one {
    ($db:ty, $qty:path, $text:path) => {
        mod write_one_sql {
            use super::*;
            use crate::write_one::OneLineSql;

            pub(super) async fn write_one_in(
                sql: &OneLineSql,
                tx: &mut sqlx::Transaction<'static, $db>,
                ctx: crate::RunCtx<'_>,
                row: &crate::mapping::MappedLine,
                out: &mut crate::WriteOutcome,
            ) -> crate::StoreResult<i64> {
                let start = std::time::Instant::now();
                let found: Option<i64> = sqlx::query_scalar(sqlx::AssertSqlSafe(&*sql.find_item))
                    .bind(row.sku.to_string())
                    .fetch_optional(&mut **tx)
                    .await?;
                out.insert_statements += 1;
                let item_id = match found {
                    Some(id) => id,
                    None => {
                        let name = row.new_item_name.as_deref().unwrap_or(&row.sku);
                        out.insert_statements += 1;
                        out.items_created = 1;
                        sqlx::query_scalar(sqlx::AssertSqlSafe(&*sql.create_item))
                            .bind(row.sku.to_string())
                            .bind(name.to_string())
                            .bind(ctx.run_id)
                            .fetch_one(&mut **tx)
                            .await?
                    }
                };
                if let Some(alias) = &row.learned_alias {
                    sqlx::query(sqlx::AssertSqlSafe(&*sql.learn_alias))
                        .bind($text(alias))
                        .bind(item_id)
                        .bind(ctx.run_id)
                        .execute(&mut **tx)
                        .await?;
                    out.insert_statements += 1;
                }
                if let Some(part) = &row.learned_part {
                    let (by, run) = if part.by_operator {
                        ("operator", None)
                    } else {
                        ("auto", Some(ctx.run_id))
                    };
                    sqlx::query(sqlx::AssertSqlSafe(&*sql.learn_part))
                        .bind($text(&part.supplier))
                        .bind($text(&part.part_number))
                        .bind(item_id)
                        .bind(by)
                        .bind(run)
                        .execute(&mut **tx)
                        .await?;
                    out.insert_statements += 1;
                }
                let inserted = sqlx::query(sqlx::AssertSqlSafe(&*sql.insert_row))
                    .bind(ctx.run_id)
                    .bind(ctx.import_key.to_string())
                    .bind(ctx.operator.to_string())
                    .bind(row.line as i64)
                    .bind(item_id)
                    .bind($qty(row.quantity)?)
                    .bind($qty(row.unit_cost)?)
                    .bind(row.alias.as_deref().map($text))
                    .bind(row.fingerprint.map(|f| f.fingerprint))
                    .bind(row.fingerprint.map(|f| f.line_key))
                    .execute(&mut **tx)
                    .await?
                    .rows_affected();
                out.insert_statements += 1;
                out.insert_seconds = start.elapsed().as_secs_f64();
                crate::failpoint::hit("one_after_insert");
                let start = std::time::Instant::now();
                if inserted == 1 {
                    sqlx::query(sqlx::AssertSqlSafe(&*sql.add_quantity))
                        .bind(item_id)
                        .bind($qty(row.quantity)?)
                        .execute(&mut **tx)
                        .await
                        .map_err(|e| {
                            crate::StoreError::from(e)
                                .in_phase(crate::domain::Phase::InventoryUpdate)
                        })?;
                    out.update_statements += 1;
                    out.inserted = 1;
                } else {
                    out.already = 1;
                }
                out.update_seconds = start.elapsed().as_secs_f64();
                Ok(item_id)
            }
        }
    };
}

pub(crate) use write_one;
