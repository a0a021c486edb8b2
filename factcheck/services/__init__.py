"""Every change to the workbench's data, each one atomic and audited.

Views, admin, management commands and imports call these functions; nothing
else writes the domain models. Each function checks its guard (permission,
input, offsets, version), saves only what changed, and appends its audit event
in the same transaction. A call that changes nothing writes nothing. The lock
order every one of them follows is written down in `_base`.
"""

from factcheck.models import GroundRule
from factcheck.services._base import (
    Busy,
    Conflict,
    DomainError,
    DuplicateArticle,
    NotAllowed,
    normalize_text,
    run_atomically,
)
from factcheck.services.accounts import (
    account_create,
    account_delete,
    account_update,
    accounts_record_existing,
)
from factcheck.services.articles import (
    ARTICLE_FIELDS,
    article_create,
    article_delete,
    article_update,
)
from factcheck.services.attributions import (
    ATTRIBUTION_FIELDS,
    attribution_add,
    attribution_remove,
    attribution_update,
)
from factcheck.services.claims import (
    TRANSITIONS,
    NearDuplicate,
    claim_create,
    claim_delete,
    claim_publish,
    claim_reopen,
    claim_set_status,
    claim_unpublish,
    claim_update,
    verdict_contributors,
    verdict_sign_off,
)
from factcheck.services.evidence import evidence_add, evidence_remove, note_add, note_delete
from factcheck.services.sources import (
    SOURCE_FIELDS,
    SOURCE_TYPE_FIELDS,
    MergePreview,
    source_create,
    source_delete,
    source_merge,
    source_merge_preview,
    source_replace,
    source_type_create,
    source_type_delete,
    source_type_update,
    source_update,
)
from factcheck.services.suggestions import (
    ProposedSuggestion,
    suggestion_accept,
    suggestion_reject,
    suggestion_run_fail,
    suggestion_run_record,
    suggestion_run_start,
    suggestions_accept_above,
    suggestions_request,
)
from factcheck.services.tokens import token_create, token_revoke, token_used
from factcheck.services.undo import (
    UNDOABLE,
    claim_redo,
    claim_undo,
    redoable_event,
    undoable_event,
    undone_event,
)
from factcheck.services.webhooks import (
    webhook_delete,
    webhook_disable,
    webhook_subscribe,
    webhook_update,
)

__all__ = [
    "ARTICLE_FIELDS",
    "ATTRIBUTION_FIELDS",
    "SOURCE_FIELDS",
    "SOURCE_TYPE_FIELDS",
    "TRANSITIONS",
    "UNDOABLE",
    "Busy",
    "Conflict",
    "DomainError",
    "DuplicateArticle",
    "GroundRule",
    "MergePreview",
    "NearDuplicate",
    "NotAllowed",
    "ProposedSuggestion",
    "account_create",
    "account_delete",
    "account_update",
    "accounts_record_existing",
    "article_create",
    "article_delete",
    "article_update",
    "attribution_add",
    "attribution_remove",
    "attribution_update",
    "claim_create",
    "claim_delete",
    "claim_publish",
    "claim_redo",
    "claim_reopen",
    "claim_set_status",
    "claim_undo",
    "claim_unpublish",
    "claim_update",
    "evidence_add",
    "evidence_remove",
    "normalize_text",
    "note_add",
    "note_delete",
    "redoable_event",
    "run_atomically",
    "source_create",
    "source_delete",
    "source_merge",
    "source_merge_preview",
    "source_replace",
    "source_type_create",
    "source_type_delete",
    "source_type_update",
    "source_update",
    "suggestion_accept",
    "suggestion_reject",
    "suggestion_run_fail",
    "suggestion_run_record",
    "suggestion_run_start",
    "suggestions_accept_above",
    "suggestions_request",
    "token_create",
    "token_revoke",
    "token_used",
    "undoable_event",
    "undone_event",
    "verdict_contributors",
    "verdict_sign_off",
    "webhook_delete",
    "webhook_disable",
    "webhook_subscribe",
    "webhook_update",
]
