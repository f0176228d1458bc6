"""Eval suites of expected Q&A and the runner that gates CI (`licensebot eval`).

`suite` loads and checks the YAML, `scoring` scores one answer and a set of results, `report`
renders Markdown, `runner` runs suites through bot.service and decides the exit code.
May import: bot.service and bot.core only.
"""
