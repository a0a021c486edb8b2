# Shared by scripts/start and scripts/test: find Python 3.12+ and make the venv.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

find_python() {
  local candidate
  for candidate in "${PYTHON:-}" python3.13 python3.12 python3; do
    [ -n "$candidate" ] || continue
    if command -v "$candidate" >/dev/null 2>&1 &&
      "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then
      echo "$candidate"
      return 0
    fi
  done
  # pyenv may have a 3.12 that is not the global default.
  if command -v pyenv >/dev/null 2>&1; then
    for candidate in $(pyenv versions --bare 2>/dev/null | grep -E '^3\.(1[2-9])' | sort -rV); do
      echo "$(pyenv root)/versions/$candidate/bin/python3"
      return 0
    done
  fi
  echo "Python 3.12 or newer is needed (Django 6.1); set PYTHON=/path/to/python3.12" >&2
  return 1
}

ensure_venv() {
  local extras="${1:-}" stamp=".venv/.installed-${1:-app}" target="."
  [ -z "$extras" ] || target=".[${extras}]"
  if [ ! -x .venv/bin/python ]; then
    "$(find_python)" -m venv .venv
  fi
  # Reinstall when pyproject.toml changed since the last install.
  if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    .venv/bin/python -m pip install --quiet --upgrade pip
    .venv/bin/python -m pip install --quiet -e "$target"
    touch "$stamp"
  fi
}

# The demo's settings, kept in .env (git-ignored, mode 600) so that every
# manage.py command of the README works from a new shell: DEBUG on, a secret
# key and the audit chain's key, each made once (an older .audit-key is
# carried over). Variables set in the environment still win. The test suite
# reads no .env, whatever it starts (tests/test_readme_commands.py).
write_demo_env() {
  (umask 077 && touch .env)
  new_secret() { head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n'; }
  grep -q '^DEBUG=' .env || echo 'DEBUG=true' >>.env
  grep -q '^SECRET_KEY=' .env || echo "SECRET_KEY=$(new_secret)" >>.env
  grep -q '^AUDIT_KEY=' .env || echo "AUDIT_KEY=$(cat .audit-key 2>/dev/null || new_secret)" >>.env
}
