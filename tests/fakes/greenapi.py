"""A fake Green-API on 127.0.0.1 that records every call.

It serves ``POST /waInstance<id>/<method>/<token>`` for ``sendMessage`` and
``sendInteractiveButtonsReply`` with Green-API's response ``{"idMessage": ...}``,
returns 401 for a wrong instance or token, and rejects what Green-API rejects for
the fields leadgate fills in (a chat id without ``@c.us``/``@g.us``, more than three
buttons, button texts over 25 characters).
"""

from __future__ import annotations

from typing import Any

from fakes.crm_http import FakeServer, Request, Response


class GreenApiFake(FakeServer):
    """The Green-API sending methods leadgate calls."""

    def __init__(
        self, id_instance: str = "1101000001", api_token: str = "green-test-token"
    ) -> None:
        super().__init__()
        self.id_instance = id_instance
        self.api_token = api_token
        self._next_id = 0

    def name_of(self, request: Request) -> str:
        """Name a call by its method, the second path segment."""
        parts = request.path.strip("/").split("/")
        return parts[1] if len(parts) == 3 else request.path

    def sent(self, method: str = "sendMessage") -> list[dict[str, Any]]:
        """Return the JSON bodies of the calls of ``method``, in order."""
        with self.lock:
            return [request.json() for name, request in self.calls if name == method]

    def handle(self, name: str, request: Request) -> Response:
        """Serve one Green-API call."""
        expected = f"/waInstance{self.id_instance}/{name}/{self.api_token}"
        if request.path != expected:
            return Response(401, b"Unauthorized", content_type="text/plain")
        body = request.json() or {}
        chat_id = str(body.get("chatId", ""))
        if not chat_id.endswith(("@c.us", "@g.us")):
            return _validation("chatId")
        if name == "sendMessage":
            message = body.get("message", "")
            if not 0 < len(message) <= 20000:
                return _validation("message")
        elif name == "sendInteractiveButtonsReply":
            buttons = body.get("buttons") or []
            if not body.get("body") or not 1 <= len(buttons) <= 3:
                return _validation("buttons")
            if any(len(button.get("buttonText", "")) > 25 for button in buttons):
                return _validation("buttonText")
        else:
            return Response(404, b"Not Found", content_type="text/plain")
        self._next_id += 1
        return Response.json({"idMessage": f"BAE5F4886AFAKE{self._next_id:04d}"})


def _validation(field: str) -> Response:
    return Response.json(
        {"message": f"Validation failed. Details: '{field}' is invalid"}, status=400
    )
