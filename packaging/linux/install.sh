#!/usr/bin/env bash
# Install the socketio-tray bundle for the current user: no root, nothing outside $HOME.
#
#   install.sh [BUNDLE]         BUNDLE: a one-folder bundle (the directory) or the one-file
#                               executable; default: the bundle this script ships in, else
#                               dist/socketio-tray of the source tree
#   install.sh --autostart ...  also start it at log-in (~/.config/autostart)
#   install.sh --uninstall      remove everything this script installed
#
# Puts the app in ~/.local/lib/socketio-tray/, a link in ~/.local/bin/, the menu entry in
# ~/.local/share/applications/ and the icons in ~/.local/share/icons/hicolor/ (honouring
# XDG_DATA_HOME and XDG_CONFIG_HOME).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
NAME=socketio-tray
DATA="${XDG_DATA_HOME:-$HOME/.local/share}"
CONFIG="${XDG_CONFIG_HOME:-$HOME/.config}"
APP_DIR="$HOME/.local/lib/$NAME"
BIN="$HOME/.local/bin/$NAME"
DESKTOP="$DATA/applications/$NAME.desktop"
AUTOSTART="$CONFIG/autostart/$NAME.desktop"
ICONS="$DATA/icons/hicolor"

refresh_caches() {  # optional: desktops also notice new files without these
  command -v update-desktop-database >/dev/null && update-desktop-database -q "$DATA/applications" || true
  command -v gtk-update-icon-cache >/dev/null && gtk-update-icon-cache -q -t "$ICONS" 2>/dev/null || true
}

uninstall() {
  rm -rf "$APP_DIR"
  rm -f "$BIN" "$DESKTOP" "$AUTOSTART"
  find "$ICONS" -path "*/apps/$NAME.*" -delete 2>/dev/null || true
  refresh_caches
  echo "$NAME: uninstalled (settings and logs in your config and state directories are kept)"
}

autostart="" bundle=""
for arg in "$@"; do
  case "$arg" in
    --uninstall) uninstall; exit 0 ;;
    --autostart) autostart=1 ;;
    -h|--help) sed -n '2,13p' "$0" | cut -c3-; exit 0 ;;
    -*) echo "$NAME install: unknown option $arg (see --help)" >&2; exit 2 ;;
    *) bundle="$arg" ;;
  esac
done
if [ -z "$bundle" ]; then
  if [ -x "$HERE/../$NAME" ] && [ -d "$HERE/../_internal" ]; then
    bundle="$HERE/.."                       # shipped inside the one-folder bundle
  else
    bundle="$HERE/../../dist/$NAME"         # the source tree, after scripts/build-bundle
  fi
fi
if [ -d "$bundle" ]; then
  [ -x "$bundle/$NAME" ] || { echo "$NAME install: no $NAME executable in $bundle" >&2; exit 1; }
elif [ ! -x "$bundle" ]; then
  echo "$NAME install: no bundle at $bundle (build it with scripts/build-bundle)" >&2
  exit 1
fi
bundle="$(cd "$(dirname "$bundle")" && pwd)/$(basename "$bundle")"

# The app: a fresh copy (a copy, not a link, so that rebuilding does not break it).
mkdir -p "$(dirname "$APP_DIR")" "$(dirname "$BIN")"
staging="$APP_DIR.new"
rm -rf "$staging"
if [ -d "$bundle" ]; then
  cp -a "$bundle" "$staging"
else
  mkdir -p "$staging" && cp -a "$bundle" "$staging/$NAME"
fi
rm -rf "$APP_DIR" && mv "$staging" "$APP_DIR"
ln -sfn "$APP_DIR/$NAME" "$BIN"

# Icons: the PNGs next to this script, and the SVG when there is one.
for png in "$HERE"/icons/hicolor/*/apps/$NAME.png; do
  size="$(basename "$(dirname "$(dirname "$png")")")"
  install -D -m 644 "$png" "$ICONS/$size/apps/$NAME.png"
done
for svg in "$HERE/icons/hicolor/scalable/apps/$NAME.svg" "$HERE/../../resources/tray-running.svg"; do
  if [ -f "$svg" ]; then install -D -m 644 "$svg" "$ICONS/scalable/apps/$NAME.svg"; break; fi
done

# The menu entry, pointing at the installed executable.
exec_line="Exec=\"$APP_DIR/$NAME\""
mkdir -p "$(dirname "$DESKTOP")"
sed "s|^Exec=.*|$exec_line|" "$HERE/$NAME.desktop" >"$DESKTOP"
chmod 644 "$DESKTOP"
if [ -n "$autostart" ]; then
  # Started at log-in: hidden in the tray, as the app's own "Start at login" writes it.
  mkdir -p "$(dirname "$AUTOSTART")"
  sed "s|^Exec=.*|$exec_line --hidden|" "$HERE/$NAME.desktop" >"$AUTOSTART"
  chmod 644 "$AUTOSTART"
fi
refresh_caches

echo "$NAME: installed in $APP_DIR"
echo "  menu entry $DESKTOP${autostart:+ (and $AUTOSTART)}"
case ":$PATH:" in
  *":$HOME/.local/bin:"*) echo "  command: $NAME" ;;
  *) echo "  command: $BIN (add ~/.local/bin to PATH to type just $NAME)" ;;
esac
