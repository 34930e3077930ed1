"""Account-side reactions to model events."""
