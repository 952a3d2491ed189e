//! The end-to-end suite: one test binary, a module per area (see `docs/testing.md`).
//! Each test starts its own `idc-sandbox` process and gives the real tools (nu, git, curl,
//! httpie, xh, zsh, fish) their own `HOME`, config and cache: tests share no port, file or
//! environment variable, so they run as threads of this one process.

mod core;
mod guard;
mod helper;
mod hostile;
mod login;
mod logs;
mod network;
mod plugin;
mod promotion;
mod repo;
mod sandbox;
mod stores;
mod writes;
