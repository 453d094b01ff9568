"""saltline for Python: an asyncio peer that speaks saltline's wire protocol (docs/protocol.md) over WebSocket,
plain or through the secure channel (docs/security.md)."""

from .codec import ArrayBuffer, TypedArray
from .context import Context, with_context
from .errors import CODES, RemoteError, RpcError, register_error
from .handshake import Identity
from .peer import Backoff, Peer, Server, connect, serve
from .refs import RemoteFunction, RemoteObject, RemoteSignal
from .secure import SecureOptions, decode_key, encode_key
from .session import DEFAULT, Limits
from .streams import RemoteStream

__all__ = [
    "ArrayBuffer", "Backoff", "CODES", "Context", "DEFAULT", "Identity", "Limits", "Peer", "RemoteError",
    "RemoteFunction", "RemoteObject", "RemoteSignal", "RemoteStream", "RpcError", "SecureOptions", "Server",
    "TypedArray", "connect", "decode_key", "encode_key", "register_error", "serve", "with_context",
]
