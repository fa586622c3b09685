#!/usr/bin/env bash
# Debian packages that some tests drive for real: Chromium (the sandbox chat page in a browser,
# with an emoji font for its screenshots) and Prometheus (promtool for the alert rules, a real scrape of the running services).
# Installs what is missing when run as root on Debian/Ubuntu; otherwise says what to install.
# The tests that need them skip with one line when they are absent.
set -euo pipefail

wanted=()
command -v chromium >/dev/null 2>&1 || wanted+=(chromium)
command -v promtool >/dev/null 2>&1 || wanted+=(prometheus)
# emoji in the browser test's screenshots (buttons and messages are full of them)
if command -v dpkg >/dev/null 2>&1 && ! dpkg -s fonts-noto-color-emoji >/dev/null 2>&1; then
    wanted+=(fonts-noto-color-emoji)
fi
if [ ${#wanted[@]} -eq 0 ]; then
    echo "system-deps: chromium, its emoji font and prometheus are installed"
    exit 0
fi
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "system-deps: missing ${wanted[*]} (install them, e.g. sudo apt-get install ${wanted[*]}); their tests will skip"
    exit 0
fi
echo "system-deps: installing ${wanted[*]}"
export DEBIAN_FRONTEND=noninteractive
if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${wanted[@]}"; } >/tmp/bookbots-system-deps.log 2>&1; then
    echo "system-deps: apt-get failed (see /tmp/bookbots-system-deps.log); their tests will skip"
    exit 0
fi
# The package may start a Prometheus of its own (where a service manager runs): not ours.
if command -v systemctl >/dev/null 2>&1; then systemctl disable --now prometheus >/dev/null 2>&1 || true; fi
echo "system-deps: installed ${wanted[*]}"
