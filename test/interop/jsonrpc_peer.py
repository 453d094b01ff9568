"""An independent JSON-RPC 2.0 client and server in Python's standard library (json, urllib,
http.server) and python3-websockets, for saltline's interop tests.

  jsonrpc_peer.py http-client URL   calls URL over HTTP POST, prints one JSON line per answer
  jsonrpc_peer.py ws-client URL     the same over a WebSocket
  jsonrpc_peer.py http-server       serves over HTTP on 127.0.0.1, prints its port, stops on stdin EOF
  jsonrpc_peer.py ws-server         the same over a WebSocket

The calls a client makes, and the methods a server offers: subtract (positional or named),
echo, and fail (error -32000 with data).
"""
import asyncio
import json
import sys
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CALLS = [
    {"jsonrpc": "2.0", "method": "subtract", "params": [42, 23], "id": 1},
    {"jsonrpc": "2.0", "method": "subtract", "params": {"minuend": 42, "subtrahend": 23}, "id": 2},
    {"jsonrpc": "2.0", "method": "echo", "params": [{"text": "h\u00e9llo", "list": [1, None, True]}], "id": "three"},
    {"jsonrpc": "2.0", "method": "missing", "id": 4},
    {"jsonrpc": "2.0", "method": "fail", "id": 5},
    {"jsonrpc": "2.0", "method": "echo", "params": ["notified"]},
    [
        {"jsonrpc": "2.0", "method": "subtract", "params": [10, 1], "id": 6},
        {"jsonrpc": "2.0", "method": "echo", "params": ["in a batch"], "id": 7},
    ],
]


def subtract(*args):
    if len(args) == 1 and isinstance(args[0], dict):
        return args[0]["minuend"] - args[0]["subtrahend"]
    return args[0] - args[1]


METHODS = {"subtract": subtract, "echo": lambda value: value}


def answer_one(request):
    if not isinstance(request, dict) or request.get("jsonrpc") != "2.0" or not isinstance(request.get("method"), str):
        return {"jsonrpc": "2.0", "id": None, "error": {"code": -32600, "message": "Invalid Request"}}
    has_id = "id" in request
    method = request["method"]
    params = request.get("params", [])
    if method == "fail":
        error = {"code": -32000, "message": "it failed", "data": {"why": "asked to"}}
        return {"jsonrpc": "2.0", "id": request.get("id"), "error": error} if has_id else None
    if method not in METHODS:
        error = {"code": -32601, "message": "Method not found"}
        return {"jsonrpc": "2.0", "id": request.get("id"), "error": error} if has_id else None
    result = METHODS[method](*params) if isinstance(params, list) else METHODS[method](params)
    return {"jsonrpc": "2.0", "id": request["id"], "result": result} if has_id else None


def answer(text):
    try:
        message = json.loads(text)
    except ValueError:
        return json.dumps({"jsonrpc": "2.0", "id": None, "error": {"code": -32700, "message": "Parse error"}})
    if isinstance(message, list):
        replies = [r for r in (answer_one(item) for item in message) if r is not None]
        return json.dumps(replies) if replies else None
    reply = answer_one(message)
    return json.dumps(reply) if reply is not None else None


def http_client(url):
    for call in CALLS:
        request = urllib.request.Request(url, data=json.dumps(call).encode(), headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request) as response:
            body = response.read().decode()
            print(json.dumps({"status": response.status, "body": json.loads(body) if body else None}), flush=True)


async def ws_client(url):
    import websockets

    async with websockets.connect(url) as socket:
        for call in CALLS:
            await socket.send(json.dumps(call))
            if isinstance(call, dict) and "id" not in call:
                print(json.dumps({"body": None}), flush=True)
                continue
            print(json.dumps({"body": json.loads(await socket.recv())}), flush=True)
        # The server calls back: answer what it asks until it closes.
        async for text in socket:
            reply = answer(text)
            if reply is not None:
                await socket.send(reply)


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
        reply = answer(body)
        self.send_response(200 if reply is not None else 204)
        if reply is not None:
            data = reply.encode()
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        else:
            self.end_headers()

    def log_message(self, *args):
        pass


def http_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(server.server_address[1], flush=True)
    sys.stdin.read()
    server.shutdown()


async def ws_server():
    import websockets

    async def handle(socket, path=None):
        async for text in socket:
            reply = answer(text)
            if reply is not None:
                await socket.send(reply)

    async with websockets.serve(handle, "127.0.0.1", 0) as server:
        print(server.sockets[0].getsockname()[1], flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "http-client":
        http_client(sys.argv[2])
    elif mode == "ws-client":
        asyncio.run(ws_client(sys.argv[2]))
    elif mode == "http-server":
        http_server()
    elif mode == "ws-server":
        asyncio.run(ws_server())
