#!/usr/bin/env bash
# Prepare this machine for overleg: system libraries, the virtualenv, Python and npm packages.
#   scripts/bootstrap.sh run    what `make run` needs
#   scripts/bootstrap.sh test   what `make test` needs (browser, PDF tools, PostgreSQL, node)
# As root, missing Debian packages are installed with apt; otherwise the script says what to install.
set -euo pipefail
cd "$(dirname "$0")/.."

purpose="${1:-run}"
VENV="${VENV:-.venv}"
PYTHON="${PYTHON:-python3}"

# WeasyPrint needs Pango; libharfbuzz-subset0 makes its font subsetting about three times faster.
run_packages=(python3 python3-venv libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core)
# Tests: Debian's Chromium for the browser journeys, poppler for PDF checks, PostgreSQL for the
# second database, Dovecot as the IMAP server the reply reader is tested against (openssl makes its
# certificate), node and npm for ical.js and axe-core.
test_packages=(chromium poppler-utils postgresql dovecot-imapd openssl nodejs npm)
load_packages=(wrk)

wanted=("${run_packages[@]}")
case "$purpose" in
  run) ;;
  test) wanted+=("${test_packages[@]}") ;;
  load) wanted+=("${test_packages[@]}" "${load_packages[@]}") ;;
  *) echo "usage: $0 run|test|load" >&2; exit 2 ;;
esac

missing=()
for pkg in "${wanted[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    # python3 and node may come from elsewhere (pyenv, nvm): accept a working command too.
    case "$pkg" in
      python3) command -v "$PYTHON" >/dev/null && continue ;;
      python3-venv) "$PYTHON" -c "import venv, ensurepip" 2>/dev/null && continue ;;
      nodejs) command -v node >/dev/null && continue ;;
      npm) command -v npm >/dev/null && continue ;;
    esac
    missing+=("$pkg")
  fi
done

if ((${#missing[@]})); then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "bootstrap: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "bootstrap: these Debian packages are missing: ${missing[*]}" >&2
    echo "bootstrap: install them with:  sudo apt-get install ${missing[*]}" >&2
    exit 1
  fi
fi

if [ ! -x "$VENV/bin/python" ]; then
  echo "bootstrap: creating the virtualenv in $VENV"
  "$PYTHON" -m venv "$VENV"
fi

stamp="$VENV/.installed-$purpose"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "bootstrap: installing Python packages"
  "$VENV/bin/python" -m pip install -q --upgrade pip
  if [ "$purpose" = run ]; then
    "$VENV/bin/python" -m pip install -q -e .
  else
    "$VENV/bin/python" -m pip install -q -e ".[test]"
  fi
  touch "$stamp"
fi

if [ "$purpose" != run ] && [ -f tests/js/package.json ]; then
  if [ ! -d tests/js/node_modules ] || [ tests/js/package-lock.json -nt tests/js/node_modules ]; then
    echo "bootstrap: installing the JavaScript test tools"
    npm ci --prefix tests/js --no-audit --no-fund --silent
  fi
fi

# Compile the translations (the .po files are the source; .mo files are not committed).
if compgen -G "translations/*/LC_MESSAGES/messages.po" >/dev/null; then
  "$VENV/bin/pybabel" -q compile -d translations
fi
