//! Live network probes: DNS, TCP, TLS, HTTP (rules NET001–NET007).
//! Being written; see issue 4.
