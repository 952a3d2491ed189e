use nu_plugin::{MsgPackSerializer, serve_plugin};
use nu_plugin_idc::IdcPlugin;

fn main() {
    serve_plugin(&IdcPlugin, MsgPackSerializer);
}
