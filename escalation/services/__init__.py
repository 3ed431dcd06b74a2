"""Use cases, one function each: they take the session, raise domain errors, never commit."""
