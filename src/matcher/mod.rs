//! Pure matching rules: keys, normalisation, plans and outcomes. No I/O.
