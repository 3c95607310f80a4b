// SPDX-License-Identifier: GPL-3.0-or-later
// Just enough RFC 6455 for the relay's Live tests, on node:http and node:net only (Node 20 has no WebSocket
// server, and its global WebSocket client cannot send the handshake headers the proxy sends):
//   wsConnect(url, headers)  client handshake; resolves to { status, headers, body } when the server answers
//                            anything but 101, or { status: 101, headers, conn } when it upgrades
//   startWsUpstream()        a Live-like upstream that records every handshake and session (see below)
// A connection (WsConn) reads messages with `await conn.next()`: { type: "text"|"binary", data } or
// { type: "close", code, reason } (code 1005 when the close frame had none, 1006 when the TCP connection ended
// without one). Fragmented messages are reassembled; pings are answered.
import { createHash, randomBytes } from "node:crypto";
import http from "node:http";

const GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
export const acceptFor = (key) => createHash("sha1").update(key + GUID).digest("base64");

const OP = { cont: 0, text: 1, binary: 2, close: 8, ping: 9, pong: 10 };

// One frame. `mask`: the client masks, the server does not. `fin` false starts or continues a fragmented message.
export function encodeFrame(opcode, payload, { mask = false, fin = true } = {}) {
  const data = Buffer.isBuffer(payload) ? payload : Buffer.from(payload);
  const len = data.length;
  const head = [((fin ? 0x80 : 0) | opcode) & 0xff];
  const m = mask ? 0x80 : 0;
  if (len < 126) {
    head.push(m | len);
  } else if (len < 65536) {
    head.push(m | 126, len >> 8, len & 0xff);
  } else {
    head.push(m | 127, 0, 0, 0, 0, (len >>> 24) & 0xff, (len >>> 16) & 0xff, (len >>> 8) & 0xff, len & 0xff);
  }
  if (!mask) {
    return Buffer.concat([Buffer.from(head), data]);
  }
  const key = randomBytes(4);
  const masked = Buffer.alloc(len);
  for (let i = 0; i < len; i++) masked[i] = data[i] ^ key[i & 3];
  return Buffer.concat([Buffer.from(head), key, masked]);
}

export class WsConn {
  constructor(socket, head, { client }) {
    this.socket = socket;
    this.client = client;
    this.buf = head && head.length ? Buffer.from(head) : Buffer.alloc(0);
    this.fragments = null; // { opcode, parts }
    this.items = [];
    this.waiters = [];
    this.closeSent = false;
    this.closed = false; // a close (or the end of the connection) was reported
    socket.setNoDelay(true);
    socket.on("data", (chunk) => {
      this.buf = Buffer.concat([this.buf, chunk]);
      this.parse();
    });
    socket.on("error", () => {});
    socket.on("close", () => this.report({ type: "close", code: 1006, reason: "" }));
    if (this.buf.length) setImmediate(() => this.parse());
  }

  report(item) {
    if (this.closed) return;
    if (item.type === "close") this.closed = true;
    const w = this.waiters.shift();
    if (w) w(item);
    else this.items.push(item);
  }

  // The next message or close; rejects after timeoutMs.
  next(timeoutMs = 5000) {
    if (this.items.length) return Promise.resolve(this.items.shift());
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== done);
        reject(new Error(`no WebSocket message within ${timeoutMs} ms`));
      }, timeoutMs);
      const done = (item) => {
        clearTimeout(timer);
        resolve(item);
      };
      this.waiters.push(done);
    });
  }

  parse() {
    for (;;) {
      const b = this.buf;
      if (b.length < 2) return;
      const fin = (b[0] & 0x80) !== 0;
      const opcode = b[0] & 0x0f;
      const masked = (b[1] & 0x80) !== 0;
      let len = b[1] & 0x7f;
      let off = 2;
      if (len === 126) {
        if (b.length < 4) return;
        len = b.readUInt16BE(2);
        off = 4;
      } else if (len === 127) {
        if (b.length < 10) return;
        len = Number(b.readBigUInt64BE(2));
        off = 10;
      }
      const keyOff = off;
      if (masked) off += 4;
      if (b.length < off + len) return;
      let payload = Buffer.from(b.subarray(off, off + len));
      if (masked) {
        const key = b.subarray(keyOff, keyOff + 4);
        for (let i = 0; i < payload.length; i++) payload[i] ^= key[i & 3];
      }
      this.buf = b.subarray(off + len);
      this.frame(fin, opcode, payload);
    }
  }

  frame(fin, opcode, payload) {
    if (opcode === OP.ping) {
      this.write(OP.pong, payload);
      return;
    }
    if (opcode === OP.pong) return;
    if (opcode === OP.close) {
      const code = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
      const reason = payload.length > 2 ? payload.subarray(2).toString("utf8") : "";
      if (!this.closeSent) {
        this.closeSent = true;
        this.write(OP.close, payload.length >= 2 ? payload.subarray(0, 2) : Buffer.alloc(0));
      }
      this.report({ type: "close", code, reason });
      // The server ends the TCP connection after the closing handshake (RFC 6455 §7.1.1).
      if (!this.client) this.socket.end();
      return;
    }
    if (opcode === OP.cont) {
      if (!this.fragments) return;
      this.fragments.parts.push(payload);
    } else {
      this.fragments = { opcode, parts: [payload] };
    }
    if (!fin) return;
    const { opcode: op, parts } = this.fragments;
    this.fragments = null;
    const data = Buffer.concat(parts);
    this.report(op === OP.text ? { type: "text", data: data.toString("utf8") } : { type: "binary", data });
  }

  write(opcode, payload, opts = {}) {
    if (this.socket.destroyed) return;
    this.socket.write(encodeFrame(opcode, payload, { mask: this.client, ...opts }));
  }

  sendText(text) {
    this.write(OP.text, Buffer.from(text, "utf8"));
  }

  sendBinary(bytes) {
    this.write(OP.binary, Buffer.from(bytes));
  }

  // A message in several frames (text or binary), to show that the relay passes on messages, not frames.
  sendFragmented(type, data, pieces) {
    const bytes = Buffer.from(data);
    const step = Math.ceil(bytes.length / pieces);
    for (let i = 0; i < pieces; i++) {
      const part = bytes.subarray(i * step, (i + 1) * step);
      this.write(i === 0 ? OP[type] : OP.cont, part, { fin: i === pieces - 1 });
    }
  }

  // Sends a close frame: `code` undefined = a close frame without a code (the peer sees 1005).
  close(code, reason = "") {
    if (this.closeSent) return;
    this.closeSent = true;
    let payload = Buffer.alloc(0);
    if (code !== undefined) {
      payload = Buffer.concat([Buffer.from([code >> 8, code & 0xff]), Buffer.from(reason, "utf8")]);
    }
    this.write(OP.close, payload);
  }

  // Ends the TCP connection without a close frame (the peer sees 1006).
  drop() {
    this.socket.destroy();
  }
}

// The client side of the opening handshake.
export function wsConnect(url, headers = {}, { timeoutMs = 10000 } = {}) {
  const u = new URL(url);
  const key = randomBytes(16).toString("base64");
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: u.hostname,
      port: u.port,
      path: u.pathname + u.search,
      method: "GET",
      headers: {
        connection: "Upgrade",
        upgrade: "websocket",
        "sec-websocket-key": key,
        "sec-websocket-version": "13",
        ...headers,
      },
      timeout: timeoutMs,
    });
    req.on("timeout", () => req.destroy(new Error(`no handshake answer within ${timeoutMs} ms`)));
    req.on("error", reject);
    req.on("upgrade", (res, socket, head) => {
      if (res.headers["sec-websocket-accept"] !== acceptFor(key)) {
        socket.destroy();
        reject(new Error("wrong Sec-WebSocket-Accept in the 101"));
        return;
      }
      resolve({ status: res.statusCode, headers: res.headers, conn: new WsConn(socket, head, { client: true }) });
    });
    req.on("response", (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () =>
        resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }),
      );
      res.on("error", reject);
    });
    req.end();
  });
}

// A Live-like upstream. Every handshake is recorded ({ id (x-test-id), url, headers, rawHeaders, refused,
// received: [messages and the close, as WsConn reports them] }). Behaviour by query parameter:
//   refuse=STATUS   answer the handshake with STATUS and a Google-shaped JSON body (`refusalBody(STATUS)`)
//   greet=1         send a binary `{"greeting":true}` right after the 101 (before the relay may have accepted
//                   its client); greetClose=CODE then closes with CODE and reason "bye after greeting"
// Messages: a text `{"setup":…}` is answered with the binary `{"setupComplete":{}}` (as Google does); a text
// `close:CODE:REASON` makes the upstream close with CODE/REASON (`close::` = a close frame without a code);
// `drop` ends the TCP connection without a close frame; everything else is echoed with the same type.
export function refusalBody(status) {
  return JSON.stringify({ error: { code: status, message: `upstream refuses (${status})`, status: "UNAVAILABLE" } });
}

export function startWsUpstream() {
  const records = [];
  const server = http.createServer((req, res) => {
    res.writeHead(426, { "content-type": "text/plain" });
    res.end("WebSocket only\n");
  });
  server.on("upgrade", (req, socket, head) => {
    const url = new URL(req.url, "http://upstream");
    const record = {
      id: req.headers["x-test-id"],
      url: req.url,
      headers: req.headers,
      rawHeaders: req.rawHeaders,
      refused: false,
      received: [],
      conn: null,
    };
    records.push(record);
    const refuse = url.searchParams.get("refuse");
    if (refuse) {
      record.refused = true;
      const body = refusalBody(Number(refuse));
      socket.end(
        `HTTP/1.1 ${refuse} Refused\r\ncontent-type: application/json; charset=UTF-8\r\n` +
          `content-length: ${Buffer.byteLength(body)}\r\nx-upstream-says: no\r\nconnection: close\r\n\r\n${body}`,
      );
      return;
    }
    socket.write(
      "HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: Upgrade\r\n" +
        `sec-websocket-accept: ${acceptFor(req.headers["sec-websocket-key"])}\r\n\r\n`,
    );
    const conn = new WsConn(socket, head, { client: false });
    record.conn = conn;
    if (url.searchParams.get("greet") === "1") {
      conn.sendBinary(Buffer.from('{"greeting":true}'));
      const greetClose = url.searchParams.get("greetClose");
      if (greetClose) conn.close(Number(greetClose), "bye after greeting");
    }
    (async () => {
      for (;;) {
        const m = await conn.next(600000).catch(() => ({ type: "close", code: 0, reason: "timeout" }));
        record.received.push(m);
        if (m.type === "close") return;
        if (m.type === "text" && m.data.startsWith("close:")) {
          const rest = m.data.slice("close:".length);
          const code = rest.slice(0, rest.indexOf(":"));
          const reason = rest.slice(rest.indexOf(":") + 1);
          conn.close(code === "" ? undefined : Number(code), reason);
        } else if (m.type === "text" && m.data === "drop") {
          conn.drop();
        } else if (m.type === "text" && m.data.startsWith('{"setup"')) {
          conn.sendBinary(Buffer.from('{"setupComplete":{}}'));
        } else if (m.type === "text") {
          conn.sendText(m.data);
        } else {
          conn.sendBinary(m.data);
        }
      }
    })();
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const wait = async (id, pred = () => true, timeoutMs = 5000) => {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
          const r = records.find((x) => x.id === id && pred(x));
          if (r) return r;
          if (Date.now() > deadline) return null;
          await new Promise((res) => setTimeout(res, 20));
        }
      };
      resolve({
        url: `http://127.0.0.1:${server.address().port}`,
        records,
        // The record of the handshake that carried x-test-id `id` (null if none within timeoutMs).
        record: (id, timeoutMs) => wait(id, undefined, timeoutMs),
        // ... once the upstream has seen that session's close.
        closed: (id, timeoutMs) =>
          wait(id, (x) => x.received.some((m) => m.type === "close"), timeoutMs).then(
            (x) => x && x.received.find((m) => m.type === "close"),
          ),
        close: () =>
          new Promise((res) => {
            for (const r of records) r.conn?.drop();
            server.close(() => res());
          }),
      });
    });
  });
}
