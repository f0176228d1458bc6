"""Deciding what is said: question -> Answer, one step per module.

`understand` reads the question (scope, licences, product features, topics, follow-up),
`retrieve` finds chunks (bigram BM25 + e5, fused), `quotes` picks the sentences that address the
question, `decide` turns rules into per-licence verdicts, `compose` words and numbers the answer,
`answer` runs the steps in order, `llm` optionally rewords the text under the same quotes.
`knowledge` loads what they need once; `langchain_retriever` is a public LangChain adapter.
May import: bot.core, bot.index, bot.kb. Never bot.state, bot.service or bot.surfaces.
"""
