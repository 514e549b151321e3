# Sourced by scripts/run and scripts/test: make sure everything they need is installed.
# Each step is skipped when its inputs have not changed, so a second run is quick.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
LOWEST_VENV="$ROOT/.venv-lowest"
LOWEST_VERSIONS="$ROOT/tests/lowest-versions.txt"
PYTHON="${PYTHON:-python3}"

# Debian packages: Qt's libraries, Xvfb with a tray host, Chromium for the dashboard tests,
# what scripts/screenshots drives the screen with (xdotool, xwininfo, ImageMagick), and
# redis-server for the cluster tests (started by a fixture on a free loopback port).
DEBIAN_PACKAGES=(
  libgl1 libegl1 libfontconfig1 libdbus-1-3 libxkbcommon0 libglib2.0-0
  libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0
  libxcb-shape0 libxkbcommon-x11-0 xvfb jwm chromium xdotool x11-utils imagemagick
  redis-server
)

install_debian_packages() {
  command -v dpkg-query >/dev/null || return 0
  local missing=()
  for pkg in "${DEBIAN_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    echo "bootstrap: missing Debian packages (install them as root): ${missing[*]}" >&2
    return 0
  fi
  echo "bootstrap: apt-get install ${missing[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# A stamp holds the hash of the inputs of the last successful install.
up_to_date() {  # stamp-file inputs...
  local stamp="$1"; shift
  local want; want="$(cat "$@" | sha256sum | cut -d' ' -f1)"
  [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]
}
mark_done() {  # stamp-file inputs...
  local stamp="$1"; shift
  cat "$@" | sha256sum | cut -d' ' -f1 >"$stamp"
}

install_python_packages() {  # [extras]
  local extras="${1:-}" spec="$ROOT"
  [ -n "$extras" ] && spec="$ROOT[$extras]"
  [ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
  local stamp="$VENV/.installed-${extras:-base}"
  up_to_date "$stamp" "$ROOT/pyproject.toml" && return 0
  echo "bootstrap: installing Python packages into .venv (${extras:-base})" >&2
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check -e "$spec"
  mark_done "$stamp" "$ROOT/pyproject.toml"
}

# A second venv with the hub's dependencies at the lowest versions pyproject.toml allows
# (tests/lowest-versions.txt), for the wire and hub tests; without the desktop extra.
install_lowest_packages() {
  [ -x "$LOWEST_VENV/bin/python" ] || "$PYTHON" -m venv "$LOWEST_VENV"
  local stamp="$LOWEST_VENV/.installed-lowest"
  up_to_date "$stamp" "$ROOT/pyproject.toml" "$LOWEST_VERSIONS" && return 0
  echo "bootstrap: installing the lowest allowed versions into .venv-lowest" >&2
  "$LOWEST_VENV/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip
  "$LOWEST_VENV/bin/python" -m pip install -q --disable-pip-version-check \
    -c "$LOWEST_VERSIONS" -e "$ROOT[dev]"
  mark_done "$stamp" "$ROOT/pyproject.toml" "$LOWEST_VERSIONS"
}

install_node_packages() {
  local dir="$ROOT/tests/js"
  local stamp="$dir/node_modules/.installed"
  up_to_date "$stamp" "$dir/package-lock.json" && return 0
  echo "bootstrap: npm ci in tests/js" >&2
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  mark_done "$stamp" "$dir/package-lock.json"
}
