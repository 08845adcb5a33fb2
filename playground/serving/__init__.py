"""What every generation passes through: settings and their checks, the per-row sampler, the
batched decode engine, the generation service and its handles, prompt rendering (chat templates
and fallbacks), the step recorder, the job queue, the registry, the catalog, residency and
remote engines.

May import: only itself, ``config`` and ``errors`` (the bottom layer). Never streamlit, ``ui``,
``cli`` or a feature package.
"""
