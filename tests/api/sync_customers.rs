//! Flow D end to end: LeafLink customers become, or are linked to, Flourish destinations.
