#!/usr/bin/env bash
# Where a cold Kubernetes build's time goes, measured side by side: one Kubernetes command of a
# minor's wrapper module (images/go/kubernetes-1.N) built from an empty Go build cache with each
# variant of the offline build's flags, variants alternating round by round so a drift of the
# machine's load hits them alike. Prints, and writes to DIR/report.md, each build's wall time and
# each variant's median against the first variant's.
#
#   scripts/bench-go-build.sh [--k8s 1.34] [--cmd kube-scheduler] [--rounds 1] [--out DIR]
#                             [--variants base,nodwarf,p4]
#
# Variants (each adds to `base`, the flags images/build-minor.sh used before they were measured):
#   base      CGO_ENABLED=0 -trimpath -buildvcs=false -ldflags '-s -w'
#   nodwarf   + -gcflags=all=-dwarf=false (the compiler writes no debug info the linker drops)
#   p4        + -p 4 (four packages compiled at once instead of one per core)
#   nodwarf-p4  both
# The module cache is used as it is (download once before: the first build of the minor does);
# each build gets its own empty GOCACHE under DIR, removed afterwards (a cold one takes a few GB).
# DIR defaults to target/sidecar-e2e/bench-go-build-<UTC time>. Run it with nothing else running.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

k8s=1.34
cmd=kube-scheduler
rounds=1
out=""
variants=base,nodwarf,p4
while [ $# -gt 0 ]; do
  case "$1" in
    --k8s) k8s="${2:-}"; shift 2 ;;
    --cmd) cmd="${2:-}"; shift 2 ;;
    --rounds) rounds="${2:-}"; shift 2 ;;
    --out) out="${2:-}"; shift 2 ;;
    --variants) variants="${2:-}"; shift 2 ;;
    -h | --help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument '$1' (try --help)" ;;
  esac
done
[[ "$rounds" =~ ^[1-9][0-9]*$ ]] || die "--rounds takes a whole number from 1, not '$rounds'"
module="images/go/kubernetes-$k8s"
[ -f "$module/go.mod" ] || die "no wrapper module $module (minors with one: $(find images/go -maxdepth 1 -name 'kubernetes-*' -printf '%f\n' | sed 's/kubernetes-//' | sort -V | paste -sd' ' -))"
command -v go >/dev/null 2>&1 || die "the Go toolchain is needed"
IFS=, read -r -a names <<<"$variants"
for v in "${names[@]}"; do
  case "$v" in base | nodwarf | p4 | nodwarf-p4) ;; *) die "unknown variant '$v' (base, nodwarf, p4, nodwarf-p4)" ;; esac
done
out="${out:-target/sidecar-e2e/bench-go-build-$(date -u +%Y%m%dT%H%M%SZ)}"
mkdir -p "$out"
out=$(cd "$out" && pwd)

# The flags of a variant, as arguments to `go build`.
flags_of() {
  local f=(-trimpath -buildvcs=false -ldflags "-s -w")
  case "$1" in
    nodwarf) f+=(-gcflags=all=-dwarf=false) ;;
    p4) f+=(-p 4) ;;
    nodwarf-p4) f+=(-gcflags=all=-dwarf=false -p 4) ;;
  esac
  printf '%s\n' "${f[@]}"
}

echo "bench-go-build: k8s.io/kubernetes/cmd/$cmd of $module, variants ${names[*]}, $rounds round(s); out: $out" >&2
: >"$out/runs.tsv"
for ((r = 1; r <= rounds; r++)); do
  order=("${names[@]}")
  # Even rounds go through the variants backwards.
  if ((r % 2 == 0)); then
    order=()
    for ((i = ${#names[@]} - 1; i >= 0; i--)); do order+=("${names[$i]}"); done
  fi
  for v in "${order[@]}"; do
    cache="$out/gocache-$v-$r"
    rm -rf "$cache"
    mapfile -t flags < <(flags_of "$v")
    started=$(date +%s.%N)
    (cd "$module" && CGO_ENABLED=0 GOFLAGS="" GOCACHE="$cache" go build "${flags[@]}" -o "$out/$cmd-$v" "k8s.io/kubernetes/cmd/$cmd") \
      >"$out/build-$v-$r.log" 2>&1 || die "the $v build failed: $out/build-$v-$r.log"
    secs=$(python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f}')" "$started" "$(date +%s.%N)")
    size=$(du -sm "$cache" | cut -f1)
    rm -rf "$cache" "$out/$cmd-$v"
    printf '%s\t%s\t%s\t%s\n' "$r" "$v" "$secs" "$size" >>"$out/runs.tsv"
    echo "  round $r $v: ${secs}s (build cache ${size} MB)" >&2
  done
done

python3 - "$out/runs.tsv" "${names[0]}" "$k8s" "$cmd" >"$out/report.md" <<'EOF'
import statistics, sys
path, first, k8s, cmd = sys.argv[1:]
runs = {}
caches = {}
for line in open(path):
    _, v, secs, mb = line.split("\t")
    runs.setdefault(v, []).append(float(secs))
    caches.setdefault(v, []).append(int(mb))
base = statistics.median(runs[first])
print(f"`go build k8s.io/kubernetes/cmd/{cmd}` of Kubernetes {k8s}, empty build cache each time\n")
print(f"| variant | builds (s) | median | against {first} | build cache |")
print("|---|---|---:|---:|---:|")
for v, secs in runs.items():
    m = statistics.median(secs)
    print(f"| {v} | {', '.join(f'{s:.0f}' for s in secs)} | {m:.0f} s | {m / base:.2f}x | {statistics.median(caches[v])} MB |")
EOF
cat "$out/report.md"
