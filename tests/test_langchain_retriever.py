"""The public LangChain adapter: any chain can search licensebot's index."""

from langchain_core.documents import Document

from bot.answering.langchain_retriever import LicensebotRetriever


def test_langchain_retriever_returns_cleaned_chunks_with_article_metadata(knowledge):
    retriever = LicensebotRetriever(hybrid=knowledge.retriever, k=3)
    docs = retriever.invoke("语音聊天房需要什么许可证")
    assert len(docs) == 3 and all(isinstance(d, Document) for d in docs)
    top = docs[0]
    assert "002_efd8fce62a7682d1" in top.metadata["source"] and top.metadata["date"] == "2025-07-02"
    assert top.metadata["title"] == "社交類小程序為何需要ICP證和多方通信許可證"
    assert top.page_content in knowledge.index.docs[top.metadata["doc_id"]].text
    assert [d.metadata["score"] for d in docs] == sorted((d.metadata["score"] for d in docs), reverse=True)
