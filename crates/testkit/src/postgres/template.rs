//! The migrated template schema, and its copies.
//!
//! PostgreSQL has no `CREATE SCHEMA … LIKE`: a copy is made table by table, in one statement
//! sent once. `CREATE TABLE … (LIKE …)` carries columns, defaults and identities; the rows the
//! migrations seeded are copied; then keys, checks, foreign keys and indexes are created from
//! the template's own definitions, under the template's names. What that does not carry
//! (views, triggers, functions, types) would be missing without a word, so the template is
//! compared with a trial copy, object for object, before any test gets one.

use postgres::Client;

use super::{reason, schema_url, Server};

/// The rows of `state` the migrations seed, each a store's own: its identity (search indexes
/// follow one store by it) and its link-signing key. A copy gets new values, as a store
/// migrated on its own would.
const SEEDED_STATE: [&str; 2] = ["digest_secret", "store_id"];

/// Copies `{template}` into a new schema `{copy}`. Names are this kit's own (`[a-z0-9_]`), so
/// they go into the text as they are.
const COPY: &str = r#"
DO $copy$
DECLARE
    statements text[];
    statement text;
    t record;
BEGIN
    -- Every name below comes out schema-qualified, and the template's is swapped for the copy's.
    PERFORM set_config('search_path', '', true);
    CREATE SCHEMA {copy};
    FOR t IN SELECT relname FROM pg_class
             WHERE relnamespace = '{template}'::regnamespace AND relkind = 'r' ORDER BY oid LOOP
        EXECUTE format('CREATE TABLE {copy}.%I (LIKE {template}.%I INCLUDING ALL EXCLUDING INDEXES EXCLUDING CONSTRAINTS)',
                       t.relname, t.relname);
        EXECUTE format('INSERT INTO {copy}.%I OVERRIDING SYSTEM VALUE SELECT * FROM {template}.%I',
                       t.relname, t.relname);
    END LOOP;
    -- Identities go on from where the template's are.
    FOR t IN SELECT c.relname, a.attname FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
             WHERE c.relnamespace = '{template}'::regnamespace AND a.attidentity <> '' LOOP
        EXECUTE format('SELECT setval(%L, last_value, is_called) FROM %s',
                       pg_get_serial_sequence(format('{copy}.%I', t.relname), t.attname),
                       pg_get_serial_sequence(format('{template}.%I', t.relname), t.attname));
    END LOOP;
    -- Keys and checks, then foreign keys (which need the keys), then the other indexes.
    SELECT array_agg(def ORDER BY step, oid) INTO statements FROM (
        SELECT 1 AS step, oid,
               format('ALTER TABLE %s ADD CONSTRAINT %I %s', conrelid::regclass, conname, pg_get_constraintdef(oid)) AS def
        FROM pg_constraint
        WHERE connamespace = '{template}'::regnamespace AND conrelid <> 0 AND contype IN ('p', 'u', 'x', 'c')
        UNION ALL
        SELECT 2, oid,
               format('ALTER TABLE %s ADD CONSTRAINT %I %s', conrelid::regclass, conname, pg_get_constraintdef(oid))
        FROM pg_constraint
        WHERE connamespace = '{template}'::regnamespace AND conrelid <> 0 AND contype = 'f'
        UNION ALL
        SELECT 3, i.indexrelid, pg_get_indexdef(i.indexrelid)
        FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
        WHERE c.relnamespace = '{template}'::regnamespace
          AND NOT EXISTS (SELECT 1 FROM pg_constraint k
                          WHERE k.conindid = i.indexrelid AND k.contype IN ('p', 'u', 'x'))
    ) definitions;
    FOREACH statement IN ARRAY coalesce(statements, '{}') LOOP
        EXECUTE replace(statement, '{template}.', '{copy}.');
    END LOOP;
    -- A store of its own: its own identity and link-signing key (see SEEDED_STATE).
    UPDATE {copy}.state SET value = md5(random()::text || clock_timestamp()::text) WHERE key = 'store_id';
    UPDATE {copy}.state
        SET value = encode(sha256((gen_random_uuid()::text || gen_random_uuid()::text)::bytea), 'hex')
        WHERE key = 'digest_secret';
END
$copy$
"#;

/// Everything a schema holds, one line per object, names schema-qualified (run it with an
/// empty `search_path`); `$1` is the schema.
const DESCRIBE: &str = "
SELECT format('relation %s %s', relkind, relname) FROM pg_class WHERE relnamespace = $1::text::regnamespace
UNION ALL
SELECT format('column %s.%s %s not null %s, identity %s, generated %s, collation %s, default %s',
              c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, a.attidentity,
              a.attgenerated, a.attcollation::regcollation, pg_get_expr(d.adbin, d.adrelid))
FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE c.relnamespace = $1::text::regnamespace AND a.attnum > 0 AND NOT a.attisdropped
UNION ALL
SELECT format('sequence %s start %s increment %s min %s max %s cycle %s',
              c.relname, s.seqstart, s.seqincrement, s.seqmin, s.seqmax, s.seqcycle)
FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid WHERE c.relnamespace = $1::text::regnamespace
UNION ALL
SELECT 'index ' || pg_get_indexdef(i.indexrelid)
FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relnamespace = $1::text::regnamespace
UNION ALL
SELECT format('constraint %s %s %s', conrelid::regclass, conname, pg_get_constraintdef(oid))
FROM pg_constraint WHERE connamespace = $1::text::regnamespace
UNION ALL
SELECT 'trigger ' || pg_get_triggerdef(t.oid)
FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
WHERE c.relnamespace = $1::text::regnamespace AND NOT t.tgisinternal
UNION ALL
SELECT format('policy %s on %s', p.polname, p.polrelid::regclass)
FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid WHERE c.relnamespace = $1::text::regnamespace
UNION ALL
SELECT 'function ' || oid::regprocedure FROM pg_proc WHERE pronamespace = $1::text::regnamespace
UNION ALL
SELECT 'type ' || typname FROM pg_type WHERE typnamespace = $1::text::regnamespace
";

/// Makes this process's template: an empty schema the store migrates, checked to copy whole.
pub(super) fn create(server: &Server) -> String {
    let name = format!("{}_template", server.tag);
    let trial = format!("{}_trial", server.tag);
    let mut admin = server.admin();
    // What an attempt that failed in this process left goes first: the next test tries again.
    admin
        .batch_execute(&format!(
            "DROP SCHEMA IF EXISTS {name} CASCADE; DROP SCHEMA IF EXISTS {trial} CASCADE; CREATE SCHEMA {name}"
        ))
        .unwrap_or_else(|e| panic!("creating the template schema {name}: {}", reason(&e)));
    // Dropped at once: the template keeps no connection.
    paperboy_store::PostgresStore::connect(&schema_url(&server.admin_url, &name))
        .unwrap_or_else(|e| panic!("migrating the template schema {name}: {e}"));

    let seeded: Vec<String> = admin
        .query(&format!("SELECT key FROM {name}.state ORDER BY key"), &[])
        .unwrap_or_else(|e| panic!("reading the template's state: {}", reason(&e)))
        .iter()
        .map(|row| row.get(0))
        .collect();
    assert_eq!(
        seeded, SEEDED_STATE,
        "the migrations seed other rows of `state` than testkit knows: say in \
         crates/testkit/src/postgres/template.rs whether each copy needs a value of its own"
    );

    copy(&mut admin, &name, &trial);
    let (original, copied) = (describe(&mut admin, &name), describe(&mut admin, &trial));
    admin
        .batch_execute(&format!("DROP SCHEMA {trial} CASCADE"))
        .unwrap_or_else(|e| panic!("dropping the trial copy {trial}: {}", reason(&e)));
    let missing: Vec<_> = original.iter().filter(|line| !copied.contains(line)).collect();
    let extra: Vec<_> = copied.iter().filter(|line| !original.contains(line)).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "a copy of the migrated template is not like it: teach crates/testkit/src/postgres/template.rs \
         to copy what the migrations now make.\nmissing from the copy: {missing:#?}\nonly in the copy: {extra:#?}"
    );
    name
}

/// Copies the schema `template` into a new schema `copy`.
pub(super) fn copy(admin: &mut Client, template: &str, copy: &str) {
    let sql = COPY.replace("{template}", template).replace("{copy}", copy);
    admin
        .batch_execute(&sql)
        .unwrap_or_else(|e| panic!("copying the template schema {template} to {copy}: {}", reason(&e)));
}

/// [`DESCRIBE`] of `schema`, sorted, with the schema's own name as `<schema>`.
fn describe(admin: &mut Client, schema: &str) -> Vec<String> {
    let mut tx = admin
        .transaction()
        .unwrap_or_else(|e| panic!("describing {schema}: {}", reason(&e)));
    tx.batch_execute("SET LOCAL search_path = ''")
        .unwrap_or_else(|e| panic!("describing {schema}: {}", reason(&e)));
    let mut lines: Vec<String> = tx
        .query(DESCRIBE, &[&schema])
        .unwrap_or_else(|e| panic!("describing {schema}: {}", reason(&e)))
        .iter()
        .map(|row| row.get::<_, String>(0).replace(schema, "<schema>"))
        .collect();
    lines.sort();
    lines
}
