"""Synthetic Vision replies of any size, shaped like the recorded test_data replies."""

import copy
import json
from pathlib import Path

TEST_DATA = Path(__file__).resolve().parent.parent / "CofenseVision" / "test_data"
THREAT_LEVELS = ("very_high", "High", "Medium", "Low")
THREAT_TYPES = ("DOMAIN", "URL", "MD5", "SHA256", "SENDER")


def _recorded(name: str) -> dict:
    return json.loads((TEST_DATA / name).read_text())


def search_results_text(count: int) -> str:
    """The JSON text of a search-results reply holding ``count`` messages."""
    recorded = _recorded("message_search_results_get_response.json")
    template = recorded["messages"][0]
    messages = []
    for number in range(count):
        message = copy.deepcopy(template)
        message["id"] = 100_000 + number
        message["internetMessageId"] = f"<bench-{number}@example.com>"
        message["subject"] = f"Benchmark message {number}"
        messages.append(message)
    return json.dumps({"search": recorded["search"], "messages": messages})


def iocs_text(count: int) -> str:
    """The JSON text of an IOC-list reply of ``count`` IOCs of every threat type."""
    template = _recorded("iocs_list_response.json")["data"][0]
    iocs = []
    for number in range(count):
        ioc = copy.deepcopy(template)
        ioc["id"] = f"{number:032x}"
        threat_type = THREAT_TYPES[number % len(THREAT_TYPES)]
        ioc["attributes"] = {
            "threat_type": threat_type,
            "threat_value": _threat_value(threat_type, number),
        }
        ioc["metadata"]["source"]["threat_level"] = THREAT_LEVELS[number % 4]
        iocs.append(ioc)
    return json.dumps({"data": iocs})


def _threat_value(threat_type: str, number: int) -> str:
    values = {
        "DOMAIN": f"bench{number}.example.com",
        "URL": f"https://bench{number}.example.com/path",
        "MD5": f"{number:032x}",
        "SHA256": f"{number:064x}",
        "SENDER": f"sender{number}@example.com",
    }
    return values[threat_type]
