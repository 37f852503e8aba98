"""A fake amoCRM account serving the OAuth token endpoint and the API v4 calls used.

Tokens behave as amoCRM's do: an authorisation code and a refresh token work once,
each exchange issues a new pair, and API calls need ``Authorization: Bearer``.
Errors come as ``application/problem+json``; an empty search returns 204. The
contact search compares digits for phone fields (so any grouping of the ten digits
matches a digit query) and plain substrings elsewhere.
"""

from __future__ import annotations

import itertools
import json
import re
import secrets
import time
from typing import Any

from fakes.crm_http import FakeServer, Request, Response

CLIENT_ID = "5b2b8c1e-0c8a-4c47-9d7e-1f0a2b3c4d5e"
CLIENT_SECRET = "fake-client-secret-value"
REDIRECT_URI = "https://salon.example.ru/amocrm"
AUTH_CODE = "def502000fakeauthcode"
KEY_FIELD = 900001
SERVICE_FIELD = 900002

_ITEM = re.compile(r"^/api/v4/(?P<entity>leads|contacts)/(?P<id>\d+)(?P<notes>/notes)?$")


def problem(status: int, title: str, detail: str = "", **extra: Any) -> Response:
    """Build an amoCRM problem response."""
    body = {"title": title, "type": f"https://httpstatus.es/{status}", "status": status}
    body.update({"detail": detail} if detail else {}, **extra)
    response = Response.json(body, status=status)
    response.content_type = "application/problem+json"
    return response


class FakeAmoCRM(FakeServer):
    """One amoCRM account with leads, contacts and notes held in memory."""

    def __init__(self) -> None:
        super().__init__()
        self.codes = {AUTH_CODE}
        self.refresh_tokens: set[str] = set()
        self.access_tokens: set[str] = set()
        self.token_requests: list[dict[str, Any]] = []
        self.known_fields = {KEY_FIELD, SERVICE_FIELD}
        self.leads: dict[int, dict[str, Any]] = {}
        self.contacts: dict[int, dict[str, Any]] = {}
        self.notes: dict[int, dict[str, Any]] = {}
        self._ids = itertools.count(5001)

    def name_of(self, request: Request) -> str:
        """Name a request by method and path with ids replaced by ``{id}``."""
        path = re.sub(r"/\d+", "/{id}", request.path)
        return f"{request.method} {path}"

    def issue_refresh_token(self) -> str:
        """Return a valid refresh token, as a manual exchange would give the owner."""
        with self.lock:
            token = "rt-" + secrets.token_hex(8)
            self.refresh_tokens.add(token)
            return token

    def expire_access_tokens(self) -> None:
        """Invalidate every access token, as their 24-hour lifetime would."""
        with self.lock:
            self.access_tokens.clear()

    def handle(self, name: str, request: Request) -> Response:
        if name == "POST /oauth2/access_token":
            return self._token(request.json() or {})
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        if token not in self.access_tokens:
            return problem(401, "Unauthorized", "Unauthorized")

        route = {
            "GET /api/v4/leads": self._search_leads,
            "GET /api/v4/contacts": self._search_contacts,
            "POST /api/v4/leads/complex": self._complex,
        }.get(name)
        if route is not None:
            return route(request)
        match = _ITEM.match(request.path)
        if match is None:
            return problem(404, "Not Found")
        return self._item(request, match["entity"], int(match["id"]), bool(match["notes"]))

    # -- OAuth ---------------------------------------------------------------------

    def _token(self, body: dict[str, Any]) -> Response:
        self.token_requests.append(body)
        if (body.get("client_id"), body.get("client_secret")) != (CLIENT_ID, CLIENT_SECRET):
            return problem(401, "Unauthorized", hint="Client authentication failed")
        if body.get("redirect_uri") != REDIRECT_URI:
            return problem(400, "Bad Request", hint="Redirect URI mismatch")

        grant = body.get("grant_type")
        if grant == "authorization_code" and body.get("code") in self.codes:
            self.codes.discard(body["code"])
        elif grant == "refresh_token" and body.get("refresh_token") in self.refresh_tokens:
            self.refresh_tokens.discard(body["refresh_token"])
        else:
            return problem(400, "Bad Request", hint="Token has been revoked")

        access, refresh = "at-" + secrets.token_hex(8), "rt-" + secrets.token_hex(8)
        self.access_tokens.add(access)
        self.refresh_tokens.add(refresh)
        return Response.json(
            {
                "token_type": "Bearer",
                "expires_in": 86400,
                "access_token": access,
                "refresh_token": refresh,
            }
        )

    # -- API -----------------------------------------------------------------------

    def _page(self, name: str, rows: list[dict[str, Any]]) -> Response:
        if not rows:
            return Response(204, b"")
        return Response.json({"_page": 1, "_links": {}, "_embedded": {name: rows}})

    def _search_leads(self, request: Request) -> Response:
        query = (request.query.get("query") or [""])[0]
        rows = [self._lead_view(lead) for lead in self.leads.values() if _contains(lead, query)]
        return self._page("leads", rows)

    def _search_contacts(self, request: Request) -> Response:
        query = (request.query.get("query") or [""])[0]
        rows = [contact for contact in self.contacts.values() if _contains(contact, query)]
        return self._page("contacts", rows)

    def _lead_view(self, lead: dict[str, Any]) -> dict[str, Any]:
        view = {key: value for key, value in lead.items() if key != "contact_ids"}
        contacts = [{"id": contact_id, "is_main": True} for contact_id in lead["contact_ids"]]
        view["_embedded"] = {"tags": [], "companies": [], "contacts": contacts}
        return view

    def _complex(self, request: Request) -> Response:
        leads = request.json()
        if not isinstance(leads, list) or not leads:
            return problem(400, "Bad Request", "Request validation failed")
        invalid = self._invalid_fields(leads)
        if invalid:
            errors = [{"request_id": "0", "errors": [{"code": "NotSupportedChoice", "path": path,
                                                       "detail": "The value you selected is not a valid choice."}]}
                      for path in invalid]  # fmt: skip
            return problem(
                400, "Bad Request", "Request validation failed", **{"validation-errors": errors}
            )

        answers = []
        for index, lead in enumerate(leads):
            lead = dict(lead)
            now = int(time.time())
            contact_ids = []
            for contact in (lead.pop("_embedded", {}) or {}).get("contacts") or []:
                if "id" in contact:
                    contact_ids.append(int(contact["id"]))
                else:
                    contact_id = next(self._ids)
                    self.contacts[contact_id] = {"id": contact_id, "created_at": now, **contact}
                    contact_ids.append(contact_id)
            lead_id = next(self._ids)
            self.leads[lead_id] = {
                "id": lead_id,
                "created_at": now,
                "contact_ids": contact_ids,
                **lead,
            }
            answers.append(
                {
                    "id": lead_id,
                    "contact_id": contact_ids[0] if contact_ids else None,
                    "company_id": None,
                    "request_id": [str(index)],
                    "merged": False,
                }
            )
        return Response.json(answers)

    def _invalid_fields(self, leads: list[dict[str, Any]]) -> list[str]:
        paths = []
        for index, lead in enumerate(leads):
            for position, item in enumerate(lead.get("custom_fields_values") or []):
                if int(item.get("field_id") or 0) not in self.known_fields:
                    paths.append(f"{index}.custom_fields_values.{position}.field_id")
        return paths

    def _item(self, request: Request, entity: str, item_id: int, notes: bool) -> Response:
        table = self.leads if entity == "leads" else self.contacts
        if item_id not in table:
            return problem(404, "Not Found")
        if notes:
            return self._notes(request, item_id)
        if request.method == "GET":
            row = table[item_id]
            return Response.json(self._lead_view(row) if entity == "leads" else row)
        if request.method == "PATCH":
            return self._patch(table[item_id], request.json() or {})
        return problem(405, "Method Not Allowed")

    def _patch(self, row: dict[str, Any], changes: dict[str, Any]) -> Response:
        cleared = changes.pop("custom_fields_values", None) or []
        row.update(changes)
        for item in cleared:
            key = "field_id" if "field_id" in item else "field_code"
            remaining = [
                old for old in row.get("custom_fields_values") or [] if old.get(key) != item[key]
            ]
            if item.get("values") is not None:
                remaining.append(item)
            row["custom_fields_values"] = remaining
        row["updated_at"] = int(time.time())
        return Response.json({"id": row["id"], "updated_at": row["updated_at"]})

    def _notes(self, request: Request, lead_id: int) -> Response:
        if request.method == "GET":
            rows = [note for note in self.notes.values() if note["entity_id"] == lead_id]
            return self._page("notes", rows)
        created = []
        for index, note in enumerate(request.json() or []):
            note_id = next(self._ids)
            self.notes[note_id] = {"id": note_id, "entity_id": lead_id, **note}
            created.append({"id": note_id, "entity_id": lead_id, "request_id": str(index)})
        return Response.json({"_links": {}, "_embedded": {"notes": created}})

    # -- helpers for tests ---------------------------------------------------------

    def add_contact(self, name: str, phone: str) -> int:
        """Store a contact as a manager would have typed it; return its id."""
        with self.lock:
            contact_id = next(self._ids)
            self.contacts[contact_id] = {
                "id": contact_id,
                "name": name,
                "created_at": int(time.time()) - 86400,
                "custom_fields_values": [
                    {"field_code": "PHONE", "values": [{"value": phone, "enum_code": "MOB"}]}
                ],
            }
            return contact_id


def _contains(row: dict[str, Any], query: str) -> bool:
    if not query:
        return True
    digits = re.sub(r"\D", "", query)
    for item in row.get("custom_fields_values") or []:
        for value in item.get("values") or []:
            text = str(value.get("value", ""))
            if query in text:
                return True
            if item.get("field_code") == "PHONE" and digits and digits in re.sub(r"\D", "", text):
                return True
    return query in json.dumps(row.get("name", ""), ensure_ascii=False)
