"""The evidence parts of an archive, built from the settings: its repositories and notary
(no I/O until used)."""

from __future__ import annotations

import logging
from pathlib import Path

from monitor.config import Settings
from monitor.evidence.command import EvidenceDesk
from monitor.evidence.export import EvidenceSources
from monitor.evidence.notary import Notary, last_seal_file
from monitor.search.query import default_lemmatizer
from monitor.store.channels import ChannelRepo
from monitor.store.engine import Database, sqlite_path
from monitor.store.evidence import EvidenceRepo
from monitor.store.media import MediaRepo
from monitor.store.posts import PostRepo
from monitor.store.search import SearchRepo

logger = logging.getLogger(__name__)


def make_notary(settings: Settings, db: Database, *, tsa_timeout_s: float = 30.0) -> Notary:
    """Seals and timestamps of the archive; the last seal's hash kept beside the archive."""
    return Notary(
        EvidenceRepo(db),
        settings.evidence_tsa_urls,
        last_seal_file(sqlite_path(settings.database_url), settings.reader_session.parent),
        tsa_timeout_s=tsa_timeout_s,
    )


def evidence_desk(settings: Settings, db: Database) -> EvidenceDesk:
    """The bot's /evidence: a TSA gets 5 s there (a slow one stamps the seal later)."""
    try:
        roots = tsa_roots(settings)
    except OSError as e:
        logger.warning("EVIDENCE_TSA_CA unreadable, bundles go without it: %s", e)
        roots = []
    notary = make_notary(settings, db, tsa_timeout_s=5.0)
    return EvidenceDesk(evidence_sources(db, settings.media_folder), ChannelRepo(db), notary, roots)


def evidence_sources(db: Database, media_dir: Path | None = None) -> EvidenceSources:
    """What an export reads: the archive's repositories and the media files under MEDIA_DIR."""
    return EvidenceSources(
        SearchRepo(db, default_lemmatizer()),
        PostRepo(db),
        EvidenceRepo(db),
        MediaRepo(db),
        media_dir,
    )


def tsa_roots(settings: Settings) -> list[bytes]:
    """The TSAs' root certificates (EVIDENCE_TSA_CA), or none."""
    if settings.evidence_tsa_ca is None:
        return []
    return [settings.evidence_tsa_ca.read_bytes()]
