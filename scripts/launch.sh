#!/usr/bin/env bash
# Shared launcher: builds MODULE (and what it depends on) when its sources changed, then runs MAIN_CLASS
# on the module's jar plus its dependency class path. Used by ./lowrank and ./lowrank-bench.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
module=$1 main_class=$2
shift 2
target="$root/$module/target"
cp_file="$target/classpath.txt"
jar=$(ls "$target"/"$module"-*.jar 2>/dev/null | head -n 1 || true)
stale=1
if [ -n "$jar" ] && [ -f "$cp_file" ]; then
  changed=$(find "$root" -path "$root/.git" -prune -o \( -name '*.java' -o -name pom.xml -o -path '*/src/main/resources/*' \) \
    -newer "$jar" -print 2>/dev/null | grep -v '/src/test/' | head -n 1 || true)
  [ -z "$changed" ] && stale=0
fi
if [ "$stale" = 1 ]; then
  echo "lowrank: building $module (first run or sources changed)..." >&2
  (cd "$root" && mvn -B -q -ntp -Dmaven.test.skip=true -Dspotless.check.skip=true -pl "$module" -am package) >&2
  jar=$(ls "$target"/"$module"-*.jar | head -n 1)
fi
# ORT 1.29's Linux telemetry opens /tmp/mat-debug-<pid>.log on every start; this turns it off.
export ORT_DISABLE_TELEMETRY=${ORT_DISABLE_TELEMETRY:-1}
exec java ${LOWRANK_JAVA_OPTS:--Xmx8g} -Dai.djl.offline=true -cp "$jar:$(cat "$cp_file")" "$main_class" "$@"
