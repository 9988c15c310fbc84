//! Validation of configuration documents with AAS rules; every problem with its path.
