"""The only code that speaks SQL: connection, schema, queries, audit."""
