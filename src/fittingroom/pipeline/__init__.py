"""The local try-on: one stage per module, pure functions on arrays.

Entry point: `fittingroom.pipeline.tryon.run_tryon`. Models are loaded once per process by
`fittingroom.pipeline.models.load_models` and passed in.
"""
