"""What the bot remembers between requests: conversation context per session, which WeChat
messages were already answered (and each kf account's sync cursor), and 👍/👎 feedback.

Each store is a small class with a few methods (`SessionStore.get/save/clear`, `Ledger.claim/
cursor/save_cursor`, `FeedbackLog.record/read_all`) over a file in the data directory, so a
shared backend can replace one without touching its callers.
May import: bot.core.
"""
