"""The only package with SQL: the database, its writer, rows and schema."""
