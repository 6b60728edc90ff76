"""The durable due-work queue: rows with a due time, claimed atomically, retried, never lost."""
