//! The environment API: ESVs (`esv`: variables and secrets), the restart that
//! applies them (`restart`), self-service promotions (`promotion`, asking the lower
//! environment through `promotion_lower`), and what the tenant says of itself (`info`).

pub mod esv;
pub mod esv_write;
pub mod info;
pub mod promotion;
pub mod promotion_lower;
pub mod restart;
pub mod scopes;
