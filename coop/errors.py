"""Domain errors: a message for the person, optionally tied to a form field."""


class DomainError(Exception):
    def __init__(self, message: str, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field


class NotFound(DomainError):
    pass


class Gone(Exception):
    """What a request works on was deleted by another request while it waited for its
    lock: the page answers 404 (not a DomainError, which views show on the page they
    came from, a page that no longer exists)."""


def field_of(form, path: str | None):
    """The field named by ``path`` (``"part.field"`` for a field of a form within the
    form), or None."""
    holder, *parts = (path or "").split(".")
    field = form[holder] if holder and holder in form else None
    for part in parts:
        inner = getattr(field, "form", None)
        field = inner[part] if inner is not None and part in inner else None
    # A whole sub-form has no errors of its own to add to.
    return None if hasattr(field, "form") else field


def put_on_form(form, error: DomainError) -> bool:
    """Attach a domain error to its field (see ``field_of``); True when it found it."""
    field = field_of(form, error.field)
    if field is not None:
        field.errors = [*field.errors, error.message]
        return True
    form.form_errors.append(error.message)
    return False
