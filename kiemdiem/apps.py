from django.apps import AppConfig


class KiemdiemConfig(AppConfig):
    name = "kiemdiem"
    verbose_name = "kiemdiem"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        connection_created.connect(integers_sent_as_text, dispatch_uid="kiemdiem.integers_sent_as_text")


def integers_sent_as_text(sender, connection, **kwargs) -> None:
    """PostgreSQL with the parameters bound by the server (settings.py): Django hands an integer column's value to
    psycopg typed as its column (`Int2`/`Int4`/`Int8`), and psycopg's C binary form of those silently wraps a number
    out of the type's range (`Int4(2654435761)` reaches the server as -1640531535), where the same number written
    into the SQL by client-side binding is read as a bigint, or refused by the column. Sent as text, such a number
    is refused by the server ("out of range for type integer") instead of changed; a number in range is the same.
    """
    if connection.vendor != "postgresql":
        return
    from psycopg.types.numeric import Int2, Int2Dumper, Int4, Int4Dumper, Int8, Int8Dumper

    adapters = connection.connection.adapters
    for cls, dumper in ((Int2, Int2Dumper), (Int4, Int4Dumper), (Int8, Int8Dumper)):
        adapters.register_dumper(cls, dumper)
