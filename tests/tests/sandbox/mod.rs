//! `idc-sandbox` on its own, over plain HTTP: it answers like the recorded tenant
//! (`tests/fixtures/frodo-recordings`), and its log API, writes, ESVs and network edge.

mod admin_login;
mod api;
mod browser;
mod builtin;
mod contract;
mod esv;
mod logs;
mod network;
mod restart;
mod writes;
