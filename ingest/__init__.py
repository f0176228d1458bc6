"""Articles -> clean text -> chunks -> embeddings -> a new index generation, published atomically.

`read` decodes a file (or refuses it by name), `clean` turns a scraped page into the article's own
sentences, `chunk` cuts them into quotable pieces, `pipeline` runs the job and writes through
bot.index (which owns the on-disk layout).
May import: bot.core, bot.index. Only the CLI (bot.surfaces.cli) runs it.
"""
