#!/usr/bin/env bash
# Installs everything lowrank's build, tests and demo need on a fresh Debian/Ubuntu machine with a
# JDK 17+: Maven, Fashion-MNIST (Debian's dataset-fashion-mnist), the ONNX backend node tests
# (libonnx-testdata) and headless Chromium for the report rendering test. Safe to run twice.
set -euo pipefail
pkgs=(maven dataset-fashion-mnist libonnx-testdata chromium)
missing=()
for p in "${pkgs[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
command -v javac >/dev/null || { echo "install.sh: a JDK 17+ is required (javac not found)" >&2; exit 1; }
echo "install.sh: ready (maven, dataset-fashion-mnist, libonnx-testdata, chromium)"
