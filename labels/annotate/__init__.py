"""The annotation web app: projects, labelers, agreement, review and export.

Python API first (``labels.annotate.service``); the Flask app (``labels.annotate.web``)
and the ``framing annotate`` commands are thin layers over it.
"""

from labels.annotate.db import Database, open_database

__all__ = ["Database", "open_database"]
