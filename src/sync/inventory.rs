//! Flow processor registration for `inventory` (filled in by its flow).

use std::sync::Arc;

use super::SyncContext;
use crate::jobs::Processors;

/// Registers this flow's processors.
pub fn register(_processors: &mut Processors, _context: &Arc<SyncContext>) {}
