from coop.errors import DomainError


class AccountError(DomainError):
    pass


class InvalidCredentials(AccountError):
    pass


class NotVerified(AccountError):
    pass


class BadToken(AccountError):
    pass
