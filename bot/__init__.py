"""licensebot: answers licence questions from the consultancy's articles, always with verbatim quotes.

The packages follow the data path, each importing only those below it (checked by import-linter,
see pyproject.toml): core (settings, text folding, the Answer models, errors) <- index (the on-disk
index and its stores) <- kb (catalogue, rules, glossary) <- answering (understand, retrieve,
decide, compose) and state (sessions, ledger, feedback) <- service (the one entry) <- surfaces
(cli, api, channels). `ingest/` writes through bot.index; `ui/` and `eval/` call bot.service.
"""
