"""The hybrid retriever behind LangChain's `BaseRetriever`, a public adapter: any LangChain chain
can search licensebot's index (bigram BM25 + e5 fused by RRF) and get cleaned chunks with their
article's title, date and source as metadata.

    from bot.answering.langchain_retriever import LicensebotRetriever
    retriever = LicensebotRetriever(hybrid=bot.loaded().retriever, k=6)
    docs = retriever.invoke("语音聊天房需要什么许可证")

The answering path itself does not use it: answers are extractive and quote sentences, not chunks.
"""

from __future__ import annotations

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from bot.answering.retrieve import HybridRetriever


class LicensebotRetriever(BaseRetriever):
    """`hybrid`: the loaded HybridRetriever (Knowledge.retriever); `k`: how many chunks to return."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    hybrid: HybridRetriever
    k: int = 6

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        docs = self.hybrid.index.docs
        out = []
        for hit in self.hybrid.search(query, self.k):
            meta = docs[hit.chunk.doc_id]
            out.append(
                Document(
                    page_content=hit.chunk.text,
                    id=hit.chunk.id,
                    metadata={
                        "doc_id": hit.chunk.doc_id,
                        "title": meta.title,
                        "date": meta.date,
                        "source": meta.source,
                        "score": hit.score,
                    },
                )
            )
        return out
