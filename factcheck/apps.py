from django.apps import AppConfig
from django.core import checks


class FactcheckConfig(AppConfig):
    name = "factcheck"
    verbose_name = "Factcheck workbench"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        checks.register(audit_key_matches_the_chain, checks.Tags.database)


def audit_key_matches_the_chain(app_configs, databases=None, **kwargs) -> list[checks.Error]:
    """`check --database default` and `migrate` refuse an AUDIT_KEY the chain was not made with."""
    if not databases or "default" not in databases:
        return []
    # Imported here, not at the top: the models cannot load before the app registry is ready.
    from factcheck import audit

    try:
        audit.check_key()
    except audit.WrongAuditKey as wrong:
        return [checks.Error(str(wrong), id="factcheck.E001")]
    return []
