//! Effective permissions on `hybrid_integration` objects through nested
//! access groups (rules TEN001–TEN004). Being written; see issue 5.
