"""Whether a message asks for a person ("转人工", "能让顾问直接联系我吗", "talk to a human") rather
than for an answer. Read by meaning: the message must be closer to the ways of asking for a person
(knowledge/glossary.yaml `person_requests`) than to every wording of a licence question or a product
feature, by a margin. Calibrated on every eval question (none clears it; the highest, a prompt
injection that is refused anyway, comes within 0.014) against other wordings of asking for a person
(10 of 12 clear it). A message the answerer read as a product description ("有没有真人客服？我想直接
跟人聊" has "跟人聊" in it) must clear CLEAR_MARGIN: product descriptions that mention customer
service ("我们的小程序有人工客服在线聊天功能") stay below 0.015."""
from __future__ import annotations

import numpy as np

MARGIN = 0.02
CLEAR_MARGIN = 0.04


class PersonRequests:
    def __init__(self, wordings: np.ndarray, background: np.ndarray):
        """Rows are L2-normalised e5 vectors: ways of asking for a person, and licence/product wordings."""
        self.wordings, self.background = wordings, background

    def asked(self, vector: np.ndarray | None, margin: float = MARGIN) -> bool:
        if vector is None or not len(self.wordings):
            return False
        v = vector / max(float(np.linalg.norm(vector)), 1e-9)
        near = float((self.wordings @ v).max())
        other = float((self.background @ v).max()) if len(self.background) else -1.0
        return near - other >= margin
