//! The repository itself: the test layout holds, the map of idc-core's rooms is true, and a
//! fresh clone stands on its own.

mod layout;
mod links;
mod readme_blocks;
mod rooms;
mod standalone;
mod troubleshooting;
