//! Where the credential lives: Secret Service under a real D-Bus session and GNOME Keyring,
//! the `none` store, and the environment-only profile `env`.

mod env;
mod keyring;
