"""URL converters of the accounts API."""

from accounts.models import USER_ID_MAX


class UserIdConverter:
    """
    A user id in a path: decimal digits, at most ``USER_ID_MAX``.

    A longer number does not match, so the answer is the resolver's 404 rather
    than a database error on an integer that overflows the column.
    """

    regex = f"[0-9]{{1,{len(str(USER_ID_MAX))}}}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if number > USER_ID_MAX:
            raise ValueError("out of range")  # the resolver then answers 404
        return number

    def to_url(self, value: int) -> str:
        return str(value)
