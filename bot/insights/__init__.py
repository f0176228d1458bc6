"""What the operator sees of the question log: daily figures (questions per channel, verdict mix,
the share the bot could not answer, latency), the questions that need a person's attention grouped
by meaning, CSV export, and turning one of them into an eval case.

May import: bot.state, bot.kb, bot.index, bot.core. The embedding of questions comes in as a
function from bot.service, so this package does not reach into answering.
"""
