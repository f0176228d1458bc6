"""Editing the articles while the bot serves: what the knowledge page (ui/knowledge.py) and the
`/v1/articles` routes do. An upload, replacement or deletion is checked first, then applied as a
per-article ingest under the ingest lock; the bot swaps in the published generation, so readers
see the old articles or the new ones, never half of a change.

The one place besides the CLI that runs ingest; it may import ingest, bot.service (for the loaded
index and the hot reload), bot.kb (rule quotes, unit meanings), bot.index and bot.core.
"""
