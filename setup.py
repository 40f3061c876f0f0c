"""The one thing pyproject.toml cannot say: the optional C helper of the PDF parser.

vnreports.parsing._pdfium_text (include/vnreports/parsing/_pdfium_text.c) reads a page's chars
from pdfium in C. Optional: without a C compiler the install goes on and the parser reads them
in Python (vnreports.parsing.pdfium_chars), parsing about 1.8x slower.
"""

from setuptools import Extension, setup

setup(ext_modules=[Extension("vnreports.parsing._pdfium_text", ["include/vnreports/parsing/_pdfium_text.c"],
                             optional=True)])
