#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
# A tunnel proxy for the benchmarks' upstream.proxy (bench-rss.sh PROXY=…): HTTP CONNECT and SOCKS5 (no login, or
# any user name and password) on one port, told apart by the first byte. A CONNECT's login: none asked for, or with
# `--ask basic` a Basic one (407 with Basic's challenge while a CONNECT has none; any user name and password), with
# `--ask digest` Digest or Basic (407 offering both; any Proxy-Authorization is then accepted, its answer unchecked).
# A 407 keeps the connection for the next CONNECT. Prints "READY <port>" once listening on 127.0.0.1. asyncio: a
# thousand tunnels in one process.
import argparse
import asyncio
import socket
import struct
import sys


async def pipe(reader, writer):
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            writer.write(data)
            await writer.drain()
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        writer.close()


async def tunnel(client_reader, client_writer, host, port, answer):
    try:
        up_reader, up_writer = await asyncio.open_connection(host, port)
    except OSError:
        client_writer.close()
        return
    client_writer.write(answer)
    await client_writer.drain()
    await asyncio.gather(pipe(client_reader, up_writer), pipe(up_reader, client_writer))


async def socks5(reader, writer):
    methods = await reader.readexactly((await reader.readexactly(1))[0])
    login = 2 in methods and 0 not in methods
    writer.write(b"\x05\x02" if login else b"\x05\x00")
    if login:  # RFC 1929: accept any
        await reader.readexactly(1)
        await reader.readexactly((await reader.readexactly(1))[0])
        await reader.readexactly((await reader.readexactly(1))[0])
        writer.write(b"\x01\x00")
    _, _, _, atyp = await reader.readexactly(4)
    if atyp == 1:
        host = socket.inet_ntop(socket.AF_INET, await reader.readexactly(4))
    elif atyp == 4:
        host = socket.inet_ntop(socket.AF_INET6, await reader.readexactly(16))
    else:
        host = (await reader.readexactly((await reader.readexactly(1))[0])).decode()
    (port,) = struct.unpack("!H", await reader.readexactly(2))
    await tunnel(reader, writer, host, port, b"\x05\x00\x00\x01\x7f\x00\x00\x01\x00\x00")


CHALLENGES = {
    "basic": b'Proxy-Authenticate: Basic realm="bench"\r\n',
    "digest": b'Proxy-Authenticate: Digest realm="bench", nonce="6d1c0a", qop="auth"\r\n'
    b'Proxy-Authenticate: Basic realm="bench"\r\n',
}


async def connect(first, reader, writer, ask):
    head = first + await reader.readuntil(b"\r\n\r\n")
    while ask and b"\r\nproxy-authorization:" not in head.lower():
        writer.write(b"HTTP/1.1 407 Proxy Authentication Required\r\n" + CHALLENGES[ask] + b"Content-Length: 0\r\n\r\n")
        await writer.drain()
        head = await reader.readuntil(b"\r\n\r\n")
    target = head.split(b" ", 2)[1].decode()
    host, _, port = target.rpartition(":")
    await tunnel(reader, writer, host.strip("[]"), int(port), b"HTTP/1.1 200 Connection established\r\n\r\n")


async def serve(reader, writer, ask):
    try:
        first = await reader.readexactly(1)
        if first == b"\x05":
            await socks5(reader, writer)
        else:
            await connect(first, reader, writer, ask)
    except (asyncio.IncompleteReadError, ConnectionError, ValueError, IndexError):
        writer.close()


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--ask", choices=sorted(CHALLENGES), help="the login a CONNECT must carry")
    ask = parser.parse_args().ask
    server = await asyncio.start_server(lambda r, w: serve(r, w, ask), "127.0.0.1", 0, backlog=4096)
    print("READY", server.sockets[0].getsockname()[1], flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
