"""What the service centre tells other apps, without knowing them (they connect in their own ``ready()``).

- ``request_closed``: a request was closed (``request=``, ``actor=``, ``note=``), sent inside the closing
  transaction, so that a receiver's writes (safety closing its linked incident) commit or roll back with it.
"""

from django.dispatch import Signal

request_closed = Signal()
