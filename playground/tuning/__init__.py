"""Fine-tuning: the data, the training format and its loss mask, the loop, the schedule, the
adapters, and the room's training queue.

Package ``playground.tuning``: may import ``serving``, ``config``, ``errors``, ``textfiles``.
"""
