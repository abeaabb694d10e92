#!/usr/bin/env bash
# Step `inputs` of action.yml: checks every input before anything is installed, and writes the
# normalised values the later steps read (as outputs of this step). A bad input fails here, exit 2,
# with an error naming it; `sidecar-e2e plan` (step `plan`) then checks the cell itself.
#
# Reads INPUT_<NAME> (K8S, GATE, INJECTOR, SCENARIOS, SCENARIO, ISTIOCTL, IMAGE_MAP, HARNESS,
# ARTIFACT_NAME). Relative paths are relative to the working directory, the workspace on a runner.
# Outputs: k8s, gate, injector, scenarios, scenario, istioctl, image-map, harness, slug, work,
# artifacts, artifact-name.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
require_env GITHUB_OUTPUT RUNNER_TEMP

trim() {
  local text=$1
  text="${text#"${text%%[![:space:]]*}"}"
  printf '%s' "${text%"${text##*[![:space:]]}"}"
}

k8s=$(trim "${INPUT_K8S:-}")
gate=$(trim "${INPUT_GATE:-default}")
injector=$(trim "${INPUT_INJECTOR:-builtin}")
scenarios=$(trim "${INPUT_SCENARIOS:-}")
scenario=$(trim "${INPUT_SCENARIO:-}")
istioctl=$(trim "${INPUT_ISTIOCTL:-}")
image_map=$(trim "${INPUT_IMAGE_MAP:-}")
harness=$(trim "${INPUT_HARNESS:-auto}")
artifact_name=$(trim "${INPUT_ARTIFACT_NAME:-}")

[ -n "$k8s" ] || bad_input k8s "is required: one Kubernetes minor, such as 1.33"
[[ "$k8s" =~ ^1\.[0-9]+$ ]] || bad_input k8s "\"$k8s\" is not one Kubernetes minor such as 1.33 (one cell per use of the action)"

gate=${gate// /}
[ -n "$gate" ] || gate=default
IFS=, read -r -a gates <<<"$gate"
for one in "${gates[@]}"; do
  case "$one" in
    on | off | default) ;;
    *) bad_input gate "\"$one\" is not on, off or default (several, comma-separated, boot one cluster each)" ;;
  esac
done

[ -n "$injector" ] || injector=builtin
if [[ "$injector" == */* || "$injector" == *.yaml || "$injector" == *.yml ]]; then
  [ -f "$injector" ] || bad_input injector "\"$injector\" looks like a profile's path, but there is no such file (paths are relative to $PWD)"
  injector=$(realpath "$injector")
  injector_slug=$(basename "$injector")
  injector_slug=${injector_slug%.*}
elif [[ "$injector" =~ ^[a-z][a-z0-9-]*(@[0-9]+\.[0-9]+)?$ ]]; then
  injector_slug=$injector
else
  bad_input injector "\"$injector\" is neither a profile name (builtin, istio@1.30, otel) nor the path of a profile file"
fi

if [ -n "$scenarios" ]; then
  [ -d "$scenarios" ] || bad_input scenarios "\"$scenarios\" is not a directory (paths are relative to $PWD)"
  scenarios=$(realpath "$scenarios")
fi
if [ -n "$scenario" ]; then
  scenario=${scenario// /}
  [[ "$scenario" =~ ^[a-z0-9-]+(,[a-z0-9-]+)*$ ]] || bad_input scenario "\"$scenario\" is not a comma-separated list of scenario names (sidecar-e2e run --help lists them)"
fi

if [ -n "$istioctl" ]; then
  [[ "$istioctl" =~ ^1\.([0-9]+)\.[0-9]+$ ]] || bad_input istioctl "\"$istioctl\" is not an Istio release such as 1.30.5"
  minor=${BASH_REMATCH[1]}
  [[ "$injector" == "istio@1.$minor" ]] || bad_input istioctl "istioctl $istioctl installs Istio 1.$minor; set injector to istio@1.$minor (it is $injector)"
fi

if [ -n "$image_map" ]; then
  [ -f "$image_map" ] || bad_input image-map "\"$image_map\" is not a file (paths are relative to $PWD)"
  image_map=$(realpath "$image_map")
fi

case "$harness" in
  auto | release | source) ;;
  *) bad_input harness "\"$harness\" is not auto, release or source" ;;
esac

slug="$k8s-${gate//,/-}-$injector_slug"
slug=${slug//[^A-Za-z0-9.-]/-}
if [ -z "$artifact_name" ]; then
  artifact_name="sidecar-e2e-$slug"
fi
# What upload-artifact refuses in a name (a bracket expression: the backslash is literal there).
refused='[":<>|*?\/]'
if [[ "$artifact_name" =~ $refused || "$artifact_name" == *$'\n'* || "$artifact_name" == *$'\r'* ]]; then
  bad_input artifact-name "\"$artifact_name\" has a character an artifact name may not have (\" : < > | * ? \\ / or a line break)"
fi

# One directory per use of the action: two cells in one job do not share files.
mkdir -p "$RUNNER_TEMP"
work=$(mktemp -d "$RUNNER_TEMP/sidecar-e2e-$slug.XXXXXX")

output k8s "$k8s"
output gate "$gate"
output injector "$injector"
output scenarios "$scenarios"
output scenario "$scenario"
output istioctl "$istioctl"
output image-map "$image_map"
output harness "$harness"
output slug "$slug"
output work "$work"
output artifacts "$work/artifacts"
output artifact-name "$artifact_name"
say "cell: Kubernetes $k8s, gate $gate, injector $injector${scenarios:+, scenarios from $scenarios}${scenario:+, scenarios $scenario}"
