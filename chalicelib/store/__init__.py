"""The only code that talks to DynamoDB: PynamoDB models and repositories returning domain objects."""
