"""The Streamlit page (`licensebot ui`): `app` is the page, `view` how an Answer looks on it.

May import: bot.service and bot.core only (the answer types, the verdict labels, settings).
"""
