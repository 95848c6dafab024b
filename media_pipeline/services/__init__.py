"""Writes to the media library: views, commands and tasks call these, and
nothing else changes an asset's or a job's state."""
