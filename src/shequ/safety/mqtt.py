"""The MQTT consumer (``shequ mqtt``): devices' messages from the broker into the one ingest action.

How it keeps every message the broker accepted:

- MQTT 5 with a **persistent session** under a fixed client id (``SHEQU_MQTT_CLIENT_ID``, clean start off,
  a session that outlives the connection by :data:`SESSION_EXPIRY_SECONDS`): while the consumer is down or
  reconnecting, the broker queues what the devices send (QoS 1) for it;
- **manual acknowledgement**: a message is acknowledged (PUBACK) only after the transaction that stored it
  has committed. A consumer that dies between the two has its unacknowledged messages delivered again on
  reconnect, and the ingest's unique (device, event_id) turns the redelivery into a no-op;
- **batches**: what arrived together (up to ``batch_size``, the MQTT 5 Receive Maximum the broker honours)
  is one transaction, so a morning rush costs one commit per batch, not per door;
- **reconnect with exponential back-off** (1 s doubling to 60 s, with jitter so that many consumers do not
  return at once), for a broker restart as for a network drop; a database that cannot be reached is
  treated the same way: nothing is acknowledged, the consumer disconnects and comes back, and the broker
  redelivers.

One consumer per client id: a second one started with the same id takes the session over and the first is
disconnected (they would take it from each other in turns). To share the load, run consumers with
different ids on a shared subscription (``$share/shequ/…``), see docs/devices.md.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import close_old_connections, connection

from shequ.safety.commands import broker_address

logger = logging.getLogger("shequ.safety.mqtt")

SESSION_EXPIRY_SECONDS = 7 * 24 * 3600
KEEPALIVE_SECONDS = 60
CHANNELS = ("events", "status", "heartbeat")


def subscriptions(prefix: str | None = None) -> list[str]:
    """``<prefix>/+/+/events``, ``…/status`` and ``…/heartbeat``: every device of every sub-district."""
    prefix = prefix if prefix is not None else settings.MQTT_TOPIC_PREFIX
    return [f"{prefix}/+/+/{channel}" for channel in CHANNELS]


@dataclass
class Received:
    topic: str
    payload: bytes
    mid: int
    qos: int
    at: float = field(default_factory=time.monotonic)


class Consumer:
    """One connection to the broker, driven by :meth:`step` (``shequ mqtt`` calls :meth:`run`).

    Single-threaded on purpose: the network loop, the ingest and the acknowledgements take turns in one
    thread, so an acknowledgement can never overtake the commit it stands for.
    """

    def __init__(self, *, url: str | None = None, prefix: str | None = None, client_id: str | None = None,
                 batch_size: int = 200, batch_wait: float = 0.05, first_delay: float = 1.0,
                 max_delay: float = 60.0, ingest: Callable[..., Any] | None = None,
                 session_expiry: int = SESSION_EXPIRY_SECONDS) -> None:
        from paho.mqtt.client import CallbackAPIVersion, Client
        from paho.mqtt.enums import MQTTProtocolVersion

        self.url = url if url is not None else settings.MQTT_URL
        self.prefix = prefix if prefix is not None else settings.MQTT_TOPIC_PREFIX
        self.client_id = client_id or settings.MQTT_CLIENT_ID
        self.batch_size = batch_size
        self.batch_wait = batch_wait
        self.first_delay = first_delay
        self.max_delay = max_delay
        self._ingest = ingest
        self.session_expiry = session_expiry
        self.pending: list[Received] = []
        self.connected = False
        self.subscribed = False
        self.connections = 0  # how many times a connection was made (the first one included)
        self.processed = 0
        self.delay = first_delay
        self.next_attempt = 0.0
        self._started = False
        self.client = Client(CallbackAPIVersion.VERSION2, client_id=self.client_id,
                             protocol=MQTTProtocolVersion.MQTTv5, manual_ack=True)
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect
        self.client.on_message = self._on_message
        self.client.on_subscribe = self._on_subscribe

    # --- paho callbacks (called from inside client.loop, in this thread) -----------------------------------

    def _on_connect(self, client: Any, userdata: Any, flags: Any, reason_code: Any, properties: Any) -> None:
        if reason_code.is_failure:
            logger.error("the broker refused the connection: %s", reason_code)
            return
        self.connected = True
        self.connections += 1
        self.delay = self.first_delay
        logger.info("connected to the broker as %s (session %s)", self.client_id,
                    "resumed" if flags.session_present else "new")
        from paho.mqtt.subscribeoptions import SubscribeOptions

        # Retained birth/last-will messages only for a new subscription: on a resumed session they were
        # seen already, and a stale retained "online" must not pass for a fresh one.
        options = SubscribeOptions(qos=1, retainHandling=SubscribeOptions.RETAIN_SEND_IF_NEW_SUB)
        client.subscribe([(topic, options) for topic in subscriptions(self.prefix)])

    def _on_subscribe(self, client: Any, userdata: Any, mid: int, reason_codes: Any, properties: Any) -> None:
        failed = [code for code in reason_codes if code.is_failure]
        if failed:
            logger.error("the broker refused a subscription: %s", failed)
        else:
            self.subscribed = True

    def _on_disconnect(self, client: Any, userdata: Any, flags: Any, reason_code: Any, properties: Any) -> None:
        if self.connected:
            logger.warning("disconnected from the broker: %s", reason_code)
        self.connected = False
        self.subscribed = False

    def _on_message(self, client: Any, userdata: Any, message: Any) -> None:
        self.pending.append(Received(message.topic, bytes(message.payload), message.mid, message.qos))

    # --- driving -------------------------------------------------------------------------------------------

    def connect(self) -> bool:
        """Open the connection (the CONNACK and subscription follow in :meth:`step`); False if it failed."""
        from paho.mqtt.packettypes import PacketTypes
        from paho.mqtt.properties import Properties

        host, port, username, password = broker_address() if self.url == settings.MQTT_URL else _address(self.url)
        if username:
            self.client.username_pw_set(username, password)
        properties = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
        properties.SessionExpiryInterval = self.session_expiry
        properties.ReceiveMaximum = max(1, min(self.batch_size, 65535))
        try:
            if self._started:
                self.client.reconnect()
            else:
                self.client.connect(host, port, keepalive=KEEPALIVE_SECONDS, clean_start=False,
                                    properties=properties)
                self._started = True
        except OSError as exc:
            self._back_off(f"cannot reach the broker at {host}:{port}: {exc}")
            return False
        return True

    def _back_off(self, why: str) -> None:
        wait = self.delay * random.uniform(0.8, 1.2)  # jitter, not a secret
        logger.warning("%s; trying again in %.1f s", why, wait)
        self.next_attempt = time.monotonic() + wait
        self.delay = min(self.delay * 2, self.max_delay)

    def step(self, timeout: float = 0.1) -> int:
        """One turn: (re)connect when due, read what the broker sent, ingest a batch when one is ready and
        acknowledge it. Returns how many messages were ingested."""
        from paho.mqtt.enums import MQTTErrorCode

        if self.client.socket() is None:
            if time.monotonic() < self.next_attempt:
                return 0
            if not self.connect():
                return 0
        rc = self.client.loop(timeout)
        while rc == MQTTErrorCode.MQTT_ERR_SUCCESS and 0 < len(self.pending) < self.batch_size:
            before = len(self.pending)
            rc = self.client.loop(0.0)
            if len(self.pending) == before:
                break
        if rc != MQTTErrorCode.MQTT_ERR_SUCCESS:
            self._lost(f"connection to the broker lost ({rc.name})")
            return 0
        if self.pending and (len(self.pending) >= self.batch_size
                             or time.monotonic() - self.pending[0].at >= self.batch_wait):
            return self.flush()
        return 0

    def _lost(self, why: str) -> None:
        # Messages read but not acknowledged are delivered again by the broker on the resumed session.
        self.pending.clear()
        self.connected = self.subscribed = False
        self.client._sock_close()  # the next step reconnects, after the back-off
        self._back_off(why)

    def flush(self) -> int:
        """Ingest what is pending in one batch; acknowledge it only once it is committed."""
        from shequ.safety.actions.ingest import ingest
        from shequ.safety.choices import EventSource

        batch, self.pending = self.pending[:self.batch_size], self.pending[self.batch_size:]
        if not batch:
            return 0
        if not connection.in_atomic_block:  # tests drive the consumer inside their own transaction
            close_old_connections()  # a connection the database dropped while the consumer waited is replaced
        try:
            (self._ingest or ingest)(source=EventSource.MQTT, messages=[(m.topic, m.payload) for m in batch])
        except Exception:
            logger.exception("the database did not take a batch of %s messages; reconnecting so that the broker "
                             "delivers them again", len(batch))
            if not connection.in_atomic_block:  # a fresh connection for the next try (tests hold one open)
                connection.close()
            self._lost("batch not stored")
            return 0
        for message in batch:
            if message.qos:
                self.client.ack(message.mid, message.qos)
        self.processed += len(batch)
        return len(batch)

    def run(self, *, stop: threading.Event | None = None, until: Callable[[], bool] | None = None,
            timeout: float | None = None, idle_exit: float | None = None,
            alive: Callable[[], bool] | None = None, give_up_after: float | None = None) -> int:
        """Consume until ``stop`` is set, ``until()`` is true, ``timeout`` seconds passed, ``alive()`` is
        false, or (``--once``) nothing came for ``idle_exit`` seconds after subscribing, or no connection was
        made within ``give_up_after`` seconds. Returns how many
        messages were ingested. What is pending is ingested and acknowledged before leaving."""
        started = time.monotonic()
        last_activity = started
        total = 0
        try:
            while True:
                if stop is not None and stop.is_set():
                    break
                if until is not None and until():
                    break
                now = time.monotonic()
                if timeout is not None and now - started >= timeout:
                    break
                if alive is not None and not alive():
                    break
                if give_up_after is not None and not self.connections and now - started >= give_up_after:
                    break
                done = self.step()
                total += done
                if done or self.pending or not self.subscribed:
                    last_activity = time.monotonic()
                elif idle_exit is not None and time.monotonic() - last_activity >= idle_exit:
                    break
            if self.pending and self.connected:
                total += self.flush()
                self.client.loop(0.1)  # send the acknowledgements
        finally:
            self.close()
        return total

    def close(self) -> None:
        """Leave without ending the session: the broker keeps queueing for this client id."""
        if self.client.socket() is not None:
            try:
                self.client.disconnect()
                self.client.loop(0.1)
            except OSError:
                pass
            self.client._sock_close()
        self.connected = self.subscribed = False


def _address(url: str) -> tuple[str, int, str | None, str | None]:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.scheme not in {"mqtt", "tcp"} or not parts.hostname:
        raise ValueError("the broker URL must look like mqtt://user:password@host:1883")
    return parts.hostname, parts.port or 1883, parts.username, parts.password
