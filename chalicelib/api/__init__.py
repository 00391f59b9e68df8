"""The HTTP face: schemas, auth, views of a report, and the mapping of domain errors to responses."""
