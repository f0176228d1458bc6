"""What the knowledge means: the licence catalogue, the glossary, the rule table and its quotes,
loaded from `knowledge/*.yaml` and checked against the index (every error names file, entry, field).

`catalog` loads the YAML; `rule_quotes` finds each rule quote in the stored articles; `terms`
finds catalogue terms (aliases, synonyms) in a text, typo-tolerant.
May import: bot.core, bot.index. Never answering, state, service or surfaces: the verbatim
matcher it needs is a text utility in bot.core.text.
"""
