//! `nu_plugin_idc` in real nu 0.115.1: commands, completion, help examples, streaming.

mod broken_stream;
mod completion;
mod e2e;
mod examples;
mod flags;
mod profiles;
mod streaming;
