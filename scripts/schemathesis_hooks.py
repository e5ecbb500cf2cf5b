"""schemathesis hooks for scripts/schemathesis.sh (loaded via scripts/schemathesis.toml)."""

import re
import uuid

import schemathesis

VALID_KEY = re.compile(r"[!-~]{1,200}")


@schemathesis.hook
def before_call(context, case, kwargs):
    # An Idempotency-Key says "this is the same request as before": a client
    # sends a new key with every new request. Generated keys repeat across
    # unrelated requests, and such a reuse is rightly refused (422), so each
    # valid key is replaced by a fresh one. Invalid keys go out as generated,
    # to check that they are refused. Only positive cases are touched: an
    # edited case is revalidated, and a negative one (say, without its
    # Authorization header) must go out exactly as generated.
    if case.meta is None or not case.meta.generation.mode.is_positive:
        return
    for name, value in list((case.headers or {}).items()):
        if name.lower() == "idempotency-key" and isinstance(value, str) and VALID_KEY.fullmatch(value):
            case.headers[name] = f"st-{uuid.uuid4()}"
