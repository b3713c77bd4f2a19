#!/usr/bin/env bash
# Packaging: a release tree of its own, then
# - `cmake --install` lays out binaries, man pages, units, completions and examples (no /etc);
# - `cpack -G DEB` makes exactly tiendo-collector, tiendo-agent and tiendo-cli, each with the
#   files of its role and nothing else, Depends covering every library its binaries need,
#   the examples as conffiles, and maintainer scripts that create users and start nothing;
# - what the packages hold works: the binaries' versions match the packages'; the units pass
#   `systemd-analyze verify` without a word and keep their hardening; every man page renders
#   without a warning and names every option of its program's --help; the completions offer
#   every command and option of --help; the example configurations carry every key, and the
#   packaged collector (run --config collector.ini), agent (agent.ini) and CLI deliver and
#   answer the status file of tiendo-status(5)'s own example.
. "$(dirname "$0")/lib.sh"
for tool in cpack dpkg-deb dpkg-shlibdeps file readelf systemd-analyze man groff; do
    command -v "$tool" >/dev/null || fail "$tool is missing (scripts/deps.sh installs it)"
done
ARCH=$(dpkg --print-architecture)
MULTIARCH=$(gcc -print-multiarch)

note "configure, build, install"
# Warnings are the main build's business (-Werror there); this tree is about what gets shipped.
cmake -S "$TD_SRC" -B "$T/b" -DBUILD_TESTING=OFF -DTIENDO_WERROR=OFF >"$T/build.out" 2>&1 &&
    cmake --build "$T/b" -j"$(nproc)" >>"$T/build.out" 2>&1 || {
    tail -40 "$T/build.out"
    fail "the release tree did not build"
}
VERSION=$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$T/b/CMakeCache.txt")
[ -n "$VERSION" ] || fail "no project version in the cache"

cmake --install "$T/b" --prefix "$T/inst" >"$T/install.out"
for f in bin/tiendo bin/tiendo-agent bin/tiendo-collector bin/tiendo-sim \
    share/man/man1/tiendo.1.gz share/man/man5/tiendo-status.5.gz \
    share/man/man8/tiendo-agent.8.gz share/man/man8/tiendo-collector.8.gz \
    lib/systemd/system/tiendo-collector.service lib/systemd/system/tiendo-agent.service \
    share/bash-completion/completions/tiendo share/bash-completion/completions/tiendo-agent \
    share/bash-completion/completions/tiendo-collector \
    share/doc/tiendo/examples/collector.ini share/doc/tiendo/examples/agent.ini \
    share/tiendo/web/index.html share/tiendo/web/app.js share/tiendo/web/style.css; do
    [ -f "$T/inst/$f" ] || fail "cmake --install did not install $f"
done
if grep -E "Installing: /etc/|Up-to-date: /etc/" "$T/install.out"; then
    fail "a full cmake --install wrote to /etc (the conffiles are for packages only)"
fi

note "cpack -G DEB"
(cd "$T/b" && cpack -G DEB -B "$T/debs") >"$T/cpack.out" 2>&1 || {
    tail -40 "$T/cpack.out"
    fail "cpack failed"
}
n=$(find "$T/debs" -maxdepth 1 -name '*.deb' | wc -l)
[ "$n" -eq 3 ] || fail "cpack made $n packages, want 3: $(ls "$T/debs")"

# Per package: the files it must hold (exactly), the Depends it must have at least, and the
# conffile, if any.
declare -A FILES DEPS CONFFILE
FILES[collector]="etc/tiendo/collector.ini usr/bin/tiendo-collector usr/bin/tiendo-sim
usr/lib/systemd/system/tiendo-collector.service
usr/share/bash-completion/completions/tiendo-collector
usr/share/doc/tiendo/examples/collector.ini usr/share/man/man8/tiendo-collector.8.gz
usr/share/tiendo/web/index.html usr/share/tiendo/web/app.js usr/share/tiendo/web/style.css"
FILES[agent]="etc/tiendo/agent.ini usr/bin/tiendo-agent
usr/lib/systemd/system/tiendo-agent.service usr/share/bash-completion/completions/tiendo-agent
usr/share/doc/tiendo/examples/agent.ini usr/share/man/man5/tiendo-status.5.gz
usr/share/man/man8/tiendo-agent.8.gz"
FILES[cli]="usr/bin/tiendo usr/share/bash-completion/completions/tiendo
usr/share/man/man1/tiendo.1.gz"
DEPS[collector]="adduser libc6 libzmq5 libczmq4 libprotobuf-c1 liblmdb0 libjansson4 libinih1
libmicrohttpd12"
DEPS[agent]="adduser libc6 libzmq5 libczmq4 libprotobuf-c1 liblmdb0 libjansson4 libinih1"
DEPS[cli]="libc6 libzmq5 libczmq4 libjansson4"
CONFFILE[collector]=/etc/tiendo/collector.ini
CONFFILE[agent]=/etc/tiendo/agent.ini
CONFFILE[cli]=""

# The package that ships the library a binary needs under this soname.
lib_package() {
    dpkg -S "*/$1" 2>/dev/null | grep -E ": /(usr/)?lib/$MULTIARCH/$1\$" | head -1 | cut -d: -f1
}

for p in collector agent cli; do
    pkg=tiendo-$p
    deb=$(ls "$T/debs/${pkg}_${VERSION}-"*"_$ARCH.deb") || fail "no $pkg package for $VERSION"
    note "$pkg: $(basename "$deb")"
    [ "$(dpkg-deb -f "$deb" Package)" = "$pkg" ] || fail "$deb is not $pkg"
    v=$(dpkg-deb -f "$deb" Version)
    [ "$v" = "$VERSION-1" ] || fail "$pkg version is $v, want $VERSION-1"
    [ -n "$(dpkg-deb -f "$deb" Maintainer)" ] || fail "$pkg has no Maintainer"
    depends=$(dpkg-deb -f "$deb" Depends)
    echo "  Depends: $depends"
    names=" $(echo "$depends" | tr ',' '\n' | sed 's/^ *//; s/ .*//' | tr '\n' ' ') "
    for d in ${DEPS[$p]}; do
        [[ $names == *" $d "* ]] || fail "$pkg does not depend on $d"
    done

    root="$T/root-$p"
    dpkg-deb -x "$deb" "$root"
    (cd "$root" && find . -type f | sed 's|^\./||' | sort) >"$T/has"
    tr ' ' '\n' <<<"${FILES[$p]}" | grep . | sort >"$T/want"
    diff -u "$T/want" "$T/has" || fail "$pkg does not hold the expected files"

    # Every library every binary needs comes from a package the Depends name.
    for bin in "$root"/usr/bin/*; do
        for so in $(readelf -d "$bin" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
            owner=$(lib_package "$so")
            [ -n "$owner" ] || fail "no installed package ships $so, which $(basename "$bin") needs"
            [[ $names == *" $owner "* ]] || fail "$pkg lacks Depends: $owner (for $so)"
        done
    done

    dpkg-deb -e "$deb" "$T/control-$p"
    if [ -n "${CONFFILE[$p]}" ]; then
        [ "$(cat "$T/control-$p/conffiles")" = "${CONFFILE[$p]}" ] || fail "$pkg conffiles"
        for s in postinst prerm postrm; do
            [ -x "$T/control-$p/$s" ] || fail "$pkg has no executable $s"
            sh -n "$T/control-$p/$s" || fail "$pkg $s is not valid sh"
        done
    else
        [ ! -e "$T/control-$p/conffiles" ] && [ ! -e "$T/control-$p/postinst" ] ||
            fail "$pkg has maintainer files it does not need"
    fi
done

note "maintainer scripts, run against stubs"
# The scripts must create the user and its state directory, and never start or enable a
# service. They run here with stub commands that log their arguments; the state directory is
# moved under $T so that nothing on this machine is touched.
mkdir -p "$T/stub"
for cmd in adduser install systemctl deb-systemd-helper deb-systemd-invoke; do
    printf '#!/bin/sh\necho "%s $*" >>"%s/calls"\n' "$cmd" "$T" >"$T/stub/$cmd"
done
printf '#!/bin/sh\n[ -n "$GETENT_FOUND" ]\n' >"$T/stub/getent"
chmod +x "$T"/stub/*
run_script() { # package script args...
    local p=$1 s=$2
    shift 2
    sed "s|^HOME_DIR=.*|HOME_DIR=$T/state-$p|" "$T/control-$p/$s" >"$T/script"
    : >"$T/calls"
    PATH="$T/stub:$PATH" sh "$T/script" "$@" || fail "$p $s $* failed"
}
for p in collector agent; do
    user=tiendo
    [ $p = agent ] && user=tiendo-agent
    mode=0750
    [ $p = agent ] && mode=0700
    grep -qx "HOME_DIR=/var/lib/$user" "$T/control-$p/postinst" || fail "$p state directory"
    run_script $p postinst configure
    cat "$T/calls"
    grep -qE "^adduser .*--system .*--group .*--home $T/state-$p .* $user\$" "$T/calls" ||
        fail "$p postinst did not create the system user $user"
    grep -qx "install -d -o $user -g $user -m $mode $T/state-$p" "$T/calls" ||
        fail "$p postinst did not create its state directory"
    GETENT_FOUND=1 run_script $p postinst configure
    ! grep -q "^adduser" "$T/calls" || fail "$p postinst adds $user again"
    run_script $p prerm remove
    run_script $p postrm purge
    grep -qx "deb-systemd-helper purge tiendo-$p.service" "$T/calls" || fail "$p postrm purge"
    if grep -vE '^ *#' "$T/control-$p/postinst" |
        grep -E '(systemctl|deb-systemd-[a-z]*)[^#]*\b(start|enable|restart)\b'; then
        fail "$p postinst starts or enables a service"
    fi
    # The state directory and the user outlive a purge: they hold the record.
    ! grep -qE "rm -|deluser|userdel" "$T/control-$p/postrm" || fail "$p postrm removes data"
done

note "binaries"
for b in tiendo-collector:collector tiendo-agent:agent tiendo:cli; do
    name=${b%%:*}
    out=$("$T/root-${b##*:}/usr/bin/$name" --version)
    [ "$out" = "$name $VERSION" ] || fail "$name --version says \"$out\", want \"$name $VERSION\""
done
"$T/root-collector/usr/bin/tiendo-sim" --help >/dev/null || fail "tiendo-sim --help"

note "systemd units"
HARDENING="NoNewPrivileges=yes ProtectSystem=strict ProtectHome=yes PrivateTmp=yes
PrivateDevices=yes ProtectKernelTunables=yes ProtectKernelModules=yes ProtectControlGroups=yes
RestrictNamespaces=yes LockPersonality=yes MemoryDenyWriteExecute=yes
SystemCallArchitectures=native CapabilityBoundingSet="
check_unit() { # component user state-directory restart execstart
    local p=$1 unit="$T/root-$1/usr/lib/systemd/system/tiendo-$1.service"
    for line in $HARDENING "User=$2" "StateDirectory=$3" "Restart=$4"; do
        grep -qx -- "$line" "$unit" || fail "tiendo-$p.service lacks $line"
    done
    grep -qx "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6" "$unit" ||
        fail "tiendo-$p.service: RestrictAddressFamilies"
    grep -qx "ExecStart=$5" "$unit" || fail "tiendo-$p.service: ExecStart is not $5"
    # The configuration it names ships in the same package.
    [ -f "$T/root-$p/${5##* }" ] || fail "tiendo-$p.service reads ${5##* }, which $p lacks"
    mkdir -p "$T/units"
    sed "s|^ExecStart=/usr/bin/|ExecStart=$T/root-$p/usr/bin/|" "$unit" \
        >"$T/units/tiendo-$p.service"
}
check_unit collector tiendo tiendo on-failure \
    "/usr/bin/tiendo-collector run --config /etc/tiendo/collector.ini"
check_unit agent tiendo-agent tiendo-agent always \
    "/usr/bin/tiendo-agent --config /etc/tiendo/agent.ini"
# verify exits 0 on unknown keys and bad values, which it only prints: any output fails.
systemd-analyze verify --man=no "$T/units/tiendo-collector.service" \
    "$T/units/tiendo-agent.service" >"$T/verify.out" 2>&1 || {
    cat "$T/verify.out"
    fail "systemd-analyze verify failed"
}
[ ! -s "$T/verify.out" ] || {
    cat "$T/verify.out"
    fail "systemd-analyze verify has complaints"
}

note "man pages"
# The --help options of each program, the section's page, and its example configuration.
help_options() { "$@" --help | grep -oE -- '--[a-z][a-z-]*' | sort -u; }
check_page() { # page.gz program-words...
    local page=$1
    shift
    local out
    out=$(MANWIDTH=80 man -l -Tutf8 "$page" 2>&1 >/dev/null)
    [ -z "$out" ] || fail "man -l $(basename "$page"): $out"
    out=$(zcat "$page" | groff -ww -man -z 2>&1) || fail "groff failed on $(basename "$page")"
    [ -z "$out" ] || fail "groff -ww $(basename "$page"): $out"
    MANWIDTH=80 man -l "$page" 2>/dev/null >"$T/page.txt"
    grep -q "^NAME" "$T/page.txt" || fail "$(basename "$page") renders no NAME"
    [ $# -gt 0 ] || return 0
    for o in $(help_options "$@"); do
        grep -q -- "$o\b" "$T/page.txt" || fail "$(basename "$page") does not mention $o"
    done
}
exit_codes() { # the tags of the EXIT STATUS section of $T/page.txt
    awk '/^EXIT STATUS/{f=1; next} /^[A-Z]/{f=0} f && /^       [0-9]+ /{print $1}' "$T/page.txt" |
        tr '\n' ' '
}
check_page "$T/root-cli/usr/share/man/man1/tiendo.1.gz" "$T/root-cli/usr/bin/tiendo"
[ "$(exit_codes)" = "0 1 2 3 75 " ] || fail "tiendo(1) exit codes: $(exit_codes)"
grep -q TIENDO_COLLECTOR "$T/page.txt" && grep -q TIENDO_CREDENTIALS "$T/page.txt" ||
    fail "tiendo(1) lacks its environment"
check_page "$T/root-agent/usr/share/man/man8/tiendo-agent.8.gz" "$T/root-agent/usr/bin/tiendo-agent"
[ "$(exit_codes)" = "0 1 2 3 75 " ] || fail "tiendo-agent(8) exit codes: $(exit_codes)"
AGENT_KEYS="collector credentials status_file state_dir interval outbox_max_mb log reconnect_max delta_reports"
for k in $AGENT_KEYS; do
    grep -q "^       $k = " "$T/page.txt" || fail "tiendo-agent(8) lacks $k"
done
check_page "$T/root-collector/usr/share/man/man8/tiendo-collector.8.gz" \
    "$T/root-collector/usr/bin/tiendo-collector"
COLLECTOR_KEYS="data agents queries events http map_max_mb max_msg_bytes rate_limit web log_level log"
for k in $COLLECTOR_KEYS; do
    grep -q "^       $k = " "$T/page.txt" || fail "tiendo-collector(8) lacks $k"
done
check_page "$T/root-agent/usr/share/man/man5/tiendo-status.5.gz"
for k in agency as_of tasks infrastructure services databases funding obstacles \
    completed_on evidence villages_signal_gap disbursed_vnd resolved_on; do
    grep -q "\b$k\b" "$T/page.txt" || fail "tiendo-status(5) lacks $k"
done

note "example configurations"
ini_keys() { sed -n 's/^\([a-z_]*\) *=.*/\1/p' "$1" | tr '\n' ' '; }
[ "$(ini_keys "$T/root-collector/etc/tiendo/collector.ini")" = "$COLLECTOR_KEYS " ] ||
    fail "collector.ini keys: $(ini_keys "$T/root-collector/etc/tiendo/collector.ini")"
[ "$(ini_keys "$T/root-agent/etc/tiendo/agent.ini")" = "$AGENT_KEYS " ] ||
    fail "agent.ini keys: $(ini_keys "$T/root-agent/etc/tiendo/agent.ini")"
for f in collector agent; do
    cmp -s "$T/root-$f/etc/tiendo/$f.ini" "$T/root-$f/usr/share/doc/tiendo/examples/$f.ini" ||
        fail "the $f conffile and its example differ"
done

note "bash completion"
# Prints the completions bash offers for the words given (the last one being completed).
completions() { # file function words...
    bash -c 'source "$1" && fn=$2 && shift 2 && COMP_WORDS=("$@") && COMP_CWORD=$(($# - 1)) &&
        complete -p "$1" >/dev/null && $fn && printf "%s\n" "${COMPREPLY[@]}"' _ "$@"
}
offers() { # file function want words...
    local file=$1 fn=$2 want=$3
    shift 3
    local got
    got=" $(completions "$file" "$fn" "$@" | tr '\n' ' ') "
    for w in $want; do
        [[ $got == *" $w "* ]] || fail "completing \"$*\" does not offer $w (offers:$got)"
    done
}
COMP_DIR=share/bash-completion/completions
CLI_BIN="$T/root-cli/usr/bin/tiendo"
F="$T/root-cli/usr/$COMP_DIR/tiendo"
"$CLI_BIN" --help >"$T/help"
commands=$(sed -n 's/^  \([a-z][a-z]*\) .*/\1/p' "$T/help" | tr '\n' ' ')
[ -n "$commands" ] || fail "no commands in tiendo --help"
offers "$F" _tiendo "$commands $(sed -n 1p "$T/help" | grep -oE -- '--[a-z-]+')" tiendo ""
filters=$(sed -n '/^filters:/,/^[A-Z]/p' "$T/help" | grep -oE -- '--[a-z-]+' | tr '\n' ' ')
for c in $commands; do
    line=$(grep "^  $c " "$T/help")
    want=$(grep -oE -- '--[a-z-]+' <<<"$line" | tr '\n' ' ')
    [[ $line == *"[filters]"* ]] && want="$want $filters"
    offers "$F" _tiendo "$want" tiendo "$c" --
done
[ "$(completions "$F" _tiendo tiendo tasks --class "" | tr '\n' ' ')" = \
    "regular completed overdue on_schedule " ] || fail "tiendo tasks --class completion"

F="$T/root-collector/usr/$COMP_DIR/tiendo-collector"
C_BIN="$T/root-collector/usr/bin/tiendo-collector"
"$C_BIN" --help >"$T/help"
# Each command's options: those on its lines of --help and their continuation lines.
awk '/^  [a-z]+ /{c=$1} /^[^ ]/{c=""} c{while (match($0, /--[a-z-]+/)) {
    print c, substr($0, RSTART, RLENGTH); $0 = substr($0, RSTART + RLENGTH)}}' "$T/help" |
    sort -u >"$T/cmdopts"
[ -s "$T/cmdopts" ] || fail "no commands in tiendo-collector --help"
offers "$F" _tiendo_collector "$(cut -d' ' -f1 "$T/cmdopts" | sort -u | tr '\n' ' ')
    --help --version" tiendo-collector ""
while read -r c o; do
    offers "$F" _tiendo_collector "$o" tiendo-collector "$c" --
done <"$T/cmdopts"
offers "$F" _tiendo_collector "operator admin" tiendo-collector enroll --role ""

F="$T/root-agent/usr/$COMP_DIR/tiendo-agent"
offers "$F" _tiendo_agent "$(help_options "$T/root-agent/usr/bin/tiendo-agent" | tr '\n' ' ')
    --version" tiendo-agent --

note "the packaged programs, with the example configurations"
# The registry holds the tasks of tiendo-status(5)'s example, which is the status file.
mkdir -p "$T/reg"
cat >"$T/reg/agencies.csv" <<'CSV'
code,name,kind,parent,block
MOF,Bộ Tài chính,ministry,,government
CSV
cat >"$T/reg/tasks.csv" <<'CSV'
id,title,source,lead,deadline,assigned_on,group,difficulty
NV-0001,One,71/NQ-CP,MOF,2025-12-31,2025-01-01,,normal
NV-0002,Two,71/NQ-CP,MOF,2025-12-31,2025-01-01,,normal
CSV
zcat "$T/root-agent/usr/share/man/man5/tiendo-status.5.gz" |
    awk '/^A ministry.s file:/{f=1; next} f && /^\.EE/{exit} f && !/^\.(PP|EX)/' |
    sed 's/\\-/-/g' >"$T/status.json"
python3 -m json.tool "$T/status.json" >/dev/null || fail "tiendo-status(5)'s example is not JSON"

"$C_BIN" init --data "$T/data" >/dev/null
"$C_BIN" import --data "$T/data" --agencies "$T/reg/agencies.csv" --tasks "$T/reg/tasks.csv" \
    >/dev/null
"$C_BIN" enroll --data "$T/data" --agency MOF --out "$T/mof.cred" >/dev/null
# The conffile as shipped, with flags for what must differ here (flags override the file).
"$C_BIN" run --config "$T/root-collector/etc/tiendo/collector.ini" --data "$T/data" \
    --agents 'tcp://127.0.0.1:*' --queries 'tcp://127.0.0.1:*' --events 'tcp://127.0.0.1:*' \
    --http 127.0.0.1:0 >>"$T/collector.log" 2>&1 &
COLLECTOR_PID=$!
PIDS+=("$COLLECTOR_PID")
wait_for 20 test -s "$T/data/endpoints" || fail "the packaged collector did not start"
AGENTS_EP=$(sed -n 's/^agents=//p' "$T/data/endpoints")
QUERIES_EP=$(sed -n 's/^queries=//p' "$T/data/endpoints")

# The agent's conffile as shipped, but for the paths and the endpoint of this machine.
sed -e "s|^collector *=.*|collector = $AGENTS_EP|" \
    -e "s|^credentials *=.*|credentials = $T/mof.cred|" \
    -e "s|^status_file *=.*|status_file = $T/status.json|" \
    -e "s|^state_dir *=.*|state_dir = $T/agent|" \
    "$T/root-agent/etc/tiendo/agent.ini" >"$T/agent.ini"
set +e
"$T/root-agent/usr/bin/tiendo-agent" --config "$T/agent.ini" --once --timeout 30 \
    >"$T/agent.out" 2>&1
rc=$?
set -e
[ $rc -eq 0 ] || {
    cat "$T/agent.out"
    fail "the packaged agent exited $rc, want 0"
}
"$CLI_BIN" --collector "$QUERIES_EP" --credentials "$T/data/admin.cred" summary \
    --as-of 2025-12-04 --json >"$T/summary.json"
total=$(json_get total <"$T/summary.json")
completed=$(json_get completed <"$T/summary.json")
[ "$total" = 2 ] && [ "$completed" = 1 ] || {
    cat "$T/summary.json"
    fail "the packaged CLI's summary is not the example's"
}
collector_stop
echo "ok: 3 packages for $VERSION ($ARCH)"
