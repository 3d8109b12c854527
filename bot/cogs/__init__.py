"""One cog per user-facing area: digests, topics, questions (story/ask/search), admin."""
