"""The one owner of the on-disk index: where it lives, how a generation is written and published,
how it is read back, and the two stores behind it (Chroma vectors, bm25s lexical) with the
embedding models that fill the vector side.

`layout` names every file and directory; `writer` is used by ingest only; `store` is used by the
bot to load the live generation. Nothing else in the code base knows a path inside the data dir's
`index/` or a Chroma collection name.
May import: bot.core.
"""
