"""The emulator's state and behaviour, with no HTTP in it.

``Backend`` holds one part per Vision area. The quarantine-job and IOC-repository parts
are optional: they are attached when their modules are present.
"""

import importlib
import logging
import threading
from datetime import datetime
from pathlib import Path

from .. import eml, samples
from .auth import TokenService
from .clock import Clock
from .downloads import DownloadStore
from .mailbox import Mailbox
from .searches import SearchStore

DEFAULT_CLIENT_ID = "xsoar-demo"
DEFAULT_CLIENT_SECRET = "vision-demo-secret"
DEFAULT_TOKEN_LIFETIME_SECONDS = 1799
# (module under backend/, class) of the optional parts, each built as cls(backend).
OPTIONAL_PARTS = {"quarantine": ("quarantine", "QuarantineStore"),
                  "iocs": ("iocs", "IocRepository")}

log = logging.getLogger(__name__)


class Backend:
    """Everything the emulator knows, rebuilt from seeds by ``reset``.

    Attributes:
        clock, auth, mailbox, searches, downloads: the core parts.
        quarantine, iocs: the optional parts, or None when their modules are absent.
        settings: ``tokenLifetime`` (s), ``autoQuarantine``, ``autoQuarantineApproval``.
        lock: held by the app around every handler, so parts need no locks of their own.

    Args:
        client_id, client_secret: the one OAuth2 client the token service accepts.
        token_lifetime: seconds a new token lives (``expires_in``).
        auto_quarantine, auto_quarantine_approval: initial auto-quarantine settings.
        eml_dir: a folder whose ``*.eml`` files are ingested after the seeded mail.
        include_samples: False to start from the folder's messages only.
        frozen_at: freeze the clock at this moment (tests); None follows real time.
    """

    def __init__(self, *, client_id: str = DEFAULT_CLIENT_ID,
                 client_secret: str = DEFAULT_CLIENT_SECRET,
                 token_lifetime: int = DEFAULT_TOKEN_LIFETIME_SECONDS,
                 auto_quarantine: bool = False, auto_quarantine_approval: bool = False,
                 eml_dir: str | Path | None = None, include_samples: bool = True,
                 frozen_at: datetime | None = None):
        self.client_id = client_id
        self._client_secret = client_secret
        self._initial_settings = {
            "tokenLifetime": int(token_lifetime),
            "autoQuarantine": bool(auto_quarantine),
            "autoQuarantineApproval": bool(auto_quarantine_approval),
        }
        self._eml_dir = eml_dir
        self._include_samples = include_samples
        self._frozen_at = frozen_at
        self.lock = threading.RLock()
        self.reset()

    def __repr__(self) -> str:
        return (f"Backend(client_id={self.client_id!r}, "
                f"messages={len(self.mailbox.messages)})")

    @property
    def client_secret(self) -> str:
        """The accepted client secret (for test and demo set-up; never logged)."""
        return self._client_secret

    def reset(self) -> None:
        """Rebuilds every part from the seeds and the initial settings."""
        with self.lock:
            self.settings = dict(self._initial_settings)
            self.clock = Clock(self._frozen_at)
            self.auth = TokenService(self.clock, self.client_id, self._client_secret,
                                     lambda: self.settings["tokenLifetime"])
            self.mailbox = self._build_mailbox()
            self.searches = SearchStore(self.clock, self.mailbox)
            self.downloads = DownloadStore(self.mailbox)
            for attribute, (module, class_name) in OPTIONAL_PARTS.items():
                setattr(self, attribute, _optional_part(module, class_name, self))
        log.debug("Backend reset: %d messages", len(self.mailbox.messages))

    def settle(self) -> None:
        """Brings time-driven state (job runs, IOC expiry) up to the clock's now.

        The optional parts change with time only when asked, so the app calls this
        before every handler; a part without ``settle`` is left alone.
        """
        for attribute in OPTIONAL_PARTS:
            settle = getattr(getattr(self, attribute), "settle", None)
            if settle is not None:
                settle()

    def _build_mailbox(self) -> Mailbox:
        mailbox = Mailbox(now=self.clock.now())
        if self._include_samples:
            for seed in samples.seed_messages():
                mailbox.add(seed.raw, seed.documented)
        if self._eml_dir is not None:
            for raw in eml.load_folder(self._eml_dir):
                mailbox.add(raw)
        return mailbox


def _optional_part(module: str, class_name: str, backend: Backend):
    """Builds an optional part, or returns None when its module does not exist."""
    loaded = import_optional(f"{__name__}.{module}")
    return None if loaded is None else getattr(loaded, class_name)(backend)


def import_optional(qualified: str):
    """Imports a module that may be absent; errors inside a present module propagate."""
    try:
        return importlib.import_module(qualified)
    except ModuleNotFoundError as exc:
        if exc.name != qualified:
            raise
        return None
