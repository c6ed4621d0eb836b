"""The single version number, shared by the Python package and the labextension."""

__version__ = "0.1.0"
