# Usage: zsh -f capture.zsh COMPDIR "command line"  → one completion per line.
zmodload zsh/zpty || exit 1
compdir=$1; shift
zpty z zsh -f -i
local line
setopt rcquotes
init=$(mktemp)
cat > $init <<INIT
PROMPT=
fpath=($compdir \$fpath)
autoload -U compinit
compinit -u -D
bindkey '^I' complete-word
null-line () { echo -E - \$'\0' }
compprefuncs=( null-line )
comppostfuncs=( null-line exit )
zstyle ':completion:*' list-grouped false
zstyle ':completion:*' insert-tab false
compadd () {
    if [[ \${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then
        builtin compadd "\$@"
        return \$?
    fi
    typeset -a __hits
    builtin compadd -A __hits "\$@"
    local ret=\$?
    local h
    for h in \$__hits; do echo -E - "\$h"; done
    return \$ret
}
echo ok
INIT
zpty -w z "source $init"
repeat 10; do
    zpty -r z line
    [[ $line == ok* ]] && break
done
zpty -w z "$*"$'\t'
integer tog=0
while zpty -r z line; do
    if [[ $line == *$'\0'* ]]; then
        (( tog++ )) && break || continue
    fi
    (( tog )) && print -r -- "${line%$'\r'}"
done
rm -f $init
