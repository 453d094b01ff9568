"""Calls the JSON-RPC demo (demos/jsonrpc/main.mjs) with Python's standard library only.

  /usr/bin/python3 demos/jsonrpc/client.py http://127.0.0.1:8090/rpc
"""
import json
import sys
import urllib.request

URL = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8090/rpc"
next_id = 0


def call(method, params=None):
    global next_id
    next_id += 1
    request = {"jsonrpc": "2.0", "id": next_id, "method": method}
    if params is not None:
        request["params"] = params
    body = json.dumps(request).encode()
    req = urllib.request.Request(URL, data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req) as response:
        reply = json.loads(response.read())
    if "error" in reply:
        raise RuntimeError(f"{reply['error']['message']} ({reply['error'].get('data')})")
    return reply["result"]


print("add(2, 3) =", call("add", [2, 3]))
print("notes.add ->", call("notes.add", {"text": "from Python"}))
print("notes.list ->", call("notes.list"))
try:
    call("notes.add", {"text": ""})
except RuntimeError as error:
    print("an empty note is refused:", error)
