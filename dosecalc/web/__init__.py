"""dosecalc in the browser: server-rendered pages and a JSON API over :mod:`dosecalc.api` (the ``web`` extra).

Imported only by ``dosecalc serve`` and by whoever builds the app (:func:`dosecalc.web.app.create_app`), so
that ``import dosecalc`` and the other commands never load FastAPI.

Educational reference only - not a prescribing tool, and not clinical advice.
"""
