"""The one exception of the rules package."""


class BadInput(ValueError):
    """Input that cannot be checked; str() is a Vietnamese message naming the field or subject."""
