//! The environment API: ESVs (`esv`: variables and secrets) and the restart that
//! applies them (`restart`).

pub mod esv;
pub mod esv_write;
pub mod restart;
