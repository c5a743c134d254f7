from django.dispatch import Signal

# Sent (after commit) when an import job has written new lines for a workspace.
# Arguments: workspace_id, job_id.
orders_imported = Signal()
