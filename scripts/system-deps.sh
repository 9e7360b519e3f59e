#!/usr/bin/env bash
# System packages the build needs, installed (on Debian and Ubuntu) only when they are missing:
#   required  Pango, for the PDF engine (checked by importing WeasyPrint with PYTHON, the first argument);
#   optional  HarfBuzz-Subset (smaller fonts in the PDF), the DejaVu fonts of the house style, and with --tests
#             Chromium, the browser the screen tests and screenshots use, and epubcheck (with a Java runtime),
#             which checks the EPUB.
# Where nothing can be installed (no apt-get, not root and no password-less sudo) it says what to install and,
# when Pango is missing, exits 1; a missing optional package is a warning.
set -u
python="${1:-python3}"
tests=0
[ "${2:-}" = "--tests" ] && tests=1

have_lib() {  # have_lib NAME: a shared library libNAME.so* is installed
  if command -v ldconfig >/dev/null 2>&1 && ldconfig -p 2>/dev/null | grep -q "lib$1\.so"; then return 0; fi
  compgen -G "/usr/lib/lib$1.so*" >/dev/null || compgen -G "/usr/lib/*/lib$1.so*" >/dev/null ||
    compgen -G "/usr/lib64/lib$1.so*" >/dev/null || compgen -G "/usr/local/lib/lib$1.so*" >/dev/null ||
    compgen -G "/opt/homebrew/lib/lib$1*.dylib" >/dev/null
}

required=()
optional=()
"$python" -c "import weasyprint" >/dev/null 2>&1 || required+=(libpango-1.0-0 libpangoft2-1.0-0)
have_lib harfbuzz-subset || optional+=(libharfbuzz-subset0)
if command -v fc-list >/dev/null 2>&1; then
  fc-list 2>/dev/null | grep -qi "DejaVu Serif" || optional+=(fonts-dejavu-core)
else
  compgen -G "/usr/share/fonts/*/dejavu/DejaVuSerif.ttf" >/dev/null || optional+=(fonts-dejavu-core)
fi
if [ "$tests" -eq 1 ] && ! command -v chromium >/dev/null 2>&1; then optional+=(chromium); fi
# the EPUB test checks the book with Debian's epubcheck, a Java program (the package brings a Java runtime)
if [ "$tests" -eq 1 ] && ! command -v epubcheck >/dev/null 2>&1; then optional+=(epubcheck); fi
if [ "$tests" -eq 1 ] && ! command -v java >/dev/null 2>&1; then optional+=(default-jre-headless); fi
command -v pdftoppm >/dev/null 2>&1 || optional+=(poppler-utils)  # the desk's picture of the PDF, and tests reading the pages
[ ${#required[@]} -eq 0 ] && [ ${#optional[@]} -eq 0 ] && exit 0

cannot() {  # cannot WHY: say what is missing and how to get it; exit 1 only when Pango is missing
  if [ ${#required[@]} -gt 0 ]; then
    echo "error: Pango is missing: the PDF engine (WeasyPrint) needs it, and $1." >&2
    echo "  Debian/Ubuntu: apt-get install ${required[*]}   Fedora: dnf install pango   Alpine: apk add pango" >&2
    echo "  macOS: brew install pango   (then run make again)" >&2
    [ ${#optional[@]} -gt 0 ] && echo "  also useful (Debian names): ${optional[*]}" >&2
    exit 1
  fi
  echo "warning: not installed: ${optional[*]} ($1); the issue is still built (larger fonts in the PDF," \
       "fallback fonts, or no browser tests)" >&2
  exit 0
}

command -v apt-get >/dev/null 2>&1 || cannot "this system has no apt-get to install it with"
run=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    run=(sudo -n)
  else
    cannot "installing it needs root: run as root  apt-get install -y ${required[*]} ${optional[*]}"
  fi
fi
echo "installing Debian packages: ${required[*]} ${optional[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
install() { ${run[@]+"${run[@]}"} apt-get install -y -qq --no-install-recommends "$@" >/dev/null 2>&1; }
if [ ${#required[@]} -gt 0 ]; then
  install "${required[@]}" || { ${run[@]+"${run[@]}"} apt-get update -qq >/dev/null 2>&1 && install "${required[@]}"; } ||
    cannot "apt-get could not install ${required[*]}"
fi
for package in "${optional[@]}"; do
  install "$package" || { ${run[@]+"${run[@]}"} apt-get update -qq >/dev/null 2>&1 && install "$package"; } ||
    echo "warning: could not install $package; the issue is still built without it" >&2
done
exit 0
