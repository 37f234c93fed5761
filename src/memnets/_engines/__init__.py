"""Evaluators named by :attr:`memnets.ConstructionResult.engine` and the one decision path
(sign / argmax with a certified float bound, exact re-evaluation where it cannot decide)."""
