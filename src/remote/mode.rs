//! Shadow or live: the mode of one connection, shared by its platform clients (which refuse
//! every write in shadow mode) and its flows (which stop at the plan in shadow mode).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use serde::{Deserialize, Serialize};

/// Whether a connection writes to the platforms.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Plans and writes (the default).
    #[default]
    Live,
    /// Reads and plans as live mode does, records the plan as `shadowed`, writes nothing.
    Shadow,
}

impl Mode {
    /// Parses `live` or `shadow` (surrounding spaces and case ignored).
    pub fn parse(text: &str) -> Result<Self, String> {
        match text.trim().to_ascii_lowercase().as_str() {
            "live" => Ok(Self::Live),
            "shadow" => Ok(Self::Shadow),
            other => Err(format!("{other:?} is not shadow or live")),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Live => "live",
            Self::Shadow => "shadow",
        }
    }
}

impl std::fmt::Display for Mode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The current mode of one connection; clones share it, so a switch applies at once to every
/// client and flow holding one.
#[derive(Clone, Debug, Default)]
pub struct ModeSwitch {
    shadow: Arc<AtomicBool>,
}

impl ModeSwitch {
    pub fn new(mode: Mode) -> Self {
        let switch = Self::default();
        switch.set(mode);
        switch
    }

    pub fn get(&self) -> Mode {
        if self.shadow.load(Ordering::SeqCst) {
            Mode::Shadow
        } else {
            Mode::Live
        }
    }

    pub fn set(&self, mode: Mode) {
        self.shadow.store(mode == Mode::Shadow, Ordering::SeqCst);
    }

    pub fn is_shadow(&self) -> bool {
        self.get() == Mode::Shadow
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_parse_and_switches_are_shared() {
        assert_eq!(Mode::parse(" Shadow "), Ok(Mode::Shadow));
        assert_eq!(Mode::parse("live"), Ok(Mode::Live));
        assert!(Mode::parse("dry").is_err());
        let switch = ModeSwitch::new(Mode::Shadow);
        let clone = switch.clone();
        clone.set(Mode::Live);
        assert_eq!(switch.get(), Mode::Live);
    }
}
