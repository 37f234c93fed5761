"""The experiments' figures: one module per experiment, the shared shapes in ``_figure``.

These are the only modules of memnets that import matplotlib (an import-linter contract in
``pyproject.toml`` keeps it so). The backend is set to ``Agg`` here, once, before any
submodule imports ``pyplot``; every figure is written to a PNG file and closed by
:func:`~memnets.experiments._plots._figure.save`, so experiments run in worker processes and
on headless machines. Each function draws one experiment's figures from the numbers of its
JSON and returns their paths.
"""

import matplotlib

matplotlib.use("Agg")
