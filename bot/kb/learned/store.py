"""The trained reader on disk: `<data dir>/reader/model.npz` (arrays) and `model.json` (labels,
vocabulary, thresholds, which method each task uses, the training data's hash, the embedder name).

Arrays are read with np.load(allow_pickle=False) and everything else is JSON, so a tampered file can
be wrong but cannot run code. Files are written byte-for-byte deterministically (fixed zip dates,
sorted keys) so that training twice on the same data gives the same bytes. A missing, corrupt or
stale model is one `ReaderNotReady` line saying what to run.
"""

from __future__ import annotations

from typing import Any

import hashlib
import io
import json
import zipfile
from pathlib import Path

import numpy as np

from bot.core.files import atomic_write
from bot.core.errors import NotReady

FORMAT = 1
MODEL_JSON = "model.json"
MODEL_NPZ = "model.npz"
_ZIP_DATE = (2020, 1, 1, 0, 0, 0)


class ReaderNotReady(NotReady):
    """The learned reader cannot be used as it is on disk (one line, with the repair)."""


def reader_dir(data_dir: Path) -> Path:
    return data_dir / "reader"


def corpus_hash(training_dir: Path) -> str:
    """sha256 of what training reads: every *.jsonl and HELDOUT, by name and bytes."""
    digest = hashlib.sha256(f"format {FORMAT}\n".encode())
    for path in sorted([*training_dir.glob("*.jsonl"), training_dir / "HELDOUT"]):
        if path.is_file():
            digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:  # stored: loading is a read, not a decompression
        for name in sorted(arrays):
            info = zipfile.ZipInfo(f"{name}.npy", date_time=_ZIP_DATE)
            array = io.BytesIO()
            np.lib.format.write_array(array, np.ascontiguousarray(arrays[name]), allow_pickle=False)
            archive.writestr(info, array.getvalue())
    return buffer.getvalue()


def save(
    folder: Path, meta: dict[str, Any], arrays: dict[str, np.ndarray], extra: dict[str, str] | None = None
) -> None:
    """Write the arrays first and the JSON last: the JSON names the arrays' hash, so a crash between
    the two leaves a model that is refused as corrupt rather than a mixture."""
    folder.mkdir(parents=True, exist_ok=True)
    blob = _npz_bytes(arrays)
    meta = {**meta, "format": FORMAT, "arrays_sha256": hashlib.sha256(blob).hexdigest()}
    atomic_write(folder / MODEL_NPZ, blob)
    for name, text in (extra or {}).items():
        atomic_write(folder / name, text)
    atomic_write(folder / MODEL_JSON, json.dumps(meta, ensure_ascii=False, sort_keys=True, indent=1) + "\n")


def read_meta(folder: Path) -> dict[str, Any]:
    path = folder / MODEL_JSON
    if not path.is_file():
        raise ReaderNotReady(f"no learned reader in {folder}: run `licensebot kb train`")
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ReaderNotReady(f"{path}: unreadable ({exc}): run `licensebot kb train`") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ReaderNotReady(f"{path}: not a format-{FORMAT} reader model: run `licensebot kb train`")
    return meta


def stale_reason(meta: dict[str, Any], training_dir: Path, embedder_name: str) -> str | None:
    """Why a model no longer fits what it would be trained on today, or None."""
    if meta.get("embedder") != embedder_name:
        return f"it was trained with embedder {meta.get('embedder')!r}, LICENSEBOT_EMBEDDER is {embedder_name!r}"
    if meta.get("corpus_sha256") != corpus_hash(training_dir):
        return f"the training data in {training_dir} changed since it was trained"
    for name, digest in (meta.get("inputs") or {}).items():
        if input_hash(training_dir.parent, name) != digest:
            return f"{name} in {training_dir.parent} changed since it was trained"
    return None


def input_hash(knowledge_dir: Path, name: str) -> str:
    """The hash of one more input a model learned from, named "file.yaml:key" (a top-level entry of a
    knowledge file, such as glossary.yaml:person_requests), so that editing it marks the model stale."""
    import yaml

    from bot.core.yaml_files import safe_load

    file, _, key = name.partition(":")
    try:
        value = (safe_load((knowledge_dir / file).read_text(encoding="utf-8")) or {}).get(key)
    except (OSError, yaml.YAMLError, AttributeError):
        value = None
    return hashlib.sha256(json.dumps(value, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


def load(folder: Path, training_dir: Path, embedder_name: str) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """The model's JSON and arrays; ReaderNotReady when missing, corrupt or stale."""
    meta = read_meta(folder)
    reason = stale_reason(meta, training_dir, embedder_name)
    if reason:
        raise ReaderNotReady(f"the learned reader in {folder} is stale ({reason}): run `licensebot kb train`")
    path = folder / MODEL_NPZ
    try:
        blob = path.read_bytes()
    except OSError as exc:
        raise ReaderNotReady(f"{path}: unreadable ({exc.strerror}): run `licensebot kb train`") from None
    if hashlib.sha256(blob).hexdigest() != meta.get("arrays_sha256"):
        raise ReaderNotReady(f"{path}: does not match {MODEL_JSON} (corrupt or edited): run `licensebot kb train`")
    try:
        with np.load(io.BytesIO(blob), allow_pickle=False) as stored:
            arrays = {name: stored[name] for name in stored.files}
    except (OSError, ValueError, zipfile.BadZipFile) as exc:
        raise ReaderNotReady(f"{path}: unreadable arrays ({exc}): run `licensebot kb train`") from None
    return meta, arrays
