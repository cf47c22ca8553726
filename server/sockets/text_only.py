"""The Socket.IO server class: text packets only. The protocol has no binary events, and
python-socketio would otherwise buffer the attachments a binary packet announces, as many as it
announces, before handling it; such a packet, or any binary frame, closes the connection."""

from __future__ import annotations

import logging

import socketio
from socketio import packet

from server.sockets.outbox import close_at_once

log = logging.getLogger(__name__)

# Socket.IO packet types that carry binary attachments, as the first character of a text packet.
BINARY_TYPES = (str(packet.BINARY_EVENT), str(packet.BINARY_ACK))


class TextOnlyServer(socketio.AsyncServer):
    async def _handle_eio_message(self, eio_sid: str, data: str | bytes) -> None:
        if isinstance(data, bytes) or data.startswith(BINARY_TYPES):
            log.warning("closing connection %s: it sent a binary packet", eio_sid)
            eio_socket = self.eio.sockets.get(eio_sid)
            if eio_socket is not None:
                await close_at_once(eio_socket)  # nothing of the packet was kept
            return
        await super()._handle_eio_message(eio_sid, data)
