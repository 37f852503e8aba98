"""A fake Meta Graph API on 127.0.0.1 for WhatsApp Cloud API and Instagram sends.

``POST /<version>/<sender>/messages`` is served with the real response shapes: for
WhatsApp (a body with ``messaging_product``) ``{"messaging_product", "contacts",
"messages": [{"id": "wamid..."}]}``, for Instagram (a body with ``recipient``)
``{"recipient_id", "message_id"}``. It rejects what Graph rejects for the fields
leadgate fills in (a bad bearer token, too many or too long buttons, bodies over the
limit) with Graph's error envelope. ``hub_signature`` signs a webhook body as Meta
does, for tests that post deliveries.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from fakes.crm_http import FakeServer, Request, Response


def hub_signature(app_secret: str, body: bytes) -> str:
    """Return the ``X-Hub-Signature-256`` header value Meta sends with ``body``."""
    digest = hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def graph_error(code: int, message: str, status: int = 400, subcode: int | None = None) -> Response:
    """Build a Graph API error response."""
    error: dict[str, Any] = {
        "message": message,
        "type": "OAuthException",
        "code": code,
        "fbtrace_id": "AbCdEfGhIjK",
    }
    if subcode is not None:
        error["error_subcode"] = subcode
    return Response.json({"error": error}, status=status)


class GraphApiFake(FakeServer):
    """The Graph API ``messages`` edge for WhatsApp and Instagram."""

    def __init__(self, access_token: str = "graph-test-token") -> None:
        super().__init__()
        self.access_token = access_token
        self._next_id = 0

    def name_of(self, request: Request) -> str:
        """Name a call by its path, such as ``/v21.0/me/messages``."""
        return request.path

    def bodies(self) -> list[dict[str, Any]]:
        """Return the JSON bodies of all ``messages`` calls, in order."""
        with self.lock:
            return [
                request.json() for _, request in self.calls if request.path.endswith("/messages")
            ]

    def handle(self, name: str, request: Request) -> Response:
        """Serve one Graph call."""
        if request.headers.get("authorization") != f"Bearer {self.access_token}":
            return graph_error(190, "Invalid OAuth access token.", status=401)
        if request.method != "POST" or not request.path.endswith("/messages"):
            return graph_error(100, "Unsupported request", status=400)
        body = request.json() or {}
        self._next_id += 1
        if "messaging_product" in body:
            return self._whatsapp(body)
        return self._instagram(body)

    def _whatsapp(self, body: dict[str, Any]) -> Response:
        problem = _whatsapp_problem(body)
        if problem:
            return graph_error(131009, f"(#131009) Parameter value is not valid: {problem}")
        to = body["to"]
        return Response.json(
            {
                "messaging_product": "whatsapp",
                "contacts": [{"input": to, "wa_id": to}],
                "messages": [{"id": f"wamid.FAKE{self._next_id:06d}"}],
            }
        )

    def _instagram(self, body: dict[str, Any]) -> Response:
        recipient = (body.get("recipient") or {}).get("id")
        message = body.get("message") or {}
        text = message.get("text", "")
        replies = message.get("quick_replies") or []
        if not recipient:
            return graph_error(100, "(#100) The parameter recipient is required")
        if not text or len(text.encode()) > 1000:
            return graph_error(
                100, "(#100) Length of param message[text] must be less than or equal to 1000"
            )
        if len(replies) > 13 or any(len(reply.get("title", "")) > 20 for reply in replies):
            return graph_error(100, "(#100) Invalid quick_replies")
        return Response.json(
            {"recipient_id": recipient, "message_id": f"aWdfZAG1FAKE{self._next_id:06d}"}
        )


def _whatsapp_problem(body: dict[str, Any]) -> str:
    kind = body.get("type")
    if body.get("messaging_product") != "whatsapp" or not body.get("to"):
        return "messaging_product and to are required"
    if kind == "text":
        text = (body.get("text") or {}).get("body", "")
        return "" if 0 < len(text) <= 4096 else "text.body length"
    if kind == "template":
        template = body.get("template") or {}
        return (
            ""
            if template.get("name") and (template.get("language") or {}).get("code")
            else "template"
        )
    if kind == "interactive":
        return _interactive_problem(body.get("interactive") or {})
    return f"unsupported type {kind}"


def _interactive_problem(interactive: dict[str, Any]) -> str:
    body = (interactive.get("body") or {}).get("text", "")
    if not 0 < len(body) <= 1024:
        return "interactive.body.text length"
    action = interactive.get("action") or {}
    if interactive.get("type") == "button":
        buttons = action.get("buttons") or []
        titles = [button["reply"]["title"] for button in buttons]
        if not 1 <= len(buttons) <= 3 or any(len(title) > 20 for title in titles):
            return "interactive.action.buttons"
        return ""
    if interactive.get("type") == "list":
        rows = [row for section in action.get("sections", []) for row in section.get("rows", [])]
        if not action.get("button") or len(action["button"]) > 20:
            return "interactive.action.button"
        if not 1 <= len(rows) <= 10 or any(len(row.get("title", "")) > 24 for row in rows):
            return "interactive.action.sections.rows"
        return ""
    return "interactive.type"
