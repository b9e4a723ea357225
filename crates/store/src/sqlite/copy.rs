//! [`TableCopy`] for SQLite.

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::types::ToSqlOutput;
use rusqlite::{Connection, Row, ToSql, TransactionBehavior};

use super::SqliteStore;
use crate::copy::{Kind, SnapshotReader, Table, TableCopy, Value};
use crate::StoreError;

impl TableCopy for SqliteStore {
    fn holds_data(&self) -> Result<bool, StoreError> {
        self.read(|conn| {
            Ok(conn.query_row(
                "SELECT EXISTS (SELECT 1 FROM papers) OR EXISTS (SELECT 1 FROM users)
                        OR EXISTS (SELECT 1 FROM subscribers)",
                [],
                |r| r.get(0),
            )?)
        })
    }

    fn read_snapshot(
        &self,
        read: &mut dyn FnMut(&mut dyn SnapshotReader) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        self.read(|conn| {
            // A deferred transaction: its first read fixes the snapshot (WAL) that every later
            // read sees, while the writer goes on.
            let tx = conn.unchecked_transaction()?;
            read(&mut Reader(&tx))?;
            tx.commit()?;
            Ok(())
        })
    }

    fn write_rows(&self, table: &Table, rows: &[Vec<Value>]) -> Result<(), StoreError> {
        let placeholders = vec!["?"; table.columns.len()].join(", ");
        let verb = if table.replace { "INSERT OR REPLACE" } else { "INSERT" };
        let sql = format!(
            "{verb} INTO {} ({}) VALUES ({placeholders})",
            table.name,
            table.column_list()
        );
        self.write(|conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            {
                let mut insert = tx.prepare_cached(&sql)?;
                for row in rows {
                    insert.execute(rusqlite::params_from_iter(row.iter().map(Param)))?;
                }
            }
            tx.commit()?;
            Ok(())
        })
    }

    fn finish_copy(&self) -> Result<(), StoreError> {
        Ok(()) // INTEGER PRIMARY KEY continues after the highest id by itself
    }
}

/// Reads inside the snapshot's transaction.
struct Reader<'a>(&'a Connection);

impl SnapshotReader for Reader<'_> {
    fn read_rows(
        &mut self,
        table: &Table,
        visit: &mut dyn FnMut(Vec<Value>) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let order = table.identity.map(|id| format!(" ORDER BY {id}")).unwrap_or_default();
        let sql = format!("SELECT {} FROM {}{order}", table.column_list(), table.name);
        let mut select = self.0.prepare(&sql)?;
        let mut rows = select.query([])?;
        while let Some(row) = rows.next()? {
            let values = table
                .columns
                .iter()
                .enumerate()
                .map(|(i, (_, kind))| value_at(row, i, *kind))
                .collect::<rusqlite::Result<Vec<_>>>()?;
            visit(values)?;
        }
        Ok(())
    }
}

fn value_at(row: &Row<'_>, i: usize, kind: Kind) -> rusqlite::Result<Value> {
    let value = match kind {
        Kind::Int => row.get::<_, Option<i64>>(i)?.map(Value::Int),
        Kind::Text => row.get::<_, Option<String>>(i)?.map(Value::Text),
        Kind::Json => row.get::<_, Option<String>>(i)?.map(Value::Json),
        Kind::Bytes => row.get::<_, Option<Vec<u8>>>(i)?.map(Value::Bytes),
        Kind::Bool => row.get::<_, Option<bool>>(i)?.map(Value::Bool),
        Kind::Time => row.get::<_, Option<DateTime<Utc>>>(i)?.map(Value::Time),
        Kind::Date => row.get::<_, Option<NaiveDate>>(i)?.map(Value::Date),
    };
    Ok(value.unwrap_or(Value::Null))
}

/// A [`Value`] as SQLite stores it (timestamps as the text the rest of the store writes).
struct Param<'a>(&'a Value);

impl ToSql for Param<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        match self.0 {
            Value::Null => Ok(ToSqlOutput::from(rusqlite::types::Null)),
            Value::Int(v) => v.to_sql(),
            Value::Text(v) | Value::Json(v) => v.to_sql(),
            Value::Bytes(v) => v.to_sql(),
            Value::Bool(v) => v.to_sql(),
            Value::Time(v) => v.to_sql(),
            Value::Date(v) => v.to_sql(),
        }
    }
}
