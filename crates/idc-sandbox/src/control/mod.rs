//! The `/__sandbox` control room, for tests only: request counters (`stats`), fault
//! injection (`faults`) and the sandbox's clock (`clock`).

pub mod clock;
pub mod faults;
pub mod promotion;
pub mod stats;
