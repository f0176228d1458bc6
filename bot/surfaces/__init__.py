"""The ways in: `cli` (the `licensebot` command, the only place that runs ingest), `api` (FastAPI:
/v1/ask, /healthz, the WeChat callbacks), `channels/` (WeChat Official Account and WeCom kf:
crypto, XML, plain-text replies, outbound API) and `render` (an Answer as terminal text).
Each is a thin shell: it translates its protocol to `bot.service.Bot` and back.
May import: bot.service, bot.state (channel ledger), bot.core; the CLI also ingest, eval and ui.
"""
