"""Geometry of datasets, with no networks: separation (closest opposite-label pair),
nearest-enemy distances, condensing rules (cover, MSS, Hart, FCNN) and exact 1-D
projections."""
