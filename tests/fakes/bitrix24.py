"""A fake Bitrix24 portal that serves the REST methods the ``bitrix24`` CRM calls.

Requests go to ``/rest/<user>/<code>/<method>.json`` with a JSON body, as for a real
inbound webhook. Responses follow the REST API format: ``{"result": ..., "time":
{...}}``, ``"total"`` on list methods, and ``{"error": CODE, "error_description":
TEXT}`` with the status the real portal uses (401 for a bad webhook code, 404 for an
unknown method, 400 "Not found" for a missing record). A path outside ``/rest/``
gets the portal's HTML 404 page.

The duplicate search compares phone digits only, as a CRM that strips punctuation
does, so ``8 913 …`` and ``+7 913 …`` differ and only the caller's list of
spellings can find both.
"""

from __future__ import annotations

import itertools
import re
import time
from typing import Any

from fakes.crm_http import FakeServer, Request, Response

HTML_404 = b"<!DOCTYPE html><html><body><h1>404 Not Found</h1></body></html>"
HTML_503 = b"<html><body><h1>503 Service Temporarily Unavailable</h1>nginx</body></html>"

_PATH = re.compile(r"^/rest/(?P<user>[^/]+)/(?P<code>[^/]+)/(?P<method>[a-z0-9_.]+?)(\.json)?$")


def error(code: str, description: str, status: int) -> Response:
    """Build a Bitrix24 error response."""
    return Response.json({"error": code, "error_description": description}, status=status)


class FakeBitrix24(FakeServer):
    """One portal with leads, contacts and timeline comments held in memory."""

    def __init__(self, user: str = "1", code: str = "k3y4wbhk0d3") -> None:
        super().__init__()
        self.user, self.code = user, code
        self.expired = False
        self.leads: dict[int, dict[str, Any]] = {}
        self.contacts: dict[int, dict[str, Any]] = {}
        self.comments: dict[int, dict[str, Any]] = {}
        self._ids = itertools.count(101)

    @property
    def webhook_url(self) -> str:
        """The inbound webhook address of this portal."""
        return f"{self.url}/rest/{self.user}/{self.code}/"

    def name_of(self, request: Request) -> str:
        """Name a request by its REST method, so faults can target ``crm.lead.add``."""
        match = _PATH.match(request.path)
        return match["method"] if match else request.path

    def methods(self) -> list[str]:
        """Return the REST methods called so far, in order."""
        return self.names()

    def params_of(self, method: str) -> list[dict[str, Any]]:
        """Return the parameters of every call of ``method``."""
        with self.lock:
            return [request.json() for name, request in self.calls if name == method]

    def handle(self, name: str, request: Request) -> Response:
        match = _PATH.match(request.path)
        if match is None:
            return Response(404, HTML_404, "text/html; charset=UTF-8")
        if match["user"] != self.user or match["code"] != self.code:
            return error("INVALID_CREDENTIALS", "Invalid request credentials", 401)
        if self.expired:
            return error("expired_token", "The access token provided has expired.", 401)

        handler = getattr(self, "_" + name.replace(".", "_"), None)
        if handler is None:
            return error("ERROR_METHOD_NOT_FOUND", "Method not found!", 404)
        params = request.json() or {}
        return handler(params)  # type: ignore[no-any-return]

    # -- methods -------------------------------------------------------------------

    @staticmethod
    def _ok(result: Any, **extra: Any) -> Response:
        now = time.time()
        timing = {"start": now, "finish": now, "duration": 0.001, "processing": 0.0}
        return Response.json({"result": result, **extra, "time": timing})

    def _list(self, table: dict[int, dict[str, Any]], params: dict[str, Any]) -> Response:
        rows = [row for row in table.values() if _matches(row, params.get("filter") or {})]
        select = params.get("select") or []
        result = [
            {key: _shown(value) for key, value in row.items() if not select or key in select}
            for row in rows
        ]
        return self._ok(result[:50], total=len(result))

    def _add(self, table: dict[int, dict[str, Any]], params: dict[str, Any]) -> Response:
        fields = dict(params.get("fields") or {})
        if not fields:
            return error("", "Fields are empty", 400)
        entity_id = next(self._ids)
        table[entity_id] = {"ID": entity_id, **fields}
        return self._ok(entity_id)

    def _delete(self, table: dict[int, dict[str, Any]], params: dict[str, Any]) -> Response:
        entity_id = int(params.get("id") or 0)
        if table.pop(entity_id, None) is None:
            return error("", "Not found", 400)
        return self._ok(True)

    def _crm_lead_list(self, params: dict[str, Any]) -> Response:
        return self._list(self.leads, params)

    def _crm_lead_add(self, params: dict[str, Any]) -> Response:
        return self._add(self.leads, params)

    def _crm_lead_delete(self, params: dict[str, Any]) -> Response:
        response = self._delete(self.leads, params)
        lead_id = int(params.get("id") or 0)
        for comment_id, comment in list(self.comments.items()):
            if comment["ENTITY_TYPE"] == "lead" and int(comment["ENTITY_ID"]) == lead_id:
                del self.comments[comment_id]
        return response

    def _crm_contact_list(self, params: dict[str, Any]) -> Response:
        return self._list(self.contacts, params)

    def _crm_contact_add(self, params: dict[str, Any]) -> Response:
        return self._add(self.contacts, params)

    def _crm_contact_delete(self, params: dict[str, Any]) -> Response:
        return self._delete(self.contacts, params)

    def _crm_timeline_comment_add(self, params: dict[str, Any]) -> Response:
        fields = params.get("fields") or {}
        if (
            fields.get("ENTITY_TYPE") != "lead"
            or int(fields.get("ENTITY_ID") or 0) not in self.leads
        ):
            return error("", "Entity not found", 400)
        return self._add(self.comments, params)

    def _crm_timeline_comment_list(self, params: dict[str, Any]) -> Response:
        return self._list(self.comments, params)

    def _crm_duplicate_findbycomm(self, params: dict[str, Any]) -> Response:
        kind, values = params.get("type"), params.get("values") or []
        if kind not in ("PHONE", "EMAIL") or not values:
            return error("", "Parameter 'type' or 'values' is invalid", 400)
        if len(values) > 20:
            return error("", "Too many values", 400)
        expected_keys = {_comm_key(kind, value) for value in values}
        found = [
            contact_id
            for contact_id, contact in self.contacts.items()
            if any(
                _comm_key(kind, item["VALUE"]) in expected_keys for item in contact.get(kind) or []
            )
        ]
        return self._ok({"CONTACT": found} if found else [])

    # -- helpers for tests ---------------------------------------------------------

    def add_contact(self, name: str, phone: str) -> int:
        """Store a contact as a manager would have typed it; return its id."""
        with self.lock:
            contact_id = next(self._ids)
            self.contacts[contact_id] = {
                "ID": contact_id,
                "NAME": name,
                "PHONE": [{"VALUE": phone, "VALUE_TYPE": "MOBILE"}],
            }
            return contact_id


def outage(status: int = 503) -> Response:
    """The HTML page a proxy in front of the portal shows during an outage."""
    return Response(status, HTML_503, "text/html")


def _comm_key(kind: str, value: str) -> str:
    if kind == "PHONE":
        return re.sub(r"\D", "", value)
    return value.strip().lower()


def _matches(row: dict[str, Any], conditions: dict[str, Any]) -> bool:
    for key, expected in conditions.items():
        field = key.lstrip("=")
        if str(row.get(field, "")) != str(expected):
            return False
    return True


def _shown(value: Any) -> Any:
    # Bitrix24 returns ids and numbers as strings in list results.
    return str(value) if isinstance(value, int) else value
