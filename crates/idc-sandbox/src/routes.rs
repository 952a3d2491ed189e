//! Every path the sandbox serves, by service, and the layers around them.

use crate::state::Shared;
use crate::{am, control, edge, environment, idm, iga, monitoring, respond};
use axum::Router;
use axum::routing::{any, get, post};

pub fn router(state: Shared) -> Router {
    Router::new()
        // OAuth2
        .route(
            "/am/oauth2/access_token",
            post(am::oauth::access_token_root),
        )
        .route(
            "/am/oauth2/realms/root/access_token",
            post(am::oauth::access_token_root),
        )
        .route(
            "/am/oauth2/realms/root/realms/{realm}/access_token",
            post(am::oauth::access_token_realm),
        )
        .route(
            "/am/oauth2/authorize",
            get(am::authorize::authorize).post(am::authorize::authorize),
        )
        .route(
            "/am/oauth2/realms/root/authorize",
            get(am::authorize::authorize).post(am::authorize::authorize),
        )
        .route(
            "/am/oauth2/realms/root/realms/{realm}/authorize",
            get(am::authorize::authorize_realm).post(am::authorize::authorize_realm),
        )
        // The CLI client's browser and device logins
        .route(am::pages::STEP_PATH, post(am::browser::step))
        .route("/am/oauth2/device/user", get(am::browser::device_user))
        .route(
            "/am/oauth2/device/code",
            post(am::browser::device_code_root),
        )
        .route(
            "/am/oauth2/realms/root/device/code",
            post(am::browser::device_code_root),
        )
        .route(
            "/am/oauth2/realms/root/realms/{realm}/device/code",
            post(am::browser::device_code_realm),
        )
        .route("/am/oauth2/token/revoke", post(am::oauth::revoke))
        .route(
            "/am/oauth2/realms/root/token/revoke",
            post(am::oauth::revoke),
        )
        .route(
            "/am/oauth2/realms/root/realms/{realm}/token/revoke",
            post(am::oauth::revoke),
        )
        // The admin console's sign-in, which sets the session cookie
        .route(
            am::console::CONSOLE_PATH,
            get(am::console::console).post(am::console::sign_in),
        )
        .route("/platform", get(am::console::console))
        // AM JSON
        .route("/am/json/serverinfo/{id}", get(am::serverinfo::serverinfo))
        .route(
            "/am/json/realms/root/authenticate",
            post(am::authenticate::authenticate_root),
        )
        .route(
            "/am/json/realms/root/realms/{realm}/authenticate",
            post(am::authenticate::authenticate_realm),
        )
        .route(
            "/am/json/realms/root/sessions",
            post(am::sessions::sessions_root),
        )
        .route(
            "/am/json/realms/root/sessions/",
            post(am::sessions::sessions_root),
        )
        .route(
            "/am/json/realms/root/realms/{realm}/sessions",
            post(am::sessions::sessions_realm),
        )
        .route(
            "/am/json/realms/root/realms/{realm}/sessions/",
            post(am::sessions::sessions_realm),
        )
        .route(
            "/am/json/realms/root/realms/{realm}/users",
            post(am::sessions::users_action),
        )
        .route(
            "/am/json/realms/root/realms/{realm}/scripts",
            get(am::scripts::list_scripts),
        )
        .route(
            "/am/json/realms/root/realms/{realm}/users/{username}",
            get(am::sessions::read_user),
        )
        // Ping configures the root realm: no OAuth2 clients of one's own there.
        .route(
            "/am/json/realms/root/realm-config/agents/OAuth2Client",
            post(am::builtin::root_client_management),
        )
        .route(
            "/am/json/realms/root/realm-config/agents/OAuth2Client/{id}",
            axum::routing::put(am::builtin::root_client_management)
                .post(am::builtin::root_client_management)
                .delete(am::builtin::root_client_management),
        )
        // IDM (service accounts before the other managed objects)
        .route(
            "/openidm/managed/svcacct",
            get(idm::svcacct::query).post(idm::svcacct::create),
        )
        .route(
            "/openidm/managed/svcacct/{id}",
            get(idm::svcacct::read).delete(idm::svcacct::delete),
        )
        .route(
            "/openidm/managed/{object}",
            get(idm::query::query).post(idm::writes::create),
        )
        .route(
            "/openidm/managed/{object}/{id}",
            get(idm::query::read)
                .put(idm::writes::put)
                .patch(idm::writes::patch)
                .delete(idm::writes::delete),
        )
        .route("/openidm/config/managed", get(idm::query::config_managed))
        .route(
            "/openidm/config/{*id}",
            get(idm::config::read)
                .put(idm::config::put)
                .delete(idm::config::delete),
        )
        .route("/openidm/info/login", get(idm::info::login))
        .route("/openidm", any(idm::query::other))
        .route("/openidm/{*rest}", any(idm::query::other))
        // ESV
        .route(
            "/environment/variables",
            get(environment::esv::list_variables),
        )
        .route(
            "/environment/variables/{id}",
            get(environment::esv::get_variable)
                .put(environment::esv_write::put_variable)
                .delete(environment::esv_write::delete_variable),
        )
        .route("/environment/secrets", get(environment::esv::list_secrets))
        .route(
            "/environment/secrets/{id}",
            get(environment::esv::get_secret).put(environment::esv_write::put_secret),
        )
        .route(
            "/environment/secrets/{id}/versions",
            get(environment::esv::secret_versions).post(environment::esv_write::create_version),
        )
        .route(
            "/environment/secrets/{id}/versions/{version}",
            axum::routing::delete(environment::esv_write::destroy_version),
        )
        .route("/environment/info", get(environment::info::info))
        .route(
            "/environment/startup",
            get(environment::restart::get_status).post(environment::restart::action),
        )
        .route("/environment/count", get(environment::esv::count))
        .route(
            "/environment/scopes/service-accounts",
            get(environment::scopes::service_account_scopes),
        )
        // Self-service promotions (this sandbox as the upper environment)
        .route(
            "/environment/promotion/lock/state",
            get(environment::promotion::lock_state),
        )
        .route(
            "/environment/promotion/lock",
            post(environment::promotion::lock_environments),
        )
        .route(
            "/environment/promotion/lock/{id}",
            axum::routing::delete(environment::promotion::unlock_environments),
        )
        .route(
            "/environment/promotion/promote",
            get(environment::promotion::promotion_status).post(environment::promotion::promote),
        )
        .route(
            "/environment/promotion/rollback",
            post(environment::promotion::rollback),
        )
        .route(
            "/environment/promotion/report",
            get(environment::promotion::last_report),
        )
        .route(
            "/environment/promotion/report/provisional",
            get(environment::promotion::provisional_report),
        )
        .route(
            "/environment/promotion/report/provisional-rollback",
            get(environment::promotion::provisional_rollback_report),
        )
        .route(
            "/environment/promotion/report/{id}",
            get(environment::promotion::report_by_id),
        )
        .route(
            "/environment/promotion/reports",
            get(environment::promotion::reports),
        )
        .route("/environment/{*rest}", any(environment::esv::other))
        // IGA
        .route("/iga/governance/application", get(iga::list_applications))
        .route(
            "/iga/governance/application/{id}",
            get(iga::get_application),
        )
        .route("/iga/governance/user", get(iga::list_users))
        .route(
            "/iga/governance/certification/template",
            get(iga::templates::list_templates),
        )
        .route("/iga/governance/user/{id}", get(iga::get_user))
        .route("/iga/{*rest}", any(iga::other))
        // Log API (key and secret) and its keys (admin-user bearer)
        .route("/monitoring/logs/sources", get(monitoring::logs::sources))
        .route("/monitoring/logs", get(monitoring::logs::fetch))
        .route("/monitoring/logs/tail", get(monitoring::logs::tail))
        .route(
            "/keys",
            get(monitoring::keys::list).post(monitoring::keys::action),
        )
        .route(
            "/keys/{id}",
            get(monitoring::keys::get_one).delete(monitoring::keys::delete),
        )
        // Sandbox control
        .route("/__sandbox/stats", get(control::stats::get_stats))
        .route("/__sandbox/stats/reset", post(control::stats::reset_stats))
        .route(
            "/__sandbox/clock",
            get(control::clock::get_clock).post(control::clock::advance),
        )
        .route(
            "/__sandbox/promotion/config",
            get(control::promotion::config),
        )
        .route(
            "/__sandbox/promotion/blocking-error",
            post(control::promotion::blocking_error),
        )
        .route(
            "/__sandbox/variables/{id}",
            axum::routing::put(control::promotion::add_variable),
        )
        .route(
            "/__sandbox/faults",
            post(control::faults::add_fault).delete(control::faults::clear_faults),
        )
        .route(
            "/__sandbox/hold",
            post(control::faults::add_hold).delete(control::faults::clear_holds),
        )
        .route(
            "/__sandbox/hold/release",
            post(control::faults::release_holds),
        )
        .fallback(|| async {
            respond::crest_error(axum::http::StatusCode::NOT_FOUND, "Resource not found")
        })
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            edge::faults::edge,
        ))
        // Every answer, faults included, carries a transaction id and is logged.
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            monitoring::logs::observe,
        ))
        // Outermost: the internet (compression, then latency and bandwidth on the wire).
        .layer(edge::internet::compression())
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            edge::internet::edge,
        ))
        .with_state(state)
}
