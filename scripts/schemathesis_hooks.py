"""schemathesis hooks for scripts/schemathesis.sh (loaded via scripts/schemathesis.toml).

Both hooks model what a real client does and touch only positive cases:
an edited case is revalidated, and a negative one (say, without its
Authorization header) must go out exactly as generated.
"""

import itertools
import re
import uuid

import schemathesis

VALID_KEY = re.compile(r"[!-~]{1,200}")
# Which body fields must be unique, by operation.
UNIQUE = {
    "POST /api/v1/invitations": "login_id",
    "POST /api/v1/users": "login_id",
    "POST /api/v1/users/{id}/login-ids": "login_id",
    "POST /api/v1/tenants": "slug",
    "POST /api/v1/roles": "name",
}
_cases = itertools.count()


def _fresh(field, value):
    """`value` made unique, still matching the field's documented pattern."""
    token = uuid.uuid4().hex[:10]
    if field == "login_id" and value.startswith("+"):
        return "+1" + str(uuid.uuid4().int)[:12]
    if field == "login_id":
        local, _, domain = value.rpartition("@")
        return f"{token}{local}"[:64] + "@" + domain
    limit = 50 if field == "slug" else 60
    return f"{value[: limit - 11]}-{token}"


def _is_positive(case):
    return case.meta is not None and case.meta.generation.mode.is_positive


@schemathesis.hook
def before_call(context, case, kwargs):
    if not _is_positive(case):
        return
    # An Idempotency-Key says "this is the same request as before": a client
    # sends a new key with every new request. Generated keys repeat across
    # unrelated requests, and such a reuse is rightly refused (422), so each
    # valid key is replaced by a fresh one. Invalid keys go out as generated.
    for name, value in list((case.headers or {}).items()):
        if name.lower() == "idempotency-key" and isinstance(value, str) and VALID_KEY.fullmatch(value):
            case.headers[name] = f"st-{uuid.uuid4()}"
    # Generated names repeat ("0", "0@0.0"), so most creations would meet a
    # conflict and the paths behind a success would go untested. Three cases
    # in four get fresh values; the fourth keeps its own, so conflicts are
    # still met.
    field = UNIQUE.get(f"{case.method.upper()} {case.path}")
    if field is None and case.path == "/api/v1/invitations/batch":
        field = "login_id"
    if field is None or next(_cases) % 4 == 3 or not isinstance(case.body, dict):
        return
    items = case.body.get("invitations") if "invitations" in case.body else [case.body]
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict) and isinstance(item.get(field), str):
            item[field] = _fresh(field, item[field])
