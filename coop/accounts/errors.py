from coop.errors import DomainError


class AccountError(DomainError):
    pass


class InvalidCredentials(AccountError):
    pass


class NotVerified(AccountError):
    pass


class BadToken(AccountError):
    pass


class EmailTaken(AccountError):
    """Sign-up with an address that has an account; the view mails its owner instead."""

    def __init__(self, message, field=None, *, user=None):
        super().__init__(message, field)
        self.user = user
