#!/usr/bin/env bash
# Fuzzes one Jazzer target for a while: tools/fuzz.sh TARGET [SECONDS]
#
# TARGET is one of the names below (or Module:Class#method). The normal `mvn test` run only replays the committed
# regression inputs (src/test/resources/<package>/<Class>Inputs/<method>/); this script sets JAZZER_FUZZ=1 so Jazzer
# mutates inputs for SECONDS (default 600). The growing corpus stays in <module>/.cifuzz-corpus/ (git-ignored).
# A crash stops the run and is written into the Inputs folder as crash-<sha1>: fix the code, keep the file (it is
# now a regression input), commit both.
set -euo pipefail
cd "$(dirname "$0")/.."

declare -A TARGETS=(
  [safetensors]="nodes:SafetensorsFuzzTest#parseFile"
  [safetensors-file]="nodes:SafetensorsFuzzTest#openFile"
  [pickle]="nodes:PickleFuzzTest#unpickle"
  [ckpt]="nodes:PickleFuzzTest#checkpointZip"
  [png]="nodes:PngTextFuzzTest#read"
  [workflow]="graph-core:WorkflowFuzzTest#parseAndValidate"
  [infotext]="nodes:A1111InfotextFuzzTest#parseAndImport"
  [filename]="app:FileRootsFuzzTest#resolve"
  [node-pack]="nodes:NodePackJarFuzzTest#load"
  [ipadapter]="nodes:IpAdapterFuzzTest#ipadapterFile"
  [controlnet]="nodes:ControlNetFuzzTest#load"
  [controlnet-formats]="nodes:ControlNetFormatsFuzzTest#convertEditedLayout"
  [controlnet-formats-file]="nodes:ControlNetFormatsFuzzTest#openFile"
  [clip-vision]="nodes:ClipVisionFuzzTest#clipVisionFile"
  [style-model]="nodes:ClipVisionFuzzTest#styleModelFile"
  [unclip]="nodes:UnclipTowerFuzzTest#unclipCheckpoint"
  [t2i-adapter]="nodes:T2IAdapterFuzzTest#loadFile"
  [gligen]="nodes:GligenFuzzTest#load"
  [latent]="nodes:LatentFileFuzzTest#read"
  [taesd]="nodes:TaesdFuzzTest#load"
  [upscaler]="nodes:UpscaleModelFuzzTest#load"
  [exif]="nodes:ExifOrientationFuzzTest#orientation"
  [broker-entry]="app:BrokerEntriesFuzzTest#bucketEntry"
  [identify]="nodes:ModelIdentifierFuzzTest#identifySafetensors"
  [identify-file]="nodes:ModelIdentifierFuzzTest#identifyFile"
  [sidecar]="nodes:ModelIdentifierFuzzTest#sidecar"
  [civitai-answer]="nodes:DownloadAnswersFuzzTest#civitaiAnswer"
  [model-link]="nodes:DownloadAnswersFuzzTest#link"
  [download-headers]="nodes:DownloadAnswersFuzzTest#headerNames"
  # later: [ui-workflow]=...
)

if [[ $# -lt 1 ]]; then
  echo "usage: $0 TARGET [SECONDS]   targets: ${!TARGETS[*]} (or module:Class#method)" >&2
  exit 2
fi
spec="${TARGETS[$1]:-$1}"
seconds="${2:-600}"
module="${spec%%:*}"
test="${spec#*:}"

export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
export JAZZER_FUZZ=1
export JAZZER_MAX_DURATION="${seconds}s"
./mvnw -B -o -q install -DskipTests
exec ./mvnw -B -o -pl "$module" test -Dtest="$test" -Dsurefire.failIfNoSpecifiedTests=false \
  -Djazzer.max_duration="${seconds}s" -Djazzer.hooks=true
