"""One measured child process: prints its peak RSS and what it loaded as one JSON line.

    child.py baseline             the imports of a command run, nothing else
    child.py message TOKEN        cofense-message-get of a bench token
    child.py attachment MD5       cofense-message-attachment-get of a bench MD5
    child.py headers              cofense-searchable-headers-get (checks for dateparser)

The instance comes from VISION_URL, VISION_CLIENT_ID, VISION_CLIENT_SECRET and
XSOAR_LOCAL_HOME, as for the War Room.
"""

import json
import os
import resource
import sys

import CofenseVision  # noqa: F401  (the baseline holds the same modules as a run)
from xsoar_local import runtime

COMMANDS = {
    "message": ("cofense-message-get", "token"),
    "attachment": ("cofense-message-attachment-get", "md5"),
    "headers": ("cofense-searchable-headers-get", None),
}


def main(argv: list[str]) -> dict:
    mode = argv[0]
    report = {"mode": mode}
    if mode in COMMANDS:
        command, argument = COMMANDS[mode]
        args = {argument: argv[1]} if argument else {}
        if mode == "attachment":
            args["file_name"] = "bench.bin"
        params = {
            "url": os.environ["VISION_URL"],
            "credentials": {
                "identifier": os.environ["VISION_CLIENT_ID"],
                "password": os.environ["VISION_CLIENT_SECRET"],
            },
        }
        home = os.environ["XSOAR_LOCAL_HOME"]
        result = runtime.run_command(command, args, params, home=home)
        report["entry_types"] = [entry.get("Type") for entry in result.entries]
        report["file_bytes"] = [
            runtime.file_path(entry["FileID"], home).stat().st_size
            for entry in result.entries
            if entry.get("FileID")
        ]
        report["errors"] = [
            str(entry.get("Contents"))[:160]
            for entry in result.entries
            if entry.get("Type") == 4
        ]
    report["dateparser_loaded"] = "dateparser" in sys.modules
    report["maxrss_kib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return report


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1:])))
