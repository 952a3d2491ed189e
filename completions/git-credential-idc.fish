# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_git_credential_idc_global_optspecs
    string join \n h/help V/version
end

function __fish_git_credential_idc_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_git_credential_idc_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_git_credential_idc_using_subcommand
    set -l cmd (__fish_git_credential_idc_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c git-credential-idc -n "__fish_git_credential_idc_needs_command" -s h -l help -d 'Print help'
complete -c git-credential-idc -n "__fish_git_credential_idc_needs_command" -s V -l version -d 'Print version'
complete -c git-credential-idc -n "__fish_git_credential_idc_needs_command" -f -a "get" -d 'git credential protocol: answer git\'s request on stdin'
complete -c git-credential-idc -n "__fish_git_credential_idc_needs_command" -f -a "store" -d 'git credential protocol: git reports a credential that worked (nothing to keep)'
complete -c git-credential-idc -n "__fish_git_credential_idc_needs_command" -f -a "erase" -d 'git credential protocol: git reports a credential that failed; renew ours next time'
complete -c git-credential-idc -n "__fish_git_credential_idc_needs_command" -f -a "capability" -d 'git credential protocol: announce the capabilities this helper understands'
complete -c git-credential-idc -n "__fish_git_credential_idc_needs_command" -f -a "login" -d 'Log in to a tenant and cache the credential (the logins of `idc login`)'
complete -c git-credential-idc -n "__fish_git_credential_idc_needs_command" -f -a "logout" -d 'End the session and remove the profile\'s cached credentials'
complete -c git-credential-idc -n "__fish_git_credential_idc_needs_command" -f -a "token" -d 'Print the credential (bare token, or JSON)'
complete -c git-credential-idc -n "__fish_git_credential_idc_needs_command" -f -a "header" -d 'Print one `Name: value` header line for URL'
complete -c git-credential-idc -n "__fish_git_credential_idc_needs_command" -f -a "curl-config" -d 'Print curl config lines for URL: `curl -K <(git-credential-idc curl-config URL) URL`'
complete -c git-credential-idc -n "__fish_git_credential_idc_needs_command" -f -a "httpie-session" -d 'Print an httpie/xh session for URL: `http --session-read-only=<(...) GET URL`'
complete -c git-credential-idc -n "__fish_git_credential_idc_needs_command" -f -a "status" -d 'Show every profile, its tenant and whether its credential is valid (`*`: the default)'
complete -c git-credential-idc -n "__fish_git_credential_idc_needs_command" -f -a "profile" -d 'Choose the default profile, or remove a profile'
complete -c git-credential-idc -n "__fish_git_credential_idc_needs_command" -f -a "service-account" -d 'Service accounts for scripts and CI, with an administrator\'s login'
complete -c git-credential-idc -n "__fish_git_credential_idc_needs_command" -f -a "completions" -d 'Print the completion script for a shell'
complete -c git-credential-idc -n "__fish_git_credential_idc_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c git-credential-idc -n "__fish_git_credential_idc_using_subcommand get" -s h -l help -d 'Print help'
complete -c git-credential-idc -n "__fish_git_credential_idc_using_subcommand store" -s h -l help -d 'Print help'
complete -c git-credential-idc -n "__fish_git_credential_idc_using_subcommand erase" -s h -l help -d 'Print help'
complete -c git-credential-idc -n "__fish_git_credential_idc_using_subcommand capability" -s h -l help -d 'Print help'
complete -c git-credential-idc -n "__fish_git_credential_idc_using_subcommand login" -s p -l profile -d 'Profile name to create or update (-p, as in `idc login`)' -r -f -a "(git-credential-idc complete-flag profile (commandline -ct))"
complete -c git-credential-idc -n "__fish_git_credential_idc_using_subcommand login" -l tenant -d 'Tenant URL, e.g. https://openam-acme.forgeblocks.com' -r -f -a "(git-credential-idc complete-flag tenant (commandline -ct))"
complete -c git-credential-idc -n "__fish_git_credential_idc_using_subcommand login" -l realm -d 'Realm of the identities (default: alpha); for a session, the login realm (default: root, as administrators log in)' -r
complete -c git-credential-idc -n "__fish_git_credential_idc_using_subcommand login" -l service-account -d 'Service account id (JWT bearer login)' -r
complete -c git-credential-idc -n "__fish_git_credential_idc_using_subcommand login" -l jwk -d 'Path of the service account\'s private JWK (alone: a new key for a saved service-account profile)' -r -F
complete -c git-credential-idc -n "__fish_git_credential_idc_using_subcommand login" -l scope -l scopes -d 'Requested scopes, one space-separated string: "fr:am:* fr:idm:*"' -r
complete -c git-credential-idc -n "__fish_git_credential_idc_using_subcommand login" -l username -d 'User name (session login through the callbacks journey); remembered in the profile' -r
complete -c git-credential-idc -n "__fish_git_credential_idc_using_subcommand login" -l journey -d 'Authentication journey (session login)' -r
complete -c git-credential-idc -n "__fish_git_credential_idc_using_subcommand login" -l tier -d 'The tenant\'s tier (writes to production need --yes); kept in the profile' -r -f -a "sandbox\t''
development\t''
staging\t''
production\t''"
complete -c git-credential-idc -n "__fish_git_credential_idc_using_subcommand login" -l ca-cert -d 'PEM bundle of CAs to trust for this tenant besides the system\'s (private CA, TLS-inspecting proxy); kept in the profile' -r -F
complete -c git-credential-idc -n "__fish_git_credential_idc_using_subcommand login" -l password-file -d 'Read a session login\'s password from a file' -r -F
complete -c git-credential-idc -n "__fish_git_credential_idc_using_subcommand login" -l client-id -d 'OAuth client id: client credentials login (its secret kept, so a login again needs neither), or with --browser/--device the tenant\'s public client for command-line logins; remembered in the profile' -r
complete -c git-credential-idc -n "__fish_git_credential_idc_using_subcommand login" -l redirect-port -d 'Browser login: the loopback redirect\'s port (default: a free one); remembered in the profile' -r
complete -c git-credential-idc -n "__fish_git_credential_idc_using_subcommand login" -l timeout -d 'Browser and device logins: give up after SECS seconds (default: 300)' -r
complete -c git-credential-idc -n "__fish_git_credential_idc_using_subcommand login" -l secret-file -d 'Read the client secret, the log API key\'s secret or the session cookie from a file' -r -F
complete -c git-credential-idc -n "__fish_git_credential_idc_using_subcommand login" -l log-api-key -d 'Add this log API key id to the profile (the secret from --secret-stdin or --secret-file)' -r
complete -c git-credential-idc -n "__fish_git_credential_idc_using_subcommand login" -l zero-page -d 'Send the user name and password as headers in one request instead of filling the journey\'s callbacks (session login)'
complete -c git-credential-idc -n "__fish_git_credential_idc_using_subcommand login" -l password-stdin -d 'Read a session login\'s password from stdin (without it or --password-file, a terminal is asked, unechoed)'
complete -c git-credential-idc -n "__fish_git_credential_idc_using_subcommand login" -l browser -d 'Log in in a browser (authorization code + PKCE, redirect to http://127.0.0.1:PORT/callback)'
complete -c git-credential-idc -n "__fish_git_credential_idc_using_subcommand login" -l device -d 'Log in with a code entered in a browser anywhere (device authorization, RFC 8628)'
complete -c git-credential-idc -n "__fish_git_credential_idc_using_subcommand login" -l no-browser -d 'Browser login: print the login page\'s URL only, open no browser'
complete -c git-credential-idc -n "__fish_git_credential_idc_using_subcommand login" -l session-cookie -d 'Hand over the admin console\'s session: its cookie (the value, name=value, or a whole Cookie: line) is read from stdin, or from --secret-file'
complete -c git-credential-idc -n "__fish_git_credential_idc_using_subcommand login" -l secret-stdin -d 'Read the client secret, the log API key\'s secret or the session cookie from stdin'
complete -c git-credential-idc -n "__fish_git_credential_idc_using_subcommand login" -l create-log-api-key -d 'Create a log API key with the profile\'s administrator session and keep it'
complete -c git-credential-idc -n "__fish_git_credential_idc_using_subcommand login" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c git-credential-idc -n "__fish_git_credential_idc_using_subcommand logout" -l profile -d 'Profile name (default: $IDC_PROFILE, else the default profile)' -r -f -a "(git-credential-idc complete-flag profile (commandline -ct))"
complete -c git-credential-idc -n "__fish_git_credential_idc_using_subcommand logout" -l end-session -d 'Also end an admin console session handed over (--session-cookie) at the tenant, which signs the console out'
complete -c git-credential-idc -n "__fish_git_credential_idc_using_subcommand logout" -l delete-log-key -d 'Delete the profile\'s log API key at the tenant first (one made by --create-log-api-key otherwise stays there)'
complete -c git-credential-idc -n "__fish_git_credential_idc_using_subcommand logout" -s h -l help -d 'Print help'
complete -c git-credential-idc -n "__fish_git_credential_idc_using_subcommand token" -l profile -d 'Profile name (default: $IDC_PROFILE, else the default profile)' -r -f -a "(git-credential-idc complete-flag profile (commandline -ct))"
complete -c git-credential-idc -n "__fish_git_credential_idc_using_subcommand token" -l format -d 'Output format' -r -f -a "text\t'The token alone'
json\t'`{token, type, header: {name, value}, expires_at}`'"
complete -c git-credential-idc -n "__fish_git_credential_idc_using_subcommand token" -l path -d 'The endpoint path the credential is for (default: the session for session profiles, the bearer token otherwise)' -r -f -a "(git-credential-idc complete-flag path (commandline -ct))"
complete -c git-credential-idc -n "__fish_git_credential_idc_using_subcommand token" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c git-credential-idc -n "__fish_git_credential_idc_using_subcommand header" -l profile -d 'Profile name (default: the profile whose tenant matches URL)' -r -f -a "(git-credential-idc complete-flag profile (commandline -ct))"
complete -c git-credential-idc -n "__fish_git_credential_idc_using_subcommand header" -s h -l help -d 'Print help'
complete -c git-credential-idc -n "__fish_git_credential_idc_using_subcommand curl-config" -l profile -d 'Profile name (default: the profile whose tenant matches URL)' -r -f -a "(git-credential-idc complete-flag profile (commandline -ct))"
complete -c git-credential-idc -n "__fish_git_credential_idc_using_subcommand curl-config" -s h -l help -d 'Print help'
complete -c git-credential-idc -n "__fish_git_credential_idc_using_subcommand httpie-session" -l profile -d 'Profile name (default: the profile whose tenant matches URL)' -r -f -a "(git-credential-idc complete-flag profile (commandline -ct))"
complete -c git-credential-idc -n "__fish_git_credential_idc_using_subcommand httpie-session" -s h -l help -d 'Print help'
complete -c git-credential-idc -n "__fish_git_credential_idc_using_subcommand status" -s h -l help -d 'Print help'
complete -c git-credential-idc -n "__fish_git_credential_idc_using_subcommand profile; and not __fish_seen_subcommand_from default remove help" -s h -l help -d 'Print help'
complete -c git-credential-idc -n "__fish_git_credential_idc_using_subcommand profile; and not __fish_seen_subcommand_from default remove help" -f -a "default" -d 'Make NAME the profile used when no --profile or $IDC_PROFILE names one'
complete -c git-credential-idc -n "__fish_git_credential_idc_using_subcommand profile; and not __fish_seen_subcommand_from default remove help" -f -a "remove" -d 'Log NAME out (its credentials removed, a session ended) and remove it from config.toml'
complete -c git-credential-idc -n "__fish_git_credential_idc_using_subcommand profile; and not __fish_seen_subcommand_from default remove help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c git-credential-idc -n "__fish_git_credential_idc_using_subcommand profile; and __fish_seen_subcommand_from default" -s h -l help -d 'Print help'
complete -c git-credential-idc -n "__fish_git_credential_idc_using_subcommand profile; and __fish_seen_subcommand_from remove" -s h -l help -d 'Print help'
complete -c git-credential-idc -n "__fish_git_credential_idc_using_subcommand profile; and __fish_seen_subcommand_from help" -f -a "default" -d 'Make NAME the profile used when no --profile or $IDC_PROFILE names one'
complete -c git-credential-idc -n "__fish_git_credential_idc_using_subcommand profile; and __fish_seen_subcommand_from help" -f -a "remove" -d 'Log NAME out (its credentials removed, a session ended) and remove it from config.toml'
complete -c git-credential-idc -n "__fish_git_credential_idc_using_subcommand profile; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c git-credential-idc -n "__fish_git_credential_idc_using_subcommand service-account; and not __fish_seen_subcommand_from create list delete export-key help" -s h -l help -d 'Print help'
complete -c git-credential-idc -n "__fish_git_credential_idc_using_subcommand service-account; and not __fish_seen_subcommand_from create list delete export-key help" -f -a "create" -d 'Create a service account (key pair made here, private key kept in the credential store) and a profile NAME that logs in with it'
complete -c git-credential-idc -n "__fish_git_credential_idc_using_subcommand service-account; and not __fish_seen_subcommand_from create list delete export-key help" -f -a "list" -d 'List the tenant\'s service accounts and the local profiles that log in as them'
complete -c git-credential-idc -n "__fish_git_credential_idc_using_subcommand service-account; and not __fish_seen_subcommand_from create list delete export-key help" -f -a "delete" -d 'Delete a service account at the tenant, its stored key and its profile'
complete -c git-credential-idc -n "__fish_git_credential_idc_using_subcommand service-account; and not __fish_seen_subcommand_from create list delete export-key help" -f -a "export-key" -d 'Write a service account\'s private key to a new file (mode 0600) for CI'
complete -c git-credential-idc -n "__fish_git_credential_idc_using_subcommand service-account; and not __fish_seen_subcommand_from create list delete export-key help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c git-credential-idc -n "__fish_git_credential_idc_using_subcommand service-account; and __fish_seen_subcommand_from create" -l scopes -l scope -d 'Scopes the account may grant, one space-separated string: "fr:idm:* fr:am:*"' -r
complete -c git-credential-idc -n "__fish_git_credential_idc_using_subcommand service-account; and __fish_seen_subcommand_from create" -l description -d 'The account\'s description at the tenant' -r
complete -c git-credential-idc -n "__fish_git_credential_idc_using_subcommand service-account; and __fish_seen_subcommand_from create" -l profile -d 'The administrator\'s profile (default: $IDC_PROFILE, else the default profile)' -r -f -a "(git-credential-idc complete-flag profile (commandline -ct))"
complete -c git-credential-idc -n "__fish_git_credential_idc_using_subcommand service-account; and __fish_seen_subcommand_from create" -s y -l yes -d 'Consent to write to a production tenant (IDC_ASSUME_YES=1 also serves)'
complete -c git-credential-idc -n "__fish_git_credential_idc_using_subcommand service-account; and __fish_seen_subcommand_from create" -s h -l help -d 'Print help'
complete -c git-credential-idc -n "__fish_git_credential_idc_using_subcommand service-account; and __fish_seen_subcommand_from list" -l profile -d 'Profile name (default: $IDC_PROFILE, else the default profile)' -r -f -a "(git-credential-idc complete-flag profile (commandline -ct))"
complete -c git-credential-idc -n "__fish_git_credential_idc_using_subcommand service-account; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c git-credential-idc -n "__fish_git_credential_idc_using_subcommand service-account; and __fish_seen_subcommand_from delete" -l profile -d 'The administrator\'s profile (default: $IDC_PROFILE, else the default profile)' -r -f -a "(git-credential-idc complete-flag profile (commandline -ct))"
complete -c git-credential-idc -n "__fish_git_credential_idc_using_subcommand service-account; and __fish_seen_subcommand_from delete" -s y -l yes -d 'Consent to write to a production tenant (IDC_ASSUME_YES=1 also serves)'
complete -c git-credential-idc -n "__fish_git_credential_idc_using_subcommand service-account; and __fish_seen_subcommand_from delete" -s h -l help -d 'Print help'
complete -c git-credential-idc -n "__fish_git_credential_idc_using_subcommand service-account; and __fish_seen_subcommand_from export-key" -l force -d 'Replace an existing file'
complete -c git-credential-idc -n "__fish_git_credential_idc_using_subcommand service-account; and __fish_seen_subcommand_from export-key" -s h -l help -d 'Print help'
complete -c git-credential-idc -n "__fish_git_credential_idc_using_subcommand service-account; and __fish_seen_subcommand_from help" -f -a "create" -d 'Create a service account (key pair made here, private key kept in the credential store) and a profile NAME that logs in with it'
complete -c git-credential-idc -n "__fish_git_credential_idc_using_subcommand service-account; and __fish_seen_subcommand_from help" -f -a "list" -d 'List the tenant\'s service accounts and the local profiles that log in as them'
complete -c git-credential-idc -n "__fish_git_credential_idc_using_subcommand service-account; and __fish_seen_subcommand_from help" -f -a "delete" -d 'Delete a service account at the tenant, its stored key and its profile'
complete -c git-credential-idc -n "__fish_git_credential_idc_using_subcommand service-account; and __fish_seen_subcommand_from help" -f -a "export-key" -d 'Write a service account\'s private key to a new file (mode 0600) for CI'
complete -c git-credential-idc -n "__fish_git_credential_idc_using_subcommand service-account; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c git-credential-idc -n "__fish_git_credential_idc_using_subcommand completions" -s h -l help -d 'Print help'
complete -c git-credential-idc -n "__fish_git_credential_idc_using_subcommand help; and not __fish_seen_subcommand_from get store erase capability login logout token header curl-config httpie-session status profile service-account completions help" -f -a "get" -d 'git credential protocol: answer git\'s request on stdin'
complete -c git-credential-idc -n "__fish_git_credential_idc_using_subcommand help; and not __fish_seen_subcommand_from get store erase capability login logout token header curl-config httpie-session status profile service-account completions help" -f -a "store" -d 'git credential protocol: git reports a credential that worked (nothing to keep)'
complete -c git-credential-idc -n "__fish_git_credential_idc_using_subcommand help; and not __fish_seen_subcommand_from get store erase capability login logout token header curl-config httpie-session status profile service-account completions help" -f -a "erase" -d 'git credential protocol: git reports a credential that failed; renew ours next time'
complete -c git-credential-idc -n "__fish_git_credential_idc_using_subcommand help; and not __fish_seen_subcommand_from get store erase capability login logout token header curl-config httpie-session status profile service-account completions help" -f -a "capability" -d 'git credential protocol: announce the capabilities this helper understands'
complete -c git-credential-idc -n "__fish_git_credential_idc_using_subcommand help; and not __fish_seen_subcommand_from get store erase capability login logout token header curl-config httpie-session status profile service-account completions help" -f -a "login" -d 'Log in to a tenant and cache the credential (the logins of `idc login`)'
complete -c git-credential-idc -n "__fish_git_credential_idc_using_subcommand help; and not __fish_seen_subcommand_from get store erase capability login logout token header curl-config httpie-session status profile service-account completions help" -f -a "logout" -d 'End the session and remove the profile\'s cached credentials'
complete -c git-credential-idc -n "__fish_git_credential_idc_using_subcommand help; and not __fish_seen_subcommand_from get store erase capability login logout token header curl-config httpie-session status profile service-account completions help" -f -a "token" -d 'Print the credential (bare token, or JSON)'
complete -c git-credential-idc -n "__fish_git_credential_idc_using_subcommand help; and not __fish_seen_subcommand_from get store erase capability login logout token header curl-config httpie-session status profile service-account completions help" -f -a "header" -d 'Print one `Name: value` header line for URL'
complete -c git-credential-idc -n "__fish_git_credential_idc_using_subcommand help; and not __fish_seen_subcommand_from get store erase capability login logout token header curl-config httpie-session status profile service-account completions help" -f -a "curl-config" -d 'Print curl config lines for URL: `curl -K <(git-credential-idc curl-config URL) URL`'
complete -c git-credential-idc -n "__fish_git_credential_idc_using_subcommand help; and not __fish_seen_subcommand_from get store erase capability login logout token header curl-config httpie-session status profile service-account completions help" -f -a "httpie-session" -d 'Print an httpie/xh session for URL: `http --session-read-only=<(...) GET URL`'
complete -c git-credential-idc -n "__fish_git_credential_idc_using_subcommand help; and not __fish_seen_subcommand_from get store erase capability login logout token header curl-config httpie-session status profile service-account completions help" -f -a "status" -d 'Show every profile, its tenant and whether its credential is valid (`*`: the default)'
complete -c git-credential-idc -n "__fish_git_credential_idc_using_subcommand help; and not __fish_seen_subcommand_from get store erase capability login logout token header curl-config httpie-session status profile service-account completions help" -f -a "profile" -d 'Choose the default profile, or remove a profile'
complete -c git-credential-idc -n "__fish_git_credential_idc_using_subcommand help; and not __fish_seen_subcommand_from get store erase capability login logout token header curl-config httpie-session status profile service-account completions help" -f -a "service-account" -d 'Service accounts for scripts and CI, with an administrator\'s login'
complete -c git-credential-idc -n "__fish_git_credential_idc_using_subcommand help; and not __fish_seen_subcommand_from get store erase capability login logout token header curl-config httpie-session status profile service-account completions help" -f -a "completions" -d 'Print the completion script for a shell'
complete -c git-credential-idc -n "__fish_git_credential_idc_using_subcommand help; and not __fish_seen_subcommand_from get store erase capability login logout token header curl-config httpie-session status profile service-account completions help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c git-credential-idc -n "__fish_git_credential_idc_using_subcommand help; and __fish_seen_subcommand_from profile" -f -a "default" -d 'Make NAME the profile used when no --profile or $IDC_PROFILE names one'
complete -c git-credential-idc -n "__fish_git_credential_idc_using_subcommand help; and __fish_seen_subcommand_from profile" -f -a "remove" -d 'Log NAME out (its credentials removed, a session ended) and remove it from config.toml'
complete -c git-credential-idc -n "__fish_git_credential_idc_using_subcommand help; and __fish_seen_subcommand_from service-account" -f -a "create" -d 'Create a service account (key pair made here, private key kept in the credential store) and a profile NAME that logs in with it'
complete -c git-credential-idc -n "__fish_git_credential_idc_using_subcommand help; and __fish_seen_subcommand_from service-account" -f -a "list" -d 'List the tenant\'s service accounts and the local profiles that log in as them'
complete -c git-credential-idc -n "__fish_git_credential_idc_using_subcommand help; and __fish_seen_subcommand_from service-account" -f -a "delete" -d 'Delete a service account at the tenant, its stored key and its profile'
complete -c git-credential-idc -n "__fish_git_credential_idc_using_subcommand help; and __fish_seen_subcommand_from service-account" -f -a "export-key" -d 'Write a service account\'s private key to a new file (mode 0600) for CI'

# git-credential-idc: tenant URLs and endpoint paths of your idc profiles.
complete -c git-credential-idc -n "__fish_seen_subcommand_from header curl-config httpie-session" -f -a "(git-credential-idc complete-url (commandline -ct))"
