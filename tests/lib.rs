//! End-to-end tests across the layers live in this package's tests; nothing to export.
