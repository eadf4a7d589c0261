//! Stage 4: reporters.
