//! Writes from tables: `idc create/update/patch/delete` in real nu pipelines.

mod e2e;
