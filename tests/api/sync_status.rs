//! Flow E end to end: Flourish order statuses move the linked LeafLink orders.
