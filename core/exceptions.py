class DomainError(Exception):
    """A business rule refused the change; the message is shown to the user as it is."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotPermitted(DomainError):
    """The actor may not do this; views answer 404 where the object is hidden, else a message."""
