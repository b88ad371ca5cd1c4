#!/usr/bin/env bash
# Refresh the intersphinx inventories (objects.inv) shipped in this folder.
#
# The docs build offline: the inventories are read from these files, never from the
# projects' sites.  Each comes from the Debian package that ships that project's built HTML
# documentation (Debian 13 "trixie" for NumPy 2.2.4, SciPy 1.15.3, ASE 3.24.0 and
# pymatgen 2025.2.18; Debian 12 for the Python 3.11 library).  The packages are downloaded,
# not installed, with a private apt state under $WORK, so the machine's apt setup is untouched.
# Needs root (apt) and access to Debian's archive.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
fetch() {  # suite, package, path of objects.inv inside it, name here
    local suite="$1" pkg="$2" path="$3" name="$4"
    mkdir -p "$WORK/$suite/lists/partial" "$WORK/$suite/cache/archives/partial"
    echo "deb http://deb.debian.org/debian $suite main" > "$WORK/$suite/sources.list"
    local A=(-o "Dir::Etc::SourceList=$WORK/$suite/sources.list" -o Dir::Etc::SourceParts=/dev/null
             -o "Dir::State::Lists=$WORK/$suite/lists" -o "Dir::Cache=$WORK/$suite/cache")
    [ -e "$WORK/$suite/updated" ] || { apt-get "${A[@]}" update -qq; touch "$WORK/$suite/updated"; }
    (cd "$WORK" && apt-get "${A[@]}" download "$pkg" -qq)
    rm -rf "$WORK/x" && mkdir "$WORK/x" && dpkg -x "$WORK"/"${pkg}"_*.deb "$WORK/x"
    cp "$WORK/x/$path" "$here/$name.inv"
    echo "$name.inv <- $(basename "$WORK"/"${pkg}"_*.deb)"
}
fetch trixie python-numpy-doc usr/share/doc/python-numpy/html/objects.inv numpy
fetch trixie python-scipy-doc usr/share/doc/python-scipy-doc/html/objects.inv scipy
fetch trixie python-ase-doc usr/share/doc/python-ase-doc/html/objects.inv ase
fetch trixie python-pymatgen-doc usr/share/doc/python-pymatgen-doc/html/objects.inv pymatgen
fetch bookworm python3.11-doc usr/share/doc/python3.11/html/objects.inv python
