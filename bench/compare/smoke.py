"""Checks one configured server end to end with slixmpp: two logins, a room, a post, a MAM query.

Used by run.sh --check to prove a server's configuration before measuring it."""

import asyncio
import ssl
import uuid
import xml.etree.ElementTree as ET

import slixmpp
from slixmpp.xmlstream.handler import Callback
from slixmpp.xmlstream.matcher import MatchXPath

MUC_NS = "http://jabber.org/protocol/muc"
MUC_USER_NS = "http://jabber.org/protocol/muc#user"
MAM_NS = "urn:xmpp:mam:2"
TIMEOUT_S = 20


class Client(slixmpp.ClientXMPP):
    def __init__(self, jid, password, tls):
        super().__init__(jid, password, plugin_config={"feature_mechanisms": {"unencrypted_plain": True}})
        self.ssl_context.check_hostname = False
        self.ssl_context.verify_mode = ssl.CERT_NONE
        self.tls = tls
        self.session = asyncio.get_event_loop().create_future()
        self.stanzas = asyncio.Queue()
        self.add_event_handler("session_start", lambda _: self.session.done() or self.session.set_result(True))
        self.add_event_handler("failed_auth", lambda _: self.session.done() or self.session.set_exception(
            RuntimeError(f"{jid}: authentication failed")))
        self.add_event_handler("message", self.stanzas.put_nowait)
        # slixmpp raises "message" only for stanzas with a body; archive results have theirs inside.
        self.register_handler(Callback("MAM result", MatchXPath(f"{{{self.default_ns}}}message/{{{MAM_NS}}}result"),
                                       self.stanzas.put_nowait))
        self.add_event_handler("presence", self.stanzas.put_nowait)

    async def login(self, port):
        """tls as stoa-bench's --tls: "none", "starttls", or "direct" (port is then the TLS port)."""
        self.connect(("127.0.0.1", port), use_ssl=self.tls == "direct", force_starttls=self.tls == "starttls",
                     disable_starttls=self.tls != "starttls")
        await asyncio.wait_for(self.session, TIMEOUT_S)

    async def wait_for(self, predicate, what):
        async def scan():
            while True:
                stanza = await self.stanzas.get()
                if predicate(stanza):
                    return stanza
        try:
            return await asyncio.wait_for(scan(), TIMEOUT_S)
        except asyncio.TimeoutError:
            raise RuntimeError(f"{self.boundjid}: no {what} within {TIMEOUT_S}s") from None

    async def join(self, room, nick):
        presence = self.make_presence(pto=f"{room}/{nick}")
        presence.append(ET.fromstring(f"<x xmlns='{MUC_NS}'/>"))
        presence.send()
        own = await self.wait_for(lambda p: p.name == "presence" and p["from"].bare == room and
                                  _self_presence(p), f"self-presence from {room}")
        if own["type"] == "error":
            raise RuntimeError(f"join of {room} refused: {own}")
        if "201" in _status_codes(own):
            # A new, locked room: accept the default configuration (instant room, XEP-0045 10.1.2).
            iq = self.make_iq_set(ito=room)
            iq.append(ET.fromstring("<query xmlns='http://jabber.org/protocol/muc#owner'>"
                                    "<x xmlns='jabber:x:data' type='submit'/></query>"))
            await iq.send(timeout=TIMEOUT_S)

    async def archived_bodies(self, room):
        query_id = uuid.uuid4().hex
        iq = self.make_iq_set(ito=room)
        iq.append(ET.fromstring(f"<query xmlns='{MAM_NS}' queryid='{query_id}'/>"))
        await iq.send(timeout=TIMEOUT_S)
        bodies = []
        while not self.stanzas.empty():
            stanza = self.stanzas.get_nowait()
            result = stanza.xml.find(f"{{{MAM_NS}}}result")
            if result is not None and result.get("queryid") == query_id:
                body = result.find(".//{jabber:client}body")
                bodies.append(body.text if body is not None else None)
        return bodies


def _self_presence(presence):
    return presence["type"] == "error" or "110" in _status_codes(presence)


def _status_codes(presence):
    return {status.get("code") for status in presence.xml.iter(f"{{{MUC_USER_NS}}}status")}


async def check(port, domain, muc_domain, user_prefix, password, tls):
    alice = Client(f"{user_prefix}1@{domain}", password, tls)
    bob = Client(f"{user_prefix}2@{domain}", password, tls)
    room = f"smoke-{uuid.uuid4().hex[:8]}@{muc_domain}"
    try:
        await alice.login(port)
        await bob.login(port)
        await alice.join(room, "alice")
        await bob.join(room, "bob")
        text = f"hello {uuid.uuid4().hex}"
        alice.send_message(mto=room, mbody=text, mtype="groupchat")
        await bob.wait_for(lambda m: m.name == "message" and m["body"] == text, "groupchat message")
        bodies = await alice.archived_bodies(room)
        if text not in bodies:
            raise RuntimeError(f"MAM query on {room} did not return the post (got {bodies})")
    finally:
        for client in (alice, bob):
            client.disconnect()
        await asyncio.wait([asyncio.ensure_future(c.disconnected) for c in (alice, bob)], timeout=5)


def run(port, domain, muc_domain, user_prefix, password, tls):
    """Raises RuntimeError with the failing step, returns None when everything worked."""
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        loop.run_until_complete(check(port, domain, muc_domain, user_prefix, password, tls))
    finally:
        pending = asyncio.all_tasks(loop)
        for task in pending:
            task.cancel()
        loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        loop.close()
