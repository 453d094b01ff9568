"""The secure channel over an in-memory link: it opens, carries calls, and fails closed (docs/security.md)."""

from __future__ import annotations

import asyncio

import pytest

from saltline import Identity, Peer, RpcError, SecureOptions
from saltline.link import LinkClosed
from saltline.secure import LAST, MORE, REKEY, WHOLE, SecureLink
from raw import assert_clean, link_pair

SERVER, CLIENT = Identity.generate(), Identity.generate()


def run(body):
    return asyncio.run(body())


async def open_pair(client: SecureOptions | None = None, server: SecureOptions | None = None):
    a, b = link_pair()
    client = client or SecureOptions(identity=CLIENT, expected_remote_key=SERVER.public_key)
    server = server or SecureOptions(identity=SERVER, authorize=lambda key, token: {"key": key, "token": token})
    return await asyncio.gather(SecureLink.open(a, client, "initiator"), SecureLink.open(b, server, "responder"),
                                return_exceptions=True)


def test_a_call_crosses_the_secure_channel_and_the_handler_sees_its_principal():
    async def body():
        a, b = await open_pair(client=SecureOptions(identity=CLIENT, expected_remote_key=SERVER.public_key,
                                                    token="t"))
        client, server = Peer(), Peer({"who": lambda ctx: ctx.principal["token"]})
        client._attach(a)
        server._attach(b)
        result = await client.call("who")
        await assert_clean(client, server)
        return result, a.channel_binding == b.channel_binding

    assert run(body) == (b"t", True)


def test_a_server_key_other_than_the_pinned_one_fails_unauthenticated():
    async def body():
        other = Identity.generate().public_key
        results = await open_pair(client=SecureOptions(identity=CLIENT, expected_remote_key=other))
        return [getattr(r, "code", None) for r in results]

    assert run(body) == ["UNAUTHENTICATED", "UNAUTHENTICATED"]


def test_authorize_refusing_fails_both_ends_unauthenticated():
    async def body():
        results = await open_pair(server=SecureOptions(identity=SERVER, authorize=lambda key, token: False))
        return [getattr(r, "code", None) for r in results]

    assert run(body) == ["UNAUTHENTICATED", "UNAUTHENTICATED"]


def test_a_hello_under_another_network_key_gets_no_answer():
    async def body():
        a, b = link_pair()
        client = SecureOptions(identity=CLIENT, expected_remote_key=SERVER.public_key, network_key=bytes([1]) * 32,
                               handshake_timeout=5)
        server = SecureOptions(identity=SERVER, authorize=lambda key, token: True)
        responder = asyncio.ensure_future(SecureLink.open(b, server, "responder"))
        with pytest.raises(RpcError):
            await SecureLink.open(a, client, "initiator")
        with pytest.raises(RpcError):
            await responder
        return b.inbox.qsize() <= 1 and a.inbox.qsize() <= 1  # at most the close marker, never a reply

    assert run(body)


def test_different_psks_fail_the_handshake():
    async def body():
        results = await open_pair(
            client=SecureOptions(identity=CLIENT, expected_remote_key=SERVER.public_key, psk=bytes(32)),
            server=SecureOptions(identity=SERVER, authorize=lambda key, token: True, psk=bytes([9]) * 32))
        return [getattr(r, "code", None) for r in results]

    assert run(body) == ["UNAUTHENTICATED", "UNAUTHENTICATED"]


def test_options_without_pinning_or_authorize_are_refused():
    with pytest.raises(TypeError):
        SecureOptions(identity=CLIENT).checked()


async def channel_pair():
    a, b = await open_pair()
    return a, b


def test_a_message_larger_than_one_record_is_fragmented_and_joined():
    async def body():
        a, b = await channel_pair()
        await a.send(bytes(200_000))
        received = await b.receive()
        await a.close()
        await b.close()
        return len(received)

    assert run(body) == 200_000


def test_a_tampered_record_closes_the_channel_unauthenticated():
    async def body():
        a, b = await channel_pair()
        a._link.send = _tamper(a._link.send)  # type: ignore[method-assign]
        await a.send(b"hello")
        with pytest.raises(LinkClosed) as info:
            await b.receive()
        await a.close()
        return info.value.reason.code

    assert run(body) == "UNAUTHENTICATED"


def _tamper(send):
    async def tampered(data: bytes) -> None:
        await send(data[:-1] + bytes([data[-1] ^ 1]))

    return tampered


@pytest.mark.parametrize("records", [[LAST], [MORE, WHOLE]], ids=["a lone LAST", "WHOLE inside fragments"])
def test_a_broken_fragment_sequence_closes_the_channel(records):
    async def body():
        a, b = await channel_pair()
        for record in records:
            await a._send_record(record, b"x")
        with pytest.raises(LinkClosed) as info:
            await b.receive()
        await a.close()
        return info.value.reason.code

    assert run(body) == "UNAUTHENTICATED"


def test_a_rekey_between_fragments_is_followed():
    async def body():
        a, b = await channel_pair()
        from saltline.handshake import next_key

        await a._send_record(MORE, b"ab")
        await a._send_record(REKEY, b"")
        a._send_key = next_key(a._send_key)
        await a._send_record(LAST, b"cd")
        received = await b.receive()
        await a.close()
        await b.close()
        return received

    assert run(body) == b"abcd"


def test_a_link_that_ends_without_close_is_reported_as_truncated():
    async def body():
        a, b = await channel_pair()
        await a._link.close()
        with pytest.raises(LinkClosed) as info:
            await b.receive()
        return info.value.reason.code

    assert run(body) == "DATA_LOSS"


def test_a_close_record_ends_the_channel_cleanly():
    async def body():
        a, b = await channel_pair()
        await a.close()
        with pytest.raises(LinkClosed) as info:
            await b.receive()
        return info.value.reason.code

    assert run(body) == "UNAVAILABLE"
