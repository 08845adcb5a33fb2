"""Every benchmark and diagnostic in one place: ``bench`` and ``soak`` (loadtest), the
schedulers side by side (fairbench), the sampling lab's batch bench (batchbench), the device
check (gpucheck, gpucheck_bnb, gpucheck_scaling), one decode step's profile (stepprofile) and
the host-sync counter (syncs).

May import: the feature packages and ``room``, ``serving``, ``config``, ``errors``. Only ``ui``
and ``cli`` import it. Never streamlit, ``ui`` or ``cli``.
"""
