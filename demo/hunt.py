"""The Quick start's main job: a phishing hunt through the War Room.

It starts the Cofense Vision emulator on a free loopback port and types, one after the
other, the commands an analyst would: test the connection, look up the searchable
headers, search for a campaign's subject, read the results and one message, download it
and an attachment, quarantine what the search found and restore it, then add the
campaign's indicators to the IOC repository. Every entry is printed as the War Room
shows it; downloaded files go to hunt-output/.
"""

import hashlib
import shutil
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "CofenseVision")]

from vision_emulator import serve  # noqa: E402
from xsoar_local.warroom import WarRoom  # noqa: E402

OUTPUT = ROOT / "hunt-output"
CAMPAIGN_SUBJECT = "Action required: invoice*"
IOC_SOURCE = "XSOAR-Hunt"


class Hunt:
    """Types War Room commands, prints what XSOAR would show, and stops on an error."""

    def __init__(self, war_room: WarRoom):
        self.war_room = war_room

    def run(self, line: str):
        print(f"\nwarroom> {line}")
        outcome = self.war_room.run(line)
        self.war_room.print(outcome)
        if outcome.error:
            raise SystemExit(f"The hunt stopped: {line} failed.")
        return outcome

    @staticmethod
    def section(title: str) -> None:
        print(f"\n{'=' * 88}\n{title}\n{'=' * 88}")


def context_value(outcome, prefix: str) -> object:
    """The value stored under a context key that starts with prefix."""
    for key, value in outcome.context.items():
        if key.split("(")[0] == prefix:
            return value
    raise KeyError(prefix)


def verify_download(zip_path: Path, message: dict, attachment_path: Path,
                    attachment: dict) -> None:
    """Checks the downloaded bytes against the hashes Vision reported."""
    with zipfile.ZipFile(zip_path) as archive:
        raw = archive.read(archive.namelist()[0])
    checks = (
        ("message inside the zip", hashlib.sha256(raw).hexdigest(), message["sha256"]),
        ("attachment", hashlib.sha256(attachment_path.read_bytes()).hexdigest(),
         attachment["sha256"]),
    )
    for label, actual, expected in checks:
        verdict = "matches" if actual == expected else "DOES NOT MATCH"
        print(f"SHA-256 of the {label}: {actual} {verdict} Vision's {expected}")
        if actual != expected:
            raise SystemExit("The hunt stopped: a download differs from Vision's.")


def hunt(hunt: Hunt) -> None:
    hunt.section("1. Is Vision reachable, and what can we search on?")
    hunt.run("!test-module")
    hunt.run("!cofense-searchable-headers-get")

    hunt.section("2. Hunt the campaign by its subject")
    search = context_value(hunt.run(f'!cofense-message-search-create '
                                    f'subjects="{CAMPAIGN_SUBJECT}"'), "Cofense.Search")
    results = hunt.run(f"!cofense-message-search-results-get id={search['id']} size=50")
    messages = context_value(results, "Cofense.Search")["Message"]
    if not messages:
        raise SystemExit("The hunt stopped: the campaign search found nothing.")
    message = next((item for item in messages if item.get("attachments")), messages[0])
    message_id = message["internetMessageId"]
    recipient = message["recipients"][0]["address"]

    hunt.section("3. Inspect one message and download it with an attachment")
    metadata = context_value(hunt.run(
        f'!cofense-message-metadata-get internet_message_id="{message_id}" '
        f'recipient_address="{recipient}"'), "Cofense.Message")
    token = context_value(hunt.run(
        f'!cofense-message-token-get internet_message_id="{message_id}" '
        f'recipient_address="{recipient}"'), "Cofense.Message")["token"]
    zip_file = hunt.run(f'!cofense-message-get token="{token}"').files[0]
    attachment = metadata["attachments"][0]
    attachment_file = hunt.run(
        f'!cofense-message-attachment-get sha256="{attachment["sha256"]}" '
        f'file_name="{attachment["filename"]}"').files[0]
    verify_download(zip_file.path, metadata, attachment_file.path, attachment)

    hunt.section("4. Quarantine every copy the search found, then restore them")
    pairs = ", ".join(
        f"{item['internetMessageId']}:{person['address']}"
        for item in messages for person in item.get("recipients", [])
    )
    job = context_value(hunt.run(
        f'!cofense-quarantine-job-create quarantine_emails="{pairs}" polling=true'),
        "Cofense.QuarantineJob")
    print("\nWhile quarantined, the copies are out of the mailboxes and out of the "
          "search results:")
    hunt.run(f"!cofense-message-search-results-get id={search['id']} size=50")
    hunt.run(f"!cofense-quarantine-job-restore id={job['id']} polling=true")
    print("\nRestored, they are back:")
    hunt.run(f"!cofense-message-search-results-get id={search['id']} size=3")
    hunt.run(f"!cofense-quarantine-job-get id={job['id']}")

    hunt.section("5. Teach Vision the campaign's indicators")
    sender = metadata["from"][0]["address"]
    iocs = (
        f'[{{"threat_type": "Sender", "threat_value": "{sender}", '
        f'"threat_level": "Malicious", "source_id": "hunt-1", '
        f'"created_at": "1 hour"}}, '
        f'{{"threat_type": "SHA256", "threat_value": "{attachment["sha256"]}", '
        f'"threat_level": "High", "source_id": "hunt-2", "created_at": "1 hour"}}]'
    )
    escaped = iocs.replace('"', '\\"')
    hunt.run(f'!cofense-iocs-update source={IOC_SOURCE} iocs_json="{escaped}"')
    hunt.run(f"!cofense-iocs-list source={IOC_SOURCE}")
    matched = context_value(hunt.run(
        f'!cofense-message-metadata-get internet_message_id="{message_id}" '
        f'recipient_address="{recipient}"'), "Cofense.Message")
    print(f"\nVision now matches {message_id} with the IOCs "
          f"{', '.join(matched.get('matchingIOCs') or []) or '(none)'} "
          f"from {', '.join(matched.get('matchingSources') or []) or '(no source)'}.")


def main() -> int:
    shutil.rmtree(OUTPUT, ignore_errors=True)
    OUTPUT.mkdir()
    with serve(port=0) as server, tempfile.TemporaryDirectory() as home:
        params = {
            "url": server.url,
            "credentials": {
                "identifier": server.client_id,
                "password": server.client_secret,
            },
        }
        war_room = WarRoom(params=params, home=home, out=OUTPUT, warp=True)
        print(f"Cofense Vision emulator at {server.url}; files go to {OUTPUT}")
        hunt(Hunt(war_room))
    print("\nThe hunt is complete.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
