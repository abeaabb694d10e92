#!/usr/bin/env bash
# The floor, measured beside the cell: on one node image, in one run, a bare
# `kind create cluster --wait 5m` plus `kind delete cluster` (the floor: what any test on a kind
# cluster pays) against one whole cell of `sidecar-e2e run` with the four proxy scenarios,
# alternating (the floor first in odd rounds, the cell first in even ones, so a drift of the
# machine's load hits both alike). Prints, and writes to DIR/report.md, the medians of both, the
# cell/floor ratio and the median of each phase of the cell (its timings.json). Run it with
# nothing else running on the machine: the figures are only comparable side by side.
#
#   scripts/bench-cell-floor.sh [--k8s 1.37] [--rounds 3] [--out DIR]
#   scripts/bench-cell-floor.sh --report DIR     the report of an earlier run's DIR, again
#
# It builds the harness and the minor's offline images first (cached: seconds when warm), so the
# node image is this checkout's and a cell on it loads nothing. Every cell must pass (exit 0),
# or the benchmark stops. DIR defaults to target/sidecar-e2e/bench-cell-floor-<UTC time>; it
# keeps each cell's artifacts (cell-<round>/) and each floor's kind output (floor-<round>.log).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

k8s=1.37
rounds=3
out=""
report_only=""
while [ $# -gt 0 ]; do
  case "$1" in
    --k8s) k8s="${2:-}"; shift 2 ;;
    --rounds) rounds="${2:-}"; shift 2 ;;
    --out) out="${2:-}"; shift 2 ;;
    --report) report_only="${2:-}"; shift 2 ;;
    -h | --help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument '$1' (try --help)" ;;
  esac
done
[[ "$rounds" =~ ^[1-9][0-9]*$ ]] || die "--rounds takes a whole number from 1, not '$rounds'"
[[ "$k8s" =~ ^1\.[0-9]+$ ]] || die "--k8s takes one minor such as 1.37, not '$k8s'"
for tool in jq python3; do
  command -v "$tool" >/dev/null 2>&1 || die "'$tool' is needed (apt-get install jq python3)"
done

# report DIR: medians over the rounds of DIR, and the cell's phases from each round's timings.json.
report() {
  python3 - "$1" <<'PY'
import glob, json, statistics, sys

out = sys.argv[1]
k8s, node_image = open(f"{out}/what.txt").read().split()
floors = [tuple(map(float, l.split())) for l in open(f"{out}/floor.txt")]
cells = [float(l) for l in open(f"{out}/cell.txt")]
med = statistics.median
floor = med(c + d for c, d in floors)
cell = med(cells)
print(f"Kubernetes {k8s}, node image `{node_image}`, {len(cells)} rounds, medians:\n")
print("| | seconds | × floor |")
print("|---|---:|---:|")
print(f"| floor: `kind create cluster --wait 5m` | {med(c for c, _ in floors):.1f} | |")
print(f"| floor: `kind delete cluster` | {med(d for _, d in floors):.1f} | |")
print(f"| **floor** (create + delete) | **{floor:.1f}** | 1.00 |")
print(f"| **cell** (`sidecar-e2e run`, wall) | **{cell:.1f}** | **{cell / floor:.2f}** |")
print(f"\nEach round: floor {', '.join(f'{c + d:.1f}' for c, d in floors)}; cell {', '.join(f'{c:.1f}' for c in cells)}.\n")

phases, steps, loaded, waited = {}, {}, set(), []
for path in sorted(glob.glob(f"{out}/cell-*/*/timings.json")):
    for entry in json.load(open(path)):
        phases.setdefault(entry["phase"], []).append(entry["millis"] / 1000)
        for step in entry.get("steps", []):
            steps.setdefault(step["step"], []).append(step["millis"] / 1000)
        # kube-system is awaited beside probe, load and install: only what outlasts them adds to
        # the wall.
        beside = [s["millis"] / 1000 for s in entry.get("steps", []) if "beside" in s["step"]]
        if beside:
            waited.append(sum(beside))
        if "loaded" in entry:
            loaded.add(json.dumps(entry["loaded"]))
print("The cell's phases (timings.json), medians:\n")
print("| phase | seconds |")
print("|---|---:|")
for name, values in phases.items():
    print(f"| {name} | {med(values):.1f} |")
    if name == "cluster up":
        for step, values in steps.items():
            print(f"| · {step} | {med(values):.1f} |")
beside = sum(med(phases.get(p, [0])) for p in ("probe", "load images", "install"))
outlasting = max(0.0, med(waited) - beside) if waited else 0.0
print(f"| kube-system Ready after the install (the scenarios wait for it) | {outlasting:.1f} |")
total = sum(med(v) for v in phases.values()) + outlasting
print(f"| the process around the phases (start, preflight, judging, reports) | {cell - total:.1f} |")
print(f"\nLoaded by the cells: {', '.join(sorted(loaded)) or 'not reported'}.")
PY
}

if [ -n "$report_only" ]; then
  [ -f "$report_only/cell.txt" ] || die "$report_only holds no benchmark (no cell.txt)"
  report "$report_only"
  exit 0
fi
require_docker

scenarios=sleep,init-traffic,job,shutdown-traffic
target_dir="${CARGO_TARGET_DIR:-target}"
out="${out:-$target_dir/sidecar-e2e/bench-cell-floor-$(date -u +%Y%m%dT%H%M%SZ)}"
mkdir -p "$out"
out=$(cd "$out" && pwd)

say "building the harness and the offline images of Kubernetes $k8s (cached when warm)"
cargo build --locked --quiet -p sidecar-e2e
harness="$target_dir/debug/sidecar-e2e"
"$harness" images build --k8s "$k8s" --output "$out/images.yaml"
kind=$(sed -n 's/^ *path: \(.*\/kind\)$/\1/p' "$out/images.yaml" | head -n 1)
[ -x "$kind" ] || die "the image map $out/images.yaml names no kind binary"
cgroup=$(docker info --format '{{.CgroupVersion}}')
"$harness" kind-config --k8s "$k8s" --image-map "$out/images.yaml" --host-cgroup "v${cgroup:-2}" >"$out/kind-config.yaml"
node_image=$(sed -n 's/^ *image: //p' "$out/kind-config.yaml" | head -n 1)
say "node image $node_image; $rounds rounds; artifacts in $out"

now() { date +%s.%N; }
since() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f}')" "$1" "$(now)"; }

floor_name="bench-floor-$$"
# A floor cluster left by an interruption is deleted (cells clean up after themselves).
trap '"$kind" delete cluster --name "$floor_name" >/dev/null 2>&1 || true' EXIT

# floor ROUND: one bare cluster, created with --wait and deleted; appends "create delete" seconds.
floor() {
  local started create
  started=$(now)
  "$kind" create cluster --name "$floor_name" --config "$out/kind-config.yaml" --image "$node_image" \
    --kubeconfig "$out/floor-kubeconfig" --wait 5m >"$out/floor-$1.log" 2>&1 ||
    die "the floor's kind create failed (round $1): see $out/floor-$1.log"
  create=$(since "$started")
  started=$(now)
  "$kind" delete cluster --name "$floor_name" >>"$out/floor-$1.log" 2>&1
  echo "$create $(since "$started")" >>"$out/floor.txt"
  say "round $1: floor ${create}s create + $(tail -n 1 "$out/floor.txt" | cut -d' ' -f2)s delete"
}

# cell ROUND: one cell with the four proxy scenarios; appends its wall seconds.
cell() {
  local started status=0
  started=$(now)
  "$harness" run --k8s "$k8s" --scenario "$scenarios" --parallel 1 --image-map "$out/images.yaml" \
    --artifacts "$out/cell-$1" >"$out/cell-$1.log" 2>&1 || status=$?
  [ "$status" = 0 ] || die "the cell of round $1 exited $status: see $out/cell-$1.log"
  since "$started" >>"$out/cell.txt"
  say "round $1: cell $(tail -n 1 "$out/cell.txt")s"
}

rm -f "$out/floor.txt" "$out/cell.txt"
echo "$k8s $node_image" >"$out/what.txt"
for round in $(seq 1 "$rounds"); do
  if ((round % 2 == 1)); then floor "$round" && cell "$round"; else cell "$round" && floor "$round"; fi
done
report "$out" | tee "$out/report.md"
