"""The bottom layer: what every other part of licensebot shares and nothing it depends on.

Lives here: the one settings object (`settings`), text folding for matching (`text`), the Answer
contract and conversation context (`models`), the errors every surface translates (`errors`) the
crash points ingest tests kill at (`faults`) and the one way files are replaced and locked (`files`).
May import: the standard library and third-party libraries only, never another `bot` package,
`ingest`, `ui` or `eval`.
"""
