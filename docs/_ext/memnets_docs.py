"""Sphinx extension of the memnets docs: the generated inputs and the offline MathJax.

When the configuration is read (``config-inited``) it writes (only when the text changed, so incremental builds stay
incremental):

- ``api/<module>.rst``: one page per public module, an autosummary of every name in that
  module's ``__all__`` (:func:`api_pages`), so the reference cannot miss a public name;
- ``_generated/cli.md``: typer's own ``typer memnets.cli utils docs`` output (:func:`cli_markdown`);
- ``_generated/paper_*.md``: the measured columns of "The paper, statement by statement",
  read from the experiments' JSON files under ``docs/results/`` (:mod:`paper_results`);
- ``_generated/paper_extra.md``: a toctree of the paper pages other branches add
  (``paper/table2_cifar10.md`` ...) that exist in this checkout.

At ``build-finished`` it copies the parts of Debian's MathJax 2 that the pages use into
``_static/mathjax`` (nothing is loaded from a CDN).
"""

from __future__ import annotations

import importlib
import inspect
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DOCS = HERE.parent
ROOT = DOCS.parent

#: the public modules whose ``__all__`` the API reference documents, in page order
API_MODULES = ("memnets", "memnets.datasets", "memnets.theory", "memnets.experiments")

#: paper pages written on other branches, included when present
EXTRA_PAPER_PAGES = ("table2_cifar10", "table3_resnet", "corollary64")

#: what of Debian's MathJax the pages load (config TeX-AMS_CHTML, CommonHTML output)
MATHJAX_PARTS = (
    "MathJax.js",
    "config/TeX-AMS_CHTML.js",
    "extensions",
    "jax/input/TeX",
    "jax/output/CommonHTML",
    "jax/element",
    "fonts/HTML-CSS/TeX/woff",
    "localization/en",
)


def write_if_changed(path: Path, text: str) -> bool:
    """Write ``text`` to ``path`` unless it already holds exactly that; return whether written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.is_file() and path.read_text() == text:
        return False
    path.write_text(text)
    return True


# -- gallery order ----------------------------------------------------------------------

#: the gallery from first steps to the paper's theorems and the ways out of memnets
EXAMPLE_ORDER = (
    "plot_quick_start.py",
    "plot_pairwise_vs_1nn.py",
    "plot_efficient_representatives.py",
    "plot_optimal_params.py",
    "plot_width_audit.py",
    "plot_sample_complexity.py",
    "plot_certificate.py",
    "plot_export_torch_onnx.py",
    "plot_sklearn_pipeline.py",
    "plot_dask_sweep.py",
)


class ExampleOrder:
    """sphinx-gallery ``within_subsection_order``: :data:`EXAMPLE_ORDER`, then the rest by name."""

    def __init__(self, src_dir: str) -> None:
        self.src_dir = src_dir

    def __call__(self, filename: str) -> tuple[int, str]:
        name = os.path.basename(filename)
        rank = EXAMPLE_ORDER.index(name) if name in EXAMPLE_ORDER else len(EXAMPLE_ORDER)
        return rank, name


# -- API pages --------------------------------------------------------------------------

def _kind(obj: Any) -> str:
    if inspect.ismodule(obj):
        return "Modules"
    if inspect.isclass(obj):
        return "Exceptions" if issubclass(obj, BaseException) else "Classes"
    if callable(obj):
        return "Functions"
    return "Constants"


def _slug(module: str) -> str:
    return module.replace(".", "_")


def api_entries() -> dict[str, list[tuple[str, str, str | None]]]:
    """Per module: ``(name, section, alias_of)`` for every name of its ``__all__``.

    ``alias_of`` is the full name under which the same object is documented earlier (a
    name exported twice is documented once, the second spelling links to it), else None.
    """
    seen: dict[int, str] = {}
    # a function or class exported under several names is documented under its own
    # ``__name__`` (the others link to it)
    for modname in API_MODULES:
        mod = importlib.import_module(modname)
        for name in mod.__all__:
            obj = getattr(mod, name)
            if (inspect.isclass(obj) or inspect.isfunction(obj)) and obj.__name__ == name:
                seen.setdefault(id(obj), f"{modname}.{name}")
    canonical = dict(seen)
    out: dict[str, list[tuple[str, str, str | None]]] = {}
    for modname in API_MODULES:
        mod = importlib.import_module(modname)
        rows = []
        for name in mod.__all__:
            obj = getattr(mod, name)
            full = f"{modname}.{name}"
            shared = not isinstance(obj, str | int | float | bool) and obj is not None
            alias = seen.get(id(obj)) if shared and not inspect.ismodule(obj) else None
            if alias == full:
                alias = None
            if shared and alias is None:
                seen[id(obj)] = full
            if alias is None and canonical.get(id(obj), full) != full:
                alias = canonical[id(obj)]
            rows.append((name, _kind(obj), alias))
        out[modname] = rows
    return out


_SECTION_ORDER = ("Functions", "Classes", "Exceptions", "Constants", "Modules")


def api_pages() -> dict[str, str]:
    """``{relative path: reStructuredText}`` of the API reference (index and one page per module)."""
    pages: dict[str, str] = {}
    entries = api_entries()
    index = [
        "API reference",
        "=============",
        "",
        "Every public name of memnets: the names listed in ``__all__`` of the modules below",
        "(generated from ``__all__`` at build time, so a new public name appears here by itself).",
        "Import them from these modules; everything else is private.",
        "",
        ".. toctree::",
        "   :maxdepth: 1",
        "",
    ]
    for modname, rows in entries.items():
        index.append(f"   {_slug(modname)}")
        title = f"``{modname}``"
        lines = [title, "=" * len(title), "", f".. automodule:: {modname}", "   :no-members:", "",
                 f".. currentmodule:: {modname}", ""]
        for section in _SECTION_ORDER:
            names = [(n, a) for n, k, a in rows if k == section]
            if not names:
                continue
            lines += [section, "-" * len(section), ""]
            if section == "Modules":
                for n, _ in names:
                    lines.append(f"- ``{n}``: :doc:`{_slug(modname + '.' + n)}` (:mod:`{modname}.{n}`)")
                lines.append("")
                continue
            own = [n for n, a in names if a is None]
            if own:
                lines += [".. autosummary::", "   :toctree: generated/", "   :nosignatures:", ""]
                lines += [f"   {n}" for n in own]
                lines.append("")
            for n, a in names:
                if a is not None:
                    directive = {"Functions": "function", "Classes": "class", "Exceptions": "exception"}.get(
                        section, "data")
                    role = {"function": "func", "class": "class", "exception": "exc"}.get(directive, "data")
                    lines += [f".. py:{directive}:: {n}", "   :no-index-entry:", "",
                              f"   The same object as :{role}:`{a}` (documented there).", ""]
            lines.append("")
        pages[f"api/{_slug(modname)}.rst"] = "\n".join(lines).rstrip() + "\n"
    pages["api/index.rst"] = "\n".join(index) + "\n"
    return pages


# -- CLI reference ----------------------------------------------------------------------

def cli_markdown() -> str:
    """typer's own Markdown reference of the ``memnets`` app (``typer memnets.cli utils docs``)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env.setdefault("COLUMNS", "100")
    cmd = [sys.executable, "-m", "typer", "memnets.cli", "utils", "docs", "--name", "memnets"]
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False, timeout=300)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stderr}")
    return done.stdout


# -- construction options ---------------------------------------------------------------

def options_markdown(method: str) -> str:
    """The options table of one construction, from :func:`memnets.method_options`."""
    import memnets

    description = memnets.METHODS[method][1]
    rows = ["| option | default | allowed | meaning |", "|---|---|---|---|"]
    for name, opt in memnets.method_options(method).items():
        default = getattr(opt, "default", opt)  # MethodOption (memnets >= 0.2) or the bare default
        allowed = str(getattr(opt, "allowed", "")).replace("|", "\\|")
        meaning = str(getattr(opt, "meaning", "")).replace("|", "\\|")
        rows.append(f"| `{name}` | `{default!r}` | {allowed} | {meaning} |")
    if len(rows) == 2:
        rows.append("| (none) | | | |")
    lines = [f"Registry entry: `{method}` — {description}.", "",
             f"Options of `memnets.construct(X, y, method={method!r}, rng=..., **options)` "
             "(read from the construction's signature at build time; a wrong name or kind "
             "raises {class}`memnets.OptionError` listing the valid ones):", "", *rows, ""]
    return "\n".join(lines)


# -- the hooks --------------------------------------------------------------------------

def generate(app: Any) -> None:
    """Write every generated input (see the module docstring)."""
    from paper_results import render_all

    pages = api_pages()
    for rel, text in pages.items():
        write_if_changed(DOCS / rel, text)
    # stubs of names that are no longer documented on their own page would be orphans
    wanted = {f"{m}.{n}.rst" for m, rows in api_entries().items() for n, _, a in rows if a is None}
    for stub in (DOCS / "api" / "generated").glob("*.rst"):
        if stub.name not in wanted:
            stub.unlink()
    gen = DOCS / "_generated"
    write_if_changed(gen / "cli.md", cli_markdown())
    import memnets

    for method in memnets.METHODS:
        write_if_changed(gen / f"options_{method}.md", options_markdown(method))
    # one user-guide page per registered construction, in registry order; a registered
    # method without a page, or a page of a method this build does not have, is an error
    pages = DOCS / "user_guide" / "constructions"
    missing = [m for m in memnets.METHODS if not (pages / f"{m}.md").is_file()]
    if missing:
        raise RuntimeError(f"constructions without a user-guide page (docs/user_guide/constructions/): {missing}")
    for page in pages.glob("*.md"):
        if page.stem != "index" and page.stem not in memnets.METHODS:
            app.config.exclude_patterns.append(f"user_guide/constructions/{page.name}")
    toc = ["```{toctree}", ":maxdepth: 1", "", *memnets.METHODS, "```", ""]
    write_if_changed(gen / "constructions_toc.md", "\n".join(toc))
    for name, text in render_all(DOCS / "results").items():
        write_if_changed(gen / f"paper_{name}.md", text)
    present = [p for p in EXTRA_PAPER_PAGES if (DOCS / "paper" / f"{p}.md").is_file()]
    extra = ["```{toctree}", ":maxdepth: 1", ""] + [f"{p}" for p in present] + ["```", ""]
    write_if_changed(gen / "paper_extra.md", "\n".join(extra) if present else "")
    for p in EXTRA_PAPER_PAGES:
        if p not in present:
            app.config.exclude_patterns.append(f"paper/{p}.md")


def copy_mathjax(app: Any, exception: BaseException | None) -> None:
    """Copy Debian's MathJax (the parts the pages load) into ``_static/mathjax``."""
    if exception is not None or app.builder.format != "html":
        return
    source = Path(app.config.MATHJAX_SOURCE)
    if not (source / "MathJax.js").is_file():
        raise RuntimeError(f"MathJax not found at {source}: install Debian's libjs-mathjax (make docs does)")
    target = Path(app.outdir) / "_static" / "mathjax"
    for part in MATHJAX_PARTS:
        src, dst = source / part, target / part
        if src.is_dir():
            shutil.copytree(src, dst, dirs_exist_ok=True)
        else:
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, dst)


def resolve_public_alias(app: Any, env: Any, node: Any, contnode: Any) -> Any:
    """Resolve an unqualified reference to a public name (``:class:`InputError``` written in a
    docstring of another module) to where the API reference documents it."""
    if node.get("refdomain") != "py":
        return None
    target = node.get("reftarget", "").lstrip(".~")
    if not target or target.startswith("memnets."):
        return None
    domain = env.get_domain("py")
    for modname in API_MODULES:
        full = f"{modname}.{target}"
        if full in domain.objects:
            return domain.resolve_xref(env, node.get("refdoc", ""), app.builder, node["reftype"], full, node,
                                       contnode)
    return None


def skip_member(app: Any, what: str, name: str, obj: Any, skip: bool, options: Any) -> bool | None:
    """Leave out scikit-learn's generated ``set_*_request`` methods (metadata routing)."""
    if name.startswith("set_") and name.endswith("_request"):
        return True
    return None


def strip_gallery_cdn(app: Any) -> None:
    """Drop the DataTables block sphinx-gallery puts in ``sg_execution_times.rst``.

    It loads jQuery, Bootstrap and DataTables from CDNs; the site loads nothing from
    outside, so the timing pages keep their plain table.
    """
    for path in (DOCS / "sg_execution_times.rst", DOCS / "auto_examples" / "sg_execution_times.rst"):
        if not path.is_file():
            continue
        lines = path.read_text().splitlines(keepends=True)
        out, skipping = [], False
        for line in lines:
            if line.strip() == ".. raw:: html":
                skipping = True
                continue
            if skipping and line.strip().startswith(".. list-table::"):
                skipping = False
            if not skipping:
                out.append(line)
        write_if_changed(path, "".join(out))


def setup(app: Any) -> dict[str, Any]:
    app.add_config_value("MATHJAX_SOURCE", "/usr/share/javascript/mathjax", "html")
    # at config-inited, before Sphinx lists the source files (autosummary reads that list)
    app.connect("config-inited", lambda app, config: generate(app))
    app.connect("builder-inited", strip_gallery_cdn, priority=900)  # after sphinx-gallery wrote them
    app.connect("build-finished", copy_mathjax)
    app.connect("missing-reference", resolve_public_alias)
    app.connect("autodoc-skip-member", skip_member)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}
