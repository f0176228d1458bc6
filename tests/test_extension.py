"""A new article about a licence the catalogue does not know is answerable after ingest, with no
code or catalogue change."""

from __future__ import annotations

import shutil

from bot.answering.answer import answer
from bot.answering.knowledge import Knowledge
from bot.core.settings import REPO_ROOT
from conftest import ARTICLES, make_settings
from ingest.pipeline import ingest

SP_ARTICLE = REPO_ROOT / "eval" / "fixtures" / "sp_article.txt"


def test_questions_about_a_new_article_are_in_scope_after_ingest(tmp_path, embedder):
    corpus = tmp_path / "articles"
    shutil.copytree(ARTICLES, corpus)
    settings = make_settings(tmp_path / "data")
    ingest([corpus], settings, embedder=embedder, show_progress=False, log=lambda m: None)
    before = answer("我们给客户群发营销短信，要办什么证？", Knowledge.load(settings, embedder))
    assert before.verdict.value in ("out_of_scope", "unknown")  # nothing about SMS yet

    shutil.copy(SP_ARTICLE, corpus / SP_ARTICLE.name)
    ingest([corpus], settings, embedder=embedder, show_progress=False, log=lambda m: None)
    k = Knowledge.load(settings, embedder)
    a = answer("我们给客户群发营销短信，要办什么证？", k)
    assert a.verdict.value != "out_of_scope" and any("sp_article" in c.source for c in a.citations)
    assert "SP证" in " ".join(c.quote for c in a.citations)
    conditions = answer("SP证要满足什么条件？", k)
    assert conditions.intent == "conditions" and "社保" in " ".join(c.quote for c in conditions.citations)


SP_LICENCE = """  sp:
    name: SP许可证
    name_en: SP licence (SMS information services)
    full_name: 增值电信业务经营许可证（第二类增值电信业务中的信息服务业务，不含互联网）
    aliases: [SP许可证, SP证, 短信服务许可证, SP licence, SP license]
"""
SP_RULE = """  bulk_sms:
    label: 企业群发短信
    label_en: bulk text messages
    synonyms: [群发短信, 群发营销短信, 短信群发, 营销短信, bulk sms, bulk text messages]
    licenses:
      sp:
        status: required
        reason: 开展企业群发短信业务的企业都需要办理SP证
        quotes:
          - {source: sp_article.txt, quote: "凡是开展企业群发短信业务的企业,无论是给自己的客户群发营销短信,还是作为服务商为其他企业提供验证码短信、会员通知短信、营销短信的群发服务,都需要办理SP证。"}

"""


def test_a_new_licence_is_data_its_entry_rule_and_article_reach_every_surface(tmp_path, embedder):
    """licenses.yaml + rules.yaml + an article, no code: answers name and decide the licence, and the
    out-of-scope reply, the WeChat welcome and the page caption list it."""
    from bot.service import Bot
    from bot.surfaces.channels.replies import welcome
    from ui.view import PageWords, caption

    knowledge = tmp_path / "knowledge"
    shutil.copytree(REPO_ROOT / "knowledge", knowledge, ignore=shutil.ignore_patterns("training", "models"))
    shutil.copy(SP_ARTICLE, knowledge / "articles" / SP_ARTICLE.name)
    (knowledge / "licenses.yaml").write_text(
        (knowledge / "licenses.yaml").read_text(encoding="utf-8") + SP_LICENCE, encoding="utf-8"
    )
    rules = (knowledge / "rules.yaml").read_text(encoding="utf-8")
    (knowledge / "rules.yaml").write_text(rules.replace("\ntopics:", "\n" + SP_RULE + "topics:", 1), encoding="utf-8")
    settings = make_settings(tmp_path / "data", knowledge_dir=knowledge)
    ingest([knowledge / "articles"], settings, embedder=embedder, show_progress=False, log=lambda m: None)
    k = Knowledge.load(settings, embedder)

    a = answer("我们想给会员群发营销短信做促销，要办什么证？", k)
    sp = [s for s in a.licenses if s.slug == "sp"]
    assert sp and sp[0].status.value == "required" and sp[0].name == "SP许可证", a.licenses
    assert any("sp_article" in c.source for c in a.citations)
    assert "SP许可证" in answer("今天北京天气怎么样？", k).answer  # the out-of-scope reply lists what the bot knows
    bot = Bot(settings, embedder)
    assert "SP许可证" in welcome(bot) and "SP许可证" in caption(list(bot.licences().values()), PageWords.of(bot))
