"""Reading and cleaning order files (CSV, CSV.GZ, XLSX): the import pipeline without the database.

- :mod:`~ecommerce.importing.sources` opens a file (its kind from its first bytes), decodes its
  text, checks the header and yields raw rows; :mod:`~ecommerce.importing.xlsx` does it for
  workbooks, after refusing zip bombs;
- :mod:`~ecommerce.importing.cleaning` parses every row and applies DESIGN §4's cleaning steps,
  handing each kept line to a sink (a database loader, ``ecommerce.loading``);
- :mod:`~ecommerce.importing.errors`: :class:`ImportFailed` (the whole file) and
  :class:`RowError` (one row).
"""

from ecommerce.importing.cleaning import MAX_LISTED_ERRORS, MAX_ROWS, Cleaner, CleanLine
from ecommerce.importing.errors import ImportFailed, RowError
from ecommerce.importing.sources import COLUMNS, MAX_LINE, Source, open_source

__all__ = [
    "COLUMNS",
    "MAX_LINE",
    "MAX_LISTED_ERRORS",
    "MAX_ROWS",
    "CleanLine",
    "Cleaner",
    "ImportFailed",
    "RowError",
    "Source",
    "open_source",
]
