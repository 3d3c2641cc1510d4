"""Agent actions as plain functions, shared by the console and the CLI."""
