#!/usr/bin/env python3
"""signin-held.py: the harness's `claude_ctl.py auth NAME`, but the session stays open HOLD seconds
after the browser step before it is closed.

`claude_ctl.py auth` closes the session at the first mcp_status "connected"; a server the session had
already connected (e.g. with a token `fix` moved) reads "connected" at once, so the session is shut
down between the callback and the code exchange and the entry ends tokenless (README: "The 2.1.100
sign-in after a move"). This is the control that shows the sign-in itself works.

    HOME=<scratch home> CLAUDE_BIN=<claude> HARNESS=/tmp/harness \
        python3 tests/real-client/signin-held.py NAME [HOLD]

Run it in HOME/work with the snapshot's mock up (lib.sh's mock_start). Prints the status before, the
callback page's status and the status after HOLD seconds on stderr; exit 0 if NAME is then connected.
"""
import os
import sys
import time

sys.path.insert(0, os.environ.get("HARNESS", "/tmp/harness"))
import claude_ctl as ctl  # noqa: E402  (the harness's Session and scripted browser)


def main():
    name = sys.argv[1]
    hold = float(sys.argv[2]) if len(sys.argv) > 2 else 8.0
    s = ctl.Session()
    try:
        s.request("initialize")
        before = ctl.status_map(s.request("mcp_status")).get(name) or {}
        print(f"[signin-held] status before: {before.get('status')}", file=sys.stderr)
        url = s.request("mcp_authenticate", serverName=name).get("authUrl")
        if url:
            final, code, _ = ctl.browser_fetch(url, lambda m: None)
            print(f"[signin-held] browser landed on {final.split('?')[0]} -> HTTP {code}", file=sys.stderr)
        time.sleep(hold)
        after = ctl.status_map(s.request("mcp_status")).get(name) or {}
        print(f"[signin-held] status after {hold:g} s: {after.get('status')}", file=sys.stderr)
        return 0 if after.get("status") == "connected" else 1
    finally:
        s.close()


if __name__ == "__main__":
    sys.exit(main())
