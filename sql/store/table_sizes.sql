-- The base tables of this database with the rows DuckDB keeps for them, deleted ones included
-- (estimated_size counts a row until a checkpoint's vacuum rewrites its row group); `Store.close`
-- compares it with count(*) to decide whether the closing checkpoint should vacuum.
SELECT schema_name, table_name, estimated_size
FROM duckdb_tables()
WHERE database_name = current_database() AND NOT temporary
ORDER BY schema_name, table_name
