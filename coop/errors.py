"""Domain errors: a message for the person, optionally tied to a form field."""


class DomainError(Exception):
    def __init__(self, message: str, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field


class NotFound(DomainError):
    pass


def put_on_form(form, error: DomainError) -> bool:
    """Attach a domain error to its field; True when it found the field."""
    if error.field and error.field in form:
        form[error.field].errors = [*form[error.field].errors, error.message]
        return True
    form.form_errors.append(error.message)
    return False
