"""Benchmarks that print ratios measured side by side in one run (`make bench`).

They are not tests: nothing here asserts a time. Each contender runs on the
same generated clip, in the same process tree, several times in rotating
order, and the report compares medians. Results are written up, with the
machine they ran on, in BENCHMARKS.md.

- ``pipeline_bench``: the real pipeline (``ingest --wait``) against the same
  ffmpeg command run bare, against one ffmpeg per rendition, and the cost of
  the stills inside the one pass;
- ``upload_memory_bench``: the web process's memory while it receives a large
  tus upload.
"""
