"""What the reports app tells the rest of the project.

``incident_opened`` and ``incident_resolved`` are sent (``sender=Incident``, ``incident=…``) once
the transaction that recorded the transition commits: a receiver (the annotations of incidents)
sees the incident as stored.
"""

from django.dispatch import Signal

incident_opened = Signal()
incident_resolved = Signal()
