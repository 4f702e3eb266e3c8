#!/usr/bin/env bash
# The installed package works: build the wheel from the checkout's files, install it into a fresh venv
# in a temporary folder outside the checkout, and from another temporary folder run what a new user
# runs first (demo, deadline, init + db upgrade + register import + poll + weekly preview).
#
#   tests/installed_check.sh                      # a real install: the wheel and its dependencies (CI)
#   tests/installed_check.sh --borrow-deps PYTHON # install the wheel alone, borrowing PYTHON's installed
#                                                 # dependencies (fast; used by tests/test_installed.py)
#   ... --work DIR                                # keep the wheel, venv and runs in DIR (default: a temp dir, removed)
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
python="${PYTHON:-python3}"
borrow=""
work=""
while [ $# -gt 0 ]; do
  case "$1" in
    --borrow-deps) borrow="$2"; shift 2 ;;
    --work) work="$2"; shift 2 ;;
    *) echo "installed_check: unknown option $1 (expected --borrow-deps PYTHON or --work DIR)" >&2; exit 2 ;;
  esac
done
if [ -z "$work" ]; then
  work="$(mktemp -d -t spocmail-installed.XXXXXX)"
  trap 'rm -rf "$work"' EXIT
fi
mkdir -p "$work"
work="$(cd "$work" && pwd)"
case "$work/" in
  "$repo"/*) echo "installed_check: --work $work is inside the checkout; it must be outside" >&2; exit 2 ;;
esac
fail() {
  [ -s "$work/stderr.log" ] && tail -20 "$work/stderr.log" >&2
  echo "installed_check: FAILED: $*" >&2
  exit 1
}
step() { echo "installed_check: $*"; }

# 1. The wheel, built from a copy of the checkout's files (tracked and new, not ignored), so nothing
#    left over from an earlier build (build/, a stray _data folder) can make it look complete.
src="$work/src"
rm -rf "$src" "$work/dist" && mkdir -p "$src"
if git -C "$repo" rev-parse --git-dir >/dev/null 2>&1; then
  (cd "$repo" && git ls-files -z --cached --others --exclude-standard \
     | while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done \
     | tar --null -T - -cf -) | tar -xf - -C "$src"
else
  cp -R "$repo/." "$src/" && rm -rf "$src/.venv" "$src/build"
fi
step "building the wheel"
"${borrow:-$python}" -m pip wheel --quiet --no-deps --wheel-dir "$work/dist" "$src" >"$work/build.log" 2>&1 \
  || { cat "$work/build.log" >&2; fail "the wheel did not build"; }
wheel="$(ls "$work"/dist/spocmail-*.whl)"

# 2. A fresh venv outside the checkout, holding the wheel.
venv="$work/venv"
rm -rf "$venv"
if [ -n "$borrow" ]; then
  "$python" -m venv --without-pip "$venv"
  "$borrow" -m pip --python "$venv/bin/python" install --quiet --no-deps "$wheel" >"$work/install.log" 2>&1 \
    || { cat "$work/install.log" >&2; fail "the wheel did not install"; }
  # The dependencies come from PYTHON's site-packages; its own (editable) spocmail is not seen, because
  # a path added by a .pth file is not a site directory and so its .pth files are not run.
  "$borrow" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"]); print(sysconfig.get_paths()["platlib"])' \
    >"$("$venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/zz-borrowed-deps.pth"
else
  "$python" -m venv "$venv"
  step "installing the wheel and its dependencies"
  "$venv/bin/pip" install --quiet "$wheel" >"$work/install.log" 2>&1 \
    || { cat "$work/install.log" >&2; fail "the wheel did not install"; }
fi
spocmail="$venv/bin/spocmail"
[ -x "$spocmail" ] || fail "no spocmail console script in the venv"

# 3. From another folder outside the checkout, with no config around.
run="$work/run"
rm -rf "$run" && mkdir -p "$run" && cd "$run"
unset SPOCMAIL_CONFIG
export PYTHONDONTWRITEBYTECODE=1
where="$("$venv/bin/python" -c 'import spocmail, os; print(os.path.dirname(spocmail.__file__))')"
case "$where/" in
  "$venv"/*) ;;
  *) fail "spocmail was imported from $where, not from the installed wheel" ;;
esac

step "spocmail demo --out demo"
"$spocmail" demo --out demo >"$work/demo.log" 2>&1 || { rc=$?; tail -30 "$work/demo.log" >&2; fail "spocmail demo exited $rc"; }
ls demo/outbox/*.eml >/dev/null 2>&1 || fail "spocmail demo wrote nothing to demo/outbox/"

step "spocmail deadline --kind foi --received 2026-08-28T10:00 --json"
"$spocmail" deadline --kind foi --received 2026-08-28T10:00 --json >deadline.json 2>>"$work/stderr.log" \
  || fail "spocmail deadline exited $?"
"$venv/bin/python" - deadline.json <<'EOF' || fail "spocmail deadline printed the wrong due date"
import json, sys
doc = json.load(open(sys.argv[1]))
# 20 working days after Fri 28 Aug 2026, skipping the Late Summer Bank Holiday (31 Aug)
assert doc["kind"] == "foi" and doc["received"] == "2026-08-28" and doc["due"] == "2026-09-28", doc
EOF

step "spocmail init site; db upgrade; register import; poll --once; weekly preview"
"$spocmail" init site >/dev/null 2>>"$work/stderr.log" || fail "spocmail init exited $?"
cd site
"$spocmail" db upgrade 2>>"$work/stderr.log" || fail "spocmail db upgrade exited $?"
"$spocmail" register import register.toml --now 2026-11-23T08:00 >/dev/null || fail "spocmail register import exited $?"
cat >var/maildir/new/1.eml <<'EOF'
From: Jordan Example <jordan@example.org>
To: spoc@council.example
Subject: Bins
Date: Mon, 23 Nov 2026 09:00:00 +0000
Message-ID: <installed-check-1@example.org>

My green bin was missed again on Friday, please collect it.
EOF
"$spocmail" poll --once --json --now 2026-11-23T09:05 >poll.json 2>>"$work/stderr.log" || fail "spocmail poll --once exited $?"
"$venv/bin/python" - poll.json <<'EOF' || fail "spocmail poll --once did not file the mail"
import json, sys
doc = json.load(open(sys.argv[1]))
assert doc["stored"] == 1 and doc["filed"] == 1, doc
EOF
"$spocmail" weekly preview jordan --json --now 2026-11-27T11:00 >preview.json 2>>"$work/stderr.log" \
  || fail "spocmail weekly preview exited $?"
"$venv/bin/python" - preview.json <<'EOF' || fail "spocmail weekly preview is not the customer's response"
import json, sys
doc = json.load(open(sys.argv[1]))
assert any("jordan@example.org" in t for t in doc["to"]) and doc["subject"] and doc["body_text"].strip(), doc
assert len(doc["items"]) == 1, doc["items"]
EOF
step "ok: the wheel installs and runs outside the checkout ($wheel)"
