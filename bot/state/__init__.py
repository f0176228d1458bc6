"""What the bot remembers between requests: conversation context per session (and how many
answers in a row the knowledge base could not give), which WeChat messages were already answered,
each kf account's sync cursor, which users were handed to a person, 👍/👎 feedback, and the
question log the operator reads, and the operator password's failed tries (logins.py).

Each store is a small class with a few methods (`SessionStore.get/update/clear`, `Ledger.claim/
cursor/save_cursor/with_person`, `FeedbackLog.record/read_all`, `QuestionLog.record/update/entries`)
over a file in the data directory, with a Redis twin in redis_stores.py for replicas; stores.py
picks the backend from settings, so callers never know which one they have.
May import: bot.core.
"""
