"""Runs the whole scim2-tester check set against a SCIM server.

Usage: conformance.py BASE_URL TOKEN

Prints every check; exits 1 when any check is not a success. scim2-tester rates each
check SUCCESS (the RFC's MUSTs hold), COMPLIANT (its SHOULDs), ACCEPTABLE (a MAY, or
robustness), DEVIATION, ERROR or CRITICAL, or SKIPPED (not run for a prerequisite);
the first three are successes, the next three failures, and SKIPPED is reported.
"""

import sys

from httpx2 import Client
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_tester import Status, check_server

PASSING = {Status.SUCCESS, Status.COMPLIANT, Status.ACCEPTABLE, Status.SKIPPED}


def main() -> int:
    base_url, token = sys.argv[1], sys.argv[2]
    http = Client(base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=30)
    results = check_server(SyncSCIMClient(http), raise_exceptions=False)
    failures = [r for r in results if r.status not in PASSING]
    for result in results:
        scope = f"[{result.resource_type}] " if result.resource_type else ""
        line = f"{result.status.name:<10} {scope}{result.title}"
        if result.status not in PASSING and result.reason:
            line += f": {result.reason}"
        print(line)
    skipped = sum(r.status == Status.SKIPPED for r in results)
    print(f"scim2-tester: {len(results) - len(failures)} passed, {len(failures)} failed, {skipped} skipped")
    return 1 if failures or not results else 0


if __name__ == "__main__":
    sys.exit(main())
