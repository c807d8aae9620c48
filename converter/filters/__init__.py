"""Small pure functions the templates call, one concern per module."""
