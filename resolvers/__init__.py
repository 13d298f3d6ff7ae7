"""Thin glue between the API and the domain: decode arguments, call loaders (reads) or
domain services (writes), hand domain results back to the schema."""
