"""The framework-free network and what it stands on: errors, input checks, rounding
constants, the :class:`~memnets.ReLUNetwork` object, its exact evaluator, exact linear
algebra and the torch/ONNX adapters. Imports nothing else from memnets."""
