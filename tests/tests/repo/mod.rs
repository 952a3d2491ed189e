//! The repository itself: the test layout holds, and a fresh clone stands on its own.

mod layout;
mod links;
mod readme_blocks;
mod standalone;
mod troubleshooting;
