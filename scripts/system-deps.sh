#!/usr/bin/env bash
# Installs the Debian packages the build needs when they are missing: Pango for the PDF engine (required),
# HarfBuzz-Subset for its font subsetting, poppler-utils to turn PDF pages into pictures, and the DejaVu
# fonts of the house style. A failed install of the optional ones is a warning, not an error.
set -u
need=()
has_pango=1
ldconfig -p 2>/dev/null | grep -q 'libpango-1.0.so' || { need+=(libpango-1.0-0 libpangoft2-1.0-0); has_pango=0; }
ldconfig -p 2>/dev/null | grep -q 'libharfbuzz-subset.so' || need+=(libharfbuzz-subset0)
command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf ] || need+=(fonts-dejavu-core)
command -v chromium >/dev/null 2>&1 || need+=(chromium)  # the desk's browser tests
[ ${#need[@]} -eq 0 ] && exit 0
echo "installing Debian packages: ${need[*]}" >&2
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
if $sudo apt-get update -qq >/dev/null && $sudo apt-get install -y -qq "${need[@]}" >/dev/null; then
  exit 0
fi
if [ "$has_pango" -eq 0 ]; then
  echo "error: could not install Pango (libpango-1.0-0), which the PDF engine needs" >&2
  exit 1
fi
echo "warning: could not install ${need[*]}; PDFs are still made, with larger fonts embedded" >&2
exit 0
