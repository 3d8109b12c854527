"""One extension per user-facing area (digests, topics, questions, admin, status); each
package's ``__init__`` only has ``setup()``, which ``NewsBot`` calls through
``load_extension``."""
