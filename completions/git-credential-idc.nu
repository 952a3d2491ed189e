module completions {

  # Tenant URLs and endpoint paths of your idc profiles.
  def "nu-complete git-credential-idc url" [context: string] {
    let word = ($context | split row ' ' | last)
    ^git-credential-idc complete-url $word | lines
  }

  # Profile names, tenant URLs and endpoint paths of your idc profiles (never file names).
  def "nu-complete git-credential-idc profile" [] {
    ^git-credential-idc complete-flag profile | lines
  }

  def "nu-complete git-credential-idc tenant" [] {
    ^git-credential-idc complete-flag tenant | lines
  }

  def "nu-complete git-credential-idc path" [context: string] {
    let word = ($context | split row ' ' | last)
    ^git-credential-idc complete-flag path $word | lines
  }

  # Hands idc's cached credential to git, curl, httpie and xh, so no token is ever pasted on a command line
  export extern git-credential-idc [
    --help(-h)                # Print help
    --version(-V)             # Print version
  ]

  # git credential protocol: answer git's request on stdin
  export extern "git-credential-idc get" [
    --help(-h)                # Print help
  ]

  # git credential protocol: git reports a credential that worked (nothing to keep)
  export extern "git-credential-idc store" [
    --help(-h)                # Print help
  ]

  # git credential protocol: git reports a credential that failed; renew ours next time
  export extern "git-credential-idc erase" [
    --help(-h)                # Print help
  ]

  # git credential protocol: announce the capabilities this helper understands
  export extern "git-credential-idc capability" [
    --help(-h)                # Print help
  ]

  def "nu-complete git-credential-idc login tier" [] {
    [ "sandbox" "development" "staging" "production" ]
  }

  # Log in to a tenant and cache the credential (the logins of `idc login`)
  export extern "git-credential-idc login" [
    --profile(-p): string@"nu-complete git-credential-idc profile"     # Profile name to create or update (-p, as in `idc login`)
    --tenant: string@"nu-complete git-credential-idc tenant"          # Tenant URL, e.g. https://openam-acme.forgeblocks.com
    --realm: string           # Realm of the identities (default: alpha); for a session, the login realm (default: root, as administrators log in)
    --service-account: string # Service account id (JWT bearer login)
    --jwk: path               # Path of the service account's private JWK (alone: a new key for a saved service-account profile)
    --scope: string           # Requested scopes, one space-separated string: "fr:am:* fr:idm:*"
    --scopes: string          # Requested scopes, one space-separated string: "fr:am:* fr:idm:*"
    --username: string        # User name (session login through the callbacks journey); remembered in the profile
    --journey: string         # Authentication journey (session login)
    --zero-page               # Send the user name and password as headers in one request instead of filling the journey's callbacks (session login)
    --tier: string@"nu-complete git-credential-idc login tier" # The tenant's tier (writes to production need --yes); kept in the profile
    --ca-cert: path           # PEM bundle of CAs to trust for this tenant besides the system's (private CA, TLS-inspecting proxy); kept in the profile
    --password-stdin          # Read a session login's password from stdin (without it or --password-file, a terminal is asked, unechoed)
    --password-file: path     # Read a session login's password from a file
    --client-id: string       # OAuth client id: client credentials login (its secret kept, so a login again needs neither), or with --browser/--device the tenant's public client for command-line logins; remembered in the profile
    --browser                 # Log in in a browser (authorization code + PKCE, redirect to http://127.0.0.1:PORT/callback)
    --device                  # Log in with a code entered in a browser anywhere (device authorization, RFC 8628)
    --redirect-port: string   # Browser login: the loopback redirect's port (default: a free one); remembered in the profile
    --timeout: string         # Browser and device logins: give up after SECS seconds (default: 300)
    --no-browser              # Browser login: print the login page's URL only, open no browser
    --session-cookie          # Hand over the admin console's session: its cookie (the value, name=value, or a whole Cookie: line) is read from stdin, or from --secret-file
    --secret-stdin            # Read the client secret, the log API key's secret or the session cookie from stdin
    --secret-file: path       # Read the client secret, the log API key's secret or the session cookie from a file
    --log-api-key: string     # Add this log API key id to the profile (the secret from --secret-stdin or --secret-file)
    --create-log-api-key      # Create a log API key with the profile's administrator session and keep it
    --help(-h)                # Print help (see more with '--help')
  ]

  # End the session and remove the profile's cached credentials
  export extern "git-credential-idc logout" [
    --profile: string@"nu-complete git-credential-idc profile"         # Profile name (default: $IDC_PROFILE, else the default profile)
    --end-session             # Also end an admin console session handed over (--session-cookie) at the tenant, which signs the console out
    --delete-log-key          # Delete the profile's log API key at the tenant first (one made by --create-log-api-key otherwise stays there)
    --help(-h)                # Print help
  ]

  def "nu-complete git-credential-idc token format" [] {
    [ "text" "json" ]
  }

  # Print the credential (bare token, or JSON)
  export extern "git-credential-idc token" [
    --profile: string@"nu-complete git-credential-idc profile"         # Profile name (default: $IDC_PROFILE, else the default profile)
    --format: string@"nu-complete git-credential-idc token format" # Output format
    --path: string@"nu-complete git-credential-idc path"            # The endpoint path the credential is for (default: the session for session profiles, the bearer token otherwise)
    --help(-h)                # Print help (see more with '--help')
  ]

  # Print one `Name: value` header line for URL
  export extern "git-credential-idc header" [
    --profile: string@"nu-complete git-credential-idc profile"         # Profile name (default: the profile whose tenant matches URL)
    --help(-h)                # Print help
    url?: string@"nu-complete git-credential-idc url"              # The URL the request goes to: picks the profile (scheme, host, port) and the credential for its path
  ]

  # Print curl config lines for URL: `curl -K <(git-credential-idc curl-config URL) URL`
  export extern "git-credential-idc curl-config" [
    --profile: string@"nu-complete git-credential-idc profile"         # Profile name (default: the profile whose tenant matches URL)
    --help(-h)                # Print help
    url?: string@"nu-complete git-credential-idc url"              # The URL the request goes to: picks the profile (scheme, host, port) and the credential for its path
  ]

  # Print an httpie/xh session for URL: `http --session-read-only=<(...) GET URL`
  export extern "git-credential-idc httpie-session" [
    --profile: string@"nu-complete git-credential-idc profile"         # Profile name (default: the profile whose tenant matches URL)
    --help(-h)                # Print help
    url?: string@"nu-complete git-credential-idc url"              # The URL the request goes to: picks the profile (scheme, host, port) and the credential for its path
  ]

  # Show every profile, its tenant and whether its credential is valid (`*`: the default)
  export extern "git-credential-idc status" [
    --help(-h)                # Print help
  ]

  # Choose the default profile, or remove a profile
  export extern "git-credential-idc profile" [
    --help(-h)                # Print help
  ]

  # Make NAME the profile used when no --profile or $IDC_PROFILE names one
  export extern "git-credential-idc profile default" [
    --help(-h)                # Print help
    name: string              # The profile
  ]

  # Log NAME out (its credentials removed, a session ended) and remove it from config.toml
  export extern "git-credential-idc profile remove" [
    --help(-h)                # Print help
    name: string              # The profile
  ]

  # Print this message or the help of the given subcommand(s)
  export extern "git-credential-idc profile help" [
  ]

  # Make NAME the profile used when no --profile or $IDC_PROFILE names one
  export extern "git-credential-idc profile help default" [
  ]

  # Log NAME out (its credentials removed, a session ended) and remove it from config.toml
  export extern "git-credential-idc profile help remove" [
  ]

  # Print this message or the help of the given subcommand(s)
  export extern "git-credential-idc profile help help" [
  ]

  # Service accounts for scripts and CI, with an administrator's login
  export extern "git-credential-idc service-account" [
    --help(-h)                # Print help
  ]

  # Create a service account (key pair made here, private key kept in the credential store) and a profile NAME that logs in with it
  export extern "git-credential-idc service-account create" [
    --scopes: string          # Scopes the account may grant, one space-separated string: "fr:idm:* fr:am:*"
    --scope: string           # Scopes the account may grant, one space-separated string: "fr:idm:* fr:am:*"
    --description: string     # The account's description at the tenant
    --profile: string@"nu-complete git-credential-idc profile"         # The administrator's profile (default: $IDC_PROFILE, else the default profile)
    --yes(-y)                 # Consent to write to a production tenant (IDC_ASSUME_YES=1 also serves)
    --help(-h)                # Print help
    name: string              # The account's name at the tenant, and the new profile's
  ]

  # List the tenant's service accounts and the local profiles that log in as them
  export extern "git-credential-idc service-account list" [
    --profile: string@"nu-complete git-credential-idc profile"         # Profile name (default: $IDC_PROFILE, else the default profile)
    --help(-h)                # Print help
  ]

  # Delete a service account at the tenant, its stored key and its profile
  export extern "git-credential-idc service-account delete" [
    --profile: string@"nu-complete git-credential-idc profile"         # The administrator's profile (default: $IDC_PROFILE, else the default profile)
    --yes(-y)                 # Consent to write to a production tenant (IDC_ASSUME_YES=1 also serves)
    --help(-h)                # Print help
    name: string              # The account's name
  ]

  # Write a service account's private key to a new file (mode 0600) for CI
  export extern "git-credential-idc service-account export-key" [
    --force                   # Replace an existing file
    --help(-h)                # Print help
    name: string              # The service account's profile (made by `service-account create`)
    path: path                # The file to write (it must not exist, unless --force)
  ]

  # Print this message or the help of the given subcommand(s)
  export extern "git-credential-idc service-account help" [
  ]

  # Create a service account (key pair made here, private key kept in the credential store) and a profile NAME that logs in with it
  export extern "git-credential-idc service-account help create" [
  ]

  # List the tenant's service accounts and the local profiles that log in as them
  export extern "git-credential-idc service-account help list" [
  ]

  # Delete a service account at the tenant, its stored key and its profile
  export extern "git-credential-idc service-account help delete" [
  ]

  # Write a service account's private key to a new file (mode 0600) for CI
  export extern "git-credential-idc service-account help export-key" [
  ]

  # Print this message or the help of the given subcommand(s)
  export extern "git-credential-idc service-account help help" [
  ]

  def "nu-complete git-credential-idc completions shell" [] {
    [ "bash" "zsh" "fish" "nushell" ]
  }

  # Print the completion script for a shell
  export extern "git-credential-idc completions" [
    --help(-h)                # Print help
    shell: string@"nu-complete git-credential-idc completions shell"
  ]

  # Print this message or the help of the given subcommand(s)
  export extern "git-credential-idc help" [
  ]

  # git credential protocol: answer git's request on stdin
  export extern "git-credential-idc help get" [
  ]

  # git credential protocol: git reports a credential that worked (nothing to keep)
  export extern "git-credential-idc help store" [
  ]

  # git credential protocol: git reports a credential that failed; renew ours next time
  export extern "git-credential-idc help erase" [
  ]

  # git credential protocol: announce the capabilities this helper understands
  export extern "git-credential-idc help capability" [
  ]

  # Log in to a tenant and cache the credential (the logins of `idc login`)
  export extern "git-credential-idc help login" [
  ]

  # End the session and remove the profile's cached credentials
  export extern "git-credential-idc help logout" [
  ]

  # Print the credential (bare token, or JSON)
  export extern "git-credential-idc help token" [
  ]

  # Print one `Name: value` header line for URL
  export extern "git-credential-idc help header" [
  ]

  # Print curl config lines for URL: `curl -K <(git-credential-idc curl-config URL) URL`
  export extern "git-credential-idc help curl-config" [
  ]

  # Print an httpie/xh session for URL: `http --session-read-only=<(...) GET URL`
  export extern "git-credential-idc help httpie-session" [
  ]

  # Show every profile, its tenant and whether its credential is valid (`*`: the default)
  export extern "git-credential-idc help status" [
  ]

  # Choose the default profile, or remove a profile
  export extern "git-credential-idc help profile" [
  ]

  # Make NAME the profile used when no --profile or $IDC_PROFILE names one
  export extern "git-credential-idc help profile default" [
  ]

  # Log NAME out (its credentials removed, a session ended) and remove it from config.toml
  export extern "git-credential-idc help profile remove" [
  ]

  # Service accounts for scripts and CI, with an administrator's login
  export extern "git-credential-idc help service-account" [
  ]

  # Create a service account (key pair made here, private key kept in the credential store) and a profile NAME that logs in with it
  export extern "git-credential-idc help service-account create" [
  ]

  # List the tenant's service accounts and the local profiles that log in as them
  export extern "git-credential-idc help service-account list" [
  ]

  # Delete a service account at the tenant, its stored key and its profile
  export extern "git-credential-idc help service-account delete" [
  ]

  # Write a service account's private key to a new file (mode 0600) for CI
  export extern "git-credential-idc help service-account export-key" [
  ]

  # Print the completion script for a shell
  export extern "git-credential-idc help completions" [
  ]

  # Print this message or the help of the given subcommand(s)
  export extern "git-credential-idc help help" [
  ]

}

export use completions *
