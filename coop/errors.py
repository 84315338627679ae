"""Domain errors: a message for the person, optionally tied to a form field."""


class DomainError(Exception):
    def __init__(self, message: str, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field


class NotFound(DomainError):
    pass


def put_on_form(form, error: DomainError) -> bool:
    """Attach a domain error to its field (``"part.field"`` for a field of a form within
    the form); True when it found the field."""
    target, *rest = (error.field or "").split(".")
    holder = form
    while rest and target in holder and hasattr(holder[target], "form"):
        holder, (target, *rest) = holder[target].form, rest
    if target and not rest and target in holder:
        holder[target].errors = [*holder[target].errors, error.message]
        return True
    form.form_errors.append(error.message)
    return False
