"""Sphinx configuration of the ase_spacecharge documentation (built by ``bash docs/build.sh``).

Why Sphinx (and not mkdocs-material): every public name already carries a numpydoc
docstring with doctests, which numpydoc renders as they are written; sphinx-gallery runs
plain Python scripts that end in a Matplotlib figure (the form the worked problems take) and
fails the build when one raises; intersphinx links our types to NumPy, SciPy, ASE and
pymatgen, whose own documentation is Sphinx.  See docs/guide/install.rst ("Building the
documentation").
"""

import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "_ext"))
os.environ.setdefault("MPLBACKEND", "Agg")

import ase_spacecharge  # noqa: E402

project = "ase_spacecharge"
author = "the ase_spacecharge developers"
copyright = "2026, the ase_spacecharge developers"
release = version = ase_spacecharge.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.intersphinx",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "case_keys",  # docs/_ext/case_keys.py: the case-file key table, generated from the schema
]

exclude_patterns = ["_build", "_inventories", "_readme_draft.md", "gallery/README.rst", "**/*.md"]
templates_path = []
html_theme = "furo"
html_title = f"ase_spacecharge {release}"
html_static_path = ["_static"]
html_css_files = ["extra.css"]
pygments_style = "sphinx"
# the formulas are written in Unicode (Φ0, ΔE, √, ²): they render without MathJax, which
# would come from a CDN and so not render offline
root_doc = "index"

# -- API reference -----------------------------------------------------------------------
autodoc_default_options = {"members": False}
# no sphinx.ext.viewcode: its "[docs]" back-links from the source pages point at anchors of the
# defining module (ase_spacecharge.analytic.debye_length) while the reference documents names
# where users import them (ase_spacecharge.debye_length) -- nine broken links, found by
# docs/check_links.py
autodoc_typehints = "none"  # the numpydoc sections give the types, with units
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = True
numpydoc_xref_aliases = {
    "ndarray": "numpy.ndarray", "array_like": ":term:`numpy:array_like`",
    "Atoms": "ase.Atoms", "ase.Atoms": "ase.Atoms",
    "Structure": "pymatgen.core.structure.Structure",
    "Problem": "ase_spacecharge.Problem", "SpaceChargeSolution": "ase_spacecharge.SpaceChargeSolution",
    "Sites": "ase_spacecharge.Sites", "DefectSpecies": "ase_spacecharge.DefectSpecies",
    "Carrier": "ase_spacecharge.Carrier", "Material": "ase_spacecharge.Material",
    "PNPSystem": "ase_spacecharge.dynamics.PNPSystem", "Kinetics": "ase_spacecharge.dynamics.Kinetics",
    "Spectrum": "ase_spacecharge.dynamics.Spectrum", "Transient": "ase_spacecharge.dynamics.Transient",
    "Projection": "ase_spacecharge.structure.Projection",
    "DataFrame": "pandas.DataFrame",
}
numpydoc_xref_ignore = {"optional", "default", "of", "or", "and", "shape", "callable", "sequence", "mapping",
                        "iterable", "type", "array", "n", "m", "k"}

# -- Cross-links to the projects we build on ----------------------------------------------
# Offline by construction: each inventory is a file in docs/_inventories (taken from the
# Debian package of that project's HTML documentation; docs/_inventories/refresh.sh), so the
# build never reaches for the network and a missing network cannot fail it.  The links
# themselves point at the projects' sites.
intersphinx_mapping = {
    "python": ("https://docs.python.org/3/", "_inventories/python.inv"),
    "numpy": ("https://numpy.org/doc/stable/", "_inventories/numpy.inv"),
    "scipy": ("https://docs.scipy.org/doc/scipy/", "_inventories/scipy.inv"),
    "ase": ("https://wiki.fysik.dtu.dk/ase/", "_inventories/ase.inv"),
    "pymatgen": ("https://pymatgen.org/", "_inventories/pymatgen.inv"),
}
intersphinx_disabled_reftypes = ["std:doc"]

# -- The gallery of worked problems -------------------------------------------------------
sphinx_gallery_conf = {
    "examples_dirs": "gallery",
    "gallery_dirs": "auto_gallery",
    "filename_pattern": r"/plot_",          # run every worked problem
    "within_subsection_order": "FileNameSortKey",   # plot_01_..., plot_02_...: the chapter's order
    "abort_on_example_error": True,         # a worked problem that raises fails the build
    "only_warn_on_example_error": False,
    "remove_config_comments": True,
    "download_all_examples": False,
    "image_scrapers": ("matplotlib",),
    "matplotlib_animations": False,
    "show_memory": False,
    "min_reported_time": 0,
    "reset_modules_order": "both",
}
