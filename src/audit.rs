//! The audit pipeline driver.
