//! Self-service promotions end to end: `idc promotion ...` in real nu against a lower and
//! an upper sandbox (`--promotion-lower`).

mod e2e;
