"""The evidence parts of an archive, built from the settings: its repositories and notary
(no I/O until used)."""

from __future__ import annotations

from monitor.config import Settings
from monitor.evidence.export import EvidenceSources
from monitor.evidence.notary import Notary, last_seal_file
from monitor.search.query import default_lemmatizer
from monitor.store.engine import Database, sqlite_path
from monitor.store.evidence import EvidenceRepo
from monitor.store.posts import PostRepo
from monitor.store.search import SearchRepo


def make_notary(settings: Settings, db: Database) -> Notary:
    """Seals and timestamps of the archive; the last seal's hash kept beside the archive."""
    return Notary(
        EvidenceRepo(db),
        settings.evidence_tsa_urls,
        last_seal_file(sqlite_path(settings.database_url), settings.reader_session.parent),
    )


def evidence_sources(db: Database) -> EvidenceSources:
    return EvidenceSources(SearchRepo(db, default_lemmatizer()), PostRepo(db), EvidenceRepo(db))


def tsa_roots(settings: Settings) -> list[bytes]:
    """The TSAs' root certificates (EVIDENCE_TSA_CA), or none."""
    if settings.evidence_tsa_ca is None:
        return []
    return [settings.evidence_tsa_ca.read_bytes()]
