"""Sphinx configuration of the memnets documentation (built offline: ``make docs``).

Nothing is fetched while building: intersphinx reads the inventories of Debian's
``python3.11-doc``, ``python-sklearn-doc`` and ``python-scipy-doc`` packages when they are
installed (``make docs`` installs them with apt where it can) and is off for a package whose
inventory is missing; MathJax is Debian's ``libjs-mathjax``, copied into the build.
Generated inputs (the API pages from ``__all__``, the CLI reference from typer, the paper's
result tables from ``docs/results/*.json``) are written by ``_ext/memnets_docs.py``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(HERE / "_ext"))
os.environ.setdefault("MPLBACKEND", "agg")

import memnets  # noqa: E402

project = "memnets"
author = "the memnets developers"
copyright = "2026, the memnets developers"
release = memnets.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "numpydoc",
    "myst_parser",
    "sphinx_copybutton",
    "sphinx_gallery.gen_gallery",
    "memnets_docs",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
templates_path = ["_templates"]
exclude_patterns = [
    "_build",
    "_generated",
    "results",
    "README.md",
    "auto_examples/*.ipynb",
    "auto_examples/*.py",
    "auto_examples/*.zip",
    "auto_examples/*.md5",
    "auto_examples/*.codeobj.json",
]
suppress_warnings: list[str] = []
nitpicky = True
smartquotes = False  # keep `--out` and quotes as typed (command-line options)
# Private modules (``memnets._core`` ...) are not part of the reference; a docstring that
# names one renders it as code instead of a link.
nitpick_ignore_regex = [(r"py:.*", r"memnets\._.*"), (r"py:.*", r"memnets\.[a-z_.]*\._.*")]

# -- API reference ----------------------------------------------------------------------
autosummary_generate = True
autosummary_imported_members = True
autodoc_typehints = "none"
autodoc_default_options = {"member-order": "bysource"}
add_module_names = False
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False
# every documented function, class and method has a docstring (numpydoc GL08)
numpydoc_validation_checks = {"GL08"}

# -- Markdown ---------------------------------------------------------------------------
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "deflist", "attrs_inline"]
myst_heading_anchors = 3
myst_update_mathjax = False  # its settings are for MathJax 3; ours is Debian's MathJax 2

# -- intersphinx from local inventories only ---------------------------------------------
_INVENTORIES = {
    "python": ("https://docs.python.org/3.11", "/usr/share/doc/python3.11/html/objects.inv"),
    "sklearn": ("https://scikit-learn.org/stable", "/usr/share/doc/python-sklearn-doc/html/objects.inv"),
    "scipy": ("https://docs.scipy.org/doc/scipy", "/usr/share/doc/python-scipy-doc/html/objects.inv"),
}
intersphinx_mapping = {
    name: (url, inv) for name, (url, inv) in _INVENTORIES.items() if Path(inv).is_file()
}
intersphinx_timeout = 1
#: packages whose inventory is missing here: references to them are not checked
missing_inventories = sorted(set(_INVENTORIES) - set(intersphinx_mapping))

# -- math: Debian's MathJax 2, copied into _static/mathjax by memnets_docs ---------------
MATHJAX_SOURCE = "/usr/share/javascript/mathjax"
mathjax_path = "mathjax/MathJax.js?config=TeX-AMS_CHTML"
mathjax2_config = {
    "tex2jax": {"inlineMath": [["\\(", "\\)"]], "displayMath": [["\\[", "\\]"]],
                "processEscapes": True,
                # MyST marks its sections tex2jax_ignore; Sphinx wraps every formula in .math
                "processClass": "math|tex2jax_process|mathjax_process"},
    "CommonHTML": {"linebreaks": {"automatic": True}},
    "showMathMenu": False,
    "messageStyle": "none",
}

# -- HTML -------------------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"memnets {release}"
html_static_path = ["_static"]
html_favicon = "_static/memnets-icon.svg"
html_logo = "_static/memnets-icon.svg"
html_css_files = ["memnets.css"]
html_show_sourcelink = False
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "navbar_align": "left",
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
    "secondary_sidebar_items": ["page-toc"],
}
html_sidebars = {"getting_started": [], "cli": []}
html_context = {"default_mode": "light"}

# -- gallery ----------------------------------------------------------------------------
sphinx_gallery_conf = {
    "examples_dirs": [str(ROOT / "examples")],
    "gallery_dirs": ["auto_examples"],
    "filename_pattern": r"/plot_",
    "ignore_pattern": r"/_",
    "within_subsection_order": "memnets_docs.ExampleOrder",
    "abort_on_example_error": True,
    "plot_gallery": "True",
    "download_all_examples": False,
    "remove_config_comments": True,
    "matplotlib_animations": False,
    "image_scrapers": ("matplotlib",),
    "reset_modules": ("matplotlib",),
    "capture_repr": ("_repr_html_", "__repr__"),
    "show_memory": False,
    "default_thumb_file": None,
    "promote_jupyter_magic": False,
    "write_computation_times": True,
}
