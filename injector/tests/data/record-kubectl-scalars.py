#!/usr/bin/env python3
"""Records what a real kubectl makes of tricky YAML scalars, as values and as mapping keys.

Writes kubectl-scalars.json next to this file; `tests/yaml_kubectl.rs` checks the injector's
reader against it. Needs only a kubectl binary: `kubectl annotate --local` reads the manifest
client-side (sigs.k8s.io/yaml over go-yaml v2) without a cluster.

    python3 injector/tests/data/record-kubectl-scalars.py [path/to/kubectl]
"""
import json
import pathlib
import subprocess
import sys

KUBECTL = sys.argv[1] if len(sys.argv) > 1 else "kubectl"
HERE = pathlib.Path(__file__).resolve().parent

SPELLINGS = [
    # octal, hex, binary, signs, underscores (go-yaml v2: ParseInt(plain, 0, 64))
    "0400", "0600", "0755", "0o17", "0O17", "0x1F", "0X1f", "-0x1F", "+0x1F", "+12", "-12",
    "-0", "00", "0", "0b101", "0B11", "0b+101", "0b-101", "-0b101", "1_000", "0x_1F", "1__0",
    "_1", "1_", "0_400",
    # past int64 / uint64
    "9223372036854775807", "9223372036854775808", "-9223372036854775808",
    "-9223372036854775809", "18446744073709551615", "18446744073709551616",
    "123456789012345678901234", "0xFFFFFFFFFFFFFFFF", "0xFFFFFFFFFFFFFFFFFF",
    # floats and exponents (yamlStyleFloat)
    "1e3", "1E3", "1e+3", "1e-3", "1.5e3", "1.0", "3.", "0.", ".5", "-.5", "+.5", ".5_0",
    "._5", "09", "08.5", "1.e5", "1e400", "-1e400", "1e-400", "-0.0", "0.1", "1.25",
    "6.02e23", "1e21", "1e20",
    # booleans and nulls (YAML 1.1 in go-yaml v2)
    "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "on", "On", "ON", "off",
    "Off", "OFF", "true", "True", "TRUE", "false", "False", "FALSE", "yES", "tRUE",
    "~", "null", "Null", "NULL", "nULL", "",
    # non-finite floats
    ".inf", ".Inf", ".INF", "+.inf", "-.inf", ".nan", ".NaN", ".iNf",
    # strings that look close
    "1:20", "190:20:30", "2001-12-14", "2001-12-14t21:59:43.10-05:00", "0x", "0o", "0b",
    "0x1G", "1.2.3", "+", "-", ".", "1e", "e3", "0b2", "--1", "12abc", "Infinity", "NaN",
    "inf", "<<", "=",
    # quoted and tagged
    '"0400"', "'yes'", '"1e3"', "!!str 0400", "!!int \"12\"", "!!float 3", "!!bool yes",
    "!!null ''", "!foo 12", "! 12", "!!binary aGVsbG8=", "!!timestamp 2001-12-14",
    "!!int abc", "!!float 0x10",
]


def read(document):
    result = subprocess.run(
        [KUBECTL, "annotate", "--local", "-f", "-", "-o", "json", "recorded=yes"],
        input=document, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        return None
    return json.loads(result.stdout)


def main():
    version = subprocess.run([KUBECTL, "version", "--client", "-o", "json"],
                             capture_output=True, text=True, check=True)
    records = []
    for spelling in SPELLINGS:
        as_value = read(f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: x}}\ndata:\n  v: {spelling}\n")
        as_key = read(f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: x}}\ndata:\n  {spelling}: v\n")
        records.append({
            "spelling": spelling,
            # absent: kubectl refused the document
            **({"value": as_value["data"]["v"]} if as_value else {}),
            **({"key": next(iter(as_key["data"]))} if as_key and as_key.get("data") else {}),
        })
    out = {
        "recordedWith": json.loads(version.stdout)["clientVersion"]["gitVersion"],
        "command": "kubectl annotate --local -f - -o json",
        "scalars": records,
    }
    (HERE / "kubectl-scalars.json").write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
