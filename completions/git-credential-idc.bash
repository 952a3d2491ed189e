_git__credential__idc() {
    local i cur prev opts cmd
    COMPREPLY=()
    if [[ "${BASH_VERSINFO[0]}" -ge 4 ]]; then
        cur="$2"
    else
        cur="${COMP_WORDS[COMP_CWORD]}"
    fi
    prev="$3"
    cmd=""
    opts=""

    for i in "${COMP_WORDS[@]:0:COMP_CWORD}"
    do
        case "${cmd},${i}" in
            ",$1")
                cmd="git__credential__idc"
                ;;
            git__credential__idc,capability)
                cmd="git__credential__idc__subcmd__capability"
                ;;
            git__credential__idc,completions)
                cmd="git__credential__idc__subcmd__completions"
                ;;
            git__credential__idc,curl-config)
                cmd="git__credential__idc__subcmd__curl__subcmd__config"
                ;;
            git__credential__idc,erase)
                cmd="git__credential__idc__subcmd__erase"
                ;;
            git__credential__idc,get)
                cmd="git__credential__idc__subcmd__get"
                ;;
            git__credential__idc,header)
                cmd="git__credential__idc__subcmd__header"
                ;;
            git__credential__idc,help)
                cmd="git__credential__idc__subcmd__help"
                ;;
            git__credential__idc,httpie-session)
                cmd="git__credential__idc__subcmd__httpie__subcmd__session"
                ;;
            git__credential__idc,login)
                cmd="git__credential__idc__subcmd__login"
                ;;
            git__credential__idc,logout)
                cmd="git__credential__idc__subcmd__logout"
                ;;
            git__credential__idc,profile)
                cmd="git__credential__idc__subcmd__profile"
                ;;
            git__credential__idc,service-account)
                cmd="git__credential__idc__subcmd__service__subcmd__account"
                ;;
            git__credential__idc,status)
                cmd="git__credential__idc__subcmd__status"
                ;;
            git__credential__idc,store)
                cmd="git__credential__idc__subcmd__store"
                ;;
            git__credential__idc,token)
                cmd="git__credential__idc__subcmd__token"
                ;;
            git__credential__idc__subcmd__help,capability)
                cmd="git__credential__idc__subcmd__help__subcmd__capability"
                ;;
            git__credential__idc__subcmd__help,completions)
                cmd="git__credential__idc__subcmd__help__subcmd__completions"
                ;;
            git__credential__idc__subcmd__help,curl-config)
                cmd="git__credential__idc__subcmd__help__subcmd__curl__subcmd__config"
                ;;
            git__credential__idc__subcmd__help,erase)
                cmd="git__credential__idc__subcmd__help__subcmd__erase"
                ;;
            git__credential__idc__subcmd__help,get)
                cmd="git__credential__idc__subcmd__help__subcmd__get"
                ;;
            git__credential__idc__subcmd__help,header)
                cmd="git__credential__idc__subcmd__help__subcmd__header"
                ;;
            git__credential__idc__subcmd__help,help)
                cmd="git__credential__idc__subcmd__help__subcmd__help"
                ;;
            git__credential__idc__subcmd__help,httpie-session)
                cmd="git__credential__idc__subcmd__help__subcmd__httpie__subcmd__session"
                ;;
            git__credential__idc__subcmd__help,login)
                cmd="git__credential__idc__subcmd__help__subcmd__login"
                ;;
            git__credential__idc__subcmd__help,logout)
                cmd="git__credential__idc__subcmd__help__subcmd__logout"
                ;;
            git__credential__idc__subcmd__help,profile)
                cmd="git__credential__idc__subcmd__help__subcmd__profile"
                ;;
            git__credential__idc__subcmd__help,service-account)
                cmd="git__credential__idc__subcmd__help__subcmd__service__subcmd__account"
                ;;
            git__credential__idc__subcmd__help,status)
                cmd="git__credential__idc__subcmd__help__subcmd__status"
                ;;
            git__credential__idc__subcmd__help,store)
                cmd="git__credential__idc__subcmd__help__subcmd__store"
                ;;
            git__credential__idc__subcmd__help,token)
                cmd="git__credential__idc__subcmd__help__subcmd__token"
                ;;
            git__credential__idc__subcmd__help__subcmd__profile,default)
                cmd="git__credential__idc__subcmd__help__subcmd__profile__subcmd__default"
                ;;
            git__credential__idc__subcmd__help__subcmd__profile,remove)
                cmd="git__credential__idc__subcmd__help__subcmd__profile__subcmd__remove"
                ;;
            git__credential__idc__subcmd__help__subcmd__service__subcmd__account,create)
                cmd="git__credential__idc__subcmd__help__subcmd__service__subcmd__account__subcmd__create"
                ;;
            git__credential__idc__subcmd__help__subcmd__service__subcmd__account,delete)
                cmd="git__credential__idc__subcmd__help__subcmd__service__subcmd__account__subcmd__delete"
                ;;
            git__credential__idc__subcmd__help__subcmd__service__subcmd__account,export-key)
                cmd="git__credential__idc__subcmd__help__subcmd__service__subcmd__account__subcmd__export__subcmd__key"
                ;;
            git__credential__idc__subcmd__help__subcmd__service__subcmd__account,list)
                cmd="git__credential__idc__subcmd__help__subcmd__service__subcmd__account__subcmd__list"
                ;;
            git__credential__idc__subcmd__profile,default)
                cmd="git__credential__idc__subcmd__profile__subcmd__default"
                ;;
            git__credential__idc__subcmd__profile,help)
                cmd="git__credential__idc__subcmd__profile__subcmd__help"
                ;;
            git__credential__idc__subcmd__profile,remove)
                cmd="git__credential__idc__subcmd__profile__subcmd__remove"
                ;;
            git__credential__idc__subcmd__profile__subcmd__help,default)
                cmd="git__credential__idc__subcmd__profile__subcmd__help__subcmd__default"
                ;;
            git__credential__idc__subcmd__profile__subcmd__help,help)
                cmd="git__credential__idc__subcmd__profile__subcmd__help__subcmd__help"
                ;;
            git__credential__idc__subcmd__profile__subcmd__help,remove)
                cmd="git__credential__idc__subcmd__profile__subcmd__help__subcmd__remove"
                ;;
            git__credential__idc__subcmd__service__subcmd__account,create)
                cmd="git__credential__idc__subcmd__service__subcmd__account__subcmd__create"
                ;;
            git__credential__idc__subcmd__service__subcmd__account,delete)
                cmd="git__credential__idc__subcmd__service__subcmd__account__subcmd__delete"
                ;;
            git__credential__idc__subcmd__service__subcmd__account,export-key)
                cmd="git__credential__idc__subcmd__service__subcmd__account__subcmd__export__subcmd__key"
                ;;
            git__credential__idc__subcmd__service__subcmd__account,help)
                cmd="git__credential__idc__subcmd__service__subcmd__account__subcmd__help"
                ;;
            git__credential__idc__subcmd__service__subcmd__account,list)
                cmd="git__credential__idc__subcmd__service__subcmd__account__subcmd__list"
                ;;
            git__credential__idc__subcmd__service__subcmd__account__subcmd__help,create)
                cmd="git__credential__idc__subcmd__service__subcmd__account__subcmd__help__subcmd__create"
                ;;
            git__credential__idc__subcmd__service__subcmd__account__subcmd__help,delete)
                cmd="git__credential__idc__subcmd__service__subcmd__account__subcmd__help__subcmd__delete"
                ;;
            git__credential__idc__subcmd__service__subcmd__account__subcmd__help,export-key)
                cmd="git__credential__idc__subcmd__service__subcmd__account__subcmd__help__subcmd__export__subcmd__key"
                ;;
            git__credential__idc__subcmd__service__subcmd__account__subcmd__help,help)
                cmd="git__credential__idc__subcmd__service__subcmd__account__subcmd__help__subcmd__help"
                ;;
            git__credential__idc__subcmd__service__subcmd__account__subcmd__help,list)
                cmd="git__credential__idc__subcmd__service__subcmd__account__subcmd__help__subcmd__list"
                ;;
            *)
                ;;
        esac
    done

    case "${cmd}" in
        git__credential__idc)
            opts="-h -V --help --version get store erase capability login logout token header curl-config httpie-session status profile service-account completions help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 1 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        git__credential__idc__subcmd__capability)
            opts="-h --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        git__credential__idc__subcmd__completions)
            opts="-h --help bash zsh fish nushell"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        git__credential__idc__subcmd__curl__subcmd__config)
            opts="-h --profile --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --profile)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        git__credential__idc__subcmd__erase)
            opts="-h --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        git__credential__idc__subcmd__get)
            opts="-h --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        git__credential__idc__subcmd__header)
            opts="-h --profile --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --profile)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        git__credential__idc__subcmd__help)
            opts="get store erase capability login logout token header curl-config httpie-session status profile service-account completions help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        git__credential__idc__subcmd__help__subcmd__capability)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        git__credential__idc__subcmd__help__subcmd__completions)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        git__credential__idc__subcmd__help__subcmd__curl__subcmd__config)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        git__credential__idc__subcmd__help__subcmd__erase)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        git__credential__idc__subcmd__help__subcmd__get)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        git__credential__idc__subcmd__help__subcmd__header)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        git__credential__idc__subcmd__help__subcmd__help)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        git__credential__idc__subcmd__help__subcmd__httpie__subcmd__session)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        git__credential__idc__subcmd__help__subcmd__login)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        git__credential__idc__subcmd__help__subcmd__logout)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        git__credential__idc__subcmd__help__subcmd__profile)
            opts="default remove"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        git__credential__idc__subcmd__help__subcmd__profile__subcmd__default)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        git__credential__idc__subcmd__help__subcmd__profile__subcmd__remove)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        git__credential__idc__subcmd__help__subcmd__service__subcmd__account)
            opts="create list delete export-key"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        git__credential__idc__subcmd__help__subcmd__service__subcmd__account__subcmd__create)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        git__credential__idc__subcmd__help__subcmd__service__subcmd__account__subcmd__delete)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        git__credential__idc__subcmd__help__subcmd__service__subcmd__account__subcmd__export__subcmd__key)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        git__credential__idc__subcmd__help__subcmd__service__subcmd__account__subcmd__list)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        git__credential__idc__subcmd__help__subcmd__status)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        git__credential__idc__subcmd__help__subcmd__store)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        git__credential__idc__subcmd__help__subcmd__token)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        git__credential__idc__subcmd__httpie__subcmd__session)
            opts="-h --profile --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --profile)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        git__credential__idc__subcmd__login)
            opts="-p -h --profile --tenant --realm --service-account --jwk --scopes --scope --username --journey --zero-page --tier --ca-cert --password-stdin --password-file --client-id --browser --device --redirect-port --timeout --no-browser --session-cookie --secret-stdin --secret-file --log-api-key --create-log-api-key --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --profile)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                -p)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --tenant)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --realm)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --service-account)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --jwk)
                    local oldifs
                    if [ -n "${IFS+x}" ]; then
                        oldifs="$IFS"
                    fi
                    IFS=$'\n'
                    COMPREPLY=($(compgen -f "${cur}"))
                    if [ -n "${oldifs+x}" ]; then
                        IFS="$oldifs"
                    fi
                    if [[ "${BASH_VERSINFO[0]}" -ge 4 ]]; then
                        compopt -o filenames
                    fi
                    return 0
                    ;;
                --scope)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --scopes)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --username)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --journey)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --tier)
                    COMPREPLY=($(compgen -W "sandbox development staging production" -- "${cur}"))
                    return 0
                    ;;
                --ca-cert)
                    local oldifs
                    if [ -n "${IFS+x}" ]; then
                        oldifs="$IFS"
                    fi
                    IFS=$'\n'
                    COMPREPLY=($(compgen -f "${cur}"))
                    if [ -n "${oldifs+x}" ]; then
                        IFS="$oldifs"
                    fi
                    if [[ "${BASH_VERSINFO[0]}" -ge 4 ]]; then
                        compopt -o filenames
                    fi
                    return 0
                    ;;
                --password-file)
                    local oldifs
                    if [ -n "${IFS+x}" ]; then
                        oldifs="$IFS"
                    fi
                    IFS=$'\n'
                    COMPREPLY=($(compgen -f "${cur}"))
                    if [ -n "${oldifs+x}" ]; then
                        IFS="$oldifs"
                    fi
                    if [[ "${BASH_VERSINFO[0]}" -ge 4 ]]; then
                        compopt -o filenames
                    fi
                    return 0
                    ;;
                --client-id)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --redirect-port)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --timeout)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --secret-file)
                    local oldifs
                    if [ -n "${IFS+x}" ]; then
                        oldifs="$IFS"
                    fi
                    IFS=$'\n'
                    COMPREPLY=($(compgen -f "${cur}"))
                    if [ -n "${oldifs+x}" ]; then
                        IFS="$oldifs"
                    fi
                    if [[ "${BASH_VERSINFO[0]}" -ge 4 ]]; then
                        compopt -o filenames
                    fi
                    return 0
                    ;;
                --log-api-key)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        git__credential__idc__subcmd__logout)
            opts="-h --profile --end-session --delete-log-key --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --profile)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        git__credential__idc__subcmd__profile)
            opts="-h --help default remove help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        git__credential__idc__subcmd__profile__subcmd__default)
            opts="-h --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        git__credential__idc__subcmd__profile__subcmd__help)
            opts="default remove help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        git__credential__idc__subcmd__profile__subcmd__help__subcmd__default)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        git__credential__idc__subcmd__profile__subcmd__help__subcmd__help)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        git__credential__idc__subcmd__profile__subcmd__help__subcmd__remove)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        git__credential__idc__subcmd__profile__subcmd__remove)
            opts="-h --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        git__credential__idc__subcmd__service__subcmd__account)
            opts="-h --help create list delete export-key help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        git__credential__idc__subcmd__service__subcmd__account__subcmd__create)
            opts="-y -h --scope --scopes --description --profile --yes --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --scopes)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --scope)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --description)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --profile)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        git__credential__idc__subcmd__service__subcmd__account__subcmd__delete)
            opts="-y -h --profile --yes --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --profile)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        git__credential__idc__subcmd__service__subcmd__account__subcmd__export__subcmd__key)
            opts="-h --force --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        git__credential__idc__subcmd__service__subcmd__account__subcmd__help)
            opts="create list delete export-key help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        git__credential__idc__subcmd__service__subcmd__account__subcmd__help__subcmd__create)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        git__credential__idc__subcmd__service__subcmd__account__subcmd__help__subcmd__delete)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        git__credential__idc__subcmd__service__subcmd__account__subcmd__help__subcmd__export__subcmd__key)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        git__credential__idc__subcmd__service__subcmd__account__subcmd__help__subcmd__help)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        git__credential__idc__subcmd__service__subcmd__account__subcmd__help__subcmd__list)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        git__credential__idc__subcmd__service__subcmd__account__subcmd__list)
            opts="-h --profile --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --profile)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        git__credential__idc__subcmd__status)
            opts="-h --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        git__credential__idc__subcmd__store)
            opts="-h --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        git__credential__idc__subcmd__token)
            opts="-h --profile --format --path --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --profile)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --format)
                    COMPREPLY=($(compgen -W "text json" -- "${cur}"))
                    return 0
                    ;;
                --path)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
    esac
}

if [[ "${BASH_VERSINFO[0]}" -eq 4 && "${BASH_VERSINFO[1]}" -ge 4 || "${BASH_VERSINFO[0]}" -gt 4 ]]; then
    complete -F _git__credential__idc -o nosort -o bashdefault -o default git-credential-idc
else
    complete -F _git__credential__idc -o bashdefault -o default git-credential-idc
fi

# git-credential-idc: complete the URL of header, curl-config and httpie-session with the
# tenant URLs and endpoint paths of your idc profiles, and the values of --profile,
# --tenant and --path with what idc knows.

# COMPREPLY from `git-credential-idc ARGS... WORD`. Bash splits words at ':'
# (COMP_WORDBREAKS), so for a WORD with a ':' only the part after its last ':' is handed back.
_git_credential_idc_reply() {
    local current=${!#}
    local -a values=()
    mapfile -t values < <(git-credential-idc "$@" 2>/dev/null)
    if [[ "$current" == *:* && "$COMP_WORDBREAKS" == *:* ]]; then
        local head=${current%"${current##*:}"}
        values=("${values[@]#"$head"}")
    fi
    COMPREPLY=("${values[@]}")
}

_git_credential_idc_with_urls() {
    local line=${COMP_LINE:0:${COMP_POINT:-0}}
    local -a words=()
    read -r -a words <<< "$line"
    local current=""
    if [[ ${#words[@]} -gt 0 && ! "$line" =~ [[:space:]]$ ]]; then
        current=${words[${#words[@]}-1]}
    fi
    local previous=""
    if [[ -n "$current" && ${#words[@]} -ge 2 ]]; then
        previous=${words[${#words[@]}-2]}
    elif [[ -z "$current" && ${#words[@]} -ge 1 ]]; then
        previous=${words[${#words[@]}-1]}
    fi
    # Profile names, tenant URLs and endpoint paths idc knows: never file names.
    local flag=""
    case "$previous" in
        --profile|-p) flag=profile ;;
        --tenant) flag=tenant ;;
        --path) flag=path ;;
    esac
    if [[ -n "$flag" ]]; then
        _git_credential_idc_reply complete-flag "$flag" "$current"
        compopt +o default +o bashdefault 2>/dev/null
        return 0
    fi
    case "${words[1]:-}" in
        header|curl-config|httpie-session)
            if [[ "$current" != -* ]]; then
                _git_credential_idc_reply complete-url "$current"
                compopt -o nospace 2>/dev/null
                return 0
            fi
            ;;
    esac
    _git__credential__idc "$@"
}
complete -F _git_credential_idc_with_urls -o bashdefault -o default git-credential-idc
