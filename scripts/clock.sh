#!/usr/bin/env bash
# The time-sensitive tests (tests/clock.txt, marked `clock`) four ways: the session
# travelled to a Saturday 23:30 and to a Monday 09:00 in Brussels, the clock ticking from there
# (time-machine, `--travel`), and at the real time under TZ=Asia/Tokyo and TZ=America/Los_Angeles.
# SQLite only: no rule reads the database server's clock. Two ways at a time (two cores); each
# way's output is printed whole when it ends, and any red way fails the run.
set -uo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
export QT_QPA_PLATFORM=offscreen
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

mapfile -t tests < <(grep -v '^\s*#' tests/clock.txt | grep .)
# the next Saturday and Monday from today, so the travel stays near the real date
saturday=$(date -d "saturday" +%F)
monday=$(date -d "monday" +%F)
ways=(
    "saturday|--travel=$saturday 23:30 Europe/Brussels|"
    "monday|--travel=$monday 09:00 Europe/Brussels|"
    "tokyo||Asia/Tokyo"
    "los-angeles||America/Los_Angeles"
)

run_way() {
    local name=$1 travel=$2 zone=$3
    local args=(-q -p no:cacheprovider -m "clock and not pg" "${tests[@]}")
    [ -n "$travel" ] && args+=("$travel")
    if [ -n "$zone" ]; then
        TZ=$zone "$VENV/bin/pytest" "${args[@]}" >"$out/$name.log" 2>&1
    else
        "$VENV/bin/pytest" "${args[@]}" >"$out/$name.log" 2>&1
    fi
    echo $? >"$out/$name.rc"
}

count() {  # count "N passed, M failed in 3s" passed -> N (0 when absent)
    sed -n "s/.*\b\([0-9]\+\) $2\b.*/\1/p" <<<"$1" | head -n 1 | grep . || echo 0
}

started=$SECONDS
for pair in "0 1" "2 3"; do
    for i in $pair; do
        IFS='|' read -r name travel zone <<<"${ways[$i]}"
        run_way "$name" "$travel" "$zone" &
    done
    wait
done

status=0 passed=0 failed=0
for way in "${ways[@]}"; do
    IFS='|' read -r name travel zone <<<"$way"
    echo "== clock: $name ${travel#--travel=}${zone:+TZ=$zone}"
    cat "$out/$name.log"
    [ "$(cat "$out/$name.rc")" = 0 ] || status=1
    last=$(tail -n 1 "$out/$name.log")
    passed=$((passed + $(count "$last" passed)))
    failed=$((failed + $(count "$last" failed) + $(count "$last" errors\?)))
done
echo "== clock: four ways in $((SECONDS - started)) s"
[ "$status" = 0 ] || [ "$failed" -gt 0 ] || failed=1  # red without a count (collection, usage)
echo "clock: $passed passed, $failed failed"
exit $status
