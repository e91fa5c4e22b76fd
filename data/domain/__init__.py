"""The product's in-memory vocabulary: builds as matrices, datasets, filters, errors, time. No database, no web."""
