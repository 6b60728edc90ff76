"""The portfolio file: its schema, its loader with place-named errors, and the upsert."""
