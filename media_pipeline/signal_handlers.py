"""File clean-up only: business logic lives in services."""
