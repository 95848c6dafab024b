"""System checks for the media pipeline (ids media_pipeline.E…/W…)."""
