//! Writes from tables: `idc create/update/patch/delete` in real nu pipelines, and bulk
//! writes through a window of requests in flight (`bulk`).

mod bulk;
mod e2e;
