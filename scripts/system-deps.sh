#!/usr/bin/env bash
# System packages the test suite needs. Installs them on Debian/Ubuntu when run as root (as in CI);
# elsewhere prints what to install.
set -euo pipefail
# card stack (pcscd + vpcd + OpenSC), pyscard's build deps, promtool (prometheus), shellcheck, the browser
PKGS=(python3-venv pcscd vsmartcard-vpcd libpcsclite-dev opensc swig openssl prometheus shellcheck chromium)
# the e-COE signing key's PKCS#11 token in the tests and the real mode on one machine
PKGS+=(softhsm2)
# intake's PDFs: WeasyPrint's Pango, the Noto fonts they embed (all eight languages), poppler's pdffonts/pdftotext
PKGS+=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-core fonts-noto-cjk poppler-utils)
# kubectl renders the Kustomize overlays; this machine kind has it (Google Cloud SDK's Debian repo)
command -v kubectl >/dev/null || PKGS+=(kubectl)
# npm installs axe-core for the browser test (this kind's nodejs bundles npm; stock Debian splits it)
command -v npm >/dev/null || PKGS+=(nodejs npm)
# vpcd listens on 35963 and 35964 (its two slots), inside Linux's ephemeral range: keep the kernel from giving those
# ports to an outgoing connection, or a pcscd started meanwhile comes up without the virtual reader (root; lasts
# until a reboot)
if [[ $(id -u) -eq 0 && -w /proc/sys/net/ipv4/ip_local_reserved_ports ]]; then
  for port in 35963 35964; do
    reserved=$(cat /proc/sys/net/ipv4/ip_local_reserved_ports)
    [[ ",$reserved," == *",$port,"* ]] || echo "${reserved:+$reserved,}$port" >/proc/sys/net/ipv4/ip_local_reserved_ports
  done
fi
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0
if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
  echo "installing system packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "The test suite needs these system packages: ${missing[*]}"
  echo "  Debian/Ubuntu: sudo apt-get install ${missing[*]}"
  echo "Tests that need them are skipped (and fail under CI=true)."
fi
