//! A hostile tenant, man in the middle or input: the real binaries against the sandbox's
//! fault injection.

mod bounds;
mod core;
mod frontends;
mod rotation;
mod secret_arrivals;
mod support;
mod tenant;
