"""Deciding what is said: question -> Answer, one step per module.

`understand` reads the question (language, refusals, licences, follow-up) with `intent` (what kind of
answer) and `facts` (product features by words and by meaning, negation); `retrieve` finds evidence
units (bigram BM25 + e5, fused); `evidence` keeps the units that answer (kind, licence, relevance);
`decide` turns rules and unit polarity into per-licence verdicts; `compose` words the answer in
Chinese or English; `ground` is the one check every answer passes (with `figures`, numbers read as values, and
`obligations`, what a sentence says is needed); `answer` runs the steps in
order; `llm` optionally rewords the text under the same check. `knowledge` loads what they need
once; `langchain_retriever` is a public LangChain adapter.
May import: bot.core, bot.index, bot.kb. Never bot.state, bot.service or bot.surfaces.
"""
