//! [`TableCopy`] for PostgreSQL.

use chrono::{DateTime, NaiveDate, Utc};
use postgres::fallible_iterator::FallibleIterator;
use postgres::types::ToSql;
use postgres::{IsolationLevel, Row, Transaction};

use super::PostgresStore;
use crate::copy::{Kind, SnapshotReader, Table, TableCopy, Value, TABLES};
use crate::StoreError;

impl TableCopy for PostgresStore {
    fn holds_data(&self) -> Result<bool, StoreError> {
        self.with_client(|client| {
            Ok(client
                .query_one(
                    "SELECT EXISTS (SELECT 1 FROM papers) OR EXISTS (SELECT 1 FROM users)
                            OR EXISTS (SELECT 1 FROM subscribers)",
                    &[],
                )?
                .get(0))
        })
    }

    fn read_snapshot(
        &self,
        read: &mut dyn FnMut(&mut dyn SnapshotReader) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        self.with_client(|client| {
            // REPEATABLE READ: every statement sees the snapshot the first one took, and
            // writers are never blocked by it.
            let mut tx = client
                .build_transaction()
                .isolation_level(IsolationLevel::RepeatableRead)
                .read_only(true)
                .start()?;
            read(&mut Reader(&mut tx))?;
            tx.commit()?;
            Ok(())
        })
    }

    fn write_rows(&self, table: &Table, rows: &[Vec<Value>]) -> Result<(), StoreError> {
        let placeholders = table
            .columns
            .iter()
            .enumerate()
            .map(|(i, (_, kind))| match kind {
                Kind::Json => format!("${}::text::jsonb", i + 1),
                _ => format!("${}", i + 1),
            })
            .collect::<Vec<_>>()
            .join(", ");
        let conflict = if table.replace {
            let key = table.columns[0].0;
            let updates = table.columns[1..]
                .iter()
                .map(|(name, _)| format!("{name} = excluded.{name}"))
                .collect::<Vec<_>>()
                .join(", ");
            format!(" ON CONFLICT ({key}) DO UPDATE SET {updates}")
        } else {
            String::new()
        };
        let sql = format!(
            "INSERT INTO {} ({}) VALUES ({placeholders}){conflict}",
            table.name,
            table.column_list()
        );
        self.in_transaction(|tx| {
            let insert = tx.prepare(&sql)?;
            for row in rows {
                let params: Vec<Box<dyn ToSql + Sync>> =
                    row.iter().zip(table.columns).map(|(v, (_, k))| param(v, *k)).collect();
                let refs: Vec<&(dyn ToSql + Sync)> = params.iter().map(|p| p.as_ref()).collect();
                tx.execute(&insert, &refs)?;
            }
            Ok(())
        })
    }

    fn finish_copy(&self) -> Result<(), StoreError> {
        self.with_client(|client| {
            for table in TABLES {
                if let Some(id) = table.identity {
                    client.execute(
                        &format!(
                            "SELECT setval(pg_get_serial_sequence('{name}', '{id}'),
                                           COALESCE((SELECT MAX({id}) FROM {name}), 0) + 1, false)",
                            name = table.name
                        ),
                        &[],
                    )?;
                }
            }
            Ok(())
        })
    }
}

/// Reads inside the snapshot's transaction.
struct Reader<'a, 'b>(&'a mut Transaction<'b>);

impl SnapshotReader for Reader<'_, '_> {
    fn read_rows(
        &mut self,
        table: &Table,
        visit: &mut dyn FnMut(Vec<Value>) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        // JSON leaves as text, exactly as stored.
        let columns = table
            .columns
            .iter()
            .map(|(name, kind)| match kind {
                Kind::Json => format!("{name}::text"),
                _ => (*name).to_string(),
            })
            .collect::<Vec<_>>()
            .join(", ");
        let order = table.identity.map(|id| format!(" ORDER BY {id}")).unwrap_or_default();
        let sql = format!("SELECT {columns} FROM {}{order}", table.name);
        // Streams rows instead of loading the table.
        let mut rows = self.0.query_raw(&sql, std::iter::empty::<&(dyn ToSql + Sync)>())?;
        while let Some(row) = rows.next()? {
            let values = table
                .columns
                .iter()
                .enumerate()
                .map(|(i, (_, kind))| value_at(&row, i, *kind))
                .collect::<Result<Vec<_>, _>>()?;
            visit(values)?;
        }
        Ok(())
    }
}

fn value_at(row: &Row, i: usize, kind: Kind) -> Result<Value, postgres::Error> {
    let value = match kind {
        Kind::Int => row.try_get::<_, Option<i64>>(i)?.map(Value::Int),
        Kind::Text => row.try_get::<_, Option<String>>(i)?.map(Value::Text),
        Kind::Json => row.try_get::<_, Option<String>>(i)?.map(Value::Json),
        Kind::Bytes => row.try_get::<_, Option<Vec<u8>>>(i)?.map(Value::Bytes),
        Kind::Bool => row.try_get::<_, Option<bool>>(i)?.map(Value::Bool),
        Kind::Time => row.try_get::<_, Option<DateTime<Utc>>>(i)?.map(Value::Time),
        Kind::Date => row.try_get::<_, Option<NaiveDate>>(i)?.map(Value::Date),
    };
    Ok(value.unwrap_or(Value::Null))
}

/// A typed parameter: NULLs need the column's type too (PostgreSQL infers it from the
/// statement, and the client checks the Rust type against it).
fn param(value: &Value, kind: Kind) -> Box<dyn ToSql + Sync> {
    match (value, kind) {
        (Value::Int(v), _) => Box::new(*v),
        (Value::Text(v) | Value::Json(v), _) => Box::new(v.clone()),
        (Value::Bytes(v), _) => Box::new(v.clone()),
        (Value::Bool(v), _) => Box::new(*v),
        (Value::Time(v), _) => Box::new(*v),
        (Value::Date(v), _) => Box::new(*v),
        (Value::Null, Kind::Int) => Box::new(None::<i64>),
        (Value::Null, Kind::Text | Kind::Json) => Box::new(None::<String>),
        (Value::Null, Kind::Bytes) => Box::new(None::<Vec<u8>>),
        (Value::Null, Kind::Bool) => Box::new(None::<bool>),
        (Value::Null, Kind::Time) => Box::new(None::<DateTime<Utc>>),
        (Value::Null, Kind::Date) => Box::new(None::<NaiveDate>),
    }
}
