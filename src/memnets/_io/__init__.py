"""Files: the versioned, checksummed ``.memnet`` format (:mod:`memnets._io.memnet`: exact
weights kept, nothing pickled) and networks from any model file (:mod:`memnets._io.modelfile`:
``.memnet`` or a torch ``nn.Sequential`` of Linear/ReLU)."""

from memnets._io.memnet import FORMAT_VERSION, MAGIC, load, save
from memnets._io.modelfile import load_model, load_network

__all__ = ["FORMAT_VERSION", "MAGIC", "load", "load_model", "load_network", "save"]
