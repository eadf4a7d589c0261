//! Stage 2: facts derived from evidence (regions, certificates, permissions).
pub mod crypto;
pub mod tenancy;
